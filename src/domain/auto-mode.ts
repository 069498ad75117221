import type { AutoModeSpec } from './cluster-settings';
import type { EnvironmentSpec } from './environment-spec';
import { coreAddonNames } from './eks-addons';

/**
 * EKS Auto Mode (issue 17 item 6; eksctl `autoModeConfig`): EKS runs the compute (Karpenter-based
 * node pools on EC2 managed instances), block storage (the EBS CSI driver) and load balancing
 * (its own load balancer controller) of the cluster, and the networking, DNS, proxy and Pod
 * Identity components on every node. Pure: what the cluster is created with, what its roles
 * carry, and what the planner leaves out because Auto Mode provides it.
 *
 * Sources: AWS EKS user guide "Create an Auto Mode cluster with the AWS CLI"
 * (automode-get-started-cli), "Amazon EKS Auto Mode cluster IAM role" (auto-cluster-iam-role),
 * "Amazon EKS Auto Mode node IAM role" (auto-create-node-role), "Learn about identity and access
 * in EKS Auto Mode" (auto-learn-iam), "Enable or Disable Built-in NodePools"
 * (set-builtin-node-pools), "Use Service annotations to configure Network Load Balancers"
 * (auto-configure-nlb); EKS API reference CreateCluster (computeConfig, storageConfig,
 * kubernetesNetworkConfig.elasticLoadBalancing); eksctl pkg/apis/eksctl.io/v1alpha5/auto_mode.go
 * and pkg/cfn/builder/auto_mode.go, roles/auto-mode-node-role.yaml.
 *
 * Compute readiness: an Auto Mode cluster has no nodes until pods are pending, so add-ons and
 * the app wait for the cluster ACTIVE and the Kubernetes API answering (k8s:api-ready), not for
 * nodes; the app's rollout then shows that Auto Mode launched capacity. The built-in NodePools
 * (nodepools.karpenter.sh general-purpose, system) are not looked for separately: EKS makes them
 * with the cluster from computeConfig.nodePools, and one missing would show as the rollout's
 * Pending pods with their scheduler reason. The access modes eksflow offers (API,
 * API_AND_CONFIG_MAP) are both ones Auto Mode takes.
 */

const awsManaged = (name: string) => `arn:aws:iam::aws:policy/${name}`;

/**
 * What the cluster role carries beside AmazonEKSClusterPolicy with Auto Mode: EKS launches
 * instances, volumes, load balancers and ENIs with it (auto-cluster-iam-role; eksctl
 * `AutoModeIAMPolicies`). Its trust policy already allows sts:TagSession, which Auto Mode needs
 * (src/domain/service-roles.ts `assumedBy`).
 */
export const autoModeClusterPolicies: readonly string[] = [
  awsManaged('AmazonEKSComputePolicy'), awsManaged('AmazonEKSBlockStoragePolicy'), awsManaged('AmazonEKSLoadBalancingPolicy'), awsManaged('AmazonEKSNetworkingPolicy'),
];

/**
 * The Auto Mode node role's policies (auto-create-node-role; eksctl roles/auto-mode-node-role.yaml):
 * the minimal worker-node policy and ECR pull. No AmazonEKS_CNI_Policy: Auto Mode's networking
 * runs with the cluster role's AmazonEKSNetworkingPolicy, not on the node.
 */
export const autoModeNodePolicies: readonly string[] = [awsManaged('AmazonEKSWorkerNodeMinimalPolicy'), awsManaged('AmazonEC2ContainerRegistryPullOnly')];

/**
 * The access policy EKS associates with the node role's access entry (type EC2) when it creates
 * an Auto Mode cluster: "When you create a new auto mode cluster, EKS automatically creates the
 * corresponding Kubernetes permissions using Access entries" (auto-learn-iam); only a role of a
 * custom NodeClass needs an entry made by hand (create-node-class, "Create node class access entry").
 */
export const autoModeNodeAccessPolicy = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy';

/** The load balancer class Auto Mode's own controller takes (auto-configure-nlb): `eks.amazonaws.com/nlb`. */
export const autoModeLoadBalancerClass = 'eks.amazonaws.com/nlb';

/** The labels of an Auto Mode node (auto-learn-instances; Karpenter's well-known labels). */
export const autoModeNodeLabels = { computeType: 'eks.amazonaws.com/compute-type', nodePool: 'karpenter.sh/nodepool' } as const;

/** The NodePool custom resources Auto Mode serves, by Karpenter's API group. */
export const autoModeNodePoolResource = { group: 'karpenter.sh', version: 'v1', plural: 'nodepools' } as const;

/** Whether EKS needs a node role: only when a built-in node pool launches nodes (eksctl `HasNodePools`). */
export const autoModeNeedsNodeRole = (autoMode: AutoModeSpec): boolean => autoMode.nodePools.length > 0;

/** Whether eksflow makes the node role `<name>-node`: built-in pools and no role given. */
export const autoModeMakesNodeRole = (autoMode: AutoModeSpec | undefined): boolean => autoMode !== undefined && autoModeNeedsNodeRole(autoMode) && autoMode.nodeRoleArn === undefined;

/**
 * CreateCluster's Auto Mode parameters. The three capabilities go together: EKS refuses a
 * request that enables some of computeConfig, storageConfig.blockStorage and
 * kubernetesNetworkConfig.elasticLoadBalancing and not the others. bootstrapSelfManagedAddons is
 * false: Auto Mode nodes run the VPC CNI, kube-proxy, CoreDNS and the Pod Identity Agent
 * themselves, so EKS's self-managed copies would only be Pending (automode-get-started-cli
 * creates the cluster without them; eksctl skips the default add-ons with Auto Mode).
 */
export interface AutoModeClusterConfig {
  computeConfig: { enabled: boolean; nodePools?: string[]; nodeRoleArn?: string };
  storageConfig: { blockStorage: { enabled: boolean } };
  elasticLoadBalancing: { enabled: boolean };
  bootstrapSelfManagedAddons: boolean;
}

export function autoModeClusterConfig(autoMode: AutoModeSpec, nodeRoleArn: string | undefined): AutoModeClusterConfig {
  const pools = autoModeNeedsNodeRole(autoMode);
  return {
    computeConfig: { enabled: true, ...(pools ? { nodePools: [...autoMode.nodePools], ...(nodeRoleArn ? { nodeRoleArn } : {}) } : {}) },
    storageConfig: { blockStorage: { enabled: true } },
    elasticLoadBalancing: { enabled: true },
    bootstrapSelfManagedAddons: false,
  };
}

/** What Auto Mode provides that eksflow would otherwise install or ask EKS for, as the plan says it. */
export const providedByAutoMode: readonly string[] = [
  'compute (node pools scale EC2 managed instances for pending pods)',
  'load balancing (its controller makes the NLB of Services of class eks.amazonaws.com/nlb: no AWS Load Balancer Controller)',
  'block storage (the EBS CSI driver)',
  'pod networking, DNS, kube-proxy and the Pod Identity Agent on every node (no vpc-cni, coredns, kube-proxy or eks-pod-identity-agent add-ons)',
];

/** The plan's note for an Auto Mode environment. */
export const autoModePlanNote = (autoMode: AutoModeSpec): string =>
  `provided by EKS Auto Mode (node pools: ${autoMode.nodePools.length > 0 ? autoMode.nodePools.join(', ') : 'none built in; add your own NodePools'}): ${providedByAutoMode.join('; ')}`;

const addonRefusals: Readonly<Record<string, string>> = {
  'aws-load-balancer-controller': 'EKS Auto Mode runs its own load balancer controller, and the app\'s Service uses it (class eks.amazonaws.com/nlb); a second controller would also act on Services and Ingresses without a class (its mutating webhook gives them its own). AWS documents running it beside Auto Mode only for classes Auto Mode does not handle (auto-migrate-lbc); leave it out',
  'cluster-autoscaler': 'EKS Auto Mode scales the nodes itself (its node pools launch instances for pending pods); there are no node groups for cluster-autoscaler to scale; leave it out',
  karpenter: 'EKS Auto Mode is Karpenter run by EKS (its node pools are karpenter.sh NodePools); a second Karpenter would fight it for the same pods; leave it out',
};

/**
 * What an Auto Mode spec may not also ask for, each with the reason and the way out. Only specs
 * with autoMode get any, so no other spec plans differently.
 */
export function autoModeProblems(spec: Pick<EnvironmentSpec, 'autoMode' | 'addons' | 'eksAddons' | 'nodeGroups' | 'fargateProfiles' | 'app'>): { path: string; message: string }[] {
  const { autoMode } = spec;
  if (!autoMode) return [];
  const problems: { path: string; message: string }[] = [];
  for (const name of Object.keys(spec.addons)) {
    const reason = addonRefusals[name];
    if (reason && spec.addons[name as keyof typeof spec.addons] !== undefined) problems.push({ path: `/addons/${name}`, message: `is refused with autoMode: ${reason}` });
  }
  for (const name of coreAddonNames) {
    if (spec.eksAddons?.[name] !== undefined) {
      problems.push({ path: `/eksAddons/${name}`, message: `is refused with autoMode: EKS Auto Mode provides it (${name === 'aws-ebs-csi-driver' ? 'block storage' : 'on every node'}); leave it out` });
    }
  }
  // Managed node groups beside Auto Mode would need the networking add-ons Auto Mode's cluster is
  // created without (bootstrapSelfManagedAddons false): not built.
  if (spec.nodeGroups.length > 0) problems.push({ path: '/nodeGroups', message: 'node groups beside autoMode are not built yet: Auto Mode clusters are created without the vpc-cni, kube-proxy and CoreDNS a node group needs; leave nodeGroups out (Auto Mode\'s node pools run the pods) or leave autoMode out' });
  if (spec.fargateProfiles.length > 0) problems.push({ path: '/fargateProfiles', message: 'Fargate profiles beside autoMode are not built yet: leave fargateProfiles out (Auto Mode\'s node pools run the pods) or leave autoMode out' });
  // The system pool is tainted CriticalAddonsOnly (set-builtin-node-pools): ordinary pods need general-purpose.
  const addons = Object.keys(spec.addons).filter((name) => !addonRefusals[name]);
  if (!autoMode.nodePools.includes('general-purpose') && (spec.app || addons.length > 0)) {
    problems.push({
      path: '/autoMode/nodePools',
      message: `the ${spec.app ? 'app\'s' : `${addons.join(', ')}`} pods need the general-purpose node pool (the system pool takes only CriticalAddonsOnly pods, and eksflow makes no NodePool of its own); add general-purpose`,
    });
  }
  return problems;
}
