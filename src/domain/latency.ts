/**
 * How long each kind of step takes on AWS, from published medians (EKS control plane
 * ~10 min, p90 ~15; managed node group ~2 min; Fargate profile 1–5 min; add-on 1–3 min;
 * NLB usable after 4–5 min; node Ready ~30 s). The planner estimates with the median; the
 * waits poll densely around it and give up well past the p90.
 */
export const stepKinds = [
  'network', 'cluster-role', 'node-role', 'fargate-role', 'ecr-repository', 'image-import',
  'cluster', 'cluster-logging', 'oidc-provider', 'nodegroup', 'nodes-ready', 'fargate-profile',
  'irsa-role', 'addon', 'app', 'app-vpa', 'nlb', 'autoscaling-check', 'kube-api-ready', 'coredns-fargate',
  'access-entry',
  'eks-addons-check', 'eks-addon',
  // Workload identity (src/domain/workload-identity.ts).
  'workload-role', 'service-account', 'pod-identity-agent', 'pod-identity-association',
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

export const latencyTable: Record<StepKind, Latency> = {
  // VPC, subnets, route tables and a NAT gateway; the NAT gateway dominates.
  network: { medianSeconds: 120, p90Seconds: 240 },
  // IAM is eventually consistent: a new role is usable everywhere after ~10 s.
  'cluster-role': { medianSeconds: 10, p90Seconds: 20 },
  'node-role': { medianSeconds: 10, p90Seconds: 20 },
  'fargate-role': { medianSeconds: 10, p90Seconds: 20 },
  'irsa-role': { medianSeconds: 10, p90Seconds: 20 },
  'ecr-repository': { medianSeconds: 2, p90Seconds: 5 },
  'image-import': { medianSeconds: 60, p90Seconds: 180 },
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
  // CoreDNS's rollout onto Fargate: a Fargate pod takes about a minute to be placed and start (catalog entry 31).
  'coredns-fargate': { medianSeconds: 90, p90Seconds: 180 },
  // CreateAccessEntry and its AssociateAccessPolicy calls answer at once; a principal made
  // seconds before is refused for ~10 s until IAM propagates it (aws-fault-catalog 4).
  'access-entry': { medianSeconds: 3, p90Seconds: 15 },
  // Two EKS reads per core add-on (DescribeAddonVersions, DescribeAddonConfiguration).
  'eks-addons-check': { medianSeconds: 3, p90Seconds: 10 },
  // A managed add-on goes ACTIVE in ~1-3 min once its pods can run (EKS user guide; Terraform's
  // waitAddonCreated allows 20 min). DEGRADED with no nodes is waited through, not failed on.
  'eks-addon': { medianSeconds: 90, p90Seconds: 180 },
  'workload-role': { medianSeconds: 10, p90Seconds: 20 },
  // One server-side apply.
  'service-account': { medianSeconds: 2, p90Seconds: 5 },
  // An EKS add-on whose DaemonSet pods come up on the nodes there are.
  'pod-identity-agent': { medianSeconds: 120, p90Seconds: 180 },
  'pod-identity-association': { medianSeconds: 2, p90Seconds: 5 },
};

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
} satisfies Record<string, Latency>;

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
