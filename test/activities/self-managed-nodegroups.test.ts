import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateSubnetCommand, CreateVpcCommand, DescribeImagesCommand, DescribeLaunchTemplateVersionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { GetInstanceProfileCommand, IAMClient } from '@aws-sdk/client-iam';
import { ApplicationFailure } from '@temporalio/common';
import { parseEnvironmentSpec, type NodeGroupSpec } from '../../src/domain/environment-spec';
import type { Owner } from '../../src/domain/ownership';
import { assumedBy } from '../../src/domain/service-roles';
import { startSimulatedCloud } from '../../src/sim/cloud';
import { motoActivitiesPerFile } from '../support/moto-activities';

// The activities against moto, which has EC2 launch templates, Auto Scaling groups and IAM
// instance profiles (not the EKS-optimized AMIs' public SSM parameters: those are the simulated cloud's, below).
const bed = motoActivitiesPerFile();
const owner: Owner = { environmentId: 'team-a/dev', runId: 'run-1' };
const other: Owner = { environmentId: 'team-b/dev', runId: 'run-9' };

function group(overrides: Record<string, unknown> = {}): NodeGroupSpec {
  const parsed = parseEnvironmentSpec({
    name: 'dev', region: 'us-east-1', network: { vpc: {} },
    nodeGroups: [{ name: 'workers', kind: 'self-managed', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3, ...overrides }],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec.nodeGroups[0]!;
}

async function world() {
  const config = bed.aws.clientConfig;
  const ec2 = new EC2Client(config);
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
  const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.0.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
  const role = await bed.activities.ensureRole({ owner, region: 'us-east-1', name: 'dev-workers-node', description: 'nodes', trustPolicy: assumedBy('ec2.amazonaws.com'), managedPolicyArns: [] });
  await new EKSClient(config).send(new CreateClusterCommand({ name: 'dev', roleArn: role.arn, resourcesVpcConfig: { subnetIds: [subnet] } }));
  // An AMI moto knows, so the group's instances can launch.
  const imageId = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0]!.ImageId!;
  return { ec2, subnet, role, imageId, autoscaling: new AutoScalingClient(config), iam: new IAMClient(config) };
}

test('instance profile, launch template and Auto Scaling group are made once, tagged, and deleted only when ours', async () => {
  const { ec2, subnet, imageId, autoscaling, iam } = await world();
  const g = group({
    ami: { id: imageId, family: 'AmazonLinux2023' }, amiType: 'CUSTOM', instanceTypes: ['m5.large', 'm5a.large'], volume: { type: 'gp3', iops: 3000, throughput: 250, encrypted: true },
    instanceMetadata: { httpTokens: 'required', httpPutResponseHopLimit: 3 }, labels: { team: 'a' }, propagateAsgTags: true, asgMetricsCollection: [{ granularity: '1Minute' }],
  });
  const profile = await bed.activities.ensureNodeInstanceProfile({ owner, region: 'us-east-1', name: 'dev-workers-node', roleName: 'dev-workers-node' });
  assert.equal(profile.made, true);
  const again = await bed.activities.ensureNodeInstanceProfile({ owner, region: 'us-east-1', name: 'dev-workers-node', roleName: 'dev-workers-node' });
  assert.equal(again.arn, profile.arn);
  const held = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'dev-workers-node' }))).InstanceProfile!;
  assert.deepEqual(held.Roles!.map((r) => r.RoleName), ['dev-workers-node'], 'one role, added once');

  const template = await bed.activities.ensureNodeLaunchTemplate({
    owner, region: 'us-east-1', cluster: 'dev', kubernetesVersion: '1.35', name: 'dev-workers', group: g, instanceProfileArn: profile.arn, vpcCidr: '10.0.0.0/16',
  });
  assert.equal(template.made, true);
  assert.equal(template.imageId, imageId, 'ami.id is used as given');
  const data = (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'dev-workers' }))).LaunchTemplateVersions![0]!.LaunchTemplateData!;
  assert.equal(data.ImageId, imageId);
  assert.equal(data.InstanceType, 'm5.large');
  assert.equal(data.IamInstanceProfile?.Arn, profile.arn);
  assert.deepEqual(data.MetadataOptions && { tokens: data.MetadataOptions.HttpTokens, hops: data.MetadataOptions.HttpPutResponseHopLimit }, { tokens: 'required', hops: 3 });
  const ebs = data.BlockDeviceMappings![0]!;
  assert.equal(ebs.DeviceName, '/dev/xvda');
  assert.deepEqual({ size: ebs.Ebs!.VolumeSize, type: ebs.Ebs!.VolumeType, iops: ebs.Ebs!.Iops, throughput: ebs.Ebs!.Throughput }, { size: 20, type: 'gp3', iops: 3000, throughput: 250 });
  const userData = Buffer.from(data.UserData!, 'base64').toString();
  assert.match(userData, /kind: NodeConfig/);
  assert.match(userData, /cidr: 172\.20\.0\.0\/16/, 'EKS\'s default service CIDR for a VPC in 10.0.0.0/8');
  assert.match(userData, /--node-labels=alpha\.eksctl\.io\/nodegroup-name=workers,eksflow\.io\/nodegroup=workers,team=a/);
  const templateAgain = await bed.activities.ensureNodeLaunchTemplate({
    owner, region: 'us-east-1', cluster: 'dev', kubernetesVersion: '1.35', name: 'dev-workers', group: g, instanceProfileArn: profile.arn,
  });
  assert.deepEqual([templateAgain.launchTemplateId, templateAgain.made], [template.launchTemplateId, true], 'adopted: made by this very run');

  const asg = await bed.activities.ensureAutoScalingGroup({ owner, region: 'us-east-1', cluster: 'dev', name: 'dev-workers', group: g, launchTemplateId: template.launchTemplateId, subnetIds: [subnet] });
  assert.equal(asg.made, true);
  const described = (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['dev-workers'] }))).AutoScalingGroups![0]!;
  assert.deepEqual([described.MinSize, described.DesiredCapacity, described.MaxSize], [1, 2, 3]);
  assert.deepEqual(described.MixedInstancesPolicy?.LaunchTemplate?.Overrides?.map((o) => o.InstanceType), ['m5.large', 'm5a.large'], 'several types: a mixed instances policy');
  const tags = Object.fromEntries(described.Tags!.map((t) => [t.Key, [t.Value, t.PropagateAtLaunch]]));
  assert.deepEqual(tags['kubernetes.io/cluster/dev'], ['owned', true]);
  assert.deepEqual(tags['k8s.io/cluster-autoscaler/enabled'], ['true', true]);
  assert.deepEqual(tags['k8s.io/cluster-autoscaler/node-template/label/team'], ['a', true]);
  assert.deepEqual(tags['eksflow.io/environment'], ['team-a/dev', true]);
  const found = await bed.activities.autoScalingGroupNodes({ name: 'dev-workers' });
  assert.deepEqual(found, { cluster: 'dev', selector: 'eksflow.io/nodegroup=workers' });
  const adopted = await bed.activities.ensureAutoScalingGroup({ owner, region: 'us-east-1', cluster: 'dev', name: 'dev-workers', group: g, launchTemplateId: template.launchTemplateId, subnetIds: [subnet] });
  assert.equal(adopted.ref.arn, asg.ref.arn);

  // Another environment's request under the same names is refused, and its deletes leave ours alone.
  await assert.rejects(bed.activities.ensureAutoScalingGroup({ owner: other, region: 'us-east-1', cluster: 'dev', name: 'dev-workers', group: g, launchTemplateId: template.launchTemplateId, subnetIds: [subnet] }),
    (error: unknown) => error instanceof ApplicationFailure && error.type === 'ResourceNotOwned');
  assert.deepEqual(await bed.activities.deleteAutoScalingGroup({ environmentId: other.environmentId, name: 'dev-workers' }), { outcome: 'not-ours' });
  assert.deepEqual(await bed.activities.deleteNodeLaunchTemplate({ environmentId: other.environmentId, name: 'dev-workers' }), { outcome: 'not-ours' });
  assert.deepEqual(await bed.activities.deleteNodeInstanceProfile({ environmentId: other.environmentId, name: 'dev-workers-node' }), { outcome: 'not-ours' });

  // Scaled through UpdateAutoScalingGroup.
  const scaled = await bed.activities.scaleAutoScalingGroup({ environmentId: owner.environmentId, name: 'dev-workers', scaling: { minSize: 0, desiredSize: 1, maxSize: 5 } });
  assert.equal(scaled.desired, 1);

  assert.deepEqual(await bed.activities.deleteAutoScalingGroup({ environmentId: owner.environmentId, name: 'dev-workers' }), { outcome: 'deleted' });
  assert.equal((await bed.activities.describeAutoScalingGroup({ name: 'dev-workers' })).status, 'NOT_FOUND');
  assert.deepEqual(await bed.activities.deleteNodeLaunchTemplate({ environmentId: owner.environmentId, name: 'dev-workers' }), { outcome: 'deleted' });
  assert.deepEqual(await bed.activities.deleteNodeInstanceProfile({ environmentId: owner.environmentId, name: 'dev-workers-node' }), { outcome: 'deleted' });
  for (const remove of [bed.activities.deleteAutoScalingGroup, bed.activities.deleteNodeLaunchTemplate]) assert.deepEqual(await remove({ environmentId: owner.environmentId, name: 'dev-workers' }), { outcome: 'absent' });
  assert.deepEqual(await bed.activities.deleteNodeInstanceProfile({ environmentId: owner.environmentId, name: 'dev-workers-node' }), { outcome: 'absent' });
});

test('an AMI AWS does not publish is refused naming its SSM parameter (moto answers ParameterNotFound as SSM does)', async () => {
  await assert.rejects(bed.activities.resolveNodeAmi({ amiType: 'AL2023_x86_64_STANDARD', kubernetesVersion: '1.35' }),
    (error: unknown) => error instanceof ApplicationFailure && error.type === 'InvalidSpec' && /\/aws\/service\/eks\/optimized-ami\/1\.35\/amazon-linux-2023\/x86_64\/standard\/recommended\/image_id does not exist/.test(error.message));
});

test('the simulated SSM serves the EKS-optimized AMIs\' public parameters, by AMI type and version', async () => {
  const cloud = await startSimulatedCloud();
  try {
    const { createSelfManagedNodegroupActivities } = await import('../../src/activities/self-managed-nodegroups');
    const activities = createSelfManagedNodegroupActivities(cloud.deps.selfManagedNodes, cloud.deps.eks, cloud.deps.kube);
    const linux = await activities.resolveNodeAmi({ amiType: 'AL2023_x86_64_STANDARD', kubernetesVersion: '1.35' });
    assert.match(linux.imageId, /^ami-[0-9a-f]{17}$/);
    assert.equal(linux.parameter, '/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/image_id');
    const windows = await activities.resolveNodeAmi({ amiType: 'WINDOWS_CORE_2022_x86_64', kubernetesVersion: '1.35' });
    assert.notEqual(windows.imageId, linux.imageId);
    assert.equal(cloud.aws.ssm.image(windows.imageId)?.os, 'windows');
    assert.equal((await activities.resolveNodeAmi({ amiType: 'BOTTLEROCKET_ARM_64', kubernetesVersion: '1.31' })).parameter, '/aws/service/bottlerocket/aws-k8s-1.31/arm64/latest/image_id');
    assert.equal((await activities.resolveNodeAmi({ amiType: 'CUSTOM', kubernetesVersion: '1.35', amiId: 'ami-0123456789abcdef0' })).imageId, 'ami-0123456789abcdef0');
    await assert.rejects(activities.resolveNodeAmi({ amiType: 'AL2023_x86_64_STANDARD', kubernetesVersion: '1.20' }), /SSM parameter \/aws\/service\/eks\/optimized-ami\/1\.20\/.* does not exist/);
  } finally {
    await cloud.close();
  }
});
