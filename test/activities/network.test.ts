import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AllocateAddressCommand, DescribeAddressesCommand, DescribeNatGatewaysCommand, DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { ApplicationFailure } from '@temporalio/common';
import { subnetCidr } from '../../src/activities/aws/vpc';
import type { Owner } from '../../src/domain/ownership';
import { motoActivitiesPerFile } from '../support/moto-activities';

const bed = motoActivitiesPerFile();

const owner: Owner = { environmentId: 'team-a/demo', runId: 'run-1' };

test('subnet blocks split the VPC block evenly and never overlap', () => {
  assert.deepEqual([0, 1, 2, 3].map((i) => subnetCidr('10.0.0.0/16', i, 4)), ['10.0.0.0/18', '10.0.64.0/18', '10.0.128.0/18', '10.0.192.0/18']);
  assert.deepEqual([0, 5].map((i) => subnetCidr('10.1.0.0/16', i, 6)), ['10.1.0.0/19', '10.1.160.0/19']);
});

test('ensureNetwork makes public and private subnets across AZs, tagged for EKS and load balancers, behind one NAT gateway', async () => {
  const network = await bed.activities.ensureNetwork({ owner, region: 'us-east-1', cluster: 'demo', vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'single' } });
  assert.equal(network.made, true);
  assert.deepEqual(network.ref, { kind: 'vpc', name: 'team-a/demo', region: 'us-east-1', arn: network.vpcId });
  assert.equal(network.publicSubnetIds.length, 2);
  assert.equal(network.privateSubnetIds.length, 2);
  const ec2 = new EC2Client(bed.aws.clientConfig);
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [network.vpcId] }] }))).Subnets!;
  assert.equal(new Set(subnets.map((s) => s.AvailabilityZone)).size, 2, 'two availability zones');
  const tags = (id: string) => Object.fromEntries(subnets.find((s) => s.SubnetId === id)!.Tags!.map((t) => [t.Key, t.Value]));
  for (const id of network.publicSubnetIds) assert.equal(tags(id)['kubernetes.io/role/elb'], '1');
  for (const id of network.privateSubnetIds) assert.equal(tags(id)['kubernetes.io/role/internal-elb'], '1');
  for (const s of subnets) assert.equal(tags(s.SubnetId!)['kubernetes.io/cluster/demo'], 'shared');
  const nats = (await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: [network.vpcId] }] }))).NatGateways!;
  assert.equal(nats.length, 1);
  const routes = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [network.vpcId] }] }))).RouteTables!;
  const defaultRoute = (subnetId: string) => routes.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId))?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
  for (const id of network.publicSubnetIds) assert.match(defaultRoute(id)?.GatewayId ?? '', /^igw-/);
  for (const id of network.privateSubnetIds) assert.equal(defaultRoute(id)?.NatGatewayId, nats[0]!.NatGatewayId);

  const again = await bed.activities.ensureNetwork({ owner, region: 'us-east-1', cluster: 'demo', vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'single' } });
  assert.equal(again.vpcId, network.vpcId, 'found again by its environment tag');
});

test('deleteNetwork removes the VPC with its NAT gateways, addresses, route tables and subnets, and only this environment\'s addresses', async () => {
  const network = await bed.activities.ensureNetwork({ owner, region: 'us-east-1', cluster: 'demo', vpc: { cidr: '10.0.0.0/16', availabilityZones: 3, natGateway: 'perAz' } });
  const status = await bed.activities.natGatewayStatus({ vpcId: network.vpcId });
  assert.equal(status.status, 'AVAILABLE', 'moto makes NAT gateways available at once');
  assert.equal(status.gateways.length, 3);
  assert.deepEqual(await bed.activities.natGatewayStatus({ environmentId: 'team-a/demo' }), status, 'found by the environment tag too');
  const ec2 = new EC2Client(bed.aws.clientConfig);
  // An address allocated for a NAT gateway that then failed: no gateway lists it, yet it is ours.
  const tagged = (environment: string) => [{ ResourceType: 'elastic-ip' as const, Tags: [{ Key: 'eksflow.io/environment', Value: environment }] }];
  await ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: tagged('team-a/demo') }));
  const theirs = (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: tagged('team-b/other') }))).AllocationId;

  await bed.activities.deleteNatGateways({ environmentId: 'team-a/demo' });
  assert.equal((await bed.activities.natGatewayStatus({ environmentId: 'team-a/demo' })).status, 'GONE');
  await bed.activities.deleteNetwork({ environmentId: 'team-a/demo' });
  await bed.activities.deleteNetwork({ environmentId: 'team-a/demo' });
  assert.deepEqual((await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'vpc-id', Values: [network.vpcId] }] }))).Vpcs, []);
  assert.deepEqual((await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [network.vpcId] }] }))).Subnets, []);
  assert.deepEqual((await ec2.send(new DescribeAddressesCommand({}))).Addresses?.map((a) => a.AllocationId), [theirs]);
  assert.equal((await bed.activities.natGatewayStatus({ environmentId: 'team-a/demo' })).status, 'GONE', 'no VPC, nothing to wait for');
});

test('named zones are used as given, and a zone the account does not offer is refused before anything is made', async () => {
  const network = await bed.activities.ensureNetwork({ owner, region: 'us-east-1', cluster: 'demo', vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, zones: ['us-east-1b', 'us-east-1d'], natGateway: 'none' } });
  const ec2 = new EC2Client(bed.aws.clientConfig);
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [network.vpcId] }] }))).Subnets!;
  assert.deepEqual([...new Set(subnets.map((s) => s.AvailabilityZone))].sort(), ['us-east-1b', 'us-east-1d']);
  await bed.activities.deleteNetwork({ environmentId: 'team-a/demo' });

  await assert.rejects(
    bed.activities.ensureNetwork({ owner, region: 'us-east-1', cluster: 'demo', vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, zones: ['us-east-1a', 'us-east-1q'], natGateway: 'none' } }),
    (error: ApplicationFailure) => error.nonRetryable === true && /us-east-1q is not available here; this account offers us-east-1a/.test(error.message),
  );
  assert.deepEqual((await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:eksflow.io/environment', Values: ['team-a/demo'] }] }))).Vpcs, []);
});
