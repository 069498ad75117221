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
import { defaultPatience, type Patience } from './not-yet';
import { networkLeftoversApi } from './network-leftovers';
import { vpcApi } from './vpc';

export interface AwsClientOptions {
  region: string;
  /** An emulator's URL in tests; unset, the SDK's regional endpoint. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * Attempts per call, first included, by the SDK's standard retry mode (throttling, 5xx,
   * connection errors, with jittered exponential back-off capped at 20 s). @default 8
   */
  maxAttempts?: number;
  /** How long each named "not yet" answer is waited out (aws-fault-catalog). @default the upstream tools' budgets */
  patience?: Partial<Patience>;
}

/**
 * aws-fault-catalog 47: the SDK's default of 3 attempts gives up on a throttled call after
 * about a second of back-off; eksctl uses 13 and terraform-provider-aws 25. eksflow has
 * Temporal's retry policy as an outer loop (awsCall: 8 attempts), so it needs fewer SDK
 * attempts than tools with no outer loop, but each must fit its activity: 8 attempts back off
 * at most 0.5+1+2+4+8+16+20 s = 51.5 s (throttling's base is 500 ms, full jitter halves the
 * expected sum), inside awsCall's 1-minute start-to-close, and 8 × 8 = 64 calls over ~10 min
 * before a workflow sees the failure, more patient than either tool.
 */
export const defaultMaxAttempts = 8;

/** SDK clients made once per worker, behind eksflow's narrow APIs. Credentials come from the default chain unless given. */
export function awsActivityDeps(options: AwsClientOptions): Pick<ActivityDeps, 'eks' | 'iam' | 'ecr' | 'network' | 'vpc' | 'logs'> {
  // The SDK already retries throttling with back-off; Temporal's retry policy is the outer loop.
  const { patience: shorter, maxAttempts = defaultMaxAttempts, ...client } = options;
  const config = { ...client, maxAttempts };
  const patience = { ...defaultPatience, ...shorter };
  const ec2 = new EC2Client(config);
  return {
    eks: eksApi(new EKSClient(config), patience),
    iam: iamApi(new IAMClient(config), patience),
    ecr: ecrApi(new ECRClient(config)),
    network: networkLeftoversApi(ec2, new ElasticLoadBalancingV2Client(config), patience),
    vpc: vpcApi(ec2),
    logs: logsApi(new CloudWatchLogsClient(config), patience),
  };
}
