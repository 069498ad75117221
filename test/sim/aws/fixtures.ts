import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { SimulatedAws, type SimulatedAwsOptions } from '../../../src/sim/aws';
import { ManualClock } from '../../../src/sim/clock';
import type { SimOperation } from '../../../src/sim/profile';
import { assumedBy } from '../../../src/domain/service-roles';

export const tags = { 'eksflow.io/environment': 'team/demo' };

/** A simulated account on a clock that moves only when a test moves it. */
export function manualSim(options: Omit<SimulatedAwsOptions, 'clock'> = {}) {
  const clock = new ManualClock();
  const sim = new SimulatedAws({ seed: 'rules', ...options, clock });
  /** The latest latency drawn for an operation on a resource, in seconds. */
  const drawn = (operation: SimOperation, key: string) => {
    const draw = sim.sampler.draws().findLast((d) => d.operation === operation && d.key === key);
    assert.ok(draw, `no ${operation} latency drawn for ${key}`);
    return draw.seconds;
  };
  return { sim, clock, apis: sim.apis(), drawn };
}

export type ManualSim = ReturnType<typeof manualSim>;

/** Roles and a two-zone VPC: what a cluster is created with. */
export async function prerequisites({ apis }: ManualSim) {
  const role = async (name: string) => (await apis.iam.createRole({ name, trustPolicy: JSON.stringify(assumedBy('eks.amazonaws.com')), description: name, tags })).arn;
  const zones = (await apis.vpc.availabilityZones()).slice(0, 2).map((zone) => zone.name);
  const network = await apis.vpc.ensureNetwork({ cidr: '10.0.0.0/16', zones, natGateway: 'none', tags, cluster: 'demo' });
  return { clusterRole: await role('demo-cluster'), nodeRole: await role('demo-node'), fargateRole: await role('demo-fargate'), network };
}

export async function createCluster(bed: ManualSim, name = 'demo') {
  const made = await prerequisites(bed);
  const cluster = await bed.apis.eks.createCluster({
    name, version: '1.35', roleArn: made.clusterRole, subnetIds: made.network.privateSubnetIds, securityGroupIds: [], logTypes: [], tags, clientRequestToken: `${name}-token`,
  });
  return { ...made, cluster };
}

/** A cluster past CREATING and past the add-on API's lag. */
export async function activeCluster(bed: ManualSim, name = 'demo') {
  const made = await createCluster(bed, name);
  bed.clock.advance(bed.drawn('cluster.create', name));
  assert.equal((await bed.apis.eks.describeCluster(name))?.status, 'ACTIVE');
  return made;
}

export const nodegroupInput = (nodeRoleArn: string, subnetIds: string[], name = 'general') => ({
  cluster: 'demo', name, nodeRoleArn, subnetIds, instanceTypes: ['t3.medium'], capacityType: 'ON_DEMAND', amiType: 'AL2_x86_64', diskSize: 20,
  scaling: { minSize: 1, desiredSize: 2, maxSize: 4 }, labels: {}, taints: [], tags, clientRequestToken: `ng-${name}`,
});

export const fargateInput = (podExecutionRoleArn: string, subnetIds: string[], name: string) => ({
  cluster: 'demo', name, podExecutionRoleArn, subnetIds, selectors: [{ namespace: name }], tags, clientRequestToken: `fp-${name}`,
});

/** Rejects as the adapters reject: an ApplicationFailure of this type, retryable or not, naming AWS's error. */
export async function rejectsAs(promise: Promise<unknown>, expected: { type: string; nonRetryable?: boolean; message: RegExp }): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
    assert.equal(error.type, expected.type);
    if (expected.nonRetryable !== undefined) assert.equal(error.nonRetryable, expected.nonRetryable);
    assert.match(error.message, expected.message);
    return true;
  });
}
