import { accessEntryLedgerName } from '../domain/access-entries';
import { capabilityLedgerName } from '../domain/capabilities';
import type { ResourceRef } from '../domain/ledger';
import { ownershipOf, type Owner } from '../domain/ownership';
import type { EcrApi } from './aws/ecr';
import type { EksApi } from './aws/eks';
import type { IamApi } from './aws/iam';
import type { LogsApi } from './aws/logs';
import type { NodeLaunchApi } from './aws/launch-templates';
import { isSshSecurityGroupName } from '../domain/node-ssh-access';
import type { NetworkLeftoversApi } from './aws/network-leftovers';
import type { VpcApi } from './aws/vpc';
import { ownershipTagKeys } from '../domain/ownership';

/** The tags Kubernetes' own controllers put on what they create for a cluster. */
export const clusterMadeTags = {
  loadBalancerController: (cluster: string) => ({ key: 'elbv2.k8s.aws/cluster', value: cluster }),
  kubernetesCluster: (cluster: string) => `kubernetes.io/cluster/${cluster}`,
};

/**
 * Log groups named for the cluster, which outlive it: EKS's control-plane log group and those
 * of Container Insights and Fluent Bit. Nobody tags the first two kinds, so the name decides.
 */
export const clusterLogGroupPrefixes = (cluster: string) => [`/aws/eks/${cluster}/`, `/aws/containerinsights/${cluster}/`];

export interface Discovered {
  /** What eksflow made for the environment, found by its ownership tags. */
  owned: ResourceRef[];
  /** What the cluster made for itself (load balancers, target groups, security groups, ENIs). */
  clusterMade: ResourceRef[];
}

export function createDiscoveryActivities(deps: { eks: EksApi; iam: IamApi; ecr: EcrApi; network: NetworkLeftoversApi; vpc: VpcApi; logs: LogsApi; nodeLaunch?: NodeLaunchApi }) {
  /**
   * Everything an environment holds, from the APIs and tags alone: what makes teardown work
   * when the provisioning history is gone, and what proves a teardown left nothing.
   */
  async function discoverEnvironment(input: {
    environmentId: string; region: string; cluster: string;
    /**
     * Whether the cluster of that name was this environment's, for when it is gone: what the
     * cluster made carries only its name, and another tenant may have a cluster of that name.
     * @default whether the cluster there now carries this environment's tag
     */
    clusterIsOurs?: boolean;
  }): Promise<Discovered> {
    const { region, cluster } = input;
    // Any run of the environment: ownership by environment, whichever run made it.
    const ours = (tags: Record<string, string>) => ownershipOf(tags, { environmentId: input.environmentId, runId: '' } satisfies Owner) !== 'foreign';
    const owned: ResourceRef[] = [];
    const described = await deps.eks.describeCluster(cluster);
    if (described && ours(described.tags)) {
      for (const name of await deps.eks.listNodegroups(cluster)) {
        const group = await deps.eks.describeNodegroup(cluster, name);
        if (group && ours(group.tags)) owned.push({ kind: 'eks-nodegroup', name: `${cluster}/${name}`, region, arn: group.arn });
      }
      for (const name of await deps.eks.listFargateProfiles(cluster)) {
        const profile = await deps.eks.describeFargateProfile(cluster, name);
        if (profile && ours(profile.tags)) owned.push({ kind: 'eks-fargate-profile', name: `${cluster}/${name}`, region, arn: profile.arn });
      }
      // Access entries exist only in API modes: on a CONFIG_MAP cluster (and on moto, which says
      // no mode and has no access-entry API) ListAccessEntries is refused, so it is not asked.
      // EKS's own entries (the creator's, node and Fargate roles') carry no eksflow tag: left alone.
      if (described.authenticationMode === 'API' || described.authenticationMode === 'API_AND_CONFIG_MAP') {
        for (const principalArn of await deps.eks.listAccessEntries(cluster)) {
          const entry = await deps.eks.describeAccessEntry(cluster, principalArn);
          if (entry && ours(entry.tags)) owned.push({ kind: 'eks-access-entry', name: accessEntryLedgerName(cluster, principalArn), region, arn: entry.arn });
        }
        // Capabilities reach the cluster through access entries, so they too are asked for only in
        // API modes (moto, which has no capability API, says no mode).
        for (const name of await deps.eks.listCapabilities(cluster)) {
          const found = await deps.eks.describeCapability(cluster, name);
          if (found && ours(found.tags)) owned.push({ kind: 'eks-capability', name: capabilityLedgerName(cluster, name), region, arn: found.arn });
        }
      }
      owned.push({ kind: 'eks-cluster', name: cluster, region, arn: described.arn });
    }
    // A cluster there now that is not ours settles it; one that is gone, only the caller's record can.
    const clusterOurs = described ? ours(described.tags) : input.clusterIsOurs === true;
    for (const role of await deps.iam.listRoles()) if (ours(role.tags)) owned.push({ kind: 'iam-role', name: role.name, region, arn: role.arn });
    for (const provider of await deps.iam.listOidcProviders()) if (ours(provider.tags)) owned.push({ kind: 'oidc-provider', name: provider.url, region, arn: provider.arn });
    for (const repository of await deps.ecr.listRepositories()) if (ours(repository.tags)) owned.push({ kind: 'ecr-repository', name: repository.name, region, arn: repository.arn });
    // Node groups' SSH security groups (src/domain/node-ssh-access.ts): they hold the VPC, so a
    // teardown without the run's ledger must find them too, by this environment's tag and their name.
    for (const group of (await deps.nodeLaunch?.securityGroupsTagged(ownershipTagKeys.environment, input.environmentId)) ?? []) {
      if (isSshSecurityGroupName(group.name) && ours(group.tags)) owned.push({ kind: 'ssh-security-group', name: group.name, region, arn: group.id });
    }
    const vpc = await deps.vpc.findVpc(ownershipTagKeys.environment, input.environmentId);
    if (vpc) owned.push({ kind: 'vpc', name: input.environmentId, region, arn: vpc.vpcId });

    if (!clusterOurs) return { owned, clusterMade: [] };
    const lbTag = clusterMadeTags.loadBalancerController(cluster);
    const k8sTag = clusterMadeTags.kubernetesCluster(cluster);
    const clusterMade: ResourceRef[] = [
      ...(await deps.network.loadBalancersTagged(lbTag.key, lbTag.value)).map((arn) => ({ kind: 'load-balancer' as const, name: arn, region, arn })),
      ...(await deps.network.targetGroupsTagged(lbTag.key, lbTag.value)).map((arn) => ({ kind: 'target-group' as const, name: arn, region, arn })),
      ...(await deps.network.networkInterfacesTagged(k8sTag)).map((id) => ({ kind: 'network-interface' as const, name: id, region })),
      ...(await deps.network.securityGroupsTagged(k8sTag)).map((id) => ({ kind: 'security-group' as const, name: id, region })),
      // Another environment's group under this name (a cluster of the same name before) is not ours to delete.
      ...(await Promise.all(clusterLogGroupPrefixes(cluster).map((prefix) => deps.logs.listLogGroups(prefix)))).flat()
        .filter((group) => group.tags[ownershipTagKeys.environment] === undefined || ours(group.tags)).map((group) => ({ kind: 'log-group' as const, name: group.name, region, arn: group.arn })),
    ];
    return { owned, clusterMade };
  }

  /** Deletes one thing the cluster made; done when it is already gone. */
  async function deleteClusterLeftover(ref: ResourceRef): Promise<void> {
    switch (ref.kind) {
      case 'load-balancer': return deps.network.deleteLoadBalancer(ref.name);
      case 'target-group': return deps.network.deleteTargetGroup(ref.name);
      case 'network-interface': return deps.network.deleteNetworkInterface(ref.name);
      case 'security-group': return deps.network.deleteSecurityGroup(ref.name);
      case 'log-group': return deps.logs.deleteLogGroup(ref.name);
      default: throw new Error(`${ref.kind} is not a cluster leftover`);
    }
  }

  return { discoverEnvironment, deleteClusterLeftover };
}
