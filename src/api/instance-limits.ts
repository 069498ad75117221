import { EC2Client } from '@aws-sdk/client-ec2';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config';
import { createInstanceTypeActivities } from '../activities/instance-types';
import type { EnvironmentSpec } from '../domain/environment-spec';
import { tableInstanceLimits, type InstanceNetworkLimits } from '../domain/max-pods';
import type { PlanOptions } from '../domain/planner';

/** Network limits of instance types in a region, as EC2 DescribeInstanceTypes gives them. */
export type InstanceTypeLookup = (region: string, instanceTypes: string[]) => Promise<Record<string, InstanceNetworkLimits>>;

/**
 * On AWS (EKSFLOW_CLOUD=aws), the API asks EC2 for instance types the shipped ENI table lacks,
 * with its own credentials, in the spec's region; on the simulated cloud there is no EC2 to ask
 * and the table alone answers (the plan then warns that such a type's pods are not counted).
 */
export function instanceTypeLookupFor(config: Config): InstanceTypeLookup | undefined {
  if (config.EKSFLOW_CLOUD !== 'aws') return undefined;
  return ec2InstanceTypeLookup((region) => new EC2Client({ region, ...(config.AWS_ENDPOINT_URL ? { endpoint: config.AWS_ENDPOINT_URL } : {}) }));
}

/** A lookup over EC2 clients made per region, kept. */
export function ec2InstanceTypeLookup(clientFor: (region: string) => EC2Client): InstanceTypeLookup {
  const made = new Map<string, ReturnType<typeof createInstanceTypeActivities>>();
  return async (region, instanceTypes) => {
    let activities = made.get(region);
    if (!activities) made.set(region, (activities = createInstanceTypeActivities({ ec2: clientFor(region) })));
    return (await activities.describeInstanceNetworkLimits({ instanceTypes })).limits;
  };
}

/**
 * The plan option for the spec's node group types the table lacks, when there is an EC2 to ask;
 * a failed lookup is logged and the plan goes on with the table (it then warns instead of counting).
 */
export async function instanceLimitsFor(lookup: InstanceTypeLookup | undefined, spec: EnvironmentSpec, log: FastifyBaseLogger): Promise<Pick<PlanOptions, 'instanceLimits'>> {
  const missing = [...new Set(spec.nodeGroups.flatMap((group) => group.instanceTypes))].filter((type) => !tableInstanceLimits(type));
  if (!lookup || missing.length === 0) return {};
  try {
    return { instanceLimits: await lookup(spec.region, missing) };
  } catch (error) {
    log.warn({ err: error, instanceTypes: missing }, 'DescribeInstanceTypes failed; planning with the shipped ENI table alone');
    return {};
  }
}
