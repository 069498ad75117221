import type { NodeGroupSpec } from '../domain/environment-spec';
import { clientRequestToken } from '../domain/names';
import { ownershipTags, type Owner } from '../domain/ownership';
import type { EksApi, Nodegroup } from './aws/eks';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse, deleteIfOurs, type DeleteOutcome, type DeleteOwner } from './ownership-check';

export interface NodegroupStatus {
  status: string;
  scaling: Nodegroup['scaling'];
  /** EKS's health issues, "code: message" (NodeCreationFailure, AsgInstanceLaunchFailures, ...). */
  issues?: string[];
}

/** The label EKS puts on every node of a managed node group. */
export const nodegroupLabel = 'eks.amazonaws.com/nodegroup';

export function createNodegroupActivities(eks: EksApi) {
  /** Starts creating a managed node group (on-demand or spot), or adopts this environment's own. */
  async function ensureNodegroup(input: {
    owner: Owner; region: string; cluster: string; group: NodeGroupSpec; nodeRoleArn: string; subnetIds: string[]; tags?: Record<string, string>;
    /** The group's launch template (its disk is then the template's). @default none */
    launchTemplate?: { id: string; version: string };
    /** An EC2 key pair for SSH without a launch template, and who may reach port 22. @default none */
    remoteAccess?: { ec2SshKey: string; sourceSecurityGroups?: string[] };
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
      // EKS refuses diskSize with a launch template: the disk is in the template (CreateNodegroup API reference).
      ...(input.launchTemplate ? { launchTemplate: input.launchTemplate } : { diskSize: group.diskSize }),
      ...(input.remoteAccess ? { remoteAccess: input.remoteAccess } : {}),
      ...(group.updateConfig ? { updateConfig: group.updateConfig } : {}),
      ...(group.nodeRepair !== undefined ? { nodeRepair: group.nodeRepair } : {}),
      scaling: { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize },
      labels: group.labels ?? {},
      taints: group.taints ?? [],
      tags: ownershipTags(owner, input.tags),
      clientRequestToken: clientRequestToken(owner.runId, `ng-${cluster}-${group.name}`),
    });
    return { ref: ref(created.arn), made: true, status: created.status, scaling: created.scaling };
  }

  /**
   * One observation for the workflow's poll, failed states and their health issues included:
   * the wait decides (provisioning fails on CREATE_FAILED or DEGRADED; a delete still waits
   * out a CREATE_FAILED group going away).
   */
  async function describeNodegroup(input: { cluster: string; name: string }): Promise<NodegroupStatus> {
    const group = await eks.describeNodegroup(input.cluster, input.name);
    if (!group) return { status: 'NOT_FOUND', scaling: { minSize: 0, desiredSize: 0, maxSize: 0 } };
    return { status: group.status, scaling: group.scaling, ...(group.health.length ? { issues: group.health } : {}) };
  }

  async function scaleNodegroup(input: { owner: Owner; cluster: string; name: string; scaling: Nodegroup['scaling']; requestId: string }): Promise<void> {
    await eks.updateNodegroupScaling(input.cluster, input.name, input.scaling, clientRequestToken(input.owner.runId, `scale-${input.requestId}`));
  }

  /** Deletes the group, only when it carries this environment's tag. */
  async function deleteNodegroup(input: DeleteOwner & { cluster: string; name: string }): Promise<DeleteOutcome> {
    return deleteIfOurs(await eks.describeNodegroup(input.cluster, input.name), input, () => eks.deleteNodegroup(input.cluster, input.name));
  }

  return { ensureNodegroup, describeNodegroup, scaleNodegroup, deleteNodegroup };
}
