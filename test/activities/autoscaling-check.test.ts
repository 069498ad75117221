import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { createAppActivities } from '../../src/activities/app';
import type { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { cpuMillis, createAutoscalingCheckActivities, createAutoscalingProbeActivities, type ProbeProgress } from '../../src/activities/autoscaling-check';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import { appFrom } from '../fixtures/specs';
import { playClusterAutoscaler, triggeredScaleUpEvents, writeAutoscalerStatus } from '../support/cluster-autoscaler-status';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { waitFor } from '../support/process';

let cluster: KubeControlPlane;
let check: ReturnType<typeof createAutoscalingCheckActivities>;
let probe: ReturnType<typeof createAutoscalingProbeActivities>;
let app: ReturnType<typeof createAppActivities>;
before(async () => {
  cluster = await kubeControlPlane({ nodes: 2, nodeLabels: { 'eks.amazonaws.com/nodegroup': 'general' } });
  const kube = kubeconfigAccess(cluster.kubeconfigPath);
  check = createAutoscalingCheckActivities(kube);
  probe = createAutoscalingProbeActivities(kube);
  app = createAppActivities(kube);
});
after(() => cluster?.stop());

const target = 'test-bed';
const web = appFrom({ name: 'web', containerPort: 8080, hpa: { minReplicas: 2, maxReplicas: 4, targetCpuUtilization: 60 } });


test('an HPA without a metrics API is reported not scaling, with the HPA controller\'s own reason', async () => {
  await app.applyApp({ cluster: target, environment: 'team-a/demo', app: web, image: 'registry.example/web:1' });
  // The test bed's apiserver serves no metrics.k8s.io, as a cluster whose metrics-server is missing or broken.
  const observed = await waitFor('the HPA controller to report on the HPA', async () => {
    const observation = await check.verifyAutoscaling({ cluster: target, app: web, clusterAutoscaler: false });
    return observation.checks[0]?.detail.startsWith('not scaling') ? observation : undefined;
  }, { timeoutMs: 60_000, intervalMs: 500 });
  assert.equal(observed.status, 'waiting');
  assert.equal(observed.checks[0]!.check, 'HPA web/web reads CPU');
  assert.match(observed.checks[0]!.detail, /^not scaling: FailedGetResourceMetric: .*cpu/);
});

test('cluster-autoscaler\'s status report decides its check: verified when Healthy, waiting otherwise or before its first loop', async () => {
  const only = { cluster: target, clusterAutoscaler: true };
  const before = await check.verifyAutoscaling(only);
  assert.deepEqual(before, { status: 'waiting', checks: [{ check: 'cluster-autoscaler reports Healthy', ok: false, detail: 'no status in ConfigMap kube-system/cluster-autoscaler-status yet: the autoscaler has not finished a loop' }] });
  await writeAutoscalerStatus(cluster.kubeConfig, 'Healthy');
  const healthy = await check.verifyAutoscaling(only);
  assert.equal(healthy.status, 'verified');
  assert.match(healthy.checks[0]!.detail, /^health Healthy \(ready=2/);
  await writeAutoscalerStatus(cluster.kubeConfig, 'Unhealthy');
  assert.equal((await check.verifyAutoscaling(only)).status, 'waiting');
  // Both checks together: one failing holds the verification.
  await writeAutoscalerStatus(cluster.kubeConfig, 'Healthy');
  const both = await check.verifyAutoscaling({ ...only, app: web });
  assert.equal(both.status, 'waiting');
  assert.deepEqual(both.checks.map((c) => c.ok), [false, true]);
});

const probeGone = async () => {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const namespace = await core.readNamespace({ name: 'eksflow-autoscaling-probe' }).catch(() => undefined);
  return namespace === undefined || namespace.metadata?.deletionTimestamp !== undefined;
};

test('CPU quantities read as millicores', () => {
  assert.deepEqual(['4', '3920m', '0.5', '250m'].map(cpuMillis), [4000, 3920, 500, 250]);
});

test('the active probe fails, naming the Pending pods, when no node joins in time, and removes itself', async () => {
  const activity = new MockActivityEnvironment();
  const stages: string[] = [];
  activity.on('heartbeat', (progress: ProbeProgress) => stages.push(progress.stage));
  await assert.rejects(activity.run(probe.probeAutoscaling, { cluster: target, nodeGroups: ['general'], timeoutSeconds: 6 }), (error: ApplicationFailure) => {
    assert.equal(error.nonRetryable, true);
    assert.match(error.message, /probe pods still Pending after \d+s and 2 nodes \(2 before\): no autoscaler grew general/);
    return true;
  });
  assert.ok(stages.includes('pending'), stages.join());
  assert.equal(stages.at(-1), 'cleaning-up');
  assert.ok(await probeGone(), 'the probe namespace is being deleted');
  await waitFor('the probe namespace to go', async () => (await cluster.kubeConfig.makeApiClient(CoreV1Api).listNamespace()).items.every((n) => n.metadata?.name !== 'eksflow-autoscaling-probe'), { timeoutMs: 60_000, intervalMs: 500 });
});

test('the active probe sees a pod Pending, the played cluster-autoscaler grow the group for it (as upstream records it), a node join and every probe pod run', async () => {
  // The Auto Scaling group behind node group general, tagged for auto-discovery as EKS tags it; room for one more node.
  const asg = { name: 'eks-general-5ec9a0f2', nodegroup: 'general', minSize: 1, maxSize: 3, desiredSize: 2, tags: { 'k8s.io/cluster-autoscaler/enabled': 'true', 'k8s.io/cluster-autoscaler/demo': 'owned' } };
  const autoscaler = await playClusterAutoscaler(cluster, { clusterName: 'demo', groups: [asg], intervalMs: 500 });
  try {
    const activity = new MockActivityEnvironment();
    const seen: ProbeProgress[] = [];
    activity.on('heartbeat', (progress: ProbeProgress) => seen.push(progress));
    const running = activity.run(probe.probeAutoscaling, { cluster: target, nodeGroups: ['general'], timeoutSeconds: 120 }) as ReturnType<typeof probe.probeAutoscaling>;
    let done = false;
    running.catch(() => undefined).finally(() => { done = true; });
    // What the autoscaler recorded, read from the API while the probe's namespace still exists.
    const triggered = new Map<string, string>();
    const statuses = new Set<string>();
    while (!done) {
      for (const event of await triggeredScaleUpEvents(cluster.kubeConfig, 'eksflow-autoscaling-probe').catch(() => [])) triggered.set(event.involvedObject.name!, `${event.source?.component}: ${event.message}`);
      statuses.add((await check.verifyAutoscaling({ cluster: target, clusterAutoscaler: true })).checks[0]!.detail);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const report = await running;
    assert.equal(report.nodesBefore, 2);
    assert.equal(report.nodesAfter, 3);
    assert.ok(report.scheduledAfterSeconds >= report.pendingAfterSeconds);
    assert.equal(seen.at(-1)?.stage, 'cleaning-up');
    assert.ok(await probeGone());

    // One scale-up, of the discovered group, from 2 to 3 of at most 3, for the one pending pod.
    assert.deepEqual(autoscaler.scaleUps.map((p) => [p.group, p.currentSize, p.newSize, p.maxSize, p.pods.length]), [['eks-general-5ec9a0f2', 2, 3, 3, 1]]);
    assert.deepEqual([...triggered.values()], ['cluster-autoscaler: pod triggered scale-up: [{eks-general-5ec9a0f2 2->3 (max: 3)}]']);
    const scaled = (await cluster.kubeConfig.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'kube-system', fieldSelector: 'reason=ScaledUpGroup' })).items;
    assert.deepEqual(scaled.map((e) => e.message), ['Scale-up: setting group eks-general-5ec9a0f2 size to 3 instead of 2 (max: 3)']);
    assert.ok([...statuses].some((s) => s.includes('scale-up InProgress')), [...statuses].join(' | '));
    assert.deepEqual(autoscaler.groups.map((g) => g.desiredSize), [3]);
    // Once the new node is Ready the report says so.
    await waitFor('the scale-up reported done', async () => (await check.verifyAutoscaling({ cluster: target, clusterAutoscaler: true })).checks[0]!.detail
      === 'health Healthy (ready=3 registered=3); scale-up NoActivity; scale-down NoCandidates', { timeoutMs: 30_000, intervalMs: 250 });
  } finally {
    await autoscaler.stop();
  }
});
