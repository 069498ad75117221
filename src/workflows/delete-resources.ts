import { ApplicationFailure, log, patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AddonRequest } from '../activities/addons';
import type { AddonName, AppSpec } from '../domain/environment-spec';
import { accessEntryFromLedgerName } from '../domain/access-entries';
import { awsAuthLedgerTarget } from '../domain/aws-auth';
import { errorTypes } from '../domain/errors';
import { deletionLatency, formatDuration, latencyTable, type Latency } from '../domain/latency';
import type { Ledger, LedgerEntry } from '../domain/ledger';
import { pacedPoll } from '../domain/poll-schedule';
import type { DeleteOutcome } from '../activities/ownership-check';
import { compensationCall, drainWait, heartbeatingWait } from './activity-options';

// Deleting what an environment holds: shared by rollback (provisioning) and teardown.

const undo = proxyActivities<Activities>(compensationCall);
const undoWaits = proxyActivities<Activities>(heartbeatingWait);
const undoDrains = proxyActivities<Activities>(drainWait);

/** What deleting things on the cluster needs beyond the ledger entry: how each add-on was asked for, and the app. */
export interface OnCluster {
  addon(addon: AddonName): AddonRequest;
  app?: AppSpec;
}

export interface DeleteOptions {
  /** The environment whose resources these are: a delete touches only what carries its tag. */
  environmentId: string;
  /** Sees each entry as its state changes. */
  changed?: (entry: LedgerEntry) => void;
  onCluster?: OnCluster;
  /** How much faster than AWS the cloud runs. @default 1 */
  speedup?: number;
}

/**
 * Deletes the given ledger entries in the order given, each only once its tags prove it is
 * this environment's: something else under the same name (another tenant's, or one a refused
 * create met) is left alone and marked `not-ours`. A delete that keeps failing is recorded in
 * the ledger and returned, never swallowed.
 */
export async function deleteAll(
  ledger: Ledger, entries: LedgerEntry[], [ok, failed]: ['compensated' | 'deleted', 'compensation-failed' | 'delete-failed'],
  { environmentId, changed = () => undefined, onCluster, speedup = 1 }: DeleteOptions,
): Promise<LedgerEntry[]> {
  const leftovers: LedgerEntry[] = [];
  for (const entry of entries) {
    try {
      const outcome = await deleteResource(entry, environmentId, onCluster, speedup);
      const state = outcome === 'not-ours' ? 'not-ours' : ok;
      if (state === 'not-ours') log.warn('left alone: not this environment\'s', { kind: entry.kind, name: entry.name });
      ledger.mark(entry, state);
      changed({ ...entry, state });
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

/**
 * Deletes one resource and waits until it is gone where something after it depends on that.
 * `not-ours` when the delete found the name held by something without this environment's tag.
 * (Histories from before ownership-checked deletes carry no outcome: undefined is a delete.)
 */
async function deleteResource(entry: LedgerEntry, environmentId: string, onCluster: OnCluster | undefined, speedup: number): Promise<DeleteOutcome['outcome'] | undefined> {
  const owner = { environmentId };
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
    // Workload identity (src/activities/workload-identity.ts): each proves it is ours first.
    case 'service-account': {
      const [cluster, namespace, name] = entry.name.split('/') as [string, string, string];
      return (await undo.deleteServiceAccount({ ...owner, cluster, namespace, name })).outcome;
    }
    // Only runs whose spec has access.awsAuth ledger these: no older history reaches this case.
    case 'aws-auth': {
      const { cluster, namespace } = awsAuthLedgerTarget(entry.name);
      return (namespace
        ? await undo.deleteEmrContainersRbac({ ...owner, cluster, namespace })
        : await undo.removeAwsAuthEntries({ ...owner, cluster })).outcome;
    }
    case 'pod-identity-association': {
      const [cluster, namespace, serviceAccount] = entry.name.split('/') as [string, string, string];
      return (await undo.deletePodIdentityAssociation({ ...owner, cluster, namespace, serviceAccount })).outcome;
    }
    case 'iam-role':
      return (await undo.deleteRole({ ...owner, name: entry.name }))?.outcome;
    case 'oidc-provider':
      return (await undo.deleteOidcProvider({ ...owner, url: entry.name }))?.outcome;
    case 'eks-nodegroup': {
      const [cluster, name] = entry.name.split('/') as [string, string];
      const deleted = await undo.deleteNodegroup({ ...owner, cluster, name });
      if (deleted?.outcome === 'not-ours') return 'not-ours';
      // EKS refuses to delete a cluster that still has node groups: wait until this one is gone.
      await pollUntil(() => undo.describeNodegroup({ cluster, name }), gone, deletionLatency.nodegroup, { speedup, failed: deleteFailed, lookingAt: `node group ${name} (deleting)` });
      return deleted?.outcome;
    }
    // A self-managed node group's parts (only runs whose spec has such a group ledger these).
    case 'autoscaling-group': {
      const found = await undo.autoScalingGroupNodes({ name: entry.name });
      // Its nodes drained first while the cluster answers (eksctl drains an unmanaged group before
      // deleting its stack): Auto Scaling terminates instances without evicting their pods.
      if (onCluster && found.cluster && found.selector) {
        await undoDrains.drainNodes({ cluster: found.cluster, selector: found.selector, force: true, stuckAfterSeconds: 120 }).catch((error: unknown) => {
          log.warn('drain before deleting the Auto Scaling group failed; deleting it anyway', { name: entry.name, error: messageOf(error) });
        });
      }
      const deleted = await undo.deleteAutoScalingGroup({ ...owner, name: entry.name });
      if (deleted.outcome === 'not-ours') return 'not-ours';
      // Its launch template goes next, and Auto Scaling holds it until the group is gone.
      await pollUntil(() => undo.describeAutoScalingGroup({ name: entry.name }), gone, deletionLatency['autoscaling-group'], { speedup, lookingAt: `Auto Scaling group ${entry.name} (deleting)` });
      return deleted.outcome;
    }
    case 'launch-template':
      return (await undo.deleteNodeLaunchTemplate({ ...owner, name: entry.name })).outcome;
    case 'instance-profile':
      return (await undo.deleteNodeInstanceProfile({ ...owner, name: entry.name })).outcome;
    case 'eks-fargate-profile': {
      const [cluster, name] = entry.name.split('/') as [string, string];
      const deleted = await undo.deleteFargateProfile({ ...owner, cluster, name });
      if (deleted?.outcome === 'not-ours') return 'not-ours';
      await pollUntil(() => undo.describeFargateProfile({ cluster, name }), gone, deletionLatency['fargate-profile'], { speedup, failed: deleteFailed, lookingAt: `Fargate profile ${name} (deleting)` });
      return deleted?.outcome;
    }
    case 'eks-access-entry':
      // Only runs whose spec has access entries ledger these: no older history reaches this case.
      return (await undo.deleteAccessEntry({ ...owner, ...accessEntryFromLedgerName(entry.name) })).outcome;
    case 'eks-addon': {
      const [cluster, name] = entry.name.split('/') as [string, string];
      const deleted = await undo.deleteEksAddon({ ...owner, cluster, name });
      if (deleted.outcome === 'not-ours') return 'not-ours';
      // Waited out, so its pods go while the nodes they run on are still there (node groups are next).
      await pollUntil(() => undo.describeEksAddon({ cluster, name }), gone, deletionLatency['eks-addon'], { speedup, failed: deleteFailed });
      return deleted.outcome;
    }
    case 'ecr-repository':
      return (await undo.deleteEcrRepository({ ...owner, name: entry.name }))?.outcome;
    // Only runs whose groups use launch templates or keys ledger these: no older history reaches them.
    case 'ec2-launch-template':
      return (await undo.deleteManagedLaunchTemplate({ ...owner, name: entry.name })).outcome;
    case 'ec2-key-pair':
      return (await undo.deleteNodeKeyPair({ ...owner, name: entry.name })).outcome;
    // Only runs whose groups open SSH through a security group ledger these; made before the
    // group's launch template, so compensation reaches it after the group and template are gone.
    case 'ssh-security-group':
      return (await undo.deleteSshSecurityGroup({ ...owner, name: entry.name })).outcome;
    case 'eks-identity-provider': {
      const [cluster, name] = entry.name.split('/') as [string, string];
      // EKS takes no disassociation while the association is still in progress: waited out first.
      await pollUntil(() => undo.describeIdentityProvider({ cluster, name }), ({ status }) => status !== 'CREATING', latencyTable['identity-provider'], { speedup, lookingAt: `identity provider ${name} (associating)` });
      const deleted = await undo.deleteIdentityProvider({ ...owner, cluster, name });
      if (deleted.outcome === 'not-ours') return 'not-ours';
      // Gone before the cluster is deleted (it comes earlier in the ledger).
      await pollUntil(() => undo.describeIdentityProvider({ cluster, name }), gone, deletionLatency['identity-provider'], { speedup, lookingAt: `identity provider ${name} (disassociating)` });
      return deleted.outcome;
    }
    // Only runs whose spec has capabilities ledger these: no older history reaches this case.
    case 'eks-capability': {
      const [cluster, name] = entry.name.split('/') as [string, string];
      // EKS takes no DeleteCapability while it is being created: waited out first.
      await pollUntil(() => undo.describeCapability({ cluster, name }), ({ status }) => status !== 'CREATING', latencyTable.capability, { speedup, lookingAt: `capability ${name} (creating)` });
      const deleted = await undo.deleteCapability({ ...owner, cluster, name });
      if (deleted.outcome === 'not-ours') return 'not-ours';
      // Gone before its role (made before it, so deleted after it) and the cluster.
      await pollUntil(() => undo.describeCapability({ cluster, name }), gone, deletionLatency.capability, { speedup, failed: deleteFailed, lookingAt: `capability ${name} (deleting)` });
      return deleted.outcome;
    }
    case 'kms-key':
      // Only runs whose spec made a Secrets key ledger these; the cluster is gone by now (it comes later in the ledger).
      return (await undo.deleteSecretsKey({ ...owner, alias: entry.name })).outcome;
    case 'vpc':
      if (patched('nat-gateways-gone-before-network')) {
        // A NAT gateway keeps its address (and the VPC its internet gateway) until it is deleted,
        // about a minute after it is asked to go: waited out here rather than by retries.
        await undo.deleteNatGateways({ environmentId: entry.name });
        await pollUntil(() => undo.natGatewayStatus({ environmentId: entry.name }), ({ status }) => status === 'GONE' || status === 'FAILED', deletionLatency['nat-gateway'], { speedup, lookingAt: 'the NAT gateways (deleting)' });
      }
      await undo.deleteNetwork({ environmentId: entry.name });
      return undefined;
    case 'eks-cluster': {
      if (patched('cluster-settles-before-delete')) {
        // EKS refuses DeleteCluster while the cluster is CREATING or UPDATING (ResourceInUseException):
        // a rollback that starts mid-creation waits for it to settle first. FAILED is settled:
        // it is deleted like any other (and bills until it is).
        await pollUntil(() => undo.describeCluster(entry.name), ({ status }) => status !== 'CREATING' && status !== 'UPDATING', latencyTable.cluster, { speedup, lookingAt: `cluster ${entry.name} (busy)` });
      }
      const deleted = await undo.deleteCluster({ ...owner, name: entry.name });
      if (deleted?.outcome === 'not-ours') return 'not-ours';
      await pollUntil(() => undo.describeCluster(entry.name), gone, deletionLatency.cluster, { speedup, lookingAt: `cluster ${entry.name} (deleting)` });
      return deleted?.outcome;
    }
    // Karpenter (addons.karpenter): only runs whose spec has it ledger these.
    case 'karpenter-nodes':
      // Terminated by their tags, looked at again until none is left; then its instance profiles go.
      await pollUntil(() => undo.terminateKarpenterNodes({ region: entry.region, cluster: entry.name }), ({ status }) => status === 'GONE', deletionLatency['karpenter-nodes'], {
        speedup, lookingAt: `Karpenter's instances of ${entry.name} (terminating)`,
      });
      return undefined;
    case 'interruption-queue':
      return (await undo.deleteKarpenterInterruptionQueue({ ...owner, name: entry.name })).outcome;
    case 'discovery-tag':
      return (await undo.untagKarpenterDiscovery({ name: entry.name })).outcome;
    case 'load-balancer':
    case 'target-group':
    case 'network-interface':
    case 'security-group':
    case 'log-group':
      await undo.deleteClusterLeftover(entry);
      return undefined;
    default:
      throw ApplicationFailure.nonRetryable(`eksflow cannot delete a ${entry.kind} yet`, errorTypes.resourceFailed);
  }
}

const gone = ({ status }: { status: string }) => status === 'NOT_FOUND';
/** A delete EKS gave up on: waiting longer cannot help; its health issues say why. */
const deleteFailed = ({ status }: { status: string }) => status === 'DELETE_FAILED';

export interface PollOptions<T> {
  /** Sees every observation, e.g. to show it on the step. */
  observed?: (value: T) => void;
  /** How much faster than AWS the cloud runs. @default 1 */
  speedup?: number;
  /** Look at this fixed interval (cloud seconds) instead, as an SDK waiter does: the benchmark's baseline. */
  everySeconds?: number;
  /** A state the resource cannot leave by waiting: the poll fails at once, with the resource's health issues. */
  failed?: (value: T) => boolean;
  /** What the wait is for, on each timer between looks in the Temporal UI ("next look at node group spot"). */
  lookingAt?: string;
}

/** Polls on the adaptive schedule until `done`; past the deadline, fails naming the last status. */
export async function pollUntil<T extends { status: string; issues?: string[] }>(observe: () => Promise<T>, done: (value: T) => boolean, latency: Latency, { observed, speedup = 1, everySeconds, failed, lookingAt }: PollOptions<T> = {}): Promise<T> {
  const startedAt = Date.now();
  for (;;) {
    const value = await observe();
    observed?.(value);
    if (done(value)) return value;
    if (failed?.(value)) {
      throw ApplicationFailure.nonRetryable(`${value.status}: ${value.issues?.join('; ') || 'no health issues reported'}`, errorTypes.resourceFailed, { status: value.status, issues: value.issues ?? [] });
    }
    const elapsed = (Date.now() - startedAt) / 1000;
    const { nextSeconds, overdue } = pacedPoll(elapsed, latency, speedup, everySeconds);
    if (overdue) throw ApplicationFailure.nonRetryable(`still ${value.status} after ${formatDuration(elapsed * speedup)} (expected ~${formatDuration(latency.medianSeconds)})`, errorTypes.waitTimedOut);
    await sleep(nextSeconds * 1000, lookingAt ? { summary: `next look at ${lookingAt}` } : undefined);
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message && !error.message.includes(cause.message) ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
