import type { NodeGroupSpec } from './environment-spec';
import { needsOwnLaunchTemplate, nodePublicKey } from './managed-launch-template';
import { awsManagedPolicyArn } from './iam-policies/policy-document';

/**
 * SSH to a node group's nodes through a security group eksflow makes, and SSM Session Manager
 * through the node role, as eksctl does.
 *
 * eksctl opens port 22 in a security group of the group's own when `ssh.allow` is on: for an
 * unmanaged group, ingress rules "SSHIPv4" (0.0.0.0/0) and "SSHIPv6" (::/0), or with
 * privateNetworking only "SSHIPv4" from the VPC's CIDR ("private, only inside VPC")
 * (eksctl pkg/cfn/builder/vpc.go, NodeGroupResourceSet.addResourcesForSecurityGroups); for a
 * managed group with a launch template eksctl makes, a "remoteAccess" security group with the
 * same rules, or TCP 22 from each of `ssh.sourceSecurityGroupIds` when given
 * (pkg/cfn/builder/managed_launch_template.go, makeLaunchTemplateData), attached to the
 * template beside the cluster's security group. EKS opens the port itself only for a managed
 * group without a launch template (CreateNodegroup remoteAccess), which stays as it is.
 */

type Group = Pick<NodeGroupSpec, 'kind' | 'ssh' | 'privateNetworking' | 'launchTemplate'> & Partial<NodeGroupSpec>;

/** The security group's name: one per group, found again by it (GroupName is unique in a VPC). */
export const sshSecurityGroupName = (environment: string, group: string): string => `eksflow-${environment}-${group}-ssh`.slice(0, 255);

/** Whether a security group's name is one sshSecurityGroupName gives. */
export const isSshSecurityGroupName = (name: string): boolean => /^eksflow-.+-ssh$/.test(name);

/** Whether the group's nodes take a key and SSH is allowed (ssh.allow is on unless false). */
export function allowsSsh(group: Group): boolean {
  if (group.ssh?.allow === false) return false;
  return group.ssh?.keyName !== undefined || (group.kind === 'self-managed' ? group.ssh?.publicKey !== undefined : nodePublicKey(group as NodeGroupSpec) !== undefined);
}

/**
 * Whether eksflow makes the group an SSH security group: a self-managed group that allows SSH,
 * or a managed one whose launch template eksflow makes (EKS takes no remoteAccess with one).
 */
export function needsSshSecurityGroup(group: Group): boolean {
  if (!allowsSsh(group)) return false;
  if (group.kind === 'self-managed') return true;
  return group.launchTemplate === undefined && needsOwnLaunchTemplate(group as NodeGroupSpec);
}

/** One ingress rule on TCP 22: from an IPv4 CIDR, an IPv6 CIDR, or a security group. */
export interface SshIngressRule {
  cidrIpv4?: string;
  cidrIpv6?: string;
  sourceSecurityGroupId?: string;
  description: string;
}

/** What the SSH security group's rules are made from: the group's choice and the VPC's CIDR. */
export interface SshAccess {
  /** ssh.sourceSecurityGroupIds: only these reach port 22. @default anywhere, or the VPC with privateNetworking */
  sourceSecurityGroupIds?: string[];
  /** Nodes in private subnets (privateNetworking, which eksflow's spec takes as on when left out). */
  privateNetworking: boolean;
}

export const sshAccessOf = (group: Group): SshAccess => ({
  privateNetworking: group.privateNetworking !== false,
  ...(group.ssh?.sourceSecurityGroupIds?.length ? { sourceSecurityGroupIds: [...group.ssh.sourceSecurityGroupIds] } : {}),
});

/** The rules, as eksctl writes them (see above). Pure. */
export function sshIngressRules(access: SshAccess, vpcCidr: string | undefined, groupName: string): SshIngressRule[] {
  const desc = `Allow SSH access to worker nodes in group ${groupName}`;
  if (access.sourceSecurityGroupIds) return access.sourceSecurityGroupIds.map((id) => ({ sourceSecurityGroupId: id, description: `${desc} from ${id}` }));
  if (access.privateNetworking) {
    if (!vpcCidr) throw new Error('a private group\'s SSH rule needs the VPC\'s CIDR');
    return [{ cidrIpv4: vpcCidr, description: `${desc} (private, only inside VPC)` }];
  }
  return [{ cidrIpv4: '0.0.0.0/0', description: desc }, { cidrIpv6: '::/0', description: desc }];
}

/**
 * AmazonSSMManagedInstanceCore, for `ssh.enableSsm`: eksctl attaches it to every node role it
 * makes (pkg/cfn/builder/iam_helper.go, iamPolicyAmazonSSMManagedInstanceCore) and warns that
 * `ssh.enableSsm` is deprecated ("SSM is now enabled by default"). eksflow attaches it when the
 * group asks, so groups that do not ask keep the roles they had.
 */
export const ssmManagedInstanceCore = (partition = 'aws'): string => awsManagedPolicyArn('AmazonSSMManagedInstanceCore', partition);
