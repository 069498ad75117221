import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppsV1Api, PolicyV1Api } from '@kubernetes/client-node';
import type { EnvironmentView } from '../../src/api/environments/view';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import type { ChangeProgress, Progress } from '../../src/workflows/messages';
import { apiFor, type ApiBed } from '../support/api';
import { recordHistory } from '../support/histories';
import { waitFor } from '../support/process';
import { simWorkerBed } from '../support/sim-worker-bed';

// Day 2 on the simulated cloud, through the API as a client sees it: a ready environment is
// changed by PUT (its change plan previewed by POST /v1/plans first), upgraded, refused what
// cannot change, drifted by hand, and a change whose drain a PodDisruptionBudget blocks fails
// naming the pod, the budget and the node, undoing what it added.

const speedup = 100;
const taskQueue = 'apply-change-on-sim';
const bed = simWorkerBed({ speedup, seed: 'apply-change', taskQueue });
let api: ApiBed;

const base = {
  region: 'us-east-1', kubernetesVersion: '1.35',
  network: { vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'single' } },
  nodeGroups: [
    { name: 'on-demand', instanceTypes: ['m5.large'], minSize: 2, desiredSize: 2, maxSize: 4, labels: { lifecycle: 'OnDemand' } },
    { name: 'spot', instanceTypes: ['m5.large', 'm5a.large'], capacityType: 'SPOT', minSize: 1, desiredSize: 2, maxSize: 5, labels: { lifecycle: 'Ec2Spot' } },
  ],
  image: { uri: 'registry.example.com/awesomebuilder:1.0' },
  app: { name: 'awesomebuilder', replicas: 2, containerPort: 5000, servicePort: 80 },
  addons: { 'aws-load-balancer-controller': {} },
  // Every minute of cloud time: 0.6 s here.
  drift: { checkEvery: '1m' },
};

function specOf(name: string, overrides: Record<string, unknown> = {}): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({ ...base, name, ...overrides });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

const get = async (name: string) => (await api.as('teamA', { method: 'GET', url: `/v1/environments/${name}` })).json<EnvironmentView & { progress?: Progress }>();
const put = (name: string, spec: unknown) => api.as('teamA', { method: 'PUT', url: `/v1/environments/${name}`, payload: spec as Record<string, unknown> });

async function untilReady(name: string): Promise<void> {
  await waitFor(`${name} ready`, async () => {
    const view = await get(name);
    if (view.phase === 'rolled-back' || view.phase === 'failed') throw new Error(`${name} ${view.phase}: ${JSON.stringify(view.progress?.steps.filter((s) => s.lastError))}`);
    return view.phase === 'ready';
  }, { timeoutMs: 180_000, intervalMs: 300 });
}

async function changeEnded(name: string, id: string): Promise<ChangeProgress> {
  return waitFor(`change ${id} of ${name} to end`, async () => {
    const change = (await get(name)).progress?.change;
    return change?.id === id && change.state !== 'running' && change;
  }, { timeoutMs: 180_000, intervalMs: 300 });
}

// node:test runs a file's top-level hooks side by side: the API is made once the bed is up, by the first test.
const withApi = async () => (api ??= await apiFor(bed.server.env.client, { EKSFLOW_TASK_QUEUE: taskQueue }));
test.after(() => api?.api.close());

test('Day 2 through the API: previewed, applied (scaled and relabelled, spot replaced, an add-on added, a new image), upgraded, refused, drift reported, torn down to nothing', async () => {
  await withApi();
  const name = 'day-two';
  assert.equal((await api.as('teamA', { method: 'POST', url: '/v1/environments', payload: specOf(name) })).statusCode, 202);
  await untilReady(name);

  const changed = specOf(name, {
    nodeGroups: [
      { ...base.nodeGroups[0], desiredSize: 3, labels: { lifecycle: 'OnDemand', team: 'builders' } },
      { ...base.nodeGroups[1], instanceTypes: ['c5.large', 'c5a.large'] },
    ],
    image: { uri: 'registry.example.com/awesomebuilder:1.1' },
    addons: { 'aws-load-balancer-controller': {}, 'metrics-server': {} },
  });
  // The preview: a change plan, not a creation plan, and nothing starts.
  const preview = await api.as('teamA', { method: 'POST', url: '/v1/plans?change=auto', payload: changed });
  assert.equal(preview.statusCode, 200, preview.body);
  const plan = preview.json<{ kind: string; steps: { id: string; action: string }[]; tree: string }>();
  assert.equal(plan.kind, 'change');
  assert.deepEqual(Object.fromEntries(plan.steps.map((s) => [s.id, s.action])), {
    'eks:nodegroup-config/on-demand': 'update',
    'eks:nodegroup/spot-2': 'replace', 'k8s:nodes-ready/spot-2': 'replace', 'k8s:drain/spot': 'replace', 'eks:nodegroup-delete/spot': 'replace',
    'addon:metrics-server': 'add', 'app:rollout': 'update',
  });
  assert.equal((await get(name)).phase, 'ready', 'a preview starts nothing');

  const accepted = await put(name, changed);
  assert.equal(accepted.statusCode, 202, accepted.body);
  const { changeId } = accepted.json<{ changeId: string }>();
  // One change at a time: a second is refused with the running one's ID.
  const second = await put(name, specOf(name, { ttl: '8h' }));
  assert.equal(second.statusCode, 409, second.body);
  assert.match(second.json<{ message: string }>().message, new RegExp(`change ${changeId} is being applied`));

  const applied = await changeEnded(name, changeId);
  assert.equal(applied.state, 'applied', JSON.stringify(applied));
  const compute = bed.cloud.aws.eks.compute(name)!;
  const groups = Object.fromEntries(compute.nodegroups.map((g) => [g.name, g]));
  assert.deepEqual(Object.keys(groups).sort(), ['on-demand', 'spot-2'], 'spot replaced by spot-2, the old one deleted');
  assert.equal(groups['on-demand']!.desiredSize, 3);
  assert.deepEqual(groups['on-demand']!.labels, { lifecycle: 'OnDemand', team: 'builders' });
  assert.deepEqual(groups['spot-2']!.instanceTypes, ['c5.large', 'c5a.large']);
  const kube = await bed.cloud.deps.kube.forCluster(name);
  const deployment = await kube.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'awesomebuilder', namespace: 'awesomebuilder' });
  assert.equal(deployment.spec?.template.spec?.containers[0]?.image, 'registry.example.com/awesomebuilder:1.1');
  assert.ok(await kube.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'metrics-server', namespace: 'kube-system' }), 'metrics-server installed');
  const view = await get(name);
  assert.deepEqual((view.spec as EnvironmentSpec).addons, changed.addons, 'GET shows the spec the environment stands on now');
  assert.deepEqual(view.progress?.nodegroupNames, { spot: 'spot-2' });

  // Kubernetes 1.35 → 1.36: control plane, then the node groups; the endpoint's access changed
  // in the same apply, one cluster update before the other (eksctl needs two commands for this).
  const endpointAccess = { public: true, private: true, publicAccessCidrs: ['203.0.113.0/24'] };
  const upgrade = await put(name, { ...changed, kubernetesVersion: '1.36', endpointAccess });
  assert.equal(upgrade.statusCode, 202, upgrade.body);
  const upgraded = await changeEnded(name, upgrade.json<{ changeId: string }>().changeId);
  assert.equal(upgraded.state, 'applied', JSON.stringify(upgraded));
  assert.deepEqual(upgraded.steps.map((s) => s.id), ['k8s:upgrade-precheck/1.36', 'eks:cluster-endpoint-access', 'eks:cluster-version/1.36', 'eks:nodegroup-version/on-demand', 'eks:nodegroup-version/spot-2']);
  assert.deepEqual((await bed.cloud.aws.eks.describeCluster(name))?.settings?.endpointAccess, endpointAccess);
  assert.match(upgraded.steps[0]!.detail ?? '', /publishes no \/metrics here: deprecated API use not checked/, 'the simulated API server has no metrics: said, not guessed');
  assert.equal((await bed.cloud.aws.eks.describeCluster(name))?.version, '1.36');
  assert.equal((await bed.cloud.aws.eks.describeNodegroup(name, 'spot-2'))?.version, '1.36');

  // What cannot change is refused at its path, with the way out; nothing starts.
  const downgrade = await put(name, { ...changed, kubernetesVersion: '1.35', endpointAccess });
  assert.equal(downgrade.statusCode, 409, downgrade.body);
  assert.deepEqual(downgrade.json<{ errors: { path: string }[] }>().errors.map((e) => e.path), ['/kubernetesVersion']);
  const same = await put(name, { ...changed, kubernetesVersion: '1.36', endpointAccess });
  assert.equal(same.statusCode, 200, same.body);

  // Drift made by hand is reported by the next check.
  await bed.cloud.aws.eks.updateNodegroupScaling(name, 'on-demand', { minSize: 2, desiredSize: 3, maxSize: 7 }, 'by-hand');
  const drift = await waitFor('the drift to be reported', async () => {
    const report = (await get(name)).progress?.drift;
    return report?.items.some((item) => item.subject === 'node group on-demand' && item.field === 'maxSize') && report;
  }, { timeoutMs: 60_000, intervalMs: 300 });
  assert.deepEqual(drift.items, [{ subject: 'node group on-demand', field: 'maxSize', expected: '4', actual: '7' }]);

  assert.equal((await api.as('teamA', { method: 'DELETE', url: `/v1/environments/${name}` })).statusCode, 202);
  await waitFor(`${name} torn down`, async () => (await get(name)).status !== 'running', { timeoutMs: 180_000, intervalMs: 300 });
  const left = bed.cloud.aws.inventory();
  assert.deepEqual([...left.clusters, ...left.nodegroups, ...left.vpcs], [], JSON.stringify(left));
  await recordHistory('day-two-changes', bed.server.env.client.workflow.getHandle(`team-a.${name}`));
});

test('a drain a PodDisruptionBudget blocks fails the change naming the pod, the budget and the node; what the change added is undone, the old group takes pods again', async () => {
  await withApi();
  const name = 'blocked';
  assert.equal((await api.as('teamA', { method: 'POST', url: '/v1/environments', payload: specOf(name) })).statusCode, 202);
  await untilReady(name);
  const kube = await bed.cloud.deps.kube.forCluster(name);
  // A workload pinned to spot, whose budget lets none of its pods go.
  await kube.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: 'default', body: {
    metadata: { name: 'ledger' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'ledger' } }, template: {
      metadata: { labels: { app: 'ledger' } },
      spec: { nodeSelector: { 'eks.amazonaws.com/nodegroup': 'spot' }, containers: [{ name: 'ledger', image: 'registry.example.com/ledger:1' }] },
    } },
  } });
  await kube.makeApiClient(PolicyV1Api).createNamespacedPodDisruptionBudget({ namespace: 'default', body: {
    metadata: { name: 'ledger' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'ledger' } } },
  } });
  await waitFor('the budget to count both pods healthy', async () =>
    (await kube.makeApiClient(PolicyV1Api).readNamespacedPodDisruptionBudget({ name: 'ledger', namespace: 'default' })).status?.currentHealthy === 2, { timeoutMs: 30_000 });

  // Spot goes, a new group comes: the new group is made, then spot's drain is stuck.
  const accepted = await put(name, specOf(name, { nodeGroups: [base.nodeGroups[0], { ...base.nodeGroups[0], name: 'general', labels: {} }] }));
  assert.equal(accepted.statusCode, 202, accepted.body);
  const ended = await changeEnded(name, accepted.json<{ changeId: string }>().changeId);
  assert.equal(ended.state, 'rolled-back', JSON.stringify(ended));
  const drain = ended.steps.find((s) => s.id === 'k8s:drain/spot')!;
  assert.equal(drain.state, 'failed');
  assert.match(drain.lastError ?? '', /pod default\/ledger-[a-z0-9-]+ on [^ ]+.*PodDisruptionBudget default\/ledger|default\/ledger.*minAvailable 2/);
  assert.match(ended.outcome ?? '', /undone: eks-nodegroup blocked\/general/);
  assert.deepEqual(bed.cloud.aws.eks.compute(name)!.nodegroups.map((g) => g.name).sort(), ['on-demand', 'spot'], 'the added group is gone, spot stays');
  const view = await get(name);
  assert.equal(view.phase, 'ready');
  assert.deepEqual((view.spec as EnvironmentSpec).nodeGroups.map((g) => g.name), ['on-demand', 'spot'], 'the environment stands on its old spec');

  assert.equal((await api.as('teamA', { method: 'DELETE', url: `/v1/environments/${name}` })).statusCode, 202);
  await waitFor(`${name} torn down`, async () => (await get(name)).status !== 'running', { timeoutMs: 180_000, intervalMs: 300 });
  await recordHistory('day-two-drain-blocked', bed.server.env.client.workflow.getHandle(`team-a.${name}`));
});

test('drift.correct: a node group resized by hand is put back to its spec, and the report says so', async () => {
  await withApi();
  const name = 'self-healing';
  assert.equal((await api.as('teamA', { method: 'POST', url: '/v1/environments', payload: specOf(name, { drift: { checkEvery: '1m', correct: true } }) })).statusCode, 202);
  await untilReady(name);
  await bed.cloud.aws.eks.updateNodegroupScaling(name, 'spot', { minSize: 1, desiredSize: 2, maxSize: 9 }, 'by-hand');
  const report = await waitFor('the drift to be corrected', async () => {
    const drift = (await get(name)).progress?.drift;
    return (drift?.corrected?.length ?? 0) > 0 && drift;
  }, { timeoutMs: 60_000, intervalMs: 300 });
  assert.deepEqual(report.items, [{ subject: 'node group spot', field: 'maxSize', expected: '5', actual: '9' }]);
  assert.deepEqual(report.corrected, ['node group spot set back to 1/2/5']);
  await waitFor('spot back at max 5', async () => bed.cloud.aws.eks.compute(name)!.nodegroups.find((g) => g.name === 'spot')?.maxSize === 5, { timeoutMs: 30_000 });

  assert.equal((await api.as('teamA', { method: 'DELETE', url: `/v1/environments/${name}` })).statusCode, 202);
  await waitFor(`${name} torn down`, async () => (await get(name)).status !== 'running', { timeoutMs: 180_000, intervalMs: 300 });
});
