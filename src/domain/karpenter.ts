import type { AddonsSpec } from './environment-spec';
import { karpenterDiscoveryTag } from './iam-policies/karpenter';

/**
 * The NodePool and EC2NodeClass eksflow applies for addons.karpenter, as the Karpenter
 * getting-started applies its `default` pair (aws/karpenter-provider-aws, website/content/en/
 * preview/getting-started/getting-started-with-karpenter/scripts/step12-add-nodepool.sh):
 * karpenter.sh/v1 and karpenter.k8s.aws/v1. Pure.
 */

export type KarpenterOptions = NonNullable<AddonsSpec['karpenter']>;

/** The name of the NodePool (and its EC2NodeClass): nodes carry it as `karpenter.sh/nodepool`. */
export const karpenterNodePoolName = 'default';

export interface KarpenterObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface NodeClassRef {
  group: string;
  kind: string;
  name: string;
}

/** The EC2NodeClass eksflow's NodePool launches with (karpenter.k8s.aws/v1). */
export const ec2NodeClassRef: NodeClassRef = { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: karpenterNodePoolName };

/**
 * The NodePool: Linux on amd64 of the capacity types asked for, the instance types asked for or
 * else the getting-started's (families c, m, r of generation 3 and later); nodes that are empty
 * or underutilized consolidated after `consolidateAfter`; no more than `cpuLimit` vCPUs in all.
 * `nodeClassRef` is the EC2NodeClass below on AWS; a test bed without EC2 (Karpenter's KWOK
 * provider) names its own node class, and its own instance types.
 */
export function karpenterNodePool(options: KarpenterOptions['nodePool'], { nodeClassRef = ec2NodeClassRef, labels = {} }: { nodeClassRef?: NodeClassRef; labels?: Record<string, string> } = {}): KarpenterObject {
  const requirement = (key: string, operator: 'In' | 'Gt', values: readonly string[]) => ({ key, operator, values: [...values] });
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: karpenterNodePoolName, labels },
    spec: {
      template: {
        spec: {
          requirements: [
            requirement('kubernetes.io/arch', 'In', ['amd64']),
            requirement('kubernetes.io/os', 'In', ['linux']),
            requirement('karpenter.sh/capacity-type', 'In', options.capacityTypes),
            ...(options.instanceTypes
              ? [requirement('node.kubernetes.io/instance-type', 'In', options.instanceTypes)]
              : [requirement('karpenter.k8s.aws/instance-category', 'In', ['c', 'm', 'r']), requirement('karpenter.k8s.aws/instance-generation', 'Gt', ['2'])]),
          ],
          nodeClassRef,
          // The getting-started's: a node is replaced after 30 days.
          expireAfter: '720h',
        },
      },
      ...(options.cpuLimit ? { limits: { cpu: options.cpuLimit } } : {}),
      disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: options.consolidateAfter },
    },
  };
}

/**
 * The EC2NodeClass: AL2023's latest EKS-optimized AMI, the node role (Karpenter 1.x makes the
 * instance profile for it), and the subnets and security groups tagged `karpenter.sh/discovery`.
 */
export function karpenterEc2NodeClass(cluster: string, nodeRoleName: string, labels: Record<string, string> = {}): KarpenterObject {
  const discovered = [{ tags: karpenterDiscoveryTag(cluster) }];
  return {
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name: karpenterNodePoolName, labels },
    spec: {
      role: nodeRoleName,
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      subnetSelectorTerms: discovered,
      securityGroupSelectorTerms: discovered,
    },
  };
}
