import type { NodeGroupSpec } from './environment-spec';
import { wellKnownGrant, type WellKnownPolicyName } from './iam-policies/eksctl-well-known';
import { awsManagedPolicyArn, type PolicyDocument } from './iam-policies/policy-document';
import { boundedName } from './names';
import { serviceRoles } from './service-roles';
import { ssmManagedInstanceCore } from './node-ssh-access';

/**
 * A node group's own node role, for `iam` (attachPolicyArns, withAddonPolicies): the worker,
 * CNI and ECR policies every node needs, plus what the group asks for. eksctl grants the same
 * add-on policies to a node group's instance role (pkg/cfn/builder/iam.go, the nodegroup's
 * `iam.withAddonPolicies`, with the statements of pkg/cfn/builder/iam_helper.go and
 * statement.go); eksflow reuses those statements (src/domain/iam-policies/eksctl-well-known.ts)
 * and the AWS managed policies where one exists. EKS makes the access entry (EC2_LINUX) of a
 * managed group's node role itself (EKS User Guide, access entries: "Amazon EKS automatically
 * creates an access entry for managed node groups").
 */

type AddonPolicy = NonNullable<NonNullable<NodeGroupSpec['iam']>['withAddonPolicies']>[number];

/** withAddonPolicies eksflow grants: eksctl's statements, or the AWS managed policy for the job. */
const wellKnownFor: Partial<Record<AddonPolicy, WellKnownPolicyName>> = {
  imageBuilder: 'imageBuilder', autoScaler: 'autoScaler', externalDNS: 'externalDNS', certManager: 'certManager',
  awsLoadBalancerController: 'awsLoadBalancerController', ebs: 'ebsCSIController', efs: 'efsCSIController',
};
const managedFor: Partial<Record<AddonPolicy, string>> = {
  cloudWatch: 'CloudWatchAgentServerPolicy', xRay: 'AWSXRayDaemonWriteAccess', fsx: 'AmazonFSxFullAccess',
};

/** withAddonPolicies eksflow refuses, with the reason and the alternative. */
export const refusedAddonPolicies: Partial<Record<AddonPolicy, string>> = {
  appMesh: 'AWS App Mesh reached its end of support on 30 September 2026: there is nothing to grant it; move to Amazon VPC Lattice or ECS Service Connect',
  appMeshPreview: 'AWS App Mesh (and its preview) reached its end of support on 30 September 2026; move to Amazon VPC Lattice',
};

export const nodeGroupRoleName = (environment: string, group: string): string => boundedName([environment, 'node', group], 64);

/**
 * Whether the group gets a node role of its own: for policies beyond the node's, a permissions
 * boundary (eksctl's iam.instanceRolePermissionsBoundary, set as the role's PermissionsBoundary:
 * pkg/cfn/builder/iam.go), or SSM Session Manager (ssh.enableSsm, src/domain/node-ssh-access.ts).
 */
export const hasOwnNodeRole = (group: Pick<NodeGroupSpec, 'iam'> & Partial<Pick<NodeGroupSpec, 'ssh'>>): boolean => (group.iam?.attachPolicyArns?.length ?? 0) > 0
  || (group.iam?.withAddonPolicies?.length ?? 0) > 0 || group.iam?.permissionsBoundary !== undefined || group.ssh?.enableSsm === true;

/** The policies a group's own role adds to its grant: AmazonSSMManagedInstanceCore with ssh.enableSsm. */
export const nodeRoleExtraPolicies = (group: Partial<Pick<NodeGroupSpec, 'ssh'>>, partition = 'aws'): string[] => (group.ssh?.enableSsm === true ? [ssmManagedInstanceCore(partition)] : []);

/** The group's node role's policies: the shared node role's, its attachPolicyArns, and its add-on policies. Pure. */
export function nodeGroupGrant(iam: NonNullable<NodeGroupSpec['iam']>, partition = 'aws'): { managedPolicyArns: string[]; inlinePolicies: Record<string, PolicyDocument> } {
  const addons = iam.withAddonPolicies ?? [];
  const wellKnown = wellKnownGrant(addons.flatMap((addon) => (wellKnownFor[addon] ? [wellKnownFor[addon]] : [])), partition);
  const managed = [
    ...serviceRoles.node.policies.map((arn) => arn.replace(/^arn:aws:/, `arn:${partition}:`)),
    ...wellKnown.managedPolicyArns,
    ...addons.flatMap((addon) => (managedFor[addon] ? [awsManagedPolicyArn(managedFor[addon], partition)] : [])),
    ...(iam.attachPolicyArns ?? []),
  ];
  return { managedPolicyArns: [...new Set(managed)], inlinePolicies: wellKnown.inlinePolicies };
}

/** What the group's iam cannot be yet, each with its reason. */
export function nodeGroupIamProblems(groups: readonly Partial<Pick<NodeGroupSpec, 'iam' | 'kind'>>[]): { path: string; message: string }[] {
  return groups.flatMap((group, i) => {
    const iam = group.iam;
    if (typeof iam !== 'object' || iam === null) return [];
    const at = `/nodeGroups/${i}/iam`;
    const problems: { path: string; message: string }[] = [];
    (Array.isArray(iam.withAddonPolicies) ? iam.withAddonPolicies : []).forEach((addon, a) => {
      const reason = refusedAddonPolicies[addon];
      if (reason) problems.push({ path: `${at}/withAddonPolicies/${a}`, message: `${addon}: ${reason}` });
    });
    return problems;
  });
}
