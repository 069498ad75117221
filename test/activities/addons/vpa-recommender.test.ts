import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CustomObjectsApi, KubernetesObjectApi } from '@kubernetes/client-node';
import { createAppActivities } from '../../../src/activities/app';
import { kubeconfigAccess } from '../../../src/activities/kube-access';
import { appFrom } from '../../fixtures/specs';
import { kubeControlPlane, kwokUsage, type KubeControlPlane } from '../../support/kube';
import { waitFor, type Started } from '../../support/process';
import { vpaRecommender } from '../../support/vpa';

// The app's VerticalPodAutoscaler, as eksflow writes it, read by the real VPA recommender
// (v1.8.1, beside the control plane) from the CPU KWOK's emulated kubelets report: the
// recommendation is the recommender's, not one a test wrote.

let cluster: KubeControlPlane;
let recommender: Started;
before(async () => {
  cluster = await kubeControlPlane({ nodes: 2, metrics: true });
  recommender = await vpaRecommender(cluster);
});
after(async () => {
  await recommender?.stop();
  await cluster?.stop();
});

/**
 * CPU as millicores, from a Kubernetes quantity ("287m", "1", "1.5", "100G": with little history
 * the recommender's upper bound is huge, in decimal SI suffixes).
 */
function millicores(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T)?$/.exec(quantity);
  if (!match) throw new Error(`not a CPU quantity: ${quantity}`);
  const scale = { m: 1, '': 1e3, k: 1e6, M: 1e9, G: 1e12, T: 1e15 }[match[2] ?? ''] ?? Number.NaN;
  return Number(match[1]) * scale;
}

interface VpaStatus {
  recommendation?: { containerRecommendations?: { containerName: string; target: { cpu: string; memory: string }; lowerBound: { cpu: string }; upperBound: { cpu: string } }[] };
}

test('the app\'s VerticalPodAutoscaler gets the real recommender\'s recommendation from the CPU its pods use', { timeout: 5 * 60_000 }, async () => {
  const app = appFrom({ name: 'sized', namespace: 'sized', replicas: 2, containerPort: 8080, requests: { cpu: '50m', memory: '32Mi' }, vpa: { updateMode: 'Off' } });
  await KubernetesObjectApi.makeApiClient(cluster.kubeConfig).create(kwokUsage('sized-usage', ['sized'], { cpu: '400m', memory: '64Mi' }));
  const applied = await createAppActivities(kubeconfigAccess(cluster.kubeconfigPath)).applyApp({ cluster: 'test-bed', environment: 'team-a/demo', app, image: 'registry.example/sized:1' });
  assert.ok(applied.applied.includes('VerticalPodAutoscaler/sized'), applied.applied.join(', '));

  const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  // Its first recommendations can come before any usage sample reached it (metrics-server
  // scrapes every 10 s, and CPU is a rate: two scrapes): then it recommends its floor, 25m
  // (--pod-recommendation-min-cpu-millicores). Wait for one made from samples.
  const floor = 25;
  const seen: string[] = [];
  const recommendation = await waitFor('the recommender to recommend from the pods\' usage', async () => {
    const vpa = await custom.getNamespacedCustomObject({ group: 'autoscaling.k8s.io', version: 'v1', namespace: 'sized', plural: 'verticalpodautoscalers', name: 'sized' }) as { status?: VpaStatus };
    const first = vpa.status?.recommendation?.containerRecommendations?.[0];
    if (first && seen.at(-1) !== first.target.cpu) seen.push(first.target.cpu);
    return first && millicores(first.target.cpu) > floor && first;
  }, { timeoutMs: 4 * 60_000, intervalMs: 2_000 });
  console.log(`targets seen: ${seen.join(' → ')}`);
  console.log(`recommendation for ${recommendation.containerName}: target ${recommendation.target.cpu} CPU, ${recommendation.target.memory}; bounds ${recommendation.lowerBound.cpu}–${recommendation.upperBound.cpu}`);
  assert.equal(recommendation.containerName, 'sized');
  // Pods use 400m each against a 50m request: the recommender raises the request to at least
  // what they use (its target is a high percentile of usage plus a 15 % margin).
  assert.ok(millicores(recommendation.target.cpu) >= 400, `target ${recommendation.target.cpu} is below the 400m the pods use`);
  assert.ok(millicores(recommendation.upperBound.cpu) >= millicores(recommendation.target.cpu));
});
