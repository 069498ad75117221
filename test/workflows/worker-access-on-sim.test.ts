import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { assumedBy } from '../../src/domain/service-roles';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { waitFor } from '../support/process';
import { simWorkerBed } from '../support/sim-worker-bed';

// A cluster created with bootstrapClusterCreatorAdminPermissions false (eksctl's
// examples/40-access-entries.yaml) in a whole run on the simulated cloud: the worker, a role
// session as on EKS or EC2, gives its role an access entry with AmazonEKSClusterAdminPolicy
// once the cluster is ACTIVE and before the Kubernetes API is first used; the entry is ledgered
// and the teardown removes it with the rest.

const taskQueue = 'worker-access-on-sim';
const bed = simWorkerBed({ speedup: 100, seed: 'worker-access', taskQueue });
const account = '123456789012';
const workerRole = `arn:aws:iam::${account}:role/eksflow-worker`;

function specOf(name: string): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({
    name, region: 'us-east-1', network: { vpc: { natGateway: 'none', availabilityZones: 2 } },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
    access: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false, entries: [] },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

test('without creator admin, the worker\'s role gets an admin access entry of its own after ACTIVE, before the Kubernetes API is used, and the teardown removes it', async () => {
  const name = 'no-creator-admin';
  const aws = bed.cloud.aws;
  const made = await aws.apis().iam.createRole({ name: 'eksflow-worker', trustPolicy: JSON.stringify(assumedBy('ec2.amazonaws.com')), description: 'the worker', tags: {} });
  assert.equal(made.arn, workerRole);
  aws.sts.caller = `arn:aws:sts::${account}:assumed-role/eksflow-worker/i-0123456789abcdef0`;

  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `team-a.${name}`, args: [{ environmentId: `team-a/${name}`, spec: specOf(name) }],
  });
  await waitFor('the environment to be ready', async () => (await handle.query(progressQuery)).phase === 'ready', { timeoutMs: 240_000, intervalMs: 200 });
  const progress = await handle.query(progressQuery);
  const step = progress.steps.find((s) => s.id === 'eks:worker-access')!;
  assert.equal(step.state, 'done');
  assert.equal(step.detail, `${workerRole}: entry created; AmazonEKSClusterAdminPolicy on the cluster`);
  const cluster = progress.steps.find((s) => s.id === 'eks:cluster')!;
  const apiReady = progress.steps.find((s) => s.id === 'k8s:api-ready')!;
  assert.ok(step.startedAt! >= cluster.endedAt!, 'after the cluster is ACTIVE');
  assert.ok(apiReady.startedAt! >= step.endedAt!, 'before the first Kubernetes call');
  assert.deepEqual(progress.ledger.filter((e) => e.kind === 'eks-access-entry').map((e) => [e.name, e.state]), [[`${name}/${workerRole}`, 'confirmed']]);
  const { eks } = aws.apis();
  assert.deepEqual(await eks.listAssociatedAccessPolicies(name, workerRole), [{ policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy', scope: { type: 'cluster' } }]);
  assert.equal(aws.calls()['sts:GetCallerIdentity'], 1);

  const deletesBefore = aws.calls()['eks:DeleteAccessEntry'] ?? 0;
  await handle.signal('teardown', { reason: 'done with it' });
  const result = await handle.result();
  assert.deepEqual(result.ledger.filter((e) => e.kind === 'eks-access-entry').map((e) => e.state), ['deleted']);
  assert.equal((aws.calls()['eks:DeleteAccessEntry'] ?? 0) - deletesBefore, 1, 'the worker\'s entry deleted by its own call, after its tags proved it');
  assert.equal(await eks.describeCluster(name), undefined);
});
