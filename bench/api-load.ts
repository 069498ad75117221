import autocannon from 'autocannon';
import Fastify from 'fastify';
import type { Client } from '@temporalio/client';
import app from '../src/api/app';
import { newToken } from '../src/api/auth/tokens';
import { loadConfig } from '../src/config';

export interface ApiLatency {
  route: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

/**
 * The API under a steady load, as autocannon measures it on loopback: POST /v1/environments
 * (each a new environment, its run started on a queue no worker serves) and GET of the listing.
 */
export async function apiLatency(temporal: Client, { rate = 200, seconds = 10 } = {}): Promise<ApiLatency[]> {
  const caller = newToken('bench');
  const api = Fastify();
  await api.register(app, { temporal, config: loadConfig({ EKSFLOW_API_TOKENS: caller.entry, EKSFLOW_TASK_QUEUE: 'bench-api-no-worker', API_RATE_LIMIT: '10000000' }) });
  const url = await api.listen({ host: '127.0.0.1', port: 0 });
  const headers = { authorization: `Bearer ${caller.token}`, 'content-type': 'application/json' };
  const spec = (name: string) => JSON.stringify({
    name, region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }],
  });
  let made = 0;
  const results: ApiLatency[] = [];
  try {
    const run = (options: autocannon.Options) => autocannon({ connections: 20, overallRate: rate, duration: seconds, ...options });
    const post = await run({ url: `${url}/v1/environments`, method: 'POST', headers, requests: [{ setupRequest: (request) => ({ ...request, body: spec(`load-${++made}`) }) }] });
    results.push(summary('POST /v1/environments', post));
    // The listing: GET of one environment asks its run for progress, and these runs have no worker to answer.
    const get = await run({ url: `${url}/v1/environments?limit=20`, method: 'GET', headers: { authorization: headers.authorization } });
    results.push(summary('GET /v1/environments', get));
  } finally {
    await api.close();
  }
  return results;
}

const summary = (route: string, result: autocannon.Result): ApiLatency => ({
  route, requestsPerSecond: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts,
});
