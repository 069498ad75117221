import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../../src/domain/errors';
import { roleNames } from '../../src/domain/names';
import { assumedBy, serviceRoles } from '../../src/domain/service-roles';
import { ownershipTags, type Owner } from '../../src/domain/ownership';
import { motoActivitiesPerFile } from '../support/moto-activities';

// The cluster settings' AWS calls against moto: CreateCluster's parameters as EKS receives them,
// and the control-plane log group's retention.

const bed = motoActivitiesPerFile();
const region = 'us-east-1';
const owner: Owner = { environmentId: 'team-a/demo', runId: 'run-1' };
const clusterSpec = { name: 'demo', region, kubernetesVersion: '1.35' as const, controlPlaneLogging: [] };
const subnetIds = ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'];

const clusterRole = () => bed.activities.ensureRole({
  owner, region, name: roleNames.cluster('demo'), description: 'EKS control plane', trustPolicy: assumedBy('eks.amazonaws.com'), managedPolicyArns: [...serviceRoles.cluster.policies],
});

test('ensureCluster sends the endpoint access, Services\' CIDR and secrets key it is given, and EKS describes them back', async () => {
  const role = await clusterRole();
  const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/0b6a1d6e-1111-2222-3333-444455556666';
  await bed.activities.ensureCluster({
    owner, roleArn: role.arn, subnetIds, securityGroupIds: [], secretsKeyArn: keyArn,
    spec: { ...clusterSpec, endpointAccess: { public: true, private: true, publicAccessCidrs: ['203.0.113.0/24'] }, kubernetesNetwork: { ipFamily: 'ipv4', serviceIpv4Cidr: '172.20.0.0/16' } },
  });
  const cluster = (await new EKSClient(bed.aws.clientConfig).send(new DescribeClusterCommand({ name: 'demo' }))).cluster!;
  assert.equal(cluster.resourcesVpcConfig?.endpointPublicAccess, true);
  assert.equal(cluster.resourcesVpcConfig?.endpointPrivateAccess, true);
  assert.deepEqual(cluster.resourcesVpcConfig?.publicAccessCidrs, ['203.0.113.0/24']);
  assert.equal(cluster.kubernetesNetworkConfig?.serviceIpv4Cidr, '172.20.0.0/16');
  assert.deepEqual(cluster.encryptionConfig?.[0]?.resources, ['secrets']);
  assert.equal(cluster.encryptionConfig?.[0]?.provider?.keyArn, keyArn);
  // The adapter reads them back into the shape they were asked in.
  const seen = await bed.activities.describeCluster('demo');
  assert.equal(seen.status, 'ACTIVE');
});

test('the control-plane log retention waits for EKS\'s group, then sets it once', async () => {
  assert.deepEqual(await bed.activities.setControlPlaneLogRetention({ cluster: 'demo', days: 14 }), { status: 'PENDING' });
  const logs = new CloudWatchLogsClient(bed.aws.clientConfig);
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/eks/demo/cluster' }));
  assert.deepEqual(await bed.activities.setControlPlaneLogRetention({ cluster: 'demo', days: 14 }), { status: 'SET', retentionDays: 14 });
  const [group] = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/eks/demo/cluster' }))).logGroups ?? [];
  assert.equal(group?.retentionInDays, 14);
  assert.deepEqual(await bed.activities.setControlPlaneLogRetention({ cluster: 'demo', days: 14 }), { status: 'SET', retentionDays: 14 });
});

const later: Owner = { ...owner, runId: 'run-2' };
const stranger: Owner = { environmentId: 'team-b/demo', runId: 'run-9' };
const ensureKey = (who: Owner) => bed.activities.ensureSecretsKey({ owner: who, region, environment: 'demo', tags: { team: 'a' } });
const aliases = async () => ((await new KMSClient(bed.aws.clientConfig).send(new ListAliasesCommand({}))).Aliases ?? []).map((a) => a.AliasName).filter((a) => a?.startsWith('alias/eksflow/'));

test('ensureSecretsKey makes one tagged key under alias/eksflow/<name>, adopts it again, and refuses another environment\'s', async () => {
  const made = await ensureKey(owner);
  assert.equal(made.made, true);
  assert.deepEqual(made.ref, { kind: 'kms-key', name: 'alias/eksflow/demo', region, arn: made.arn });
  assert.match(made.arn, /^arn:aws:kms:us-east-1:\d{12}:key\//);
  assert.deepEqual(await aliases(), ['alias/eksflow/demo']);
  const key = (await new KMSClient(bed.aws.clientConfig).send(new DescribeKeyCommand({ KeyId: 'alias/eksflow/demo' }))).KeyMetadata!;
  assert.equal(key.KeyUsage, 'ENCRYPT_DECRYPT');
  assert.equal(key.KeySpec, 'SYMMETRIC_DEFAULT');

  assert.deepEqual(await ensureKey(owner), made, 'the same run asking again gets the same key, still its own');
  assert.equal((await ensureKey(later)).made, false, 'a later run adopts it and does not roll it back');
  await assert.rejects(ensureKey(stranger), (error: unknown) => error instanceof ApplicationFailure && error.type === errorTypes.resourceNotOwned && !error.message.includes('team-a'));
});

test('a key made before a crash cut off its alias is found by its tags, not made twice', async () => {
  const kms = new KMSClient(bed.aws.clientConfig);
  const tags = { ...ownershipTags(owner), 'eksflow.io/kms-role': 'secrets' };
  const orphan = (await kms.send(new CreateKeyCommand({ Tags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) }))).KeyMetadata!;
  const ensured = await ensureKey(owner);
  assert.equal(ensured.arn, orphan.Arn);
  assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/eksflow/demo' }))).KeyMetadata?.Arn, orphan.Arn);
});

test('deleteSecretsKey schedules our key\'s deletion 7 days out and frees its alias; another environment\'s is left alone', async () => {
  const made = await ensureKey(owner);
  assert.deepEqual(await bed.activities.deleteSecretsKey({ environmentId: stranger.environmentId, alias: 'alias/eksflow/demo' }), { outcome: 'not-ours' });
  const kms = new KMSClient(bed.aws.clientConfig);
  assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: made.arn }))).KeyMetadata?.KeyState, 'Enabled');

  const deleted = await bed.activities.deleteSecretsKey({ environmentId: owner.environmentId, alias: 'alias/eksflow/demo' });
  assert.equal(deleted.outcome, 'deleted');
  const metadata = (await kms.send(new DescribeKeyCommand({ KeyId: made.arn }))).KeyMetadata!;
  assert.equal(metadata.KeyState, 'PendingDeletion');
  const days = (metadata.DeletionDate!.getTime() - Date.now()) / 86_400_000;
  assert.ok(days > 6.9 && days <= 7.01, `deleted in ${days} days`);
  assert.deepEqual(await aliases(), []);
  assert.deepEqual(await bed.activities.deleteSecretsKey({ environmentId: owner.environmentId, alias: 'alias/eksflow/demo' }), { outcome: 'absent' });
  assert.equal(metadata.KeyManager, 'CUSTOMER');
});

test('checkSubnetsInVpc passes subnets of the VPC and stops for good naming one that is elsewhere or missing', async () => {
  const ec2 = new EC2Client(bed.aws.clientConfig);
  const vpcOf = async (cidr: string) => (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc!.VpcId!;
  const subnetIn = async (vpcId: string, cidr: string, zone: string) => (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: zone }))).Subnet!.SubnetId!;
  const mine = await vpcOf('10.1.0.0/16');
  const other = await vpcOf('10.2.0.0/16');
  const a = await subnetIn(mine, '10.1.0.0/24', 'us-east-1a');
  const b = await subnetIn(mine, '10.1.1.0/24', 'us-east-1b');
  const stray = await subnetIn(other, '10.2.0.0/24', 'us-east-1a');
  assert.deepEqual(await bed.activities.checkSubnetsInVpc({ vpcId: mine, subnetIds: [a, b] }), { subnetIds: [a, b] });
  const refused = (subnetIds: string[], pattern: RegExp) => assert.rejects(bed.activities.checkSubnetsInVpc({ vpcId: mine, subnetIds }),
    (error: unknown) => error instanceof ApplicationFailure && error.type === errorTypes.invalidSpec && error.nonRetryable === true && pattern.test(error.message));
  await refused([a, stray], new RegExp(`subnet ${stray} is in ${other}, not in ${mine}`));
  await refused([a, 'subnet-0123456789abcdef9'], /subnet subnet-0123456789abcdef9 does not exist/);
});
