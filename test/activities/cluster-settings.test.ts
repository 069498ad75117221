import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { roleNames } from '../../src/domain/names';
import { assumedBy, serviceRoles } from '../../src/domain/service-roles';
import type { Owner } from '../../src/domain/ownership';
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
