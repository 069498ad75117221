import { awsManagedPolicyArn, type PolicyDocument } from './policy-document';

/** AWS's managed policy for the CloudWatch agent; attach it rather than copying {@link cloudwatchAgentPolicy}. */
export const cloudWatchAgentServerPolicyArn = awsManagedPolicyArn('CloudWatchAgentServerPolicy');

/**
 * The statements of CloudWatchAgentServerPolicy, for the CloudWatch agent behind Container
 * Insights: metrics, its own logs, X-Ray traces, and its configuration from SSM.
 */
export function cloudwatchAgentPolicy(partition = 'aws'): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'CWACloudWatchServerPermissions',
        Effect: 'Allow',
        Action: [
          'cloudwatch:PutMetricData', 'ec2:DescribeVolumes', 'ec2:DescribeTags', 'logs:PutLogEvents', 'logs:PutRetentionPolicy',
          'logs:DescribeLogStreams', 'logs:DescribeLogGroups', 'logs:CreateLogStream', 'logs:CreateLogGroup', 'xray:PutTraceSegments',
          'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries',
        ],
        Resource: '*',
      },
      { Sid: 'CWASSMServerPermissions', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: `arn:${partition}:ssm:*:*:parameter/AmazonCloudWatch-*` },
    ],
  };
}

/** The log groups Container Insights writes a cluster's logs to (application, dataplane, host, performance). */
export const containerInsightsLogGroupPrefix = (cluster: string) => `/aws/containerinsights/${cluster}/`;

/**
 * Fluent Bit shipping a cluster's container logs to CloudWatch Logs: it may create, retain and
 * write to the cluster's Container Insights log groups and nothing else.
 * @param account the account ID; `undefined` leaves it a wildcard.
 */
export function fluentBitPolicy(region: string, account: string | undefined, cluster: string, partition = 'aws'): PolicyDocument {
  const logGroups = `arn:${partition}:logs:${region}:${account ?? '*'}:log-group:${containerInsightsLogGroupPrefix(cluster)}*`;
  return {
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:PutRetentionPolicy'],
      // Streams are named inside their group's ARN; listing both keeps it plain which is meant.
      Resource: [logGroups, `${logGroups}:log-stream:*`],
    }],
  };
}
