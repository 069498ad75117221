import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClusterActivities } from '../../../src/activities/cluster';
import { errorTypes } from '../../../src/domain/errors';
import type { AwsInventory } from '../../../src/sim/aws';
import type { Inventory } from '../../support/aws-inventory';
import { activeCluster, createCluster, fargateInput, manualSim, nodegroupInput, prerequisites, rejectsAs, tags } from './fixtures';

// EKS's rules that moto does not have, on a clock the tests move by hand.

const inUse = (message: RegExp) => ({ type: errorTypes.awsClientError, nonRetryable: true, message });

test('a cluster is CREATING until its sampled latency has passed; then ACTIVE, with endpoint and issuer', async () => {
  const bed = manualSim();
  const { cluster } = await createCluster(bed);
  assert.equal(cluster.status, 'CREATING');
  assert.equal(cluster.endpoint, undefined, 'EKS has no endpoint for a cluster still being created');
  const seconds = bed.drawn('cluster.create', 'demo');
  bed.clock.advance(seconds - 1);
  assert.equal((await bed.apis.eks.describeCluster('demo'))?.status, 'CREATING');
  bed.clock.advance(2);
  const active = await bed.apis.eks.describeCluster('demo');
  assert.equal(active?.status, 'ACTIVE');
  assert.ok(active?.endpoint && active.oidcIssuer && active.certificateAuthority);
  assert.equal(active?.vpcId, (await bed.apis.vpc.findVpc('eksflow.io/environment', 'team/demo'))?.vpcId);
});

test('the same client request token gets the same cluster; the name under another token is in use', async () => {
  const bed = manualSim();
  const { cluster, clusterRole, network } = await createCluster(bed);
  const input = { name: 'demo', version: '1.35', roleArn: clusterRole, subnetIds: network.privateSubnetIds, securityGroupIds: [], logTypes: [], tags };
  assert.equal((await bed.apis.eks.createCluster({ ...input, clientRequestToken: 'demo-token' })).arn, cluster.arn);
  await rejectsAs(bed.apis.eks.createCluster({ ...input, clientRequestToken: 'other' }), inUse(/ResourceInUseException: Cluster already exists with name: demo/));
  assert.deepEqual(bed.sim.inventory().clusters, ['demo']);
});

test('a cluster needs a role and subnets that exist, in two zones of one VPC', async () => {
  const bed = manualSim();
  const { clusterRole, network } = await prerequisites(bed);
  const input = { name: 'demo', version: '1.35', roleArn: clusterRole, subnetIds: network.privateSubnetIds, securityGroupIds: [], logTypes: [], tags, clientRequestToken: 't' };
  const invalid = (message: RegExp) => ({ type: errorTypes.awsClientError, nonRetryable: true, message });
  await rejectsAs(bed.apis.eks.createCluster({ ...input, roleArn: 'arn:aws:iam::123456789012:role/missing' }), invalid(/InvalidParameterException: Role with arn: .*missing/));
  await rejectsAs(bed.apis.eks.createCluster({ ...input, subnetIds: ['subnet-0123456789abcdef0', network.privateSubnetIds[0]!] }), invalid(/The subnet ID 'subnet-0123456789abcdef0' does not exist/));
  const [privateSubnet] = network.privateSubnetIds;
  const sameZone = network.publicSubnetIds.find((id) => bed.sim.vpc.subnet(id)?.zone === bed.sim.vpc.subnet(privateSubnet!)?.zone);
  await rejectsAs(bed.apis.eks.createCluster({ ...input, subnetIds: [privateSubnet!, sameZone!] }), invalid(/at least two different AZs/));
  assert.deepEqual(bed.sim.inventory().clusters, []);
});

test('each cluster has its own OIDC issuer', async () => {
  const bed = manualSim();
  const { clusterRole, network } = await createCluster(bed, 'demo');
  await bed.apis.eks.createCluster({ name: 'other', version: '1.35', roleArn: clusterRole, subnetIds: network.privateSubnetIds, securityGroupIds: [], logTypes: [], tags, clientRequestToken: 'x' });
  bed.clock.advance(10_000);
  const issuers = await Promise.all(['demo', 'other'].map(async (name) => (await bed.apis.eks.describeCluster(name))?.oidcIssuer));
  assert.equal(new Set(issuers).size, 2, issuers.join(' vs '));
});

test('fault-catalog 19: a logging update is followed through DescribeUpdate: Successful applies it; Failed leaves the cluster ACTIVE, unchanged, with the update\'s errors', async () => {
  const bed = manualSim();
  await activeCluster(bed);
  const { ensureControlPlaneLogging, describeClusterUpdate } = createClusterActivities(bed.apis.eks);
  const owner = { environmentId: 'team-a/demo', runId: 'run-1' };
  const first = await ensureControlPlaneLogging({ owner, name: 'demo', wanted: ['api'] });
  assert.equal(typeof first, 'string', 'the update\'s ID');
  assert.deepEqual(await describeClusterUpdate({ cluster: 'demo', updateId: first as string }), { status: 'InProgress', issues: [] });
  bed.clock.advance(bed.drawn('cluster.update', 'demo'));
  assert.deepEqual(await describeClusterUpdate({ cluster: 'demo', updateId: first as string }), { status: 'Successful', issues: [] });
  assert.deepEqual((await bed.apis.eks.describeCluster('demo'))?.enabledLogTypes, ['api']);

  const denied = 'AccessDenied: The cluster role is not authorized to perform logs:CreateLogGroup';
  bed.sim.faults.failOutcome('cluster-update', 'demo', { status: 'Failed', issues: [denied] });
  const second = await ensureControlPlaneLogging({ owner, name: 'demo', wanted: ['api', 'audit'] });
  bed.clock.advance(bed.drawn('cluster.update', 'demo'));
  assert.deepEqual(await describeClusterUpdate({ cluster: 'demo', updateId: second as string }), { status: 'Failed', issues: [denied] });
  const cluster = await bed.apis.eks.describeCluster('demo');
  assert.deepEqual([cluster?.status, cluster?.enabledLogTypes], ['ACTIVE', ['api']], 'ACTIVE again, the failed update applied nothing');
  await assert.rejects(describeClusterUpdate({ cluster: 'demo', updateId: '00000000-0000-0000-0000-000000000000' }), /EKS knows no update/);
});

test('EKS runs one cluster configuration update at a time', async () => {
  const bed = manualSim();
  await createCluster(bed);
  await rejectsAs(bed.apis.eks.updateClusterLogging('demo', ['api'], [], 'early'), inUse(/ResourceInUseException: Cluster demo is CREATING/));
  bed.clock.advance(bed.drawn('cluster.create', 'demo'));
  const id = await bed.apis.eks.updateClusterLogging('demo', ['api'], [], 'logging-1');
  assert.equal((await bed.apis.eks.describeCluster('demo'))?.status, 'UPDATING');
  assert.equal(await bed.apis.eks.updateClusterLogging('demo', ['api'], [], 'logging-1'), id, 'the same token is the same update');
  await rejectsAs(bed.apis.eks.updateClusterLogging('demo', ['audit'], [], 'logging-2'), inUse(new RegExp(`ResourceInUseException: Cannot update because cluster demo currently has update ${id} in progress`)));
  assert.deepEqual((await bed.apis.eks.describeCluster('demo'))?.enabledLogTypes, [], 'applied only once the update is done');
  bed.clock.advance(bed.drawn('cluster.update', 'demo'));
  const cluster = await bed.apis.eks.describeCluster('demo');
  assert.deepEqual([cluster?.status, cluster?.enabledLogTypes], ['ACTIVE', ['api']]);
  await rejectsAs(bed.apis.eks.updateClusterLogging('demo', ['api'], [], 'logging-3'), { type: errorTypes.awsClientError, message: /No changes needed/ });
});

test('node groups need an ACTIVE cluster; a scaling change is UPDATING until done, one at a time', async () => {
  const bed = manualSim();
  const { nodeRole, network } = await createCluster(bed);
  await rejectsAs(bed.apis.eks.createNodegroup(nodegroupInput(nodeRole, network.privateSubnetIds)), { type: errorTypes.awsClientError, message: /InvalidRequestException: Cluster 'demo' is not in ACTIVE status/ });
  bed.clock.advance(bed.drawn('cluster.create', 'demo'));
  const created = await bed.apis.eks.createNodegroup(nodegroupInput(nodeRole, network.privateSubnetIds));
  assert.equal(created.status, 'CREATING');
  assert.equal((await bed.apis.eks.createNodegroup(nodegroupInput(nodeRole, network.privateSubnetIds))).arn, created.arn, 'same token, same group');
  await rejectsAs(bed.apis.eks.updateNodegroupScaling('demo', 'general', { minSize: 1, desiredSize: 3, maxSize: 4 }, 's0'), inUse(/Nodegroup cannot be updated as it is currently not in Active State/));
  bed.clock.advance(bed.drawn('nodegroup.create', 'demo/general'));

  await bed.apis.eks.updateNodegroupScaling('demo', 'general', { minSize: 1, desiredSize: 3, maxSize: 4 }, 's1');
  const updating = await bed.apis.eks.describeNodegroup('demo', 'general');
  assert.deepEqual([updating?.status, updating?.scaling.desiredSize], ['UPDATING', 2]);
  await bed.apis.eks.updateNodegroupScaling('demo', 'general', { minSize: 1, desiredSize: 3, maxSize: 4 }, 's1');
  await rejectsAs(bed.apis.eks.updateNodegroupScaling('demo', 'general', { minSize: 1, desiredSize: 4, maxSize: 4 }, 's2'), inUse(/currently has update .* in progress/));
  bed.clock.advance(bed.drawn('nodegroup.update', 'demo/general'));
  const scaled = await bed.apis.eks.describeNodegroup('demo', 'general');
  assert.deepEqual([scaled?.status, scaled?.scaling.desiredSize], ['ACTIVE', 3]);
  await rejectsAs(bed.apis.eks.updateNodegroupScaling('demo', 'general', { minSize: 2, desiredSize: 1, maxSize: 4 }, 's3'), { type: errorTypes.awsClientError, message: /InvalidParameterException: Invalid scaling/ });
});

test('EKS runs one Fargate profile create or delete at a time per cluster', async () => {
  const bed = manualSim();
  const { fargateRole, network } = await activeCluster(bed);
  const { eks } = bed.apis;
  await eks.createFargateProfile(fargateInput(fargateRole, network.privateSubnetIds, 'apps'));
  await rejectsAs(eks.createFargateProfile(fargateInput(fargateRole, network.privateSubnetIds, 'jobs')), inUse(/ResourceInUseException: .*Fargate profile apps of cluster demo is CREATING/));
  bed.clock.advance(bed.drawn('fargate-profile.create', 'demo/apps'));
  await eks.createFargateProfile(fargateInput(fargateRole, network.privateSubnetIds, 'jobs'));
  await rejectsAs(eks.deleteFargateProfile('demo', 'apps'), inUse(/Fargate profile jobs of cluster demo is CREATING/));
  bed.clock.advance(bed.drawn('fargate-profile.create', 'demo/jobs'));
  await eks.deleteFargateProfile('demo', 'apps');
  assert.equal((await eks.describeFargateProfile('demo', 'apps'))?.status, 'DELETING');
  await rejectsAs(eks.deleteFargateProfile('demo', 'jobs'), inUse(/Fargate profile apps of cluster demo is DELETING/));
  await eks.deleteFargateProfile('demo', 'apps');
  bed.clock.advance(bed.drawn('fargate-profile.delete', 'demo/apps'));
  assert.deepEqual(await eks.listFargateProfiles('demo'), ['jobs']);
});

test('a cluster cannot be deleted while CREATING, UPDATING, or while it has node groups or Fargate profiles', async () => {
  const bed = manualSim();
  const { nodeRole, fargateRole, network } = await createCluster(bed);
  const { eks } = bed.apis;
  await rejectsAs(eks.deleteCluster('demo'), inUse(/still being created/));
  bed.clock.advance(bed.drawn('cluster.create', 'demo'));
  await eks.updateClusterLogging('demo', ['api'], [], 'l1');
  await rejectsAs(eks.deleteCluster('demo'), inUse(/currently has update .* in progress/));
  bed.clock.advance(bed.drawn('cluster.update', 'demo'));
  await eks.createNodegroup(nodegroupInput(nodeRole, network.privateSubnetIds));
  await eks.createFargateProfile(fargateInput(fargateRole, network.privateSubnetIds, 'apps'));
  await rejectsAs(eks.deleteCluster('demo'), inUse(/Cluster has nodegroups attached/));
  await eks.deleteNodegroup('demo', 'general');
  bed.clock.advance(bed.drawn('nodegroup.delete', 'demo/general'));
  await rejectsAs(eks.deleteCluster('demo'), inUse(/Cluster has fargate profiles attached/));
  bed.clock.advance(bed.drawn('fargate-profile.create', 'demo/apps'));
  await eks.deleteFargateProfile('demo', 'apps');
  bed.clock.advance(bed.drawn('fargate-profile.delete', 'demo/apps'));
  await eks.deleteCluster('demo');
  assert.equal((await eks.describeCluster('demo'))?.status, 'DELETING');
  await eks.deleteCluster('demo');
  bed.clock.advance(bed.drawn('cluster.delete', 'demo'));
  assert.equal(await eks.describeCluster('demo'), undefined);
});

test('the add-on API refuses for a while after the cluster is ACTIVE; an add-on then waits for somewhere to run', async () => {
  const bed = manualSim();
  const { nodeRole, network } = await activeCluster(bed);
  const { eks } = bed.apis;
  const addon = { cluster: 'demo', name: 'metrics-server', version: 'v0.8.0-eksbuild.1', tags, clientRequestToken: 'addon-1' };
  await rejectsAs(eks.createAddon(addon), { type: errorTypes.awsClientError, message: /CreateAddon demo\/metrics-server: InvalidRequestException: Cluster demo is not ready for add-ons yet/ });
  const lag = bed.drawn('addon.api-lag', 'demo');
  assert.ok(lag > 60 && lag < 600, `the lag is ~3 minutes, drew ${lag} s`);
  bed.clock.advance(lag);
  assert.equal((await eks.createAddon(addon)).status, 'CREATING');
  bed.clock.advance(bed.drawn('addon.create', 'demo/metrics-server'));
  const waiting = await eks.describeAddon('demo', 'metrics-server');
  assert.equal(waiting?.status, 'DEGRADED', 'no node to run on yet: EKS says DEGRADED (aws-fault-catalog 31, 32)');
  assert.match(waiting?.issues[0] ?? '', /^InsufficientNumberOfReplicas/);
  await eks.createNodegroup(nodegroupInput(nodeRole, network.privateSubnetIds));
  bed.clock.advance(bed.drawn('nodegroup.create', 'demo/general'));
  assert.deepEqual(await eks.describeAddon('demo', 'metrics-server'), { name: 'metrics-server', version: 'v0.8.0-eksbuild.1', status: 'ACTIVE', issues: [], tags });
  await eks.deleteAddon('demo', 'metrics-server');
  bed.clock.advance(bed.drawn('addon.delete', 'demo/metrics-server'));
  assert.equal(await eks.describeAddon('demo', 'metrics-server'), undefined);
});

test('a VPC is not deleted while a cluster uses its subnets: DependencyViolation, retryable, until the cluster is gone', async () => {
  const bed = manualSim();
  const { network } = await activeCluster(bed);
  await rejectsAs(bed.apis.vpc.deleteNetwork(network.vpcId), { type: errorTypes.awsRetryable, nonRetryable: false, message: /DeleteSubnet: DependencyViolation: .*EKS cluster demo/ });
  await bed.apis.eks.deleteCluster('demo');
  bed.clock.advance(bed.drawn('cluster.delete', 'demo'));
  await bed.apis.vpc.deleteNetwork(network.vpcId);
  assert.deepEqual(bed.sim.inventory().vpcs, []);
});

test('NAT gateways are pending for their sampled latency, and hold the network until they are deleted', async () => {
  const bed = manualSim();
  const zones = (await bed.apis.vpc.availabilityZones()).map((zone) => zone.name);
  assert.deepEqual(zones, ['us-east-1a', 'us-east-1b', 'us-east-1c']);
  const network = await bed.apis.vpc.ensureNetwork({ cidr: '10.1.0.0/16', zones, natGateway: 'perAz', tags, cluster: 'demo' });
  assert.equal(network.privateSubnetIds.length, 3);
  const states = async () => (await bed.apis.vpc.natGateways(network.vpcId)).map((nat) => nat.state);
  assert.deepEqual(await states(), ['pending', 'pending', 'pending'], 'CreateNatGateway returns at once, as on EC2');
  bed.clock.advance(bed.drawn('network.create', 'demo') - 1);
  assert.deepEqual(await states(), ['pending', 'pending', 'pending']);
  bed.clock.advance(2);
  assert.deepEqual(await states(), ['available', 'available', 'available']);

  const nats = await bed.apis.vpc.natGateways(network.vpcId);
  await rejectsAs(bed.apis.vpc.deleteNetwork(network.vpcId), { type: errorTypes.awsRetryable, nonRetryable: false, message: new RegExp(`NAT gateways ${nats[0]!.id} \\(deleting\\), .* still hold an address`) });
  assert.deepEqual(await states(), ['deleting', 'deleting', 'deleting'], 'asking for the network starts the NAT gateways going');
  await bed.apis.vpc.deleteNatGateways(network.vpcId);
  assert.equal(bed.sim.calls()['ec2:DeleteNatGateway'], 3, 'a gateway already deleting is not asked again');
  const slowest = Math.max(...nats.map((nat) => bed.drawn('nat-gateway.delete', nat.id)));
  bed.clock.advance(slowest - 1);
  assert.ok((await states()).includes('deleting'));
  assert.deepEqual(bed.sim.inventory().vpcs, [network.vpcId]);
  bed.clock.advance(2);
  assert.deepEqual(await states(), ['deleted', 'deleted', 'deleted']);
  await bed.apis.vpc.deleteNetwork(network.vpcId);
  assert.equal(bed.sim.calls()['ec2:ReleaseAddress'], 3, 'each NAT gateway\'s address released once it is gone');
  assert.deepEqual(bed.sim.inventory().vpcs, []);
});

test('an NLB is provisioning until its sampled latency has passed, is found by its tags, and holds its subnets', async () => {
  const bed = manualSim();
  const { network } = await prerequisites(bed);
  const lbTags = { 'elbv2.k8s.aws/cluster': 'demo', 'service.k8s.aws/stack': 'app/web' };
  const { arn, dnsName } = bed.sim.network.createLoadBalancer({ name: 'k8s-app-web-0123456789', tags: lbTags, vpcId: network.vpcId, subnetIds: network.publicSubnetIds });
  assert.match(dnsName, /^k8s-app-web-0123456789-[0-9a-f]{16}\.elb\.us-east-1\.amazonaws\.com$/);
  assert.equal(bed.sim.network.createLoadBalancer({ name: 'k8s-app-web-0123456789', tags: lbTags }).arn, arn, 'ELBv2 creates by name idempotently');
  assert.equal(bed.sim.network.loadBalancer(arn)?.state, 'provisioning');
  bed.clock.advance(bed.drawn('load-balancer.provision', 'k8s-app-web-0123456789'));
  assert.equal(bed.sim.network.loadBalancer(arn)?.state, 'active');
  assert.deepEqual(await bed.apis.network.loadBalancersTagged('elbv2.k8s.aws/cluster', 'demo'), [arn]);
  assert.deepEqual(await bed.apis.network.loadBalancersTagged('elbv2.k8s.aws/cluster', 'other'), []);
  await rejectsAs(bed.apis.vpc.deleteNetwork(network.vpcId), { type: errorTypes.awsRetryable, message: /DependencyViolation: .*load balancer k8s-app-web/ });
  await bed.apis.network.deleteLoadBalancer(arn);
  assert.equal(bed.sim.network.loadBalancer(arn), undefined);
  await bed.apis.vpc.deleteNetwork(network.vpcId);
});

test('security groups and ENIs the cluster made are found by tag; a group an ENI uses is not deleted yet', async () => {
  const bed = manualSim();
  const key = 'kubernetes.io/cluster/demo';
  const group = bed.sim.network.createSecurityGroup({ tags: { [key]: 'owned' } });
  const eni = bed.sim.network.createNetworkInterface({ tags: { [key]: 'owned' }, securityGroupIds: [group] });
  const targetGroup = bed.sim.network.createTargetGroup({ name: 'k8s-app-web', tags: { 'elbv2.k8s.aws/cluster': 'demo' } });
  assert.deepEqual(await bed.apis.network.securityGroupsTagged(key), [group]);
  assert.deepEqual(await bed.apis.network.networkInterfacesTagged(key), [eni]);
  assert.deepEqual(await bed.apis.network.targetGroupsTagged('elbv2.k8s.aws/cluster', 'demo'), [targetGroup]);
  await rejectsAs(bed.apis.network.deleteSecurityGroup(group), { type: errorTypes.awsRetryable, message: /DependencyViolation/ });
  await bed.apis.network.deleteNetworkInterface(eni);
  await bed.apis.network.deleteSecurityGroup(group);
  await bed.apis.network.deleteTargetGroup(targetGroup);
  assert.deepEqual(bed.sim.network.counts(), { loadBalancers: 0, targetGroups: 0, securityGroups: 0, networkInterfaces: 0 });
});

test('ECR holds the digests of pushed images; CloudWatch takes only its own retention periods', async () => {
  const bed = manualSim();
  await bed.apis.ecr.createRepository({ name: 'app', scanOnPush: false, tags });
  const digest = bed.sim.ecr.addImage('app', 'v1');
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await bed.apis.ecr.imageDigest('app', 'v1'), digest);
  assert.notEqual(bed.sim.ecr.addImage('app', 'v1'), digest, 'a new push moves the tag');
  await bed.apis.logs.createLogGroup('/aws/eks/demo/cluster', tags);
  await rejectsAs(bed.apis.logs.putRetentionPolicy('/aws/eks/demo/cluster', 8), { type: errorTypes.awsClientError, message: /InvalidParameterException/ });
});

test('the inventory lists everything, as the test bed lists moto', async () => {
  const bed = manualSim();
  const { nodeRole, fargateRole, network } = await activeCluster(bed);
  await bed.apis.eks.createNodegroup(nodegroupInput(nodeRole, network.privateSubnetIds));
  await bed.apis.eks.createFargateProfile(fargateInput(fargateRole, network.privateSubnetIds, 'apps'));
  const provider = await bed.apis.iam.createOidcProvider({ url: 'https://oidc.eks.us-east-1.amazonaws.com/id/ABC', clientIds: ['sts.amazonaws.com'], tags });
  await bed.apis.ecr.createRepository({ name: 'app', scanOnPush: false, tags });
  await bed.apis.logs.createLogGroup('/aws/eks/demo/cluster', tags);
  // The same shape both ways, so leak checks written against moto's inventory take the simulator's.
  const listed: Inventory = bed.sim.inventory();
  const fromMoto = (inventory: Inventory): AwsInventory => inventory;
  assert.deepEqual(fromMoto(listed), {
    clusters: ['demo'], nodegroups: ['demo/general'], fargateProfiles: ['demo/apps'], roles: ['demo-cluster', 'demo-fargate', 'demo-node'],
    oidcProviders: [provider.arn], repositories: ['app'], vpcs: [network.vpcId], logGroups: ['/aws/eks/demo/cluster'],
  });
});

test('the Kubernetes side sees each cluster\'s compute as it is now', async () => {
  const bed = manualSim();
  const { nodeRole, network } = await activeCluster(bed);
  await bed.apis.eks.createNodegroup({ ...nodegroupInput(nodeRole, network.privateSubnetIds, 'spot'), capacityType: 'SPOT', labels: { lifecycle: 'spot' } });
  assert.deepEqual(bed.sim.eks.compute('demo')?.nodegroups.map((g) => [g.name, g.status, g.capacityType, g.labels]), [['spot', 'CREATING', 'SPOT', { lifecycle: 'spot' }]]);
  bed.clock.advance(bed.drawn('nodegroup.create', 'demo/spot'));
  assert.equal(bed.sim.eks.compute('demo')?.nodegroups[0]?.status, 'ACTIVE');
  assert.equal(bed.sim.eks.compute('missing'), undefined);
});

test('the detection log measures how late a Describe first saw each finished transition, creates and deletes alike', async () => {
  const bed = manualSim();
  const { nodeRole, network } = await createCluster(bed);
  const start = bed.clock.now();
  await bed.apis.eks.describeCluster('demo');
  bed.clock.advance(bed.drawn('cluster.create', 'demo') + 7);
  assert.deepEqual(bed.sim.detections.detections(), [], 'nothing is detected before a Describe looks');
  assert.equal((await bed.apis.eks.describeCluster('demo'))?.status, 'ACTIVE');
  await bed.apis.eks.describeCluster('demo');
  const [cluster, ...more] = bed.sim.detections.detections();
  assert.deepEqual(more, [], 'a transition is detected once');
  assert.deepEqual([cluster?.operation, cluster?.key], ['cluster.create', 'demo']);
  assert.ok(Math.abs(cluster!.seenAt - cluster!.finishedAt - 7_000) < 1, 'seen 7 s after it turned ACTIVE');
  assert.ok(Math.abs(cluster!.finishedAt - start - bed.drawn('cluster.create', 'demo') * 1000) < 1);

  await bed.apis.eks.createNodegroup(nodegroupInput(nodeRole, network.privateSubnetIds));
  bed.clock.advance(bed.drawn('nodegroup.create', 'demo/general'));
  await bed.apis.eks.describeNodegroup('demo', 'general');
  await bed.apis.eks.deleteNodegroup('demo', 'general');
  bed.clock.advance(bed.drawn('nodegroup.delete', 'demo/general') + 30);
  assert.equal(await bed.apis.eks.describeNodegroup('demo', 'general'), undefined);
  assert.deepEqual(bed.sim.detections.detections().slice(1).map((d) => [d.operation, d.key, Math.round((d.seenAt - d.finishedAt) / 1000)]), [
    ['nodegroup.create', 'demo/general', 0], ['nodegroup.delete', 'demo/general', 30],
  ]);
});

test('Auto Scaling refuses a group whose launch template names a key pair or security group EC2 does not have (a ValidationError, as eksctl #1989 shows it)', async () => {
  const bed = manualSim();
  const { network } = await prerequisites(bed);
  const { nodeLaunch } = bed.apis;
  const selfManagedNodes = bed.apis.selfManagedNodes!;
  const data = {
    imageId: 'ami-0123456789abcdef0', instanceType: 'm5.large', userData: '', instanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/demo', securityGroupIds: [] as string[],
    rootVolume: { deviceName: '/dev/xvda', sizeGiB: 20, type: 'gp3', encrypted: false }, metadata: { httpTokens: 'required' as const, httpPutResponseHopLimit: 2 }, instanceTags: {},
  };
  const group = (name: string, launchTemplateId: string) => ({ name, launchTemplateId, minSize: 1, desiredSize: 1, maxSize: 1, subnetIds: network.privateSubnetIds, tags });
  const noKey = await selfManagedNodes.createLaunchTemplate({ name: 'no-key', data: { ...data, keyName: 'laptop' }, tags, clientToken: 'no-key' });
  await rejectsAs(selfManagedNodes.createAutoScalingGroup(group('no-key', noKey.id)), {
    type: errorTypes.awsClientError, nonRetryable: true, message: /ValidationError: You must use a valid fully-formed launch template\. The key pair 'laptop' does not exist/,
  });
  const noGroup = await selfManagedNodes.createLaunchTemplate({ name: 'no-group', data: { ...data, securityGroupIds: ['sg-0000000000000dead'] }, tags, clientToken: 'no-group' });
  await rejectsAs(selfManagedNodes.createAutoScalingGroup(group('no-group', noGroup.id)), {
    type: errorTypes.awsClientError, nonRetryable: true, message: /ValidationError: You must use a valid fully-formed launch template\. The security group 'sg-0000000000000dead' does not exist/,
  });
  // Both there: the group is made.
  await nodeLaunch.importKeyPair({ name: 'laptop', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf0xmp2ewVo5EJOc6l1yJD0GPk1ZPxPpBrXdXsCgeSq user@laptop', tags });
  const sg = await nodeLaunch.createSecurityGroup({ name: 'nodes', description: 'nodes', vpcId: network.vpcId, tags });
  const good = await selfManagedNodes.createLaunchTemplate({ name: 'good', data: { ...data, keyName: 'laptop', securityGroupIds: [sg.id] }, tags, clientToken: 'good' });
  await selfManagedNodes.createAutoScalingGroup(group('good', good.id));
  assert.ok(await selfManagedNodes.describeAutoScalingGroup('good'));
});
