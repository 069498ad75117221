import { createHash } from 'node:crypto';
import { isPlainObject, isReadyCondition, now as timestamp, type KubeObject, type ObjectDraft } from '../objects';
import { matchesLabelSelector } from '../selectors';
import { isDeleting, type ControllerContext } from './context';

// Pods as the workload controllers make them and the kubelet runs them: one place for the
// shape, the template hash that tells a rollout's new pods from its old, and readiness.

export const templateHashLabel = 'pod-template-hash';

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** A short, stable hash of a pod template, as the Deployment controller labels its pods. */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(template ?? {})).digest();
  return Array.from(digest.subarray(0, 10), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** The pods `owner` controls, as the garbage collector would find them. */
export function ownedPods(context: ControllerContext, owner: KubeObject): KubeObject[] {
  return context.store.items(context.types.pod, owner.metadata.namespace)
    .filter((pod) => pod.metadata.ownerReferences?.some((ref) => ref.uid === owner.metadata.uid));
}

export const isPodReady = (pod: KubeObject) => !isDeleting(pod) && isReadyCondition(pod.status?.conditions);

/** A pod of `owner`'s template; `nodeName` set for a DaemonSet's, which it places itself. */
export function newPod(context: ControllerContext, owner: KubeObject, hash: string, nodeName?: string): ObjectDraft {
  const template = isPlainObject(owner.spec?.template) ? owner.spec.template : {};
  const metadata = isPlainObject(template.metadata) ? template.metadata : {};
  const generateName = owner.kind === 'Deployment' ? `${owner.metadata.name}-${hash}-` : `${owner.metadata.name}-`;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: `${generateName}${context.store.suffix()}`,
      generateName,
      namespace: owner.metadata.namespace,
      labels: { ...(metadata.labels as Record<string, string> | undefined), [templateHashLabel]: hash },
      ...(isPlainObject(metadata.annotations) ? { annotations: metadata.annotations as Record<string, string> } : {}),
      ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: { ...(isPlainObject(template.spec) ? template.spec : {}), ...(nodeName ? { nodeName } : {}) },
    status: { phase: 'Pending', ...(nodeName ? { podIP: nextPodIp(context), conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: timestamp() }] } : {}) },
  };
}

/** Whether the pod may run on the node: its node selector, required node affinity and the node's taints. */
export function podFitsNodeRules(pod: KubeObject, node: KubeObject): boolean {
  return podToleratesNode(pod, node) && podMatchesNodeAffinity(pod, node);
}

/** kube-scheduler's NodeAffinity filter: nodeSelector and required node affinity. */
export function podMatchesNodeAffinity(pod: KubeObject, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  const spec = pod.spec ?? {};
  if (isPlainObject(spec.nodeSelector) && !Object.entries(spec.nodeSelector).every(([key, value]) => labels[key] === value)) return false;
  const terms = (spec.affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: unknown[] } } } | undefined)
    ?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return !(Array.isArray(terms) && terms.length > 0 && !terms.some((term) => isPlainObject(term) && matchesLabelSelector({ matchExpressions: term.matchExpressions ?? [] }, labels)));
}

/** kube-scheduler's TaintToleration filter: every NoSchedule and NoExecute taint tolerated. */
export function podToleratesNode(pod: KubeObject, node: KubeObject): boolean {
  const spec = pod.spec ?? {};
  const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations as { key?: string; operator?: string; value?: string; effect?: string }[] : [];
  const taints = Array.isArray(node.spec?.taints) ? node.spec.taints as { key: string; value?: string; effect: string }[] : [];
  return taints.filter((taint) => taint.effect !== 'PreferNoSchedule').every((taint) => tolerations.some((t) => (t.operator === 'Exists' && !t.key)
    || (t.key === taint.key && (t.operator === 'Exists' || t.value === taint.value) && (!t.effect || t.effect === taint.effect))));
}

/** Bound pods turn Ready once their containers would have started; pods on a gone node go. */
export function runPods(context: ControllerContext): void {
  const { store, types } = context;
  const nodes = new Map(store.items(types.node).map((node) => [node.metadata.name, node]));
  for (const pod of store.items(types.pod)) {
    const nodeName = pod.spec?.nodeName as string | undefined;
    if (!nodeName || isDeleting(pod)) continue;
    const node = nodes.get(nodeName);
    if (!node || isDeleting(node)) {
      // The pod garbage collector's part: a pod whose node is gone goes too; its owner makes another.
      store.remove(types.pod, pod.metadata.namespace, pod.metadata.name);
      continue;
    }
    if (isReadyCondition(pod.status?.conditions) || !isReadyCondition(node.status?.conditions)) continue;
    if (!context.deadlines.passed(`${pod.metadata.uid}/ready`, 'podReadyMs', context.now)) continue;
    store.change(types.pod, pod.metadata.namespace, pod.metadata.name, (running) => {
      const at = timestamp();
      const containers = Array.isArray(running.spec?.containers) ? running.spec.containers as { name: string; image: string }[] : [];
      const ip = typeof running.status?.podIP === 'string' ? running.status.podIP : nextPodIp(context);
      const condition = (type: string) => ({ type, status: 'True', lastTransitionTime: at });
      running.status = {
        phase: 'Running', podIP: ip, podIPs: [{ ip }], startTime: at, qosClass: 'Burstable',
        hostIP: (node.status?.addresses as { type: string; address: string }[] | undefined)?.find((a) => a.type === 'InternalIP')?.address,
        conditions: [condition('PodReadyToStartContainers'), condition('Initialized'), condition('Ready'), condition('ContainersReady'), condition('PodScheduled')],
        containerStatuses: containers.map((c) => ({ name: c.name, image: c.image, imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: at } } })),
      };
    });
  }
}

/** An address from the VPC CNI's range, as a pod gets once it is placed. */
export function nextPodIp(context: ControllerContext): string {
  const counter = ((context.memo.get('pod-ip') as number | undefined) ?? 0) + 1;
  context.memo.set('pod-ip', counter);
  return `10.0.${Math.floor(counter / 250) % 250}.${(counter % 250) + 2}`;
}
