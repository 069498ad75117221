import type { PolicyDocument } from './policy-document';

/** The ASG tags cluster-autoscaler discovers its groups by; eksflow's node groups carry them. */
export const clusterAutoscalerTags = (cluster: string) => ({
  [`k8s.io/cluster-autoscaler/${cluster}`]: 'owned',
  'k8s.io/cluster-autoscaler/enabled': 'true',
});

/**
 * cluster-autoscaler's permissions, as its AWS cloud-provider README lists them: it reads
 * groups, instance types and node groups anywhere, but may resize or shrink only the
 * Auto Scaling groups tagged for auto-discovery in this cluster.
 */
export function clusterAutoscalerPolicy(cluster: string): PolicyDocument {
  const onlyDiscoverableGroups = Object.fromEntries(Object.entries(clusterAutoscalerTags(cluster)).map(([key, value]) => [`aws:ResourceTag/${key}`, value]));
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeLaunchConfigurations',
          'autoscaling:DescribeScalingActivities', 'autoscaling:DescribeTags', 'ec2:DescribeImages', 'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplateVersions', 'ec2:GetInstanceTypesFromInstanceRequirements', 'eks:DescribeNodegroup',
        ],
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
        Resource: '*',
        Condition: { StringEquals: onlyDiscoverableGroups },
      },
    ],
  };
}
