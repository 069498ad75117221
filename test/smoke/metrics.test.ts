import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AppsV1Api, AutoscalingV2Api, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { createAppActivities } from '../../src/activities/app';
import { createAutoscalingCheckActivities } from '../../src/activities/autoscaling-check';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import { appFrom } from '../fixtures/specs';
import { kubeControlPlane, kwokUsage, type KubeControlPlane } from '../support/kube';
import { waitFor } from '../support/process';

let cluster: KubeControlPlane;
before(async () => {
  cluster = await kubeControlPlane({ nodes: 2, metrics: true });
});
after(() => cluster?.stop());

/** metrics.k8s.io's PodMetrics, as `kubectl top pod` reads it. */
interface PodMetrics { containers: { name: string; usage: { cpu: string; memory: string } }[] }
interface NodeMetrics { usage: { cpu: string; memory: string } }

/** CPU quantities as the metrics API writes them ("123456789n", "250m", "1") in millicores. */
function millicores(quantity: string): number {
  const units: Record<string, number> = { n: 1e-6, u: 1e-3, m: 1 };
  const unit = units[quantity.slice(-1)];
  return unit === undefined ? Number(quantity) * 1000 : Number(quantity.slice(0, -1)) * unit;
}

const metricsApi = { group: 'metrics.k8s.io', version: 'v1beta1' };

test('the metrics API serves the CPU usage KWOK emulates for a running pod, and its node\'s', async () => {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const objects = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  const metrics = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: 'busy' } } });
  await objects.create(kwokUsage('busy', ['busy'], { cpu: '300m', memory: '64Mi' }));
  const pod: V1Pod = { metadata: { name: 'worker', namespace: 'busy' }, spec: { containers: [{ name: 'worker', image: 'registry.example/worker:1', resources: { requests: { cpu: '500m' } } }] } };
  await core.createNamespacedPod({ namespace: 'busy', body: pod });
  // Two scrapes after the pod runs, since CPU is a rate of KWOK's cumulative counter.
  const podMetrics = await waitFor('PodMetrics for busy/worker', async () => await metrics.getNamespacedCustomObject({ ...metricsApi, namespace: 'busy', plural: 'pods', name: 'worker' })
    .catch(() => undefined) as PodMetrics | undefined, { timeoutMs: 60_000, intervalMs: 1_000 });
  assert.deepEqual(podMetrics.containers.map((c) => c.name), ['worker']);
  const cpu = millicores(podMetrics.containers[0]!.usage.cpu);
  assert.ok(Math.abs(cpu - 300) <= 3, `pod CPU ${podMetrics.containers[0]!.usage.cpu} is not ~300m`);
  assert.equal(podMetrics.containers[0]!.usage.memory, '64Mi');

  const nodeName = (await core.readNamespacedPod({ name: 'worker', namespace: 'busy' })).spec!.nodeName!;
  const nodeMetrics = await metrics.getClusterCustomObject({ ...metricsApi, plural: 'nodes', name: nodeName }) as NodeMetrics;
  assert.ok(millicores(nodeMetrics.usage.cpu) >= 297, `node ${nodeName} CPU ${nodeMetrics.usage.cpu} leaves out its pod's 300m`);
});

test('an HPA reads the emulated CPU, scales the Deployment up, and the autoscaling check reports it', async (t) => {
  const kube = kubeconfigAccess(cluster.kubeconfigPath);
  const check = createAutoscalingCheckActivities(kube);
  const web = appFrom({ name: 'web', containerPort: 8080, replicas: 2, hpa: { minReplicas: 2, maxReplicas: 4, targetCpuUtilization: 60 } });
  // 200m of a 250m request: 80% against a 60% target, so the HPA must add pods.
  assert.equal(web.requests.cpu, '250m');
  await KubernetesObjectApi.makeApiClient(cluster.kubeConfig).create(kwokUsage('web', ['web'], { cpu: '200m' }) as KubernetesObject);
  await createAppActivities(kube).applyApp({ cluster: 'x', environment: 'team-a/demo', app: web, image: 'registry.example/web:1' });

  const verified = await waitFor('the autoscaling check to hold', async () => {
    const observation = await check.verifyAutoscaling({ cluster: 'x', app: web, clusterAutoscaler: false });
    return observation.status === 'verified' ? observation : undefined;
  }, { timeoutMs: 90_000, intervalMs: 1_000 });
  assert.equal(verified.checks[0]!.check, 'HPA web/web reads CPU');
  t.diagnostic(verified.checks[0]!.detail);
  assert.match(verified.checks[0]!.detail, /^CPU at (79|80|81)% of a 60% target, [234] replicas$/);

  const autoscaling = cluster.kubeConfig.makeApiClient(AutoscalingV2Api);
  const hpa = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'web' });
  assert.equal(hpa.status?.conditions?.find((c) => c.type === 'ScalingActive')?.status, 'True');
  const utilization = hpa.status?.currentMetrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.current.averageUtilization;
  assert.ok(utilization !== undefined && Math.abs(utilization - 80) <= 1, `HPA reads ${utilization}% rather than 80%`);

  // The real HPA controller scales up (2 → 3 at once; 4 only once the third pod has metrics, 30s on).
  const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  const scaled = await waitFor('the HPA to scale web up', async () => {
    const deployment = await apps.readNamespacedDeployment({ name: 'web', namespace: 'web' });
    return (deployment.spec?.replicas ?? 0) > 2 ? deployment : undefined;
  }, { timeoutMs: 60_000, intervalMs: 1_000 });
  assert.ok(scaled.spec!.replicas! <= 4, `scaled past maxReplicas to ${scaled.spec!.replicas}`);
  const rescaled = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'web' });
  assert.ok((rescaled.status?.desiredReplicas ?? 0) > 2 && rescaled.status?.lastScaleTime !== undefined, 'the HPA records no scale-up');
});
