import { ApiException, CoreV1Api, PolicyV1Api, setHeaderOptions, PatchStrategy, type V1Pod } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  describeBlockers, drainBlockers as blockersOf, isDrained, isPodDeleting, podKey, type DrainBlocker, type DrainBudget,
} from '../domain/drain-blockers';
import { errorTypes } from '../domain/errors';
import { kubeCall, kubeFailure, kubeNotFound, kubeOrUndefined } from './kube-calls';
import type { KubeAccess } from './nodes-ready';
import { paceFor, type Pace } from './pace';

/** What a drain reports with each heartbeat, and returns once the nodes are empty. */
export interface DrainProgress {
  /** The nodes drained (cordoned). */
  nodes: string[];
  /** Pods still to leave them (DaemonSet and mirror pods are never counted). */
  remaining: number;
  /** Pods the eviction API accepted. */
  evicted: number;
  /** Pods deleted because `force` was set and their drain was stuck. */
  forced: string[];
  /** What holds the drain now, pod by pod. */
  blockers: DrainBlocker[];
}

export interface DrainNodesInput {
  cluster: string;
  /** A label selector naming the nodes, e.g. `eks.amazonaws.com/nodegroup=spot`; or `nodes`. */
  selector?: string;
  /** The nodes by name; nodes already gone are drained. */
  nodes?: string[];
  /**
   * How long (in the cloud's time) no pod may leave before the drain is declared stuck.
   * @default 900, the 15 minutes after which EKS fails a managed node group update with PodEvictionFailure
   */
  stuckAfterSeconds?: number;
  /**
   * Once stuck, delete the pods that hold the drain instead of failing, as an EKS update with
   * `force` does; pods that declare no controller are evicted too (kubectl's --force). @default false
   */
  force?: boolean;
}

/** kubectl's pause before retrying an eviction refused 429 (pkg/drain: 5 s). */
const evictionRetryMs = 5_000;
const defaultStuckAfterSeconds = 900;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function createDrainActivities(kube: KubeAccess, pace: Pace = paceFor()) {
  async function clients(cluster: string) {
    const config = await kube.forCluster(cluster);
    return { core: config.makeApiClient(CoreV1Api), policy: config.makeApiClient(PolicyV1Api) };
  }

  async function nodeNames(core: CoreV1Api, input: { selector?: string; nodes?: string[] }): Promise<string[]> {
    if (input.nodes) return [...input.nodes];
    if (!input.selector) throw ApplicationFailure.nonRetryable('a drain needs a node selector or node names', errorTypes.invalidSpec);
    const listed = await kubeCall(`list nodes ${input.selector}`, () => core.listNode({ labelSelector: input.selector }));
    return listed.items.map((node) => node.metadata!.name!).sort();
  }

  async function podsOn(core: CoreV1Api, nodes: readonly string[]): Promise<V1Pod[]> {
    const lists = await Promise.all(nodes.map((node) => kubeCall(`list pods on node ${node}`, () => core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }))));
    return lists.flatMap((list) => list.items);
  }

  async function budgets(policy: PolicyV1Api): Promise<DrainBudget[]> {
    return (await kubeCall('list PodDisruptionBudgets', () => policy.listPodDisruptionBudgetForAllNamespaces())).items as DrainBudget[];
  }

  /**
   * Cordons the nodes and drains them as `kubectl drain --ignore-daemonsets --delete-emptydir-data`
   * (eksctl's drain does the same): every pod but DaemonSet and mirror pods is evicted through
   * the policy/v1 Eviction subresource, which honours PodDisruptionBudgets; a 429 is retried
   * every 5 s (paced). A pod that declares no controller stops the drain at once unless `force`
   * (kubectl refuses it: nothing would make it again). When no pod has left for
   * `stuckAfterSeconds`, the drain fails DrainBlocked naming each pod, budget and node that
   * hold it, or with `force` deletes those pods. Heartbeats each look; safe to repeat (a
   * cordoned node stays cordoned, a gone pod or node is drained); ends early when cancelled.
   */
  async function drainNodes(input: DrainNodesInput): Promise<DrainProgress> {
    const { core, policy } = await clients(input.cluster);
    const context = Context.current();
    const nodes = await nodeNames(core, input);
    for (const node of nodes) await cordon(core, node);
    const stuckAfterMs = pace((input.stuckAfterSeconds ?? defaultStuckAfterSeconds) * 1000);
    const evicted = new Set<string>();
    const forced: string[] = [];
    // The last refusal per pod, for pods a snapshot of the budgets would not explain (a race).
    const refusals = new Map<string, string>();
    let previous = new Set<string>();
    let lastProgress = Date.now();
    for (;;) {
      const pods = (await podsOn(core, nodes)).filter(isDrained);
      const remaining = new Set(pods.map(podKey));
      if ([...previous].some((key) => !remaining.has(key))) lastProgress = Date.now();
      previous = remaining;
      const pdbs = await budgets(policy);
      if (!input.force) {
        const unmanaged = blockersOf({ nodes, pods, pdbs, deleteEmptyDirData: true }).filter((b) => b.kind === 'noController');
        if (unmanaged.length > 0) throw drainBlocked(nodes, unmanaged, 'the drain cannot start');
      }
      for (const pod of pods) {
        if (isPodDeleting(pod)) continue;
        const outcome = await evict(core, pod);
        if (outcome === 'evicted') {
          evicted.add(podKey(pod));
          refusals.delete(podKey(pod));
          lastProgress = Date.now();
        } else if (outcome !== 'gone') refusals.set(podKey(pod), outcome.refused);
      }
      const blockers = remaining.size === 0 ? [] : explain(nodes, await podsOn(core, nodes), await budgets(policy), refusals, lastProgress);
      const progress: DrainProgress = { nodes, remaining: remaining.size, evicted: evicted.size, forced, blockers };
      context.heartbeat(progress);
      if (remaining.size === 0) return progress;
      if (Date.now() - lastProgress >= stuckAfterMs) {
        if (!input.force) throw drainBlocked(nodes, blockers, `no pod has left for ${input.stuckAfterSeconds ?? defaultStuckAfterSeconds} s`);
        // EKS's force update: pods a budget holds are deleted, budgets notwithstanding.
        for (const blocker of blockers) {
          const [namespace, name] = blocker.pod.split('/') as [string, string];
          await kubeOrUndefined(`delete pod ${blocker.pod}`, () => core.deleteNamespacedPod({ name, namespace }));
          if (!forced.includes(blocker.pod)) forced.push(blocker.pod);
        }
        lastProgress = Date.now();
      }
      await context.sleep(pace(evictionRetryMs));
    }
  }

  /**
   * A read-only look at a drain someone else runs (EKS during a managed node group update):
   * the group's cordoned nodes, the pods left on them and, for each that a budget or kubectl's
   * rules hold, why. Nothing cordoned: nothing is draining, no blockers.
   */
  async function drainBlockers(input: { cluster: string; selector: string }): Promise<{ cordoned: string[]; pods: number; blockers: DrainBlocker[] }> {
    const { core, policy } = await clients(input.cluster);
    const nodes = (await kubeCall(`list nodes ${input.selector}`, () => core.listNode({ labelSelector: input.selector }))).items;
    const cordoned = nodes.filter((node) => node.spec?.unschedulable === true).map((node) => node.metadata!.name!).sort();
    if (cordoned.length === 0) return { cordoned, pods: 0, blockers: [] };
    const pods = (await podsOn(core, cordoned)).filter(isDrained);
    // EKS evicts whatever kubectl would need --force or --delete-emptydir-data for: only budgets hold it.
    return { cordoned, pods: pods.length, blockers: blockersOf({ nodes: cordoned, pods, pdbs: await budgets(policy), force: true, deleteEmptyDirData: true }) };
  }

  /**
   * Makes the group's nodes schedulable again (kubectl uncordon): what a change that failed
   * after cordoning them does, so its rollback leaves the nodes taking pods as before.
   */
  async function uncordonNodes(input: { cluster: string; selector: string }): Promise<{ uncordoned: string[] }> {
    const { core } = await clients(input.cluster);
    const nodes = (await kubeCall(`list nodes ${input.selector}`, () => core.listNode({ labelSelector: input.selector }))).items;
    const cordoned = nodes.filter((node) => node.spec?.unschedulable === true).map((node) => node.metadata!.name!);
    for (const node of cordoned) await kubeOrUndefined(`uncordon node ${node}`, () => core.patchNode({ name: node, body: { spec: { unschedulable: false } } }, mergePatch));
    return { uncordoned: cordoned.sort() };
  }

  return { drainNodes, drainBlockers, uncordonNodes };
}

/** Marks the node unschedulable (kubectl cordon); a node already cordoned, or gone, is left be. */
async function cordon(core: CoreV1Api, node: string): Promise<void> {
  const live = await kubeOrUndefined(`read node ${node}`, () => core.readNode({ name: node }));
  if (!live || live.spec?.unschedulable === true) return;
  await kubeOrUndefined(`cordon node ${node}`, () => core.patchNode({ name: node, body: { spec: { unschedulable: true } } }, mergePatch));
}

/** One eviction: accepted, the pod already gone, or refused with the apiserver's reason (429, or 500 for two budgets). */
async function evict(core: CoreV1Api, pod: V1Pod): Promise<'evicted' | 'gone' | { refused: string }> {
  const { name, namespace } = pod.metadata as { name: string; namespace: string };
  try {
    await core.createNamespacedPodEviction({ name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } } });
    return 'evicted';
  } catch (error) {
    if (kubeNotFound(error)) return 'gone';
    if (error instanceof ApiException && (error.code === 429 || error.code === 500)) {
      const status = parseStatus(error.body);
      const cause = status?.details?.causes?.map((c) => c.message).filter(Boolean).join('; ');
      if (error.code === 429 || status?.message?.includes('more than one PodDisruptionBudget')) return { refused: [status?.message, cause].filter(Boolean).join(' ') || `HTTP ${error.code}` };
    }
    throw kubeFailure(error, `evict pod ${namespace}/${name}`);
  }
}

/** The blockers of what is left: the budgets' and kubectl's, then pods nothing explains (terminating, or refused in a race). */
function explain(nodes: string[], pods: V1Pod[], pdbs: DrainBudget[], refusals: ReadonlyMap<string, string>, since: number): DrainBlocker[] {
  const left = pods.filter(isDrained);
  const blockers = blockersOf({ nodes, pods: left, pdbs, force: true, deleteEmptyDirData: true });
  const named = new Set(blockers.map((b) => b.pod));
  for (const pod of left) {
    const key = podKey(pod);
    if (named.has(key)) continue;
    const node = pod.spec?.nodeName ?? '';
    if (isPodDeleting(pod)) blockers.push({ pod: key, node, kind: 'terminating', reason: `terminating since ${new Date(pod.metadata!.deletionTimestamp!).toISOString()}, no pod has left since ${new Date(since).toISOString()}` });
    else if (refusals.has(key)) blockers.push({ pod: key, node, kind: 'disruptionBudget', reason: refusals.get(key)! });
  }
  return blockers;
}

function drainBlocked(nodes: string[], blockers: DrainBlocker[], why: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: errorTypes.drainBlocked,
    nonRetryable: true,
    message: `drain of ${nodes.join(', ')} blocked (${why}): ${describeBlockers(blockers) || 'no blocker found'}`,
    details: [{ nodes, blockers }],
  });
}

function parseStatus(body: unknown): { message?: string; details?: { causes?: { reason?: string; message?: string }[] } } | undefined {
  if (typeof body !== 'string') return body as never;
  try {
    return JSON.parse(body) as never;
  } catch {
    return undefined;
  }
}
