import type { SpecError } from './environment-spec';

/**
 * Spec settings the schema names but provisioning does not honour yet. A request that uses
 * one is refused here with the reason, never accepted and then built without it. Each entry
 * goes when its setting is built end to end (plan, activities, teardown, tests).
 */
export const nodeGroupSettingsInProgress: Readonly<Record<string, string>> = {
  kind: 'self-managed node groups are being built (issue 17 item 1); use a managed group for now',
  propagateAsgTags: 'ASG tag propagation is being built (issue 17 item 3)',
  instanceSelector: 'instance selectors are being built (issue 17 item 3); list instanceTypes',
  instancesDistribution: 'mixed instances are being built (issue 17 item 1)',
  targetGroupArns: 'target group attachment is being built (issue 17 item 1)',
  classicLoadBalancerNames: 'Classic Load Balancer attachment is being built (issue 17 item 1)',
  asgMetricsCollection: 'ASG metrics collection is being built (issue 17 item 1)',
  bottlerocket: 'Bottlerocket settings are being built (issue 17 item 1)',
};

export const clusterSettingsInProgress: Readonly<Record<string, string>> = {
  endpointAccess: 'API endpoint access settings are being built (issue 17 item 4)',
  secretsEncryption: 'secrets encryption is being built (issue 17 item 4)',
  kubernetesNetwork: 'the service network setting is being built (issue 17 item 4)',
  zonalShift: 'zonal shift is being built (issue 17 item 4)',
  supportType: 'the upgrade policy is being built (issue 17 item 4)',
  controlPlaneTier: 'control plane tiers are being built (issue 17 item 4)',
  controlPlaneLogRetentionDays: 'control plane log retention is being built (issue 17 item 4)',
  identityProviders: 'OIDC identity providers are being built (issue 17 item 4)',
  autoMode: 'EKS Auto Mode is being built (issue 17 item 6)',
};

export const networkSettingsInProgress: Readonly<Record<string, string>> = {
  vpcId: 'an existing VPC by id is being built (issue 17 item 4); give its subnetIds',
  publicSubnetIds: 'public subnets of an existing VPC are being built (issue 17 item 4)',
  controlPlaneSubnetIds: 'control plane subnets are being built (issue 17 item 4)',
  'vpc/ipv6': 'IPv6 VPCs are being built (issue 17 item 4)',
  'vpc/hostnameType': 'subnet hostname types are being built (issue 17 item 4)',
  'vpc/controlPlaneOnPrivateSubnets': 'control plane subnets are being built (issue 17 item 4)',
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
