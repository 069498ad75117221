import type { Readers } from './eksctl-cluster-config';
import { defined, quote, type Fields } from './eksctl-values';

/**
 * eksctl's cluster-wide settings (pkg/apis/eksctl.io/v1alpha5/types.go ClusterConfig) read as
 * the spec's cluster settings: endpoints, secrets encryption, the service network, zonal shift,
 * the upgrade policy, the control plane's tier, identity providers, Auto Mode, Karpenter and
 * iamIdentityMappings (as access entries).
 */


export const clusterSettingPaths = [
  '/vpc/clusterEndpoints/publicAccess', '/vpc/clusterEndpoints/privateAccess', '/vpc/publicAccessCIDRs',
  '/vpc/controlPlaneSubnetIDs', '/vpc/controlPlaneSecurityGroupIDs', '/vpc/controlPlaneOnPrivateSubnets', '/vpc/autoAllocateIPv6', '/vpc/hostnameType',
  '/secretsEncryption/keyARN',
  '/kubernetesNetworkConfig/serviceIPv4CIDR', '/kubernetesNetworkConfig/ipFamily',
  '/zonalShiftConfig/enabled', '/upgradePolicy/supportType', '/controlPlaneScalingConfig/tier',
  '/cloudWatch/clusterLogging/logRetentionInDays',
  ...['name', 'type', 'issuerURL', 'clientID', 'usernameClaim', 'usernamePrefix', 'groupsClaim', 'groupsPrefix', 'requiredClaims'].map((field) => `/identityProviders/*/${field}`),
  '/autoModeConfig/enabled', '/autoModeConfig/nodePools', '/autoModeConfig/nodeRoleARN',
  '/karpenter/version', '/karpenter/createServiceAccount', '/karpenter/withSpotInterruptionQueue',
  '/iamIdentityMappings/*/arn', '/iamIdentityMappings/*/groups', '/iamIdentityMappings/*/username', '/iamIdentityMappings/*/noDuplicateARNs',
];

export const clusterSettingRefusals: Record<string, string> = {
  '/identityProviders/*/tags': 'the environment\'s tags (metadata.tags) go on the identity provider configuration; remove tags',
  '/karpenter/defaultInstanceProfile': 'Karpenter 1.x makes its nodes\' instance profiles from the EC2NodeClass role, which eksflow makes; remove defaultInstanceProfile',
  '/iamIdentityMappings/*/serviceName': 'service-linked mappings (EMR on EKS) are not offered: EMR on EKS creates its own access entry when you register the cluster (aws emr-containers create-virtual-cluster); remove this mapping',
  '/iamIdentityMappings/*/namespace': 'service-linked mappings (EMR on EKS) are not offered: EMR on EKS creates its own access entry when you register the cluster; remove this mapping',
  '/iamIdentityMappings/*/account': 'account-wide mappings are not possible with EKS access entries (one principal each); list the account\'s roles or users in accessConfig.accessEntries',
};

// The policy an aws-auth group stood for, as EKS access policies (EKS docs "Migrating existing
// aws-auth ConfigMap entries to access entries": system:masters has no access entry equivalent
// but AmazonEKSClusterAdminPolicy, and system: groups are refused in kubernetesGroups).
const systemGroupPolicies: Record<string, string> = { 'system:masters': 'AmazonEKSClusterAdminPolicy' };

export function translateClusterSettings(config: Fields, { put, trace, fail, mapping, list, flag }: Readers): void {
  const vpc = mapping(config.vpc, '/vpc') ?? {};
  const endpoints = mapping(vpc.clusterEndpoints, '/vpc/clusterEndpoints');
  if (endpoints || vpc.publicAccessCIDRs !== undefined) {
    put('/endpointAccess', defined({
      public: flag(endpoints?.publicAccess, '/vpc/clusterEndpoints/publicAccess'),
      private: flag(endpoints?.privateAccess, '/vpc/clusterEndpoints/privateAccess'),
      publicAccessCidrs: vpc.publicAccessCIDRs,
    }), '/vpc/clusterEndpoints');
    trace('/endpointAccess/public', '/vpc/clusterEndpoints/publicAccess');
    trace('/endpointAccess/private', '/vpc/clusterEndpoints/privateAccess');
    trace('/endpointAccess/publicAccessCidrs', '/vpc/publicAccessCIDRs');
  }
  const encryption = mapping(config.secretsEncryption, '/secretsEncryption');
  if (encryption) put('/secretsEncryption', defined({ keyArn: encryption.keyARN }), '/secretsEncryption/keyARN');

  const network = mapping(config.kubernetesNetworkConfig, '/kubernetesNetworkConfig');
  if (network) {
    const family = network.ipFamily === undefined ? undefined : String(network.ipFamily).toLowerCase();
    if (family !== undefined && family !== 'ipv4' && family !== 'ipv6') fail('/kubernetesNetworkConfig/ipFamily', 'must be IPv4 or IPv6');
    put('/kubernetesNetwork', defined({ serviceIpv4Cidr: network.serviceIPv4CIDR, ipFamily: family }), '/kubernetesNetworkConfig');
    trace('/kubernetesNetwork/serviceIpv4Cidr', '/kubernetesNetworkConfig/serviceIPv4CIDR');
    trace('/kubernetesNetwork/ipFamily', '/kubernetesNetworkConfig/ipFamily');
  }
  const zonal = mapping(config.zonalShiftConfig, '/zonalShiftConfig');
  if (zonal) put('/zonalShift', flag(zonal.enabled, '/zonalShiftConfig/enabled') ?? false, '/zonalShiftConfig/enabled');
  const upgrade = mapping(config.upgradePolicy, '/upgradePolicy');
  if (upgrade?.supportType !== undefined) put('/supportType', String(upgrade.supportType).toUpperCase(), '/upgradePolicy/supportType');
  const scaling = mapping(config.controlPlaneScalingConfig, '/controlPlaneScalingConfig');
  if (scaling?.tier !== undefined) put('/controlPlaneTier', scaling.tier, '/controlPlaneScalingConfig/tier');
  const logging = mapping(mapping(config.cloudWatch, '/cloudWatch')?.clusterLogging, '/cloudWatch/clusterLogging');
  put('/controlPlaneLogRetentionDays', logging?.logRetentionInDays, '/cloudWatch/clusterLogging/logRetentionInDays');

  const providers = list(config.identityProviders, '/identityProviders');
  if (providers) {
    put('/identityProviders', providers.map((item, i) => {
      const at = `/identityProviders/${i}`;
      const provider = mapping(item, at);
      if (!provider) return item;
      if (provider.type !== undefined && provider.type !== 'oidc') fail(`${at}/type`, `must be oidc (the only identity provider type EKS has), not ${quote(provider.type)}`);
      for (const [from, field] of [['issuerURL', 'issuerUrl'], ['clientID', 'clientId']]) trace(`/identityProviders/${i}/${field}`, `${at}/${from}`);
      return defined({
        name: provider.name, issuerUrl: provider.issuerURL, clientId: provider.clientID, usernameClaim: provider.usernameClaim, usernamePrefix: provider.usernamePrefix,
        groupsClaim: provider.groupsClaim, groupsPrefix: provider.groupsPrefix, requiredClaims: provider.requiredClaims,
      });
    }), '/identityProviders');
  }

  const autoMode = mapping(config.autoModeConfig, '/autoModeConfig');
  if (autoMode && flag(autoMode.enabled, '/autoModeConfig/enabled') !== false) {
    if (autoMode.enabled === undefined) fail('/autoModeConfig/enabled', 'is missing: set enabled: true to use EKS Auto Mode');
    put('/autoMode', defined({ nodePools: autoMode.nodePools, nodeRoleArn: autoMode.nodeRoleARN }), '/autoModeConfig');
    trace('/autoMode/nodePools', '/autoModeConfig/nodePools');
    trace('/autoMode/nodeRoleArn', '/autoModeConfig/nodeRoleARN');
  }

  translateKarpenter(config, { put, trace, fail, mapping, list, flag });
  translateIdentityMappings(config, { put, trace, fail, mapping, list, flag });
}

export { karpenterVersion } from './eksctl-karpenter-version';

// karpenter.version is judged against the cluster's Kubernetes version (src/domain/eksctl-karpenter-version.ts, from translate()).
function translateKarpenter(config: Fields, { put, fail, mapping, flag }: Readers) {
  const karpenter = mapping(config.karpenter, '/karpenter');
  if (!karpenter) return;
  if (flag(karpenter.createServiceAccount, '/karpenter/createServiceAccount') === false) {
    fail('/karpenter/createServiceAccount', 'eksflow makes Karpenter\'s ServiceAccount with its IRSA role; remove createServiceAccount');
  }
  const queue = flag(karpenter.withSpotInterruptionQueue, '/karpenter/withSpotInterruptionQueue');
  put('/addons/karpenter', queue === undefined ? {} : { interruptionQueue: queue }, '/karpenter');
}

/**
 * `iamIdentityMappings` (aws-auth ConfigMap entries) as access entries: eksflow's clusters use the
 * API authentication mode, where an aws-auth entry becomes an access entry with its username and
 * groups (system:masters as AmazonEKSClusterAdminPolicy, which is what it grants).
 */
function translateIdentityMappings(config: Fields, { put, fail, mapping, list }: Readers) {
  const mappings = list(config.iamIdentityMappings, '/iamIdentityMappings');
  if (!mappings) return;
  const existing = mapping(config.accessConfig, '/accessConfig');
  const offset = Array.isArray(existing?.accessEntries) ? existing.accessEntries.length : 0;
  if (!existing) {
    put('/access', {}, '/iamIdentityMappings');
    put('/access/entries', [], '/iamIdentityMappings');
  }
  let next = offset;
  mappings.forEach((item, i) => {
    const at = `/iamIdentityMappings/${i}`;
    const entry = mapping(item, at);
    if (!entry || entry.arn === undefined) return; // service and account mappings are refused by path
    const groups = Array.isArray(entry.groups) ? entry.groups.filter((group): group is string => typeof group === 'string') : [];
    const policies = groups.filter((group) => systemGroupPolicies[group]).map((group) => ({ policy: systemGroupPolicies[group], scope: 'cluster' }));
    const kubernetesGroups = groups.filter((group) => !systemGroupPolicies[group]);
    const system = kubernetesGroups.find((group) => group.startsWith('system:'));
    if (system) fail(`${at}/groups`, `${quote(system)}: EKS access entries cannot name system: groups; bind a group of your own, or grant an access policy in accessConfig.accessEntries`);
    const to = `/access/entries/${next++}`;
    put(to, defined({
      principalArn: entry.arn,
      username: entry.username,
      kubernetesGroups: kubernetesGroups.length > 0 ? kubernetesGroups : undefined,
      accessPolicies: policies,
    }), at);
  });
}

