import { awsManagedPolicyArn, type PolicyDocument, type PolicyStatement } from './policy-document';

/**
 * eksctl's well-known policies (`wellKnownPolicies` of `iam.serviceAccounts` and
 * `iam.podIdentityAssociations`), as eksctl attaches them: imageBuilder is the managed policy
 * AmazonEC2ContainerRegistryPowerUser, every other one inline statements. Read from
 * eksctl-io/eksctl pkg/cfn/builder/iam_helper.go `createWellKnownPolicies` and
 * pkg/cfn/builder/statement.go (commit 16d9288): the same actions, resources and conditions, one
 * inline policy per eksctl policy name (PolicyAutoScaling, PolicyExternalDNSChangeSet, ...).
 * These are exactly the seven fields of eksctl's `api.WellKnownPolicies`.
 */
export const wellKnownPolicyNames = [
  'imageBuilder', 'autoScaler', 'awsLoadBalancerController', 'externalDNS', 'certManager', 'ebsCSIController', 'efsCSIController',
] as const;
export type WellKnownPolicyName = (typeof wellKnownPolicyNames)[number];

export interface WellKnownGrant {
  managedPolicyArns: string[];
  /** Inline policies by eksctl's policy name. */
  inlinePolicies: Record<string, PolicyDocument>;
}

const allow = (Action: string[], Resource: string | string[] = '*', Condition?: PolicyStatement['Condition']): PolicyStatement =>
  ({ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) });
const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });

function statements(partition: string) {
  const arn = (rest: string) => `arn:${partition}:${rest}`;
  const lbcTagged = { Null: { 'aws:ResourceTag/elbv2.k8s.aws/cluster': 'false' } };
  const changeSet = doc(allow(['route53:ChangeResourceRecordSets'], arn('route53:::hostedzone/*')));
  return {
    autoScaler: doc(
      allow(['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeLaunchConfigurations',
        'autoscaling:DescribeScalingActivities', 'autoscaling:DescribeTags', 'ec2:DescribeInstanceTypes', 'ec2:DescribeLaunchTemplateVersions']),
      allow(['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup', 'ec2:DescribeImages',
        'ec2:GetInstanceTypesFromInstanceRequirements', 'eks:DescribeNodegroup']),
    ),
    awsLoadBalancerController: doc(
      allow(['iam:CreateServiceLinkedRole'], '*', { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } }),
      allow(['ec2:DescribeAccountAttributes', 'ec2:DescribeAddresses', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeInternetGateways', 'ec2:DescribeVpcs',
        'ec2:DescribeVpcPeeringConnections', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeTags', 'ec2:GetCoipPoolUsage', 'ec2:DescribeCoipPools', 'elasticloadbalancing:DescribeLoadBalancers',
        'elasticloadbalancing:DescribeLoadBalancerAttributes', 'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeListenerCertificates',
        'elasticloadbalancing:DescribeSSLPolicies', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetGroupAttributes', 'elasticloadbalancing:DescribeTargetHealth', 'elasticloadbalancing:DescribeTags']),
      allow(['cognito-idp:DescribeUserPoolClient', 'acm:ListCertificates', 'acm:DescribeCertificate', 'iam:ListServerCertificates', 'iam:GetServerCertificate',
        'waf-regional:GetWebACL', 'waf-regional:GetWebACLForResource', 'waf-regional:AssociateWebACL', 'waf-regional:DisassociateWebACL', 'wafv2:GetWebACL',
        'wafv2:GetWebACLForResource', 'wafv2:AssociateWebACL', 'wafv2:DisassociateWebACL', 'shield:GetSubscriptionState', 'shield:DescribeProtection',
        'shield:CreateProtection', 'shield:DeleteProtection']),
      allow(['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress']),
      allow(['ec2:CreateSecurityGroup']),
      allow(['ec2:CreateTags'], arn('ec2:*:*:security-group/*'), { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' }, Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'false' } }),
      allow(['ec2:CreateTags', 'ec2:DeleteTags'], arn('ec2:*:*:security-group/*'), { Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'true', 'aws:ResourceTag/elbv2.k8s.aws/cluster': 'false' } }),
      allow(['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress', 'ec2:DeleteSecurityGroup'], '*', lbcTagged),
      allow(['elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup'], '*', { Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'false' } }),
      allow(['elasticloadbalancing:CreateListener', 'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:CreateRule', 'elasticloadbalancing:DeleteRule']),
      allow(['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
        [arn('elasticloadbalancing:*:*:targetgroup/*/*'), arn('elasticloadbalancing:*:*:loadbalancer/net/*/*'), arn('elasticloadbalancing:*:*:loadbalancer/app/*/*')],
        { Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'true', 'aws:ResourceTag/elbv2.k8s.aws/cluster': 'false' } }),
      allow(['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'], [arn('elasticloadbalancing:*:*:listener/net/*/*/*'), arn('elasticloadbalancing:*:*:listener/app/*/*/*'),
        arn('elasticloadbalancing:*:*:listener-rule/net/*/*/*'), arn('elasticloadbalancing:*:*:listener-rule/app/*/*/*')]),
      allow(['elasticloadbalancing:ModifyLoadBalancerAttributes', 'elasticloadbalancing:SetIpAddressType', 'elasticloadbalancing:SetSecurityGroups',
        'elasticloadbalancing:SetSubnets', 'elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:ModifyTargetGroup',
        'elasticloadbalancing:ModifyTargetGroupAttributes', 'elasticloadbalancing:DeleteTargetGroup'], '*', lbcTagged),
      allow(['elasticloadbalancing:AddTags'],
        [arn('elasticloadbalancing:*:*:targetgroup/*/*'), arn('elasticloadbalancing:*:*:loadbalancer/net/*/*'), arn('elasticloadbalancing:*:*:loadbalancer/app/*/*')],
        { StringEquals: { 'elasticloadbalancing:CreateAction': ['CreateTargetGroup', 'CreateLoadBalancer'] }, Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'false' } }),
      allow(['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'], arn('elasticloadbalancing:*:*:targetgroup/*/*')),
      allow(['elasticloadbalancing:SetWebAcl', 'elasticloadbalancing:ModifyListener', 'elasticloadbalancing:AddListenerCertificates',
        'elasticloadbalancing:RemoveListenerCertificates', 'elasticloadbalancing:ModifyRule']),
    ),
    changeSet,
    externalDNSHostedZones: doc(allow(['route53:ListHostedZones', 'route53:ListResourceRecordSets', 'route53:ListTagsForResource'])),
    certManagerGetChange: doc(allow(['route53:GetChange'], arn('route53:::change/*'))),
    certManagerHostedZones: doc(allow(['route53:ListResourceRecordSets', 'route53:ListHostedZonesByName'])),
    ebsCSIController: doc(
      allow(['ec2:CreateSnapshot', 'ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:ModifyVolume', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeInstances',
        'ec2:DescribeSnapshots', 'ec2:DescribeTags', 'ec2:DescribeVolumes', 'ec2:DescribeVolumesModifications']),
      allow(['ec2:CreateTags'], [arn('ec2:*:*:volume/*'), arn('ec2:*:*:snapshot/*')], { StringEquals: { 'ec2:CreateAction': ['CreateVolume', 'CreateSnapshot'] } }),
      allow(['ec2:DeleteTags'], [arn('ec2:*:*:volume/*'), arn('ec2:*:*:snapshot/*')]),
      allow(['ec2:CreateVolume'], '*', { StringLike: { 'aws:RequestTag/ebs.csi.aws.com/cluster': 'true' } }),
      allow(['ec2:CreateVolume'], '*', { StringLike: { 'aws:RequestTag/CSIVolumeName': '*' } }),
      allow(['ec2:DeleteVolume'], '*', { StringLike: { 'ec2:ResourceTag/ebs.csi.aws.com/cluster': 'true' } }),
      allow(['ec2:DeleteVolume'], '*', { StringLike: { 'ec2:ResourceTag/CSIVolumeName': '*' } }),
      allow(['ec2:DeleteVolume'], '*', { StringLike: { 'ec2:ResourceTag/kubernetes.io/created-for/pvc/name': '*' } }),
      allow(['ec2:DeleteSnapshot'], '*', { StringLike: { 'ec2:ResourceTag/CSIVolumeSnapshotName': '*' } }),
      allow(['ec2:DeleteSnapshot'], '*', { StringLike: { 'ec2:ResourceTag/ebs.csi.aws.com/cluster': 'true' } }),
    ),
    efsCSIController: doc(
      allow(['elasticfilesystem:DescribeAccessPoints', 'elasticfilesystem:DescribeFileSystems']),
      allow(['elasticfilesystem:CreateAccessPoint'], '*', { StringLike: { 'aws:RequestTag/efs.csi.aws.com/cluster': 'true' } }),
      allow(['elasticfilesystem:TagResource'], '*', { StringLike: { 'aws:RequestTag/efs.csi.aws.com/cluster': 'true' } }),
      allow(['elasticfilesystem:DeleteAccessPoint'], '*', { StringLike: { 'aws:ResourceTag/efs.csi.aws.com/cluster': 'true' } }),
    ),
  };
}

/** What eksctl attaches for the given well-known policies, in the region's partition. */
export function wellKnownGrant(names: readonly WellKnownPolicyName[], partition = 'aws'): WellKnownGrant {
  const s = statements(partition);
  const grant: WellKnownGrant = { managedPolicyArns: [], inlinePolicies: {} };
  for (const name of names) {
    switch (name) {
      case 'imageBuilder': grant.managedPolicyArns.push(awsManagedPolicyArn('AmazonEC2ContainerRegistryPowerUser', partition)); break;
      case 'autoScaler': grant.inlinePolicies.PolicyAutoScaling = s.autoScaler; break;
      case 'awsLoadBalancerController': grant.inlinePolicies.PolicyAWSLoadBalancerController = s.awsLoadBalancerController; break;
      case 'externalDNS':
        grant.inlinePolicies.PolicyExternalDNSChangeSet = s.changeSet;
        grant.inlinePolicies.PolicyExternalDNSHostedZones = s.externalDNSHostedZones;
        break;
      case 'certManager':
        grant.inlinePolicies.PolicyCertManagerChangeSet = s.changeSet;
        grant.inlinePolicies.PolicyCertManagerGetChange = s.certManagerGetChange;
        grant.inlinePolicies.PolicyCertManagerHostedZones = s.certManagerHostedZones;
        break;
      case 'ebsCSIController': grant.inlinePolicies.PolicyEBSCSIController = s.ebsCSIController; break;
      case 'efsCSIController': grant.inlinePolicies.PolicyEFSCSIController = s.efsCSIController; break;
    }
  }
  return grant;
}
