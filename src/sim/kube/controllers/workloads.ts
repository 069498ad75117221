import { isPlainObject, withCondition, type KubeObject } from '../objects';
import { isDeleting, type ControllerContext } from './context';
import { isFargateNode } from './fargate';
import { isNodeReady } from './nodes';
import { isPodReady, newPod, ownedPods, podFitsNodeRules, templateHash, templateHashLabel } from './pods';

/** How many of `replicas` a rolling update may leave unavailable: an int, or a percentage rounded down. */
function maxUnavailable(deployment: KubeObject, replicas: number): number {
  const value = (deployment.spec?.strategy as { rollingUpdate?: { maxUnavailable?: number | string } } | undefined)?.rollingUpdate?.maxUnavailable ?? '25%';
  return typeof value === 'number' ? value : Math.floor((replicas * Number.parseInt(value, 10)) / 100);
}

/**
 * The Deployment controller, without ReplicaSets: pods of the current template are made up
 * to the replica count, old ones go once the new ones are all Ready, and the status carries
 * the counts and conditions `kubectl rollout status` and eksflow's gates read. A rollout that
 * makes no progress within progressDeadlineSeconds (simulated) is reported as such.
 */
export function reconcileDeployments(context: ControllerContext): void {
  const { store, types } = context;
  for (const deployment of store.items(types.deployment)) {
    if (isDeleting(deployment)) continue;
    const { namespace, name, uid } = deployment.metadata;
    const hash = templateHash(deployment.spec?.template);
    const replicas = Number(deployment.spec?.replicas ?? 1);
    const paused = deployment.spec?.paused === true;
    const pods = ownedPods(context, deployment).filter((pod) => !isDeleting(pod));
    let current = pods.filter((pod) => pod.metadata.labels?.[templateHashLabel] === hash);
    const old = pods.filter((pod) => pod.metadata.labels?.[templateHashLabel] !== hash);
    if (!paused) {
      for (let i = current.length; i < replicas; i += 1) current.push(store.put(types.pod, newPod(context, deployment, hash)));
      const surplus = current.length - replicas;
      if (surplus > 0) {
        const doomed = [...current].sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)) || b.metadata.name.localeCompare(a.metadata.name)).slice(0, surplus);
        for (const pod of doomed) store.remove(types.pod, namespace, pod.metadata.name);
        current = current.filter((pod) => !doomed.includes(pod));
      }
      if (current.length >= replicas && current.every(isPodReady)) for (const pod of old) store.remove(types.pod, namespace, pod.metadata.name);
    }
    const live = ownedPods(context, deployment).filter((pod) => !isDeleting(pod));
    const updated = live.filter((pod) => pod.metadata.labels?.[templateHashLabel] === hash);
    const ready = live.filter(isPodReady).length;
    const complete = updated.length === replicas && live.length === replicas && updated.every(isPodReady);
    const deadlineSeconds = Number(deployment.spec?.progressDeadlineSeconds ?? 600);
    const stalled = !complete && !paused && context.deadlines.passedAfter(`${uid}/progress/${hash}`, deadlineSeconds * 1000, context.now);
    if (complete) context.deadlines.forget(`${uid}/progress/${hash}`);
    const available = ready >= replicas - maxUnavailable(deployment, replicas);
    store.change(types.deployment, namespace, name, (next) => {
      let conditions = withCondition(next.status?.conditions, available
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' });
      const replicaSet = `ReplicaSet "${name}-${hash}"`;
      conditions = withCondition(conditions, stalled
        ? { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `${replicaSet} has timed out progressing.` }
        : paused
          ? { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' }
          : complete
            ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `${replicaSet} has successfully progressed.` }
            : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `${replicaSet} is progressing.` });
      next.status = {
        observedGeneration: next.metadata.generation, replicas: live.length, updatedReplicas: updated.length,
        readyReplicas: ready, availableReplicas: ready, ...(live.length - ready > 0 ? { unavailableReplicas: live.length - ready } : {}),
        conditions: sortConditions(conditions),
      };
    });
  }
}

/** The DaemonSet controller: one pod per Ready node its rules allow, placed by the controller itself. */
export function reconcileDaemonSets(context: ControllerContext): void {
  const { store, types } = context;
  // Fargate runs no DaemonSet pods: each of its nodes is one pod's micro-VM.
  const nodes = store.items(types.node).filter((node) => isNodeReady(node) && !isFargateNode(node));
  for (const daemonSet of store.items(types.daemonSet)) {
    if (isDeleting(daemonSet)) continue;
    const { namespace, name } = daemonSet.metadata;
    const hash = templateHash(daemonSet.spec?.template);
    const template = isPlainObject(daemonSet.spec?.template) ? daemonSet.spec.template : {};
    const probe = { spec: template.spec } as KubeObject;
    const eligible = nodes.filter((node) => podFitsNodeRules(probe, node));
    const eligibleNames = new Set(eligible.map((node) => node.metadata.name));
    for (const pod of ownedPods(context, daemonSet)) {
      const stale = pod.metadata.labels?.[templateHashLabel] !== hash || !eligibleNames.has(String(pod.spec?.nodeName));
      if (stale && !isDeleting(pod)) store.remove(types.pod, namespace, pod.metadata.name);
    }
    const placed = new Set(ownedPods(context, daemonSet).filter((pod) => !isDeleting(pod)).map((pod) => pod.spec?.nodeName));
    for (const node of eligible) if (!placed.has(node.metadata.name)) store.put(types.pod, newPod(context, daemonSet, hash, node.metadata.name));
    const pods = ownedPods(context, daemonSet).filter((pod) => !isDeleting(pod));
    const ready = pods.filter(isPodReady).length;
    store.change(types.daemonSet, namespace, name, (next) => {
      next.status = {
        observedGeneration: next.metadata.generation, desiredNumberScheduled: eligible.length, currentNumberScheduled: pods.length,
        updatedNumberScheduled: pods.filter((pod) => pod.metadata.labels?.[templateHashLabel] === hash).length,
        numberReady: ready, numberAvailable: ready, numberMisscheduled: 0,
        ...(eligible.length - ready > 0 ? { numberUnavailable: eligible.length - ready } : {}),
      };
    });
  }
}

/** Whether a Deployment is available as the readiness gates judge it: current, all replicas available, Available True. */
export function isDeploymentAvailable(context: Pick<ControllerContext, 'store' | 'types'>, namespace: string, name: string): boolean {
  const deployment = context.store.find(context.types.deployment, namespace, name);
  if (!deployment || isDeleting(deployment)) return false;
  const status = deployment.status ?? {};
  return Number(status.observedGeneration ?? 0) >= Number(deployment.metadata.generation ?? 0)
    && Number(status.availableReplicas ?? 0) >= Number(deployment.spec?.replicas ?? 1)
    && (status.conditions as { type: string; status: string }[] | undefined ?? []).some((c) => c.type === 'Available' && c.status === 'True');
}

const sortConditions = <C extends { type: string }>(conditions: C[]) => [...conditions].sort((a, b) => a.type.localeCompare(b.type));
