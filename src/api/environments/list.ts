import { status } from '@grpc/grpc-js';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { phaseKey } from '../../domain/search-attributes';
import type { Phase } from '../../workflows/messages';
import type { TemporalAccess } from '../plugins/temporal';
import { grpcCode } from '../temporal-errors';
import type { RunMemo } from './identity';
import { runStatus, type RunStatus } from './view';

export interface ListFilter {
  tenant: string;
  phase?: Phase;
  /** open: runs still going; closed: runs that have ended. */
  state?: 'open' | 'closed';
  limit: number;
  /** Where the previous page ended (opaque to the caller). */
  cursor?: string;
}

export interface EnvironmentSummary {
  name: string;
  workflowId: string;
  runId: string;
  status: RunStatus;
  phase?: Phase;
  region?: string;
  startedAt: string;
  closedAt?: string;
}

export class BadCursorError extends Error {}
const cursorMessage = 'the cursor is not one this API handed out; start again without it';

/**
 * One page of a tenant's environments from Temporal visibility, newest first. Only the
 * tenant's own runs are ever asked for: the tenant is part of the query, not a filter after it.
 */
export async function listEnvironments(temporal: TemporalAccess, filter: ListFilter): Promise<{ environments: EnvironmentSummary[]; nextCursor?: string }> {
  const clauses = [
    `WorkflowType = 'provisionEnvironment'`, `EksflowTenant = '${filter.tenant}'`,
    // A long life continues as new: only its latest run stands for the environment.
    `ExecutionStatus != 'ContinuedAsNew'`,
    ...(filter.phase ? [`EksflowPhase = '${filter.phase}'`] : []),
    ...(filter.state === 'open' ? [`ExecutionStatus = 'Running'`] : filter.state === 'closed' ? [`ExecutionStatus != 'Running'`] : []),
  ];
  const response = await temporal.client.workflowService.listWorkflowExecutions({
    namespace: temporal.namespace, query: clauses.join(' AND '), pageSize: filter.limit, nextPageToken: decodeCursor(filter.cursor),
  }).catch((error: unknown) => {
    // The query is ours and sound: with a cursor, a refusal (the dev server's is UNKNOWN) can only be the cursor's.
    const code = grpcCode(error);
    if (filter.cursor !== undefined && (code === status.INVALID_ARGUMENT || code === status.UNKNOWN)) throw new BadCursorError(cursorMessage);
    throw error;
  });
  const environments = await Promise.all((response.executions ?? []).map(async (raw) => {
    const info = await executionInfoFromRaw(raw, temporal.client.options.loadedDataConverter, raw, temporal.namespace);
    const memo = (info.memo ?? {}) as Partial<RunMemo>;
    const phase = info.typedSearchAttributes.get(phaseKey) as Phase | undefined;
    const region = (memo.spec as { region?: string } | undefined)?.region;
    return {
      name: info.workflowId.slice(info.workflowId.indexOf('.') + 1), workflowId: info.workflowId, runId: info.runId, status: runStatus(info.status.name),
      ...(phase ? { phase } : {}), ...(region ? { region } : {}),
      startedAt: info.startTime.toISOString(), ...(info.closeTime ? { closedAt: info.closeTime.toISOString() } : {}),
    } satisfies EnvironmentSummary;
  }));
  const next = response.nextPageToken?.length ? Buffer.from(response.nextPageToken).toString('base64url') : undefined;
  return { environments, ...(next ? { nextCursor: next } : {}) };
}

function decodeCursor(cursor: string | undefined): Uint8Array | undefined {
  if (cursor === undefined) return undefined;
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.length === 0 || bytes.toString('base64url') !== cursor) throw new BadCursorError(cursorMessage);
  return bytes;
}
