// The access-entry activities against the simulated cloud (moto has no access-entry API:
// test/contract/aws.contract.test.ts shows the gap): idempotent create with ownership tags,
// adoption only of this environment's own entry, the principal's propagation waited out
// (aws-fault-catalog 4), deletes that prove ownership first, and discovery by tags.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createAccessEntryActivities } from '../../src/activities/access-entries';
import { defaultPatience } from '../../src/activities/aws/not-yet';
import { createClusterActivities } from '../../src/activities/cluster';
import { createDiscoveryActivities } from '../../src/activities/discovery';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { errorTypes } from '../../src/domain/errors';
import { ownershipTags } from '../../src/domain/ownership';
import { assumedBy } from '../../src/domain/service-roles';
import { manualSim, prerequisites, rejectsAs, type ManualSim } from '../sim/aws/fixtures';

const owner = { environmentId: 'team/demo', runId: 'run-1' };
const region = 'us-east-1';

function demoSpec(access?: unknown): EnvironmentSpec {
  const result = parseEnvironmentSpec({
    name: 'demo', region, network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }], ...(access ? { access } : {}),
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.spec;
}

/** eksflow's own ensureCluster makes the cluster (so with its accessConfig), and it turns ACTIVE. */
async function eksflowCluster(bed: ManualSim, spec: EnvironmentSpec) {
  const made = await prerequisites(bed);
  bed.clock.advance(60);
  await createClusterActivities(bed.apis.eks).ensureCluster({ owner, spec, roleArn: made.clusterRole, subnetIds: made.network.privateSubnetIds, securityGroupIds: [] });
  bed.clock.advance(bed.drawn('cluster.create', 'demo'));
  assert.equal((await bed.apis.eks.describeCluster('demo'))?.status, 'ACTIVE');
}

const teamRole = async (bed: ManualSim, name: string) => (await bed.apis.iam.createRole({ name, trustPolicy: JSON.stringify(assumedBy('ec2.amazonaws.com')), description: name, tags: {} })).arn;

test('the cluster is created in the spec\'s authentication mode, API_AND_CONFIG_MAP by default', async () => {
  const bed = manualSim();
  await eksflowCluster(bed, demoSpec());
  assert.equal((await bed.apis.eks.describeCluster('demo'))?.authenticationMode, 'API_AND_CONFIG_MAP');
  const api = manualSim();
  await eksflowCluster(api, demoSpec({ authenticationMode: 'API', entries: [] }));
  assert.equal((await api.apis.eks.describeCluster('demo'))?.authenticationMode, 'API');
});

test('an entry is made with ownership tags and its policies, through a principal IAM is still propagating; asked again it is the same entry', async () => {
  const bed = manualSim({ propagation: true, patience: { ...defaultPatience, propagationMs: 5_000, maxPauseMs: 20 } });
  await eksflowCluster(bed, demoSpec());
  const principalArn = await teamRole(bed, 'team-viewer');
  const { ensureAccessEntry, describeAccessEntry } = createAccessEntryActivities(bed.apis.eks);
  const entry = { principalArn, type: 'STANDARD' as const, kubernetesGroups: ['viewers'], accessPolicies: [{ policy: 'AmazonEKSViewPolicy' as const, scope: 'namespace' as const, namespaces: ['web'] }] };
  // EKS does not know the role yet: "invalid principal" until IAM has propagated it (catalog 4).
  const pending = ensureAccessEntry({ owner, region, cluster: 'demo', entry, tags: { team: 'a' } });
  await delay(100);
  assert.equal(await bed.apis.eks.describeAccessEntry('demo', principalArn), undefined, 'not made while the principal propagates');
  bed.clock.advance(bed.drawn('iam.propagation', 'team-viewer') + 1);
  const ensured = await pending;
  assert.equal(ensured.made, true);
  assert.deepEqual(ensured.ref, { kind: 'eks-access-entry', name: `demo/${principalArn}`, region, arn: ensured.ref.arn });
  assert.deepEqual(ensured.policies, ['AmazonEKSViewPolicy on namespaces web']);
  assert.deepEqual((await bed.apis.eks.describeAccessEntry('demo', principalArn))?.tags, ownershipTags(owner, { team: 'a' }));
  assert.deepEqual(await describeAccessEntry({ cluster: 'demo', principalArn }), {
    status: 'ACTIVE', kubernetesGroups: ['viewers'], policies: [{ policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy', scope: { type: 'namespace', namespaces: ['web'] } }],
  });
  // The same run again (a retried activity): the same entry; a later run of the environment adopts it.
  assert.deepEqual(await ensureAccessEntry({ owner, region, cluster: 'demo', entry }), ensured);
  const later = await ensureAccessEntry({ owner: { ...owner, runId: 'run-2' }, region, cluster: 'demo', entry });
  assert.equal(later.made, false);
  assert.deepEqual(await bed.apis.eks.listAccessEntries('demo'), [principalArn]);
});

test('a principal that never exists fails for good once the propagation budget is spent, with EKS\'s words', async () => {
  const bed = manualSim({ propagation: true, patience: { ...defaultPatience, propagationMs: 300, maxPauseMs: 20 } });
  await eksflowCluster(bed, demoSpec());
  const { ensureAccessEntry } = createAccessEntryActivities(bed.apis.eks);
  await rejectsAs(ensureAccessEntry({ owner, region, cluster: 'demo', entry: { principalArn: 'arn:aws:iam::123456789012:role/typo', type: 'STANDARD', accessPolicies: [{ policy: 'AmazonEKSViewPolicy', scope: 'cluster' }] } }), {
    type: errorTypes.awsClientError, nonRetryable: true, message: /InvalidParameterException: The specified principalArn is invalid: invalid principal \(still so .*gave up after 0 s, aws-fault-catalog 4\)/,
  });
});

test('an entry that is not this environment\'s is refused without naming its holder, and a delete leaves it alone', async () => {
  const bed = manualSim();
  await eksflowCluster(bed, demoSpec());
  const principalArn = await teamRole(bed, 'shared-admin');
  // Another tenant's entry for the same principal (or one made by hand, or by EKS itself: untagged).
  await bed.apis.eks.createAccessEntry({ cluster: 'demo', principalArn, type: 'STANDARD', kubernetesGroups: [], tags: { 'eksflow.io/environment': 'other-tenant/demo' }, clientRequestToken: 'by-hand' });
  const { ensureAccessEntry, deleteAccessEntry } = createAccessEntryActivities(bed.apis.eks);
  await rejectsAs(ensureAccessEntry({ owner, region, cluster: 'demo', entry: { principalArn, type: 'STANDARD', accessPolicies: [{ policy: 'AmazonEKSAdminPolicy', scope: 'cluster' }] } }), {
    type: errorTypes.resourceNotOwned, nonRetryable: true, message: /access entry of .*shared-admin on cluster demo already exists and is not this environment's/,
  });
  await assert.rejects(ensureAccessEntry({ owner, region, cluster: 'demo', entry: { principalArn, type: 'STANDARD', accessPolicies: [{ policy: 'AmazonEKSAdminPolicy', scope: 'cluster' }] } }), (error: Error) => !/other-tenant/.test(error.message));
  assert.deepEqual(await bed.apis.eks.listAssociatedAccessPolicies('demo', principalArn), [], 'no policy was associated with someone else\'s entry');
  assert.deepEqual(await deleteAccessEntry({ environmentId: owner.environmentId, cluster: 'demo', principalArn }), { outcome: 'not-ours' });
  assert.ok(await bed.apis.eks.describeAccessEntry('demo', principalArn));
});

test('delete proves ownership, then deletes; gone (the entry or its cluster) is done; discovery finds only this environment\'s entries', async () => {
  const bed = manualSim();
  await eksflowCluster(bed, demoSpec());
  const ours = await teamRole(bed, 'team-admin');
  const theirs = await teamRole(bed, 'someone-else');
  const { ensureAccessEntry, deleteAccessEntry } = createAccessEntryActivities(bed.apis.eks);
  await ensureAccessEntry({ owner, region, cluster: 'demo', entry: { principalArn: ours, type: 'STANDARD', accessPolicies: [{ policy: 'AmazonEKSClusterAdminPolicy', scope: 'cluster' }] } });
  await bed.apis.eks.createAccessEntry({ cluster: 'demo', principalArn: theirs, type: 'STANDARD', kubernetesGroups: ['x'], tags: {}, clientRequestToken: 'by-hand' });
  const { discoverEnvironment } = createDiscoveryActivities(bed.apis);
  const found = await discoverEnvironment({ environmentId: owner.environmentId, region, cluster: 'demo' });
  assert.deepEqual(found.owned.filter((ref) => ref.kind === 'eks-access-entry').map((ref) => ref.name), [`demo/${ours}`]);

  const owned = { environmentId: owner.environmentId, cluster: 'demo' };
  assert.deepEqual(await deleteAccessEntry({ ...owned, principalArn: ours }), { outcome: 'deleted' });
  assert.equal(await bed.apis.eks.describeAccessEntry('demo', ours), undefined);
  assert.deepEqual(await deleteAccessEntry({ ...owned, principalArn: ours }), { outcome: 'absent' });
  assert.deepEqual(await deleteAccessEntry({ ...owned, cluster: 'no-such-cluster', principalArn: ours }), { outcome: 'absent' });
  assert.ok(await bed.apis.eks.describeAccessEntry('demo', theirs), 'the hand-made entry is still there');
});

test('a cluster in CONFIG_MAP mode (made without accessConfig) refuses the entry in EKS\'s words, and holds none to delete', async () => {
  const bed = manualSim();
  const made = await prerequisites(bed);
  await bed.apis.eks.createCluster({ name: 'demo', version: '1.35', roleArn: made.clusterRole, subnetIds: made.network.privateSubnetIds, securityGroupIds: [], logTypes: [], tags: ownershipTags(owner), clientRequestToken: 'old-run' });
  bed.clock.advance(bed.drawn('cluster.create', 'demo'));
  const principalArn = await teamRole(bed, 'team-admin');
  const { ensureAccessEntry, deleteAccessEntry } = createAccessEntryActivities(bed.apis.eks);
  await rejectsAs(ensureAccessEntry({ owner, region, cluster: 'demo', entry: { principalArn, type: 'STANDARD', accessPolicies: [{ policy: 'AmazonEKSViewPolicy', scope: 'cluster' }] } }), {
    type: errorTypes.awsClientError, nonRetryable: true, message: /InvalidRequestException: The cluster's authentication mode must be set to one of \[API, API_AND_CONFIG_MAP\]/,
  });
  // The rollback of that refused step finds nothing, rather than failing on EKS's refusal to look.
  assert.deepEqual(await deleteAccessEntry({ environmentId: owner.environmentId, cluster: 'demo', principalArn }), { outcome: 'absent' });
});
