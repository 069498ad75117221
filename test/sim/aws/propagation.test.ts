// The simulated cloud's propagation windows (aws-fault-catalog 1, 2, 3, 6, 14): each produced
// with AWS's error code and message, waited out by the simulated adapters with the SDK
// adapters' own "not yet" rules, and failed for good once it outlasts the budget.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { defaultPatience } from '../../../src/activities/aws/not-yet';
import { errorTypes } from '../../../src/domain/errors';
import { assumedBy } from '../../../src/domain/service-roles';
import { fargateInput, manualSim, prerequisites, rejectsAs, tags, type ManualSim } from './fixtures';

// Real-time budgets a test can outlast in a fraction of a second; pauses short enough to retry within them.
const patience = { ...defaultPatience, propagationMs: 400, nameReleaseMs: 400, maxPauseMs: 20 };
const propagating = () => manualSim({ propagation: true, patience });

/** Runs `call` while the window is open, closes it by moving simulated time past it, and returns what the call gave. */
async function survives<T>(bed: ManualSim, call: () => Promise<T>, windowSeconds: number): Promise<T> {
  const pending = call();
  await delay(60);
  bed.clock.advance(windowSeconds + 1);
  return pending;
}

const clusterInput = (roleArn: string, subnetIds: string[], token = 'demo-token') => ({
  name: 'demo', version: '1.35', roleArn, subnetIds, securityGroupIds: [], logTypes: [], tags, clientRequestToken: token,
});

/** Roles, network and an ACTIVE cluster, every window before it passed. */
async function settledCluster(bed: ManualSim) {
  const made = await prerequisites(bed);
  bed.clock.advance(Math.max(...['demo-cluster', 'demo-node', 'demo-fargate'].map((role) => bed.drawn('iam.propagation', role))) + 1);
  await bed.apis.eks.createCluster(clusterInput(made.clusterRole, made.network.privateSubnetIds));
  bed.clock.advance(bed.drawn('cluster.create', 'demo'));
  assert.equal((await bed.apis.eks.describeCluster('demo'))?.status, 'ACTIVE');
  bed.clock.advance(bed.drawn('addon.api-lag', 'demo') + 1);
  return made;
}

test('off by default: a role is usable the moment it is made', async () => {
  const bed = manualSim();
  const made = await prerequisites(bed);
  assert.equal((await bed.apis.eks.createCluster(clusterInput(made.clusterRole, made.network.privateSubnetIds))).status, 'CREATING');
  assert.equal(bed.sim.sampler.draws().filter((d) => d.operation === 'iam.propagation').length, 0, 'no window drawn');
});

test('catalog 1: CreateCluster right after CreateRole answers InvalidParameterException "could not be assumed" for the sampled window; waited out, and failed past the budget', async () => {
  const bed = propagating();
  const made = await prerequisites(bed);
  const window = bed.drawn('iam.propagation', 'demo-cluster');
  assert.ok(window > 0 && window < 120, `seconds to tens of seconds, inside Terraform's 2 min: ${window}`);

  await rejectsAs(bed.apis.eks.createCluster(clusterInput(made.clusterRole, made.network.privateSubnetIds)), {
    type: errorTypes.awsClientError, nonRetryable: true,
    message: new RegExp(`CreateCluster demo: InvalidParameterException: Role with arn: ${made.clusterRole}, could not be assumed because it does not exist or the trusted entity is not correct \\(still so .* gave up after 0 s, aws-fault-catalog 1\\)`),
  });
  assert.ok(bed.sim.calls()['eks:CreateCluster']! > 2, 'asked again while the budget lasted');
  assert.deepEqual(bed.sim.inventory().clusters, []);

  bed.sim.resetCalls();
  const cluster = await survives(bed, () => bed.apis.eks.createCluster(clusterInput(made.clusterRole, made.network.privateSubnetIds)), window);
  assert.equal(cluster.status, 'CREATING');
  assert.ok(bed.sim.calls()['eks:CreateCluster']! >= 2, 'refused first, then accepted');
});

test('catalog 1: after AttachRolePolicy, CreateCluster answers "doesn\'t have the Amazon EKS Managed Policies" until the attachment propagates', async () => {
  const bed = propagating();
  const made = await prerequisites(bed);
  bed.clock.advance(bed.drawn('iam.propagation', 'demo-cluster') + 1);
  await bed.apis.iam.attachPolicy('demo-cluster', 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy');
  const window = bed.drawn('iam.propagation', 'demo-cluster policies');
  await rejectsAs(bed.apis.eks.createCluster(clusterInput(made.clusterRole, made.network.privateSubnetIds)), {
    type: errorTypes.awsClientError, nonRetryable: true,
    message: /CreateCluster demo: InvalidParameterException: The provided role doesn't have the Amazon EKS Managed Policies associated with it.*aws-fault-catalog 1/,
  });
  assert.equal((await survives(bed, () => bed.apis.eks.createCluster(clusterInput(made.clusterRole, made.network.privateSubnetIds)), window)).status, 'CREATING');
});

test('catalog 2: CreateFargateProfile with a pod execution role made seconds ago answers "Misconfigured PodExecutionRole Trust Policy"; waited out, and failed past the budget', async () => {
  const bed = propagating();
  const made = await settledCluster(bed);
  const fresh = (await bed.apis.iam.createRole({ name: 'demo-fargate-2', trustPolicy: JSON.stringify(assumedBy('eks-fargate-pods.amazonaws.com')), description: 'pods', tags })).arn;
  const window = bed.drawn('iam.propagation', 'demo-fargate-2');
  await rejectsAs(bed.apis.eks.createFargateProfile(fargateInput(fresh, made.network.privateSubnetIds, 'apps')), {
    type: errorTypes.awsClientError, nonRetryable: true,
    message: /CreateFargateProfile demo\/apps: InvalidParameterException: Misconfigured PodExecutionRole Trust Policy; Please add the eks-fargate-pods.amazonaws.com Service Principal \(still so .*aws-fault-catalog 2\)/,
  });
  assert.equal((await survives(bed, () => bed.apis.eks.createFargateProfile(fargateInput(fresh, made.network.privateSubnetIds, 'apps')), window)).status, 'CREATING');
});

test('catalog 6 and 3: an IRSA role naming an OIDC provider made seconds ago is refused "Invalid principal in policy", then CreateAddon with it answers "does not exist"; both waited out, and failed past the budget', async () => {
  const bed = propagating();
  await settledCluster(bed);
  const provider = await bed.apis.iam.createOidcProvider({ url: 'https://oidc.eks.us-east-1.amazonaws.com/id/ABC', clientIds: ['sts.amazonaws.com'], tags });
  const trustPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: provider.arn }, Action: 'sts:AssumeRoleWithWebIdentity' }] });
  const irsa = { name: 'demo-cloudwatch', trustPolicy, description: 'irsa', tags };
  await rejectsAs(bed.apis.iam.createRole(irsa), {
    type: errorTypes.awsClientError, nonRetryable: true,
    message: new RegExp(`CreateRole demo-cloudwatch: MalformedPolicyDocumentException: Invalid principal in policy: "Federated":"${provider.arn}" \\(still so .*aws-fault-catalog 6\\)`),
  });
  assert.deepEqual(bed.sim.inventory().roles.includes('demo-cloudwatch'), false);
  const role = await survives(bed, () => bed.apis.iam.createRole(irsa), bed.drawn('iam.propagation', provider.arn));

  const addon = { cluster: 'demo', name: 'amazon-cloudwatch-observability', version: 'v4.1.0-eksbuild.1', serviceAccountRoleArn: role.arn, tags, clientRequestToken: 'cw' };
  await rejectsAs(bed.apis.eks.createAddon(addon), {
    type: errorTypes.awsClientError, nonRetryable: true,
    message: new RegExp(`CreateAddon demo/amazon-cloudwatch-observability: InvalidParameterException: serviceAccountRoleArn, ${role.arn}, does not exist \\(still so .*aws-fault-catalog 3\\)`),
  });
  assert.equal((await survives(bed, () => bed.apis.eks.createAddon(addon), bed.drawn('iam.propagation', 'demo-cloudwatch'))).status, 'CREATING');
});

test('catalog 14: the name of a just-deleted cluster answers ResourceInUseException "Cluster already exists with name" for the sampled window; waited out, and failed past the budget', async () => {
  const bed = propagating();
  const made = await settledCluster(bed);
  await bed.apis.eks.deleteCluster('demo');
  bed.clock.advance(bed.drawn('cluster.delete', 'demo') + 0.001);
  assert.equal(await bed.apis.eks.describeCluster('demo'), undefined, 'gone from DescribeCluster');
  const window = bed.drawn('cluster.name-release', 'demo');
  await rejectsAs(bed.apis.eks.createCluster(clusterInput(made.clusterRole, made.network.privateSubnetIds, 'again')), {
    type: errorTypes.awsClientError, nonRetryable: true,
    message: /CreateCluster demo: ResourceInUseException: Cluster already exists with name: demo \(still so .*aws-fault-catalog 14\)/,
  });
  assert.equal((await survives(bed, () => bed.apis.eks.createCluster(clusterInput(made.clusterRole, made.network.privateSubnetIds, 'again')), window)).status, 'CREATING');
});

test('CreateNodegroup takes a node role still propagating: the catalog has no answer for it and Terraform does not retry it (catalog 22, gaps)', async () => {
  const bed = propagating();
  const made = await settledCluster(bed);
  const fresh = (await bed.apis.iam.createRole({ name: 'demo-node-2', trustPolicy: JSON.stringify(assumedBy('ec2.amazonaws.com')), description: 'nodes', tags })).arn;
  const group = await bed.apis.eks.createNodegroup({
    cluster: 'demo', name: 'general', nodeRoleArn: fresh, subnetIds: made.network.privateSubnetIds, instanceTypes: ['t3.medium'], capacityType: 'ON_DEMAND', amiType: 'AL2_x86_64',
    diskSize: 20, scaling: { minSize: 1, desiredSize: 1, maxSize: 2 }, labels: {}, taints: [], tags, clientRequestToken: 'ng',
  });
  assert.equal(group.status, 'CREATING');
});
