import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { awsActivityDeps } from '../../src/activities/aws/clients';
import { createNodegroupUpdateActivities } from '../../src/activities/nodegroup-updates';
import { errorTypes } from '../../src/domain/errors';
import { ownershipTagKeys, ownershipTags, type Owner } from '../../src/domain/ownership';
import { assumedBy } from '../../src/domain/service-roles';
import type { AwsApis } from '../../src/sim/aws';
import { activeCluster, manualSim, nodegroupInput, type ManualSim } from '../sim/aws/fixtures';
import { moto, type Moto } from '../support/moto';
import { rejectsAs } from '../sim/aws/fixtures';

// The Day-2 update activities: on moto where it has the call (UpdateNodegroupConfig, and
// DescribeNodegroup to see it), on the simulated EKS for the rest (DescribeUpdate, version
// updates, add-on updates, node group tags: moto 5.2.5 routes none of them, and tags clusters
// only; test/contract/aws.contract.test.ts proves each gap).

const owner: Owner = { environmentId: 'team/demo', runId: 'run-1' };
const laterRun: Owner = { ...owner, runId: 'run-2' };
const stranger: Owner = { environmentId: 'team/other', runId: 'run-9' };


const notOurs = { type: errorTypes.resourceNotOwned, message: /is not this environment's; eksflow will not change it/, nonRetryable: true };

describe('on moto', () => {
  let aws: Moto;
  let apis: AwsApis;
  before(async () => {
    aws = await moto();
    apis = awsActivityDeps(aws.clientConfig);
  });
  afterEach(() => aws.reset());
  after(() => aws?.stop());

  /** A cluster and two node groups: `general` this environment's, `theirs` another's. */
  async function groups() {
    const role = async (name: string) => (await apis.iam.createRole({ name, trustPolicy: JSON.stringify(assumedBy('eks.amazonaws.com')), description: name, tags: {} })).arn;
    const zones = (await apis.vpc.availabilityZones()).slice(0, 2).map((zone) => zone.name);
    const network = await apis.vpc.ensureNetwork({ cidr: '10.0.0.0/16', zones, natGateway: 'none', tags: ownershipTags(owner), cluster: 'demo' });
    await apis.eks.createCluster({
      name: 'demo', version: '1.35', roleArn: await role('demo-cluster'), subnetIds: network.privateSubnetIds, securityGroupIds: [], logTypes: [], tags: ownershipTags(owner), clientRequestToken: 'c',
    });
    const nodeRole = await role('demo-node');
    const group = (name: string, tags: Record<string, string>) => apis.eks.createNodegroup({
      ...nodegroupInput(nodeRole, network.privateSubnetIds, name), labels: { role: name }, taints: [{ key: 'dedicated', value: name, effect: 'NO_SCHEDULE' }], tags,
    });
    await group('general', ownershipTags(owner));
    await group('theirs', ownershipTags(stranger));
    return createNodegroupUpdateActivities(apis.eks);
  }

  test('a config update changes sizes, labels and taints as diffs, and DescribeNodegroup shows them', async () => {
    const activities = await groups();
    // A later run of the environment changes what an earlier one made.
    const { updateId } = await activities.updateNodegroupConfig({
      owner: laterRun, cluster: 'demo', name: 'general', requestId: 'resize', scaling: { minSize: 2, desiredSize: 3, maxSize: 6 },
      labels: { addOrUpdate: { tier: 'web' }, remove: ['role'] },
      taints: { addOrUpdate: [{ key: 'gpu', value: 'true', effect: 'NO_EXECUTE' }], remove: [{ key: 'dedicated', effect: 'NO_SCHEDULE' }] },
    });
    assert.match(updateId, /^[0-9a-f-]{36}$/);
    const group = await apis.eks.describeNodegroup('demo', 'general');
    assert.deepEqual({ scaling: group?.scaling, labels: group?.labels, taints: group?.taints }, {
      scaling: { minSize: 2, desiredSize: 3, maxSize: 6 }, labels: { tier: 'web' }, taints: [{ key: 'gpu', value: 'true', effect: 'NO_EXECUTE' }],
    });
    assert.deepEqual(group?.tags, ownershipTags(owner), 'a config update leaves the ownership tags alone');
  });

  test("another environment's node group or cluster is refused, non-retryably, before anything is sent", async () => {
    const activities = await groups();
    await rejectsAs(activities.updateNodegroupConfig({ owner, cluster: 'demo', name: 'theirs', requestId: 'r', scaling: { minSize: 0, desiredSize: 0, maxSize: 1 } }), {
      ...notOurs, message: /^node group theirs of cluster demo is not this environment's; eksflow will not change it$/,
    });
    // Refused on ownership, not on moto's missing UpdateNodegroupVersion: the check comes first.
    await rejectsAs(activities.updateNodegroupVersion({ owner, cluster: 'demo', name: 'theirs', requestId: 'r', version: '1.35' }), notOurs);
    await rejectsAs(activities.tagNodegroup({ owner, cluster: 'demo', name: 'theirs', tags: { cost: 'x' } }), notOurs);
    await rejectsAs(activities.updateClusterVersion({ owner: stranger, cluster: 'demo', version: '1.36', requestId: 'r' }), { ...notOurs, message: /^cluster demo is not this environment's/ });
    await rejectsAs(activities.updateNodegroupConfig({ owner, cluster: 'demo', name: 'missing', requestId: 'r', labels: { addOrUpdate: { a: 'b' } } }), {
      type: errorTypes.invalidSpec, message: /node group missing of cluster demo does not exist/, nonRetryable: true,
    });
    const theirs = await apis.eks.describeNodegroup('demo', 'theirs');
    assert.deepEqual({ scaling: theirs?.scaling, labels: theirs?.labels }, { scaling: { minSize: 1, desiredSize: 2, maxSize: 4 }, labels: { role: 'theirs' } }, 'left alone');
  });
});

describe('on the simulated cloud', () => {
  async function ready() {
    const bed = manualSim();
    const made = await activeCluster(bed);
    await bed.apis.eks.createNodegroup(nodegroupInput(made.nodeRole, made.network.privateSubnetIds));
    bed.clock.advance(bed.drawn('nodegroup.create', 'demo/general'));
    return { bed, made, activities: createNodegroupUpdateActivities(bed.apis.eks) };
  }
  const settle = (bed: ManualSim, operation: Parameters<ManualSim['drawn']>[0], key: string) => bed.clock.advance(bed.drawn(operation, key));

  test('idempotent: a retried request (same request ID) is the same update; another while it runs is refused as EKS refuses it', async () => {
    const { bed, activities } = await ready();
    const input = { owner, cluster: 'demo', name: 'general', requestId: 'label-web', labels: { addOrUpdate: { tier: 'web' } } };
    const first = await activities.updateNodegroupConfig(input);
    assert.deepEqual(await activities.updateNodegroupConfig(input), first, 'the same request: the same update');
    await rejectsAs(activities.updateNodegroupConfig({ ...input, requestId: 'label-api', labels: { addOrUpdate: { tier: 'api' } } }), {
      type: errorTypes.awsClientError, message: new RegExp(`ResourceInUseException: Cannot update because nodegroup general currently has update ${first.updateId} in progress`),
    });
    const ref = { cluster: 'demo', nodegroup: 'general', updateId: first.updateId };
    assert.equal((await activities.describeUpdate(ref)).status, 'InProgress');
    settle(bed, 'nodegroup.update', 'demo/general');
    assert.deepEqual(await activities.describeUpdate(ref), {
      id: first.updateId, status: 'Successful', type: 'ConfigUpdate', params: [{ type: 'LabelsToAdd', value: '{"tier":"web"}' }], errors: [],
    });
    assert.deepEqual(await activities.updateNodegroupConfig(input), first, 'asked again after it finished: still that update, nothing new');
    assert.equal((await bed.apis.eks.describeNodegroup('demo', 'general'))?.status, 'ACTIVE');
    await rejectsAs(activities.describeUpdate({ ...ref, updateId: '00000000-0000-0000-0000-000000000000' }), {
      type: errorTypes.resourceFailed, message: /EKS knows no update demo\/general\/00000000/, nonRetryable: true,
    });
  });

  test("tags are added and removed by ARN; eksflow's ownership tags are never changed or removed", async () => {
    const { bed, activities } = await ready();
    await activities.tagNodegroup({ owner, cluster: 'demo', name: 'general', tags: { cost: 'web', team: 'a' } });
    await activities.tagNodegroup({ owner, cluster: 'demo', name: 'general', removeKeys: ['team', 'never-set'] });
    assert.deepEqual((await bed.apis.eks.describeNodegroup('demo', 'general'))?.tags, { [ownershipTagKeys.environment]: 'team/demo', cost: 'web' });
    const forged: { tags?: Record<string, string>; removeKeys?: string[] }[] = [
      { removeKeys: [ownershipTagKeys.environment] }, { tags: { [ownershipTagKeys.environment]: 'team/other' } }, { tags: { [ownershipTagKeys.createdByRun]: 'x' } },
    ];
    for (const change of forged) {
      await rejectsAs(activities.tagNodegroup({ owner, cluster: 'demo', name: 'general', ...change }), {
        type: errorTypes.invalidSpec, message: /^eksflow\.io\/[a-z-]+: eksflow's ownership tags, .* they are not changed or removed$/, nonRetryable: true,
      });
    }
    assert.equal((await bed.apis.eks.describeNodegroup('demo', 'general'))?.tags[ownershipTagKeys.environment], 'team/demo', 'kept');
  });

  test('versions: the control plane one minor up, then its node groups, never past it; a version with a launch template is refused', async () => {
    const { bed, activities } = await ready();
    const group = { owner, cluster: 'demo', name: 'general' };
    await rejectsAs(activities.updateNodegroupVersion({ ...group, requestId: 'too-soon', version: '1.36' }), {
      type: errorTypes.awsClientError, message: /InvalidParameterException: Requested Kubernetes version 1\.36 is newer than the version of cluster demo \(1\.35\)/, nonRetryable: true,
    });
    await rejectsAs(activities.updateClusterVersion({ owner, cluster: 'demo', version: '1.34', requestId: 'down' }), {
      type: errorTypes.awsClientError, message: /Unsupported Kubernetes minor version update from 1\.35 to 1\.34/,
    });
    const controlPlane = await activities.updateClusterVersion({ owner, cluster: 'demo', version: '1.36', requestId: 'cp-1.36' });
    assert.equal((await activities.describeUpdate({ cluster: 'demo', updateId: controlPlane.updateId })).status, 'InProgress');
    settle(bed, 'cluster.version-update', 'demo');
    assert.equal((await activities.describeUpdate({ cluster: 'demo', updateId: controlPlane.updateId })).status, 'Successful');
    assert.equal((await bed.apis.eks.describeCluster('demo'))?.version, '1.36');

    await rejectsAs(activities.updateNodegroupVersion({ ...group, requestId: 'combined', version: '1.36', launchTemplate: { name: 'nodes', version: '3' } }), {
      type: errorTypes.awsClientError, message: /InvalidParameterException: Version and ReleaseVersion updates cannot be combined with other updates/, nonRetryable: true,
    });
    const nodes = await activities.updateNodegroupVersion({ ...group, requestId: 'ng-1.36', version: '1.36' });
    assert.equal((await bed.apis.eks.describeNodegroup('demo', 'general'))?.status, 'UPDATING');
    settle(bed, 'nodegroup.version-update', 'demo/general');
    const done = await activities.describeUpdate({ cluster: 'demo', nodegroup: 'general', updateId: nodes.updateId });
    assert.deepEqual({ status: done.status, type: done.type, params: done.params }, {
      status: 'Successful', type: 'VersionUpdate', params: [{ type: 'Version', value: '1.36' }, { type: 'ReleaseVersion', value: '1.36.0-20261201' }],
    });
    const upgraded = await bed.apis.eks.describeNodegroup('demo', 'general');
    assert.deepEqual({ status: upgraded?.status, version: upgraded?.version }, { status: 'ACTIVE', version: '1.36' });
  });

  test("a failed update's errors are surfaced as EKS gives them (a PodDisruptionBudget blocking the drain), nothing changes, and force gets past it", async () => {
    const { bed, activities } = await ready();
    await activities.updateClusterVersion({ owner, cluster: 'demo', version: '1.36', requestId: 'cp' });
    settle(bed, 'cluster.version-update', 'demo');
    const evictionFailure = 'PodEvictionFailure: Reached max retries while trying to evict pods from nodes in node group general';
    bed.sim.faults.failOutcome('nodegroup-update', 'demo/general', { status: 'Failed', issues: [evictionFailure], resourceIds: ['ip-10-0-1-23.ec2.internal'] });
    const group = { owner, cluster: 'demo', name: 'general' };
    const blocked = await activities.updateNodegroupVersion({ ...group, requestId: 'ng-1.36', version: '1.36' });
    settle(bed, 'nodegroup.version-update', 'demo/general');
    const failed = await activities.describeUpdate({ cluster: 'demo', nodegroup: 'general', updateId: blocked.updateId });
    assert.equal(failed.status, 'Failed');
    assert.deepEqual(failed.errors, [{
      code: 'PodEvictionFailure', message: 'Reached max retries while trying to evict pods from nodes in node group general', resourceIds: ['ip-10-0-1-23.ec2.internal'],
    }]);
    const unchanged = await bed.apis.eks.describeNodegroup('demo', 'general');
    assert.deepEqual({ status: unchanged?.status, version: unchanged?.version }, { status: 'ACTIVE', version: '1.35' }, 'ACTIVE again, still at 1.35');

    const forced = await activities.updateNodegroupVersion({ ...group, requestId: 'ng-1.36-forced', version: '1.36', force: true });
    settle(bed, 'nodegroup.version-update', 'demo/general');
    assert.equal((await activities.describeUpdate({ cluster: 'demo', nodegroup: 'general', updateId: forced.updateId })).status, 'Successful');
    assert.equal((await bed.apis.eks.describeNodegroup('demo', 'general'))?.version, '1.36');
  });

  test('an add-on update: ownership first, then UpdateAddon awaited through DescribeUpdate', async () => {
    const { bed, activities } = await ready();
    bed.clock.advance(bed.drawn('addon.api-lag', 'demo'));
    await bed.apis.eks.createAddon({ cluster: 'demo', name: 'coredns', version: 'v1.12.4-eksbuild.1', tags: ownershipTags(owner), clientRequestToken: 'dns' });
    await bed.apis.eks.createAddon({ cluster: 'demo', name: 'kube-proxy', version: 'v1.35.0-eksbuild.2', tags: { team: 'someone-else' }, clientRequestToken: 'kp' });
    settle(bed, 'addon.create', 'demo/coredns');
    await rejectsAs(activities.updateEksAddon({ owner, cluster: 'demo', name: 'kube-proxy', requestId: 'kp', version: 'v1.35.0-eksbuild.2' }), notOurs);
    const { updateId } = await activities.updateEksAddon({ owner, cluster: 'demo', name: 'coredns', requestId: 'dns-1.13', version: 'v1.13.1-eksbuild.1' });
    settle(bed, 'addon.update', 'demo/coredns');
    assert.equal((await activities.describeUpdate({ cluster: 'demo', addon: 'coredns', updateId })).status, 'Successful');
    assert.equal((await bed.apis.eks.describeAddon('demo', 'coredns'))?.version, 'v1.13.1-eksbuild.1');
  });
});
