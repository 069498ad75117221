import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateEgressOnlyInternetGatewayCommand, CreateVpcCommand, DescribeEgressOnlyInternetGatewaysCommand, DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ipv6Within, subnetIpv6Cidr } from '../../src/activities/aws/vpc-parts';
import { vpcApi } from '../../src/activities/aws/vpc';
import { createNetworkActivities } from '../../src/activities/network';
import type { Owner } from '../../src/domain/ownership';
import { ec2FailingAt } from '../support/ec2-faults';
import { motoActivitiesPerFile } from '../support/moto-activities';

const bed = motoActivitiesPerFile();
const owner: Owner = { environmentId: 'team-a/six', runId: 'run-1' };
const vpc = { cidr: '10.10.0.0/16', availabilityZones: 2, natGateway: 'single' as const, ipv6: true };

test('a subnet\'s /64 is the i-th of the VPC\'s /56, written as EC2 writes it', () => {
  assert.equal(subnetIpv6Cidr('2600:1f14:abc:1200::/56', 0), '2600:1f14:abc:1200::/64');
  assert.equal(subnetIpv6Cidr('2600:1f14:abc:1200::/56', 5), '2600:1f14:abc:1205::/64');
  assert.equal(subnetIpv6Cidr('2600:1f14:0:ff00::/56', 255), '2600:1f14:0:ffff::/64');
  assert.equal(subnetIpv6Cidr('2a05:d018:0:0::/56', 0), '2a05:d018::/64');
  assert.ok(ipv6Within('2600:1f14:abc:1200::/56', '2600:1f14:abc:12ff::/64'));
  assert.ok(!ipv6Within('2600:1f14:abc:1200::/56', '2600:1f14:abc:1300::/64'));
  assert.throws(() => subnetIpv6Cidr('2600:1f14:abc:1200::/48', 0), /a \/56/);
});

/** The VPC's /56 and every subnet's /64, route tables and egress-only gateways, as moto holds them. */
async function describe(ec2: EC2Client, vpcId: string) {
  const block = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs![0]!.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock;
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets!;
  const tables = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).RouteTables!;
  const ipv6Route = (subnetId: string) => tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId))?.Routes?.find((r) => r.DestinationIpv6CidrBlock === '::/0');
  const gateways = ((await ec2.send(new DescribeEgressOnlyInternetGatewaysCommand({}))).EgressOnlyInternetGateways ?? [])
    .filter((g) => g.Attachments?.some((a) => a.VpcId === vpcId));
  return { block, subnets, ipv6Route, gateways };
}

test('vpc.ipv6 on an IPv4 cluster (eksctl autoAllocateIPv6): an Amazon /56 for the VPC, a /64 of it per subnet, ::/0 from the public subnets through the internet gateway, no egress-only gateway', async () => {
  const network = await bed.activities.ensureNetwork({ owner, region: 'us-east-1', cluster: 'six', vpc });
  const ec2 = new EC2Client(bed.aws.clientConfig);
  const { block, subnets, ipv6Route, gateways } = await describe(ec2, network.vpcId);
  assert.match(block ?? '', /\/56$/);
  const blocks = subnets.map((s) => s.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock ?? '');
  assert.equal(new Set(blocks).size, 4, `four distinct /64s: ${blocks.join(', ')}`);
  for (const b of blocks) assert.ok(ipv6Within(block!, b), `${b} is within ${block}`);
  for (const id of network.publicSubnetIds) assert.match(ipv6Route(id)?.GatewayId ?? '', /^igw-/);
  for (const id of network.privateSubnetIds) assert.equal(ipv6Route(id), undefined, 'eksctl gives an IPv4 cluster\'s private subnets no IPv6 route out');
  assert.deepEqual(gateways, []);
  for (const s of subnets) assert.equal(s.AssignIpv6AddressOnCreation, false);
});

test('an IPv6 cluster\'s VPC (eksctl vpc_ipv6.go): an egress-only gateway with ::/0 from the private subnets, which assign IPv6 addresses; found again, and deleted with the network but not another environment\'s', async () => {
  const input = { owner, region: 'us-east-1', cluster: 'six', vpc, ipFamily: 'ipv6' as const };
  const network = await bed.activities.ensureNetwork(input);
  const ec2 = new EC2Client(bed.aws.clientConfig);
  const { subnets, ipv6Route, gateways } = await describe(ec2, network.vpcId);
  assert.equal(gateways.length, 1);
  const eigw = gateways[0]!.EgressOnlyInternetGatewayId!;
  assert.equal(gateways[0]!.Tags?.find((t) => t.Key === 'eksflow.io/environment')?.Value, 'team-a/six');
  for (const id of network.privateSubnetIds) assert.equal(ipv6Route(id)?.EgressOnlyInternetGatewayId, eigw);
  for (const id of network.publicSubnetIds) assert.match(ipv6Route(id)?.GatewayId ?? '', /^igw-/);
  const assigns = (id: string) => subnets.find((s) => s.SubnetId === id)!.AssignIpv6AddressOnCreation;
  for (const id of network.privateSubnetIds) assert.equal(assigns(id), true);

  const again = await bed.activities.ensureNetwork(input);
  assert.equal(again.vpcId, network.vpcId);
  assert.equal((await describe(ec2, network.vpcId)).gateways.length, 1, 'the gateway is found again by its tags, not doubled');

  // Someone else's egress-only gateway, in a VPC of theirs: left alone.
  const theirVpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
  const theirs = (await ec2.send(new CreateEgressOnlyInternetGatewayCommand({ VpcId: theirVpc, TagSpecifications: [{ ResourceType: 'egress-only-internet-gateway', Tags: [{ Key: 'eksflow.io/environment', Value: 'team-b/other' }] }] }))).EgressOnlyInternetGateway!.EgressOnlyInternetGatewayId!;
  await bed.activities.deleteNatGateways({ environmentId: 'team-a/six' });
  await bed.activities.deleteNetwork({ environmentId: 'team-a/six' });
  await bed.activities.deleteNetwork({ environmentId: 'team-a/six' });
  assert.deepEqual((await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'vpc-id', Values: [network.vpcId] }] }))).Vpcs, []);
  const left = ((await ec2.send(new DescribeEgressOnlyInternetGatewaysCommand({}))).EgressOnlyInternetGateways ?? []).map((g) => g.EgressOnlyInternetGatewayId);
  assert.deepEqual(left, [theirs]);
});

test('an IPv6 network resumes after a failure at any of its EC2 requests (the response lost): one /56, one egress-only gateway, every route', async () => {
  const ec2 = new EC2Client(bed.aws.clientConfig);
  const clean = ec2FailingAt(bed.aws.clientConfig);
  await createNetworkActivities(vpcApi(clean.client)).ensureNetwork({ owner: { ...owner, environmentId: 'team-a/clean' }, region: 'us-east-1', cluster: 'clean', vpc, ipFamily: 'ipv6' });
  const kinds = new Set(clean.requests);
  for (const kind of ['CreateEgressOnlyInternetGatewayCommand', 'DescribeEgressOnlyInternetGatewaysCommand', 'ModifySubnetAttributeCommand', 'CreateRouteCommand']) assert.ok(kinds.has(kind), `${kind} among ${clean.requests.join(', ')}`);
  let n = 0;
  // Every second request: each kind of IPv6 request fails once at least.
  for (let at = 1; at <= clean.requests.length; at += 2) {
    const environmentId = `team-a/case-${++n}`;
    const input = { owner: { ...owner, environmentId }, region: 'us-east-1', cluster: `case-${n}`, vpc, ipFamily: 'ipv6' as const };
    const why = `request ${at} (${clean.requests[at - 1]}) answered, response lost`;
    await assert.rejects(createNetworkActivities(vpcApi(ec2FailingAt(bed.aws.clientConfig, { at, when: 'after' }).client)).ensureNetwork(input), why);
    const network = await bed.activities.ensureNetwork(input);
    const { block, subnets, ipv6Route, gateways } = await describe(ec2, network.vpcId);
    assert.equal((await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:eksflow.io/environment', Values: [environmentId] }] }))).Vpcs!.length, 1, why);
    assert.equal(gateways.length, 1, `${why}: one egress-only gateway`);
    assert.ok(subnets.every((s) => ipv6Within(block!, s.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock ?? '')), `${why}: every subnet has its /64`);
    for (const id of network.privateSubnetIds) assert.equal(ipv6Route(id)?.EgressOnlyInternetGatewayId, gateways[0]!.EgressOnlyInternetGatewayId, why);
    for (const id of network.publicSubnetIds) assert.match(ipv6Route(id)?.GatewayId ?? '', /^igw-/, why);
  }
});
