import type { Writable } from 'node:stream';
import type { KubeAccess } from '../../src/activities/nodes-ready';
import type { InstanceTypeLookup } from '../../src/api/instance-limits';
import Fastify, { type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify';
import { after, before } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { freePort } from './process';
import app from '../../src/api/app';
import { apiLogging, logEachResponse } from '../../src/api/server';
import { newToken, sha256 } from '../../src/api/auth/tokens';
import { loadConfig } from '../../src/config';

/** Callers of the API under test: two tenants that may write, and a read-only token of the first. */
export const callers = {
  teamA: newToken('team-a'),
  teamB: newToken('team-b'),
  teamAViewer: newToken('team-a', 'read'),
};
export type Caller = keyof typeof callers;

/** The token a Prometheus scraper sends to /metrics: no tenant's. */
export const metricsToken = newToken('metrics').token;

export interface ApiBed {
  api: FastifyInstance;
  /** `app.inject` as one caller. */
  as(caller: Caller, options: InjectOptions): Promise<LightMyRequestResponse>;
  /** GET /metrics as the scraper. */
  scrape(): Promise<LightMyRequestResponse>;
}

/** The API as a plugin (no listening socket), with the test tokens in its table and `settings` over the defaults. */
export interface ApiBedOptions {
  eventsPollMs?: number;
  /** The API's way into clusters (dashboard tokens). */
  clusters?: KubeAccess;
  /** EC2 DescribeInstanceTypes for plans' pod capacity (types the ENI table lacks). */
  instanceTypes?: InstanceTypeLookup;
  /** Every log line the API writes, at info and above, for a test that checks what is logged. */
  log?: Writable;
}

export async function apiFor(temporal: Client, settings: Record<string, string> = {}, { log, ...options }: ApiBedOptions = {}): Promise<ApiBed> {
  const config = loadConfig({
    EKSFLOW_API_TOKENS: Object.values(callers).map((c) => c.entry).join(','), EKSFLOW_METRICS_TOKEN_SHA256: sha256(metricsToken).toString('hex'), ...settings,
  });
  // Only errors reach the log, unless a test reads it: then it is the API's own log, as served.
  const api = log ? Fastify(apiLogging('info', log)) : Fastify({ logger: { level: 'error' } });
  if (log) logEachResponse(api);
  await api.register(app, { temporal, config, ...options });
  await api.ready();
  return {
    api,
    as: (caller, { headers, ...rest }) => api.inject({ ...rest, headers: { ...headers, authorization: `Bearer ${callers[caller].token}` } }),
    scrape: () => api.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${metricsToken}` } }),
  };
}

/**
 * For a test file of requests that must never reach Temporal: the API with a client that points
 * nowhere, so a request that got past validation to start a run fails as a 5xx, never a 400.
 * Made before the file's tests and closed after them.
 */
export function apiWithoutTemporalPerFile(settings: Record<string, string> = {}): { readonly bed: ApiBed; readonly temporal: Client } {
  let connection: Connection | undefined;
  let made: { bed: ApiBed; temporal: Client } | undefined;
  before(async () => {
    connection = await Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 200 });
    const temporal = new Client({ connection });
    made = { bed: await apiFor(temporal, settings), temporal };
  });
  after(async () => {
    await made?.bed.api.close();
    await connection?.close();
  });
  const ready = () => made ?? (() => { throw new Error('the API is made in before()'); })();
  return { get bed() { return ready().bed; }, get temporal() { return ready().temporal; } };
}
