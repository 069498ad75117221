import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EKSClient } from '@aws-sdk/client-eks';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { STSClient } from '@aws-sdk/client-sts';
import type { RetryStrategyV2 } from '@smithy/types';
import type { ActivityDeps } from '../index';
import { ecrApi } from './ecr';
import { eksApi } from './eks';
import { iamApi } from './iam';
import { nodeLaunchApi } from './launch-templates';
import { kmsApi } from './kms';
import { karpenterAwsApi } from './karpenter';
import { logsApi } from './logs';
import { defaultPatience, type Patience } from './not-yet';
import { networkLeftoversApi } from './network-leftovers';
import { vpcApi } from './vpc';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { SSMClient } from '@aws-sdk/client-ssm';
import { selfManagedNodesApi } from './autoscaling';
import { givenResourcesApi, type GivenResourcesApi } from './given-resources';
import { stsApi } from './sts';
import { delegating, perRegion } from '../region-scope';

export interface AwsClientOptions {
  region: string;
  /** An emulator's URL in tests; unset, the SDK's regional endpoint. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * Attempts per call, first included, by the SDK's standard retry mode (throttling, 5xx,
   * connection errors, with jittered exponential back-off capped at 20 s). @default 7
   */
  maxAttempts?: number;
  /**
   * A retry strategy for each SDK client made, instead of the SDK's standard one with
   * `maxAttempts` (tests: the same strategy with its back-off shortened). @default the SDK's standard retry mode
   */
  newRetryStrategy?: () => RetryStrategyV2;
  /** How long each named "not yet" answer is waited out (aws-fault-catalog). @default the upstream tools' budgets */
  patience?: Partial<Patience>;
}

/**
 * aws-fault-catalog 47: the SDK's default of 3 attempts gives up on a throttled call after at
 * most 3 s of back-off; eksctl uses 13 and terraform-provider-aws 25, tools with no outer loop.
 * eksflow has Temporal's retry policy around each activity (awsCall: 8 attempts), so the SDK's
 * attempts must fit one activity attempt instead: this SDK backs a throttled retry off by a
 * random share of min(1 s × 2^retry, 20 s) (@smithy/core util-retry, 2026 defaults), so 7
 * attempts wait at most 1+2+4+8+16+20 = 51 s (25.5 s expected), inside awsCall's 1-minute
 * start-to-close, and 7 × 8 = 56 calls over ~8 min come before a workflow sees the failure:
 * more patient than either tool. Other errors back off from 50 ms, under 7 s in all.
 */
export const defaultMaxAttempts = 7;

export type AwsApis = Pick<ActivityDeps, 'eks' | 'iam' | 'ecr' | 'network' | 'vpc' | 'logs' | 'selfManagedNodes' | 'karpenter'> & Required<Pick<ActivityDeps, 'nodeLaunch' | 'kms' | 'sts'>>;

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
    selfManagedNodes: delegating(() => current().selfManagedNodes!),
    nodeLaunch: delegating(() => current().nodeLaunch),
    kms: delegating(() => current().kms),
    karpenter: delegating(() => current().karpenter!),
    sts: delegating(() => current().sts),
  };
}

/**
 * The pre-flight look-ups of the IDs and ARNs a spec names (checkGivenResources), per region as
 * the others. Apart from awsActivityDeps: the worker adds them; test beds whose specs name
 * placeholder subnets the emulator never made leave them out (the form is checked still).
 */
export function givenResourcesDeps(options: AwsClientOptions): GivenResourcesApi {
  const current = perRegion(options.region, (region) => {
    const { maxAttempts = defaultMaxAttempts, newRetryStrategy, endpoint, credentials } = options;
    const config = () => ({ region, maxAttempts, ...(endpoint ? { endpoint } : {}), ...(credentials ? { credentials } : {}), ...(newRetryStrategy ? { retryStrategy: newRetryStrategy() } : {}) });
    return givenResourcesApi(new EC2Client(config()), new IAMClient(config()));
  });
  return delegating(() => current());
}

/** One region's clients. */
function regionalApis(options: AwsClientOptions): AwsApis {
  // The SDK already retries throttling with back-off; Temporal's retry policy is the outer loop.
  const { patience: shorter, maxAttempts = defaultMaxAttempts, newRetryStrategy, ...client } = options;
  // Each client its own strategy, as each has its own by default (its retry quota included).
  const config = () => ({ ...client, maxAttempts, ...(newRetryStrategy ? { retryStrategy: newRetryStrategy() } : {}) });
  const patience = { ...defaultPatience, ...shorter };
  const ec2 = new EC2Client(config());
  const iam = new IAMClient(config());
  const eks = new EKSClient(config());
  return {
    eks: eksApi(eks, patience),
    iam: iamApi(iam, patience),
    ecr: ecrApi(new ECRClient(config())),
    network: networkLeftoversApi(ec2, new ElasticLoadBalancingV2Client(config()), patience),
    vpc: vpcApi(ec2),
    logs: logsApi(new CloudWatchLogsClient(config()), patience),
    selfManagedNodes: selfManagedNodesApi({ ec2, iam, eks, autoscaling: new AutoScalingClient(config()), ssm: new SSMClient(config()) }),
    nodeLaunch: nodeLaunchApi(ec2),
    kms: kmsApi(new KMSClient(config())),
    karpenter: karpenterAwsApi({ sqs: new SQSClient(config()), events: new EventBridgeClient(config()), ec2, iam: new IAMClient(config()) }),
    sts: stsApi(new STSClient(config())),
  };
}
