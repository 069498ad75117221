import type { Cluster as SdkCluster, CreateClusterCommandInput, IpFamily, ProvisionedControlPlaneTier, SupportType, VpcConfigRequest } from '@aws-sdk/client-eks';
import type { ClusterCreateSettings } from '../../domain/cluster-settings-rules';
import type { EndpointAccessSpec } from '../../domain/cluster-settings';

/**
 * CreateCluster's parameters for the cluster settings (src/domain/cluster-settings.ts), and
 * DescribeCluster's answer read back into the same shape: what was asked is what is checked.
 * Field names as the EKS API has them (and as Terraform's aws_eks_cluster maps its
 * vpc_config, encryption_config, kubernetes_network_config, zonal_shift_config,
 * upgrade_policy and control_plane_scaling_config blocks onto them).
 */

/** resourcesVpcConfig's endpoint fields. EKS's defaults (public on, private off, 0.0.0.0/0) when not asked. */
export function endpointRequest(settings: ClusterCreateSettings | undefined): Pick<VpcConfigRequest, 'endpointPublicAccess' | 'endpointPrivateAccess' | 'publicAccessCidrs'> {
  const access = settings?.endpointAccess;
  if (!access) return {};
  return { endpointPublicAccess: access.public, endpointPrivateAccess: access.private, ...(access.publicAccessCidrs ? { publicAccessCidrs: access.publicAccessCidrs } : {}) };
}

/**
 * UpdateClusterConfig's resourcesVpcConfig for a change of endpoint access. Unlike a create, the
 * CIDRs are always sent with a public endpoint: EKS keeps a cluster's old list when an update
 * leaves it out, so a spec that drops its list (everyone may reach the endpoint) asks for
 * 0.0.0.0/0, EKS's own default, explicitly.
 */
export function endpointUpdateRequest(access: EndpointAccessSpec): VpcConfigRequest {
  return {
    endpointPublicAccess: access.public, endpointPrivateAccess: access.private,
    ...(access.public ? { publicAccessCidrs: access.publicAccessCidrs ?? ['0.0.0.0/0'] } : {}),
  };
}

/** The rest of CreateCluster's request for the settings; nothing for a spec without them. */
export function settingsRequest(settings: ClusterCreateSettings | undefined): Partial<CreateClusterCommandInput> {
  if (!settings) return {};
  const { secretsKeyArn, kubernetesNetwork, zonalShift, supportType, controlPlaneTier } = settings;
  return {
    ...(secretsKeyArn ? { encryptionConfig: [{ resources: ['secrets'], provider: { keyArn: secretsKeyArn } }] } : {}),
    ...(kubernetesNetwork ? { kubernetesNetworkConfig: { ipFamily: kubernetesNetwork.ipFamily as IpFamily, ...(kubernetesNetwork.serviceIpv4Cidr ? { serviceIpv4Cidr: kubernetesNetwork.serviceIpv4Cidr } : {}) } } : {}),
    ...(zonalShift !== undefined ? { zonalShiftConfig: { enabled: zonalShift } } : {}),
    ...(supportType ? { upgradePolicy: { supportType: supportType as SupportType } } : {}),
    ...(controlPlaneTier ? { controlPlaneScalingConfig: { tier: controlPlaneTier as ProvisionedControlPlaneTier } } : {}),
  };
}

/** DescribeCluster's view of the same settings; only what the backend reports (moto reports few). */
export function settingsOf(cluster: SdkCluster): ClusterCreateSettings {
  const vpc = cluster.resourcesVpcConfig;
  const keyArn = cluster.encryptionConfig?.find((config) => config.resources?.includes('secrets'))?.provider?.keyArn;
  const network = cluster.kubernetesNetworkConfig;
  return {
    ...(vpc && (vpc.endpointPublicAccess !== undefined || vpc.endpointPrivateAccess !== undefined) ? {
      endpointAccess: { public: vpc.endpointPublicAccess ?? true, private: vpc.endpointPrivateAccess ?? false, ...(vpc.publicAccessCidrs ? { publicAccessCidrs: vpc.publicAccessCidrs } : {}) },
    } : {}),
    ...(keyArn ? { secretsKeyArn: keyArn } : {}),
    ...(network?.ipFamily || network?.serviceIpv4Cidr ? {
      kubernetesNetwork: { ipFamily: (network.ipFamily ?? 'ipv4') as 'ipv4' | 'ipv6', ...(network.serviceIpv4Cidr ? { serviceIpv4Cidr: network.serviceIpv4Cidr } : {}) },
    } : {}),
    ...(cluster.zonalShiftConfig?.enabled !== undefined ? { zonalShift: cluster.zonalShiftConfig.enabled } : {}),
    ...(cluster.upgradePolicy?.supportType ? { supportType: cluster.upgradePolicy.supportType as 'STANDARD' | 'EXTENDED' } : {}),
    ...(cluster.controlPlaneScalingConfig?.tier ? { controlPlaneTier: cluster.controlPlaneScalingConfig.tier } : {}),
  };
}
