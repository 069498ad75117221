import { Type, type Static } from '@sinclair/typebox';
import type { PolicyDocument } from './iam-policies/policy-document';
import { InlinePolicy } from './workload-identity';
import { IamPolicyArn, IamRoleArn } from './aws-ids';

/**
 * The core EKS add-ons (issue 15, item 5) as EKS managed add-ons: what the spec takes for each,
 * which ServiceAccount its IRSA role is bound to, what eksflow's own options add to its
 * configurationValues, and how a requested version is chosen from what DescribeAddonVersions
 * lists for the cluster's minor. Pure: no I/O (the check itself runs as the run's first
 * activity, src/activities/eks-addon-check.ts, since only AWS knows the versions and schemas).
 *
 * Defaults: none of them is installed unless asked for. EKS itself installs self-managed
 * vpc-cni, coredns and kube-proxy on every cluster it creates (bootstrapSelfManagedAddons
 * defaults to true), so a cluster without `eksAddons` has working pod networking, DNS and
 * Services, exactly as environments made before this field had. eksctl makes those three
 * managed add-ons by default because it then manages their upgrades; eksflow does not upgrade
 * add-ons yet, so taking them over by default would only add steps (and EKS API calls) to every
 * run. Asking for one takes it over (resolveConflicts OVERWRITE by default, as eksctl does).
 * Within an entry, the version defaults to the one EKS marks default for the cluster's minor
 * (`compatibilities[].defaultVersion`), as `aws eks create-addon` without --addon-version does.
 */

export const coreAddonNames = ['vpc-cni', 'coredns', 'kube-proxy', 'aws-ebs-csi-driver', 'eks-pod-identity-agent'] as const;
export type CoreAddonName = (typeof coreAddonNames)[number];
export const isCoreAddon = (name: unknown): name is CoreAddonName => (coreAddonNames as readonly unknown[]).includes(name);

const Version = Type.String({
  pattern: '^(latest|v?[0-9]+\\.[0-9]+\\.[0-9]+(-eksbuild\\.[0-9]+)?)$',
  description: 'an EKS add-on version as DescribeAddonVersions lists it (v1.20.4-eksbuild.1; v1.20.4 takes its newest build), or latest; the default version for the cluster\'s Kubernetes minor when left out',
});
const ConfigurationValues = Type.Union([
  Type.String({ minLength: 1, maxLength: 65536, description: 'JSON or YAML' }),
  Type.Record(Type.String(), Type.Unknown()),
], { description: 'the add-on\'s configurationValues, as JSON or YAML text or as an object; checked against the schema DescribeAddonConfiguration gives for the chosen version before anything is made' });
const PolicyArn = IamPolicyArn;
const RoleArn = IamRoleArn;
const AddonTags = Type.Record(
  Type.String({ minLength: 1, maxLength: 128, pattern: '^(?!aws:)(?!eksflow\\.io/)[A-Za-z0-9 _.:/=+\\-@]+$' }),
  Type.String({ maxLength: 256 }),
  { maxProperties: 20, description: 'tags for the add-on, besides the environment\'s and eksflow\'s ownership tags' },
);

const common = {
  version: Type.Optional(Version),
  configurationValues: Type.Optional(ConfigurationValues),
  resolveConflicts: Type.Union([Type.Literal('OVERWRITE'), Type.Literal('NONE')], {
    default: 'OVERWRITE', description: 'what CreateAddon does with fields a self-managed install set differently: OVERWRITE takes them over, NONE fails (EKS accepts PRESERVE only on updates)',
  }),
  serviceAccountRoleArn: Type.Optional({ ...RoleArn, description: 'an existing role for the add-on\'s ServiceAccount; eksflow then makes none' }),
  managedPolicyArns: Type.Optional(Type.Array(PolicyArn, { minItems: 1, maxItems: 10, uniqueItems: true, description: 'eksflow makes an IRSA role for the add-on\'s ServiceAccount with these policies' })),
  inlinePolicy: Type.Optional({ ...InlinePolicy, description: 'eksflow makes an IRSA role for the add-on\'s ServiceAccount with this policy document inline (eksctl addons[].attachPolicy); beside managedPolicyArns when both are given' }),
  tags: Type.Optional(AddonTags),
};

const CoreAddon = Type.Object(common, { additionalProperties: false });
const VpcCni = Type.Object({
  ...common,
  podSecurityGroups: Type.Optional(Type.Boolean({
    description: 'security groups for pods: ENABLE_POD_ENI=true, the cluster role gets AmazonEKSVPCResourceController, and app.securityGroupIds become a SecurityGroupPolicy',
  })),
  prefixDelegation: Type.Optional(Type.Object({
    warmPrefixTarget: Type.Integer({ minimum: 0, maximum: 64, default: 1, description: 'WARM_PREFIX_TARGET: /28 prefixes kept ready per node' }),
  }, { additionalProperties: false, description: 'ENABLE_PREFIX_DELEGATION=true: /28 prefixes per ENI slot, for more pods per node (Nitro instances only)' })),
}, { additionalProperties: false });

export const EksAddons = Type.Object({
  'vpc-cni': Type.Optional(VpcCni),
  coredns: Type.Optional(CoreAddon),
  'kube-proxy': Type.Optional(CoreAddon),
  'aws-ebs-csi-driver': Type.Optional(CoreAddon),
  'eks-pod-identity-agent': Type.Optional(CoreAddon),
}, { additionalProperties: false, description: `core EKS add-ons installed as EKS managed add-ons, by name: ${coreAddonNames.join(', ')}; none unless asked for (EKS runs self-managed vpc-cni, coredns and kube-proxy anyway)` });

export type EksAddonsSpec = Static<typeof EksAddons>;
export type CoreAddonSpec = Static<typeof CoreAddon> & Partial<Pick<Static<typeof VpcCni>, 'podSecurityGroups' | 'prefixDelegation'>>;

/** The requested core add-ons, in a fixed order (the names' order above). */
export function requestedCoreAddons(eksAddons: EksAddonsSpec | undefined): [CoreAddonName, CoreAddonSpec][] {
  return coreAddonNames.flatMap((name) => (eksAddons?.[name] ? [[name, eksAddons[name] as CoreAddonSpec] as [CoreAddonName, CoreAddonSpec]] : []));
}

/**
 * The ServiceAccount each add-on's pods run as (the one an IRSA role must trust), as the
 * add-ons' manifests name them: aws-node (amazon-vpc-cni-k8s), ebs-csi-controller-sa
 * (aws-ebs-csi-driver's controller; eksctl's wellKnownPolicies.ebsCSIController binds it too).
 */
export const coreAddonServiceAccounts: Record<CoreAddonName, { namespace: string; serviceAccount: string }> = {
  'vpc-cni': { namespace: 'kube-system', serviceAccount: 'aws-node' },
  coredns: { namespace: 'kube-system', serviceAccount: 'coredns' },
  'kube-proxy': { namespace: 'kube-system', serviceAccount: 'kube-proxy' },
  'aws-ebs-csi-driver': { namespace: 'kube-system', serviceAccount: 'ebs-csi-controller-sa' },
  'eks-pod-identity-agent': { namespace: 'kube-system', serviceAccount: 'eks-pod-identity-agent' },
};

/**
 * Add-ons whose pods are a Deployment: EKS reports them DEGRADED (InsufficientNumberOfReplicas)
 * until nodes can run them, so they go after the compute is Ready. The others are DaemonSets,
 * ACTIVE with zero nodes, and may start beside the node groups.
 */
export const coreAddonsNeedingNodes: ReadonlySet<CoreAddonName> = new Set(['coredns', 'aws-ebs-csi-driver']);

export const partitionOf = (region: string) => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

/** AWS managed policies the core add-ons use, in the region's partition. */
export const coreAddonPolicies = {
  ebsCsiDriver: (region: string) => `arn:${partitionOf(region)}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy`,
  vpcResourceController: (region: string) => `arn:${partitionOf(region)}:iam::aws:policy/AmazonEKSVPCResourceController`,
};

/**
 * What the VPC CNI needs in an IPv6 cluster, which AmazonEKS_CNI_Policy does not grant
 * (ec2:AssignIpv6Addresses): amazon-vpc-cni-k8s docs/iam-policy.md "IPv6 mode", the document
 * eksctl gives vpc-cni's role in an IPv6 cluster (pkg/actions/addon makeIPv6VPCCNIPolicyDocument).
 */
export function vpcCniIpv6Policy(region: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['ec2:AssignIpv6Addresses', 'ec2:DescribeInstances', 'ec2:DescribeTags', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeInstanceTypes'], Resource: '*' },
      { Effect: 'Allow', Action: ['ec2:CreateTags'], Resource: `arn:${partitionOf(region)}:ec2:*:*:network-interface/*` },
    ],
  };
}

export interface CoreAddonRole {
  namespace: string;
  serviceAccount: string;
  managedPolicyArns: string[];
  /** Policy name → document, put inline on the role. @default none */
  inlinePolicies?: Record<string, PolicyDocument>;
}

/**
 * The IRSA role eksflow makes for an add-on, or none (the add-on uses the node role, or a role
 * given). Policies given (managed, inline or both) are the role's; with none, the add-on's own
 * as eksctl picks them when an add-on sets none (pkg/actions/addon, hasPoliciesSet): the EBS CSI
 * driver's managed policy, and in an IPv6 cluster the VPC CNI's IPv6 document.
 */
export function coreAddonRole(name: CoreAddonName, options: CoreAddonSpec, region: string, ipFamily: 'ipv4' | 'ipv6' = 'ipv4'): CoreAddonRole | undefined {
  if (options.serviceAccountRoleArn) return undefined;
  const given = options.managedPolicyArns !== undefined || options.inlinePolicy !== undefined;
  const managedPolicyArns = options.managedPolicyArns ?? (!given && name === 'aws-ebs-csi-driver' ? [coreAddonPolicies.ebsCsiDriver(region)] : undefined);
  const inlinePolicies: Record<string, PolicyDocument> | undefined = options.inlinePolicy ? { inline: options.inlinePolicy as PolicyDocument }
    : !given && name === 'vpc-cni' && ipFamily === 'ipv6' ? { 'vpc-cni-ipv6': vpcCniIpv6Policy(region) } : undefined;
  if (!managedPolicyArns && !inlinePolicies) return undefined;
  return { ...coreAddonServiceAccounts[name], managedPolicyArns: managedPolicyArns ?? [], ...(inlinePolicies ? { inlinePolicies } : {}) };
}

/**
 * Extra managed policies for the cluster's own role: security groups for pods need the VPC
 * resource controller (EKS user guide, "Security groups for Pods": attach
 * AmazonEKSVPCResourceController to the cluster role).
 */
export function clusterRoleExtraPolicies(eksAddons: EksAddonsSpec | undefined, region: string): string[] {
  return eksAddons?.['vpc-cni']?.podSecurityGroups ? [coreAddonPolicies.vpcResourceController(region)] : [];
}

/**
 * What eksflow's own options put into an add-on's configurationValues: the vpc-cni environment
 * (amazon-vpc-cni-k8s README: ENABLE_POD_ENI, ENABLE_PREFIX_DELEGATION, WARM_PREFIX_TARGET,
 * strings as a container's env), and CoreDNS's `computeType: Fargate` on a cluster whose CoreDNS
 * runs on Fargate (else the managed add-on's OVERWRITE would restore the ec2 compute-type
 * annotation eksflow's coredns-fargate step removed; the aws-fault-catalog, entry 31, marks the
 * value as not confirmed against AWS: the simulated schema has it).
 */
export function configurationOverlay(name: CoreAddonName, options: CoreAddonSpec, { corednsOnFargate = false } = {}): Record<string, unknown> {
  if (name === 'coredns' && corednsOnFargate) return { computeType: 'Fargate' };
  if (name !== 'vpc-cni') return {};
  const env: Record<string, string> = {};
  if (options.podSecurityGroups) env.ENABLE_POD_ENI = 'true';
  if (options.prefixDelegation) {
    env.ENABLE_PREFIX_DELEGATION = 'true';
    env.WARM_PREFIX_TARGET = String(options.prefixDelegation.warmPrefixTarget ?? 1);
  }
  return Object.keys(env).length > 0 ? { env } : {};
}

/** One version DescribeAddonVersions lists for an add-on and a Kubernetes minor. */
export interface ListedAddonVersion {
  version: string;
  /** `compatibilities[].defaultVersion` for that minor. */
  isDefault: boolean;
}

/**
 * The version to install: the one asked for, if listed for the minor; `latest`, the highest
 * listed (eksctl's `latest`, pkg/actions/addon: the newest version compatible with the
 * cluster); left out, the minor's default (what EKS picks without --addon-version).
 */
export function chooseAddonVersion(requested: string | undefined, listed: ListedAddonVersion[], minor: string): { version: string } | { problem: string } {
  if (listed.length === 0) return { problem: `EKS lists no version of it for Kubernetes ${minor}` };
  const sorted = [...listed].sort((a, b) => compareAddonVersions(b.version, a.version));
  const offered = `for Kubernetes ${minor} EKS lists ${sorted.map((v) => `${v.version}${v.isDefault ? ' (default)' : ''}`).join(', ')}`;
  if (requested === 'latest') return { version: sorted[0]!.version };
  if (requested === undefined) {
    const fallback = sorted.find((v) => v.isDefault);
    return fallback ? { version: fallback.version } : { problem: `EKS marks no default version for Kubernetes ${minor}; give a version: ${offered}` };
  }
  // As eksctl does: a missing "v" is added, and a version without its build takes the newest build.
  const wanted = requested.startsWith('v') ? requested : `v${requested}`;
  const match = wanted.includes('-eksbuild.') ? sorted.find((v) => v.version === wanted) : sorted.find((v) => v.version.startsWith(`${wanted}-eksbuild.`));
  return match ? { version: match.version } : { problem: `version ${requested} is not offered: ${offered}; give one of them, latest, or leave version out for the default` };
}

/** Orders v1.20.4-eksbuild.3 by its numbers: major, minor, patch, build. */
export function compareAddonVersions(a: string, b: string): number {
  const parts = (v: string) => (v.match(/[0-9]+/g) ?? []).map(Number);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** An add-on as the run's check resolved it: all the create needs, small enough for history. */
export interface ResolvedCoreAddon {
  version: string;
  /** The configurationValues sent to EKS: JSON, validated against the version's schema. */
  configurationValues?: string;
}
export type ResolvedCoreAddons = Partial<Record<CoreAddonName, ResolvedCoreAddon>>;

/** Cross-field rules the schema cannot say, at their paths. */
export function eksAddonRuleErrors(eksAddons: unknown, app: unknown): { path: string; message: string }[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const errors = !isObject(eksAddons) ? [] : coreAddonNames.flatMap((name) => {
    const entry = eksAddons[name];
    return isObject(entry) && entry.serviceAccountRoleArn !== undefined && entry.managedPolicyArns !== undefined
      ? [{ path: `/eksAddons/${name}/managedPolicyArns`, message: 'give serviceAccountRoleArn (a role you made) or managedPolicyArns (eksflow makes the role), not both' }]
      : [];
  });
  const vpcCni = isObject(eksAddons) && isObject(eksAddons['vpc-cni']) ? eksAddons['vpc-cni'] : undefined;
  if (isObject(app) && app.securityGroupIds !== undefined && vpcCni?.podSecurityGroups !== true) {
    errors.push({ path: '/app/securityGroupIds', message: 'security groups for pods need the VPC CNI to give pods their own ENIs: set eksAddons.vpc-cni.podSecurityGroups to true, or remove securityGroupIds' });
  }
  return errors;
}
