/**
 * How long each kind of step takes on AWS, from published medians (EKS control plane
 * ~10 min, p90 ~15; managed node group ~2 min; Fargate profile 1–5 min; add-on 1–3 min;
 * NLB usable after 4–5 min; node Ready ~30 s). The planner estimates with the median; the
 * waits poll densely around it and give up well past the p90.
 */
export const stepKinds = [
  'network', 'cluster-role', 'node-role', 'fargate-role', 'ecr-repository', 'image-import', 'image-build',
  'cluster', 'cluster-logging', 'oidc-provider', 'nodegroup', 'nodes-ready', 'fargate-profile',
  'irsa-role', 'addon', 'app', 'app-vpa', 'nlb', 'autoscaling-check', 'kube-api-ready', 'coredns-fargate',
  'access-entry',
  'eks-addons-check', 'eks-addon',
  // Workload identity (src/domain/workload-identity.ts).
  'workload-role', 'service-account', 'pod-identity-agent', 'pod-identity-association', 'addon-pod-identity-role',
  // Changes to a ready environment (src/domain/change-plan.ts).
  'upgrade-precheck', 'cluster-version', 'cluster-endpoint-access', 'cluster-vpc-config', 'cluster-setting', 'cluster-encryption', 'identity-provider-remove', 'service-account-remove', 'nodegroup-config', 'nodegroup-tags', 'nodegroup-version', 'drain', 'nodegroup-delete',
  'fargate-profile-delete', 'addon-upgrade', 'addon-remove', 'eks-addon-update', 'eks-addon-delete',
  'access-entry-update', 'access-entry-delete', 'app-update', 'app-remove',
  // Self-managed node groups (src/domain/self-managed-nodes.ts) and Windows IPAM for their Windows nodes.
  'self-managed-nodegroup', 'windows-ipam', 'self-managed-scale', 'self-managed-nodegroup-delete',
  // Cluster settings (src/domain/cluster-settings.ts).
  'kms-key', 'identity-provider',
  // Karpenter's AWS side (src/domain/karpenter-plan.ts).
  'karpenter-node-role', 'karpenter-interruption-queue', 'karpenter-discovery-tags', 'karpenter-node-access',
  // EKS capabilities and the Hybrid Nodes role with its access entry (src/domain/capabilities.ts).
  'capability', 'hybrid-nodes',
  // The worker's own access entry on a cluster created without creator admin (src/domain/access-entries.ts).
  'worker-access',
  // eksflow's entries in aws-auth and EMR on EKS's RBAC (src/domain/aws-auth.ts).
  'aws-auth',
] as const;
export type StepKind = (typeof stepKinds)[number];

export interface Latency {
  medianSeconds: number;
  p90Seconds: number;
  /**
   * How long AWS itself takes to declare a failure, when that is later than a success would
   * come: a wait must outlast it to report AWS's reason rather than a timeout of its own.
   * @default none
   */
  failureSurfacesSeconds?: number;
}

/**
 * How long deletions take, which teardowns and rollbacks wait out: a managed node group drains
 * and terminates its instances (5–8 min is common), a Fargate profile ~2 min, a control plane
 * ~4, a NAT gateway ~1 (its address is released only after).
 */
export const deletionLatency = {
  'nat-gateway': { medianSeconds: 60, p90Seconds: 120 },
  nodegroup: { medianSeconds: 300, p90Seconds: 480 },
  'fargate-profile': { medianSeconds: 120, p90Seconds: 240 },
  cluster: { medianSeconds: 240, p90Seconds: 420 },
  // DeleteAddon: DELETING, then gone, in about a minute (aws-fault-catalog 34).
  'eks-addon': { medianSeconds: 45, p90Seconds: 120 },
  // DeleteAutoScalingGroup with ForceDelete: its instances shut down and terminate, then it goes.
  'autoscaling-group': { medianSeconds: 90, p90Seconds: 300 },
  // DisassociateIdentityProviderConfig: no published figure; an assumption.
  'identity-provider': { medianSeconds: 300, p90Seconds: 600 },
  // Karpenter's instances: TerminateInstances, then shutting-down to terminated in a minute or two.
  'karpenter-nodes': { medianSeconds: 60, p90Seconds: 180 },
  // DeleteCapability: DELETING, then gone; no published figure, an assumption.
  capability: { medianSeconds: 120, p90Seconds: 600 },
} satisfies Record<string, Latency>;

export const latencyTable: Record<StepKind, Latency> = {
  // Instance profile, launch template and Auto Scaling group take seconds; its instances are
  // InService once they boot (EC2 pending → running under a minute, Auto Scaling's lifecycle).
  'self-managed-nodegroup': { medianSeconds: 90, p90Seconds: 240 },
  // One ConfigMap merge patch.
  'windows-ipam': { medianSeconds: 2, p90Seconds: 10 },
  // UpdateAutoScalingGroup answers at once; new instances then launch and join as a group's first ones do.
  'self-managed-scale': { medianSeconds: 90, p90Seconds: 240 },
  // The Auto Scaling group's instances terminated (deleteAutoScalingGroup waits until it is gone), then its launch template, profile and role.
  'self-managed-nodegroup-delete': { medianSeconds: 120, p90Seconds: 420 },
  // VPC, subnets, route tables and a NAT gateway; the NAT gateway dominates.
  network: { medianSeconds: 120, p90Seconds: 240 },
  // IAM is eventually consistent: a new role is usable everywhere after ~10 s.
  'cluster-role': { medianSeconds: 10, p90Seconds: 20 },
  'node-role': { medianSeconds: 10, p90Seconds: 20 },
  'fargate-role': { medianSeconds: 10, p90Seconds: 20 },
  'irsa-role': { medianSeconds: 10, p90Seconds: 20 },
  'ecr-repository': { medianSeconds: 2, p90Seconds: 5 },
  'image-import': { medianSeconds: 60, p90Seconds: 180 },
  // No published figure: an assumption. buildah with vfs storage copies each layer whole and
  // keeps no cache between builds, so a small app's Dockerfile (a base image pulled, a few
  // COPY/RUN steps) takes 1–3 min, and the push to ECR in the same region under a minute; a
  // dependency-heavy build (npm ci, compiling) reaches ~10 min, the p90.
  'image-build': { medianSeconds: 150, p90Seconds: 600 },
  cluster: { medianSeconds: 600, p90Seconds: 900 },
  'cluster-logging': { medianSeconds: 60, p90Seconds: 120 },
  'oidc-provider': { medianSeconds: 5, p90Seconds: 10 },
  // A group whose nodes never join is declared CREATE_FAILED (NodeCreationFailure) only after
  // ~21-23 min (aws-fault-catalog 22: EKS waits that long for nodes): the wait outlasts it.
  nodegroup: { medianSeconds: 120, p90Seconds: 180, failureSurfacesSeconds: 25 * 60 },
  'nodes-ready': { medianSeconds: 30, p90Seconds: 60 },
  'fargate-profile': { medianSeconds: 180, p90Seconds: 300 },
  addon: { medianSeconds: 120, p90Seconds: 180 },
  // A Deployment's rollout once its image is pullable: pods scheduled, pulled, Ready.
  app: { medianSeconds: 60, p90Seconds: 180 },
  // One object, once the VerticalPodAutoscaler API is served.
  'app-vpa': { medianSeconds: 2, p90Seconds: 5 },
  nlb: { medianSeconds: 270, p90Seconds: 300 },
  // Reading HPA metrics and the autoscaler's status; the active probe waits for a node to join.
  'autoscaling-check': { medianSeconds: 180, p90Seconds: 420 },
  // ACTIVE, then the API server answering /readyz six times 20 s apart, as eksctl's
  // WaitForControlPlane asks (catalog entry 12): 100 s when it answers from the start.
  'kube-api-ready': { medianSeconds: 100, p90Seconds: 180 },
  // CreateKey and CreateAlias answer at once; no published latency, an assumption.
  'kms-key': { medianSeconds: 2, p90Seconds: 5 },
  // AssociateIdentityProviderConfig: "can take 15–30 minutes" until ACTIVE (EKS user guide,
  // "Authenticate users for your cluster from an OpenID Connect identity provider").
  'identity-provider': { medianSeconds: 20 * 60, p90Seconds: 30 * 60 },
  // CoreDNS's rollout onto Fargate: a Fargate pod takes about a minute to be placed and start (catalog entry 31).
  'coredns-fargate': { medianSeconds: 90, p90Seconds: 180 },
  // CreateAccessEntry and its AssociateAccessPolicy calls answer at once; a principal made
  // seconds before is refused for ~10 s until IAM propagates it (aws-fault-catalog 4).
  'access-entry': { medianSeconds: 3, p90Seconds: 15 },
  // Karpenter's AWS side: an IAM role, a queue and four rules, tags, an access entry; seconds each.
  'karpenter-node-role': { medianSeconds: 10, p90Seconds: 20 },
  'karpenter-interruption-queue': { medianSeconds: 5, p90Seconds: 20 },
  'karpenter-discovery-tags': { medianSeconds: 2, p90Seconds: 10 },
  'karpenter-node-access': { medianSeconds: 3, p90Seconds: 15 },
  // CreateCapability: CREATING until EKS runs the controller for the cluster; no published
  // figure, an assumption of a few minutes (the role first, its access policies after: seconds).
  capability: { medianSeconds: 300, p90Seconds: 900 },
  // An IAM role and an access entry: seconds each.
  'hybrid-nodes': { medianSeconds: 12, p90Seconds: 30 },
  // GetCallerIdentity, then an access entry as above.
  'worker-access': { medianSeconds: 3, p90Seconds: 15 },
  // A ConfigMap update and, per namespace, a Role and a RoleBinding: Kubernetes API calls of a second or less.
  'aws-auth': { medianSeconds: 2, p90Seconds: 10 },
  // Two EKS reads per core add-on (DescribeAddonVersions, DescribeAddonConfiguration).
  'eks-addons-check': { medianSeconds: 3, p90Seconds: 10 },
  // A managed add-on goes ACTIVE in ~1-3 min once its pods can run (EKS user guide; Terraform's
  // waitAddonCreated allows 20 min). DEGRADED with no nodes is waited through, not failed on.
  'eks-addon': { medianSeconds: 90, p90Seconds: 180 },
  'workload-role': { medianSeconds: 10, p90Seconds: 20 },
  // An add-on's Pod Identity role: CreateRole and its policies, as an IRSA role.
  'addon-pod-identity-role': { medianSeconds: 10, p90Seconds: 20 },
  // One server-side apply.
  'service-account': { medianSeconds: 2, p90Seconds: 5 },
  // An EKS add-on whose DaemonSet pods come up on the nodes there are.
  'pod-identity-agent': { medianSeconds: 120, p90Seconds: 180 },
  'pod-identity-association': { medianSeconds: 2, p90Seconds: 5 },

  // UpdateClusterVersion, one minor per call: 8-10 min each (EKS user guide, "Update existing
  // cluster to new Kubernetes version": the control plane is replaced node by node while the API
  // keeps answering); terraform-provider-aws waits up to 60 min for it (aws_eks_cluster update timeout).
  // One GET of the API server's /metrics.
  'upgrade-precheck': { medianSeconds: 2, p90Seconds: 10 },
  'cluster-version': { medianSeconds: 540, p90Seconds: 900 },
  // UpdateClusterConfig of endpoint access: a configuration update like logging's, no published
  // figure of its own; the API server keeps answering while it runs.
  'cluster-endpoint-access': { medianSeconds: 60, p90Seconds: 120 },
  // UpdateClusterConfig of the control plane's subnets and security groups: EKS makes new ENIs
  // and moves to them; no published figure, taken as a configuration update's.
  'cluster-vpc-config': { medianSeconds: 60, p90Seconds: 120 },
  // Zonal shift and the support policy are flags on the control plane; a new control-plane tier
  // scales it up or down. No published figures: taken as a configuration update's.
  'cluster-setting': { medianSeconds: 60, p90Seconds: 120 },
  // AssociateEncryptionConfig, then every Secret written again: no published figure for the
  // update; Terraform's aws_eks_cluster waits up to 60 min for it (its update timeout).
  'cluster-encryption': { medianSeconds: 300, p90Seconds: 900 },
  // DisassociateIdentityProviderConfig until the config is gone (deletionLatency's figure).
  'identity-provider-remove': { medianSeconds: 300, p90Seconds: 600 },
  // DeletePodIdentityAssociation, a ServiceAccount deleted, DeleteRole: each answers at once.
  'service-account-remove': { medianSeconds: 5, p90Seconds: 15 },
  // UpdateNodegroupConfig (scaling, labels, taints, updateConfig): no node is replaced; the
  // update is Successful in about a minute, a scale-up then waits for instances to join.
  'nodegroup-config': { medianSeconds: 60, p90Seconds: 180 },
  // TagResource on the node group answers at once.
  'nodegroup-tags': { medianSeconds: 2, p90Seconds: 5 },
  // UpdateNodegroupVersion rolls the nodes (EKS user guide, "Managed node update behavior": setup,
  // scale up, upgrade — maxUnavailable nodes at a time, 1 by default, each cordoned, drained and
  // replaced — then scale down): several minutes per node. This entry is a 2-node group; the
  // planner scales it with the group's size (`rollingUpdateSeconds`).
  'nodegroup-version': { medianSeconds: rollingUpdateSeconds(2), p90Seconds: rollingUpdateSeconds(2) * 2 },
  // Evictions that respect PodDisruptionBudgets (eksctl pkg/drain); EKS's own drain gives up on a
  // pod after 15 min (Managed node update behavior, upgrade phase), so a stuck PDB shows by then.
  drain: { medianSeconds: 120, p90Seconds: 600 },
  'nodegroup-delete': deletionLatency.nodegroup,
  'fargate-profile-delete': deletionLatency['fargate-profile'],
  // helm upgrade --wait: the chart's pods rolled, as long as an install's wait.
  'addon-upgrade': { medianSeconds: 90, p90Seconds: 180 },
  // helm uninstall --wait (or DeleteAddon for an add-on installed as an EKS add-on), and its IRSA role.
  'addon-remove': { medianSeconds: 45, p90Seconds: 120 },
  // UpdateAddon: UPDATING, then ACTIVE in ~1-2 min once the new pods roll (EKS user guide,
  // "Update an Amazon EKS add-on"; terraform-provider-aws waitAddonUpdated allows 20 min).
  'eks-addon-update': { medianSeconds: 90, p90Seconds: 180 },
  'eks-addon-delete': deletionLatency['eks-addon'],
  // UpdateAccessEntry and Associate/DisassociateAccessPolicy answer at once (as CreateAccessEntry).
  'access-entry-update': { medianSeconds: 3, p90Seconds: 15 },
  'access-entry-delete': { medianSeconds: 2, p90Seconds: 10 },
  // A Deployment's rolling update, as long as its first rollout.
  'app-update': { medianSeconds: 60, p90Seconds: 180 },
  // The Deployment and its Service deleted; the load balancer controller then deletes the NLB (~1-2 min).
  'app-remove': { medianSeconds: 120, p90Seconds: 300 },
};

/**
 * A managed node group's rolling version update (EKS user guide, "Managed node update behavior"):
 * ~4 min of setup and scale-up (new nodes launched and Ready) and scale-down, then each old node
 * in turn cordoned, drained and terminated, ~3 min apiece with maxUnavailable 1.
 */
export function rollingUpdateSeconds(nodes: number): number {
  return 240 + 180 * Math.max(1, nodes);
}


/** "10m 30s", "45s", "1h 2m": durations as people read them in a plan. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return rest > 0 ? `${minutes}m ${rest}s` : `${minutes}m`;
  return `${rest}s`;
}
