import { clusterAutoscalerImageTags } from '../../../domain/addon-catalog';
import { defaultKubernetesVersion } from '../../../domain/environment-spec';
import { nodegroupLabel } from '../../../activities/nodegroups';
import type { KubeObject } from '../objects';
import { clusterAutoscaler } from './addon-deployments';
import {
  autoDiscoveryTagKeys, isUnschedulablePod, nodeCounts, planScaleUp, recordedEvent, scaledUpGroup, statusConfigMap, statusConfigMapName,
  statusReport, triggeredScaleUp, type PendingPod, type PlayedNodeGroup,
} from './cluster-autoscaler-loop';
import { isDeleting, type ControllerContext, type NodegroupShape } from './context';
import { defaultAllocatable, isNodeReady } from './nodes';
import { podFitsNodeRules } from './pods';
import { cpuMillis, memoryBytes, podRequests } from './quantities';
import { isDeploymentAvailable } from './workloads';

/** A new node of the group, as the scheduler would see it: the group's labels and taints. */
const templateNode = (group: string, shape: NodegroupShape) =>
  ({ metadata: { name: group, labels: { ...shape.labels, [nodegroupLabel]: group, 'kubernetes.io/os': 'linux' } }, spec: { taints: shape.taints ?? [] } }) as unknown as KubeObject;

/**
 * The Auto Scaling group behind a node group as the AWS provider sees it. EKS tags a managed
 * node group's group for auto-discovery itself, so a shape without tags of its own has them.
 */
export function playedGroup(cluster: string, group: string, shape: NodegroupShape): PlayedNodeGroup {
  const allocatable = { ...defaultAllocatable, ...shape.allocatable };
  return {
    id: group, minSize: shape.minSize ?? 0, maxSize: shape.maxSize ?? Number.MAX_SAFE_INTEGER, targetSize: shape.desiredSize,
    tags: shape.asgTags ?? Object.fromEntries(autoDiscoveryTagKeys(cluster).map((key) => [key, key.endsWith('/enabled') ? 'true' : 'owned'])),
    allocatable: { cpuMillis: cpuMillis(allocatable.cpu), memoryBytes: memoryBytes(allocatable.memory) },
  };
}

/** The autoscaler's minor, from its Deployment's image tag (`…/cluster-autoscaler:v1.34.1`); the catalog's default when unreadable. */
function autoscalerMinor(context: ControllerContext): string {
  const deployment = context.store.find(context.types.deployment, clusterAutoscaler.namespace, clusterAutoscaler.name);
  const template = deployment?.spec?.template as { spec?: { containers?: { image?: string }[] } } | undefined;
  const image = template?.spec?.containers?.[0]?.image ?? '';
  return /:v(\d+\.\d+)/.exec(image)?.[1] ?? clusterAutoscalerImageTags[defaultKubernetesVersion].replace(/^v(\d+\.\d+).*/, '$1');
}

/**
 * cluster-autoscaler, while its Deployment is available, one loop every `autoscalerLoopMs`
 * (its `--scan-interval`, 10 s by default): for unschedulable pods a new node of a discovered
 * group would take, it raises that group's desired size — through the simulated EKS when one
 * listens — records ScaledUpGroup on its status ConfigMap and TriggeredScaleUp on each pod, and
 * writes its status report; all of it by `cluster-autoscaler-loop.ts`, as the test bed's played
 * autoscaler does. A scale-up is under way until the group's nodes are Ready; meanwhile the
 * group is not grown again.
 */
export function reconcileClusterAutoscaler(context: ControllerContext): void {
  const { store, types } = context;
  if (!isDeploymentAvailable(context, clusterAutoscaler.namespace, clusterAutoscaler.name)) return;
  if (!context.deadlines.passed('@autoscaler/loop', 'autoscalerLoopMs', context.now)) return;
  context.deadlines.forget('@autoscaler/loop');
  const now = new Date(context.now);
  const nodes = store.items(types.node).filter((node) => !isDeleting(node));
  const inGroup = (group: string) => nodes.filter((node) => node.metadata.labels?.[nodegroupLabel] === group);
  const readyIn = (group: string) => inGroup(group).filter(isNodeReady).length;
  // The size asked for: EKS raises the node group's a moment after the autoscaler asked.
  const target = (group: string, shape: NodegroupShape) => {
    const asked = Number(context.memo.get(`scale-up/${group}`) ?? 0);
    if (shape.desiredSize >= asked) context.memo.delete(`scale-up/${group}`);
    return Math.max(shape.desiredSize, asked);
  };
  // Under way until the group has its size and its new nodes are Ready (clusterstate.go, IsNodeGroupScalingUp).
  const inFlight = (group: string, shape: NodegroupShape) => readyIn(group) < target(group, shape);
  const groups = [...context.nodegroups].map(([group, shape]) => ({
    ...playedGroup(context.cluster, group, shape), targetSize: target(group, shape), upcoming: Math.max(0, target(group, shape) - readyIn(group)),
  }));

  const pending = store.items(types.pod).filter((pod) => isUnschedulablePod(pod as Parameters<typeof isUnschedulablePod>[0]));
  const byKey = new Map(pending.map((pod) => [`${pod.metadata.namespace}/${pod.metadata.name}`, pod]));
  const plan = planScaleUp(pending.map((pod): PendingPod => {
    const requests = podRequests(pod);
    return { namespace: pod.metadata.namespace!, name: pod.metadata.name, uid: pod.metadata.uid, cpuMillis: requests.cpu, memoryBytes: requests.memory };
  }), groups, context.cluster, (pod, group) => podFitsNodeRules(byKey.get(`${pod.namespace}/${pod.name}`)!, templateNode(group.id, context.nodegroups.get(group.id)!)));
  if (plan) {
    context.memo.set(`scale-up/${plan.group}`, plan.newSize);
    store.put(types.event, recordedEvent({ kind: 'ConfigMap', namespace: clusterAutoscaler.namespace, name: statusConfigMapName }, scaledUpGroup(plan), now));
    if (context.hooks.onScaleUp) context.hooks.onScaleUp({ cluster: context.cluster, region: context.region, nodegroup: plan.group, desiredSize: plan.newSize });
    else context.setDesiredSize(plan.group, plan.newSize);
    for (const pod of plan.pods) store.put(types.event, recordedEvent({ kind: 'Pod', ...pod }, triggeredScaleUp([plan]), now));
  }

  const since = context.memo.get('@autoscaler/since') as Map<string, { status: string; at: Date }> | undefined ?? new Map();
  context.memo.set('@autoscaler/since', since);
  const transition = (key: string, status: string) => {
    const last = since.get(key);
    if (last?.status !== status) since.set(key, { status, at: now });
    return status;
  };
  const ready = nodes.filter(isNodeReady).length;
  const groupStates = [...context.nodegroups].map(([group, shape]) => {
    const played = playedGroup(context.cluster, group, shape);
    transition(`${group}/health`, 'Healthy');
    transition(`${group}/scaleDown`, 'NoCandidates');
    const scaleUp = transition(`${group}/scaleUp`, plan?.group === group || inFlight(group, shape) ? 'InProgress' : 'NoActivity') as 'InProgress' | 'NoActivity';
    return { id: group, minSize: played.minSize, maxSize: played.maxSize, targetSize: target(group, shape), health: 'Healthy' as const, counts: nodeCounts(inGroup(group).length, readyIn(group)), scaleUp };
  });
  transition('health', 'Healthy');
  transition('scaleDown', 'NoCandidates');
  transition('scaleUp', groupStates.some((g) => g.scaleUp === 'InProgress') ? 'InProgress' : 'NoActivity');
  const report = statusReport({ health: 'Healthy', counts: nodeCounts(nodes.length, ready), now, groups: groupStates, since: (key) => since.get(key)?.at });
  const written = statusConfigMap(clusterAutoscaler.namespace, report, autoscalerMinor(context), now);
  const live = store.find(types.configMap, clusterAutoscaler.namespace, statusConfigMapName);
  // Every loop rewrites it upstream; here only when more than its times changed, to spare the watchers.
  const withoutTimes = (text: unknown) => String(text ?? '').replace(/^(\s*(time|lastProbeTime):).*$/gm, '$1');
  if (live && withoutTimes((live.data as { status?: string } | undefined)?.status) === withoutTimes(written.data.status)) return;
  store.put(types.configMap, written);
}
