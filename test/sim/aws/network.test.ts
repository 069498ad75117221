import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNetworkActivities } from '../../../src/activities/network';
import type { Owner } from '../../../src/domain/ownership';
import { assertCompleteNetwork, simNetworkInventory } from '../../support/network-inventory';
import { manualSim, rejectsAs } from './fixtures';

const owner: Owner = { environmentId: 'team-a/demo', runId: 'run-1' };
const input = { owner, region: 'us-east-1', cluster: 'demo', vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'perAz' as const } };
const expected = { environment: owner.environmentId, cluster: 'demo', zones: ['us-east-1a', 'us-east-1b'], natGateway: 'perAz' as const };

/** Every EC2 request a pass of the network step makes, as (API, occurrence) pairs, from a clean run's counts. */
function requestsOf(calls: Record<string, number>): { api: string; skip: number }[] {
  return Object.entries(calls).filter(([api]) => api.startsWith('ec2:')).flatMap(([api, count]) => Array.from({ length: count }, (_, skip) => ({ api, skip })));
}

test('a failure at every EC2 request of the network step, before it takes effect or with its response lost, ends in a complete network once retried', async () => {
  const clean = manualSim();
  await createNetworkActivities(clean.apis.vpc).ensureNetwork(input);
  assertCompleteNetwork(simNetworkInventory(clean.sim.vpc), expected, 'without faults');
  const requests = requestsOf(clean.sim.calls());
  assert.ok(requests.length >= 25, `the network step makes ${requests.length} EC2 requests`);

  for (const when of ['before', 'after'] as const) {
    for (const { api, skip } of requests) {
      const bed = manualSim();
      const network = createNetworkActivities(bed.apis.vpc);
      const why = `${api} #${skip + 1} failing ${when}`;
      bed.sim.faults.failStep(api, { skip, times: 1, when });
      await rejectsAs(network.ensureNetwork(input), { type: 'InjectedFault', message: new RegExp(`injected failure of ${api.slice('ec2:'.length)}`) });
      const retried = await network.ensureNetwork(input);
      const vpcId = assertCompleteNetwork(simNetworkInventory(bed.sim.vpc), expected, why);
      assert.equal(retried.vpcId, vpcId, why);
      // Once pending, each NAT gateway becomes available (those of the failed pass too): the run's wait ends.
      bed.clock.advance(Math.max(...bed.sim.sampler.draws().filter((d) => d.operation === 'network.create').map((d) => d.seconds)) + 1);
      assert.equal((await network.natGatewayStatus({ vpcId })).status, 'AVAILABLE', why);
    }
  }
});

test('a NAT gateway that failed is reported with AWS\'s code and message, and the next pass replaces it and releases its address', async () => {
  const bed = manualSim();
  const network = createNetworkActivities(bed.apis.vpc);
  bed.sim.vpc.failNatGateways(1);
  const made = await network.ensureNetwork(input);
  bed.clock.advance(bed.drawn('network.create', 'demo') + 1);
  const failed = await network.natGatewayStatus({ vpcId: made.vpcId });
  assert.equal(failed.status, 'FAILED');
  const broken = failed.gateways.find((nat) => nat.state === 'failed')!;
  assert.equal(broken.failureCode, 'InsufficientFreeAddressesInSubnet');
  assert.match(broken.failureMessage ?? '', /insufficient free addresses/);
  const brokenAddress = bed.sim.vpc.parts().natGateways.find((nat) => nat.id === broken.id)!.allocationId;

  const again = await network.ensureNetwork(input);
  assert.deepEqual(again, made, 'the same network');
  const vpcId = assertCompleteNetwork(simNetworkInventory(bed.sim.vpc), expected, 'after the replacement');
  assert.ok(!bed.sim.vpc.parts().addresses.some((a) => a.allocationId === brokenAddress), 'the failed gateway\'s address is released');
  assert.equal(bed.sim.vpc.parts().natGateways.find((nat) => nat.id === broken.id)?.state, 'deleting', 'the failed gateway is deleted, not adopted');
  assert.equal((await network.natGatewayStatus({ vpcId })).status, 'PENDING', 'the replacement is on its way');
  bed.clock.advance(bed.drawn('network.create', 'demo') + 1);
  assert.equal((await network.natGatewayStatus({ vpcId })).status, 'AVAILABLE', 'the old one still deleting does not hold the network back');
});

test('replacing a failed NAT gateway resumes from a failure at any of its EC2 requests, with no address leaked', async () => {
  const setUp = async () => {
    const bed = manualSim();
    const network = createNetworkActivities(bed.apis.vpc);
    bed.sim.vpc.failNatGateways(1);
    await network.ensureNetwork(input);
    bed.clock.advance(bed.drawn('network.create', 'demo') + 1);
    bed.sim.resetCalls();
    return { bed, network };
  };
  const clean = await setUp();
  await clean.network.ensureNetwork(input);
  const requests = requestsOf(clean.bed.sim.calls());
  assert.ok(requests.some(({ api }) => api === 'ec2:ReleaseAddress') && requests.some(({ api }) => api === 'ec2:DeleteNatGateway'), 'the pass releases and deletes');

  for (const when of ['before', 'after'] as const) {
    for (const { api, skip } of requests) {
      const { bed, network } = await setUp();
      const why = `replacing: ${api} #${skip + 1} failing ${when}`;
      bed.sim.faults.failStep(api, { skip, times: 1, when });
      await rejectsAs(network.ensureNetwork(input), { type: 'InjectedFault', message: /injected failure/ });
      await network.ensureNetwork(input);
      assertCompleteNetwork(simNetworkInventory(bed.sim.vpc), expected, why);
    }
  }
});

test('teardown deletes a failed NAT gateway and releases every address of the environment', async () => {
  const bed = manualSim();
  const network = createNetworkActivities(bed.apis.vpc);
  bed.sim.vpc.failNatGateways(2);
  const made = await network.ensureNetwork(input);
  bed.clock.advance(bed.drawn('network.create', 'demo') + 1);
  assert.equal((await network.natGatewayStatus({ environmentId: owner.environmentId })).status, 'FAILED');

  await network.deleteNatGateways({ environmentId: owner.environmentId });
  assert.deepEqual((await network.natGatewayStatus({ vpcId: made.vpcId })).gateways.map((nat) => nat.state), ['deleting', 'deleting'], 'failed gateways are deleted too');
  for (const nat of bed.sim.vpc.parts().natGateways) bed.clock.advance(bed.drawn('nat-gateway.delete', nat.id) + 1);
  assert.equal((await network.natGatewayStatus({ environmentId: owner.environmentId })).status, 'GONE');
  await network.deleteNetwork({ environmentId: owner.environmentId });
  const left = bed.sim.vpc.parts();
  assert.deepEqual({ vpcs: left.vpcs, subnets: left.subnets, gateways: left.internetGateways, tables: left.routeTables, addresses: left.addresses }, { vpcs: [], subnets: [], gateways: [], tables: [], addresses: [] });
});

test('teardown after a crash between making the internet gateway and attaching it leaves no gateway behind', async () => {
  const bed = manualSim();
  const network = createNetworkActivities(bed.apis.vpc);
  bed.sim.faults.failStep('AttachInternetGateway', { times: 1 });
  await rejectsAs(network.ensureNetwork(input), { type: 'InjectedFault', message: /AttachInternetGateway/ });
  assert.equal(bed.sim.vpc.parts().internetGateways.length, 1);
  await network.deleteNetwork({ environmentId: owner.environmentId });
  assert.deepEqual(bed.sim.vpc.parts().internetGateways, []);
  assert.deepEqual(bed.sim.vpc.parts().vpcs, []);
});
