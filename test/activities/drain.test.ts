import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AppsV1Api, CoreV1Api, PatchStrategy, PolicyV1Api, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDrainActivities, type DrainProgress } from '../../src/activities/drain';
import { nodegroupLabel } from '../../src/activities/nodegroups';
import type { DrainBlocker } from '../../src/domain/drain-blockers';
import { errorTypes } from '../../src/domain/errors';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { waitFor } from '../support/process';

// Drains against the real kube-apiserver, kube-controller-manager (whose disruption controller
// computes each budget's disruptionsAllowed) and kube-scheduler, with KWOK's nodes: the
// Eviction API's 429s, the replacement pods and where they land are all the real ones.
// Node group A is drained; group B is free to take its pods. The tests run in order.

let cluster: KubeControlPlane;
let core: CoreV1Api;
let apps: AppsV1Api;
let policy: PolicyV1Api;
const namespace = 'shop';
const groupA = ['group-a-0', 'group-a-1'];
const groupB = ['group-b-0', 'group-b-1'];
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
// A tenth of the durations given: a 30 s stuck time is 3 s, the 5 s eviction retry 0.5 s.
const { drainNodes, drainBlockers } = createDrainActivities({ forCluster: async () => cluster.kubeConfig }, (ms) => ms / 10);
const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
const eventually = <T>(what: string, observe: () => Promise<T | undefined | false>) => waitFor(what, observe, { timeoutMs: 60_000, intervalMs: 200 }) as Promise<T>;

const deployment = (name: string, replicas: number) => ({
  metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `registry.example/${name}:1` }] } } },
});
const podsOf = async (app: string) => (await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items.filter((pod) => !pod.metadata?.deletionTimestamp);
const isReady = (pod: V1Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const readyOn = async (app: string, replicas: number, nodes: readonly string[]) => {
  const pods = await podsOf(app);
  return pods.length === replicas && pods.every((pod) => isReady(pod) && nodes.includes(pod.spec?.nodeName ?? '')) && pods;
};
const budgetHealthy = (name: string, healthy: number) => eventually(`budget ${name} with ${healthy} healthy`, async () => {
  const pdb = await policy.readNamespacedPodDisruptionBudget({ name, namespace });
  return pdb.status?.observedGeneration === pdb.metadata?.generation && pdb.status?.currentHealthy === healthy;
});
const daemonPods = async () => (await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'app=node-agent' })).items.map((pod) => pod.spec?.nodeName).sort();
const setUnschedulable = (nodes: readonly string[], unschedulable: boolean) =>
  Promise.all(nodes.map((name) => core.patchNode({ name, body: { spec: { unschedulable } } }, mergePatch)));

/** The DrainBlocked failure a drain ended with. */
async function blocked(drain: Promise<unknown>): Promise<{ message: string; blockers: DrainBlocker[] }> {
  try {
    await drain;
  } catch (error) {
    assert.ok(error instanceof ApplicationFailure, String(error));
    assert.equal(error.type, errorTypes.drainBlocked);
    assert.equal(error.nonRetryable, true);
    return { message: error.message, blockers: (error.details?.[0] as { blockers: DrainBlocker[] }).blockers };
  }
  assert.fail('the drain succeeded');
}

before(async () => {
  cluster = await kubeControlPlane({ nodes: 0 });
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  policy = cluster.kubeConfig.makeApiClient(PolicyV1Api);
  await cluster.addNodes(groupA, { [nodegroupLabel]: 'a' });
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  // A node agent on every node, as the VPC CNI or kube-proxy: a drain leaves it.
  await apps.createNamespacedDaemonSet({ namespace: 'kube-system', body: {
    metadata: { name: 'node-agent' },
    spec: { selector: { matchLabels: { app: 'node-agent' } }, template: { metadata: { labels: { app: 'node-agent' } }, spec: { tolerations: [{ operator: 'Exists' }], containers: [{ name: 'agent', image: 'registry.example/agent:1' }] } } },
  } });
  await apps.createNamespacedDeployment({ namespace, body: deployment('web', 2) });
  await policy.createNamespacedPodDisruptionBudget({ namespace, body: { metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } } });
  await eventually('web Ready on group A', () => readyOn('web', 2, groupA));
  await budgetHealthy('web', 2);
  await cluster.addNodes(groupB, { [nodegroupLabel]: 'b' });
  await eventually('the node agent on every node', async () => (await daemonPods()).length === 4);
});
after(() => cluster?.stop());

test('a budget that allows no disruption: the drain cordons group A, makes no progress and fails DrainBlocked naming each pod, the budget and its node', async () => {
  const pods = await podsOf('web');
  const failure = await blocked(inActivity(drainNodes, { cluster: 'test-bed', selector: `${nodegroupLabel}=a`, stuckAfterSeconds: 30 }));
  const expected = pods.map((pod) => ({ pod: `${namespace}/${pod.metadata!.name}`, node: pod.spec!.nodeName!, pdb: 'shop/web', kind: 'disruptionBudget', reason: 'minAvailable 2 with 2 healthy: 0 disruptions allowed' }))
    .sort((a, b) => a.node.localeCompare(b.node) || a.pod.localeCompare(b.pod));
  assert.deepEqual(failure.blockers, expected);
  assert.match(failure.message, /^drain of group-a-0, group-a-1 blocked \(no pod has left for 30 s\): /);
  for (const blocker of expected) assert.ok(failure.message.includes(`pod ${blocker.pod} on node ${blocker.node} blocked by PodDisruptionBudget shop/web: minAvailable 2 with 2 healthy`), failure.message);
  const nodes = await Promise.all(groupA.map((name) => core.readNode({ name })));
  assert.ok(nodes.every((node) => node.spec?.unschedulable === true), 'group A is cordoned');
  assert.ok(await readyOn('web', 2, groupA), 'nothing was evicted');
});

test('drainBlockers, while group A stays cordoned, lists the same blockers; a group not cordoned has none', async () => {
  const look = await inActivity(drainBlockers, { cluster: 'test-bed', selector: `${nodegroupLabel}=a` });
  assert.deepEqual(look.cordoned, groupA);
  assert.equal(look.pods, 2, 'the node agent is not counted');
  assert.deepEqual(look.blockers.map((b) => [b.pdb, b.reason]), [['shop/web', 'minAvailable 2 with 2 healthy: 0 disruptions allowed'], ['shop/web', 'minAvailable 2 with 2 healthy: 0 disruptions allowed']]);
  assert.deepEqual(await inActivity(drainBlockers, { cluster: 'test-bed', selector: `${nodegroupLabel}=b` }), { cordoned: [], pods: 0, blockers: [] });
});

test('with the budget relaxed to minAvailable 1 the drain completes: one pod at a time, rescheduled onto group B; the node agent stays', async () => {
  await policy.patchNamespacedPodDisruptionBudget({ name: 'web', namespace, body: { spec: { minAvailable: 1 } } }, mergePatch);
  const heartbeats: DrainProgress[] = [];
  const environment = new MockActivityEnvironment();
  environment.on('heartbeat', (details: DrainProgress) => heartbeats.push(details));
  const done = await environment.run(drainNodes, { cluster: 'test-bed', selector: `${nodegroupLabel}=a`, stuckAfterSeconds: 30 });
  assert.deepEqual(done, { nodes: groupA, remaining: 0, evicted: 2, forced: [], blockers: [] });
  assert.ok(heartbeats.some((beat) => beat.remaining > 0), 'progress was reported while pods were leaving');
  await eventually('web Ready on group B', () => readyOn('web', 2, groupB));
  assert.deepEqual(await daemonPods(), [...groupA, ...groupB]);
  // Again: the nodes are cordoned and empty already.
  assert.deepEqual(await inActivity(drainNodes, { cluster: 'test-bed', nodes: groupA, stuckAfterSeconds: 30 }), { nodes: groupA, remaining: 0, evicted: 0, forced: [], blockers: [] });
});

test('force: a pod without a controller stops a plain drain at once; with force it is evicted, and a pod its budget holds is deleted once the drain is stuck', async () => {
  await apps.createNamespacedDeployment({ namespace, body: deployment('ledger', 1) });
  await policy.createNamespacedPodDisruptionBudget({ namespace, body: { metadata: { name: 'ledger' }, spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'ledger' } } } } });
  const [ledger] = await eventually('ledger Ready on group B', () => readyOn('ledger', 1, groupB));
  await budgetHealthy('ledger', 1);
  await core.createNamespacedPod({ namespace, body: { metadata: { name: 'debug', labels: { app: 'debug' } }, spec: { nodeName: groupB[0], containers: [{ name: 'sh', image: 'registry.example/sh:1' }] } } });
  await eventually('the debug pod Ready', async () => isReady(await core.readNamespacedPod({ name: 'debug', namespace })));
  await setUnschedulable(groupA, false);

  const plain = await blocked(inActivity(drainNodes, { cluster: 'test-bed', selector: `${nodegroupLabel}=b`, stuckAfterSeconds: 30 }));
  assert.deepEqual(plain.blockers, [{ pod: 'shop/debug', node: groupB[0], kind: 'noController', reason: 'cannot delete Pods that declare no controller (use --force to override)' }]);
  assert.match(plain.message, /the drain cannot start/);

  const done = await inActivity(drainNodes, { cluster: 'test-bed', selector: `${nodegroupLabel}=b`, stuckAfterSeconds: 30, force: true });
  assert.deepEqual(done.forced, [`${namespace}/${ledger!.metadata!.name}`]);
  assert.equal(done.remaining, 0);
  assert.equal(done.evicted, 3, 'both web pods and the debug pod');
  await eventually('web and ledger Ready on group A', async () => (await readyOn('web', 2, groupA)) && readyOn('ledger', 1, groupA));
  assert.deepEqual(await daemonPods(), [...groupA, ...groupB]);
});
