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
import { delegating, perRegion } from '../region-scope';

export interface AwsClientOptions {
  region: string;
  /** An emulator's URL in tests; unset, the SDK's regional endpoint. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export type AwsApis = Pick<ActivityDeps, 'eks' | 'iam' | 'ecr' | 'network' | 'vpc' | 'logs'>;

/**
 * SDK clients behind eksflow's narrow APIs, made once per region on first use and kept: each
 * activity acts in its environment's region (src/activities/region-scope.ts), `options.region`
 * being the worker's own for calls that carry none. Credentials come from the default chain
 * unless given.
 */
export function awsActivityDeps(options: AwsClientOptions): AwsApis {
  const current = perRegion(options.region, (region) => regionalApis({ ...options, region }));
  return {
    eks: delegating(() => current().eks), iam: delegating(() => current().iam), ecr: delegating(() => current().ecr),
    network: delegating(() => current().network), vpc: delegating(() => current().vpc), logs: delegating(() => current().logs),
  };
}

/** One region's clients. */
function regionalApis(options: AwsClientOptions): AwsApis {
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
