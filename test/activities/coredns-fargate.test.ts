import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCorednsFargateActivities } from '../../src/activities/coredns-fargate';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';

// Catalog entry 31 against the real kube-apiserver, controller-manager and scheduler: the
// activity's merge patch, the real Deployment rollout it causes and the readiness it waits
// for. Fargate is the played part (no registry serves it): EKS's admission hands pods
// without `compute-type: ec2` to its own scheduler, which starts one node per pod named
// `fargate-ip-…`; here the test binds each such pod to a KWOK node of that name, tainted as
// Fargate's nodes are so that nothing else lands there.

let cluster: KubeControlPlane;
let core: CoreV1Api;
let apps: AppsV1Api;
const fargateNode = 'fargate-ip-10-0-1-17.us-east-1.compute.internal';
let binder: NodeJS.Timeout | undefined;

before(async () => {
  cluster = await kubeControlPlane({ nodes: 0 });
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  await cluster.addNodes([fargateNode], { 'eks.amazonaws.com/compute-type': 'fargate' });
  await core.patchNode({ name: fargateNode, body: [{ op: 'add', path: '/spec/taints', value: [{ key: 'eks.amazonaws.com/compute-type', value: 'fargate', effect: 'NoSchedule' }] }] });
  // CoreDNS as EKS makes it: two replicas, the pod template annotated compute-type ec2.
  const labels = { 'k8s-app': 'kube-dns', 'eks.amazonaws.com/component': 'coredns' };
  await apps.createNamespacedDeployment({
    namespace: 'kube-system',
    body: {
      metadata: { name: 'coredns', labels },
      spec: {
        replicas: 2, selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        template: {
          metadata: { labels, annotations: { 'eks.amazonaws.com/compute-type': 'ec2' } },
          spec: { containers: [{ name: 'coredns', image: '602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/coredns:v1.11.4-eksbuild.2' }] },
        },
      },
    },
  });
  // Fargate's part: a pod annotated fargate is bound to the Fargate node.
  binder = setInterval(() => void bindFargatePods().catch(() => undefined), 200);
});
after(async () => {
  clearInterval(binder);
  await cluster?.stop();
});

async function bindFargatePods(): Promise<void> {
  const pods = (await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' })).items;
  for (const pod of pods) {
    if (pod.spec?.nodeName || pod.metadata?.deletionTimestamp || pod.metadata?.annotations?.['eks.amazonaws.com/compute-type'] !== 'fargate') continue;
    await core.createNamespacedBinding({ namespace: 'kube-system', body: { metadata: { name: pod.metadata!.name! }, target: { apiVersion: 'v1', kind: 'Node', name: fargateNode } } });
  }
}

const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;

test('the real apiserver: CoreDNS annotated ec2 stays Pending; the activity patches it to fargate, the rollout replaces the pods, and it returns once both are Ready on the fargate- node', async () => {
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const stuck = (await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' })).items;
  assert.ok(stuck.length >= 2 && stuck.every((pod) => pod.status?.phase === 'Pending' && !pod.spec?.nodeName), JSON.stringify(stuck.map((p) => [p.status?.phase, p.spec?.nodeName])));
  const { runCorednsOnFargate } = createCorednsFargateActivities(kubeconfigAccess(cluster.kubeconfigPath), (ms) => ms / 10);
  const moved = await inActivity(runCorednsOnFargate, { cluster: 'test-bed' });
  assert.deepEqual(moved, { patched: true, replicas: 2, ready: 2, onFargate: 2, pods: 2 });
  const deployment = await apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' });
  assert.equal(deployment.spec?.template.metadata?.annotations?.['eks.amazonaws.com/compute-type'], 'fargate');
  assert.equal(deployment.metadata?.generation, 2, 'one patch, one rollout');
  assert.deepEqual(await inActivity(runCorednsOnFargate, { cluster: 'test-bed' }), { patched: false, replicas: 2, ready: 2, onFargate: 2, pods: 2 });
});
