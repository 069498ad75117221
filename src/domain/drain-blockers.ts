// What stops a node drain, worked out from plain objects (pods, PodDisruptionBudgets) as the
// apiserver returns them. Pure: the drain activity and the read-only look during an EKS
// managed upgrade share it, and so do their tests.
//
// References: kubectl's pkg/drain (filters.go: DaemonSet and mirror pods are skipped, pods
// that declare no controller need --force, pods with emptyDir need --delete-emptydir-data)
// and the apiserver's eviction subresource (pkg/registry/core/pod/storage/eviction.go: a pod
// matched by a budget with 0 disruptions allowed is refused 429; a pod that is not Ready may
// go while the budget is healthy; a Pending, Succeeded or Failed pod ignores budgets).

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** The parts of a Pod a drain reads (a client V1Pod fits). */
export interface DrainPod {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
    deletionTimestamp?: unknown;
  };
  spec?: { nodeName?: string; volumes?: { name: string; emptyDir?: unknown }[] };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** The parts of a PodDisruptionBudget a drain reads (a client V1PodDisruptionBudget fits). */
export interface DrainBudget {
  metadata?: { name?: string; namespace?: string; generation?: number };
  spec?: { selector?: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string; unhealthyPodEvictionPolicy?: string };
  status?: { disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; expectedPods?: number; observedGeneration?: number };
}

export type DrainBlockerKind = 'disruptionBudget' | 'noController' | 'localStorage' | 'terminating';

/** One pod a drain cannot move, with the node it is on and, for a budget, which one. */
export interface DrainBlocker {
  /** `namespace/name` */
  pod: string;
  node: string;
  /** `namespace/name` of the PodDisruptionBudget, for kind `disruptionBudget`. */
  pdb?: string;
  kind: DrainBlockerKind;
  /** Why, in words: `minAvailable 2 with 2 healthy: 0 disruptions allowed`. */
  reason: string;
}

/** How a drain treats a pod, as kubectl's filters sort them. */
export type PodDrainClass = 'daemonSet' | 'mirror' | 'finished' | 'noController' | 'localStorage' | 'evictable';

export const mirrorPodAnnotation = 'kubernetes.io/config.mirror';
/** kubectl's words (pkg/drain/filters.go). */
export const noControllerMessage = 'cannot delete Pods that declare no controller (use --force to override)';
export const localStorageMessage = 'cannot delete Pods with local storage (use --delete-emptydir-data to override)';
/** The apiserver's words when more than one budget selects the pod (eviction.go). */
export const multipleBudgetsMessage = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';

export const podKey = (pod: DrainPod) => `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
export const budgetKey = (pdb: DrainBudget) => `${pdb.metadata?.namespace ?? 'default'}/${pdb.metadata?.name ?? ''}`;

const controllerOf = (pod: DrainPod) => pod.metadata?.ownerReferences?.find((ref) => ref.controller === true);
export const isPodReady = (pod: DrainPod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
export const isPodDeleting = (pod: DrainPod) => Boolean(pod.metadata?.deletionTimestamp);

/**
 * kubectl's filters in their order: DaemonSet pods are left (their controller ignores
 * cordons and would put them back), mirror pods cannot be deleted through the API; a finished
 * pod goes whatever else is true of it; then a pod with no controller, then one with emptyDir.
 */
export function podDrainClass(pod: DrainPod): PodDrainClass {
  const controller = controllerOf(pod);
  if (controller?.kind === 'DaemonSet') return 'daemonSet';
  if (pod.metadata?.annotations?.[mirrorPodAnnotation] !== undefined) return 'mirror';
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 'finished';
  if (!controller) return 'noController';
  if (pod.spec?.volumes?.some((volume) => volume.emptyDir !== undefined && volume.emptyDir !== null)) return 'localStorage';
  return 'evictable';
}

/** Whether the drain moves the pod at all (DaemonSet and mirror pods stay). */
export const isDrained = (pod: DrainPod) => !['daemonSet', 'mirror'].includes(podDrainClass(pod));

/** A metav1.LabelSelector as policy/v1 reads it: absent selects nothing, empty selects every pod. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const have = labels ?? {};
  if (!Object.entries(selector.matchLabels ?? {}).every(([key, value]) => have[key] === value)) return false;
  return (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const value = have[key];
    switch (operator) {
      case 'In': return value !== undefined && values.includes(value);
      case 'NotIn': return value === undefined || !values.includes(value);
      case 'Exists': return value !== undefined;
      case 'DoesNotExist': return value === undefined;
      default: return false;
    }
  });
}

/** The budgets in the pod's namespace whose selector matches it. */
export function budgetsOf(pod: DrainPod, pdbs: readonly DrainBudget[]): DrainBudget[] {
  const namespace = pod.metadata?.namespace ?? 'default';
  return pdbs.filter((pdb) => (pdb.metadata?.namespace ?? 'default') === namespace && selectorMatches(pdb.spec?.selector, pod.metadata?.labels));
}

/** A budget's state in words: `minAvailable 2 with 2 healthy: 0 disruptions allowed`. */
export function describeBudget(pdb: DrainBudget): string {
  const status = pdb.status ?? {};
  if (status.observedGeneration === undefined || (pdb.metadata?.generation !== undefined && status.observedGeneration < pdb.metadata.generation)) {
    return 'not yet processed by the disruption controller: 0 disruptions allowed';
  }
  const healthy = status.currentHealthy ?? 0;
  const allowed = `${status.disruptionsAllowed ?? 0} disruption${status.disruptionsAllowed === 1 ? '' : 's'} allowed`;
  const spec = pdb.spec ?? {};
  const expected = status.expectedPods ?? 0;
  if (spec.maxUnavailable !== undefined) {
    return `maxUnavailable ${spec.maxUnavailable} of ${expected} expected pods (${status.desiredHealthy ?? 0} must stay healthy) with ${healthy} healthy: ${allowed}`;
  }
  const minAvailable = spec.minAvailable ?? 1;
  const needs = typeof minAvailable === 'string' ? `minAvailable ${minAvailable} (${status.desiredHealthy ?? 0} of ${expected} expected pods)` : `minAvailable ${minAvailable}`;
  return `${needs} with ${healthy} healthy: ${allowed}`;
}

/**
 * Whether the eviction API would refuse this pod because of this budget (eviction.go): budgets
 * are ignored for Pending and finished pods; a pod that is not Ready may go while the budget
 * is healthy (IfHealthyBudget) or always (AlwaysAllow); else it needs a disruption allowed.
 */
function budgetRefuses(pod: DrainPod, pdb: DrainBudget): boolean {
  if (['Pending', 'Succeeded', 'Failed'].includes(pod.status?.phase ?? '')) return false;
  const status = pdb.status ?? {};
  const processed = status.observedGeneration !== undefined && (pdb.metadata?.generation === undefined || status.observedGeneration >= pdb.metadata.generation);
  if (!processed) return true;
  if (!isPodReady(pod)) {
    if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return false;
    if ((status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0)) return false;
  }
  return (status.disruptionsAllowed ?? 0) <= 0;
}

export interface DrainBlockersInput {
  /** The nodes being drained: only pods on them are looked at. */
  nodes: readonly string[];
  pods: readonly DrainPod[];
  pdbs: readonly DrainBudget[];
  /** kubectl's --force: pods that declare no controller go too. @default false */
  force?: boolean;
  /** kubectl's --delete-emptydir-data: pods with emptyDir go too. @default false */
  deleteEmptyDirData?: boolean;
}

/**
 * The pods on `nodes` a drain cannot move now, and why: a pod kubectl refuses (no controller
 * without force, emptyDir without deleteEmptyDirData), a pod whose budget allows no disruption
 * (one entry per budget), a pod selected by more than one budget (the eviction API refuses
 * it). Pods already terminating are not blockers here: the caller knows how long they took.
 */
export function drainBlockers({ nodes, pods, pdbs, force = false, deleteEmptyDirData = false }: DrainBlockersInput): DrainBlocker[] {
  const draining = new Set(nodes);
  const blockers: DrainBlocker[] = [];
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (!node || !draining.has(node) || isPodDeleting(pod)) continue;
    const kind = podDrainClass(pod);
    const base = { pod: podKey(pod), node };
    if (kind === 'daemonSet' || kind === 'mirror' || kind === 'finished') continue;
    if (kind === 'noController' && !force) blockers.push({ ...base, kind: 'noController', reason: noControllerMessage });
    if (kind === 'localStorage' && !deleteEmptyDirData) blockers.push({ ...base, kind: 'localStorage', reason: localStorageMessage });
    const budgets = budgetsOf(pod, pdbs);
    if (budgets.length > 1) {
      blockers.push({ ...base, kind: 'disruptionBudget', pdb: budgets.map(budgetKey).join(', '), reason: multipleBudgetsMessage });
    } else if (budgets.length === 1 && budgetRefuses(pod, budgets[0]!)) {
      blockers.push({ ...base, kind: 'disruptionBudget', pdb: budgetKey(budgets[0]!), reason: describeBudget(budgets[0]!) });
    }
  }
  return blockers.sort((a, b) => a.node.localeCompare(b.node) || a.pod.localeCompare(b.pod));
}

/** One line per blocker: `pod team/web-1 on node ip-10-0-1-5 blocked by PodDisruptionBudget team/web: minAvailable 2 …`. */
export function describeBlockers(blockers: readonly DrainBlocker[]): string {
  return blockers.map((b) => `pod ${b.pod} on node ${b.node} ${b.pdb ? `blocked by PodDisruptionBudget ${b.pdb}` : 'blocked'}: ${b.reason}`).join('; ');
}
