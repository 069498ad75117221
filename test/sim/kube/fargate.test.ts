import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCorednsFargateActivities } from '../../../src/activities/coredns-fargate';
import { startSimKube, type SimKube } from '../../../src/sim/kube';
import { waitFor } from '../../support/process';

// Catalog entry 31 on the simulated EKS: CoreDNS is made annotated compute-type ec2, so on
// Fargate alone its pods stay Pending however long one waits; eksctl's fix (the annotation
// set to fargate, which rolls the Deployment onto Fargate) is what the activity does.

const speedup = 1000;
let kube: SimKube;
let config: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
const cluster = 'fargate-only';

before(async () => {
  // 1000×: a Fargate node Ready in 30 ms, its pod in 60 ms more.
  kube = await startSimKube({ speedup });
  kube.addCluster(cluster, { region: 'eu-west-1' });
  kube.setFargateProfiles(cluster, [{ name: 'fp-default', selectors: [{ namespace: 'default' }, { namespace: 'kube-system' }] }]);
  config = await kube.access.forCluster(cluster);
  core = config.makeApiClient(CoreV1Api);
  apps = config.makeApiClient(AppsV1Api);
});
after(() => kube?.close());

const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
const corednsPods = async () => (await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' })).items;

test('on Fargate alone, EKS\'s CoreDNS (compute-type ec2) stays Pending while a pod a profile selects runs on a fargate- node of its own', async () => {
  const deployment = await apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' });
  assert.equal(deployment.spec?.template.metadata?.annotations?.['eks.amazonaws.com/compute-type'], 'ec2');
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'hello' }, spec: { containers: [{ name: 'hello', image: 'public.ecr.aws/nginx/nginx:1.27' }] } } });
  const hello = await waitFor('the pod Running on Fargate', async () => {
    const pod = await core.readNamespacedPod({ name: 'hello', namespace: 'default' });
    return pod.status?.phase === 'Running' ? pod : undefined;
  }, { timeoutMs: 10_000, intervalMs: 20 });
  assert.match(hello.spec?.nodeName ?? '', /^fargate-ip-[0-9-]+\.eu-west-1\.compute\.internal$/);
  assert.equal(hello.spec?.schedulerName, 'fargate-scheduler');
  // Ten simulated minutes: CoreDNS is still nowhere, left to a default scheduler with no EC2 node.
  await new Promise((resolve) => setTimeout(resolve, 600_000 / speedup));
  const pods = await corednsPods();
  assert.equal(pods.length, 2);
  for (const pod of pods) {
    assert.equal(pod.status?.phase, 'Pending');
    assert.equal(pod.spec?.nodeName, undefined);
    assert.match(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? '', /0\/1 nodes are available/);
  }
  assert.equal((await apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' })).status?.readyReplicas ?? 0, 0);
  // Fargate runs no DaemonSet pods.
  assert.equal((await apps.readNamespacedDaemonSet({ name: 'kube-proxy', namespace: 'kube-system' })).status?.desiredNumberScheduled, 0);
  await core.deleteNamespacedPod({ name: 'hello', namespace: 'default' });
  await waitFor('its Fargate node gone with it', async () => (await core.listNode()).items.every((node) => node.metadata?.name !== hello.spec?.nodeName), { timeoutMs: 5_000, intervalMs: 20 });
});

test('runCorednsOnFargate patches the annotation to fargate and returns once both replicas are Ready on fargate- nodes; again, it patches nothing', async () => {
  const { runCorednsOnFargate } = createCorednsFargateActivities(kube.access, (ms) => ms / speedup);
  const moved = await inActivity(runCorednsOnFargate, { cluster });
  assert.deepEqual(moved, { patched: true, replicas: 2, ready: 2, onFargate: 2, pods: 2 });
  const deployment = await apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' });
  assert.equal(deployment.spec?.template.metadata?.annotations?.['eks.amazonaws.com/compute-type'], 'fargate');
  assert.equal(deployment.status?.readyReplicas, 2);
  const pods = await corednsPods();
  assert.equal(pods.length, 2, 'the Pending pods of the ec2 template are gone');
  for (const pod of pods) assert.match(pod.spec?.nodeName ?? '', /^fargate-ip-/);
  assert.deepEqual(await inActivity(runCorednsOnFargate, { cluster }), { patched: false, replicas: 2, ready: 2, onFargate: 2, pods: 2 });
});
