import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers.js';
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
const cursorMessage = 'the cursor is not one this API handed out for this listing; start again without it';
/** Bounds a listing, retries included, so a bad page token cannot hold a request for long. */
const listDeadlineMs = 5_000;

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
  const query = clauses.join(' AND ');
  const nextPageToken = decodeCursor(filter.cursor, query);
  const response = await temporal.client.connection.withDeadline(Date.now() + listDeadlineMs, () => temporal.client.workflowService.listWorkflowExecutions({
    namespace: temporal.namespace, query, pageSize: filter.limit, nextPageToken,
  })).catch((error: unknown) => {
    // The query is ours and sound: with a cursor, a refusal (the dev server's is UNKNOWN, which
    // the client retries until the deadline) can only be the cursor's.
    const code = grpcCode(error);
    if (filter.cursor !== undefined && (code === status.INVALID_ARGUMENT || code === status.UNKNOWN || code === status.DEADLINE_EXCEEDED)) throw new BadCursorError(cursorMessage);
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
  const next = response.nextPageToken?.length ? encodeCursor(response.nextPageToken, query) : undefined;
  return { environments, ...(next ? { nextCursor: next } : {}) };
}

/** A page token, bound to the query it continues: another tenant's or another filter's cursor is refused here. */
function encodeCursor(token: Uint8Array, query: string): string {
  return Buffer.from(JSON.stringify({ q: queryDigest(query), p: Buffer.from(token).toString('base64') })).toString('base64url');
}

function decodeCursor(cursor: string | undefined, query: string): Uint8Array | undefined {
  if (cursor === undefined) return undefined;
  try {
    const { q, p } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { q?: unknown; p?: unknown };
    if (q === queryDigest(query) && typeof p === 'string' && p.length > 0) return Buffer.from(p, 'base64');
  } catch {
    // Not even JSON: refused below like any other cursor this API did not hand out.
  }
  throw new BadCursorError(cursorMessage);
}

const queryDigest = (query: string) => createHash('sha256').update(query).digest('base64url').slice(0, 16);
