import { stringify } from 'yaml';
import { nodegroupLabel } from '../../../activities/nodegroups';
import { now as timestamp, type KubeObject } from '../objects';
import { clusterAutoscaler } from './addon-deployments';
import { isDeleting, type ControllerContext, type NodegroupShape } from './context';
import { defaultAllocatable, isNodeReady } from './nodes';
import { podFitsNodeRules } from './pods';
import { cpuMillis, memoryBytes, podRequests } from './quantities';
import { isDeploymentAvailable } from './workloads';

const statusConfigMap = { namespace: 'kube-system', name: 'cluster-autoscaler-status' };

const isUnschedulable = (pod: KubeObject) => !isDeleting(pod) && !pod.spec?.nodeName
  && (pod.status?.conditions as { type: string; status: string; reason?: string }[] | undefined ?? []).some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');

/** Whether a new node of the group would take the pod: its rules and its requests. */
function wouldFit(pod: KubeObject, group: string, shape: NodegroupShape): boolean {
  const template = { metadata: { name: group, labels: { ...shape.labels, [nodegroupLabel]: group, 'kubernetes.io/os': 'linux' } }, spec: { taints: shape.taints ?? [] } } as unknown as KubeObject;
  const allocatable = { ...defaultAllocatable, ...shape.allocatable };
  const requests = podRequests(pod);
  return podFitsNodeRules(pod, template) && requests.cpu <= cpuMillis(allocatable.cpu) && requests.memory <= memoryBytes(allocatable.memory);
}

/**
 * cluster-autoscaler, while its Deployment is available: every loop it writes its status
 * report (the YAML of 1.30+, which eksflow's `parseAutoscalerStatus` reads), and for a pod
 * that cannot be scheduled but would fit a new node of a group it grows that group by one,
 * through the simulated EKS when one listens, then waits for the node to be Ready.
 */
export function reconcileClusterAutoscaler(context: ControllerContext): void {
  const { store, types } = context;
  if (!isDeploymentAvailable(context, clusterAutoscaler.namespace, clusterAutoscaler.name)) return;
  if (!context.deadlines.passed('@autoscaler/loop', 'autoscalerLoopMs', context.now)) return;
  context.deadlines.forget('@autoscaler/loop');
  const nodes = store.items(types.node).filter((node) => !isDeleting(node));
  const readyIn = (group: string) => nodes.filter((node) => node.metadata.labels?.[nodegroupLabel] === group && isNodeReady(node)).length;
  // A scale-up is under way until EKS has raised the size and the new nodes are Ready.
  const inFlight = (group: string, shape: NodegroupShape) => context.memo.get(`scale-up/${group}`) === shape.desiredSize || readyIn(group) < shape.desiredSize;
  for (const pod of store.items(types.pod).filter(isUnschedulable)) {
    const fit = [...context.nodegroups].find(([group, shape]) => wouldFit(pod, group, shape));
    if (!fit || inFlight(...fit)) continue;
    const [group, shape] = fit;
    context.memo.set(`scale-up/${group}`, shape.desiredSize);
    if (context.hooks.onScaleUp) context.hooks.onScaleUp({ cluster: context.cluster, region: context.region, nodegroup: group });
    else context.setDesiredSize(group, shape.desiredSize + 1);
  }
  const ready = nodes.filter(isNodeReady).length;
  const scaling = [...context.nodegroups].filter(([group, shape]) => inFlight(group, shape)).map(([group]) => group);
  const report = {
    autoscalerStatus: 'Running',
    clusterWide: {
      health: { status: 'Healthy', nodeCounts: { registered: { total: nodes.length, ready, notStarted: nodes.length - ready }, longUnregistered: 0, unregistered: 0 } },
      scaleUp: { status: scaling.length > 0 ? 'InProgress' : 'NoActivity' },
      scaleDown: { status: 'NoCandidates' },
    },
    nodeGroups: [...context.nodegroups.keys()].map((group) => ({
      name: group,
      health: { status: 'Healthy', nodeCounts: { registered: { total: nodes.filter((n) => n.metadata.labels?.[nodegroupLabel] === group).length, ready: readyIn(group) } } },
      scaleUp: { status: scaling.includes(group) ? 'InProgress' : 'NoActivity' },
    })),
  };
  const body = stringify(report);
  const live = store.find(types.configMap, statusConfigMap.namespace, statusConfigMap.name);
  // The report's time changes every loop; it is rewritten only when something else does.
  if ((live?.data as { status?: string } | undefined)?.status?.endsWith(body)) return;
  store.put(types.configMap, {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { ...statusConfigMap, annotations: { 'cluster-autoscaler.kubernetes.io/last-updated': timestamp() } },
    data: { status: `time: ${timestamp()}\n${body}` },
  });
}
