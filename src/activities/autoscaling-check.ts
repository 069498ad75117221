import { AppsV1Api, AutoscalingV2Api, CoreV1Api, type V1Deployment } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { appNamespace } from '../domain/app-manifests';
import type { AppSpec } from '../domain/environment-spec';
import { errorTypes } from '../domain/errors';
import { autoscalerStatus } from './addons/cluster-autoscaler';
import { kubeCall, kubeFailure, kubeNotFound, kubeOrUndefined } from './kube-calls';
import { nodegroupLabel } from './nodegroups';
import type { KubeAccess } from './nodes-ready';
import { paceFor, type Pace } from './pace';

export interface AutoscalingCheck {
  check: string;
  ok: boolean;
  /** What was observed: "CPU at 12% of a 50% target, 2 replicas", or why not. */
  detail: string;
}

export interface AutoscalingObservation {
  /** verified when every check holds; the workflow polls until then. */
  status: 'verified' | 'waiting';
  checks: AutoscalingCheck[];
}

export interface VerifyAutoscalingInput {
  cluster: string;
  /** The app, when it has an HPA to read. */
  app?: AppSpec;
  /** Whether cluster-autoscaler runs, so its status report is read. */
  clusterAutoscaler: boolean;
}

/**
 * Autoscaling that really works, read from the controllers themselves rather than from
 * logs: the HPA has current CPU metrics (so metrics-server serves and the HPA controller
 * reads it) and can scale; cluster-autoscaler's status report says Healthy. One look.
 */
export function createAutoscalingCheckActivities(kube: KubeAccess) {
  async function verifyAutoscaling(input: VerifyAutoscalingInput): Promise<AutoscalingObservation> {
    const checks: AutoscalingCheck[] = [];
    if (input.app?.hpa) checks.push(await hpaCheck(kube, input.cluster, input.app));
    if (input.clusterAutoscaler) {
      const status = await autoscalerStatus(kube, input.cluster);
      checks.push({ check: 'cluster-autoscaler reports Healthy', ok: status.healthy, detail: status.summary });
    }
    return { status: checks.every((c) => c.ok) ? 'verified' : 'waiting', checks };
  }
  return { verifyAutoscaling };
}

async function hpaCheck(kube: KubeAccess, cluster: string, app: AppSpec): Promise<AutoscalingCheck> {
  const namespace = appNamespace(app);
  const check = `HPA ${namespace}/${app.name} reads CPU`;
  const config = await kube.forCluster(cluster);
  const hpa = await kubeOrUndefined(`read HPA ${namespace}/${app.name}`, () => config.makeApiClient(AutoscalingV2Api).readNamespacedHorizontalPodAutoscaler({ name: app.name, namespace }));
  if (!hpa) return { check, ok: false, detail: 'the HorizontalPodAutoscaler does not exist' };
  const active = hpa.status?.conditions?.find((c) => c.type === 'ScalingActive');
  const cpu = hpa.status?.currentMetrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.current.averageUtilization;
  const target = hpa.spec?.metrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.target.averageUtilization;
  if (active?.status !== 'True' || cpu === undefined) {
    // FailedGetResourceMetric here means the metrics API is not serving: metrics-server is missing or unreachable.
    return { check, ok: false, detail: active ? `not scaling: ${active.reason}${active.message ? `: ${active.message}` : ''}` : 'the HPA controller has not looked at it yet' };
  }
  return { check, ok: true, detail: `CPU at ${cpu}% of a ${target ?? '?'}% target, ${hpa.status?.currentReplicas ?? 0} replicas` };
}

export interface ProbeInput {
  cluster: string;
  /** The node groups cluster-autoscaler may grow; the probe fills their nodes and asks for one more. */
  nodeGroups: string[];
  /**
   * Karpenter NodePools that may launch nodes for the probe (EKS Auto Mode's too, which runs
   * Karpenter: its built-in pools are `general-purpose` and `system`). @default []
   */
  nodePools?: string[];
  /** How long to wait for a node to join before giving up. @default 900 */
  timeoutSeconds?: number;
}

export interface ProbeReport {
  nodesBefore: number;
  nodesAfter: number;
  /** Seconds from the probe's start until a pod was Unschedulable, and until every pod ran. */
  pendingAfterSeconds: number;
  scheduledAfterSeconds: number;
}

export interface ProbeProgress {
  stage: 'filling' | 'pending' | 'scaled' | 'cleaning-up';
  nodes: number;
  pending: number;
}

const probeNamespace = 'eksflow-autoscaling-probe';

/**
 * The label Karpenter puts on every node it launches, naming its NodePool (kubernetes-sigs/karpenter,
 * pkg/apis/v1/labels.go: `NodePoolLabelKey = apis.Group + "/nodepool"`, the group being karpenter.sh).
 * A Karpenter node carries no `eks.amazonaws.com/nodegroup`: that is EKS managed node groups' own.
 */
export const nodePoolLabel = 'karpenter.sh/nodepool';

/** The capacity the probe may use: the named node groups' nodes, and the named NodePools'. */
function probedCapacity(input: ProbeInput): { label: string; values: string[] }[] {
  return [{ label: nodegroupLabel, values: input.nodeGroups }, { label: nodePoolLabel, values: input.nodePools ?? [] }].filter((c) => c.values.length > 0);
}

const describeCapacity = (input: ProbeInput) => [...input.nodeGroups, ...(input.nodePools ?? []).map((pool) => `NodePool ${pool}`)].join(', ');
const probePollMs = 2_000;

/**
 * The active check: a probe Deployment asks for more CPU than the groups' (and NodePools')
 * Ready nodes have left, so a pod goes Pending; cluster-autoscaler must grow a group, or
 * Karpenter launch a node for a pool, and the node must join and take the pod. The probe is removed afterwards, whatever happened. Heartbeats every look.
 */
export function createAutoscalingProbeActivities(kube: KubeAccess, pace: Pace = paceFor()) {
  async function probeAutoscaling(input: ProbeInput): Promise<ProbeReport> {
    const context = Context.current();
    const config = await kube.forCluster(input.cluster);
    const core = config.makeApiClient(CoreV1Api);
    const apps = config.makeApiClient(AppsV1Api);
    const started = Date.now();
    const seconds = () => Math.round((Date.now() - started) / 1000);
    const deadline = started + (input.timeoutSeconds ?? 900) * 1000;
    const capacity = probedCapacity(input);
    // A label selector cannot say "or": one list per label, a node counted once.
    const groupNodes = async () => {
      const lists = await Promise.all(capacity.map(({ label, values }) => kubeCall('list nodes', () => core.listNode({ labelSelector: `${label} in (${values.join(',')})` }))));
      const nodes = new Map(lists.flatMap((list) => list.items).map((node) => [node.metadata?.name, node]));
      return [...nodes.values()].filter((node) => node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    };
    const before = capacity.length > 0 ? await groupNodes() : [];
    if (before.length === 0) throw ApplicationFailure.nonRetryable(`no Ready node in ${describeCapacity(input) || 'no node group or NodePool'} to probe from`, errorTypes.resourceFailed);
    // One pod per node, each taking 60% of a node's CPU, plus one: that one cannot fit anywhere.
    const nodeCpuMillis = Math.min(...before.map((node) => cpuMillis(node.status?.allocatable?.cpu ?? '0')));
    const replicas = before.length + 1;
    try {
      await kubeCall('create the probe namespace', () => core.createNamespace({ body: { metadata: { name: probeNamespace, labels: { 'app.kubernetes.io/managed-by': 'eksflow' } } } }).catch((error: unknown) => {
        if ((error as { code?: number }).code !== 409) throw error;
      }));
      await kubeCall('create the probe Deployment', () => apps.createNamespacedDeployment({ namespace: probeNamespace, body: probeDeployment(replicas, Math.floor(nodeCpuMillis * 0.6), capacity) }));
      let pendingAfterSeconds: number | undefined;
      for (;;) {
        const pods = (await kubeCall('list probe pods', () => core.listNamespacedPod({ namespace: probeNamespace }))).items;
        const unschedulable = pods.filter((pod) => pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable'));
        const running = pods.filter((pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        const nodes = (await groupNodes()).length;
        if (unschedulable.length > 0) pendingAfterSeconds ??= seconds();
        // A node may join between two looks: the scheduler's FailedScheduling event still tells.
        if (pendingAfterSeconds === undefined && (await kubeCall('list probe events', () => core.listNamespacedEvent({ namespace: probeNamespace, fieldSelector: 'reason=FailedScheduling' }))).items.length > 0) {
          pendingAfterSeconds = seconds();
        }
        const scaled = pendingAfterSeconds !== undefined && nodes > before.length && running.length === replicas;
        context.heartbeat({ stage: scaled ? 'scaled' : pendingAfterSeconds === undefined ? 'filling' : 'pending', nodes, pending: unschedulable.length } satisfies ProbeProgress);
        if (scaled) return { nodesBefore: before.length, nodesAfter: nodes, pendingAfterSeconds: pendingAfterSeconds!, scheduledAfterSeconds: seconds() };
        if (Date.now() > deadline) {
          throw ApplicationFailure.nonRetryable(pendingAfterSeconds === undefined
            ? `no probe pod went Pending in ${seconds()}s: the groups had more room than their nodes' allocatable CPU says`
            : `${unschedulable.length} probe pods still Pending after ${seconds()}s and ${nodes} nodes (${before.length} before): no autoscaler grew ${describeCapacity(input)}`, errorTypes.resourceFailed);
        }
        await context.sleep(pace(probePollMs));
      }
    } finally {
      context.heartbeat({ stage: 'cleaning-up', nodes: before.length, pending: 0 } satisfies ProbeProgress);
      await core.deleteNamespace({ name: probeNamespace }).catch((error: unknown) => {
        if (!kubeNotFound(error)) throw kubeFailure(error, 'delete the probe namespace');
      });
    }
  }
  return { probeAutoscaling };
}

function probeDeployment(replicas: number, cpuMillis: number, capacity: { label: string; values: string[] }[]): V1Deployment {
  const labels = { 'app.kubernetes.io/name': 'autoscaling-probe', 'app.kubernetes.io/managed-by': 'eksflow' };
  return {
    metadata: { name: 'probe', namespace: probeNamespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          // Only the groups and pools under test may take the probe (node selector terms are ORed); a pause container does nothing else.
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: capacity.map(({ label, values }) => ({ matchExpressions: [{ key: label, operator: 'In', values }] })) } } },
          // One probe pod per node, so the last one needs a new node rather than a fuller one.
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: labels } }],
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: `${cpuMillis}m`, memory: '16Mi' } } }],
        },
      },
    },
  };
}

/** Kubernetes CPU quantities ("4", "3920m", "0.5") in millicores. */
export function cpuMillis(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Math.round(Number(quantity) * 1000);
}
