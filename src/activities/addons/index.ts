import { ApplicationFailure } from '@temporalio/common';
import { addonCatalog, type IamNeed, type KubernetesMinor, type ResolvedAddon } from '../../domain/addon-catalog';
import type { AddonName, AddonsSpec } from '../../domain/environment-spec';
import { errorTypes } from '../../domain/errors';
import { awsLoadBalancerControllerPolicy } from '../../domain/iam-policies/aws-load-balancer-controller';
import { fluentBitPolicy } from '../../domain/iam-policies/cloudwatch';
import { clusterAutoscalerPolicy } from '../../domain/iam-policies/cluster-autoscaler';
import { karpenterControllerPolicy, karpenterQueueName } from '../../domain/iam-policies/karpenter';
import { roleNames } from '../../domain/names';
import type { PolicyDocument } from '../../domain/iam-policies/policy-document';
import type { ResourceRef } from '../../domain/ledger';
import type { EnsuredResource, EnsureIrsaRoleInput } from '../iam-roles';
import type { AddonContext, AddonFactory, AddonReadiness, AddonTools } from './addon-module';
import { awsLoadBalancerController } from './aws-load-balancer-controller';
import { cloudwatchAddon } from './cloudwatch';
import { clusterAutoscalerAddon } from './cluster-autoscaler';
import { dashboard } from './dashboard';
import { karpenterAddon } from './karpenter';
import { metricsServer } from './metrics-server';
import { verticalPodAutoscalerAddon } from './vertical-pod-autoscaler';

const factories: Partial<Record<AddonName, AddonFactory>> = {
  'aws-load-balancer-controller': awsLoadBalancerController,
  'metrics-server': metricsServer,
  dashboard,
  cloudwatch: cloudwatchAddon,
  'vertical-pod-autoscaler': verticalPodAutoscalerAddon,
  'cluster-autoscaler': clusterAutoscalerAddon,
  karpenter: karpenterAddon,
};

/** Which add-on, in which environment: all an add-on activity needs, small enough for history. */
export interface AddonRequest {
  addon: AddonName;
  context: AddonContext;
}

const partitionOf = (region: string) => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

/** The policy documents an add-on's IRSA role carries, made here so they never enter workflow history. */
export function inlinePolicyFor(need: IamNeed, context: Pick<AddonContext, 'cluster' | 'region' | 'options'>, account = '*'): Record<string, PolicyDocument> {
  switch (need.inlinePolicy) {
    case undefined:
      return {};
    case 'aws-load-balancer-controller':
      return { 'aws-load-balancer-controller': awsLoadBalancerControllerPolicy(partitionOf(context.region)) };
    case 'cluster-autoscaler':
      return { 'cluster-autoscaler': clusterAutoscalerPolicy(context.cluster) };
    case 'fluent-bit':
      return { 'fluent-bit': fluentBitPolicy(context.region, undefined, context.cluster, partitionOf(context.region)) };
    case 'karpenter': {
      // The node role and queue have names of their own: their ARNs are known before they exist.
      const partition = partitionOf(context.region);
      const queue = context.options.karpenter?.interruptionQueue !== false ? `arn:${partition}:sqs:${context.region}:${account}:${karpenterQueueName(context.cluster)}` : undefined;
      return {
        karpenter: karpenterControllerPolicy({
          cluster: context.cluster, region: context.region, partition, account, nodeRoleArn: `arn:${partition}:iam::${account}:role/${roleNames.karpenterNode(context.cluster)}`,
          ...(queue ? { queueArn: queue } : {}),
        }),
      };
    }
  }
}

/** The account of an IAM ARN (arn:aws:iam::123456789012:oidc-provider/…), or `*` when it names none. */
const accountOf = (arn: string) => arn.split(':')[4] || '*';

export function resolveAddon(addon: AddonName, options: AddonsSpec, version: KubernetesMinor): ResolvedAddon {
  const definition = addonCatalog.get(addon);
  if (!definition || definition.unavailable || !factories[addon]) {
    throw ApplicationFailure.nonRetryable(definition?.unavailable ?? `eksflow cannot install ${addon}`, errorTypes.invalidPlan);
  }
  return definition.resolve(options, version);
}

type EnsureIrsaRole = (input: EnsureIrsaRoleInput) => Promise<EnsuredResource & { arn: string }>;
type EnsurePodIdentityRole = (input: Omit<EnsureIrsaRoleInput, 'oidcProviderArn' | 'issuerUrl'>) => Promise<EnsuredResource & { arn: string }>;

/** Every add-on behind one set of activities, dispatched by name through the catalog. */
export function createAddonActivities(tools: AddonTools, ensureIrsaRole: EnsureIrsaRole, ensurePodIdentityRole?: EnsurePodIdentityRole) {
  const moduleOf = ({ addon, context }: AddonRequest) => {
    const resolved = resolveAddon(addon, context.options, context.kubernetesVersion);
    return factories[addon]!(tools, resolved);
  };

  /**
   * The role an add-on's ServiceAccount assumes, with the permissions the catalog names: an IRSA
   * role, or with `podIdentity` one trusting EKS Pod Identity (its account given, for the policies
   * that name the account's own ARNs, as no OIDC provider's ARN carries it then).
   */
  async function ensureAddonRole(input: { addon: AddonName; context: Omit<AddonContext, 'roleArn'>; oidcProviderArn?: string; issuerUrl?: string; podIdentity?: { account: string }; tags?: Record<string, string> }) {
    const { iam } = resolveAddon(input.addon, input.context.options, input.context.kubernetesVersion);
    if (!iam) throw ApplicationFailure.nonRetryable(`${input.addon} calls no AWS API and needs no role`, errorTypes.invalidPlan);
    if (input.podIdentity) {
      if (!ensurePodIdentityRole) throw ApplicationFailure.nonRetryable('this worker makes no Pod Identity roles', errorTypes.invalidPlan);
      return ensurePodIdentityRole({
        owner: input.context.owner, region: input.context.region, environment: input.context.cluster, namespace: iam.namespace, serviceAccount: iam.serviceAccount,
        inlinePolicies: inlinePolicyFor(iam, input.context, input.podIdentity.account), managedPolicyArns: iam.managedPolicyArns ?? [], ...(input.tags ? { tags: input.tags } : {}),
      });
    }
    if (!input.oidcProviderArn || !input.issuerUrl) throw ApplicationFailure.nonRetryable(`${input.addon}'s IRSA role needs the cluster's OIDC provider`, errorTypes.invalidPlan);
    return ensureIrsaRole({
      owner: input.context.owner, region: input.context.region, environment: input.context.cluster, namespace: iam.namespace, serviceAccount: iam.serviceAccount,
      oidcProviderArn: input.oidcProviderArn, issuerUrl: input.issuerUrl, inlinePolicies: inlinePolicyFor(iam, input.context, accountOf(input.oidcProviderArn)),
      managedPolicyArns: iam.managedPolicyArns ?? [], ...(input.tags ? { tags: input.tags } : {}),
    });
  }

  /** Installs (or upgrades to) the pinned version; the ledger records it as this run's. */
  async function installAddon(request: AddonRequest): Promise<EnsuredResource & { summary: string }> {
    const installed = await moduleOf(request).install(request.context);
    const ref: ResourceRef = { kind: 'addon', name: `${request.context.cluster}/${request.addon}`, region: request.context.region };
    return { ref, made: installed.adopted !== true, summary: installed.summary };
  }

  /**
   * One look at the gates, shaped for the workflow's poll: `status` is ready or waiting, or the
   * failed state (CREATE_FAILED) with its `issues`.
   */
  async function addonReadiness(request: AddonRequest): Promise<AddonReadiness & { status: string; issues?: string[] }> {
    const readiness = await moduleOf(request).isReady(request.context);
    if (readiness.failed) return { ...readiness, status: readiness.failed.status, issues: readiness.failed.issues };
    return { ...readiness, status: readiness.ready ? 'ready' : 'waiting' };
  }

  async function uninstallAddon(request: AddonRequest): Promise<{ removed: boolean }> {
    return moduleOf(request).uninstall(request.context);
  }

  return { ensureAddonRole, installAddon, addonReadiness, uninstallAddon };
}
