import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EKSClient } from '@aws-sdk/client-eks';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient } from '@aws-sdk/client-iam';
import type { ActivityDeps } from '../index';
import { ecrApi } from './ecr';
import { eksApi } from './eks';
import { iamApi } from './iam';
import { logsApi } from './logs';
import { networkLeftoversApi } from './network-leftovers';
import { vpcApi } from './vpc';

export interface AwsClientOptions {
  region: string;
  /** An emulator's URL in tests; unset, the SDK's regional endpoint. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** SDK clients made once per worker, behind eksflow's narrow APIs. Credentials come from the default chain unless given. */
export function awsActivityDeps(options: AwsClientOptions): Pick<ActivityDeps, 'eks' | 'iam' | 'ecr' | 'network' | 'vpc' | 'logs'> {
  // The SDK already retries throttling with back-off; Temporal's retry policy is the outer loop.
  const config = { ...options, maxAttempts: 3 };
  const ec2 = new EC2Client(config);
  return {
    eks: eksApi(new EKSClient(config)),
    iam: iamApi(new IAMClient(config)),
    ecr: ecrApi(new ECRClient(config)),
    network: networkLeftoversApi(ec2, new ElasticLoadBalancingV2Client(config)),
    vpc: vpcApi(ec2),
    logs: logsApi(new CloudWatchLogsClient(config)),
  };
}
