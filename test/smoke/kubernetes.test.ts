import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1DaemonSet, type V1Deployment } from '@kubernetes/client-node';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { waitFor } from '../support/process';

const nodeCount = 3;
let cluster: KubeControlPlane;
before(async () => {
  cluster = await kubeControlPlane({ nodes: nodeCount });
});
after(async () => {
  await cluster?.stop();
});

const labels = { app: 'smoke-web' };
const container = { name: 'web', image: 'registry.example/smoke-web:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } };

const deployment: V1Deployment & KubernetesObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'smoke-web', namespace: 'default' },
  spec: { replicas: 3, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container] } } },
};

const daemonSet: V1DaemonSet & KubernetesObject = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'smoke-agent', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'smoke-agent' } },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
    template: { metadata: { labels: { app: 'smoke-agent' } }, spec: { containers: [{ ...container, name: 'agent' }] } },
  },
};

test('server-side applied workloads are scheduled onto simulated nodes and turn Ready', async () => {
  const objects = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  for (const object of [deployment, daemonSet]) {
    await objects.patch(object, undefined, undefined, 'eksflow-smoke', true, PatchStrategy.ServerSideApply);
  }

  const webPods = await waitFor('3 Ready smoke-web pods', async () => {
    const pods = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=smoke-web' })).items;
    const ready = pods.filter((pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length === 3 ? ready : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  for (const pod of webPods) {
    assert.ok(cluster.nodeNames.includes(pod.spec?.nodeName ?? ''), `pod ${pod.metadata?.name} is bound to a simulated node`);
    assert.ok(pod.status?.podIP, 'KWOK gave the pod an IP');
  }
  // The scheduler saw the pods' requests against the nodes' capacity, so the events say who placed them.
  const events = (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'reason=Scheduled' })).items;
  assert.ok(events.some((event) => event.source?.component === 'default-scheduler' || event.reportingComponent === 'default-scheduler'), 'placed by kube-scheduler');

  const available = await waitFor('the Deployment to report 3 available replicas', async () => {
    const status = (await apps.readNamespacedDeployment({ name: 'smoke-web', namespace: 'default' })).status;
    return status?.availableReplicas === 3 ? status : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  assert.equal(available.readyReplicas, 3);

  const daemonStatus = await waitFor('one Ready DaemonSet pod per node', async () => {
    const status = (await apps.readNamespacedDaemonSet({ name: 'smoke-agent', namespace: 'default' })).status;
    return status?.numberReady === nodeCount ? status : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  assert.equal(daemonStatus.desiredNumberScheduled, nodeCount);
  const agentNodes = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=smoke-agent' })).items.map((pod) => pod.spec?.nodeName);
  assert.deepEqual([...agentNodes].sort(), [...cluster.nodeNames].sort());
});
