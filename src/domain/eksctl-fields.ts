/**
 * The field names eksctl's ClusterConfig has (eksctl.io/v1alpha5, pkg/apis/eksctl.io/v1alpha5/types.go),
 * by where they appear, so a key eksflow does not know is told apart from one eksctl does not
 * know either (a typo), and a typo gets the nearest known name.
 */

const nodeGroupFields = [
  'name', 'amiFamily', 'instanceType', 'availabilityZones', 'subnets', 'instancePrefix', 'instanceName', 'volumeSize', 'volumeType',
  'volumeName', 'volumeEncrypted', 'volumeKmsKeyID', 'volumeIOPS', 'volumeThroughput', 'additionalVolumes', 'labels', 'privateNetworking',
  'tags', 'iam', 'ami', 'securityGroups', 'maxPodsPerNode', 'asgSuspendProcesses', 'ebsOptimized', 'ssh', 'preBootstrapCommands',
  'overrideBootstrapCommand', 'propagateASGTags', 'disableIMDSv1', 'disablePodIMDS', 'placement', 'efaEnabled', 'instanceSelector',
  'bottlerocket', 'enableDetailedMonitoring', 'capacityReservation', 'instanceMarketOptions', 'outpostARN', 'minSize', 'maxSize',
  'desiredCapacity', 'taints', 'updateConfig', 'kubeletExtraConfig', 'containerRuntime', 'maxInstanceLifetime', 'localZones',
  'instancesDistribution', 'targetGroupARNs', 'classicLoadBalancerNames', 'asgMetricsCollection', 'cpuCredits', 'clusterDNS',
  'instanceTypes', 'spot', 'launchTemplate', 'releaseVersion', 'nodeRepairConfig',
];

/** Field names by the path pattern of the mapping that holds them (`*` for a list item or map key). */
export const eksctlFieldNames: Readonly<Record<string, readonly string[]>> = {
  '': [
    'apiVersion', 'kind', 'metadata', 'kubernetesNetworkConfig', 'autoModeConfig', 'remoteNetworkConfig', 'iam', 'iamIdentityMappings',
    'identityProviders', 'accessConfig', 'vpc', 'addons', 'addonsConfig', 'privateCluster', 'nodeGroups', 'managedNodeGroups',
    'fargateProfiles', 'availabilityZones', 'localZones', 'cloudWatch', 'secretsEncryption', 'status', 'gitops', 'karpenter', 'outpost',
    'zonalShiftConfig', 'upgradePolicy', 'controlPlaneScalingConfig', 'capabilities',
  ],
  '/metadata': ['name', 'region', 'version', 'tags', 'annotations', 'accountID'],
  '/vpc': [
    'id', 'cidr', 'ipv6Cidr', 'ipv6Pool', 'securityGroup', 'subnets', 'extraCIDRs', 'extraIPv6CIDRs', 'sharedNodeSecurityGroup',
    'manageSharedNodeSecurityGroupRules', 'autoAllocateIPv6', 'nat', 'clusterEndpoints', 'publicAccessCIDRs', 'controlPlaneSubnetIDs',
    'controlPlaneSecurityGroupIDs', 'controlPlaneOnPrivateSubnets', 'hostnameType',
  ],
  '/iam': [
    'serviceRoleARN', 'serviceRolePermissionsBoundary', 'fargatePodExecutionRoleARN', 'fargatePodExecutionRolePermissionsBoundary',
    'withOIDC', 'serviceAccounts', 'podIdentityAssociations', 'vpcResourceControllerPolicy',
  ],
  '/managedNodeGroups/*': nodeGroupFields,
  '/nodeGroups/*': nodeGroupFields,
  '/managedNodeGroups/*/ssh': ['allow', 'publicKeyPath', 'publicKey', 'publicKeyName', 'sourceSecurityGroupIds', 'enableSsm'],
  '/nodeGroups/*/ssh': ['allow', 'publicKeyPath', 'publicKey', 'publicKeyName', 'sourceSecurityGroupIds', 'enableSsm'],
  '/fargateProfiles/*': ['name', 'podExecutionRoleARN', 'selectors', 'subnets', 'tags', 'status'],
  '/addons/*': [
    'name', 'version', 'serviceAccountRoleARN', 'attachPolicyARNs', 'attachPolicy', 'permissionsBoundary', 'wellKnownPolicies', 'tags',
    'resolveConflicts', 'configurationValues', 'podIdentityAssociations', 'useDefaultPodIdentityAssociations', 'namespaceConfig',
  ],
  '/cloudWatch/clusterLogging': ['enableTypes', 'logRetentionInDays'],
};

/** The known name closest to `key` (a typo's likely meaning), when one is close enough. */
export function nearest(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    if (candidate === '*') continue;
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0.5 : editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  // Close: a case slip, or at most a third of the name changed (and never more than 3 edits).
  return best !== undefined && bestDistance <= Math.min(3, Math.max(1, Math.floor(key.length / 3))) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
