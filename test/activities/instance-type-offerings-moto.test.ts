import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import { vpcApi } from '../../src/activities/aws/vpc';
import { errorTypes } from '../../src/domain/errors';
import { motoActivitiesPerFile } from '../support/moto-activities';

// checkLocalZoneOfferings against moto, the real DescribeInstanceTypeOfferings (LocationType
// availability-zone, location and instance-type filters). moto 5.2.5 answers it from its own
// table of each Region's Availability Zones (moto/ec2/resources/instance_type_offerings/
// availability-zone/<region>.json, filtered in moto/ec2/models/instance_types.py
// InstanceTypeOfferingBackend): it knows no Local Zone, so a Local Zone offers nothing there; and,
// as on EC2, us-east-1e (an older zone) lacks most current types, m5.large among them, which
// stands in for a zone that does not offer a type. The Local Zones' own offerings are the
// simulated EC2's (test/sim/local-zone-offerings-on-sim.test.ts).

const bed = motoActivitiesPerFile();

test('DescribeInstanceTypeOfferings on moto: each offered pair of the zones and types asked, and none of another zone or type', async () => {
  const ec2 = vpcApi(new EC2Client(bed.aws.clientConfig));
  const offerings = await ec2.instanceTypeOfferings(['us-east-1a', 'us-east-1e'], ['m5.large', 't2.micro']);
  const pairs = offerings.map((offering) => `${offering.instanceType}@${offering.zone}`).sort();
  assert.deepEqual(pairs, ['m5.large@us-east-1a', 't2.micro@us-east-1a', 't2.micro@us-east-1e'], 'm5.large is not offered in us-east-1e');
  assert.deepEqual(await ec2.instanceTypeOfferings(['us-east-1-bos-1a'], ['t3.medium']), [], 'moto knows no Local Zone');
});

test('every type offered in every zone of every group passes', async () => {
  await bed.activities.checkLocalZoneOfferings({
    groups: [
      { group: 'edge', zones: ['us-east-1a', 'us-east-1b'], instanceTypes: ['m5.large', 'c5.xlarge'] },
      { group: 'old', zones: ['us-east-1e'], instanceTypes: ['t2.micro'] },
    ],
  });
  await bed.activities.checkLocalZoneOfferings({ groups: [] });
});

test('a type not offered in one of a group\'s zones fails for good, naming the group, the type and the zone, and the way out', async () => {
  const refusal = await bed.activities.checkLocalZoneOfferings({
    groups: [
      { group: 'edge', zones: ['us-east-1a', 'us-east-1e'], instanceTypes: ['m5.large', 't2.micro'] },
      { group: 'fine', zones: ['us-east-1a'], instanceTypes: ['m5.large'] },
    ],
  }).then(() => undefined, (error: unknown) => error);
  assert.ok(refusal instanceof ApplicationFailure, `refused: ${String(refusal)}`);
  assert.equal(refusal.type, errorTypes.invalidSpec);
  assert.equal(refusal.nonRetryable, true);
  assert.match(refusal.message, /node group edge's instance type m5\.large is not offered in us-east-1e/);
  assert.doesNotMatch(refusal.message, /t2\.micro is not|us-east-1a;|group fine/, 'only the missing pair is named');
  assert.match(refusal.message, /describe-instance-type-offerings --location-type availability-zone --filters Name=location,Values=us-east-1e\b/);
  assert.match(refusal.message, /or leave that zone out of its localZones/);
});

test('a Local Zone moto does not know offers nothing: every type of the group there is named', async () => {
  await assert.rejects(bed.activities.checkLocalZoneOfferings({ groups: [{ group: 'local-ng', zones: ['us-east-1-bos-1a'], instanceTypes: ['t3.medium', 'c5.large'] }] }),
    (error: unknown) => error instanceof ApplicationFailure && error.nonRetryable === true
      && /local-ng's instance type t3\.medium is not offered in us-east-1-bos-1a; node group local-ng's instance type c5\.large is not offered in us-east-1-bos-1a/.test(error.message));
});
