import { CoreV1Api, type CoreV1Event, type KubeConfig, type V1ConfigMap, type V1Node } from '@kubernetes/client-node';
import { nodegroupLabel } from '../../src/activities/nodegroups';
import {
  initializingReport, isUnschedulablePod, nodeCounts, planScaleUp, recordedEvent, scaledUpGroup, statusConfigMap, statusConfigMapName, statusReport,
  triggeredScaleUp, type HealthStatus, type PlayedNodeGroup, type ScaleUpPlan,
} from '../../src/sim/kube/controllers/cluster-autoscaler-loop';
import type { KubeObject } from '../../src/sim/kube/objects';
import { podFitsNodeRules } from '../../src/sim/kube/controllers/pods';
import { cpuMillis, memoryBytes, podRequests } from '../../src/sim/kube/controllers/quantities';
import type { KubeControlPlane } from './kube';

// cluster-autoscaler cannot run here (the Go module proxy refuses k8s.io/autoscaler/cluster-autoscaler),
// so tests play its part on the real control plane, through the same code the simulator's
// controller runs (src/sim/kube/controllers/cluster-autoscaler-loop.ts, which cites upstream).

const namespace = 'kube-system';
// The client serializes Event times from Dates.
const asEvent = (event: ReturnType<typeof recordedEvent>): CoreV1Event => ({ ...event, firstTimestamp: new Date(event.firstTimestamp), lastTimestamp: new Date(event.lastTimestamp) });
const isReady = (node: V1Node) => node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function putConfigMap(core: CoreV1Api, body: V1ConfigMap): Promise<V1ConfigMap> {
  const name = body.metadata!.name!;
  // Get, then update or create, as WriteStatusConfigMap does.
  const live = await core.readNamespacedConfigMap({ name, namespace }).catch(() => undefined);
  if (!live) return core.createNamespacedConfigMap({ namespace, body });
  return core.replaceNamespacedConfigMap({ name, namespace, body: { ...live, metadata: { ...live.metadata, annotations: { ...live.metadata?.annotations, ...body.metadata?.annotations } }, data: { ...live.data, ...body.data } } });
}

/**
 * One status report as the pinned cluster-autoscaler writes it, for tests that need only its
 * report: `health` cluster-wide, over the cluster's nodes as they are, no groups, no scale-up.
 */
export async function writeAutoscalerStatus(kubeConfig: KubeConfig, health: HealthStatus, options: { autoscalerMinor?: string } = {}): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const nodes = (await core.listNode()).items;
  const now = new Date();
  const report = statusReport({ health, counts: nodeCounts(nodes.length, nodes.filter(isReady).length), groups: [], now });
  await putConfigMap(core, statusConfigMap(namespace, report, options.autoscalerMinor ?? '1.35', now) as V1ConfigMap);
}

/** A played Auto Scaling group: EC2's and the group's part (launching a node for each unit of desired capacity) is played too. */
export interface PlayedAutoScalingGroup {
  /** The Auto Scaling group's name, cluster-autoscaler's group id (EKS names them `eks-<nodegroup>-<uuid>`). */
  name: string;
  /** The EKS node group whose nodes it launches: their `eks.amazonaws.com/nodegroup` label. */
  nodegroup: string;
  minSize: number;
  maxSize: number;
  desiredSize: number;
  tags: Record<string, string>;
}

export interface PlayedAutoscaler {
  /** The groups as they are now (desired sizes raised by scale-ups). */
  readonly groups: readonly PlayedAutoScalingGroup[];
  /** Every scale-up decided, in order. */
  readonly scaleUps: readonly ScaleUpPlan[];
  /** Every status report written, in order. */
  readonly reports: readonly string[];
  stop(): Promise<void>;
}

export interface PlayedAutoscalerOptions {
  /** The EKS cluster's name, which auto-discovery's tag names. */
  clusterName: string;
  groups: PlayedAutoScalingGroup[];
  /** The autoscaler's minor, for the status format. @default '1.35' */
  autoscalerMinor?: string;
  /** `--scan-interval`, shortened. @default 1000 */
  intervalMs?: number;
}

/**
 * Plays cluster-autoscaler's loop against the test bed: at start the Initializing report
 * (clusterstate/utils/status.go, `NewStatusMapRecorder`), then every interval the same
 * decisions and writes as the simulator's controller — a scale-up for unschedulable pods,
 * ScaledUpGroup on the status ConfigMap, TriggeredScaleUp on the pods, the status report — and
 * the Auto Scaling group's part: a node of the group joins for each unit of desired capacity.
 */
export async function playClusterAutoscaler(cluster: KubeControlPlane, options: PlayedAutoscalerOptions): Promise<PlayedAutoscaler> {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const minor = options.autoscalerMinor ?? '1.35';
  const groups = options.groups.map((group) => ({ ...group }));
  const scaleUps: ScaleUpPlan[] = [];
  const reports: string[] = [];
  const since = new Map<string, { status: string; at: Date }>();
  const launching: Promise<void>[] = [];
  const write = async (report: Record<string, unknown>, now: Date) => {
    const body = statusConfigMap(namespace, report, minor, now) as V1ConfigMap;
    reports.push(body.data!.status!);
    return putConfigMap(core, body);
  };
  const started = new Date();
  let statusObject = await write(initializingReport(started, minor), started);

  const loop = async () => {
    const now = new Date();
    const nodes = (await core.listNode()).items.filter((node) => !node.metadata?.deletionTimestamp);
    const inGroup = (group: PlayedAutoScalingGroup) => nodes.filter((node) => node.metadata?.labels?.[nodegroupLabel] === group.nodegroup);
    const readyIn = (group: PlayedAutoScalingGroup) => inGroup(group).filter(isReady).length;
    const scalingUp = (group: PlayedAutoScalingGroup) => readyIn(group) < group.desiredSize;
    // A new node is like the group's others (the AWS provider's template comes from a live node when there is one).
    const template = (group: PlayedAutoScalingGroup) => inGroup(group)[0];
    const played: PlayedNodeGroup[] = groups.filter((group) => template(group)).map((group) => {
      const allocatable = template(group)!.status?.allocatable ?? {};
      return {
        id: group.name, minSize: group.minSize, maxSize: group.maxSize, targetSize: group.desiredSize, tags: group.tags,
        allocatable: { cpuMillis: cpuMillis(allocatable.cpu), memoryBytes: memoryBytes(allocatable.memory) }, upcoming: Math.max(0, group.desiredSize - readyIn(group)),
      };
    });
    const pods = (await core.listPodForAllNamespaces()).items.filter((pod) => isUnschedulablePod(pod as Parameters<typeof isUnschedulablePod>[0]));
    const byKey = new Map(pods.map((pod) => [`${pod.metadata?.namespace}/${pod.metadata?.name}`, pod]));
    const plan = planScaleUp(pods.map((pod) => {
      const requests = podRequests(pod as unknown as KubeObject);
      return { namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata?.uid, cpuMillis: requests.cpu, memoryBytes: requests.memory };
    }), played, options.clusterName, (pod, group) => {
      const node = template(groups.find((g) => g.name === group.id)!)!;
      return podFitsNodeRules(byKey.get(`${pod.namespace}/${pod.name}`) as unknown as KubeObject, { metadata: { name: 'template', labels: node.metadata?.labels ?? {} }, spec: { taints: node.spec?.taints ?? [] } } as unknown as KubeObject);
    });
    if (plan) {
      scaleUps.push(plan);
      const group = groups.find((g) => g.name === plan.group)!;
      await core.createNamespacedEvent({ namespace, body: asEvent(recordedEvent({ kind: 'ConfigMap', namespace, name: statusConfigMapName, uid: statusObject.metadata?.uid }, scaledUpGroup(plan), now)) });
      const from = group.desiredSize;
      group.desiredSize = plan.newSize;
      for (const pod of plan.pods) await core.createNamespacedEvent({ namespace: pod.namespace, body: asEvent(recordedEvent({ kind: 'Pod', ...pod }, triggeredScaleUp([plan]), now)) });
      // The Auto Scaling group's part: an instance per unit of new capacity, joining as a node of the node group.
      const names = Array.from({ length: plan.newSize - from }, (_, i) => `kwok-${group.nodegroup}-asg-${from + i}`);
      launching.push(cluster.addNodes(names, { [nodegroupLabel]: group.nodegroup }).catch(() => undefined));
    }
    const transition = (key: string, status: string) => {
      if (since.get(key)?.status !== status) since.set(key, { status, at: now });
      return status;
    };
    const groupStates = groups.map((group) => ({
      id: group.name, minSize: group.minSize, maxSize: group.maxSize, targetSize: group.desiredSize, health: transition(`${group.name}/health`, 'Healthy') as HealthStatus,
      counts: nodeCounts(inGroup(group).length, readyIn(group)), scaleUp: transition(`${group.name}/scaleUp`, scalingUp(group) ? 'InProgress' : 'NoActivity') as 'InProgress' | 'NoActivity',
    }));
    transition('health', 'Healthy');
    transition('scaleUp', groupStates.some((g) => g.scaleUp === 'InProgress') ? 'InProgress' : 'NoActivity');
    statusObject = await write(statusReport({ health: 'Healthy', counts: nodeCounts(nodes.length, nodes.filter(isReady).length), groups: groupStates, now, since: (key) => since.get(key)?.at }), now);
  };

  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    running = loop().catch(() => undefined).finally(() => {
      if (!stopped) timer = setTimeout(tick, options.intervalMs ?? 1000);
    });
  };
  tick();
  return {
    groups, scaleUps, reports,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await Promise.all(launching);
    },
  };
}

/** The pods' TriggeredScaleUp events the played autoscaler (or any recorder of cluster-autoscaler) wrote in a namespace. */
export async function triggeredScaleUpEvents(kubeConfig: KubeConfig, inNamespace: string): Promise<CoreV1Event[]> {
  return (await kubeConfig.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: inNamespace, fieldSelector: 'reason=TriggeredScaleUp' })).items;
}
