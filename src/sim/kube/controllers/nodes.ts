import { nodegroupLabel } from '../../../activities/nodegroups';
import { isReadyCondition, now as timestamp, type KubeObject, type ObjectDraft } from '../objects';
import { isDeleting, selfManagedNodeAnnotation, type ControllerContext, type NodegroupShape } from './context';

export const capacityTypeLabel = 'eks.amazonaws.com/capacityType';
const notReadyTaint = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
/** t3.large's allocatable: what a node offers when its group names nothing else. */
export const defaultAllocatable = { cpu: '1930m', memory: '7220Mi', pods: '35' };

export const isNodeReady = (node: KubeObject) => !isDeleting(node) && isReadyCondition(node.status?.conditions);

/** Node groups' nodes: made and removed to the desired size, Ready once their kubelet would be. */
export function reconcileNodes(context: ControllerContext): void {
  const { store, types } = context;
  const nodes = store.items(types.node);
  for (const [group, shape] of context.nodegroups) {
    const members = nodes.filter((node) => isMember(node, group, shape) && !isDeleting(node));
    for (let i = members.length; i < shape.desiredSize; i += 1) store.put(types.node, newNode(context, group, shape));
    // The newest go first when a group shrinks.
    const surplus = [...members].sort((a, b) => b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp) || b.metadata.name.localeCompare(a.metadata.name))
      .slice(0, Math.max(0, members.length - shape.desiredSize));
    for (const node of surplus) store.remove(types.node, undefined, node.metadata.name);
  }
  for (const node of store.items(types.node)) {
    if (isDeleting(node) || isReadyCondition(node.status?.conditions)) continue;
    if (!context.deadlines.passed(`${node.metadata.uid}/ready`, 'nodeReadyMs', context.now)) continue;
    store.change(types.node, undefined, node.metadata.name, (ready) => {
      const spec = (ready.spec ??= {});
      spec.taints = ((spec.taints as { key: string }[] | undefined) ?? []).filter((taint) => taint.key !== notReadyTaint.key);
      if ((spec.taints as unknown[]).length === 0) delete spec.taints;
      ready.status = { ...ready.status, conditions: nodeConditions(true) };
    });
  }
}

/** Whether a node is one of the group's: EKS's label on a managed group's nodes, the cloud's annotation on an Auto Scaling group's. */
export const isMember = (node: KubeObject, group: string, shape: Pick<NodegroupShape, 'selfManaged'>) => (shape.selfManaged
  ? node.metadata.annotations?.[selfManagedNodeAnnotation] === group
  : node.metadata.labels?.[nodegroupLabel] === group);

function nodeConditions(ready: boolean) {
  const at = timestamp();
  const healthy = (type: string, reason: string, message: string) => ({ type, status: 'False', reason, message, lastHeartbeatTime: at, lastTransitionTime: at });
  return [
    healthy('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    healthy('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    healthy('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: at, lastTransitionTime: at }
      : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized', lastHeartbeatTime: at, lastTransitionTime: at },
  ];
}

export function newNode(context: ControllerContext, group: string, shape: NodegroupShape): ObjectDraft {
  const counter = ((context.memo.get('node-ip') as number | undefined) ?? 0) + 1;
  context.memo.set('node-ip', counter);
  const ip = `192.168.${Math.floor(counter / 250) % 250}.${(counter % 250) + 2}`;
  const name = `ip-${ip.replaceAll('.', '-')}.${context.region}.compute.internal`;
  const zone = `${context.region}${'abc'[counter % 3]}`;
  const allocatable = { ...defaultAllocatable, ...shape.allocatable };
  const instanceType = shape.instanceType ?? 't3.large';
  const os = shape.os ?? 'linux';
  const arch = shape.arch ?? 'amd64';
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name,
      ...(shape.selfManaged ? { annotations: { [selfManagedNodeAnnotation]: group } } : {}),
      labels: {
        ...shape.labels,
        // EKS labels the nodes of its managed groups; a self-managed node has only what its kubelet registers.
        ...(shape.selfManaged ? {} : { [nodegroupLabel]: group, [capacityTypeLabel]: shape.capacityType ?? 'ON_DEMAND' }),
        'kubernetes.io/hostname': name, 'kubernetes.io/os': os, 'kubernetes.io/arch': arch,
        'node.kubernetes.io/instance-type': instanceType,
        'topology.kubernetes.io/region': context.region, 'topology.kubernetes.io/zone': zone,
      },
    },
    spec: {
      providerID: `aws:///${zone}/i-${context.store.uid().replaceAll('-', '').slice(0, 17)}`,
      // Until the kubelet reports Ready, as the node lifecycle controller taints it.
      taints: [...(shape.taints ?? []), notReadyTaint],
    },
    status: {
      capacity: { ...allocatable, pods: allocatable.pods ?? defaultAllocatable.pods },
      allocatable: { ...allocatable, pods: allocatable.pods ?? defaultAllocatable.pods },
      addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }],
      conditions: nodeConditions(false),
      nodeInfo: {
        kubeletVersion: 'v1.35.0-eks-sim', containerRuntimeVersion: 'containerd://1.7.27', operatingSystem: os, architecture: arch,
        osImage: os === 'windows' ? 'Windows Server 2022 Datacenter' : 'Amazon Linux 2023',
      },
    },
  };
}
