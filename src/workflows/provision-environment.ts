import {
  ApplicationFailure, CancellationScope, isCancellation, log, proxyActivities, setCurrentDetails, setHandler, sleep,
  upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EnvironmentSpec } from '../domain/environment-spec';
import { errorTypes } from '../domain/errors';
import { formatDuration, latencyTable, type StepKind } from '../domain/latency';
import { Ledger, type LedgerEntry, type ResourceRef } from '../domain/ledger';
import { roleNames } from '../domain/names';
import type { Owner } from '../domain/ownership';
import { planEnvironment, type PlanStep } from '../domain/planner';
import { nextPollSeconds, waitDeadlineSeconds } from '../domain/poll-schedule';
import { environmentKey, phaseKey } from '../domain/search-attributes';
import { awsCall, compensationCall, heartbeatingWait } from './activity-options';
import { progressQuery, type Phase, type StepProgress } from './messages';

const aws = proxyActivities<Activities>(awsCall);
const waits = proxyActivities<Activities>(heartbeatingWait);
const undo = proxyActivities<Activities>(compensationCall);

export interface ProvisionInput {
  /** Stable identity of the environment (tenant and name); the workflow ID is derived from it. */
  environmentId: string;
  spec: EnvironmentSpec;
}

export interface ProvisionResult {
  environment: string;
  cluster: { name: string; endpoint?: string; oidcIssuer?: string };
  ledger: LedgerEntry[];
  steps: StepProgress[];
}

// Kinds this version provisions; the rest of the plan arrives in later slices and is refused up front.
const supportedKinds: ReadonlySet<StepKind> = new Set(['cluster-role', 'node-role', 'cluster', 'cluster-logging', 'oidc-provider', 'nodegroup', 'nodes-ready']);

/**
 * Provisions one environment: runs the plan's steps as soon as their dependencies finish,
 * records every resource in a ledger before and after creating it, and on failure or
 * cancellation (with onFailure: rollback) deletes what this run made, newest first.
 */
export async function provisionEnvironment({ environmentId, spec }: ProvisionInput): Promise<ProvisionResult> {
  const owner: Owner = { environmentId, runId: workflowInfo().firstExecutionRunId };
  const plan = planEnvironment(spec);
  const unsupported = plan.steps.filter((step) => !supportedKinds.has(step.kind));
  if (unsupported.length > 0) {
    throw ApplicationFailure.nonRetryable(`this version cannot provision ${unsupported.map((s) => s.id).join(', ')} yet`, errorTypes.invalidSpec);
  }

  const ledger = new Ledger();
  const progress = new Map<string, StepProgress>(plan.steps.map((step) => [step.id, { id: step.id, title: step.title, state: 'pending', estimateSeconds: step.estimateSeconds, attempts: 0 }]));
  let phase: Phase = 'provisioning';
  setHandler(progressQuery, () => ({ environment: spec.name, phase, steps: [...progress.values()], ledger: ledger.entries() }));

  const showDetails = () => {
    const lines = [...progress.values()].map((s) => `${{ pending: '·', running: '▶', done: '✔', failed: '✖', compensated: '↺', skipped: '-' }[s.state]} ${s.id}${s.detail ? ` — ${s.detail}` : ''}`);
    setCurrentDetails(`**${spec.name}**: ${phase}\n\n${lines.join('\n')}`);
  };
  // Only a run started with eksflow's search attributes may upsert them: a namespace without
  // them registered (the time-skipping test server has none) would fail every workflow task.
  const searchable = workflowInfo().typedSearchAttributes.get(environmentKey) !== undefined;
  const setPhase = (next: Phase) => {
    phase = next;
    if (searchable) upsertSearchAttributes([{ key: phaseKey, value: next }]);
    showDetails();
  };
  const update = (id: string, change: Partial<StepProgress>) => {
    Object.assign(progress.get(id)!, change);
    showDetails();
  };
  setPhase('provisioning');

  // What later steps read from earlier ones.
  const outputs: { clusterRoleArn?: string; nodeRoleArn?: string; oidcIssuer?: string; endpoint?: string } = {};
  const subnetIds = spec.network.subnetIds ?? [];
  const securityGroupIds = spec.network.securityGroupIds ?? [];
  const now = () => new Date(Date.now()).toISOString();

  /** intend → create idempotently → confirm: the ledger knows about a resource before AWS does. */
  async function create<T extends { ref: ResourceRef; made: boolean }>(step: PlanStep, ref: ResourceRef, call: () => Promise<T>): Promise<T> {
    ledger.intend(ref, step.id);
    const result = await call();
    ledger.confirm(result.ref, result.made);
    if (!result.made) update(step.id, { detail: 'adopted: already this environment\'s' });
    return result;
  }

  /** Polls `observe` on the adaptive schedule until `done`, or fails naming the last status. */
  async function waitUntil<T>(step: PlanStep, observe: () => Promise<T>, done: (value: T) => boolean, describe: (value: T) => string): Promise<T> {
    const latency = latencyTable[step.kind];
    const startedAt = Date.now();
    for (;;) {
      const value = await observe();
      update(step.id, { detail: describe(value) });
      if (done(value)) return value;
      const elapsed = (Date.now() - startedAt) / 1000;
      if (elapsed > waitDeadlineSeconds(latency)) {
        throw ApplicationFailure.nonRetryable(`${step.id} still not ready after ${formatDuration(elapsed)}: last observed ${describe(value)}`, errorTypes.waitTimedOut);
      }
      await sleep(nextPollSeconds(elapsed, latency) * 1000);
    }
  }

  const handlers: Record<string, (step: PlanStep) => Promise<void>> = {
    'cluster-role': async (step) => {
      const name = roleNames.cluster(spec.name);
      const role = await create(step, { kind: 'iam-role', name, region: spec.region }, () => aws.ensureRole({
        owner, region: spec.region, name, description: `EKS control plane of ${spec.name}`, tags: spec.tags,
        trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] },
        managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonEKSClusterPolicy'],
      }));
      outputs.clusterRoleArn = role.arn;
    },
    'node-role': async (step) => {
      const name = roleNames.node(spec.name);
      const role = await create(step, { kind: 'iam-role', name, region: spec.region }, () => aws.ensureRole({
        owner, region: spec.region, name, description: `worker nodes of ${spec.name}`, tags: spec.tags,
        trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        managedPolicyArns: ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly'].map((p) => `arn:aws:iam::aws:policy/${p}`),
      }));
      outputs.nodeRoleArn = role.arn;
    },
    cluster: async (step) => {
      await create(step, { kind: 'eks-cluster', name: spec.name, region: spec.region }, () => aws.ensureCluster({
        owner, spec, roleArn: outputs.clusterRoleArn!, subnetIds, securityGroupIds,
      }));
      const active = await waitUntil(step, () => aws.describeCluster(spec.name), (c) => c.status === 'ACTIVE', (c) => `cluster ${c.status}`);
      outputs.oidcIssuer = active.oidcIssuer;
      outputs.endpoint = active.endpoint;
    },
    'cluster-logging': async (step) => {
      const changed = await aws.ensureControlPlaneLogging({ owner, name: spec.name, wanted: spec.controlPlaneLogging });
      update(step.id, { detail: changed ? `enabled ${spec.controlPlaneLogging.join(', ')}` : 'already as wanted' });
      if (changed) await waitUntil(step, () => aws.describeCluster(spec.name), (c) => c.status === 'ACTIVE', (c) => `cluster ${c.status}`);
    },
    'oidc-provider': async (step) => {
      if (!outputs.oidcIssuer) throw ApplicationFailure.nonRetryable(`cluster ${spec.name} reports no OIDC issuer`, errorTypes.resourceFailed);
      const url = outputs.oidcIssuer.replace(/^https:\/\//, '');
      await create(step, { kind: 'oidc-provider', name: url, region: spec.region }, () => aws.ensureOidcProvider({ owner, region: spec.region, issuerUrl: outputs.oidcIssuer!, tags: spec.tags }));
    },
    nodegroup: async (step) => {
      const group = spec.nodeGroups.find((g) => g.name === step.subject)!;
      await create(step, { kind: 'eks-nodegroup', name: `${spec.name}/${group.name}`, region: spec.region }, () => aws.ensureNodegroup({
        owner, region: spec.region, cluster: spec.name, group, nodeRoleArn: outputs.nodeRoleArn!, subnetIds, tags: spec.tags,
      }));
      await waitUntil(step, () => aws.describeNodegroup({ cluster: spec.name, name: group.name }), (g) => g.status === 'ACTIVE', (g) => `node group ${g.status}`);
    },
    'nodes-ready': async (step) => {
      const group = spec.nodeGroups.find((g) => g.name === step.subject)!;
      const ready = await waits.waitForNodesReady({ cluster: spec.name, group: group.name, desired: group.desiredSize });
      update(step.id, { detail: `${ready.ready}/${ready.desired} nodes Ready` });
    },
  };

  async function runStep(step: PlanStep): Promise<void> {
    update(step.id, { state: 'running', startedAt: now(), attempts: progress.get(step.id)!.attempts + 1 });
    try {
      await handlers[step.kind]!(step);
      update(step.id, { state: 'done', endedAt: now() });
    } catch (error) {
      update(step.id, { state: 'failed', endedAt: now(), lastError: messageOf(error) });
      throw error;
    }
  }

  // Each step starts the moment its dependencies are done: maximum overlap, no waves to wait out.
  const finished = new Map<string, Promise<void>>();
  const started = (step: PlanStep): Promise<void> => {
    let promise = finished.get(step.id);
    if (!promise) {
      promise = Promise.all(step.dependsOn.map((id) => started(plan.steps.find((s) => s.id === id)!))).then(() => runStep(step));
      finished.set(step.id, promise);
    }
    return promise;
  };

  try {
    await Promise.all(plan.steps.map(started));
  } catch (error) {
    // Let steps already running settle, so the ledger is complete before anything is undone.
    await CancellationScope.nonCancellable(() => Promise.allSettled([...finished.values()]));
    for (const s of progress.values()) if (s.state === 'pending') s.state = 'skipped';
    if (spec.onFailure === 'keep') {
      setPhase('failed');
      throw error;
    }
    setPhase('rolling-back');
    const leftovers = await CancellationScope.nonCancellable(() => compensate(ledger, (entry, state) => {
      const step = progress.get(entry.step);
      if (step && state === 'compensated') step.state = 'compensated';
      showDetails();
    }));
    setPhase(leftovers.length === 0 ? 'rolled-back' : 'failed');
    if (isCancellation(error)) throw error;
    throw ApplicationFailure.nonRetryable(
      `provisioning ${spec.name} failed: ${messageOf(error)}; ${leftovers.length === 0 ? 'everything this run made was deleted' : `could not delete ${leftovers.map((e) => `${e.kind} ${e.name} (${e.error})`).join(', ')}`}`,
      'ProvisioningFailed', { ledger: ledger.entries(), steps: [...progress.values()] },
    );
  }

  setPhase('ready');
  return { environment: spec.name, cluster: { name: spec.name, endpoint: outputs.endpoint, oidcIssuer: outputs.oidcIssuer }, ledger: ledger.entries(), steps: [...progress.values()] };
}

/**
 * Deletes, newest first, every resource this run made or may have made (intended but
 * unconfirmed). A delete that keeps failing is recorded and reported, never swallowed.
 */
async function compensate(ledger: Ledger, changed: (entry: LedgerEntry, state: 'compensated' | 'compensation-failed') => void): Promise<LedgerEntry[]> {
  for (const entry of ledger.toCompensate()) {
    try {
      await deleteResource(entry);
      ledger.mark(entry, 'compensated');
      changed(entry, 'compensated');
    } catch (error) {
      log.error('compensation failed', { kind: entry.kind, name: entry.name, error: messageOf(error) });
      ledger.mark(entry, 'compensation-failed', messageOf(error));
      changed(entry, 'compensation-failed');
    }
  }
  return ledger.entries().filter((entry) => entry.state === 'compensation-failed');
}

async function deleteResource(entry: LedgerEntry): Promise<void> {
  switch (entry.kind) {
    case 'iam-role':
      return undo.deleteRole(entry.name);
    case 'oidc-provider':
      return undo.deleteOidcProvider({ url: entry.name });
    case 'eks-nodegroup': {
      const [cluster, name] = entry.name.split('/') as [string, string];
      await undo.deleteNodegroup({ cluster, name });
      // EKS refuses to delete a cluster that still has node groups: wait until this one is gone.
      await pollUntilGone(() => undo.describeNodegroup({ cluster, name }), latencyTable.nodegroup);
      return;
    }
    case 'eks-cluster':
      await undo.deleteCluster(entry.name);
      await pollUntilGone(() => undo.describeCluster(entry.name), latencyTable.cluster);
      return;
    default:
      throw ApplicationFailure.nonRetryable(`no compensation for ${entry.kind} yet`, errorTypes.resourceFailed);
  }
}

async function pollUntilGone(observe: () => Promise<{ status: string }>, latency: { medianSeconds: number; p90Seconds: number }): Promise<void> {
  const startedAt = Date.now();
  for (;;) {
    const { status } = await observe();
    if (status === 'NOT_FOUND') return;
    const elapsed = (Date.now() - startedAt) / 1000;
    if (elapsed > waitDeadlineSeconds(latency)) throw ApplicationFailure.nonRetryable(`still ${status} after ${formatDuration(elapsed)}`, errorTypes.waitTimedOut);
    await sleep(nextPollSeconds(elapsed, latency) * 1000);
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message && !error.message.includes(cause.message) ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
