import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import type { EnvironmentSpec } from '../../domain/environment-spec';
import { environmentKey, phaseKey, tenantKey } from '../../domain/search-attributes';
import type { provisionEnvironment } from '../../workflows';
import type { TemporalAccess } from '../plugins/temporal';
import { environmentIdFor, teardownWorkflowIdFor, workflowIdFor, type RunMemo } from './identity';
import { claimName } from './name-claim';
import { specDifferences, type SpecDifference } from './spec-diff';

export type RequestOutcome =
  | { kind: 'started' | 'existing'; workflowId: string; runId: string }
  /** The name is taken by a running environment with another spec. */
  | { kind: 'conflict'; workflowId: string; differences: SpecDifference[] }
  /** The Idempotency-Key was used before, for another spec. */
  | { kind: 'key-reused'; workflowId: string; differences: SpecDifference[] }
  /** Another tenant's environment holds the name (its AWS resources would clash); who is not said. */
  | { kind: 'name-taken' }
  /** The tenant's own environment under this name is being cleaned up after its run ended. */
  | { kind: 'cleaning-up'; workflowId: string };

export interface EnvironmentRequest {
  tenant: string;
  spec: EnvironmentSpec;
  idempotencyKey?: string;
}

/**
 * Starts the environment's run, unless asking again: the same Idempotency-Key with the same
 * spec, or the same spec while its run is still going, is the same environment. A closed run's
 * name is free again (a torn-down environment may be requested anew).
 */
export async function requestEnvironment(temporal: TemporalAccess, request: EnvironmentRequest): Promise<RequestOutcome> {
  const claim = await claimName(temporal, request.tenant, request.spec.name);
  if (claim === 'taken') return { kind: 'name-taken' };
  let started: { workflowId: string; runId: string } | undefined;
  try {
    const outcome = await requestOwnEnvironment(temporal, request);
    if (outcome.kind === 'started') started = outcome;
    return outcome;
  } finally {
    await claim.release(started);
  }
}

async function requestOwnEnvironment(temporal: TemporalAccess, request: EnvironmentRequest): Promise<RequestOutcome> {
  const workflowId = workflowIdFor(request.tenant, request.spec.name);
  // A cleanup finds what to delete by the environment's ownership tags: a new run under the
  // same identity while it goes would have what it makes deleted under it.
  const teardown = await describe(temporal, teardownWorkflowIdFor(environmentIdFor(request.tenant, request.spec.name)));
  if (teardown?.status.name === 'RUNNING' && (await describe(temporal, workflowId))?.status.name !== 'RUNNING') return { kind: 'cleaning-up', workflowId };
  // A request racing this one may start the run between a look and a start: look again, twice at most.
  for (let attempt = 0; ; attempt++) {
    // Without a key only a running run matters, and starting finds that out by failing: the
    // common request makes one call to Temporal, not two. A key also answers for closed runs.
    if (request.idempotencyKey !== undefined || attempt > 0) {
      const existing = await describe(temporal, workflowId);
      if (existing) {
        const seen = againstExisting(workflowId, existing, request);
        if (seen) return seen;
      }
    }
    const searchable = await temporal.searchable();
    try {
      const handle = await temporal.client.connection.withDeadline(Date.now() + deadlineMs, () => temporal.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
        taskQueue: temporal.taskQueue,
        workflowId,
        args: [{
          environmentId: environmentIdFor(request.tenant, request.spec.name), spec: request.spec,
        }],
        memo: { tenant: request.tenant, spec: request.spec, ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}) } satisfies RunMemo,
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: `${request.tenant}/${request.spec.name}: EKS ${request.spec.kubernetesVersion} in ${request.spec.region}`,
        ...(searchable ? {
          typedSearchAttributes: [
            { key: tenantKey, value: request.tenant }, { key: environmentKey, value: request.spec.name }, { key: phaseKey, value: 'provisioning' },
          ],
        } : {}),
      }));
      return { kind: 'started', workflowId, runId: handle.firstExecutionRunId };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError) || attempt > 1) throw error;
    }
  }
}

function againstExisting(workflowId: string, existing: WorkflowExecutionDescription, request: EnvironmentRequest): RequestOutcome | undefined {
  const memo = (existing.memo ?? {}) as Partial<RunMemo>;
  const differences = specDifferences(memo.spec, request.spec);
  if (request.idempotencyKey !== undefined && memo.idempotencyKey === request.idempotencyKey) {
    return differences.length === 0 ? { kind: 'existing', workflowId, runId: existing.runId } : { kind: 'key-reused', workflowId, differences };
  }
  if (existing.status.name !== 'RUNNING') return undefined;
  return differences.length === 0 ? { kind: 'existing', workflowId, runId: existing.runId } : { kind: 'conflict', workflowId, differences };
}

/** Calls to Temporal are bounded, so an unreachable Temporal is a prompt 503, not a hung request. */
const deadlineMs = 5_000;

/** The latest run under this workflow ID, or undefined when there has never been one. */
export async function describe(temporal: TemporalAccess, workflowId: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await temporal.client.connection.withDeadline(Date.now() + deadlineMs, () => temporal.client.workflow.getHandle(workflowId).describe());
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
