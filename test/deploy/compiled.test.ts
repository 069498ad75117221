import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { parseEnvironmentSpec } from '../../src/domain/environment-spec';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery, teardownSignal } from '../../src/workflows/messages';
import { repoRoot } from '../support/paths';
import { freePort, startProcess, waitFor, waitForPeer, type Started } from '../support/process';
import { devServer, type DevServer } from '../support/temporal';
import { toolPath } from '../support/tools';

// What the image runs: `npm run build`'s JavaScript, started with plain node — no tsx, no
// webpack at start-up — serves the API and runs an environment to ready and back on the
// simulated cloud. A .ts file reached at run time, or a workflow bundle built at start, fails here.

const out = join('test-artifacts', `compiled-${process.pid}`);
const outDir = join(repoRoot, out);
const taskQueue = 'compiled';
let server: DevServer;
let worker: Started;
let api: Started;
let apiUrl: string;

before(async () => {
  const build = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: repoRoot, env: { ...process.env, EKSFLOW_BUILD_OUT: out } });
  assert.match(build.stdout, /workflow-bundle\.js/);
  server = await devServer();
  const common = { TEMPORAL_ADDRESS: server.address, EKSFLOW_TASK_QUEUE: taskQueue, EKSFLOW_CLOUD: 'sim', EKSFLOW_SIM_SPEEDUP: '200' };
  // On the image's runtime, Node 24 (tools/install-node.sh), whatever node runs the tests.
  const node = toolPath('node24');
  worker = startProcess('compiled-worker', node, [join(outDir, 'worker.js')], { cwd: repoRoot, env: { ...common, NODE_OPTIONS: '' } });
  const apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  api = startProcess('compiled-api', node, [join(outDir, 'api.js')], { cwd: repoRoot, env: { ...common, API_PORT: String(apiPort), NODE_OPTIONS: '' } });
  await waitForPeer(api, 'the compiled API to answer', async () => (await fetch(`${apiUrl}/healthz`)).ok, { timeoutMs: 30_000 });
});
after(async () => {
  await Promise.all([worker?.stop(35_000), api?.stop()]);
  await server?.teardown();
  rmSync(outDir, { recursive: true, force: true });
});

test('the compiled programs run on Node 24, the image\'s runtime', async () => {
  const version = await promisify(execFile)(toolPath('node24'), ['--version']);
  assert.match(version.stdout, /^v24\./);
});

test('the compiled API answers, and is ready once it reaches Temporal', async () => {
  assert.deepEqual(await (await fetch(`${apiUrl}/healthz`)).json(), { status: 'ok' });
  await waitFor('the compiled API to be ready', async () => (await fetch(`${apiUrl}/readyz`)).ok, { timeoutMs: 30_000 });
  assert.equal((await fetch(`${apiUrl}/v1/environments`)).status, 401, 'every route but the public ones asks for a token');
});

test('the compiled worker runs the prebuilt workflow bundle: an environment to ready on the simulated cloud, and torn down', async () => {
  const parsed = parseEnvironmentSpec(JSON.parse(readFileSync(join(repoRoot, 'examples', 'tutorial', 'environment.json'), 'utf8')));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const handle = await server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: 'team-a.compiled', args: [{ environmentId: 'team-a/compiled', spec: parsed.spec }],
  });
  await waitFor('the environment to be ready', async () => {
    const progress = await handle.query(progressQuery);
    if (progress.phase !== 'provisioning' && progress.phase !== 'ready') throw new Error(`the run is ${progress.phase}`);
    return progress.phase === 'ready';
  }, { timeoutMs: 180_000, intervalMs: 500 });
  await handle.signal(teardownSignal, { reason: 'compiled' });
  assert.equal((await handle.result()).endedBecause, 'compiled');
  const log = readFileSync(worker.logFile, 'utf8');
  assert.doesNotMatch(log, /webpack|Workflow bundle created/, 'the worker bundled workflow code at start instead of loading the prebuilt bundle');
});
