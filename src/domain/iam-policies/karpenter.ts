import { awsManagedPolicyArn, type PolicyDocument, type PolicyStatement } from './policy-document';

/**
 * Karpenter's AWS side, as its getting-started CloudFormation template sets it up
 * (aws/karpenter-provider-aws, website/content/en/preview/getting-started/
 * getting-started-with-karpenter/cloudformation.yaml): the node role its instances run as, the
 * controller's policy, and the interruption queue EventBridge feeds. Written here as data from
 * the documented statements, with eksflow's names. Pure.
 */

/** The role Karpenter's nodes run as (the template's KarpenterNodeRole), `<env>-karpenter-node`. */
export const karpenterNodeRolePolicies = (partition = 'aws'): string[] => [
  'AmazonEKS_CNI_Policy', 'AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonSSMManagedInstanceCore',
].map((name) => awsManagedPolicyArn(name, partition));

/** The tag Karpenter's EC2NodeClass selects subnets and security groups by (the getting-started's `karpenter.sh/discovery`). */
export const karpenterDiscoveryTag = (cluster: string): Record<string, string> => ({ 'karpenter.sh/discovery': cluster });

/** The interruption queue's name: the template names it after the cluster; eksflow's is `<env>-karpenter`. SQS allows 80 characters. */
export const karpenterQueueName = (cluster: string) => `${cluster}-karpenter`.slice(0, 80);

/**
 * The EventBridge rules that feed the queue (the template's ScheduledChangeRule,
 * SpotInterruptionRule, RebalanceRule, InstanceStateChangeRule), by eksflow's rule name.
 */
export const karpenterInterruptionRules = (cluster: string): { name: string; source: string; detailType: string }[] => [
  { suffix: 'scheduled-change', source: 'aws.health', detailType: 'AWS Health Event' },
  { suffix: 'spot-interruption', source: 'aws.ec2', detailType: 'EC2 Spot Instance Interruption Warning' },
  { suffix: 'rebalance', source: 'aws.ec2', detailType: 'EC2 Instance Rebalance Recommendation' },
  { suffix: 'instance-state-change', source: 'aws.ec2', detailType: 'EC2 Instance State-change Notification' },
  // EventBridge rule names are at most 64 characters.
].map(({ suffix, ...rule }) => ({ name: `${cluster}-karpenter-${suffix}`.slice(0, 64), ...rule }));

/** The queue's policy (the template's KarpenterInterruptionQueuePolicy): EventBridge and SQS may send; plain HTTP is refused. */
export interface QueuePolicy {
  Version: '2012-10-17';
  Id: string;
  /** A resource policy's statements name who may act (Principal), beside what a role's say. */
  Statement: (PolicyStatement & { Principal: string | { Service: string[] } })[];
}

export function karpenterQueuePolicy(queueArn: string): QueuePolicy {
  return {
    Version: '2012-10-17',
    Id: 'EC2InterruptionPolicy',
    Statement: [
      { Effect: 'Allow', Principal: { Service: ['events.amazonaws.com', 'sqs.amazonaws.com'] }, Action: 'sqs:SendMessage', Resource: queueArn },
      { Sid: 'DenyHTTP', Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: queueArn, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ],
  };
}

export interface KarpenterPolicyInput {
  cluster: string;
  region: string;
  partition: string;
  account: string;
  nodeRoleArn: string;
  /** The interruption queue, when the spec keeps it (addons.karpenter.interruptionQueue). */
  queueArn?: string;
}

/**
 * The controller's permissions, statement by statement as the template's KarpenterControllerPolicy
 * documents them (Sids kept, so they can be compared): launch only with the cluster's tags,
 * tag and terminate only what carries them, read EC2, SSM's public parameters and prices, pass
 * only the node role, make and delete only instance profiles tagged for this cluster and region,
 * read the cluster's endpoint; and the interruption queue, when there is one.
 */
export function karpenterControllerPolicy({ cluster, region, partition, account, nodeRoleArn, queueArn }: KarpenterPolicyInput): PolicyDocument {
  const ec2 = (type: string) => `arn:${partition}:ec2:${region}:*:${type}/*`;
  const owned = { [`aws:ResourceTag/kubernetes.io/cluster/${cluster}`]: 'owned' };
  const requestTagged = { [`aws:RequestTag/kubernetes.io/cluster/${cluster}`]: 'owned', 'aws:RequestTag/eks:eks-cluster-name': cluster };
  const launched = ['fleet', 'instance', 'volume', 'network-interface', 'launch-template', 'spot-instances-request'].map(ec2);
  const profiles = `arn:${partition}:iam::${account}:instance-profile/*`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowScopedEC2InstanceAccessActions', Effect: 'Allow', Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
        Resource: [`arn:${partition}:ec2:${region}::image/*`, `arn:${partition}:ec2:${region}::snapshot/*`, ec2('security-group'), ec2('subnet')],
      },
      {
        Sid: 'AllowScopedEC2LaunchTemplateAccessActions', Effect: 'Allow', Action: ['ec2:RunInstances', 'ec2:CreateFleet'], Resource: ec2('launch-template'),
        Condition: { StringEquals: owned, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' } },
      },
      {
        Sid: 'AllowScopedEC2InstanceActionsWithTags', Effect: 'Allow', Action: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'], Resource: launched,
        Condition: { StringEquals: requestTagged, StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' } },
      },
      {
        Sid: 'AllowScopedResourceCreationTagging', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: launched,
        Condition: {
          StringEquals: { ...requestTagged, 'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'] },
          StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
        },
      },
      {
        Sid: 'AllowScopedResourceTagging', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: ec2('instance'),
        Condition: {
          StringEquals: owned, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
          StringEqualsIfExists: { 'aws:RequestTag/eks:eks-cluster-name': cluster },
          'ForAllValues:StringEquals': { 'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'] },
        },
      },
      {
        Sid: 'AllowScopedDeletion', Effect: 'Allow', Action: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'], Resource: [ec2('instance'), ec2('launch-template')],
        Condition: { StringEquals: owned, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' } },
      },
      {
        Sid: 'AllowRegionalReadActions', Effect: 'Allow', Resource: '*',
        Action: [
          'ec2:DescribeImages', 'ec2:DescribeInstances', 'ec2:DescribeInstanceTypeOfferings', 'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplates', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSpotPriceHistory', 'ec2:DescribeSubnets',
        ],
        Condition: { StringEquals: { 'aws:RequestedRegion': region } },
      },
      { Sid: 'AllowSSMReadActions', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: `arn:${partition}:ssm:${region}::parameter/aws/service/*` },
      { Sid: 'AllowPricingReadActions', Effect: 'Allow', Action: 'pricing:GetProducts', Resource: '*' },
      ...(queueArn ? [{ Sid: 'AllowInterruptionQueueActions', Effect: 'Allow' as const, Action: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'], Resource: queueArn }] : []),
      {
        Sid: 'AllowPassingInstanceRole', Effect: 'Allow', Action: 'iam:PassRole', Resource: nodeRoleArn,
        Condition: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] } },
      },
      {
        Sid: 'AllowScopedInstanceProfileCreationActions', Effect: 'Allow', Action: ['iam:CreateInstanceProfile'], Resource: profiles,
        Condition: {
          StringEquals: { ...requestTagged, 'aws:RequestTag/topology.kubernetes.io/region': region },
          StringLike: { 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
        },
      },
      {
        Sid: 'AllowScopedInstanceProfileTagActions', Effect: 'Allow', Action: ['iam:TagInstanceProfile'], Resource: profiles,
        Condition: {
          StringEquals: { ...owned, 'aws:ResourceTag/topology.kubernetes.io/region': region, ...requestTagged, 'aws:RequestTag/topology.kubernetes.io/region': region },
          StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*', 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
        },
      },
      {
        Sid: 'AllowScopedInstanceProfileActions', Effect: 'Allow', Action: ['iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'], Resource: profiles,
        Condition: {
          StringEquals: { ...owned, 'aws:ResourceTag/topology.kubernetes.io/region': region },
          StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*' },
        },
      },
      { Sid: 'AllowInstanceProfileReadActions', Effect: 'Allow', Action: 'iam:GetInstanceProfile', Resource: profiles },
      { Sid: 'AllowAPIServerEndpointDiscovery', Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: `arn:${partition}:eks:${region}:${account}:cluster/${cluster}` },
    ],
  };
}
