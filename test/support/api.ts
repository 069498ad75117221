import Fastify, { type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify';
import type { Client } from '@temporalio/client';
import app from '../../src/api/app';
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
export async function apiFor(temporal: Client, settings: Record<string, string> = {}, options: { eventsPollMs?: number } = {}): Promise<ApiBed> {
  const config = loadConfig({
    EKSFLOW_API_TOKENS: Object.values(callers).map((c) => c.entry).join(','), EKSFLOW_METRICS_TOKEN_SHA256: sha256(metricsToken).toString('hex'), ...settings,
  });
  // Only errors reach the log: a 500 in a test says why beside the failing assertion.
  const api = Fastify({ logger: { level: 'error' } });
  await api.register(app, { temporal, config, ...options });
  await api.ready();
  return {
    api,
    as: (caller, { headers, ...rest }) => api.inject({ ...rest, headers: { ...headers, authorization: `Bearer ${callers[caller].token}` } }),
    scrape: () => api.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${metricsToken}` } }),
  };
}
