import { WorkflowFailedError, type WorkflowExecutionDescription } from '@temporalio/client';
import { phaseKey } from '../../domain/search-attributes';
import { progressQuery, type Phase, type Progress } from '../../workflows/messages';
import type { TemporalAccess } from '../plugins/temporal';
import { aftermathOf, type CleanupView } from './cleanup';
import { describe } from './request';
import type { RunMemo } from './identity';

/** The run's state as Temporal tells it, in the words the API uses. */
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed-out' | 'continued-as-new' | 'unknown';

const statusNames: Record<string, RunStatus> = {
  RUNNING: 'running', COMPLETED: 'completed', FAILED: 'failed', CANCELLED: 'cancelled', TERMINATED: 'terminated', TIMED_OUT: 'timed-out', CONTINUED_AS_NEW: 'continued-as-new',
};
export const runStatus = (name: string): RunStatus => statusNames[name] ?? 'unknown';

export interface EnvironmentView {
  name: string;
  tenant: string;
  workflowId: string;
  runId: string;
  status: RunStatus;
  phase?: Phase;
  startedAt: string;
  closedAt?: string;
  spec: unknown;
  /** Per-step progress, the ledger, the cluster, node-group sizes and the app's URL, as the run reports them. */
  progress?: Progress;
  /** Why a closed run failed. */
  failure?: RunFailure;
  /**
   * The teardown a DELETE started after the run had closed without deleting everything it
   * made: its state and, once it has finished, its report (`leftovers` is what is still there).
   */
  cleanup?: CleanupView;
}

export interface RunFailure {
  type?: string;
  message: string;
}

/** How long the API waits for a run to answer its progress query before answering without it. */
const queryDeadlineMs = 5_000;

/**
 * One environment as its run sees it: the progress query while the run lives (and after, where
 * a worker can still answer it), the run's failure once it has closed with one.
 */
export async function environmentView(temporal: TemporalAccess, workflowId: string): Promise<EnvironmentView | undefined> {
  const description = await describe(temporal, workflowId);
  if (!description) return undefined;
  const memo = (description.memo ?? {}) as Partial<RunMemo>;
  const status = runStatus(description.status.name);
  const progress = await queryProgress(temporal, description);
  // A closed run may have left things behind: whether a cleanup ran, and what it found, is part of the environment.
  const aftermath = status === 'running' ? undefined : await aftermathOf(temporal, description);
  const phase = progress?.phase ?? (description.typedSearchAttributes.get(phaseKey) as Phase | undefined);
  return {
    name: workflowId.slice(workflowId.indexOf('.') + 1),
    tenant: memo.tenant ?? workflowId.slice(0, workflowId.indexOf('.')),
    workflowId, runId: description.runId, status,
    ...(phase ? { phase } : {}),
    startedAt: description.startTime.toISOString(),
    ...(description.closeTime ? { closedAt: description.closeTime.toISOString() } : {}),
    spec: memo.spec,
    ...(progress ? { progress } : {}),
    ...(status === 'failed' ? { failure: summary(await runFailure(temporal, description)) } : {}),
    ...(aftermath?.cleanup ? { cleanup: aftermath.cleanup } : {}),
  };
}

export async function queryProgress(temporal: TemporalAccess, description: Pick<WorkflowExecutionDescription, 'workflowId' | 'runId'>): Promise<Progress | undefined> {
  try {
    const handle = temporal.client.workflow.getHandle(description.workflowId, description.runId);
    return await temporal.client.connection.withDeadline(Date.now() + queryDeadlineMs, () => handle.query(progressQuery));
  } catch {
    // No worker to answer (yet), or the run is mid-continue-as-new: the view goes without.
    return undefined;
  }
}

/**
 * How a closed run ended without a result: its failure's type and message, and the details an
 * ApplicationFailure carries (a failed provisioning run's ledger is there).
 */
export async function runFailure(temporal: TemporalAccess, description: Pick<WorkflowExecutionDescription, 'workflowId' | 'runId'>): Promise<RunFailure & { details: unknown[] }> {
  try {
    await temporal.client.connection.withDeadline(Date.now() + queryDeadlineMs, () => temporal.client.workflow.getHandle(description.workflowId, description.runId).result());
    return { message: 'the run failed', details: [] };
  } catch (error) {
    const cause = error instanceof WorkflowFailedError ? error.cause : error;
    const type = (cause as { type?: string } | undefined)?.type;
    const details = (cause as { details?: unknown } | undefined)?.details;
    return { ...(type ? { type } : {}), message: cause instanceof Error ? cause.message : String(cause), details: Array.isArray(details) ? details : [] };
  }
}

const summary = ({ type, message }: RunFailure): RunFailure => ({ ...(type ? { type } : {}), message });
