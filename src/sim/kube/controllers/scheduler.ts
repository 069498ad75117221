import { isPlainObject, now as timestamp, type KubeObject } from '../objects';
import { isDeleting, type ControllerContext } from './context';
import { isNodeReady } from './nodes';
import { nextPodIp, podMatchesNodeAffinity, podToleratesNode } from './pods';
import { cpuMillis, memoryBytes, podRequests } from './quantities';

/**
 * kube-scheduler, reduced to what eksflow reads: a pending pod goes to the Ready node its
 * rules allow with the most CPU left, or stays Pending with PodScheduled False and a
 * FailedScheduling event in the scheduler's words ("0/2 nodes are available: 2 Insufficient cpu.").
 */
export function schedulePods(context: ControllerContext): void {
  const { store, types } = context;
  const nodes = store.items(types.node).filter((node) => !isDeleting(node));
  const pods = store.items(types.pod);
  const used = new Map<string, { cpu: number; memory: number; pods: number }>();
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName as string | undefined;
    if (!nodeName || isDeleting(pod)) continue;
    const requests = podRequests(pod);
    const sum = used.get(nodeName) ?? { cpu: 0, memory: 0, pods: 0 };
    used.set(nodeName, { cpu: sum.cpu + requests.cpu, memory: sum.memory + requests.memory, pods: sum.pods + 1 });
  }
  for (const pod of pods) {
    if (pod.spec?.nodeName || isDeleting(pod)) continue;
    // Another scheduler's pod (Fargate's): not this one's to place.
    if (pod.spec?.schedulerName && pod.spec.schedulerName !== 'default-scheduler') continue;
    const requests = podRequests(pod);
    const reasons = new Map<string, number>();
    const preemption = new Map<string, number>();
    const count = (counts: Map<string, number>, reason: string) => counts.set(reason, (counts.get(reason) ?? 0) + 1);
    // Evicting lower-priority pods could free resources on a node, never change its labels or taints.
    const refuse = (reason: string) => {
      count(reasons, reason);
      count(preemption, 'Preemption is not helpful for scheduling');
    };
    let best: { node: KubeObject; freeCpu: number; pods: number } | undefined;
    for (const node of nodes) {
      // The filters in kube-scheduler's order; a node that is not Ready has the not-ready taint.
      if (node.spec?.unschedulable === true) {
        refuse('node(s) were unschedulable');
        continue;
      }
      if (!isNodeReady(node) || !podToleratesNode(pod, node)) {
        refuse('node(s) had untolerated taint(s)');
        continue;
      }
      if (!podMatchesNodeAffinity(pod, node)) {
        refuse('node(s) didn\'t match Pod\'s node affinity/selector');
        continue;
      }
      const allocatable = isPlainObject(node.status?.allocatable) ? node.status.allocatable : {};
      const taken = used.get(node.metadata.name) ?? { cpu: 0, memory: 0, pods: 0 };
      const freeCpu = cpuMillis(allocatable.cpu) - taken.cpu;
      const shortages = [
        ...(requests.cpu > freeCpu ? ['Insufficient cpu'] : []),
        ...(requests.memory > memoryBytes(allocatable.memory) - taken.memory ? ['Insufficient memory'] : []),
        ...(taken.pods + 1 > Number(allocatable.pods ?? 110) ? ['Too many pods'] : []),
      ];
      if (shortages.length > 0) {
        for (const shortage of shortages) count(reasons, shortage);
        // A pod larger than the node itself: evicting others would not make room either.
        const fitsEmpty = requests.cpu <= cpuMillis(allocatable.cpu) && requests.memory <= memoryBytes(allocatable.memory);
        count(preemption, fitsEmpty ? 'No preemption victims found for incoming pod' : 'Preemption is not helpful for scheduling');
        continue;
      }
      // The emptiest node: most CPU left, then fewest pods, so replicas spread.
      if (!best || freeCpu > best.freeCpu || (freeCpu === best.freeCpu && taken.pods < best.pods)) best = { node, freeCpu, pods: taken.pods };
    }
    if (best) {
      const nodeName = best.node.metadata.name;
      const taken = used.get(nodeName) ?? { cpu: 0, memory: 0, pods: 0 };
      used.set(nodeName, { cpu: taken.cpu + requests.cpu, memory: taken.memory + requests.memory, pods: taken.pods + 1 });
      store.change(types.pod, pod.metadata.namespace, pod.metadata.name, (bound) => {
        bound.spec = { ...bound.spec, nodeName };
        const hostIP = (best.node.status?.addresses as { type: string; address: string }[] | undefined)?.find((a) => a.type === 'InternalIP')?.address;
        bound.status = { phase: 'Pending', hostIP, podIP: nextPodIp(context), conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: timestamp() }] };
      });
      continue;
    }
    // As kube-scheduler's FitError: "<count> <reason>" strings sorted, then the PostFilter plugins'
    // words: dynamic resource allocation's (on by default since 1.34), then preemption's per node.
    const histogram = (counts: Map<string, number>) => [...counts].map(([reason, n]) => `${n} ${reason}`).sort().join(', ');
    const message = nodes.length === 0 ? 'no nodes available to schedule pods'
      : `0/${nodes.length} nodes are available: ${histogram(reasons)}. no new claims to deallocate, preemption: 0/${nodes.length} nodes are available: ${histogram(preemption)}.`;
    markUnschedulable(context, pod, message);
  }
}

function markUnschedulable(context: ControllerContext, pod: KubeObject, message: string): void {
  const { store, types } = context;
  const current = (pod.status?.conditions as { type: string; message?: string }[] | undefined)?.find((c) => c.type === 'PodScheduled');
  if (current?.message === message) return;
  store.change(types.pod, pod.metadata.namespace, pod.metadata.name, (pending) => {
    pending.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: timestamp() }] };
  });
  const at = timestamp();
  store.put(types.event, {
    apiVersion: 'v1', kind: 'Event',
    metadata: { name: `${pod.metadata.name}.${store.suffix(16)}`, namespace: pod.metadata.namespace },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
    reason: 'FailedScheduling', message, type: 'Warning', count: 1,
    source: { component: 'default-scheduler' }, reportingComponent: 'default-scheduler', firstTimestamp: at, lastTimestamp: at,
  });
}
