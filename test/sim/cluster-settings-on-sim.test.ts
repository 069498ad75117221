import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { stepIds } from '../../src/domain/planner';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { waitFor } from '../support/process';
import { simWorkerBed } from '../support/sim-worker-bed';

// The cluster settings by the real workflow and activities on the simulated cloud (src/sim/aws):
// CreateCluster's parameters as EKS records them, the Secrets key from creation to its
// scheduled deletion, the control-plane logs' retention, the control plane's subnets.

const speedup = 200;
const taskQueue = 'cluster-settings-on-sim';
const bed = simWorkerBed({ speedup, seed: 'cluster-settings', taskQueue });
afterEach(() => bed.cloud.aws.faults.clearFailSteps());

function specOf(name: string): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({
    name, region: 'us-east-1', network: { vpc: { cidr: '10.0.0.0/16', natGateway: 'none', availabilityZones: 2, controlPlaneOnPrivateSubnets: true, hostnameType: 'resource-name' } },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
    endpointAccess: { public: true, private: true, publicAccessCidrs: ['203.0.113.0/24'] },
    secretsEncryption: {},
    kubernetesNetwork: { serviceIpv4Cidr: '172.20.0.0/16' },
    zonalShift: true, supportType: 'STANDARD', controlPlaneTier: 'tier-xl',
    controlPlaneLogging: ['api', 'audit'], controlPlaneLogRetentionDays: 14,
    identityProviders: [{ name: 'corp', issuerUrl: 'https://login.example.com', clientId: 'kubernetes', usernameClaim: 'email', groupsClaim: 'groups' }],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

const start = (spec: EnvironmentSpec) => bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
  taskQueue, workflowId: `team-a.${spec.name}`, args: [{ environmentId: `team-a/${spec.name}`, spec, timeScale: speedup }],
});

test('an environment with endpoint, encryption, network, support, tier, log, identity provider and subnet settings is created with them, and teardown schedules its key\'s deletion', async () => {
  const spec = specOf('settings');
  const handle = await start(spec);
  const ready = await waitFor('the environment to be ready', async () => {
    const progress = await handle.query(progressQuery);
    if (['rolled-back', 'failed', 'rolling-back'].includes(progress.phase)) return progress;
    return progress.phase === 'ready' && progress;
  }, { timeoutMs: 240_000, intervalMs: 200 });
  assert.equal(ready.phase, 'ready', JSON.stringify(ready.steps.filter((s) => s.lastError)));
  assert.ok(ready.steps.every((s) => s.state === 'done'), JSON.stringify(ready.steps.filter((s) => s.state !== 'done')));

  const { eks, kms, iam, logs, vpc } = bed.cloud.aws;
  const [key] = kms.inventory();
  assert.ok(key, 'a key was made');
  assert.deepEqual(key.aliases, ['alias/eksflow/settings']);
  assert.equal(key.tags['eksflow.io/environment'], 'team-a/settings');
  assert.equal(ready.ledger.find((e) => e.kind === 'kms-key')?.arn, key.arn);

  const cluster = (await eks.describeCluster('settings'))!;
  assert.deepEqual(cluster.settings, {
    endpointAccess: { public: true, private: true, publicAccessCidrs: ['203.0.113.0/24'] },
    secretsKeyArn: key.arn,
    kubernetesNetwork: { ipFamily: 'ipv4', serviceIpv4Cidr: '172.20.0.0/16' },
    zonalShift: true, supportType: 'STANDARD', controlPlaneTier: 'tier-xl',
  });
  // The control plane in the private subnets only.
  const record = eks.state.clusters.get('settings')!;
  const privateSubnets = vpc.parts().subnets.filter((s) => s.tags['eksflow.io/subnet-role'] === 'private').map((s) => s.id).sort();
  assert.deepEqual([...record.subnetIds].sort(), privateSubnets);
  // Every subnet names its instances by resource name (ModifySubnetAttribute PrivateDnsHostnameTypeOnLaunch).
  const subnets = vpc.parts().subnets.filter((s) => s.tags['eksflow.io/environment'] === 'team-a/settings');
  assert.equal(subnets.length, 4);
  assert.deepEqual([...new Set(subnets.map((s) => s.hostnameType))], ['resource-name']);
  // The cluster role may use the key.
  const policy = JSON.parse((await iam.getRolePolicy('settings-cluster', 'secrets-encryption'))!);
  assert.deepEqual(policy.Statement[0].Resource, key.arn);
  assert.ok(policy.Statement[0].Action.includes('kms:Decrypt'));
  assert.equal((await logs.describeLogGroup('/aws/eks/settings/cluster'))?.retentionDays, 14);
  assert.match(ready.steps.find((s) => s.id === stepIds.clusterLogging)?.detail ?? '', /kept 14 days/);
  const provider = await eks.describeIdentityProviderConfig('settings', 'corp');
  assert.equal(provider?.status, 'ACTIVE');
  assert.equal(provider?.issuerUrl, 'https://login.example.com');
  assert.equal(provider?.tags['eksflow.io/environment'], 'team-a/settings');
  assert.equal(ready.ledger.find((e) => e.kind === 'eks-identity-provider')?.name, 'settings/corp');
  const disassociationsBefore = bed.cloud.aws.calls()['eks:DisassociateIdentityProviderConfig'] ?? 0;

  await handle.signal('teardown', { reason: 'done' });
  await handle.result();
  const [gone] = kms.inventory();
  assert.equal(gone?.state, 'PendingDeletion');
  assert.deepEqual(gone?.aliases, [], 'the alias is freed for the next environment of the name');
  assert.deepEqual(bed.cloud.aws.inventory().clusters, []);
  assert.equal(bed.cloud.aws.calls()['eks:DisassociateIdentityProviderConfig'] ?? 0, disassociationsBefore, 'the identity provider went with its cluster');
});

test('a run that fails after the identity provider is associated disassociates it, deletes the cluster, then schedules the key\'s deletion', async () => {
  // The association is made; the next look at it fails the step for good.
  bed.cloud.aws.faults.failStep('DescribeIdentityProviderConfig', { skip: 1, times: 1 });
  const spec = specOf('settings-fails');
  const handle = await start(spec);
  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, `the run failed: ${String(error)}`);
  const progress = await handle.query(progressQuery);
  assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
  // Compensation walks the ledger newest first: the provider, then the cluster, then the key.
  const order = progress.ledger.filter((e) => ['kms-key', 'eks-cluster', 'eks-identity-provider'].includes(e.kind)).map((e) => `${e.kind} ${e.state}`);
  assert.deepEqual(order, ['kms-key compensated', 'eks-cluster compensated', 'eks-identity-provider compensated']);
  assert.ok((bed.cloud.aws.calls()['eks:DisassociateIdentityProviderConfig'] ?? 0) > 0, 'disassociated by itself before the cluster went');
  const key = bed.cloud.aws.kms.inventory().find((k) => k.tags['eksflow.io/environment'] === 'team-a/settings-fails');
  assert.equal(key?.state, 'PendingDeletion');
  assert.deepEqual(bed.cloud.aws.inventory().clusters.filter((c) => c === 'settings-fails'), []);
});

/** A network made outside the environment (another owner's tags), as an existing VPC is. */
async function existingNetwork(owner: string, cidr: string) {
  return bed.cloud.aws.vpc.ensureNetwork({
    cidr, zones: ['us-east-1a', 'us-east-1b'], natGateway: 'none', cluster: owner, tags: { 'eksflow.io/environment': `shared/${owner}`, Name: owner },
  });
}

function existingSpec(name: string, network: Record<string, unknown>): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({ name, region: 'us-east-1', network, nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

test('an existing VPC: its subnets are checked, the control plane goes in controlPlaneSubnetIds and nodes in the subnets not listed as public', async () => {
  const net = await existingNetwork('landing-zone', '10.10.0.0/16');
  const spec = existingSpec('existing', {
    vpcId: net.vpcId, subnetIds: [...net.publicSubnetIds, ...net.privateSubnetIds], publicSubnetIds: net.publicSubnetIds, controlPlaneSubnetIds: net.privateSubnetIds,
  });
  const handle = await start(spec);
  const ready = await waitFor('the environment to be ready', async () => {
    const progress = await handle.query(progressQuery);
    return ['ready', 'rolled-back', 'failed'].includes(progress.phase) && progress;
  }, { timeoutMs: 240_000, intervalMs: 200 });
  assert.equal(ready.phase, 'ready', JSON.stringify(ready.steps.filter((s) => s.lastError)));
  const cluster = bed.cloud.aws.eks.state.clusters.get('existing')!;
  assert.deepEqual([...cluster.subnetIds].sort(), [...net.privateSubnetIds].sort());
  assert.deepEqual([...cluster.nodegroups.get('general')!.subnetIds].sort(), [...net.privateSubnetIds].sort());
  await handle.signal('teardown', { reason: 'done' });
  await handle.result();
  assert.ok(bed.cloud.aws.vpc.vpcIds().includes(net.vpcId), 'the existing VPC is not the environment\'s to delete');
});

test('an existing VPC given with a subnet of another VPC fails for good before the cluster is made, naming the subnet', async () => {
  const mine = await existingNetwork('zone-a', '10.20.0.0/16');
  const theirs = await existingNetwork('zone-b', '10.30.0.0/16');
  const stray = theirs.privateSubnetIds[0]!;
  const spec = existingSpec('stray', { vpcId: mine.vpcId, subnetIds: [...mine.privateSubnetIds, stray] });
  const handle = await start(spec);
  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, `the run failed: ${String(error)}`);
  const progress = await handle.query(progressQuery);
  const step = progress.steps.find((s) => s.id === stepIds.cluster)!;
  assert.match(step.lastError ?? '', new RegExp(`subnet ${stray} is in ${theirs.vpcId}, not in ${mine.vpcId}`));
  assert.equal(step.attempts, 1, 'not retried');
  assert.deepEqual(bed.cloud.aws.inventory().clusters.filter((c) => c === 'stray'), []);
});
