import type { Readers } from './eksctl-cluster-config';
import type { Fields } from './eksctl-values';

/**
 * eksctl's `kubernetesNetworkConfig.ipFamily: IPv6`, read as eksctl validates and builds it
 * (pkg/apis/eksctl.io/v1alpha5/validation.go ValidateVPCConfig and
 * validateKubernetesNetworkConfig; pkg/cfn/builder/vpc_ipv6.go): a VPC eksctl makes is dual
 * stack without being asked (network.vpc.ipv6, the egress-only gateway with it), and what
 * eksctl refuses beside IPv6 is refused here with eksctl's reason. The Service range, the
 * managed add-ons and self-managed groups are the spec's own rules (cluster-settings-rules.ts).
 */
export function translateIpFamily(config: Fields, { put, fail, mapping }: Readers): void {
  const network = mapping(config.kubernetesNetworkConfig, '/kubernetesNetworkConfig');
  if (String(network?.ipFamily ?? '').toLowerCase() !== 'ipv6') return;
  const vpc = mapping(config.vpc, '/vpc') ?? {};
  if (vpc.autoAllocateIPv6 === true) fail('/vpc/autoAllocateIPv6', 'eksctl refuses it with ipFamily IPv6 ("auto allocate ipv6 is not supported with IPv6"): an IPv6 cluster\'s VPC gets its IPv6 block anyway; remove it');
  if (vpc.nat !== undefined) fail('/vpc/nat', 'eksctl refuses it with ipFamily IPv6 ("setting NAT is not supported with IPv6"): the IPv6 VPC has one NAT gateway for IPv4 and an egress-only gateway for IPv6; remove nat');
  const iam = mapping(config.iam, '/iam');
  if (iam?.withOIDC !== true) fail('/kubernetesNetworkConfig/ipFamily', 'IPv6 needs iam.withOIDC: true, as eksctl requires ("oidc needs to be enabled if IPv6 is set"): vpc-cni gets its IPv6 permissions through IRSA');
  // Existing subnets are the user's: EKS itself refuses an IPv6 cluster on subnets without IPv6 blocks.
  if (vpc.subnets === undefined) put('/network/vpc/ipv6', true, '/kubernetesNetworkConfig/ipFamily');
}
