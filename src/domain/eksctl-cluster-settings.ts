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
  '/iamIdentityMappings/*/serviceName', '/iamIdentityMappings/*/namespace', '/iamIdentityMappings/*/account',
];

export const clusterSettingRefusals: Record<string, string> = {
  '/identityProviders/*/tags': 'the environment\'s tags (metadata.tags) go on the identity provider configuration; remove tags',
  '/karpenter/defaultInstanceProfile': 'Karpenter 1.x makes its nodes\' instance profiles from the EC2NodeClass role, which eksflow makes; remove defaultInstanceProfile',
};

// The policy an aws-auth group stood for, as EKS access policies (EKS docs "Migrating existing
// aws-auth ConfigMap entries to access entries": system:masters has no access entry equivalent
// but AmazonEKSClusterAdminPolicy, and system: groups are refused in kubernetesGroups).
const systemGroupPolicies: Record<string, string> = { 'system:masters': 'AmazonEKSClusterAdminPolicy' };

export function translateClusterSettings(config: Fields, read: Readers): void {
  const { put, trace, fail, mapping, list, flag } = read;
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

  translateKarpenter(config, read);
  translateIdentityMappings(config, read);
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
function translateIdentityMappings(config: Fields, readers: Readers) {
  const { put, fail, mapping, list } = readers;
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
    if (!entry) return;
    if (entry.arn === undefined) return identityMappingInAwsAuth(config, entry, at, readers);
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


/**
 * An iamIdentityMapping access entries cannot hold, kept in aws-auth as eksctl keeps it
 * (pkg/authconfigmap; src/domain/aws-auth.ts): `serviceName: emr-containers` with its `namespace`
 * (the only service eksctl knows: "invalid service name" otherwise), or an `account` alone
 * ("account must be configured with no other options", examples/35-iamidentitymappings.yaml).
 * EKS reads aws-auth only in API_AND_CONFIG_MAP mode.
 */
function identityMappingInAwsAuth(config: Fields, entry: Fields, at: string, { put, fail, mapping }: Readers) {
  const mode = mapping(config.accessConfig, '/accessConfig')?.authenticationMode;
  if (mode === 'API') return fail(at, 'is kept in the aws-auth ConfigMap (access entries cannot hold it), which EKS reads only in authenticationMode API_AND_CONFIG_MAP: set accessConfig.authenticationMode to API_AND_CONFIG_MAP, or remove this mapping');
  if (entry.account !== undefined) {
    const others = Object.keys(entry).filter((key) => key !== 'account');
    if (others.length > 0) return fail(`${at}/${others[0]}`, 'an account mapping takes no other options (eksctl: "account must be configured with no other options"); give this one in a mapping of its own');
    if (typeof entry.account !== 'string' && typeof entry.account !== 'number') return fail(`${at}/account`, 'must be a 12-digit AWS account ID');
    return awsAuthList(config, put, 'accounts', String(entry.account), `${at}/account`);
  }
  if (entry.serviceName === undefined) return fail(at, 'needs arn, account, or serviceName with namespace');
  if (entry.serviceName !== 'emr-containers') return fail(`${at}/serviceName`, `must be emr-containers, the one service eksctl maps (not ${quote(entry.serviceName)})`);
  if (entry.namespace === undefined) return fail(`${at}/namespace`, 'is missing: EMR on EKS is mapped to one namespace (eksctl: "namespace is required for emr-containers")');
  return awsAuthList(config, put, 'emrContainers', entry.namespace, `${at}/namespace`);
}

// The mappings' values, gathered in order into /access/awsAuth/<field>.
const awsAuthGathered = new WeakMap<Fields, Record<string, unknown[]>>();
function awsAuthList(config: Fields, put: Readers['put'], field: 'accounts' | 'emrContainers', value: unknown, origin: string) {
  const gathered = awsAuthGathered.get(config) ?? {};
  awsAuthGathered.set(config, gathered);
  const values = (gathered[field] ??= []);
  const index = values.length;
  values.push(value);
  if (index === 0) put(`/access/awsAuth/${field}`, values, origin);
  put(`/access/awsAuth/${field}/${index}`, value, origin);
}
