import type { EnvironmentSpec } from './environment-spec';
import { karpenterNodeRolePolicies, karpenterQueueName } from './iam-policies/karpenter';
import type { StepKind } from './latency';
import { roleNames } from './names';

/** Karpenter's own steps (addons.karpenter), beside its IRSA role and add-on steps from the catalog. */
export const karpenterStepIds = {
  nodeRole: 'iam:karpenter-node-role',
  interruptionQueue: 'sqs:karpenter-interruption-queue',
  discoveryTags: 'ec2:karpenter-discovery-tags',
  nodeAccess: 'eks:karpenter-node-access',
} as const;

type Add = (id: string, kind: StepKind, title: string, dependsOn?: (string | undefined)[], subject?: string) => void;

/**
 * The AWS side Karpenter needs before its controller runs, as its getting-started sets it up:
 * the node role (worker, CNI, ECR and SSM policies), the interruption queue with its
 * EventBridge rules (unless turned off), the discovery tag on the worker subnets and the
 * cluster security group, and the node role's EC2_LINUX access entry so its nodes can join.
 * Only specs with addons.karpenter plan them. Returns what the add-on's step waits for.
 */
export function addKarpenterSteps(spec: EnvironmentSpec, add: Add, { cluster, network }: { cluster: string; network: string | undefined }): string[] {
  const karpenter = spec.addons.karpenter;
  if (!karpenter) return [];
  const ids = karpenterStepIds;
  add(ids.nodeRole, 'karpenter-node-role', `ensure IAM role ${roleNames.karpenterNode(spec.name)} for Karpenter's nodes (${karpenterNodeRolePolicies().map((arn) => arn.split('/').pop()).join(', ')})`);
  if (karpenter.interruptionQueue) {
    add(ids.interruptionQueue, 'karpenter-interruption-queue', `ensure SQS queue ${karpenterQueueName(spec.name)} and the EventBridge rules for spot interruptions, rebalances, scheduled changes and instance state`);
  }
  add(ids.discoveryTags, 'karpenter-discovery-tags', `tag the worker subnets and the cluster security group karpenter.sh/discovery=${spec.name}`, [cluster, network]);
  add(ids.nodeAccess, 'karpenter-node-access', 'ensure an EC2_LINUX access entry for Karpenter\'s node role', [cluster, ids.nodeRole]);
  return [ids.nodeRole, ...(karpenter.interruptionQueue ? [ids.interruptionQueue] : []), ids.discoveryTags, ids.nodeAccess];
}
