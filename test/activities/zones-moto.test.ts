import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateSubnetCommand, CreateVpcCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../../src/domain/errors';
import { subnetReferenceKey } from '../../src/domain/subnet-lookups';
import { motoActivitiesPerFile } from '../support/moto-activities';

// findSubnets against moto: subnets of an existing VPC given by CIDR block and/or zone (eksctl's
// vpc.subnets entries without an id) found by DescribeSubnets with vpc-id, cidr-block and
// availability-zone filters; none or several matching stops the run for good.

const bed = motoActivitiesPerFile();

test('findSubnets finds each subnet of the VPC by its CIDR, its zone or both, and never one of another VPC', async () => {
  const ec2 = new EC2Client(bed.aws.clientConfig);
  const vpcOf = async (cidr: string) => (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc!.VpcId!;
  const subnetIn = async (vpcId: string, cidr: string, zone: string) => (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: zone }))).Subnet!.SubnetId!;
  const mine = await vpcOf('192.168.0.0/16');
  const other = await vpcOf('10.9.0.0/16');
  const a = await subnetIn(mine, '192.168.160.0/19', 'us-east-1a');
  const b = await subnetIn(mine, '192.168.192.0/19', 'us-east-1b');
  const b2 = await subnetIn(mine, '192.168.224.0/19', 'us-east-1b');
  await subnetIn(other, '10.9.0.0/24', 'us-east-1c');

  const lookups = [{ cidr: '192.168.160.0/19' }, { cidr: '192.168.192.0/19', availabilityZone: 'us-east-1b' }, { availabilityZone: 'us-east-1a', public: true }];
  const { found } = await bed.activities.findSubnets({ vpcId: mine, lookups });
  assert.deepEqual(found, { [subnetReferenceKey(lookups[0]!)]: a, [subnetReferenceKey(lookups[1]!)]: b, [subnetReferenceKey(lookups[2]!)]: a });

  const refused = (lookup: { cidr?: string; availabilityZone?: string }, pattern: RegExp) => assert.rejects(bed.activities.findSubnets({ vpcId: mine, lookups: [lookup] }),
    (error: unknown) => error instanceof ApplicationFailure && error.type === errorTypes.invalidSpec && error.nonRetryable === true && pattern.test(error.message));
  // The other VPC's subnet is not found in mine; a CIDR in the wrong zone matches nothing.
  await refused({ cidr: '10.9.0.0/24' }, new RegExp(`no subnet of ${mine} has 10.9.0.0/24 in any zone`));
  await refused({ cidr: '192.168.160.0/19', availabilityZone: 'us-east-1b' }, /no subnet .* has 192.168.160.0\/19 in us-east-1b/);
  // A zone with two subnets is ambiguous: both are named.
  await refused({ availabilityZone: 'us-east-1b' }, new RegExp(`2 subnets of ${mine} have any CIDR in us-east-1b \\((?=.*${b})(?=.*${b2})`));
});

// moto 5.2.5 knows no Local Zones: its zone table holds each Region's Availability Zones only, it
// ignores AllAvailabilityZones and answers without ZoneType or OptInStatus (moto/ec2/models/
// availability_zones_and_regions.py). So a Local Zone is "not a zone of this region" there, and the
// network is refused before a VPC is made; the opted-in and not-opted-in paths are the simulated
// EC2's (test/sim/zones-on-sim.test.ts).
test('a network with Local Zones moto does not know is refused for good before any VPC is made, and an Availability Zone is no Local Zone', async () => {
  const ec2 = new EC2Client(bed.aws.clientConfig);
  const vpcsBefore = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs?.length ?? 0;
  const owner = { environmentId: 'team-a/lz', runId: 'run-1' };
  await assert.rejects(bed.activities.ensureNetwork({
    owner, region: 'us-east-1', cluster: 'lz', vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'none', localZones: ['us-east-1-bos-1a'] },
  }), (error: unknown) => error instanceof ApplicationFailure && error.type === errorTypes.invalidSpec && error.nonRetryable === true && /us-east-1-bos-1a is not a zone of this region/.test(error.message));
  assert.equal((await ec2.send(new DescribeVpcsCommand({}))).Vpcs?.length ?? 0, vpcsBefore, 'no VPC was made');
  // An Availability Zone named as a Local Zone is refused for what it is.
  await assert.rejects(bed.activities.ensureNetwork({
    owner, region: 'us-east-1', cluster: 'lz', vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'none', localZones: ['us-east-1a'] },
  }), /us-east-1a is an Availability Zone, not a Local Zone/);
});
