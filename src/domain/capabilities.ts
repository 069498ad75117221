import { Type, type SchemaOptions, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { AccessPolicy } from './access-entries';
import { boundedName } from './names';
import type { SpecError } from './environment-spec';

/**
 * EKS capabilities (managed ACK, kro and Argo CD running in EKS, not on the nodes) and EKS Hybrid
 * Nodes (remote networks and the role on-premises nodes join with): the spec's part, its rules
 * and what the plan and the activities derive from it. Pure.
 *
 * Capabilities follow eksctl (pkg/apis/eksctl.io/v1alpha5/capability.go, pkg/actions/capability/creator.go,
 * pkg/cfn/builder/capability.go) and the EKS API (CreateCapability): a role trusting
 * capabilities.eks.amazonaws.com is made when roleArn is not given, with attachPolicyArns; EKS
 * makes the role's access entry itself, and the accessPolicies are associated to it once it is there.
 * Hybrid nodes follow eksctl's `remoteNetworkConfig` (userdocs "EKS Hybrid Nodes"): the remote
 * networks go on CreateCluster, and the Hybrid Nodes IAM role (SSM) gets an access entry of type HYBRID_LINUX.
 */

function literals<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> {
  return Type.Union(values.map((value) => Type.Literal(value)), options) as never;
}

const RoleArn = Type.String({ pattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$', description: 'an IAM role ARN' });
const ManagedPolicyArn = Type.String({ pattern: '^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/[\\w+=,.@/-]+$', description: 'an IAM managed policy ARN' });
const CapabilityTags = Type.Record(
  Type.String({ minLength: 1, maxLength: 128, pattern: '^(?!aws:)(?!eksflow\\.io/)[A-Za-z0-9 _.:/=+\\-@]+$' }),
  Type.String({ maxLength: 256 }),
  { maxProperties: 40, description: 'tags for the capability and its role, beside the environment\'s' },
);

export const capabilityTypes = ['ACK', 'KRO', 'ARGOCD'] as const;
// IAM Identity Center's instance ARN pattern (Multi-party approval API reference, IamIdentityCenter InstanceArn).
export const idcInstanceArnPattern = '^arn:aws[a-z-]*:sso:::instance/(sso)?ins-[a-zA-Z0-9.-]{16}$';
// What the spec takes: an Identity Center instance ARN by its prefix, as eksctl reads it (as written,
// src/domain/aws-ids.ts); one not in IAM Identity Center's form is a plan warning (capabilityWarnings).
const idcInstanceArnPrefix = '^arn:aws[a-z-]*:sso:::instance/\\S';

export const ArgoCdConfig = Type.Object({
  namespace: Type.Optional(Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63, description: 'where Argo CD\'s resources go (EKS\'s default when left out)' })),
  idcInstanceArn: Type.String({ pattern: idcInstanceArnPrefix, maxLength: 2048, description: 'the IAM Identity Center instance Argo CD signs users in with (arn:aws:sso:::instance/ssoins-…; aws sso-admin list-instances)' }),
  idcRegion: Type.Optional(Type.String({ pattern: '^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$', description: 'the Identity Center instance\'s region, when not the cluster\'s' })),
  rbacRoleMappings: Type.Optional(Type.Array(Type.Object({
    role: literals(['ADMIN', 'EDITOR', 'VIEWER'] as const),
    identities: Type.Array(Type.Object({
      id: Type.String({ minLength: 1, maxLength: 256 }),
      type: literals(['SSO_USER', 'SSO_GROUP'] as const),
    }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
  }, { additionalProperties: false }), { maxItems: 3 })),
  vpceIds: Type.Optional(Type.Array(Type.String({ pattern: '^vpce-[0-9a-f]{8,17}$' }), { minItems: 1, maxItems: 10, uniqueItems: true, description: 'VPC endpoints that alone reach the Argo CD server (no public access)' })),
}, { additionalProperties: false, description: 'Argo CD\'s configuration (CreateCapability configuration.argoCd)' });

export const Capability = Type.Object({
  // CreateCapability: "alphanumeric characters, hyphens, and underscores".
  name: Type.String({ pattern: '^[0-9A-Za-z][A-Za-z0-9_-]{0,63}$' }),
  type: literals(capabilityTypes, { description: 'ACK (AWS Controllers for Kubernetes), KRO (Kube Resource Orchestrator) or ARGOCD' }),
  roleArn: Type.Optional({ ...RoleArn, description: 'the capability\'s role (trusting capabilities.eks.amazonaws.com); eksflow makes <name>-capability-<capability> when left out' }),
  attachPolicyArns: Type.Optional(Type.Array(ManagedPolicyArn, { maxItems: 10, uniqueItems: true, description: 'managed policies for the role eksflow makes (ACK needs the ones for the AWS resources it manages; kro none)' })),
  accessPolicies: Type.Optional(Type.Array(AccessPolicy, { maxItems: 4, description: 'EKS access policies associated to the access entry EKS makes for the capability\'s role' })),
  argoCd: Type.Optional(ArgoCdConfig),
  tags: Type.Optional(CapabilityTags),
}, { additionalProperties: false, description: 'an EKS capability (CreateCapability); deleted with deletePropagationPolicy RETAIN, the only one EKS takes: what it made in the cluster stays' });

const Cidrs = Type.Array(Type.String({
  pattern: '^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}/([8-9]|[12][0-9]|3[0-2])$', description: 'an RFC 1918 IPv4 CIDR block, /8 to /32',
}), { minItems: 1, maxItems: 15, uniqueItems: true });

export const RemoteNetwork = Type.Object({
  remoteNodeNetworks: Type.Array(Type.Object({ cidrs: Cidrs }, { additionalProperties: false }), { minItems: 1, maxItems: 1, description: 'where the hybrid nodes\' addresses are' }),
  remotePodNetworks: Type.Optional(Type.Array(Type.Object({ cidrs: Cidrs }, { additionalProperties: false }), { maxItems: 1, description: 'where the pods on hybrid nodes get addresses (for webhooks on them)' })),
  nodeRoleArn: Type.Optional({ ...RoleArn, description: 'the Hybrid Nodes IAM role; eksflow makes <name>-hybrid-nodes (SSM hybrid activations) when left out' }),
}, { additionalProperties: false, description: 'EKS Hybrid Nodes: on-premises nodes joining through SSM hybrid activations; eksflow makes no gateway or route to the remote networks' });

export type CapabilitySpec = Static<typeof Capability>;
export type RemoteNetworkSpec = Static<typeof RemoteNetwork>;

/** The spec fields, each optional. */
export const capabilitySettings = {
  capabilities: Type.Optional(Type.Array(Capability, { maxItems: 10, description: 'EKS capabilities: managed ACK, kro and Argo CD' })),
  remoteNetwork: Type.Optional(RemoteNetwork),
} as const;

/** The role eksflow makes for a capability without roleArn. */
export const capabilityRoleName = (environment: string, capability: string) => boundedName([environment, 'capability', capability], 64);
/** The Hybrid Nodes IAM role eksflow makes without nodeRoleArn. */
export const hybridNodesRoleName = (environment: string) => boundedName([environment, 'hybrid-nodes'], 64);

/** A capability's ledger name: "cluster/capability" (cluster names have no "/"). */
export const capabilityLedgerName = (cluster: string, capability: string) => `${cluster}/${capability}`;

/** The only delete propagation policy CreateCapability takes (EKS API reference, CreateCapability deletePropagationPolicy). */
export const capabilityDeletePropagation = 'RETAIN';

/**
 * The Hybrid Nodes IAM role for SSM hybrid activations, as the EKS user guide asks ("Prepare
 * credentials for hybrid nodes"): trusted by ssm.amazonaws.com; eks:DescribeCluster (and
 * eks:ListAccessEntries) for nodeadm; AmazonEC2ContainerRegistryPullOnly for the kubelet's images;
 * AmazonSSMManagedInstanceCore for the activation; ssm:DeregisterManagedInstance and
 * ssm:DescribeInstanceInformation for `nodeadm uninstall`.
 */
export function hybridNodesRolePolicies(partition: string, region: string, cluster: string): { managedPolicyArns: string[]; inlinePolicies: Record<string, object> } {
  return {
    managedPolicyArns: [`arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`, `arn:${partition}:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly`],
    inlinePolicies: {
      'hybrid-nodes': {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['eks:DescribeCluster', 'eks:ListAccessEntries'], Resource: `arn:${partition}:eks:${region}:*:cluster/${cluster}` },
          { Effect: 'Allow', Action: ['ssm:DeregisterManagedInstance', 'ssm:DescribeInstanceInformation'], Resource: '*' },
        ],
      },
    },
  };
}

const ipv4 = (cidr: string): { base: number; bits: number } => {
  const [address = '', bits = '32'] = cidr.split('/');
  const base = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = Number(bits);
  return { base: size === 0 ? 0 : (base >>> (32 - size)) << (32 - size) >>> 0, bits: size };
};
/** Whether two IPv4 blocks share an address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = ipv4(a);
  const y = ipv4(b);
  const bits = Math.min(x.bits, y.bits);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((x.base & mask) >>> 0) === ((y.base & mask) >>> 0);
}
const rfc1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
/** Whether a block lies inside one of RFC 1918's private ranges. */
export const isPrivateBlock = (cidr: string) => rfc1918.some((range) => cidrsOverlap(range, cidr) && ipv4(cidr).bits >= ipv4(range).bits);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What the schema cannot say, each at its path with its reason (EKS API reference: CreateCapability,
 * RemoteNodeNetwork, RemotePodNetwork): unique capability names, Argo CD's configuration only (and
 * always) for ARGOCD, policies only for a role eksflow makes; remote networks private, apart from
 * each other, from the VPC and from the Services' range.
 */
export function capabilityProblems(spec: Record<string, unknown>): SpecError[] {
  const errors: SpecError[] = [];
  const seen = new Map<string, number>();
  (Array.isArray(spec.capabilities) ? spec.capabilities : []).forEach((capability, i) => {
    if (!isObject(capability)) return;
    const at = `/capabilities/${i}`;
    if (typeof capability.name === 'string') {
      const first = seen.get(capability.name);
      if (first !== undefined) errors.push({ path: `${at}/name`, message: `capability name "${capability.name}" is already used by /capabilities/${first}; EKS names a capability once per cluster` });
      else seen.set(capability.name, i);
    }
    if (capability.type === 'ARGOCD' && !isObject(capability.argoCd)) errors.push({ path: `${at}/argoCd`, message: 'is required for an ARGOCD capability: give idcInstanceArn, the IAM Identity Center instance Argo CD signs users in with (eksctl refuses it without awsIdc too)' });
    if (capability.type !== 'ARGOCD' && capability.argoCd !== undefined) errors.push({ path: `${at}/argoCd`, message: `is Argo CD's configuration; a ${String(capability.type)} capability takes none: remove it` });
    if (capability.roleArn !== undefined && capability.attachPolicyArns !== undefined) {
      errors.push({ path: `${at}/attachPolicyArns`, message: 'are attached to the role eksflow makes, and roleArn names your own: attach them to that role yourself, or leave roleArn out' });
    }
  });
  const remote = isObject(spec.remoteNetwork) ? spec.remoteNetwork : undefined;
  if (remote) {
    const blocks = (key: 'remoteNodeNetworks' | 'remotePodNetworks') => (Array.isArray(remote[key]) ? remote[key] as unknown[] : []).flatMap((network, i) =>
      (isObject(network) && Array.isArray(network.cidrs) ? network.cidrs : []).flatMap((cidr, j) => (typeof cidr === 'string' ? [{ cidr, path: `/remoteNetwork/${key}/${i}/cidrs/${j}` }] : [])));
    const nodes = blocks('remoteNodeNetworks');
    const pods = blocks('remotePodNetworks');
    const network = isObject(spec.network) ? spec.network : {};
    const vpcCidr = isObject(network.vpc) && typeof network.vpc.cidr === 'string' ? network.vpc.cidr : undefined;
    const serviceCidr = isObject(spec.kubernetesNetwork) && typeof spec.kubernetesNetwork.serviceIpv4Cidr === 'string' ? spec.kubernetesNetwork.serviceIpv4Cidr : undefined;
    const all = [...nodes, ...pods];
    all.forEach(({ cidr, path }, k) => {
      if (!/^[0-9.]+\/[0-9]+$/.test(cidr)) return;
      if (!isPrivateBlock(cidr)) errors.push({ path, message: `${cidr} is not within an RFC 1918 range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16); EKS refuses publicly routable remote networks` });
      if (vpcCidr && cidrsOverlap(cidr, vpcCidr)) errors.push({ path, message: `${cidr} overlaps the VPC's ${vpcCidr}; remote networks must lie outside it (EKS), so choose another block or another network.vpc.cidr` });
      if (serviceCidr && cidrsOverlap(cidr, serviceCidr)) errors.push({ path, message: `${cidr} overlaps the Services' ${serviceCidr}; EKS refuses that` });
      const clash = all.slice(0, k).find((other) => /^[0-9.]+\/[0-9]+$/.test(other.cidr) && cidrsOverlap(other.cidr, cidr));
      if (clash) errors.push({ path, message: `${cidr} overlaps ${clash.cidr} (${clash.path}); EKS takes remote node and pod networks that do not overlap` });
    });
    if (isObject(spec.access) && spec.access.authenticationMode === 'CONFIG_MAP') {
      errors.push({ path: '/access/authenticationMode', message: 'hybrid nodes join through an access entry (HYBRID_LINUX): use API or API_AND_CONFIG_MAP' });
    }
  }
  return errors;
}

/** The plan's words for a capability. */
export function capabilityTitle(environment: string, capability: CapabilitySpec): string {
  const role = capability.roleArn ? `role ${capability.roleArn}` : `IAM role ${capabilityRoleName(environment, capability.name)}${capability.attachPolicyArns?.length ? ` (${capability.attachPolicyArns.map((arn) => arn.split('/').pop()).join(', ')})` : ''}`;
  const policies = capability.accessPolicies?.length ? `, then associate ${capability.accessPolicies.map((p) => p.policy).join(', ')} to the access entry EKS makes for it` : '';
  return `create ${capability.type} capability ${capability.name} with ${role} and wait until ACTIVE${policies}`;
}

/**
 * Capability values AWS would refuse as written: an Identity Center instance ARN not in its form
 * (the example's `ssoins-<SSO Instance ID>` placeholder). CreateCapability would fail on it and
 * the run roll back; the plan says so first, as it does for IDs (src/domain/aws-ids.ts).
 */
export function capabilityWarnings(spec: { capabilities?: CapabilitySpec[] }): { path: string; message: string }[] {
  return (spec.capabilities ?? []).flatMap((capability, i) => {
    const arn = capability.argoCd?.idcInstanceArn;
    if (arn === undefined || new RegExp(idcInstanceArnPattern).test(arn)) return [];
    const shown = arn.length > 60 ? `${arn.slice(0, 60)}…` : arn;
    return [{ path: `/capabilities/${i}/argoCd/idcInstanceArn`, message: `"${shown}" is not in IAM Identity Center's form (arn:aws:sso:::instance/ssoins- and 16 letters or digits): CreateCapability would refuse it and the run roll back; give your instance's ARN (aws sso-admin list-instances)` }];
  });
}
