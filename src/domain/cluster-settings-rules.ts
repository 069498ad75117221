import type { EndpointAccessSpec } from './cluster-settings';
import type { EnvironmentSpec, NetworkSpec, SpecError } from './environment-spec';

/**
 * The cluster and network settings' rules a schema cannot say, and what CreateCluster is
 * asked for because of them. Pure: the spec's parse runs the rules, the cluster activity
 * sends the settings.
 */

/** CloudWatch Logs' retentions (PutRetentionPolicy refuses any other). */
export const logRetentionDays = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** The alias of the KMS key eksflow makes for an environment's Secrets. */
export const secretsKeyAliasOf = (environment: string) => `alias/eksflow/${environment}`;

/**
 * The cluster role's inline policy for the Secrets key: EKS uses the key as the cluster role.
 * The actions terraform-aws-modules/terraform-aws-eks grants its cluster role for its
 * encryption key (kms:Encrypt, kms:Decrypt, kms:ListGrants, kms:DescribeKey).
 */
export const secretsKeyPolicyName = 'secrets-encryption';
export const secretsKeyPolicy = (keyArn: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ListGrants', 'kms:DescribeKey'], Resource: keyArn }],
});

/** CreateCluster's settings beyond name, version, role, subnets, logging and access (src/activities/aws/eks.ts sends them). */
export interface ClusterCreateSettings {
  /** resourcesVpcConfig endpointPublicAccess / endpointPrivateAccess / publicAccessCidrs. */
  endpointAccess?: { public: boolean; private: boolean; publicAccessCidrs?: string[] };
  /** encryptionConfig [{ resources: ['secrets'], provider: { keyArn } }]. */
  secretsKeyArn?: string;
  /** kubernetesNetworkConfig. */
  kubernetesNetwork?: { serviceIpv4Cidr?: string; ipFamily: 'ipv4' | 'ipv6' };
  /** zonalShiftConfig.enabled. */
  zonalShift?: boolean;
  /** upgradePolicy.supportType. */
  supportType?: 'STANDARD' | 'EXTENDED';
  /** controlPlaneScalingConfig.tier. */
  controlPlaneTier?: string;
}

type SettingsSpec = Partial<Pick<EnvironmentSpec, 'endpointAccess' | 'kubernetesNetwork' | 'zonalShift' | 'supportType' | 'controlPlaneTier'>>;

/** What the spec asks CreateCluster for; empty for a spec without these settings (CreateCluster as before). */
export function clusterCreateSettings(spec: SettingsSpec, secretsKeyArn?: string): ClusterCreateSettings {
  const { endpointAccess, kubernetesNetwork, zonalShift, supportType, controlPlaneTier } = spec;
  return {
    ...(endpointAccess ? { endpointAccess: { public: endpointAccess.public, private: endpointAccess.private, ...(endpointAccess.publicAccessCidrs ? { publicAccessCidrs: [...endpointAccess.publicAccessCidrs] } : {}) } } : {}),
    ...(secretsKeyArn ? { secretsKeyArn } : {}),
    ...(kubernetesNetwork ? { kubernetesNetwork: { ipFamily: kubernetesNetwork.ipFamily, ...(kubernetesNetwork.serviceIpv4Cidr ? { serviceIpv4Cidr: kubernetesNetwork.serviceIpv4Cidr } : {}) } } : {}),
    ...(zonalShift !== undefined ? { zonalShift } : {}),
    ...(supportType ? { supportType } : {}),
    ...(controlPlaneTier ? { controlPlaneTier } : {}),
  };
}

/**
 * With the public endpoint off, "all traffic to the cluster's API server must originate from
 * within your VPC or from a network directly connected to it" (EKS Best Practices Guide, cluster
 * endpoint access): the worker talks to the API (nodes, add-ons, the app), so it must run there.
 * eksctl's cluster-endpoint docs say the same of eksctl itself (it will not create a private-only
 * cluster it could not then reach). Said in the plan, not refused.
 */
export function privateEndpointNote(access: EndpointAccessSpec | undefined): string | undefined {
  return access && !access.public ? 'public endpoint off: the eksflow worker must run inside the VPC (or reach it privately) to talk to the Kubernetes API' : undefined;
}

/** The settings as the cluster step's title names them; '' for a spec without them (the title as before). */
export function clusterSettingsText(spec: Partial<EnvironmentSpec>): string {
  const parts: string[] = [];
  const access = spec.endpointAccess;
  if (access) parts.push(`endpoint ${[access.public ? `public${access.publicAccessCidrs ? ` from ${access.publicAccessCidrs.join(', ')}` : ''}` : '', access.private ? 'private' : ''].filter(Boolean).join(' and ')}`);
  if (spec.secretsEncryption) parts.push(`Secrets encrypted with ${spec.secretsEncryption.keyArn ?? `KMS key ${secretsKeyAliasOf(spec.name ?? '')}`}`);
  if (spec.kubernetesNetwork) parts.push(`${spec.kubernetesNetwork.ipFamily}${spec.kubernetesNetwork.serviceIpv4Cidr ? ` Services in ${spec.kubernetesNetwork.serviceIpv4Cidr}` : ''}`);
  if (spec.zonalShift !== undefined) parts.push(`zonal shift ${spec.zonalShift ? 'on' : 'off'}`);
  if (spec.supportType) parts.push(`${spec.supportType} support`);
  if (spec.controlPlaneTier) parts.push(`control plane ${spec.controlPlaneTier}`);
  const network = spec.network;
  if (network?.vpcId) parts.push(`subnets checked to be in ${network.vpcId} first`);
  if (network?.controlPlaneSubnetIds) parts.push(`control plane in ${network.controlPlaneSubnetIds.join(', ')}`);
  if (network?.vpc?.controlPlaneOnPrivateSubnets) parts.push('control plane in the private subnets');
  const note = privateEndpointNote(access);
  return `${parts.length > 0 ? ` (${parts.join('; ')})` : ''}${note ? ` — ${note}` : ''}`;
}

const ipv4 = (cidr: string): { base: number; bits: number } | undefined => {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return { base: octets.reduce((n, o) => n * 256 + o, 0), bits: Number(match[5]) };
};
const size = (bits: number) => 2 ** (32 - bits);
const contains = (outer: { base: number; bits: number }, inner: { base: number; bits: number }) =>
  inner.bits >= outer.bits && Math.floor(inner.base / size(outer.bits)) === Math.floor(outer.base / size(outer.bits));
const overlaps = (a: { base: number; bits: number }, b: { base: number; bits: number }) => contains(a, b) || contains(b, a);
const rfc1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
const dotted = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/** The rules of the cluster and network settings, each at its path. Looks only at parts whose shape it can trust. */
export function clusterSettingsProblems(spec: Partial<EnvironmentSpec>): SpecError[] {
  const errors: SpecError[] = [];
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  const access = isObject(spec.endpointAccess) ? spec.endpointAccess : undefined;
  if (access && access.public === false && access.private === false) {
    errors.push({ path: '/endpointAccess', message: 'public and private are both false: nothing could reach the Kubernetes API; turn on at least one (private: true keeps it inside the VPC)' });
  }
  if (access && access.public === false && Array.isArray(access.publicAccessCidrs)) {
    errors.push({ path: '/endpointAccess/publicAccessCidrs', message: 'limits who reaches the public endpoint, which is off (public: false); leave it out or turn public on' });
  }
  const network = isObject(spec.network) ? spec.network as NetworkSpec : undefined;
  const k8sNetwork = isObject(spec.kubernetesNetwork) ? spec.kubernetesNetwork : undefined;
  if (typeof k8sNetwork?.serviceIpv4Cidr === 'string') {
    // EKS's rules for the Services' range (CreateCluster KubernetesNetworkConfigRequest.serviceIpv4Cidr).
    const cidr = ipv4(k8sNetwork.serviceIpv4Cidr);
    const at = '/kubernetesNetwork/serviceIpv4Cidr';
    if (cidr) {
      if (!rfc1918.some((range) => contains(ipv4(range)!, cidr))) errors.push({ path: at, message: `${k8sNetwork.serviceIpv4Cidr} is not within ${rfc1918.join(', ')}` });
      else if (cidr.bits < 12 || cidr.bits > 24) errors.push({ path: at, message: `${k8sNetwork.serviceIpv4Cidr} is a /${cidr.bits}; EKS takes /12 to /24` });
      else if (cidr.base % size(cidr.bits) !== 0) errors.push({ path: at, message: `${k8sNetwork.serviceIpv4Cidr} is not a network address; did you mean ${dotted(cidr.base - (cidr.base % size(cidr.bits)))}/${cidr.bits}?` });
      const vpcCidr = typeof network?.vpc?.cidr === 'string' ? ipv4(network.vpc.cidr) : undefined;
      if (vpcCidr && overlaps(vpcCidr, cidr)) errors.push({ path: at, message: `${k8sNetwork.serviceIpv4Cidr} overlaps the VPC's ${network!.vpc!.cidr}: Service and pod addresses must not collide` });
    }
  }
  if (k8sNetwork?.ipFamily === 'ipv6') {
    // EKS gives an IPv6 cluster's Services an IPv6 range of its own (CreateCluster
    // KubernetesNetworkConfigRequest: serviceIpv4Cidr is for ipv4 only; eksctl: "service IPv4 CIDR is not supported with IPv6").
    if (k8sNetwork.serviceIpv4Cidr !== undefined) errors.push({ path: '/kubernetesNetwork/serviceIpv4Cidr', message: 'is for an ipv4 cluster: EKS picks an IPv6 cluster\'s Service range itself; leave it out' });
    // eksctl: "unmanaged nodegroups are not yet supported with IPv6 clusters" (userdocs "IPv6 Support");
    // EKS: no Windows nodes in an IPv6 cluster (user guide, "Learn about IPv6 addresses to clusters, Pods, and services").
    (Array.isArray(spec.nodeGroups) ? spec.nodeGroups : []).forEach((group, i) => {
      if (!isObject(group)) return;
      if (group.kind === 'self-managed') errors.push({ path: `/nodeGroups/${i}/kind`, message: 'self-managed node groups are not offered in an ipv6 cluster (eksctl does not make them either): make it a managed group' });
      else if (typeof group.amiType === 'string' && group.amiType.startsWith('WINDOWS_')) errors.push({ path: `/nodeGroups/${i}/amiType`, message: 'EKS runs no Windows nodes in an ipv6 cluster; use a Linux AMI type or an ipv4 cluster' });
    });
    // eksctl refuses an IPv6 cluster without these managed add-ons defined (eksctl userdocs "IPv6 Support":
    // OIDC on, vpc-cni, coredns and kube-proxy listed); pods get IPv6 addresses only from a dual-stack VPC.
    if (network?.vpc && network.vpc.ipv6 !== true) {
      errors.push({ path: '/kubernetesNetwork/ipFamily', message: 'ipv6 needs a VPC with IPv6: set network.vpc.ipv6 to true (or give existing dual-stack subnetIds)' });
    }
    const eksAddons: Record<string, unknown> = isObject(spec.eksAddons) ? spec.eksAddons : {};
    const missing = ['vpc-cni', 'coredns', 'kube-proxy'].filter((name) => eksAddons[name] === undefined);
    if (missing.length > 0) errors.push({ path: '/kubernetesNetwork/ipFamily', message: `ipv6 needs the EKS add-ons vpc-cni, coredns and kube-proxy; add ${missing.map((m) => `eksAddons.${m}: {}`).join(', ')}` });
  }
  if (spec.controlPlaneLogRetentionDays !== undefined) {
    const days = spec.controlPlaneLogRetentionDays;
    if (!(logRetentionDays as readonly number[]).includes(days)) {
      const nearest = logRetentionDays.reduce((best, d) => (Math.abs(d - days) < Math.abs(best - days) ? d : best));
      errors.push({ path: '/controlPlaneLogRetentionDays', message: `${days} is not one of CloudWatch Logs' retentions (${logRetentionDays.join(', ')}); the nearest is ${nearest}` });
    }
    if (Array.isArray(spec.controlPlaneLogging) && spec.controlPlaneLogging.length === 0) {
      errors.push({ path: '/controlPlaneLogRetentionDays', message: 'there are no control-plane logs to keep: list the log types in controlPlaneLogging' });
    }
  }
  if (network) errors.push(...networkProblems(network, spec));
  return errors;
}

function networkProblems(network: NetworkSpec, spec: Partial<EnvironmentSpec>): SpecError[] {
  const errors: SpecError[] = [];
  const subnetIds = Array.isArray(network.subnetIds) ? network.subnetIds : undefined;
  const existingOnly = (field: string, what: string) => errors.push({ path: `/network/${field}`, message: `${what} belongs to existing subnetIds; a VPC eksflow creates ${field === 'controlPlaneSubnetIds' ? 'takes vpc.controlPlaneOnPrivateSubnets' : 'needs no such hint'}` });
  if (network.vpc) {
    if (network.vpcId !== undefined) existingOnly('vpcId', 'vpcId');
    if (network.publicSubnetIds !== undefined) existingOnly('publicSubnetIds', 'publicSubnetIds');
    if (network.controlPlaneSubnetIds !== undefined && network.vpc.controlPlaneOnPrivateSubnets) {
      errors.push({ path: '/network/vpc/controlPlaneOnPrivateSubnets', message: 'the control plane\'s subnets are named in controlPlaneSubnetIds: give one of the two' });
    }
  }
  if (subnetIds && Array.isArray(network.publicSubnetIds)) {
    network.publicSubnetIds.forEach((id, i) => {
      if (!subnetIds.includes(id)) errors.push({ path: `/network/publicSubnetIds/${i}`, message: `${id} is not one of subnetIds; list it there too` });
    });
    // Fargate pods and nodes without public IPs go in the other subnets: some must be left for them.
    const needPrivate = (Array.isArray(spec.fargateProfiles) && spec.fargateProfiles.length > 0)
      || (Array.isArray(spec.nodeGroups) && spec.nodeGroups.some((group) => (group as { privateNetworking?: boolean }).privateNetworking !== false));
    if (needPrivate && network.publicSubnetIds.length > 0 && subnetIds.every((id) => network.publicSubnetIds!.includes(id))) {
      errors.push({ path: '/network/publicSubnetIds', message: 'every subnet is public: nodes without public IPs and Fargate pods need at least one private subnet among subnetIds' });
    }
  }
  return errors;
}
