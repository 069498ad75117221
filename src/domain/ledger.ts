/**
 * The run's ledger: every resource the run is about to make (intended) and has made
 * (confirmed). Kept in workflow state. Compensation walks it in reverse and deletes only
 * what this run made; an intended entry whose create response was lost is still looked for,
 * and deleted only if what is found under its name carries this environment's tag. An
 * entry whose create was refused because the name is someone else's is `refused`: never
 * deleted.
 */
export const resourceKinds = [
  'vpc', 'iam-role', 'oidc-provider', 'ecr-repository', 'eks-cluster', 'eks-nodegroup', 'eks-fargate-profile',
  // An access entry ("cluster/principalArn"); its access policy associations go with it.
  'eks-access-entry',
  // On the cluster: an add-on ("cluster/add-on") and the app ("cluster/namespace/name").
  'addon', 'app',
  // An EKS managed core add-on ("cluster/add-on"), made and deleted through the EKS API.
  'eks-addon',
  // Workload identity: a ServiceAccount ("cluster/namespace/name") and a pod identity association
  // ("cluster/namespace/service-account").
  'service-account', 'pod-identity-association',
  // Made by the cluster itself (Load Balancer Controller, VPC CNI), found by Kubernetes' tags at teardown.
  'load-balancer', 'target-group', 'security-group', 'network-interface',
  // A self-managed node group (src/activities/self-managed-nodegroups.ts): its Auto Scaling group,
  // launch template and the node role's instance profile, each by name.
  'autoscaling-group', 'launch-template', 'instance-profile',
  // Made by EKS (control-plane logs) and the CloudWatch agents, and kept by AWS after the cluster.
  'log-group',
  // A managed node group's launch template and key pair eksflow makes (`eksflow-<environment>-<group>`).
  'ec2-launch-template', 'ec2-key-pair',
  // The KMS key made for a cluster's Secrets, by its alias ("alias/eksflow/<name>"); deleted (scheduled, 7 days) after the cluster.
  'kms-key',
  // A cluster's OIDC identity provider config ("cluster/name"): disassociated at rollback, gone with its cluster at teardown.
  'eks-identity-provider',
  // Karpenter (addons.karpenter): its interruption queue with the EventBridge rules feeding it
  // (the queue's name), the discovery tag eksflow put on a subnet or security group
  // ("cluster/resource-id"), and the instances and instance profiles Karpenter itself made
  // for the cluster (the cluster's name), terminated and deleted by their tags.
  'interruption-queue', 'discovery-tag', 'karpenter-nodes',
  // A node group's SSH security group eksflow makes (`eksflow-<environment>-<group>-ssh`, src/domain/node-ssh-access.ts), by name.
  'ssh-security-group',
  // An EKS capability ("cluster/capability"): deleted (RETAIN) and waited out before its role and the cluster.
  'eks-capability',
  // eksflow's entries in a cluster's aws-auth ConfigMap, and EMR on EKS's Role and RoleBinding (src/domain/aws-auth.ts).
  'aws-auth',
] as const;
export type ResourceKind = (typeof resourceKinds)[number];

export interface ResourceRef {
  kind: ResourceKind;
  /** What deletes it: the name, or for scoped resources "cluster/name". */
  name: string;
  region: string;
  arn?: string;
}

export type LedgerState =
  | 'intended' | 'confirmed' | 'adopted' | 'compensated' | 'compensation-failed' | 'deleted' | 'delete-failed'
  /** The create was refused: the name is held by something that is not this environment's. */
  | 'refused'
  /** A delete found the name held by something without this environment's tag, and left it alone. */
  | 'not-ours';

/** States in which the environment holds nothing under the entry's name. */
const holdsNothing: ReadonlySet<LedgerState> = new Set(['compensated', 'deleted', 'refused', 'not-ours']);
export const holdsSomething = (entry: Pick<LedgerEntry, 'state'>) => !holdsNothing.has(entry.state);

export interface LedgerEntry extends ResourceRef {
  step: string;
  state: LedgerState;
  error?: string;
}

const key = (ref: Pick<ResourceRef, 'kind' | 'name' | 'region'>) => `${ref.kind}:${ref.region}:${ref.name}`;

export class Ledger {
  private readonly byKey = new Map<string, LedgerEntry>();
  private readonly order: string[] = [];

  constructor(entries: readonly LedgerEntry[] = []) {
    for (const entry of entries) this.put({ ...entry });
  }

  /** Before a create: if the response is lost, compensation still knows what to look for. */
  intend(ref: ResourceRef, step: string): void {
    if (!this.byKey.has(key(ref))) this.put({ ...ref, step, state: 'intended' });
  }

  /** After a create: `made` false means the resource was already there and is not ours to roll back. */
  confirm(ref: ResourceRef, made: boolean): void {
    const entry = this.byKey.get(key(ref));
    if (!entry) throw new Error(`ledger: ${key(ref)} was confirmed without being intended`);
    Object.assign(entry, ref, { state: made ? 'confirmed' : 'adopted' });
  }

  mark(ref: Pick<ResourceRef, 'kind' | 'name' | 'region'>, state: 'compensated' | 'compensation-failed' | 'deleted' | 'delete-failed' | 'refused' | 'not-ours', error?: string): void {
    const entry = this.byKey.get(key(ref));
    if (!entry) return;
    entry.state = state;
    if (error) entry.error = error;
    else delete entry.error;
  }

  /** What a rollback deletes, newest first: everything this run made or may have made. */
  toCompensate(): LedgerEntry[] {
    return this.entries().reverse().filter((entry) => entry.state === 'intended' || entry.state === 'confirmed' || entry.state === 'compensation-failed');
  }

  /** What a teardown deletes, newest first: everything the environment holds, adopted or not. */
  toTearDown(): LedgerEntry[] {
    return this.entries().reverse().filter(holdsSomething);
  }

  entries(): LedgerEntry[] {
    return this.order.map((k) => ({ ...this.byKey.get(k)! }));
  }

  private put(entry: LedgerEntry): void {
    this.byKey.set(key(entry), entry);
    this.order.push(key(entry));
  }
}
