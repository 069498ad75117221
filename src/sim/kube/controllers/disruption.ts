import { selectorMatches, type LabelSelector } from '../../../domain/drain-blockers';
import type { ObjectStore } from '../object-store';
import { isPlainObject, withCondition, type KubeObject } from '../objects';
import { isDeleting, type ControllerContext } from './context';
import { isPodReady } from './pods';

/** How long a pod an eviction let go stays counted as disrupted, unless it goes first (the disruption controller's DeletionTimeout). */
export const disruptedPodTimeoutMs = 2 * 60_000;

/** The pods a budget selects, as policy/v1 reads its selector: absent selects none, empty every pod in its namespace. */
export function podsOfBudget(store: ObjectStore, pdb: KubeObject): KubeObject[] {
  const selector = isPlainObject(pdb.spec?.selector) ? pdb.spec.selector as LabelSelector : undefined;
  return store.items(store.typeOf('Pod'), pdb.metadata.namespace).filter((pod) => selectorMatches(selector, pod.metadata.labels));
}

/** An intstr (`2` or `"50%"`) of `total`, percentages rounded up, as the disruption controller resolves them. */
function scaled(value: unknown, total: number): number {
  if (typeof value === 'string' && value.endsWith('%')) return Math.ceil((Number.parseInt(value, 10) * total) / 100);
  return Number(value);
}

/**
 * The pods a budget expects: for a plain minAvailable count, the pods it selects; else (a
 * percentage, or maxUnavailable) the replicas their controllers ask for, each controller once.
 */
function expectedPods(context: ControllerContext, pdb: KubeObject, pods: KubeObject[]): number {
  const { minAvailable, maxUnavailable } = pdb.spec ?? {};
  if (maxUnavailable === undefined && typeof minAvailable !== 'string') return pods.length;
  const owners = new Map<string, { kind: string; name: string }>();
  for (const pod of pods) {
    const owner = pod.metadata.ownerReferences?.find((ref) => ref.controller === true);
    if (owner) owners.set(owner.uid, owner);
  }
  let expected = 0;
  for (const owner of owners.values()) {
    const type = context.store.types().find((t) => t.kind === owner.kind && t.subresources.includes('scale'));
    const controller = type && context.store.find(type, pdb.metadata.namespace, owner.name);
    expected += Number(controller?.spec?.replicas ?? 1);
  }
  return expected;
}

/**
 * The disruption controller (kube-controller-manager): each PodDisruptionBudget's status from
 * the pods it selects — expectedPods, desiredHealthy, currentHealthy (Ready, not terminating,
 * not just let go by an eviction), disruptionsAllowed and the DisruptionAllowed condition —
 * which the eviction subresource (../eviction.ts) then consults and decrements.
 */
export function reconcileDisruptionBudgets(context: ControllerContext): void {
  const { store, types } = context;
  for (const pdb of store.items(types.pdb)) {
    if (isDeleting(pdb)) continue;
    const pods = podsOfBudget(store, pdb);
    const expected = expectedPods(context, pdb, pods);
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    const desired = maxUnavailable !== undefined ? Math.max(0, expected - scaled(maxUnavailable, expected)) : scaled(minAvailable ?? 1, expected);
    // A disrupted pod stays counted out until it goes or its entry times out.
    const live = new Map(pods.filter((pod) => !isDeleting(pod)).map((pod) => [pod.metadata.name, pod]));
    const disrupted = Object.fromEntries(Object.entries(isPlainObject(pdb.status?.disruptedPods) ? pdb.status.disruptedPods as Record<string, string> : {})
      .filter(([name, at]) => live.has(name) && Date.parse(at) + disruptedPodTimeoutMs > context.now));
    const healthy = [...live.values()].filter((pod) => isPodReady(pod) && !(pod.metadata.name in disrupted)).length;
    const allowed = expected > 0 && healthy > desired ? healthy - desired : 0;
    store.change(types.pdb, pdb.metadata.namespace, pdb.metadata.name, (next) => {
      const generation = next.metadata.generation;
      next.status = {
        observedGeneration: generation,
        ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}),
        disruptionsAllowed: allowed, currentHealthy: healthy, desiredHealthy: desired, expectedPods: expected,
        conditions: withCondition(next.status?.conditions, allowed > 0
          ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: generation }
          : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: generation }),
      };
    });
  }
}
