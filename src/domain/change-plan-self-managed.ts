import { changeStepIds, differingKeys, fromTo, type ChangeBuilder } from './change-plan-builder';
import type { NodeGroupSpec } from './environment-spec';
import { isWindowsGroup } from './node-bootstrap';
import { stepIds } from './planner';
import { isSelfManaged, selfManagedName } from './self-managed-nodes';

/**
 * The self-managed part of a change plan (src/domain/change-plan-compute.ts): a group eksflow
 * made as a launch template and an Auto Scaling group. Pure.
 *
 * - Added: the creation's own steps (the group's role, launch template, Auto Scaling group and
 *   access entry; then its nodes Ready), with Windows IPAM switched on first for the first
 *   Windows group, as a creation does.
 * - Sizes: UpdateAutoScalingGroup in place, as `scaleNodeGroup` does (eksctl `scale nodegroup`
 *   on an unmanaged group sets the ASG's sizes: pkg/actions/nodegroup/scale.go).
 * - Removed: its nodes cordoned and drained respecting PodDisruptionBudgets, then every part the
 *   group's creation step ledgered deleted, newest first (eksctl drains an unmanaged group before
 *   deleting its stack: pkg/actions/nodegroup/delete.go).
 * - Anything else (instance types, AMI, labels and taints in the user data, volume, subnets…)
 *   would need a new launch template version and an instance refresh: refused with the way out.
 */

const sizeFields: ReadonlySet<string> = new Set(['minSize', 'desiredSize', 'maxSize']);

export const selfManagedStepIds = {
  scale: (group: string) => `ec2:self-managed-scale/${group}`,
  remove: (group: string) => `ec2:self-managed-nodegroup-delete/${group}`,
} as const;

const sizes = (group: NodeGroupSpec) => `min/desired/max ${group.minSize}/${group.desiredSize}/${group.maxSize}`;

/** The steps for one group of the new spec that is (or was) self-managed; returns its nodes-ready step when it is added. */
export function addSelfManagedChanges(b: ChangeBuilder, index: number, before: NodeGroupSpec | undefined, group: NodeGroupSpec, upgradedTo: string | undefined): string | undefined {
  const asg = selfManagedName(b.next.name, group.name);
  if (before && isSelfManaged(before) !== isSelfManaged(group)) {
    b.refuse(`/nodeGroups/${index}/kind`, `node group ${group.name} cannot change between managed and self-managed in place; the way out: add a group of the new kind under another name and remove this one`);
    return undefined;
  }
  if (!before) {
    b.accounted.add('nodeGroups');
    const windows = isWindowsGroup(group);
    const firstWindows = windows && !b.live.nodeGroups.some((g) => isSelfManaged(g) && isWindowsGroup(g)) && !b.has(stepIds.windowsIpam);
    if (firstWindows) {
      b.add({ id: stepIds.windowsIpam, kind: 'windows-ipam', action: 'add', title: 'enable Windows IPAM in the VPC CNI (amazon-vpc-cni ConfigMap: enable-windows-ipam "true")', change: `the first Windows node group: ${group.name}` });
    }
    const id = b.add({
      id: stepIds.selfManagedNodegroup(group.name), kind: 'self-managed-nodegroup', action: 'add', subject: group.name,
      title: `create self-managed ${windows ? 'Windows ' : ''}node group ${group.name}: node role, launch template, Auto Scaling group ${asg} (${group.instanceTypes.join(', ')}; ${sizes(group)}) and its ${windows ? 'EC2_WINDOWS' : 'EC2_LINUX'} access entry`,
      change: `new self-managed node group ${group.name}`,
    });
    return b.add({ id: stepIds.nodesReady(group.name), kind: 'nodes-ready', action: 'add', subject: group.name, title: `wait for ${group.desiredSize} Ready nodes in ${group.name}`, change: `new self-managed node group ${group.name}`, dependsOn: [id, windows && b.has(stepIds.windowsIpam) ? stepIds.windowsIpam : undefined] });
  }
  const fields = differingKeys(before, group);
  const other = fields.filter((f) => !sizeFields.has(f));
  for (const field of other) {
    b.refuse(`/nodeGroups/${index}/${field}`, `${field} of self-managed node group ${group.name} cannot be changed by apply yet (it needs a new launch template version and an instance refresh); the way out: add a self-managed group with the new ${field} and remove this one`);
  }
  if (upgradedTo) {
    b.refuse(`/nodeGroups/${index}`, `self-managed node group ${group.name} cannot be rolled onto Kubernetes ${upgradedTo} by apply yet; the way out: add a self-managed group (it gets the AMI for ${upgradedTo}) and remove this one in the same change`);
  }
  if (fields.length === 0) {
    if (!upgradedTo) b.unchanged.push(`nodeGroups/${group.name}`);
    return undefined;
  }
  if (other.length > 0) return undefined;
  b.accounted.add('nodeGroups');
  b.add({
    id: selfManagedStepIds.scale(group.name), kind: 'self-managed-scale', action: 'update', subject: group.name,
    title: `resize Auto Scaling group ${asg} in place (UpdateAutoScalingGroup) and wait for its nodes`,
    change: fields.map((f) => fromTo(f, before[f as keyof NodeGroupSpec], group[f as keyof NodeGroupSpec])).join('; '),
  });
  return undefined;
}

/** A self-managed group the new spec leaves out: drained, then its parts deleted through the ledger. */
export function retireSelfManaged(b: ChangeBuilder, group: NodeGroupSpec, after: (string | undefined)[]): void {
  b.accounted.add('nodeGroups');
  const change = `self-managed node group ${group.name} is removed; its pods are rescheduled on the compute that remains`;
  const drain = b.add({ id: changeStepIds.drain(group.name), kind: 'drain', action: 'remove', subject: group.name, title: `cordon and drain the nodes of ${group.name} (respecting PodDisruptionBudgets)`, change, dependsOn: after });
  b.add({
    id: selfManagedStepIds.remove(group.name), kind: 'self-managed-nodegroup-delete', action: 'remove', subject: group.name, dependsOn: [drain], change,
    title: `delete self-managed node group ${group.name}: its access entry, Auto Scaling group (waited until gone), launch template, instance profile and role`,
  });
}
