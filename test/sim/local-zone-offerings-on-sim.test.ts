import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import type { EnvironmentSpec } from '../../src/domain/environment-spec';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { eksctlExamplesDir } from '../support/paths';
import { simWorkerBed } from '../support/sim-worker-bed';

// Instance types a Local Zone does not offer, by the real workflow and activities on the
// simulated cloud: the simulated EC2 answers DescribeInstanceTypeOfferings for its Local Zones
// with a few families (T3, C5, M5, R5 everywhere, and C5d, M5d, R5d, G4dn in Los Angeles, as the
// AWS Local Zones features page lists them), and a group naming another type in its Local Zones
// stops the run for good before anything is made, naming the group, the type and the zone.

const speedup = 200;
const taskQueue = 'local-zone-offerings-on-sim';
const bed = simWorkerBed({ speedup, seed: 'local-zone-offerings', taskQueue });

/** eksctl's example 33 (us-west-2, two Los Angeles Local Zones, one self-managed group there), its group given these zones and types. */
function example33(name: string, group: { localZones?: string[]; instanceTypes: string[] }, localZones?: string[]): EnvironmentSpec {
  const translated = translateClusterConfig(readFileSync(join(eksctlExamplesDir, '33-local-zones.yaml'), 'utf8'));
  if (!translated.ok) throw new Error(JSON.stringify(translated.errors));
  const network = localZones ? { ...translated.spec.network, vpc: { ...translated.spec.network.vpc!, localZones } } : translated.spec.network;
  return { ...translated.spec, name, network, nodeGroups: [{ ...translated.spec.nodeGroups[0]!, minSize: 1, desiredSize: 1, ...group }] };
}

async function failedBeforeAnythingIsMade(spec: EnvironmentSpec): Promise<string> {
  const west = bed.cloud.region('us-west-2');
  const callsBefore = west.aws.calls();
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `team-a.${spec.name}`, args: [{ environmentId: `team-a/${spec.name}`, spec, timeScale: speedup }],
  });
  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, `the run failed: ${String(error)}`);
  const progress = await handle.query(progressQuery);
  assert.deepEqual(progress.ledger, [], 'nothing was made');
  assert.ok(progress.steps.every((step) => step.attempts === 0), 'no step started');
  const callsAfter = west.aws.calls();
  const made = Object.entries(callsAfter).filter(([call, count]) => /:Create/.test(call) && count !== (callsBefore[call] ?? 0));
  assert.deepEqual(made, [], 'no create call was made');
  assert.equal((callsAfter['ec2:DescribeInstanceTypeOfferings'] ?? 0) - (callsBefore['ec2:DescribeInstanceTypeOfferings'] ?? 0), 1, 'one DescribeInstanceTypeOfferings for every group, type and zone');
  assert.deepEqual(west.aws.vpc.vpcIds(), [], 'no VPC');
  return String(error.cause?.message);
}

test('a type the group\'s Local Zones do not offer stops the run for good before anything is made, naming the group, the type and each zone', async () => {
  bed.cloud.region('us-west-2').aws.vpc.optInZoneGroup('us-west-2-lax-1');
  const message = await failedBeforeAnythingIsMade(example33('lz-x2idn', { instanceTypes: ['m5.large', 'x2idn.16xlarge'] }));
  assert.match(message, /node group local-ng's instance type x2idn\.16xlarge is not offered in us-west-2-lax-1a; node group local-ng's instance type x2idn\.16xlarge is not offered in us-west-2-lax-1b/);
  assert.doesNotMatch(message, /m5\.large is not offered/, 'm5.large is offered in both');
  assert.match(message, /describe-instance-type-offerings --location-type availability-zone --filters Name=location,Values=us-west-2-lax-1a,us-west-2-lax-1b/);
});

test('a type one Local Zone offers and another does not is named in that zone only', async () => {
  // G4dn is in Los Angeles, not in Las Vegas (the simulated EC2's table, after the features page).
  const message = await failedBeforeAnythingIsMade(example33('lz-g4dn', { localZones: ['us-west-2-lax-1a', 'us-west-2-las-1a'], instanceTypes: ['g4dn.xlarge'] }, ['us-west-2-lax-1a', 'us-west-2-las-1a']));
  assert.match(message, /node group local-ng's instance type g4dn\.xlarge is not offered in us-west-2-las-1a/);
  assert.doesNotMatch(message, /not offered in us-west-2-lax-1a/);
});
