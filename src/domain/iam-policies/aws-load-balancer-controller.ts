import type { PolicyDocument } from './policy-document';

// The tag the controller puts on everything it creates; most of its writes are scoped to it.
const clusterTag = 'elbv2.k8s.aws/cluster';
const requestTagged = { Null: { [`aws:RequestTag/${clusterTag}`]: 'false' } };
const resourceTagged = { Null: { [`aws:ResourceTag/${clusterTag}`]: 'false' } };
// Changing tags on something already the controller's, without touching the cluster tag itself.
const retagOwnOnly = { Null: { [`aws:RequestTag/${clusterTag}`]: 'true', [`aws:ResourceTag/${clusterTag}`]: 'false' } };

/**
 * The AWS Load Balancer Controller's IAM policy, as its project documents it
 * (docs/install/iam_policy.json, controller v2.13/v2.14), with ARNs in the given partition.
 * Writes are limited to resources carrying the controller's cluster tag, except the few the
 * upstream policy grants unconditionally (security-group ingress rules, listeners, rules).
 */
export function awsLoadBalancerControllerPolicy(partition = 'aws'): PolicyDocument {
  const ec2 = (resource: string) => `arn:${partition}:ec2:*:*:${resource}`;
  const elb = (resource: string) => `arn:${partition}:elasticloadbalancing:*:*:${resource}`;
  const targetGroups = elb('targetgroup/*/*');
  const taggableBalancers = [targetGroups, elb('loadbalancer/net/*/*'), elb('loadbalancer/app/*/*')];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['iam:CreateServiceLinkedRole'],
        Resource: '*',
        Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } },
      },
      {
        Effect: 'Allow',
        Action: [
          'ec2:DescribeAccountAttributes', 'ec2:DescribeAddresses', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeInternetGateways',
          'ec2:DescribeVpcs', 'ec2:DescribeVpcPeeringConnections', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
          'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeTags', 'ec2:GetCoipPoolUsage', 'ec2:DescribeCoipPools',
          'ec2:GetSecurityGroupsForVpc', 'ec2:DescribeIpamPools', 'ec2:DescribeRouteTables',
          'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeLoadBalancerAttributes', 'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:DescribeListenerCertificates', 'elasticloadbalancing:DescribeSSLPolicies', 'elasticloadbalancing:DescribeRules',
          'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetGroupAttributes', 'elasticloadbalancing:DescribeTargetHealth',
          'elasticloadbalancing:DescribeTags', 'elasticloadbalancing:DescribeTrustStores', 'elasticloadbalancing:DescribeListenerAttributes',
          'elasticloadbalancing:DescribeCapacityReservation',
        ],
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Action: [
          'cognito-idp:DescribeUserPoolClient', 'acm:ListCertificates', 'acm:DescribeCertificate', 'iam:ListServerCertificates', 'iam:GetServerCertificate',
          'waf-regional:GetWebACL', 'waf-regional:GetWebACLForResource', 'waf-regional:AssociateWebACL', 'waf-regional:DisassociateWebACL',
          'wafv2:GetWebACL', 'wafv2:GetWebACLForResource', 'wafv2:AssociateWebACL', 'wafv2:DisassociateWebACL',
          'shield:GetSubscriptionState', 'shield:DescribeProtection', 'shield:CreateProtection', 'shield:DeleteProtection',
        ],
        Resource: '*',
      },
      { Effect: 'Allow', Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'], Resource: '*' },
      { Effect: 'Allow', Action: ['ec2:CreateSecurityGroup'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['ec2:CreateTags'],
        Resource: ec2('security-group/*'),
        Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' }, ...requestTagged },
      },
      { Effect: 'Allow', Action: ['ec2:CreateTags', 'ec2:DeleteTags'], Resource: ec2('security-group/*'), Condition: retagOwnOnly },
      {
        Effect: 'Allow',
        Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress', 'ec2:DeleteSecurityGroup'],
        Resource: '*',
        Condition: resourceTagged,
      },
      {
        Effect: 'Allow',
        Action: ['elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup'],
        Resource: '*',
        Condition: requestTagged,
      },
      {
        Effect: 'Allow',
        Action: ['elasticloadbalancing:CreateListener', 'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:CreateRule', 'elasticloadbalancing:DeleteRule'],
        Resource: '*',
      },
      { Effect: 'Allow', Action: ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'], Resource: taggableBalancers, Condition: retagOwnOnly },
      {
        Effect: 'Allow',
        Action: ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
        Resource: [elb('listener/net/*/*/*'), elb('listener/app/*/*/*'), elb('listener-rule/net/*/*/*'), elb('listener-rule/app/*/*/*')],
      },
      {
        Effect: 'Allow',
        Action: [
          'elasticloadbalancing:ModifyLoadBalancerAttributes', 'elasticloadbalancing:SetIpAddressType', 'elasticloadbalancing:SetSecurityGroups',
          'elasticloadbalancing:SetSubnets', 'elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:ModifyTargetGroup',
          'elasticloadbalancing:ModifyTargetGroupAttributes', 'elasticloadbalancing:DeleteTargetGroup', 'elasticloadbalancing:ModifyListenerAttributes',
          'elasticloadbalancing:ModifyCapacityReservation', 'elasticloadbalancing:ModifyIpPools',
        ],
        Resource: '*',
        Condition: resourceTagged,
      },
      {
        Effect: 'Allow',
        Action: ['elasticloadbalancing:AddTags'],
        Resource: taggableBalancers,
        Condition: { StringEquals: { 'elasticloadbalancing:CreateAction': ['CreateTargetGroup', 'CreateLoadBalancer'] }, ...requestTagged },
      },
      { Effect: 'Allow', Action: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'], Resource: targetGroups },
      {
        Effect: 'Allow',
        Action: [
          'elasticloadbalancing:SetWebAcl', 'elasticloadbalancing:ModifyListener', 'elasticloadbalancing:AddListenerCertificates',
          'elasticloadbalancing:RemoveListenerCertificates', 'elasticloadbalancing:ModifyRule', 'elasticloadbalancing:SetRulePriorities',
        ],
        Resource: '*',
      },
    ],
  };
}
