import { Type, type StringOptions } from '@sinclair/typebox';

/**
 * The AWS IDs and ARNs a spec names (resources of the user's own), in one place: the shape the
 * edge takes, and the form AWS gives out, which the plan warns about and the run checks before
 * it makes anything.
 *
 * eksctl checks none of these by format when it reads a ClusterConfig: a custom AMI only has to
 * start with "ami-" (pkg/apis/eksctl.io/v1alpha5 validation.go, IsAMI), attachPolicyARNs only
 * have to parse as ARNs (aws-sdk-go arn.Parse), and security groups, launch templates, subnets,
 * roles and permissions boundaries go to AWS as written; AWS judges them when eksctl runs
 * (pkg/ami api.go Use: DescribeImages; pkg/cfn/builder managed_nodegroup.go: the launch
 * template fetched by ID; CloudFormation for the rest). eksflow takes the same values at the
 * edge, so a ClusterConfig eksctl reads is read here too (its examples write sg-1, lt-1234,
 * ami-custom, arn:aws:iam::123:role/x), refuses only what is not even shaped like the thing (a
 * role ARN that is no IAM role ARN), and catches before anything is made what AWS would refuse:
 * the plan warns (awsIdWarnings) and the run looks each one up first (checkGivenResources).
 */

export type GivenResourceKind = 'security-group' | 'subnet' | 'vpc' | 'launch-template' | 'image' | 'role' | 'policy';

interface IdForm {
  /** What the edge takes: the prefix and something after it. */
  shape: string;
  /** What AWS gives out: EC2 IDs are the prefix and 8 or 17 hexadecimal digits (EC2 User Guide, "Resource IDs"). */
  issued: RegExp;
  /** The issued form, as a person reads it. */
  described: string;
  /** Who refuses another value, with the error it answers. */
  refusedBy: string;
}

const ec2Id = (prefix: string, what: string, refusedBy: string): IdForm => ({
  shape: `^${prefix}-[0-9A-Za-z][0-9A-Za-z-]{0,63}$`,
  issued: new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`),
  described: `${what} ID as EC2 gives them (${prefix}- and 8 or 17 hexadecimal digits)`,
  refusedBy,
});

// IAM ARNs: arn:<partition>:iam::<12-digit account>:role/<path/name> (IAM User Guide, "IAM
// identifiers"); managed policies AWS owns have the account "aws". The shape also takes a
// malformed account (eksctl's example 17 writes arn:aws:iam:11111:policy/...) and leaves it to
// the warning and the check: IAM refuses it (ValidationError / NoSuchEntity).
const iamName = '[\\w+=,.@/-]{1,512}';
const partition = 'aws(-cn|-us-gov|-iso[a-z]?)?';

export const idForms: Record<GivenResourceKind, IdForm> = {
  'security-group': ec2Id('sg', 'a security group', 'EC2 (InvalidGroupId.Malformed)'),
  subnet: ec2Id('subnet', 'a subnet', 'EC2 (InvalidSubnetID.Malformed)'),
  vpc: ec2Id('vpc', 'a VPC', 'EC2 (InvalidVpcID.Malformed)'),
  'launch-template': ec2Id('lt', 'a launch template', 'EC2 (InvalidLaunchTemplateId.Malformed)'),
  image: ec2Id('ami', 'an AMI', 'EC2 (InvalidAMIID.Malformed)'),
  role: {
    shape: `^arn:aws[a-z-]*:iam::?[^:/]*:role/${iamName}$`,
    issued: new RegExp(`^arn:${partition}:iam::[0-9]{12}:role/${iamName}$`),
    described: 'an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)',
    refusedBy: 'IAM and EKS (ValidationException)',
  },
  policy: {
    shape: `^arn:aws[a-z-]*:iam::?[^:/]*:policy/${iamName}$`,
    issued: new RegExp(`^arn:${partition}:iam::(aws|[0-9]{12}):policy/${iamName}$`),
    described: 'an IAM policy ARN (arn:aws:iam::<12-digit account or aws>:policy/<name>)',
    refusedBy: 'IAM (ValidationError)',
  },
};

/** The edge's schema for one kind of ID or ARN. */
export const awsId = (kind: GivenResourceKind, options: StringOptions = {}) => Type.String({ pattern: idForms[kind].shape, ...options });

export const SecurityGroupId = awsId('security-group', { description: 'a security group ID (sg-…)' });
export const SubnetId = awsId('subnet', { description: 'a subnet ID (subnet-…)' });
export const VpcId = awsId('vpc', { description: 'a VPC ID (vpc-…)' });
export const LaunchTemplateId = awsId('launch-template', { description: 'a launch template ID (lt-…)' });
export const AmiId = awsId('image', { description: 'an AMI ID (ami-…)' });
export const IamRoleArn = awsId('role', { description: 'an IAM role ARN, such as arn:aws:iam::123456789012:role/my-role' });
export const IamPolicyArn = awsId('policy', { description: 'an IAM policy ARN, such as arn:aws:iam::aws:policy/ReadOnlyAccess or arn:aws:iam::123456789012:policy/my-policy' });

/** One resource of the user's own the spec names, at its path. */
export interface GivenResource {
  kind: GivenResourceKind;
  id: string;
  path: string;
}

/** Why AWS would refuse this value, or undefined when it has the form AWS gives out. */
export function idFormProblem(kind: GivenResourceKind, id: string): string | undefined {
  const form = idForms[kind];
  if (form.issued.test(id)) return undefined;
  const shown = id.length > 36 ? `${id.slice(0, 36)}…` : id;
  return `"${shown}" is not ${form.described}: ${form.refusedBy} would refuse it; the run checks it before it makes anything`;
}

/** The name IAM's GetRole takes: the last part of the role ARN's path. */
export const roleNameOf = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

interface SpecLike {
  network?: { vpcId?: string; subnetIds?: string[]; publicSubnetIds?: string[]; controlPlaneSubnetIds?: string[]; securityGroupIds?: string[] };
  permissionsBoundaries?: { clusterRole?: string; fargateRole?: string };
  nodeGroups?: readonly {
    subnetIds?: string[]; securityGroupIds?: string[]; ssh?: { sourceSecurityGroupIds?: string[] };
    launchTemplate?: { id?: string }; ami?: { id: string };
    iam?: { attachPolicyArns?: string[]; permissionsBoundary?: string };
  }[];
  app?: { securityGroupIds?: string[] };
  serviceAccounts?: readonly { managedPolicyArns?: string[]; roleArn?: string; permissionsBoundary?: string }[];
  eksAddons?: Record<string, { serviceAccountRoleArn?: string; managedPolicyArns?: string[] } | undefined>;
  autoMode?: { nodeRoleArn?: string };
}

/**
 * Every ID and ARN of the user's own the spec names, at its path. Not listed: cross-account
 * target roles (targetRoleArn), which this account cannot look up, and access entries'
 * principals (EKS checks them at CreateAccessEntry, which the run makes only after the cluster).
 */
export function givenResources(spec: SpecLike): GivenResource[] {
  const found: GivenResource[] = [];
  const add = (kind: GivenResourceKind, path: string, id: string | undefined) => {
    if (typeof id === 'string') found.push({ kind, id, path });
  };
  const addAll = (kind: GivenResourceKind, path: string, ids: readonly string[] | undefined) => ids?.forEach((id, i) => add(kind, `${path}/${i}`, id));
  const network = spec.network;
  add('vpc', '/network/vpcId', network?.vpcId);
  addAll('subnet', '/network/subnetIds', network?.subnetIds);
  addAll('subnet', '/network/publicSubnetIds', network?.publicSubnetIds);
  addAll('subnet', '/network/controlPlaneSubnetIds', network?.controlPlaneSubnetIds);
  addAll('security-group', '/network/securityGroupIds', network?.securityGroupIds);
  add('policy', '/permissionsBoundaries/clusterRole', spec.permissionsBoundaries?.clusterRole);
  add('policy', '/permissionsBoundaries/fargateRole', spec.permissionsBoundaries?.fargateRole);
  spec.nodeGroups?.forEach((group, i) => {
    const at = `/nodeGroups/${i}`;
    addAll('subnet', `${at}/subnetIds`, group.subnetIds);
    addAll('security-group', `${at}/securityGroupIds`, group.securityGroupIds);
    addAll('security-group', `${at}/ssh/sourceSecurityGroupIds`, group.ssh?.sourceSecurityGroupIds);
    add('launch-template', `${at}/launchTemplate/id`, group.launchTemplate?.id);
    add('image', `${at}/ami/id`, group.ami?.id);
    addAll('policy', `${at}/iam/attachPolicyArns`, group.iam?.attachPolicyArns);
    add('policy', `${at}/iam/permissionsBoundary`, group.iam?.permissionsBoundary);
  });
  addAll('security-group', '/app/securityGroupIds', spec.app?.securityGroupIds);
  spec.serviceAccounts?.forEach((sa, i) => {
    addAll('policy', `/serviceAccounts/${i}/managedPolicyArns`, sa.managedPolicyArns);
    add('role', `/serviceAccounts/${i}/roleArn`, sa.roleArn);
    add('policy', `/serviceAccounts/${i}/permissionsBoundary`, sa.permissionsBoundary);
  });
  for (const [name, addon] of Object.entries(spec.eksAddons ?? {})) {
    add('role', `/eksAddons/${name}/serviceAccountRoleArn`, addon?.serviceAccountRoleArn);
    addAll('policy', `/eksAddons/${name}/managedPolicyArns`, addon?.managedPolicyArns);
  }
  add('role', '/autoMode/nodeRoleArn', spec.autoMode?.nodeRoleArn);
  return found;
}

/** The plan's warnings: each value of the user's own that AWS would refuse as written. */
export function awsIdWarnings(spec: SpecLike): { path: string; message: string }[] {
  return givenResources(spec).flatMap(({ kind, id, path }) => {
    const problem = idFormProblem(kind, id);
    return problem ? [{ path, message: problem }] : [];
  });
}
