import { KubeApiError, forbidden, internalError } from './api-errors';
import { isDeleting } from './controllers/context';
import { podsOfBudget } from './controllers/disruption';
import { isPodReady } from './controllers/pods';
import { now as timestamp, withCondition, type KubeObject } from './objects';
import type { ObjectStore } from './object-store';

const evictionRefused = 'Cannot evict pod as it would violate the pod\'s disruption budget.';
const success = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };

/** 429 in the apiserver's words, the budget's reason as the cause (policy/v1 DisruptionBudgetCause). */
const tooManyRequests = (cause: string) => new KubeApiError(429, 'TooManyRequests', evictionRefused, { causes: [{ reason: 'DisruptionBudget', message: cause }] });

/**
 * POST pods/<name>/eviction, as kube-apiserver's eviction REST (pkg/registry/core/pod/storage/
 * eviction.go): a pod that is Pending, finished or already terminating ignores budgets; more
 * than one budget over the pod is a 500; a budget the disruption controller has not seen yet,
 * or with no disruption allowed, refuses 429 — unless the pod is not Ready and the budget is
 * healthy (IfHealthyBudget) or says AlwaysAllow. An accepted eviction takes one disruption from
 * the budget, records the pod among its disruptedPods, marks the pod DisruptionTarget and
 * deletes it. Answers 201 with a Success Status.
 */
export function evictPod(store: ObjectStore, namespace: string, name: string): Record<string, unknown> {
  const podType = store.typeOf('Pod');
  const pdbType = store.typeOf('PodDisruptionBudget', 'policy');
  const pod = store.get(podType, namespace, name);
  if (isDeleting(pod)) return success;
  const phase = String(pod.status?.phase ?? 'Pending');
  if (!['Pending', 'Succeeded', 'Failed'].includes(phase)) {
    const budgets = store.items(pdbType, namespace).filter((pdb) => !isDeleting(pdb) && podsOfBudget(store, pdb).some((p) => p.metadata.uid === pod.metadata.uid));
    if (budgets.length > 1) throw internalError('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    const pdb = budgets[0];
    if (pdb && !mayDisruptWithoutBudget(pod, pdb)) takeDisruption(store, pdb, name);
  }
  store.change(podType, namespace, name, (next) => {
    next.status = { ...next.status, conditions: withCondition(next.status?.conditions, { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' }) };
  });
  store.remove(podType, namespace, name);
  return success;
}

/** A pod that is not Ready may go without a disruption while its budget is healthy, or always under AlwaysAllow. */
function mayDisruptWithoutBudget(pod: KubeObject, pdb: KubeObject): boolean {
  if (isPodReady(pod)) return false;
  if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  return Number(pdb.status?.currentHealthy ?? 0) >= Number(pdb.status?.desiredHealthy ?? 0) && pdb.status?.observedGeneration !== undefined;
}

function takeDisruption(store: ObjectStore, pdb: KubeObject, podName: string): void {
  const status = pdb.status ?? {};
  if (status.observedGeneration === undefined || Number(status.observedGeneration) < Number(pdb.metadata.generation ?? 0)) {
    throw tooManyRequests(`The disruption budget ${pdb.metadata.name} is still being processed by the server.`);
  }
  const allowed = Number(status.disruptionsAllowed ?? 0);
  if (allowed < 0) throw forbidden(store.typeOf('Pod'), podName, 'pdb disruptions allowed is negative');
  if (allowed === 0) throw tooManyRequests(`The disruption budget ${pdb.metadata.name} needs ${Number(status.desiredHealthy ?? 0)} healthy pods and has ${Number(status.currentHealthy ?? 0)} currently`);
  store.change(store.typeOf('PodDisruptionBudget', 'policy'), pdb.metadata.namespace, pdb.metadata.name, (next) => {
    const disrupted = { ...(next.status?.disruptedPods as Record<string, string> | undefined), [podName]: timestamp() };
    next.status = { ...next.status, disruptionsAllowed: allowed - 1, disruptedPods: disrupted };
  });
}
