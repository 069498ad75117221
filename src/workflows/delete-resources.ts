import { ApplicationFailure, log, patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AddonRequest } from '../activities/addons';
import type { AddonName, AppSpec } from '../domain/environment-spec';
import { errorTypes } from '../domain/errors';
import { deletionLatency, formatDuration, latencyTable, type Latency } from '../domain/latency';
import type { Ledger, LedgerEntry } from '../domain/ledger';
import { pacedPoll } from '../domain/poll-schedule';
import { compensationCall, heartbeatingWait } from './activity-options';

// Deleting what an environment holds: shared by rollback (provisioning) and teardown.

const undo = proxyActivities<Activities>(compensationCall);
const undoWaits = proxyActivities<Activities>(heartbeatingWait);

/** What deleting things on the cluster needs beyond the ledger entry: how each add-on was asked for, and the app. */
export interface OnCluster {
  addon(addon: AddonName): AddonRequest;
  app?: AppSpec;
}

/**
 * Deletes the given ledger entries in the order given. A delete that keeps failing is
 * recorded in the ledger and returned, never swallowed.
 */
export async function deleteAll(
  ledger: Ledger, entries: LedgerEntry[], [ok, failed]: ['compensated' | 'deleted', 'compensation-failed' | 'delete-failed'],
  changed: (entry: LedgerEntry) => void = () => undefined, onCluster?: OnCluster, speedup = 1,
): Promise<LedgerEntry[]> {
  const leftovers: LedgerEntry[] = [];
  for (const entry of entries) {
    try {
      await deleteResource(entry, onCluster, speedup);
      ledger.mark(entry, ok);
      changed({ ...entry, state: ok });
    } catch (error) {
      log.error('delete failed', { kind: entry.kind, name: entry.name, error: messageOf(error) });
      ledger.mark(entry, failed, messageOf(error));
      leftovers.push({ ...entry, state: failed, error: messageOf(error) });
      changed({ ...entry, state: failed });
    }
  }
  return leftovers;
}

export const describeLeftovers = (leftovers: LedgerEntry[]) => leftovers.map((e) => `${e.kind} ${e.name} (${e.error})`).join(', ');

async function deleteResource(entry: LedgerEntry, onCluster: OnCluster | undefined, speedup: number): Promise<void> {
  switch (entry.kind) {
    case 'addon': {
      if (!onCluster) throw ApplicationFailure.nonRetryable(`no record of how ${entry.name} was installed`, errorTypes.resourceFailed);
      await undoWaits.uninstallAddon(onCluster.addon(entry.name.split('/')[1] as AddonName));
      return;
    }
    case 'app': {
      const cluster = entry.name.split('/')[0]!;
      if (!onCluster?.app) throw ApplicationFailure.nonRetryable(`no record of the app ${entry.name}`, errorTypes.resourceFailed);
      await undoWaits.removeApp({ cluster, app: onCluster.app });
      return;
    }
    case 'iam-role':
      return undo.deleteRole(entry.name);
    case 'oidc-provider':
      return undo.deleteOidcProvider({ url: entry.name });
    case 'eks-nodegroup': {
      const [cluster, name] = entry.name.split('/') as [string, string];
      await undo.deleteNodegroup({ cluster, name });
      // EKS refuses to delete a cluster that still has node groups: wait until this one is gone.
      await pollUntil(() => undo.describeNodegroup({ cluster, name }), gone, deletionLatency.nodegroup, { speedup });
      return;
    }
    case 'eks-fargate-profile': {
      const [cluster, name] = entry.name.split('/') as [string, string];
      await undo.deleteFargateProfile({ cluster, name });
      await pollUntil(() => undo.describeFargateProfile({ cluster, name }), gone, deletionLatency['fargate-profile'], { speedup });
      return;
    }
    case 'ecr-repository':
      return undo.deleteEcrRepository({ name: entry.name });
    case 'vpc':
      if (patched('nat-gateways-gone-before-network')) {
        // A NAT gateway keeps its address (and the VPC its internet gateway) until it is deleted,
        // about a minute after it is asked to go: waited out here rather than by retries.
        await undo.deleteNatGateways({ environmentId: entry.name });
        await pollUntil(() => undo.natGatewayStatus({ environmentId: entry.name }), ({ status }) => status === 'GONE' || status === 'FAILED', deletionLatency['nat-gateway'], { speedup });
      }
      return undo.deleteNetwork({ environmentId: entry.name });
    case 'eks-cluster':
      if (patched('cluster-settles-before-delete')) {
        // EKS refuses DeleteCluster while the cluster is CREATING or UPDATING (ResourceInUseException):
        // a rollback that starts mid-creation waits for it to settle first.
        await pollUntil(() => undo.describeCluster(entry.name), ({ status }) => status !== 'CREATING' && status !== 'UPDATING', latencyTable.cluster, { speedup });
      }
      await undo.deleteCluster(entry.name);
      await pollUntil(() => undo.describeCluster(entry.name), gone, deletionLatency.cluster, { speedup });
      return;
    case 'load-balancer':
    case 'target-group':
    case 'network-interface':
    case 'security-group':
    case 'log-group':
      return undo.deleteClusterLeftover(entry);
    default:
      throw ApplicationFailure.nonRetryable(`eksflow cannot delete a ${entry.kind} yet`, errorTypes.resourceFailed);
  }
}

const gone = ({ status }: { status: string }) => status === 'NOT_FOUND';

export interface PollOptions<T> {
  /** Sees every observation, e.g. to show it on the step. */
  observed?: (value: T) => void;
  /** How much faster than AWS the cloud runs. @default 1 */
  speedup?: number;
  /** Look at this fixed interval (cloud seconds) instead, as an SDK waiter does: the benchmark's baseline. */
  everySeconds?: number;
}

/** Polls on the adaptive schedule until `done`; past the deadline, fails naming the last status. */
export async function pollUntil<T extends { status: string }>(observe: () => Promise<T>, done: (value: T) => boolean, latency: Latency, { observed, speedup = 1, everySeconds }: PollOptions<T> = {}): Promise<T> {
  const startedAt = Date.now();
  for (;;) {
    const value = await observe();
    observed?.(value);
    if (done(value)) return value;
    const elapsed = (Date.now() - startedAt) / 1000;
    const { nextSeconds, overdue } = pacedPoll(elapsed, latency, speedup, everySeconds);
    if (overdue) throw ApplicationFailure.nonRetryable(`still ${value.status} after ${formatDuration(elapsed * speedup)} (expected ~${formatDuration(latency.medianSeconds)})`, errorTypes.waitTimedOut);
    await sleep(nextSeconds * 1000);
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message && !error.message.includes(cause.message) ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
