import eniLimits from './data/eni-limits.json' with { type: 'json' };

/**
 * How many pods a node of an instance type can run under the Amazon VPC CNI (issue 17 item 7).
 * Pure: the per-type facts come from src/domain/data/eni-limits.json (generated from the VPC
 * CNI's own table by scripts/generate-eni-limits.ts) or from EC2 DescribeInstanceTypes
 * (src/activities/instance-types.ts) for a type the table lacks.
 *
 * The formulas are the EKS ones: AWS docs, "Amazon EKS recommended maximum Pods for each Amazon
 * EC2 instance type", and awslabs/amazon-eks-ami files/max-pods-calculator.sh:
 * - secondary IPs: ENIs × (IPv4 per ENI − 1) + 2 (each ENI's primary address is not a pod's;
 *   the + 2 are aws-node and kube-proxy, which use the host's network);
 * - prefix delegation (ENABLE_PREFIX_DELEGATION, VPC CNI ≥ 1.9, Nitro instances only: on others
 *   the calculator falls back to secondary IPs): ENIs × ((IPv4 per ENI − 1) × 16) + 2;
 * - then the calculator's ceiling: 110 pods up to 30 vCPUs, 250 above (`CPU_COUNT -gt 30`); the
 *   EKS user guide ("Choose an optimal Amazon EC2 node instance type", How maxPods is
 *   determined) says a managed node group without a custom AMI enforces the same cap in its
 *   nodes' user data, whatever else sets maxPods.
 */

/** What the formulas need to know of an instance type. */
export interface InstanceNetworkLimits {
  /** EC2 NetworkInfo.MaximumNetworkInterfaces. */
  enis: number;
  /** EC2 NetworkInfo.Ipv4AddressesPerInterface. */
  ipv4PerEni: number;
  /** Whether the VPC CNI can assign /28 prefixes on it (Nitro or bare metal). */
  prefixDelegation: boolean;
  /** EC2 VCpuInfo.DefaultVCpus, for the ceiling; unknown for a few types of the table. */
  vcpus?: number;
}

/** The limits of one instance type, or undefined when unknown. */
export type InstanceLimitsLookup = (instanceType: string) => InstanceNetworkLimits | undefined;

const table = eniLimits as unknown as { source: { module: string }; types: Record<string, InstanceNetworkLimits> };

/** Where the shipped table comes from, e.g. github.com/aws/amazon-vpc-cni-k8s@v1.23.2. */
export const eniLimitsSource: string = table.source.module;

/** The shipped table (offline plans). */
export const tableInstanceLimits: InstanceLimitsLookup = (instanceType) => (Object.hasOwn(table.types, instanceType) ? table.types[instanceType] : undefined);

/** The table, with types looked up elsewhere (DescribeInstanceTypes) filling its gaps. */
export function withExtraLimits(extra: Readonly<Record<string, InstanceNetworkLimits>> | undefined): InstanceLimitsLookup {
  if (!extra || Object.keys(extra).length === 0) return tableInstanceLimits;
  return (instanceType) => tableInstanceLimits(instanceType) ?? (Object.hasOwn(extra, instanceType) ? extra[instanceType] : undefined);
}

/** max-pods-calculator.sh's constants. */
export const maxPodsRules = { ipsPerPrefix: 16, ceilingUpTo30Vcpus: 110, ceilingAbove30Vcpus: 250, vcpuThreshold: 30 } as const;

export interface MaxPods {
  pods: number;
  /** The arithmetic, as a person checks it: "3 ENIs × (10 − 1) + 2 = 29". */
  how: string;
}

/** The recommended max pods of one instance type. */
export function maxPodsOf(limits: InstanceNetworkLimits, { prefixDelegation = false, maxPodsPerNode }: { prefixDelegation?: boolean; maxPodsPerNode?: number } = {}): MaxPods {
  const { enis, ipv4PerEni, vcpus } = limits;
  const prefixes = prefixDelegation && limits.prefixDelegation;
  const raw = prefixes ? enis * ((ipv4PerEni - 1) * maxPodsRules.ipsPerPrefix) + 2 : enis * (ipv4PerEni - 1) + 2;
  const parts = [prefixes ? `${enis} ENIs × ((${ipv4PerEni} − 1) × 16) + 2 = ${raw}` : `${enis} ENIs × (${ipv4PerEni} − 1) + 2 = ${raw}`];
  if (prefixDelegation && !limits.prefixDelegation) parts.push('no prefix delegation: not a Nitro instance');
  // Unknown vCPUs: the higher ceiling, so a refusal never rests on a guess.
  const ceiling = vcpus !== undefined && vcpus <= maxPodsRules.vcpuThreshold ? maxPodsRules.ceilingUpTo30Vcpus : maxPodsRules.ceilingAbove30Vcpus;
  let pods = raw;
  if (raw > ceiling) {
    pods = ceiling;
    parts.push(`capped at ${ceiling} (${vcpus === undefined ? 'vCPUs unknown' : `${vcpus} vCPUs`})`);
  }
  if (maxPodsPerNode !== undefined && maxPodsPerNode < pods) {
    pods = maxPodsPerNode;
    parts.push(`maxPodsPerNode ${maxPodsPerNode}`);
  }
  return { pods, how: parts.join('; ') };
}

/** A node group's pod capacity per node: the smallest of its instance types', or which types are unknown. */
export type GroupMaxPods =
  | { known: true; pods: number; instanceType: string; how: string }
  | { known: false; unknownTypes: string[] };

export function groupMaxPods(
  group: { instanceTypes: string[]; maxPodsPerNode?: number },
  { prefixDelegation = false, lookup = tableInstanceLimits }: { prefixDelegation?: boolean; lookup?: InstanceLimitsLookup } = {},
): GroupMaxPods {
  const unknownTypes = group.instanceTypes.filter((type) => lookup(type) === undefined);
  if (unknownTypes.length > 0) return { known: false, unknownTypes };
  const each = group.instanceTypes.map((instanceType) => ({
    instanceType, ...maxPodsOf(lookup(instanceType)!, { prefixDelegation, ...(group.maxPodsPerNode !== undefined ? { maxPodsPerNode: group.maxPodsPerNode } : {}) }),
  }));
  const smallest = each.reduce((a, b) => (b.pods < a.pods ? b : a));
  return { known: true, ...smallest };
}

/**
 * Whether the spec turns on prefix delegation: eksAddons.vpc-cni.prefixDelegation (which sets
 * ENABLE_PREFIX_DELEGATION, src/domain/eks-addons.ts configurationOverlay), or
 * ENABLE_PREFIX_DELEGATION "true" in the vpc-cni add-on's own configurationValues env.
 */
export function prefixDelegationEnabled(eksAddons: { 'vpc-cni'?: { prefixDelegation?: unknown; configurationValues?: unknown } } | undefined): boolean {
  const cni = eksAddons?.['vpc-cni'];
  if (!cni) return false;
  if (cni.prefixDelegation !== undefined) return true;
  const values = cni.configurationValues;
  if (typeof values === 'object' && values !== null) {
    const env = (values as { env?: Record<string, unknown> }).env;
    return String(env?.ENABLE_PREFIX_DELEGATION).toLowerCase() === 'true';
  }
  // JSON or YAML text: the key and a true value, quoted or not.
  return typeof values === 'string' && /ENABLE_PREFIX_DELEGATION["']?\s*:\s*["']?true\b/i.test(values);
}
