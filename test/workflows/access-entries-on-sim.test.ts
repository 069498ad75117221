import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { assumedBy } from '../../src/domain/service-roles';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { recordHistory } from '../support/histories';
import { waitFor } from '../support/process';
import { simWorkerBed } from '../support/sim-worker-bed';

// Access entries in whole runs on the simulated cloud (moto has no access-entry API): two
// principals — a cluster-scoped admin and a namespace-scoped viewer — granted once the cluster
// is ACTIVE, shown on their steps and in the ledger, rolled back when a later step fails, and
// removed by the teardown before the cluster.

const taskQueue = 'access-entries-on-sim';
const bed = simWorkerBed({ speedup: 100, seed: 'access-entries', taskQueue });
afterEach(() => bed.cloud.aws.faults.clearFailSteps());

const account = '123456789012';
const adminRole = (env: string) => `arn:aws:iam::${account}:role/${env}-platform-admin`;
const viewerRole = (env: string) => `arn:aws:iam::${account}:role/${env}-web-viewer`;

/** The team's two roles, made in the simulated IAM as a team would have them (EKS refuses principals it does not know). */
async function teamRoles(env: string): Promise<void> {
  const { iam } = bed.cloud.aws.apis();
  for (const arn of [adminRole(env), viewerRole(env)]) {
    const made = await iam.createRole({ name: arn.split('/').pop()!, trustPolicy: JSON.stringify(assumedBy('ec2.amazonaws.com')), description: 'a team role', tags: {} });
    assert.equal(made.arn, arn);
  }
}

function specOf(name: string): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({
    name, region: 'us-east-1', network: { vpc: { natGateway: 'none', availabilityZones: 2 } },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
    access: {
      entries: [
        { principalArn: adminRole(name), accessPolicies: [{ policy: 'AmazonEKSClusterAdminPolicy' }] },
        { principalArn: viewerRole(name), kubernetesGroups: ['web-viewers'], accessPolicies: [{ policy: 'AmazonEKSViewPolicy', scope: 'namespace', namespaces: ['web'] }] },
      ],
    },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

const start = (spec: EnvironmentSpec) => bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
  taskQueue, workflowId: `team-a.${spec.name}`, args: [{ environmentId: `team-a/${spec.name}`, spec }],
});

const entriesOn = async (cluster: string) => {
  const { eks } = bed.cloud.aws.apis();
  const listed = await eks.listAccessEntries(cluster).catch(() => []);
  return Promise.all(listed.map(async (principalArn) => ({ principalArn, policies: await eks.listAssociatedAccessPolicies(cluster, principalArn), groups: (await eks.describeAccessEntry(cluster, principalArn))?.kubernetesGroups })));
};

test('two principals are granted after the cluster is ACTIVE, shown on their steps and in the ledger, and torn down before the cluster', async () => {
  const name = 'granted';
  await teamRoles(name);
  const handle = await start(specOf(name));
  await waitFor('the environment to be ready', async () => (await handle.query(progressQuery)).phase === 'ready', { timeoutMs: 240_000, intervalMs: 200 });
  const progress = await handle.query(progressQuery);

  const admin = progress.steps.find((s) => s.id === `eks:access-entry/${adminRole(name)}`)!;
  const viewer = progress.steps.find((s) => s.id === `eks:access-entry/${viewerRole(name)}`)!;
  assert.equal(admin.state, 'done');
  assert.equal(admin.detail, 'entry created; AmazonEKSClusterAdminPolicy on the cluster');
  assert.equal(viewer.detail, 'entry created; AmazonEKSViewPolicy on namespaces web; groups web-viewers');
  // After the cluster was ACTIVE: each started only once the cluster step had ended.
  const cluster = progress.steps.find((s) => s.id === 'eks:cluster')!;
  for (const step of [admin, viewer]) assert.ok(step.startedAt! >= cluster.endedAt!, `${step.id} started ${step.startedAt}, the cluster ended ${cluster.endedAt}`);
  assert.deepEqual(progress.ledger.filter((e) => e.kind === 'eks-access-entry').map((e) => [e.name, e.state]), [
    [`${name}/${adminRole(name)}`, 'confirmed'], [`${name}/${viewerRole(name)}`, 'confirmed'],
  ]);
  assert.deepEqual(await entriesOn(name), [
    { principalArn: adminRole(name), groups: [], policies: [{ policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy', scope: { type: 'cluster' } }] },
    { principalArn: viewerRole(name), groups: ['web-viewers'], policies: [{ policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy', scope: { type: 'namespace', namespaces: ['web'] } }] },
  ].sort((a, b) => a.principalArn.localeCompare(b.principalArn)));
  assert.equal((await bed.cloud.aws.apis().eks.describeCluster(name))?.authenticationMode, 'API_AND_CONFIG_MAP');

  const calls = () => bed.cloud.aws.calls();
  const deletesBefore = calls()['eks:DeleteAccessEntry'] ?? 0;
  await handle.signal('teardown', { reason: 'done with it' });
  const result = await handle.result();
  await recordHistory('access-entries-provision-teardown', handle);
  assert.deepEqual(result.ledger.filter((e) => e.kind === 'eks-access-entry').map((e) => e.state), ['deleted', 'deleted']);
  assert.equal((calls()['eks:DeleteAccessEntry'] ?? 0) - deletesBefore, 2, 'each entry deleted by its own call, after its tags proved it');
  assert.equal(await bed.cloud.aws.apis().eks.describeCluster(name), undefined);
});

test('a later failure rolls the entries back, newest first, with everything else the run made', async () => {
  const name = 'rolled-back';
  await teamRoles(name);
  // The node group settles CREATE_FAILED ~21 simulated minutes after it is asked for: long after the entries.
  bed.cloud.aws.faults.failOutcome('nodegroup', `${name}/general`, { status: 'CREATE_FAILED', issues: ['NodeCreationFailure: Instances failed to join the kubernetes cluster'] });
  const deletesBefore = bed.cloud.aws.calls()['eks:DeleteAccessEntry'] ?? 0;
  const handle = await start(specOf(name));
  await waitFor('both access entries granted while the run is still provisioning', async () => {
    const progress = await handle.query(progressQuery);
    assert.equal(progress.phase, 'provisioning', 'the entries were granted before the failure');
    return progress.steps.filter((s) => s.id.startsWith('eks:access-entry/') && s.state === 'done').length === 2;
  }, { timeoutMs: 240_000, intervalMs: 100 });
  assert.equal((await entriesOn(name)).length, 2);

  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, `the run failed: ${String(error)}`);
  assert.match(error.cause!.message, /eks:nodegroup\/general is CREATE_FAILED: NodeCreationFailure/);
  await recordHistory('access-entries-rollback', handle);
  const progress = await handle.query(progressQuery);
  assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
  const entries = progress.ledger.filter((e) => e.kind === 'eks-access-entry');
  assert.deepEqual(entries.map((e) => e.state), ['compensated', 'compensated']);
  for (const id of [`eks:access-entry/${adminRole(name)}`, `eks:access-entry/${viewerRole(name)}`]) assert.equal(progress.steps.find((s) => s.id === id)!.state, 'compensated');
  // Deleted by their own calls while the cluster still stood (a delete finding no cluster makes no call): newer than the cluster, undone before it.
  assert.equal((bed.cloud.aws.calls()['eks:DeleteAccessEntry'] ?? 0) - deletesBefore, 2);
  assert.equal(await bed.cloud.aws.apis().eks.describeCluster(name), undefined, 'the cluster went too, after its entries');
});
