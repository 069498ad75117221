import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  describeBlockers, drainBlockers, localStorageMessage, multipleBudgetsMessage, noControllerMessage, podDrainClass, selectorMatches,
  type DrainBudget, type DrainPod,
} from '../../src/domain/drain-blockers';

const ready = [{ type: 'Ready', status: 'True' }];
const pod = (name: string, node: string, extra: { labels?: Record<string, string>; owner?: string; ready?: boolean; phase?: string; emptyDir?: boolean; mirror?: boolean; deleting?: boolean; namespace?: string } = {}): DrainPod => ({
  metadata: {
    name, namespace: extra.namespace ?? 'shop', labels: extra.labels ?? { app: 'web' },
    ...(extra.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'abc' } } : {}),
    ...(extra.owner === undefined ? { ownerReferences: [{ kind: 'ReplicaSet', name: 'web-5d8f', controller: true }] } : extra.owner ? { ownerReferences: [{ kind: extra.owner, name: 'x', controller: true }] } : {}),
    ...(extra.deleting ? { deletionTimestamp: '2026-12-07T10:00:00Z' } : {}),
  },
  spec: { nodeName: node, ...(extra.emptyDir ? { volumes: [{ name: 'cache', emptyDir: {} }] } : {}) },
  status: { phase: extra.phase ?? 'Running', conditions: extra.ready === false ? [{ type: 'Ready', status: 'False' }] : ready },
});
const budget = (name: string, spec: DrainBudget['spec'], status: DrainBudget['status'], namespace = 'shop'): DrainBudget => ({
  metadata: { name, namespace, generation: 1 }, spec, status: { observedGeneration: 1, ...status },
});
const tight = budget('web', { minAvailable: 2, selector: { matchLabels: { app: 'web' } } }, { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 2 });

test('a pod whose budget allows no disruption blocks, named with its budget, node and the budget in words', () => {
  const blockers = drainBlockers({ nodes: ['a-0'], pods: [pod('web-1', 'a-0'), pod('web-2', 'b-0')], pdbs: [tight] });
  assert.deepEqual(blockers, [{ pod: 'shop/web-1', node: 'a-0', pdb: 'shop/web', kind: 'disruptionBudget', reason: 'minAvailable 2 with 2 healthy: 0 disruptions allowed' }]);
  assert.equal(describeBlockers(blockers), 'pod shop/web-1 on node a-0 blocked by PodDisruptionBudget shop/web: minAvailable 2 with 2 healthy: 0 disruptions allowed');
});

test('a budget with a disruption allowed, in another namespace, or selecting other labels blocks nothing', () => {
  const loose = budget('web', { minAvailable: 1, selector: { matchLabels: { app: 'web' } } }, { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 });
  const elsewhere = { ...tight, metadata: { ...tight.metadata, namespace: 'other' } };
  const otherApp = budget('api', { minAvailable: 2, selector: { matchLabels: { app: 'api' } } }, { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 2 });
  for (const pdb of [loose, elsewhere, otherApp]) assert.deepEqual(drainBlockers({ nodes: ['a-0'], pods: [pod('web-1', 'a-0')], pdbs: [pdb] }), []);
});

test('maxUnavailable and percentage budgets are described with what they need', () => {
  const zero = budget('ledger', { maxUnavailable: 0, selector: { matchLabels: { app: 'web' } } }, { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 });
  assert.equal(drainBlockers({ nodes: ['a-0'], pods: [pod('web-1', 'a-0')], pdbs: [zero] })[0]?.reason,
    'maxUnavailable 0 of 1 expected pods (1 must stay healthy) with 1 healthy: 0 disruptions allowed');
  const percent = budget('web', { minAvailable: '100%', selector: { matchLabels: { app: 'web' } } }, { disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3, expectedPods: 3 });
  assert.equal(drainBlockers({ nodes: ['a-0'], pods: [pod('web-1', 'a-0')], pdbs: [percent] })[0]?.reason,
    'minAvailable 100% (3 of 3 expected pods) with 3 healthy: 0 disruptions allowed');
  const unprocessed: DrainBudget = { ...tight, metadata: { ...tight.metadata, generation: 2 } };
  assert.equal(drainBlockers({ nodes: ['a-0'], pods: [pod('web-1', 'a-0')], pdbs: [unprocessed] })[0]?.reason,
    'not yet processed by the disruption controller: 0 disruptions allowed');
});

test('as the eviction API: an unready pod may go while its budget is healthy; Pending and finished pods ignore budgets', () => {
  const healthy = budget('web', { minAvailable: 1, selector: { matchLabels: { app: 'web' } } }, { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 2 });
  assert.deepEqual(drainBlockers({ nodes: ['a-0'], pods: [pod('web-1', 'a-0', { ready: false })], pdbs: [healthy] }), []);
  const unhealthy = budget('web', { minAvailable: 2, selector: { matchLabels: { app: 'web' } } }, { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2, expectedPods: 2 });
  assert.equal(drainBlockers({ nodes: ['a-0'], pods: [pod('web-1', 'a-0', { ready: false })], pdbs: [unhealthy] }).length, 1);
  assert.deepEqual(drainBlockers({ nodes: ['a-0'], pods: [pod('web-1', 'a-0', { ready: false })], pdbs: [{ ...unhealthy, spec: { ...unhealthy.spec, unhealthyPodEvictionPolicy: 'AlwaysAllow' } }] }), []);
  assert.deepEqual(drainBlockers({ nodes: ['a-0'], pods: [pod('web-1', 'a-0', { phase: 'Pending' }), pod('web-2', 'a-0', { phase: 'Succeeded' })], pdbs: [tight] }), []);
});

test('two budgets over one pod: the eviction API refuses it, both named', () => {
  const second = budget('web-all', { selector: {}, maxUnavailable: 1 }, { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 });
  assert.deepEqual(drainBlockers({ nodes: ['a-0'], pods: [pod('web-1', 'a-0')], pdbs: [tight, second] }),
    [{ pod: 'shop/web-1', node: 'a-0', pdb: 'shop/web, shop/web-all', kind: 'disruptionBudget', reason: multipleBudgetsMessage }]);
});

test('kubectl\'s rules: DaemonSet and mirror pods are left; no controller needs force; emptyDir needs deleteEmptyDirData; terminating pods are not blockers', () => {
  const pods = [
    pod('fluent-bit-x', 'a-0', { owner: 'DaemonSet' }), pod('kube-proxy-a-0', 'a-0', { owner: '', mirror: true }),
    pod('debug', 'a-0', { owner: '', labels: { app: 'debug' } }), pod('cache-1', 'a-0', { emptyDir: true, labels: { app: 'cache' } }), pod('web-9', 'a-0', { deleting: true }),
  ];
  assert.deepEqual(pods.map(podDrainClass), ['daemonSet', 'mirror', 'noController', 'localStorage', 'evictable']);
  assert.deepEqual(drainBlockers({ nodes: ['a-0'], pods, pdbs: [tight] }), [
    { pod: 'shop/cache-1', node: 'a-0', kind: 'localStorage', reason: localStorageMessage },
    { pod: 'shop/debug', node: 'a-0', kind: 'noController', reason: noControllerMessage },
  ]);
  assert.deepEqual(drainBlockers({ nodes: ['a-0'], pods, pdbs: [tight], force: true, deleteEmptyDirData: true }), []);
});

test('label selectors: matchLabels and every matchExpressions operator; absent selects nothing, empty selects all', () => {
  const labels = { app: 'web', tier: 'front' };
  assert.equal(selectorMatches(undefined, labels), false);
  assert.equal(selectorMatches({}, labels), true);
  assert.equal(selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, labels), true);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels), false);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }, { key: 'app', operator: 'Exists' }] }, labels), true);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'canary', operator: 'Exists' }] }, labels), false);
  assert.equal(selectorMatches({ matchLabels: { app: 'api' } }, labels), false);
});
