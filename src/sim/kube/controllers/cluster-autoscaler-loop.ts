/**
 * cluster-autoscaler's documented behaviour, as data in and data out, for the parts eksflow
 * relies on: which Auto Scaling groups it may grow, how it grows one for unschedulable pods,
 * what it records on those pods, and the status report it writes after every loop. The
 * simulator's controller (`cluster-autoscaler.ts`) and the test bed's played autoscaler
 * (`test/support/cluster-autoscaler-status.ts`) both run it, so the two cannot drift apart.
 *
 * The upstream sources are kubernetes/autoscaler, `cluster-autoscaler/`; each point names its file.
 */

/** An Auto Scaling group as cluster-autoscaler's AWS provider sees it. */
export interface PlayedNodeGroup {
  /** The group's id: on AWS the Auto Scaling group's name (cloudprovider/aws/aws_cloud_provider.go, `AwsNodeGroup.Id`). */
  id: string;
  minSize: number;
  maxSize: number;
  /** The group's desired capacity: what the provider reports as its target size. */
  targetSize: number;
  /** The Auto Scaling group's tags. */
  tags: Readonly<Record<string, string>>;
  /** What one new node of the group offers (the group's template node). */
  allocatable: { cpuMillis: number; memoryBytes: number };
  /** Nodes asked for and not yet Ready (target size less Ready nodes). @default 0 */
  upcoming?: number;
}

/** A pod cluster-autoscaler may act for. */
export interface PendingPod {
  namespace: string;
  name: string;
  uid?: string;
  cpuMillis: number;
  memoryBytes: number;
}

/** One group's planned growth: nodegroupset.ScaleUpInfo. */
export interface ScaleUpInfo {
  group: string;
  currentSize: number;
  newSize: number;
  maxSize: number;
}

export interface ScaleUpPlan extends ScaleUpInfo {
  /** The pending pods the new nodes are for: they get the TriggeredScaleUp event. */
  pods: PendingPod[];
}

/**
 * The tags `--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/<cluster>`
 * looks for (cloudprovider/aws/README.md, "Auto-Discovery Setup"; the chart's `autoDiscovery.tags`
 * default). Keys alone are matched, whatever their values. EKS tags every managed node group's
 * Auto Scaling group with both ("Nodes launched as part of a managed node group are automatically
 * tagged for auto-discovery by the Kubernetes Cluster Autoscaler", EKS User Guide, managed-node-groups).
 */
export const autoDiscoveryTagKeys = (cluster: string) => ['k8s.io/cluster-autoscaler/enabled', `k8s.io/cluster-autoscaler/${cluster}`];

/** The groups auto-discovery finds: those carrying every discovery tag key (cloudprovider/aws/aws_wrapper.go, `getAutoscalingGroupsByTags`). */
export function discoveredGroups<G extends Pick<PlayedNodeGroup, 'tags'>>(groups: readonly G[], cluster: string): G[] {
  const keys = autoDiscoveryTagKeys(cluster);
  return groups.filter((group) => keys.every((key) => key in group.tags));
}

/**
 * Which pods count as unschedulable: the scheduler set PodScheduled=False with reason
 * Unschedulable and gave it no node (utils/kubernetes/listers.go, `isUnschedulable`).
 */
export function isUnschedulablePod(pod: { spec?: { nodeName?: string }; status?: { conditions?: readonly { type: string; status: string; reason?: string }[] }; metadata?: { deletionTimestamp?: unknown } }): boolean {
  return !pod.metadata?.deletionTimestamp && !pod.spec?.nodeName
    && (pod.status?.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
}

/**
 * One scale-up decision (core/scaleup/orchestrator/orchestrator.go, `ScaleUp`): of the
 * discovered groups below their max size (a group at max is skipped, "max node group size
 * reached"), each option is the pending pods a new node of the group would take, with the
 * number of nodes they need (estimator/binpacking_estimator.go: first-fit, in order); the
 * expander picks one — eksflow passes `--expander=least-waste` (expander/waste/waste.go: the
 * least idle CPU and memory on the new nodes, ties to the first). The new size is capped at
 * the group's max (`Capping size to max`).
 */
export function planScaleUp(pending: readonly PendingPod[], groups: readonly PlayedNodeGroup[], cluster: string, fits: (pod: PendingPod, group: PlayedNodeGroup) => boolean): ScaleUpPlan | undefined {
  const discovered = discoveredGroups(groups, cluster);
  // Nodes a scale-up already asked for count as coming (core/static_autoscaler.go adds the upcoming
  // nodes to its snapshot), and pods that would fit them are left out of a new scale-up
  // (processors/pods filter_out_schedulable.go): a pod triggers one scale-up, not one per loop.
  let unplaced = [...pending];
  for (const group of discovered) {
    const upcoming = Array.from({ length: group.upcoming ?? 0 }, () => ({ cpu: 0, memory: 0 }));
    unplaced = unplaced.filter((pod) => !(fits(pod, group) && place(upcoming, pod, group.allocatable, false)));
  }
  let best: { plan: ScaleUpPlan; waste: number } | undefined;
  for (const group of discovered) {
    if (group.targetSize >= group.maxSize) continue;
    const { cpuMillis, memoryBytes } = group.allocatable;
    const pods = unplaced.filter((pod) => pod.cpuMillis <= cpuMillis && pod.memoryBytes <= memoryBytes && fits(pod, group));
    if (pods.length === 0) continue;
    const nodes: { cpu: number; memory: number }[] = [];
    for (const pod of pods) place(nodes, pod, group.allocatable, true);
    const newSize = Math.min(group.targetSize + nodes.length, group.maxSize);
    const added = newSize - group.targetSize;
    const used = nodes.slice(0, added);
    const idle = (total: number, sum: number) => (total > 0 ? (total - sum) / total : 0);
    const waste = idle(cpuMillis * added, used.reduce((s, n) => s + n.cpu, 0)) + idle(memoryBytes * added, used.reduce((s, n) => s + n.memory, 0));
    if (!best || waste < best.waste) best = { plan: { group: group.id, currentSize: group.targetSize, newSize, maxSize: group.maxSize, pods }, waste };
  }
  return best?.plan;
}

/** First-fit: the pod onto the first node with room, or (when `open`) onto a new one. */
function place(nodes: { cpu: number; memory: number }[], pod: PendingPod, allocatable: PlayedNodeGroup['allocatable'], open: boolean): boolean {
  let node = nodes.find((n) => n.cpu + pod.cpuMillis <= allocatable.cpuMillis && n.memory + pod.memoryBytes <= allocatable.memoryBytes);
  if (!node) {
    if (!open || pod.cpuMillis > allocatable.cpuMillis || pod.memoryBytes > allocatable.memoryBytes) return false;
    nodes.push((node = { cpu: 0, memory: 0 }));
  }
  node.cpu += pod.cpuMillis;
  node.memory += pod.memoryBytes;
  return true;
}

/** `ScaleUpInfo.String()` (processors/nodegroupset/nodegroup_set_processor.go): `{<group> <current>-><new> (max: <max>)}`. */
export const scaleUpInfoString = (info: ScaleUpInfo) => `{${info.group} ${info.currentSize}->${info.newSize} (max: ${info.maxSize})}`;

/**
 * The event on every pod a scale-up is for (processors/status/eventing_scale_up_processor.go):
 * Normal, reason TriggeredScaleUp, `pod triggered scale-up: %v` of the ScaleUpInfos, a Go slice
 * printed as `[a b]`.
 */
export const triggeredScaleUp = (infos: readonly ScaleUpInfo[]) => ({
  type: 'Normal', reason: 'TriggeredScaleUp', message: `pod triggered scale-up: [${infos.map(scaleUpInfoString).join(' ')}]`,
}) as const;

/**
 * The event on the status ConfigMap as the group is resized (core/scaleup/orchestrator/executor.go,
 * `executeScaleUp`): Normal, reason ScaledUpGroup.
 */
export const scaledUpGroup = (info: ScaleUpInfo) => ({
  type: 'Normal', reason: 'ScaledUpGroup', message: `Scale-up: setting group ${info.group} size to ${info.newSize} instead of ${info.currentSize} (max: ${info.maxSize})`,
}) as const;

/** Every event cluster-autoscaler records comes from its recorder's source (utils/kubernetes/factory.go, `CreateEventRecorder`). */
export const eventSource = { component: 'cluster-autoscaler' } as const;

/**
 * A core/v1 Event as client-go's recorder writes it (tools/record/event.go, `makeEvent`): named
 * `<object>.<unix nanoseconds in hex>` in the object's namespace, count 1, first and last time the same.
 */
export function recordedEvent(object: { kind: string; namespace: string; name: string; uid?: string }, event: { type: string; reason: string; message: string }, at: Date) {
  const stamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: 'v1', kind: 'Event',
    metadata: { name: `${object.name}.${(BigInt(at.getTime()) * 1_000_000n).toString(16)}`, namespace: object.namespace },
    involvedObject: { apiVersion: 'v1', kind: object.kind, namespace: object.namespace, name: object.name, ...(object.uid ? { uid: object.uid } : {}) },
    ...event, count: 1, source: eventSource, firstTimestamp: stamp, lastTimestamp: stamp,
  };
}

// ---- The status ConfigMap -------------------------------------------------------------------

/** `--status-config-map-name`'s default, in the autoscaler's namespace (config/flags; chart: the release namespace). */
export const statusConfigMapName = 'cluster-autoscaler-status';

/**
 * The annotation written beside every status (clusterstate/utils/status.go, `ConfigMapLastUpdatedKey`),
 * its value in `ConfigMapLastUpdateFormat`, Go's "2006-01-02 15:04:05.999999999 -0700 MST".
 */
export const lastUpdatedAnnotation = 'cluster-autoscaler.kubernetes.io/last-updated';

/** Go's `time.Format("2006-01-02 15:04:05.999999999 -0700 MST")` of a UTC time: trailing fraction zeros dropped. */
export function lastUpdateFormat(at: Date): string {
  const [date, rest] = at.toISOString().split('T') as [string, string];
  const [clock, millis] = rest.replace('Z', '').split('.') as [string, string];
  const fraction = millis.replace(/0+$/, '');
  return `${date} ${clock}${fraction ? `.${fraction}` : ''} +0000 UTC`;
}

/** A node count as clusterstate/api/types.go has it (`RegisteredNodeCount` within `NodeCount`). */
export interface NodeCounts {
  registered: { total: number; ready: number; notStarted: number; beingDeleted?: number; unready: { total: number; resourceUnready: number } };
  longUnregistered: number;
  unregistered: number;
}

export type HealthStatus = 'Healthy' | 'Unhealthy';
export type ScaleUpStatus = 'InProgress' | 'NoActivity' | 'Backoff';

/** What one loop saw, for the status report. */
export interface StatusInput {
  health: HealthStatus;
  counts: NodeCounts;
  groups: { id: string; minSize: number; maxSize: number; targetSize: number; health: HealthStatus; counts: NodeCounts; scaleUp: ScaleUpStatus }[];
  /** When the loop ran. */
  now: Date;
  /** When each condition last changed, by key (`health`, `scaleUp`, `<group>/scaleUp`…); now when unknown. */
  since?: (key: string) => Date | undefined;
}

/**
 * The status report of clusterstate/api/types.go (`ClusterAutoscalerStatus`, at kubernetes/autoscaler
 * commit d610672), in field order: time, autoscalerStatus, clusterWide {health, scaleUp, scaleDown},
 * nodeGroups[] {name, health {status, nodeCounts, cloudProviderTarget, minSize, maxSize}, scaleUp, scaleDown}.
 * The cluster-wide scale-up is InProgress while any group's is (clusterstate/clusterstate.go,
 * `buildScaleUpStatusClusterwide`). Scale-down is played as having no candidates: eksflow reads it
 * only to show it.
 */
export function statusReport(input: StatusInput): Record<string, unknown> {
  const scaleUp: ScaleUpStatus = input.groups.some((g) => g.scaleUp === 'InProgress') ? 'InProgress' : 'NoActivity';
  const times = (key: string) => ({ lastProbeTime: input.now, lastTransitionTime: input.since?.(key) ?? input.now });
  return {
    time: lastUpdateFormat(input.now),
    autoscalerStatus: 'Running',
    clusterWide: {
      health: { status: input.health, nodeCounts: input.counts, ...times('health') },
      scaleUp: { status: scaleUp, ...times('scaleUp') },
      scaleDown: { status: 'NoCandidates', ...times('scaleDown') },
    },
    nodeGroups: input.groups.map((group) => ({
      name: group.id,
      health: { status: group.health, nodeCounts: group.counts, cloudProviderTarget: group.targetSize, minSize: group.minSize, maxSize: group.maxSize, ...times(`${group.id}/health`) },
      scaleUp: { status: group.scaleUp, ...times(`${group.id}/scaleUp`) },
      scaleDown: { status: 'NoCandidates', ...times(`${group.id}/scaleDown`) },
    })),
  };
}

/**
 * The report written once at start, before the first loop (clusterstate/utils/status.go,
 * `EmptyClusterAutoscalerStatus`: only autoscalerStatus Initializing, and the time). Under
 * gopkg.in/yaml.v2 its zero clusterWide is left out; through JSON (1.35 on) the zero structs
 * stay, their times `null`.
 */
export function initializingReport(now: Date, autoscalerMinor: string): Record<string, unknown> {
  if (!minorAtLeast(autoscalerMinor, '1.35')) return { time: lastUpdateFormat(now), autoscalerStatus: 'Initializing' };
  const zeroTimes = { lastProbeTime: null, lastTransitionTime: null };
  return {
    time: lastUpdateFormat(now), autoscalerStatus: 'Initializing',
    clusterWide: { health: { nodeCounts: nodeCounts(0, 0), ...zeroTimes }, scaleUp: { ...zeroTimes }, scaleDown: { ...zeroTimes } },
  };
}

/**
 * The `status` key as the pinned version marshals it. Since 1.30 it is YAML (kubernetes/autoscaler
 * PR #6375, "Convert status in cluster-autoscaler-status to yaml", clusterstate/utils/status.go
 * `WriteStatusConfigMap`); every version eksflow pins (1.31–1.36) writes it, none the older text.
 * Up to 1.34 the marshaller is gopkg.in/yaml.v2: fields in declaration order, a zero struct with
 * `omitempty` left out, a metav1.Time through its promoted `MarshalText` (RFC 3339 with
 * nanoseconds), quoted as it reads like a timestamp. From 1.35 it is sigs.k8s.io/yaml (PR #8974,
 * merged 2025-12-25, before the 1.35 branch was cut, issue #8960): JSON first, so keys sorted, a
 * zero struct kept (`{}`), and times in RFC 3339 seconds.
 */
export function statusYaml(report: Record<string, unknown>, autoscalerMinor: string): string {
  const viaJson = minorAtLeast(autoscalerMinor, '1.35');
  return emit(normalise(report, viaJson), 0, viaJson);
}

const minorAtLeast = (minor: string, floor: string) => {
  const [a, b] = minor.replace(/^v/, '').split('.').map(Number) as [number, number];
  const [c, d] = floor.split('.').map(Number) as [number, number];
  return a > c || (a === c && b >= d);
};

type Yaml = string | number | null | Yaml[] | { [key: string]: Yaml };

function normalise(value: unknown, viaJson: boolean): Yaml {
  if (value instanceof Date) return viaJson ? value.toISOString().replace(/\.\d{3}Z$/, 'Z') : value.toISOString().replace(/\.?0*Z$/, 'Z');
  if (Array.isArray(value)) return value.map((v) => normalise(v, viaJson));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, normalise(v, viaJson)] as const)
      // yaml.v2 leaves out a zero struct under omitempty (every struct field of these types has it).
      .filter(([, v]) => viaJson || !isZeroStruct(v));
    if (viaJson) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  }
  return value as Yaml;
}

const isZeroStruct = (value: Yaml): boolean => value !== null && typeof value === 'object' && !Array.isArray(value)
  && Object.values(value).every((v) => v === 0 || v === '' || isZeroStruct(v));

// A plain scalar that YAML would read as a timestamp, number, bool or null is double-quoted, as go-yaml does.
const needsQuotes = (text: string) => text === '' || /^\d{4}-\d\d?-\d\d?([Tt]|$)/.test(text) || /^[-+]?(\d[\d_]*(\.\d*)?([eE][-+]?\d+)?|\.\d+|\.inf|\.nan|0x[0-9a-f]+|0o?[0-7]+)$/i.test(text)
  || /^(true|false|yes|no|on|off|null|~|y|n)$/i.test(text) || /^[\s!&*{}[\],#|>@`"'%?:-]|: | #|\s$/.test(text);

function scalar(value: string | number | null): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  return needsQuotes(value) ? JSON.stringify(value) : value;
}

/** Block YAML as go-yaml v2 writes it: two spaces a level, a sequence under a key not indented. */
function emit(value: Yaml, indent: number, viaJson: boolean): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    return value.map((item) => {
      const body = emit(item, indent + 2, viaJson);
      return `${pad}- ${body.slice(indent + 2)}`;
    }).join('');
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).map(([key, v]) => {
      if (Array.isArray(v)) return v.length === 0 ? `${pad}${key}: []\n` : `${pad}${key}:\n${emit(v, indent, viaJson)}`;
      if (v !== null && typeof v === 'object') return Object.keys(v).length === 0 ? `${pad}${key}: {}\n` : `${pad}${key}:\n${emit(v, indent + 2, viaJson)}`;
      return `${pad}${key}: ${scalar(v)}\n`;
    }).join('');
  }
  return `${pad}${scalar(value)}\n`;
}

/** The whole ConfigMap one loop writes (clusterstate/utils/status.go, `WriteStatusConfigMap`). */
export function statusConfigMap(namespace: string, report: Record<string, unknown>, autoscalerMinor: string, now: Date) {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: statusConfigMapName, namespace, annotations: { [lastUpdatedAnnotation]: lastUpdateFormat(now) } },
    data: { status: statusYaml(report, autoscalerMinor) },
  };
}

/** Counts of a set of registered nodes, of which `ready` are Ready; the rest have not started yet. */
export const nodeCounts = (total: number, ready: number): NodeCounts => ({
  registered: { total, ready, notStarted: total - ready, unready: { total: 0, resourceUnready: 0 } },
  longUnregistered: 0, unregistered: 0,
});
