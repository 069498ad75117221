import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AllocateAddressCommand, DescribeAddressesCommand, EC2ServiceException, DescribeNatGatewaysCommand, type DescribeNatGatewaysCommandOutput, DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { ApplicationFailure } from '@temporalio/common';
import { subnetCidr, vpcApi } from '../../src/activities/aws/vpc';
import { createNetworkActivities } from '../../src/activities/network';
import type { Owner } from '../../src/domain/ownership';
import type { AwsClientConfig } from '../support/moto';
import { motoActivitiesPerFile } from '../support/moto-activities';
import { ec2FailingAt } from '../support/ec2-faults';
import { assertCompleteNetwork, motoDnsHostnames, motoNetworkInventory } from '../support/network-inventory';

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

test('fault-catalog 13: zones picked as eksctl picks them, never use1-az3 (EKS cannot place a control plane there); six asked for of six is refused naming it', async () => {
  // moto's us-east-1, as a typical account: us-east-1e is zone ID use1-az3.
  const network = await bed.activities.ensureNetwork({ owner, region: 'us-east-1', cluster: 'demo', vpc: { cidr: '10.0.0.0/16', availabilityZones: 5, natGateway: 'none' } });
  const ec2 = new EC2Client(bed.aws.clientConfig);
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [network.vpcId] }] }))).Subnets!;
  assert.deepEqual([...new Set(subnets.map((s) => s.AvailabilityZone))].sort(), ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1f']);
  await bed.activities.deleteNetwork({ environmentId: 'team-a/demo' });
  await assert.rejects(
    bed.activities.ensureNetwork({ owner, region: 'us-east-1', cluster: 'demo', vpc: { cidr: '10.0.0.0/16', availabilityZones: 6, natGateway: 'none' } }),
    (error: ApplicationFailure) => error.nonRetryable === true && /6 Availability Zones asked for; this account offers 5 EKS can use: .*; us-east-1e \(use1-az3\) cannot hold an EKS control plane/.test(error.message),
  );
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

const resumable = { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'perAz' as const };

/**
 * The sweeps give each case an environment of its own in the one moto account, instead of a
 * reset account: all ensureNetwork finds and all assertCompleteNetwork counts are that
 * environment's (by its ownership tag, and its VPC's ID), so no earlier case is in the way,
 * and no case pays for a reset and for moto rebuilding EC2 after it (~2.5 s of each ~3 s case).
 */
let cases = 0;
const ownCase = () => {
  const n = ++cases;
  return { owner: { environmentId: `team-a/case-${n}`, runId: 'run-1' }, cluster: `case-${n}` };
};

test('a failure at every EC2 request of the network step (the response lost, or the first never sent) ends in a complete network once retried', async () => {
  const ec2 = new EC2Client(bed.aws.clientConfig);
  const input = { owner, region: 'us-east-1', cluster: 'demo', vpc: resumable };
  const expected = { environment: owner.environmentId, cluster: 'demo', zones: ['us-east-1a', 'us-east-1b'], natGateway: resumable.natGateway };
  const clean = ec2FailingAt(bed.aws.clientConfig);
  await createNetworkActivities(vpcApi(clean.client)).ensureNetwork(input);
  assertCompleteNetwork(await motoNetworkInventory(ec2), expected, 'without faults');
  const count = clean.requests.length;
  assert.ok(count >= 25, `the network step makes ${count} EC2 requests: ${clean.requests.join(', ')}`);

  // EC2 is left in the same state by request k failing before it is sent and by request k-1
  // answered with its response lost: every state is reached by the first request failing
  // before, then each one failing after. (The simulated cloud's test sweeps both at every request.)
  const faults = [{ at: 1, when: 'before' as const }, ...Array.from({ length: count }, (_, i) => ({ at: i + 1, when: 'after' as const }))];
  for (const { at, when } of faults) {
    const own = ownCase();
    const caseInput = { ...input, ...own };
    const caseExpected = { ...expected, environment: own.owner.environmentId, cluster: own.cluster };
    const faulty = ec2FailingAt(bed.aws.clientConfig, { at, when });
    const why = `request ${at} of ${count} (${clean.requests[at - 1]}) failing ${when}`;
    await assert.rejects(createNetworkActivities(vpcApi(faulty.client)).ensureNetwork(caseInput), (error: ApplicationFailure) => {
      assert.notEqual(error.nonRetryable, true, `${why}: retryable, so Temporal retries the step: ${error.message}`);
      return true;
    }, why);
    const retried = await createNetworkActivities(vpcApi(new EC2Client(bed.aws.clientConfig))).ensureNetwork(caseInput);
    const vpcId = assertCompleteNetwork(await motoNetworkInventory(ec2), caseExpected, why);
    assert.equal(retried.vpcId, vpcId, why);
    assert.equal(retried.publicSubnetIds.length + retried.privateSubnetIds.length, 4, why);
    assert.ok(await motoDnsHostnames(ec2, vpcId), `${why}: DNS hostnames on`);
  }
});

test('the single-NAT and no-NAT layouts resume too', async () => {
  const ec2 = new EC2Client(bed.aws.clientConfig);
  for (const natGateway of ['single', 'none'] as const) {
    const vpc = { ...resumable, availabilityZones: 3, natGateway };
    const clean = ec2FailingAt(bed.aws.clientConfig);
    await createNetworkActivities(vpcApi(clean.client)).ensureNetwork({ ...ownCase(), region: 'us-east-1', vpc });
    // Every third request, response lost: enough to cross each kind of part once.
    for (let at = 2; at <= clean.requests.length; at += 3) {
      const own = ownCase();
      const input = { ...own, region: 'us-east-1', vpc };
      const expected = { environment: own.owner.environmentId, cluster: own.cluster, zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], natGateway };
      const why = `${natGateway}: request ${at} (${clean.requests[at - 1]}) answered, response lost`;
      await assert.rejects(createNetworkActivities(vpcApi(ec2FailingAt(bed.aws.clientConfig, { at, when: 'after' }).client)).ensureNetwork(input), why);
      await bed.activities.ensureNetwork(input);
      assertCompleteNetwork(await motoNetworkInventory(ec2), expected, why);
    }
  }
});

/**
 * moto's NAT gateways are available at once and never fail; EC2's can (catalog 43, and the
 * NAT gateway troubleshooting guide: state `failed` with a FailureCode such as
 * InsufficientFreeAddressesInSubnet, the address let go). A middleware on a real EC2Client
 * plays that part: DescribeNatGateways answers the named gateways as failed until moto has
 * them deleted. Every other request is moto's own.
 */
function ec2WithFailedNatGateways(config: AwsClientConfig, failed: Set<string>) {
  const client = new EC2Client(config);
  client.middlewareStack.add((next, context) => async (args) => {
    const result = await next(args);
    if (context.commandName === 'DescribeNatGatewaysCommand') {
      for (const nat of (result.output as DescribeNatGatewaysCommandOutput).NatGateways ?? []) {
        if (!failed.has(nat.NatGatewayId!) || nat.State === 'deleted') continue;
        Object.assign(nat, { State: 'failed', FailureCode: 'InsufficientFreeAddressesInSubnet', FailureMessage: 'Subnet has insufficient free addresses to create this NAT gateway', NatGatewayAddresses: [] });
      }
    }
    return result;
  }, { step: 'initialize', name: 'answerNatGatewaysFailed' });
  return client;
}

test('a failed NAT gateway is reported with AWS\'s code, not adopted: the next pass releases its address, deletes it and makes another', async () => {
  const ec2 = new EC2Client(bed.aws.clientConfig);
  const input = { owner, region: 'us-east-1', cluster: 'demo', vpc: resumable };
  const made = await bed.activities.ensureNetwork(input);
  const before = await motoNetworkInventory(ec2);
  const broken = before.natGateways.find((nat) => nat.subnetId === made.publicSubnetIds.find((id) => before.subnets.find((s) => s.id === id)?.zone === 'us-east-1a'))!;
  const network = createNetworkActivities(vpcApi(ec2WithFailedNatGateways(bed.aws.clientConfig, new Set([broken.id]))));

  const status = await network.natGatewayStatus({ vpcId: made.vpcId });
  assert.equal(status.status, 'FAILED');
  assert.deepEqual(status.gateways.find((nat) => nat.id === broken.id), {
    id: broken.id, state: 'failed', failureCode: 'InsufficientFreeAddressesInSubnet', failureMessage: 'Subnet has insufficient free addresses to create this NAT gateway',
  });

  const again = await network.ensureNetwork(input);
  assert.deepEqual(again, made, 'the same VPC and subnets');
  const after = await motoNetworkInventory(ec2);
  assertCompleteNetwork(after, { environment: owner.environmentId, cluster: 'demo', zones: ['us-east-1a', 'us-east-1b'], natGateway: 'perAz' });
  assert.equal(after.natGateways.find((nat) => nat.id === broken.id)?.state, 'deleted', 'the failed gateway is deleted');
  assert.ok(!after.addresses.some((a) => broken.allocationIds.includes(a.allocationId)), 'its address is released');
  assert.equal((await network.natGatewayStatus({ vpcId: made.vpcId })).status, 'AVAILABLE');
});

test('a part just made that EC2 does not show yet (catalog 44) is retried, not failed: the retry completes the network', async () => {
  // EC2 answers requests about a just-made part with *.NotFound for a few seconds; moto never
  // does, so a middleware answers the first AttachInternetGateway and the first CreateRoute
  // that way, as EC2's SDK error (name, 400, client fault), before they reach moto.
  const client = new EC2Client(bed.aws.clientConfig);
  const notYet: Record<string, string> = { AttachInternetGatewayCommand: 'InvalidInternetGatewayID.NotFound', CreateRouteCommand: 'InvalidRouteTableID.NotFound' };
  client.middlewareStack.add((next, context) => async (args) => {
    const name = notYet[context.commandName ?? ''];
    if (!name) return next(args);
    delete notYet[context.commandName!];
    throw new EC2ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'The ID does not exist' });
  }, { step: 'initialize', name: 'answerNotYetVisible' });
  const input = { owner, region: 'us-east-1', cluster: 'demo', vpc: resumable };
  const network = createNetworkActivities(vpcApi(client));
  for (const expected of [/AttachInternetGateway: InvalidInternetGatewayID\.NotFound/, /CreateRoute: InvalidRouteTableID\.NotFound/]) {
    await assert.rejects(network.ensureNetwork(input), (error: ApplicationFailure) => error.nonRetryable === false && error.type === 'AwsRetryable' && expected.test(error.message));
  }
  await network.ensureNetwork(input);
  assertCompleteNetwork(await motoNetworkInventory(new EC2Client(bed.aws.clientConfig)), { environment: owner.environmentId, cluster: 'demo', zones: ['us-east-1a', 'us-east-1b'], natGateway: 'perAz' });
});
