import { ApplicationFailure } from '@temporalio/common';
import type { ResolvedAddon } from '../../domain/addon-catalog';
import { errorTypes } from '../../domain/errors';
import type { AddonContext, AddonFactory } from './addon-module';
import { helmAddon, irsaServiceAccount } from './helm-addon';

/** The chart values eksflow sets for the AWS Load Balancer Controller; the chart's defaults stand for the rest. */
export interface AwsLoadBalancerControllerValues {
  /** The controller tags and finds its load balancers by cluster name; the chart refuses to render without it. */
  clusterName: string;
  region: string;
  vpcId: string;
  /** Two, so a rolling update or a lost node leaves the webhook answering. */
  replicaCount: number;
  serviceAccount: ReturnType<typeof irsaServiceAccount>;
  enableServiceMutatorWebhook: boolean;
}

/** The chart's own name for its ServiceAccount, should the catalog not name the IRSA subject. */
const defaultServiceAccount = 'aws-load-balancer-controller';

/**
 * The release's values, from the environment. Region and VPC are given outright rather than
 * left to the controller to find through the instance metadata service, which pods on
 * Fargate (and nodes with IMDSv2 hop limit 1) cannot reach: eksflow knows both anyway.
 *
 * `enableServiceMutatorWebhook` stays at the chart's default, true, written out so a changed
 * upstream default cannot flip it silently. With it, a LoadBalancer Service created without
 * `spec.loadBalancerClass` gets `service.k8s.aws/nlb`, so every load balancer in the cluster
 * is made, and at teardown deleted, by this one controller rather than some by the legacy
 * in-tree one, as AWS documents. eksflow's own app Service names its class anyway (see
 * app-manifests), so it works either way. The cost: the webhook sees every Service CREATE
 * and fails closed, so while it has no ready endpoints no Service can be created anywhere.
 * The catalog's `service-endpoints-ready` gate holds back what comes after this add-on; a
 * chart installed beside it in that window fails its install retryably, and the retry passes.
 */
export function awsLoadBalancerControllerValues(context: AddonContext, addon: Pick<ResolvedAddon, 'iam'>): AwsLoadBalancerControllerValues {
  if (!context.vpcId) {
    throw ApplicationFailure.nonRetryable(
      `the AWS Load Balancer Controller needs the cluster's VPC ID, and none was given for ${context.cluster}: the cluster step's output must reach the add-on step`,
      errorTypes.invalidPlan,
    );
  }
  return {
    clusterName: context.cluster,
    region: context.region,
    vpcId: context.vpcId,
    replicaCount: 2,
    serviceAccount: irsaServiceAccount(context, addon.iam?.serviceAccount ?? defaultServiceAccount),
    enableServiceMutatorWebhook: true,
  };
}

/** The AWS Load Balancer Controller, from the catalog's pinned eks-charts chart. */
export const awsLoadBalancerController: AddonFactory = helmAddon({
  values: (context, addon) => ({ ...awsLoadBalancerControllerValues(context, addon) }),
});
