import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { newToken } from '../src/api/auth/tokens';

export interface ApiLatency {
  route: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

const root = join(import.meta.dirname, '..');
const logDir = join(root, 'test-artifacts', 'logs');

/** A port nothing listens on now, for the API to take. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * The API under a steady load, as autocannon measures it on loopback: POST /v1/environments
 * (each a new environment, its run started on a queue no worker serves) and GET of the listing.
 * The API runs as it is deployed, `src/api/server.ts` in a process of its own logging each
 * request, so the load generator does not share its event loop.
 */
export async function apiLatency(temporalAddress: string, { rate = 200, seconds = 10 } = {}): Promise<ApiLatency[]> {
  const caller = newToken('bench');
  // BENCH_API_PROFILE=<dir> writes the API process's CPU profile there.
  const profile = process.env.BENCH_API_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_API_PROFILE}`] : [];
  const port = await freePort();
  // The API's log goes to a file, as a deployment's would: a pipe the load generator must drain would slow it down.
  mkdirSync(logDir, { recursive: true });
  const log = openSync(join(logDir, 'bench-api.log'), 'w');
  const server = spawn(process.execPath, [...profile, '--import', 'tsx', join(root, 'src', 'api', 'server.ts')], {
    cwd: root, stdio: ['ignore', log, 'inherit'],
    env: {
      ...process.env, TEMPORAL_ADDRESS: temporalAddress, EKSFLOW_API_TOKENS: caller.entry, EKSFLOW_TASK_QUEUE: 'bench-api-no-worker',
      API_RATE_LIMIT: '10000000', API_HOST: '127.0.0.1', API_PORT: String(port), LOG_LEVEL: 'info',
    },
  });
  closeSync(log);
  const exited = once(server, 'exit');
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; !(await fetch(`${url}/readyz`).then((r) => r.ok, () => false)); waited += 100) {
    if (waited > 30_000 || server.exitCode !== null) throw new Error(`the API did not become ready on ${url}`);
    await sleep(100);
  }
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
    const get = await run({ url: `${url}/v1/environments?limit=20`, method: 'GET', headers: { authorization: headers.authorization } });
    results.push(summary('GET /v1/environments', get));
  } finally {
    server.kill('SIGTERM');
    await exited;
  }
  return results;
}

const summary = (route: string, result: autocannon.Result): ApiLatency => ({
  route, requestsPerSecond: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts,
});
