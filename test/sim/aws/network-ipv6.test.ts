import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipv6Within } from '../../../src/activities/aws/vpc-parts';
import { createNetworkActivities } from '../../../src/activities/network';
import type { Owner } from '../../../src/domain/ownership';
import { assertCompleteNetwork, simNetworkInventory } from '../../support/network-inventory';
import { manualSim } from './fixtures';

const owner: Owner = { environmentId: 'team-a/six', runId: 'run-1' };
const input = { owner, region: 'us-east-1', cluster: 'six', vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'single' as const, ipv6: true }, ipFamily: 'ipv6' as const };
const expected = { environment: owner.environmentId, cluster: 'six', zones: ['us-east-1a', 'us-east-1b'], natGateway: 'single' as const };

type Bed = ReturnType<typeof manualSim>;

/**
 * The network step as Temporal runs it: retried until it completes. EC2 answers a new VPC's
 * IPv6 block `associating` for a moment; the pass that meets it fails retryably, and a later
 * one (a second on) finds it associated.
 */
async function ensureRetried(bed: Bed, failures: string[] = []) {
  const network = createNetworkActivities(bed.apis.vpc);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await network.ensureNetwork(input);
    } catch (error) {
      // The injected faults are the test's own (type InjectedFault); any other failure must be one Temporal retries.
      if (!/injected failure/.test((error as Error).message)) assert.notEqual((error as { nonRetryable?: boolean }).nonRetryable, true, (error as Error).message);
      failures.push((error as Error).message);
      bed.clock.advance(2);
    }
  }
  throw new Error(`not complete after 5 passes: ${failures.join('; ')}`);
}

/** One /56, a distinct /64 of it per subnet, the private ones assigning addresses, one egress-only gateway, ::/0 everywhere. */
function assertDualStack(bed: Bed, why: string) {
  const vpcId = assertCompleteNetwork(simNetworkInventory(bed.sim.vpc), expected, why);
  const parts = bed.sim.vpc.parts();
  const vpc = parts.vpcs.find((v) => v.id === vpcId)!;
  const subnets = parts.subnets.filter((s) => s.vpcId === vpcId);
  assert.ok(subnets.every((s) => s.ipv6Cidr && ipv6Within(vpc.ipv6Cidr!, s.ipv6Cidr)), `${why}: ${JSON.stringify(subnets)}`);
  assert.equal(new Set(subnets.map((s) => s.ipv6Cidr)).size, subnets.length, why);
  const privateIds = subnets.filter((s) => s.tags['eksflow.io/subnet-role'] === 'private').map((s) => s.id);
  assert.ok(subnets.every((s) => s.assignIpv6 === privateIds.includes(s.id)), why);
  const gateways = parts.egressOnlyInternetGateways.filter((g) => g.vpcId === vpcId);
  assert.equal(gateways.length, 1, `${why}: one egress-only gateway`);
  for (const table of parts.routeTables.filter((t) => t.vpcId === vpcId)) {
    const target = table.subnetIds.some((id) => privateIds.includes(id)) ? { egressOnlyInternetGatewayId: gateways[0]!.id } : { gatewayId: parts.internetGateways.find((g) => g.vpcId === vpcId)!.id };
    assert.deepEqual(table.routes['::/0'], target, `${why}: ${table.id}`);
  }
  return vpcId;
}

test('a new VPC\'s IPv6 block is associating at first: the pass that meets it fails retryably, the next completes the dual-stack network', async () => {
  const bed = manualSim();
  const failures: string[] = [];
  await ensureRetried(bed, failures);
  assert.equal(failures.length, 1);
  assert.match(failures[0]!, /IPv6 block of vpc-[0-9a-f]+ is associating/);
  assertDualStack(bed, 'clean');
});

test('a failure at every EC2 request of an IPv6 network, before it takes effect or with its response lost, ends in one dual-stack network once retried', async () => {
  const clean = manualSim();
  await ensureRetried(clean);
  const requests = Object.entries(clean.sim.calls()).filter(([api]) => api.startsWith('ec2:')).flatMap(([api, count]) => Array.from({ length: count }, (_, skip) => ({ api, skip })));
  for (const api of ['ec2:CreateEgressOnlyInternetGateway', 'ec2:DescribeEgressOnlyInternetGateways', 'ec2:ModifySubnetAttribute', 'ec2:DescribeVpcs']) {
    assert.ok(requests.some((r) => r.api === api), `${api} among ${[...new Set(requests.map((r) => r.api))].join(', ')}`);
  }
  for (const when of ['before', 'after'] as const) {
    for (const { api, skip } of requests) {
      const bed = manualSim();
      bed.sim.faults.failStep(api, { skip, times: 1, when });
      await ensureRetried(bed);
      assertDualStack(bed, `${api} #${skip + 1} failing ${when}`);
    }
  }
});

test('teardown deletes the egress-only gateway with the network', async () => {
  const bed = manualSim();
  await ensureRetried(bed);
  const network = createNetworkActivities(bed.apis.vpc);
  await network.deleteNatGateways({ environmentId: owner.environmentId });
  bed.clock.advance(3600);
  await network.deleteNetwork({ environmentId: owner.environmentId });
  assert.deepEqual(bed.sim.vpc.parts().egressOnlyInternetGateways, []);
  assert.deepEqual(bed.sim.vpc.parts().vpcs, []);
});
