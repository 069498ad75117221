import { ApplicationFailure } from '@temporalio/common';
import type { NodeGroupSpec } from '../domain/environment-spec';
import { errorTypes } from '../domain/errors';
import { clientRequestToken } from '../domain/names';
import { ownershipTags, type Owner } from '../domain/ownership';
import type { EksApi, Nodegroup } from './aws/eks';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse } from './ownership-check';

export interface NodegroupStatus {
  status: string;
  scaling: Nodegroup['scaling'];
}

/** The label EKS puts on every node of a managed node group. */
export const nodegroupLabel = 'eks.amazonaws.com/nodegroup';

const failedStates = new Set(['CREATE_FAILED', 'DELETE_FAILED', 'DEGRADED']);

export function createNodegroupActivities(eks: EksApi) {
  /** Starts creating a managed node group (on-demand or spot), or adopts this environment's own. */
  async function ensureNodegroup(input: {
    owner: Owner; region: string; cluster: string; group: NodeGroupSpec; nodeRoleArn: string; subnetIds: string[]; tags?: Record<string, string>;
  }): Promise<EnsuredResource & NodegroupStatus> {
    const { cluster, group, owner } = input;
    const ref = (arn: string) => ({ kind: 'eks-nodegroup' as const, name: `${cluster}/${group.name}`, region: input.region, arn });
    const existing = await eks.describeNodegroup(cluster, group.name);
    if (existing) {
      const { madeByThisRun } = adoptOrRefuse(`node group ${group.name} of cluster ${cluster}`, existing.tags, owner);
      return { ref: ref(existing.arn), made: madeByThisRun, status: existing.status, scaling: existing.scaling };
    }
    const created = await eks.createNodegroup({
      cluster,
      name: group.name,
      nodeRoleArn: input.nodeRoleArn,
      subnetIds: input.subnetIds,
      instanceTypes: group.instanceTypes,
      capacityType: group.capacityType,
      amiType: group.amiType,
      diskSize: group.diskSize,
      scaling: { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize },
      labels: group.labels ?? {},
      taints: group.taints ?? [],
      tags: ownershipTags(owner, input.tags),
      clientRequestToken: clientRequestToken(owner.runId, `ng-${cluster}-${group.name}`),
    });
    return { ref: ref(created.arn), made: true, status: created.status, scaling: created.scaling };
  }

  /** One observation for the workflow's poll; a failed group ends the wait with its health issues. */
  async function describeNodegroup(input: { cluster: string; name: string }): Promise<NodegroupStatus> {
    const group = await eks.describeNodegroup(input.cluster, input.name);
    if (!group) return { status: 'NOT_FOUND', scaling: { minSize: 0, desiredSize: 0, maxSize: 0 } };
    if (failedStates.has(group.status)) {
      throw ApplicationFailure.nonRetryable(`node group ${input.name} is ${group.status}: ${group.health.join('; ') || 'no health issues reported'}`, errorTypes.resourceFailed);
    }
    return { status: group.status, scaling: group.scaling };
  }

  async function scaleNodegroup(input: { owner: Owner; cluster: string; name: string; scaling: Nodegroup['scaling']; requestId: string }): Promise<void> {
    await eks.updateNodegroupScaling(input.cluster, input.name, input.scaling, clientRequestToken(input.owner.runId, `scale-${input.requestId}`));
  }

  async function deleteNodegroup(input: { cluster: string; name: string }): Promise<void> {
    await eks.deleteNodegroup(input.cluster, input.name);
  }

  return { ensureNodegroup, describeNodegroup, scaleNodegroup, deleteNodegroup };
}
