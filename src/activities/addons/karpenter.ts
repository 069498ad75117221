import { KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import type { ResolvedAddon } from '../../domain/addon-catalog';
import { appLabelKeys, fieldManagers, labelValue } from '../../domain/app-manifests';
import { karpenterQueueName } from '../../domain/iam-policies/karpenter';
import { karpenterEc2NodeClass, karpenterNodePool, type KarpenterOptions } from '../../domain/karpenter';
import { roleNames } from '../../domain/names';
import { deleteIfPresent, kubeCall } from '../kube-calls';
import type { AddonContext, AddonTools } from './addon-module';
import { helmAddon, irsaServiceAccount } from './helm-addon';

/** The add-on's options with their defaults, as the spec's parse fills them. */
export const karpenterOptions = (context: Pick<AddonContext, 'options'>): KarpenterOptions =>
  context.options.karpenter ?? { nodePool: { capacityTypes: ['on-demand'], consolidateAfter: '1m' }, interruptionQueue: true };

/**
 * Karpenter's chart values, as the getting-started's step08-apply-helm-chart.sh sets them: the
 * cluster's name, its interruption queue (none turns interruption handling off), the IRSA role
 * on the chart's ServiceAccount. Two replicas, the chart's default, one per node (its anti-affinity).
 */
export function karpenterValues(context: AddonContext, addon: Pick<ResolvedAddon, 'iam'>): Record<string, unknown> {
  const options = karpenterOptions(context);
  return {
    settings: { clusterName: context.cluster, ...(options.interruptionQueue ? { interruptionQueue: karpenterQueueName(context.cluster) } : {}) },
    serviceAccount: irsaServiceAccount(context, addon.iam?.serviceAccount ?? 'karpenter'),
    replicas: 2,
  };
}

/** eksflow's NodePool and EC2NodeClass for the environment, labelled as eksflow's. */
export function karpenterObjects(context: Pick<AddonContext, 'cluster' | 'owner' | 'options'>): KubernetesObject[] {
  const labels = { [appLabelKeys.managedBy]: 'eksflow', [appLabelKeys.environment]: labelValue(context.owner.environmentId) };
  // The class first: a NodePool naming a class that is not there is not Ready.
  return [karpenterEc2NodeClass(context.cluster, roleNames.karpenterNode(context.cluster), labels), karpenterNodePool(karpenterOptions(context).nodePool, { labels })];
}

async function applyNodePool(tools: AddonTools, context: AddonContext): Promise<string> {
  const objects = KubernetesObjectApi.makeApiClient(await tools.kube.forCluster(context.cluster));
  for (const object of karpenterObjects(context)) {
    await kubeCall(`apply ${object.kind} ${object.metadata?.name}`, () => objects.patch(object, undefined, undefined, fieldManagers.apply, true, PatchStrategy.ServerSideApply));
  }
  return 'EC2NodeClass default and NodePool default applied';
}

/**
 * The NodePool goes before the controller: Karpenter then drains and terminates the pool's
 * nodes (its NodeClaims' finalizers) while it still runs. What it leaves, the teardown's
 * `karpenter-nodes` delete terminates by tag.
 */
async function deleteNodePool(tools: AddonTools, context: AddonContext): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(await tools.kube.forCluster(context.cluster));
  for (const object of karpenterObjects(context).reverse()) await deleteIfPresent(object, objects);
}

export const karpenterAddon = helmAddon({ values: karpenterValues, afterInstall: applyNodePool, beforeUninstall: deleteNodePool });
