import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { karpenterStepIds } from '../../src/domain/karpenter-plan';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { recordHistory } from '../support/histories';
import { waitFor } from '../support/process';
import { simWorkerBed } from '../support/sim-worker-bed';

// A Karpenter environment in a whole run on the simulated cloud: its AWS side (node role, queue
// and rules, discovery tags, the node role's access entry) before the controller, the controller
// and eksflow's NodePool on the cluster; and at teardown, what Karpenter launched (played here:
// Karpenter does not run in the simulated cloud) terminated, the tags taken off, the queue gone.

const taskQueue = 'karpenter-on-sim';
const bed = simWorkerBed({ speedup: 100, seed: 'karpenter', taskQueue });

function specOf(name: string): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({
    name, region: 'us-east-1', network: { vpc: { natGateway: 'none', availabilityZones: 2 } },
    nodeGroups: [{ name: 'system', instanceTypes: ['m5.large'], minSize: 2, desiredSize: 2, maxSize: 2 }],
    addons: { karpenter: { nodePool: { capacityTypes: ['spot', 'on-demand'], cpuLimit: '100' } } },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

/** Starts a run for the spec and waits until it is ready (failing with the failed steps if it is not). */
async function startedAndReady(name: string, spec: EnvironmentSpec) {
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `team-a.${name}`, args: [{ environmentId: `team-a/${name}`, spec }],
  });
  await waitFor('the environment to be ready', async () => {
    const progress = await handle.query(progressQuery);
    if (progress.phase === 'failed' || progress.phase === 'rolled-back') throw new Error(JSON.stringify(progress.steps.filter((s) => s.state === 'failed')));
    return progress.phase === 'ready';
  }, { timeoutMs: 240_000, intervalMs: 200 });
  return handle;
}

test('Karpenter\'s AWS side and controller are provisioned, and torn down with what Karpenter launched', async () => {
  const name = 'scaled';
  const handle = await startedAndReady(name, specOf(name));
  const progress = await handle.query(progressQuery);
  const step = (id: string) => progress.steps.find((s) => s.id === id)!;
  for (const id of [...Object.values(karpenterStepIds), 'iam:irsa/karpenter', 'addon:karpenter']) assert.equal(step(id).state, 'done', id);
  const addonStep = step('addon:karpenter');
  for (const id of Object.values(karpenterStepIds)) assert.ok(addonStep.startedAt! >= step(id).endedAt!, `the controller after ${id}`);
  assert.match(step(karpenterStepIds.interruptionQueue).detail!, /arn:aws:sqs:us-east-1:\d+:scaled-karpenter; rules scaled-karpenter-scheduled-change/);
  const kinds = (kind: string) => progress.ledger.filter((e) => e.kind === kind).map((e) => [e.name, e.state]);
  assert.deepEqual(kinds('interruption-queue'), [['scaled-karpenter', 'confirmed']]);
  assert.deepEqual(kinds('karpenter-nodes'), [['scaled', 'confirmed']]);
  const tagged = kinds('discovery-tag');
  assert.ok(tagged.length >= 2, `the private subnets: ${JSON.stringify(tagged)}`);
  assert.ok(progress.ledger.some((e) => e.kind === 'iam-role' && e.name === 'scaled-karpenter-node'));
  assert.ok(progress.ledger.some((e) => e.kind === 'eks-access-entry' && e.name.endsWith(':role/scaled-karpenter-node')));

  const karpenterAws = bed.cloud.aws.karpenter;
  assert.deepEqual(karpenterAws.queueNames(), ['scaled-karpenter']);
  assert.equal(karpenterAws.ruleNames().length, 4);
  assert.deepEqual(Object.keys(karpenterAws.taggedWith('karpenter.sh/discovery')).sort(), tagged.map(([n]) => n!.split('/')[1]).sort());
  const { eks } = bed.cloud.aws.apis();
  const entry = await eks.describeAccessEntry(name, progress.ledger.find((e) => e.kind === 'iam-role' && e.name === 'scaled-karpenter-node')!.arn!);
  assert.equal(entry?.type, 'EC2_LINUX');

  // What Karpenter would have launched and made for the cluster, as it tags them.
  const owned = { 'kubernetes.io/cluster/scaled': 'owned', 'eks:eks-cluster-name': 'scaled', 'karpenter.sh/nodepool': 'default' };
  karpenterAws.launchedByKarpenter({ id: 'i-0karpenter000001', state: 'running', tags: owned }, {
    name: 'scaled_1234', path: '/karpenter/us-east-1/scaled/uid-1/', roles: ['scaled-karpenter-node'], tags: { 'kubernetes.io/cluster/scaled': 'owned' },
  });

  await handle.signal('teardown', { reason: 'done with it' });
  const result = await handle.result();
  await recordHistory('karpenter-provision-teardown', handle);
  const states = (kind: string) => result.ledger.filter((e) => e.kind === kind).map((e) => e.state);
  assert.deepEqual(states('karpenter-nodes'), ['deleted']);
  assert.deepEqual(states('interruption-queue'), ['deleted']);
  assert.ok(states('discovery-tag').every((s) => s === 'deleted'));
  assert.deepEqual(karpenterAws.queueNames(), []);
  assert.deepEqual(karpenterAws.ruleNames(), []);
  assert.deepEqual(karpenterAws.taggedWith('karpenter.sh/discovery'), {});
  assert.deepEqual(await karpenterAws.instancesTagged(owned), []);
  assert.deepEqual(await karpenterAws.instanceProfilesUnder('/karpenter/'), []);
});

test('Karpenter with identity pod-identity: its role trusts EKS Pod Identity, an association binds kube-system/karpenter, the chart\'s ServiceAccount carries no IRSA annotation; the teardown removes both', async () => {
  const name = 'podid';
  const parsed = parseEnvironmentSpec({ ...structuredClone(specOf(name)), addons: { karpenter: { identity: 'pod-identity', nodePool: { capacityTypes: ['on-demand'] } } } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const handle = await startedAndReady(name, parsed.spec);
  const progress = await handle.query(progressQuery);
  const step = (id: string) => progress.steps.find((s) => s.id === id)!;
  for (const id of ['iam:pod-identity/karpenter', 'eks:addon/eks-pod-identity-agent', 'eks:pod-identity-association/kube-system/karpenter', 'addon:karpenter']) assert.equal(step(id)?.state, 'done', id);
  assert.ok(step('addon:karpenter').startedAt! >= step('eks:pod-identity-association/kube-system/karpenter').endedAt!, 'the controller starts once its credentials are bound');

  const { eks, iam } = bed.cloud.aws.apis();
  const role = await iam.getRole('podid-kube-system-karpenter');
  assert.ok(role, 'the controller\'s role');
  const trust = JSON.parse(await bed.cloud.aws.iam.trustPolicyOf('podid-kube-system-karpenter')) as { Statement: { Principal: { Service?: string; Federated?: string } }[] };
  assert.deepEqual(trust.Statement.map((s) => s.Principal), [{ Service: 'pods.eks.amazonaws.com' }]);
  const associations = await eks.listPodIdentityAssociations(name, { namespace: 'kube-system', serviceAccount: 'karpenter' });
  assert.equal(associations.length, 1);
  const kube = await bed.cloud.deps.kube.forCluster(name);
  const { CoreV1Api } = await import('@kubernetes/client-node');
  const sa = await kube.makeApiClient(CoreV1Api).readNamespacedServiceAccount({ name: 'karpenter', namespace: 'kube-system' });
  assert.equal(sa.metadata?.annotations?.['eks.amazonaws.com/role-arn'], undefined, 'Pod Identity needs no annotation (and an IRSA one would win over it)');

  await handle.signal('teardown', { reason: 'done with it' });
  const result = await handle.result();
  assert.deepEqual(result.ledger.filter((e) => e.kind === 'pod-identity-association').map((e) => e.state), ['deleted']);
  assert.equal(await iam.getRole('podid-kube-system-karpenter'), undefined);
});
