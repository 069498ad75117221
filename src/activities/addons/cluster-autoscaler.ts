import { CoreV1Api } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { clusterAutoscalerImageTags, type ResolvedAddon } from '../../domain/addon-catalog';
import { clusterAutoscalerTags } from '../../domain/iam-policies/cluster-autoscaler';
import { kubeOrUndefined } from '../kube-calls';
import type { KubeAccess } from '../nodes-ready';
import type { AddonContext } from './addon-module';
import { helmAddon, irsaServiceAccount } from './helm-addon';

/**
 * Cluster Autoscaler for AWS from its chart, as the EKS autoscaling guide sets it up: it finds
 * the node groups' Auto Scaling groups by their tags, and its image matches the control
 * plane's Kubernetes minor, as the project releases one per minor.
 */
export function clusterAutoscalerValues(context: AddonContext, addon: Pick<ResolvedAddon, 'iam'>): Record<string, unknown> {
  return {
    cloudProvider: 'aws',
    awsRegion: context.region,
    // The tag keys eksflow puts on its node groups (only keys are matched here, not values).
    autoDiscovery: { clusterName: context.cluster, tags: Object.keys(clusterAutoscalerTags(context.cluster)) },
    image: { tag: clusterAutoscalerImageTags[context.kubernetesVersion] },
    rbac: { serviceAccount: irsaServiceAccount(context, addon.iam?.serviceAccount ?? 'cluster-autoscaler') },
    extraArgs: {
      // Of the groups that could take the pending pods, grow the one that leaves the least CPU idle.
      expander: 'least-waste',
      // Node groups alike but in different zones grow together, keeping the zones balanced.
      'balance-similar-node-groups': true,
      // Otherwise any node running a pod with an emptyDir, or a kube-system pod without a
      // PodDisruptionBudget (CoreDNS, metrics-server), could never be scaled down.
      'skip-nodes-with-local-storage': false,
      'skip-nodes-with-system-pods': false,
    },
    // The autoscaler must not evict itself while emptying the node it runs on.
    podAnnotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' },
  };
}

export const clusterAutoscalerAddon = helmAddon({ values: clusterAutoscalerValues });

/** Where the autoscaler writes its status after each loop (its `--status-config-map-name` default). */
export const autoscalerStatusConfigMap = { namespace: 'kube-system', name: 'cluster-autoscaler-status' } as const;

export interface AutoscalerStatus {
  /** The cluster-wide health the autoscaler reports is Healthy. */
  healthy: boolean;
  /** Its cluster-wide health, scale-up and scale-down states, as a person reads them. */
  summary: string;
}

/** One look at the autoscaler's own status report; never waits. */
export async function autoscalerStatus(kube: KubeAccess, cluster: string): Promise<AutoscalerStatus> {
  const { namespace, name } = autoscalerStatusConfigMap;
  const config = await kube.forCluster(cluster);
  const configMap = await kubeOrUndefined(`read ConfigMap ${namespace}/${name}`, () => config.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace }));
  const status = configMap?.data?.status;
  if (status === undefined) return { healthy: false, summary: `no status in ConfigMap ${namespace}/${name} yet: the autoscaler has not finished a loop` };
  return parseAutoscalerStatus(status);
}

/**
 * Reads the `status` the autoscaler writes. Since cluster-autoscaler 1.30 it is YAML of
 * `ClusterAutoscalerStatus` (kubernetes/autoscaler, cluster-autoscaler/clusterstate/api/types.go;
 * written by clusterstate/utils/status.go `WriteStatusConfigMap`, PR #6375): `autoscalerStatus`
 * (Initializing, then Running), `clusterWide.health.status` (Healthy or Unhealthy) with its
 * `nodeCounts`, `clusterWide.scaleUp.status`, `clusterWide.scaleDown.status`. Every version
 * eksflow pins (1.31 to 1.36, `clusterAutoscalerImageTags`) writes it, so the text of older
 * versions ("Cluster-wide:" / "Health: Healthy (ready=3 ...)") is no longer read.
 */
export function parseAutoscalerStatus(status: string): AutoscalerStatus {
  const states = yamlStates(status);
  if (!states) return { healthy: false, summary: `unreadable cluster-autoscaler status: ${status.slice(0, 200)}` };
  // Right after start it writes an empty report with autoscalerStatus Initializing (status.go, EmptyClusterAutoscalerStatus).
  if (!states.health) return { healthy: false, summary: `autoscaler ${states.autoscaler ?? 'status without health'}: no cluster-wide health yet` };
  const summary = [
    ...(states.autoscaler && states.autoscaler !== 'Running' ? [`autoscaler ${states.autoscaler}`] : []),
    `health ${states.health}${states.healthDetail ? ` (${states.healthDetail})` : ''}`,
    ...(states.scaleUp ? [`scale-up ${states.scaleUp}`] : []),
    ...(states.scaleDown ? [`scale-down ${states.scaleDown}`] : []),
  ].join('; ');
  return { healthy: states.health === 'Healthy' && states.autoscaler === 'Running', summary };
}

interface StatusStates {
  autoscaler?: string;
  health?: string;
  healthDetail?: string;
  scaleUp?: string;
  scaleDown?: string;
}

interface YamlStatus {
  autoscalerStatus?: string;
  clusterWide?: {
    health?: { status?: string; nodeCounts?: { registered?: { total?: number; ready?: number } } };
    scaleUp?: { status?: string };
    scaleDown?: { status?: string };
  };
}

function yamlStates(status: string): StatusStates | undefined {
  let parsed: YamlStatus;
  try {
    parsed = parseYaml(status) as YamlStatus;
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { clusterWide } = parsed;
  const registered = clusterWide?.health?.nodeCounts?.registered;
  return {
    autoscaler: parsed.autoscalerStatus,
    health: clusterWide?.health?.status,
    healthDetail: registered ? `ready=${registered.ready ?? 0} registered=${registered.total ?? 0}` : undefined,
    scaleUp: clusterWide?.scaleUp?.status,
    scaleDown: clusterWide?.scaleDown?.status,
  };
}
