import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { eksctlExamplesDir } from '../support/paths';
import type { provisionEnvironment } from '../../src/workflows';
import { stepIds } from '../../src/domain/planner';
import { progressQuery } from '../../src/workflows/messages';
import { waitFor } from '../support/process';
import { simWorkerBed } from '../support/sim-worker-bed';

// Where nodes go, by the real workflow and activities on the simulated cloud: subnets of an
// existing VPC given by CIDR (eksctl's vpc.subnets entries without an id, found before anything
// is made), and a self-managed group in Local Zones (eksctl's example 33).

const speedup = 200;
const taskQueue = 'zones-on-sim';
const bed = simWorkerBed({ speedup, seed: 'zones', taskQueue });

const start = (spec: EnvironmentSpec) => bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
  taskQueue, workflowId: `team-a.${spec.name}`, args: [{ environmentId: `team-a/${spec.name}`, spec, timeScale: speedup }],
});

function parsed(input: Record<string, unknown>): EnvironmentSpec {
  const result = parseEnvironmentSpec(input);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.spec;
}

/** A network made outside the environment (another owner's tags), as an existing VPC is, with each subnet's CIDR. */
async function existingNetwork(owner: string, cidr: string) {
  const network = await bed.cloud.aws.vpc.ensureNetwork({
    cidr, zones: ['us-east-1a', 'us-east-1b'], natGateway: 'none', cluster: owner, tags: { 'eksflow.io/environment': `shared/${owner}`, Name: owner },
  });
  const subnets = await bed.cloud.aws.vpc.subnetsMatching({ vpcId: network.vpcId });
  const cidrOf = (id: string) => subnets.find((subnet) => subnet.id === id)!.cidr;
  return { ...network, cidrOf };
}

const untilSettled = (handle: Awaited<ReturnType<typeof start>>) => waitFor('the run to settle', async () => {
  const progress = await handle.query(progressQuery);
  return ['ready', 'rolled-back', 'failed'].includes(progress.phase) && progress;
}, { timeoutMs: 240_000, intervalMs: 200 });

test('subnets of an existing VPC given by CIDR are found before anything is made, and a group named by them runs there', async () => {
  const net = await existingNetwork('landing-zone', '192.168.0.0/16');
  const [privateOne, privateTwo] = net.privateSubnetIds as [string, string];
  // eksctl example 24: public subnets by id, private-one by its cidr only; ng-2 names private-one and an id.
  const spec = parsed({
    name: 'named-subnets', region: 'us-east-1',
    network: { vpcId: net.vpcId, subnetIds: [...net.publicSubnetIds, privateTwo], publicSubnetIds: net.publicSubnetIds, subnetLookups: [{ cidr: net.cidrOf(privateOne) }] },
    nodeGroups: [
      { name: 'ng-1', kind: 'self-managed', instanceTypes: ['m5.xlarge'], minSize: 1, desiredSize: 1, maxSize: 2, privateNetworking: false, subnetIds: [net.publicSubnetIds[0]] },
      { name: 'ng-2', kind: 'self-managed', instanceTypes: ['m5.xlarge'], minSize: 1, desiredSize: 1, maxSize: 2, subnetIds: [privateTwo], subnetLookups: [{ cidr: net.cidrOf(privateOne) }] },
      { name: 'managed', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 },
    ],
  });
  const handle = await start(spec);
  const ready = await untilSettled(handle);
  assert.equal(ready.phase, 'ready', JSON.stringify(ready.steps.filter((s) => s.lastError)));
  const cluster = bed.cloud.aws.eks.state.clusters.get('named-subnets')!;
  assert.deepEqual([...cluster.subnetIds].sort(), [...net.publicSubnetIds, privateOne, privateTwo].sort(), 'the found subnet is one of the cluster\'s');
  // The managed group (no subnets of its own) goes in the private ones: the found one included.
  assert.deepEqual([...cluster.nodegroups.get('managed')!.subnetIds].sort(), [privateOne, privateTwo].sort());
  // The self-managed groups' Auto Scaling groups, by the subnets their instances are in.
  const asgIn = (subnetId: string) => bed.cloud.aws.autoscaling.usingSubnet(subnetId) ?? 'none';
  assert.match(asgIn(privateOne), /ng-2/, 'ng-2 runs in the subnet found by its CIDR');
  assert.match(asgIn(net.publicSubnetIds[0]!), /ng-1/, 'ng-1 runs in the public subnet it names');
  assert.equal(asgIn(net.publicSubnetIds[1]!), 'none', 'and in no other');
  await handle.signal('teardown', { reason: 'done' });
  await handle.result();
  assert.ok(bed.cloud.aws.vpc.vpcIds().includes(net.vpcId), 'the existing VPC is not the environment\'s to delete');
  assert.deepEqual(bed.cloud.aws.inventory().clusters.filter((c) => c === 'named-subnets'), []);
});

test('a subnet given by a CIDR no subnet of the VPC has stops the run for good before anything is made', async () => {
  const net = await existingNetwork('landing-zone-2', '192.169.0.0/16');
  const spec = parsed({
    name: 'no-such-subnet', region: 'us-east-1',
    network: { vpcId: net.vpcId, subnetIds: net.privateSubnetIds, subnetLookups: [{ cidr: '192.169.250.0/24' }] },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
  });
  const callsBefore = { ...bed.cloud.aws.calls() };
  const handle = await start(spec);
  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, `the run failed: ${String(error)}`);
  assert.match(String(error.cause?.message), new RegExp(`no subnet of ${net.vpcId} has 192.169.250.0/24 in any zone`));
  const progress = await handle.query(progressQuery);
  assert.deepEqual(progress.ledger, [], 'nothing was made');
  const made = Object.entries(bed.cloud.aws.calls()).filter(([call, count]) => /:Create/.test(call) && count !== (callsBefore[call] ?? 0));
  assert.deepEqual(made, [], 'no create call was made');
});

/** eksctl's example 33 as the API takes it: us-west-2 with subnets in two Los Angeles Local Zones, and a self-managed group there. */
function example33(name: string): EnvironmentSpec {
  const translated = translateClusterConfig(readFileSync(join(eksctlExamplesDir, '33-local-zones.yaml'), 'utf8'));
  if (!translated.ok) throw new Error(JSON.stringify(translated.errors));
  const group = { ...translated.spec.nodeGroups[0]!, minSize: 1, desiredSize: 1 };
  return { ...translated.spec, name, nodeGroups: [group] };
}

test('Local Zones whose zone group the account has not opted in to stop the run for good before any subnet is made', async () => {
  const west = bed.cloud.region('us-west-2');
  const handle = await start(example33('lz-not-opted-in'));
  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, `the run failed: ${String(error)}`);
  const progress = await handle.query(progressQuery);
  const network = progress.steps.find((s) => s.id === stepIds.network)!;
  assert.match(network.lastError ?? '', /us-west-2-lax-1a's zone group us-west-2-lax-1 is not opted in/);
  assert.equal(network.attempts, 1, 'not retried');
  assert.deepEqual(west.aws.vpc.parts().subnets, [], 'no subnet was made');
});

test('eksctl example 33: a public and a private subnet in each Local Zone, the self-managed group in the public ones, the control plane never there, and teardown leaves nothing', async () => {
  const west = bed.cloud.region('us-west-2');
  west.aws.vpc.optInZoneGroup('us-west-2-lax-1');
  const handle = await start(example33('cluster-33'));
  const ready = await untilSettled(handle);
  assert.equal(ready.phase, 'ready', JSON.stringify(ready.steps.filter((s) => s.lastError)));
  const subnets = west.aws.vpc.parts().subnets;
  const inZone = (zone: string) => subnets.filter((subnet) => subnet.zone === zone).map((subnet) => subnet.tags['eksflow.io/subnet-role']).sort();
  assert.deepEqual(inZone('us-west-2-lax-1a'), ['private-local-zone', 'public-local-zone']);
  assert.deepEqual(inZone('us-west-2-lax-1b'), ['private-local-zone', 'public-local-zone']);
  const localIds = subnets.filter((subnet) => subnet.zone.includes('-lax-')).map((subnet) => subnet.id);
  const publicLocal = subnets.filter((subnet) => subnet.tags['eksflow.io/subnet-role'] === 'public-local-zone').map((subnet) => subnet.id);
  const cluster = west.aws.eks.state.clusters.get('cluster-33')!;
  assert.deepEqual(cluster.subnetIds.filter((id) => localIds.includes(id)), [], 'EKS\'s control plane is not placed in Local Zones');
  for (const id of publicLocal) assert.match(west.aws.autoscaling.usingSubnet(id) ?? 'none', /local-ng/, `the group runs in ${id}`);
  // The public Local Zone subnets go out through the internet gateway, as the Region's public ones do.
  const routes = west.aws.vpc.parts().routeTables.find((table) => publicLocal.every((id) => table.subnetIds.includes(id)));
  assert.ok(routes && Object.values(routes.routes).some((to) => 'gatewayId' in to), 'associated with the public route table');
  await handle.signal('teardown', { reason: 'done' });
  await handle.result();
  assert.deepEqual(west.aws.vpc.parts().subnets, [], 'no subnet left, in a Local Zone or not');
  assert.deepEqual(west.aws.vpc.vpcIds(), []);
  assert.deepEqual(west.aws.autoscaling.inventory().autoScalingGroups, []);
});
