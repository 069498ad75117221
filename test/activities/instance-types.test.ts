import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EC2Client } from '@aws-sdk/client-ec2';
import { createInstanceTypeActivities } from '../../src/activities/instance-types';
import { maxPodsOf, tableInstanceLimits } from '../../src/domain/max-pods';
import { parseEnvironmentSpec } from '../../src/domain/environment-spec';
import { planEnvironment } from '../../src/domain/planner';
import { moto, type Moto } from '../support/moto';

let aws: Moto;
let activities: ReturnType<typeof createInstanceTypeActivities>;
before(async () => {
  aws = await moto();
  activities = createInstanceTypeActivities({ ec2: new EC2Client(aws.clientConfig) });
});
after(() => aws?.stop());

test('DescribeInstanceTypes gives the limits the shipped table has (moto serves EC2\'s own data)', async () => {
  const answer = await activities.describeInstanceNetworkLimits({ instanceTypes: ['m5.large', 't3.micro', 'm5.xlarge', 't2.medium'] });
  assert.deepEqual(answer.unknown, []);
  assert.deepEqual(answer.limits['m5.large'], { enis: 3, ipv4PerEni: 10, prefixDelegation: true, vcpus: 2 });
  assert.deepEqual(answer.limits['t2.medium'], { enis: 3, ipv4PerEni: 6, prefixDelegation: false, vcpus: 2 }, 'Xen: no prefixes');
  for (const type of ['m5.large', 't3.micro', 'm5.xlarge', 't2.medium']) {
    const { enis, ipv4PerEni, prefixDelegation, vcpus } = tableInstanceLimits(type)!;
    assert.deepEqual(answer.limits[type], { enis, ipv4PerEni, prefixDelegation, vcpus }, type);
  }
  assert.deepEqual(['m5.large', 't3.micro', 'm5.xlarge'].map((t) => maxPodsOf(answer.limits[t]!).pods), [29, 4, 58]);
});

test('a name EC2 does not know is reported, the others still answered; the planner takes the answer for types the table lacks', async () => {
  const answer = await activities.describeInstanceNetworkLimits({ instanceTypes: ['m5.large', 'zz9.large', 'm5.large'] });
  assert.deepEqual(answer.unknown, ['zz9.large']);
  assert.deepEqual(Object.keys(answer.limits), ['m5.large']);

  // A type named as it would be when the table is older than EC2: its limits come from the lookup.
  const parsed = parseEnvironmentSpec({
    name: 'lookup', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
    nodeGroups: [{ name: 'new', instanceTypes: ['zz9.large'], minSize: 1, desiredSize: 1, maxSize: 1 }],
  });
  assert.ok(parsed.ok);
  assert.match(planEnvironment(parsed.spec).warnings?.[0]?.message ?? '', /zz9\.large is not in the ENI table/);
  assert.equal(planEnvironment(parsed.spec, { instanceLimits: { 'zz9.large': answer.limits['m5.large']! } }).warnings, undefined);
});
