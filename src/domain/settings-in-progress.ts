import type { SpecError } from './environment-spec';

/**
 * Spec settings the schema names but provisioning does not honour yet. A request that uses
 * one is refused here with the reason, never accepted and then built without it. Each entry
 * goes when its setting is built end to end (plan, activities, teardown, tests).
 */
export const nodeGroupSettingsInProgress: Readonly<Record<string, string>> = {
  kind: 'self-managed node groups are being built (issue 17 item 1); use a managed group for now',
  privateNetworking: 'node placement in public subnets is being built (issue 17 item 3)',
  availabilityZones: 'per-group placement is being built (issue 17 item 3)',
  subnetIds: 'per-group placement is being built (issue 17 item 3)',
  tags: 'node group tags are being built (issue 17 item 3)',
  propagateAsgTags: 'ASG tag propagation is being built (issue 17 item 3)',
  volume: 'volume settings are being built (issue 17 item 2)',
  launchTemplate: 'launch templates are being built (issue 17 item 2)',
  ami: 'custom AMIs are being built (issue 17 item 2)',
  preBootstrapCommands: 'bootstrap commands are being built (issue 17 item 2)',
  maxPodsPerNode: 'maxPodsPerNode is being built (issue 17 item 2)',
  securityGroupIds: 'node security groups are being built (issue 17 item 2)',
  instanceMetadata: 'instance metadata options are being built (issue 17 item 2)',
  updateConfig: 'updateConfig is being built (issue 17 item 3)',
  nodeRepair: 'node repair is being built (issue 17 item 3)',
  iam: 'per-group node IAM policies are being built (issue 17 item 3)',
  ssh: 'ssh settings are being built (issue 17 item 3); give sshPublicKey',
  instanceSelector: 'instance selectors are being built (issue 17 item 3); list instanceTypes',
  instancesDistribution: 'mixed instances are being built (issue 17 item 1)',
  targetGroupArns: 'target group attachment is being built (issue 17 item 1)',
  classicLoadBalancerNames: 'Classic Load Balancer attachment is being built (issue 17 item 1)',
  asgMetricsCollection: 'ASG metrics collection is being built (issue 17 item 1)',
  bottlerocket: 'Bottlerocket settings are being built (issue 17 item 1)',
};

export const clusterSettingsInProgress: Readonly<Record<string, string>> = {
  autoMode: 'EKS Auto Mode is being built (issue 17 item 6)',
};

export const networkSettingsInProgress: Readonly<Record<string, string>> = {
  'vpc/ipv6': 'IPv6 VPCs are being built (issue 17 item 4)',
};

/** One refusal per in-progress setting the request uses. */
export function settingsInProgressErrors(spec: Record<string, unknown>): SpecError[] {
  const errors: SpecError[] = [];
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  for (const [key, reason] of Object.entries(clusterSettingsInProgress)) if (spec[key] !== undefined) errors.push({ path: `/${key}`, message: `is not available yet: ${reason}` });
  if (isObject(spec.network)) {
    const network = spec.network;
    for (const [key, reason] of Object.entries(networkSettingsInProgress)) {
      const [first, second] = key.split('/') as [string, string | undefined];
      const value = second === undefined ? network[first] : isObject(network[first]) ? (network[first] as Record<string, unknown>)[second] : undefined;
      if (value !== undefined) errors.push({ path: `/network/${key}`, message: `is not available yet: ${reason}` });
    }
  }
  if (Array.isArray(spec.nodeGroups)) {
    spec.nodeGroups.forEach((group, i) => {
      if (!isObject(group)) return;
      for (const [key, reason] of Object.entries(nodeGroupSettingsInProgress)) if (group[key] !== undefined) errors.push({ path: `/nodeGroups/${i}/${key}`, message: `is not available yet: ${reason}` });
    });
  }
  return errors;
}
