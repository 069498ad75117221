import { WorkflowExecutionAlreadyStartedError, type WorkflowExecutionDescription } from '@temporalio/client';
import type { EnvironmentSpec } from '../../domain/environment-spec';
import { Ledger, type LedgerEntry } from '../../domain/ledger';
import { environmentKey, tenantKey } from '../../domain/search-attributes';
import type { teardownEnvironment, TeardownReport } from '../../workflows';
import type { TemporalAccess } from '../plugins/temporal';
import { environmentIdOf, teardownWorkflowIdFor, type RunMemo } from './identity';
import { describe } from './request';
import { queryProgress, runFailure, runStatus, type RunFailure, type RunStatus } from './view';

// A run can close without deleting what it made: it failed and was kept (onFailure: keep), its
// rollback or teardown could not delete everything, or it was terminated or timed out and never
// got to. What it left keeps billing. The cleanup is the environment's own teardown workflow,
// which finds what to delete by ledger and by ownership tags, so it needs nothing from the run
// but its spec (the memo) and, when there is one, its ledger.

/** A teardown that ran after the environment's run had closed, as the API shows it. */
export interface CleanupView {
  workflowId: string;
  runId: string;
  status: RunStatus;
  startedAt: string;
  closedAt?: string;
  /** Once it has completed: what it deleted, what kept failing, and what a fresh look still finds (`leftovers`). */
  report?: TeardownReport;
  /** Why it failed, when it did not complete. */
  failure?: RunFailure;
}

/**
 * What a run left behind. `running`: it is still going. `clean`: it completed (a run completes
 * only after a teardown that left nothing), or the last teardown of its life completed with
 * no leftovers. `cleaning`: a teardown is deleting what it left. `dirty`: it may have left
 * something (or a cleanup left leftovers) and nothing is deleting it.
 */
export interface Aftermath {
  state: 'running' | 'clean' | 'cleaning' | 'dirty';
  /** The teardown started after the run closed, when there is one. */
  cleanup?: CleanupView;
}

export async function aftermathOf(temporal: TemporalAccess, run: WorkflowExecutionDescription): Promise<Aftermath> {
  if (run.status.name === 'RUNNING') return { state: 'running' };
  if (run.status.name === 'COMPLETED') return { state: 'clean' };
  const teardown = await describe(temporal, teardownWorkflowIdFor(environmentIdOf(run.workflowId)));
  // A teardown from before this run started was an earlier environment's under the same name.
  if (!teardown || teardown.startTime < run.startTime) return { state: 'dirty' };
  const view = await cleanupView(temporal, teardown);
  // The run's own teardown (a cancelled run torn down) shows in its phase and ledger already.
  const cleanup = run.closeTime && teardown.startTime >= run.closeTime ? { cleanup: view } : {};
  if (view.status === 'running') return { state: 'cleaning', ...cleanup };
  return { state: view.status === 'completed' && view.report?.leftovers.length === 0 ? 'clean' : 'dirty', ...cleanup };
}

async function cleanupView(temporal: TemporalAccess, teardown: WorkflowExecutionDescription): Promise<CleanupView> {
  const status = runStatus(teardown.status.name);
  const base = {
    workflowId: teardown.workflowId, runId: teardown.runId, status, startedAt: teardown.startTime.toISOString(),
    ...(teardown.closeTime ? { closedAt: teardown.closeTime.toISOString() } : {}),
  };
  if (status === 'running') return base;
  if (status === 'completed') {
    const handle = temporal.client.workflow.getHandle<typeof teardownEnvironment>(teardown.workflowId, teardown.runId);
    return { ...base, report: await temporal.client.connection.withDeadline(Date.now() + deadlineMs, () => handle.result()) };
  }
  const { type, message } = await runFailure(temporal, teardown);
  return { ...base, failure: { ...(type ? { type } : {}), message } };
}

/**
 * Starts the environment's teardown for a run that has closed, under the ID the run's own
 * teardown uses: one at a time per environment, so a second DELETE (or two at once) finds it
 * running instead of starting another. `started` is false when one already runs.
 */
export async function startCleanup(temporal: TemporalAccess, run: WorkflowExecutionDescription): Promise<{ started: boolean; workflowId: string; runId?: string }> {
  const memo = (run.memo ?? {}) as Partial<RunMemo>;
  const spec = memo.spec as EnvironmentSpec;
  const environmentId = environmentIdOf(run.workflowId);
  const workflowId = teardownWorkflowIdFor(environmentId);
  const ledger = await ledgerOf(temporal, run);
  const searchable = await temporal.searchable();
  try {
    const handle = await temporal.client.connection.withDeadline(Date.now() + deadlineMs, () => temporal.client.workflow.start<typeof teardownEnvironment>('teardownEnvironment', {
      taskQueue: temporal.taskQueue,
      workflowId,
      args: [{
        environmentId, region: spec.region, cluster: spec.name, ...(ledger ? { ledger } : {}),
        installed: { kubernetesVersion: spec.kubernetesVersion, addons: spec.addons ?? {}, ...(spec.app ? { app: spec.app } : {}) },
      }],
      memo: { tenant: memo.tenant, cleanupOf: run.runId },
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      staticSummary: `${environmentId}: cleanup after its run ended ${runStatus(run.status.name)}`,
      ...(searchable && memo.tenant ? { typedSearchAttributes: [{ key: tenantKey, value: memo.tenant }, { key: environmentKey, value: spec.name }] } : {}),
    }));
    return { started: true, workflowId, runId: handle.firstExecutionRunId };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { started: false, workflowId };
    throw error;
  }
}

/**
 * The failed run's ledger: from its failure's details (a failed provisioning run or teardown
 * puts it there), else from its progress query (a worker replays a closed run to answer; a
 * terminated or kept run has no details), else none, and the tags find what there is.
 */
async function ledgerOf(temporal: TemporalAccess, run: WorkflowExecutionDescription): Promise<LedgerEntry[] | undefined> {
  const { details } = run.status.name === 'FAILED' ? await runFailure(temporal, run) : { details: [] };
  const fromFailure = (details[0] as { ledger?: unknown } | undefined)?.ledger;
  const entries = Array.isArray(fromFailure) ? fromFailure as LedgerEntry[] : (await queryProgress(temporal, run))?.ledger;
  if (!entries) return undefined;
  // An entry still `intended` was never confirmed: its create may have been refused because
  // the name was someone else's. If it is this environment's, its ownership tags find it.
  return new Ledger(entries).toTearDown().filter((entry) => entry.state !== 'intended');
}

/** Calls to Temporal are bounded, so an unreachable Temporal is a prompt 503, not a hung request. */
const deadlineMs = 5_000;
