import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import app from '../../src/api/app';
import { newToken } from '../../src/api/auth/tokens';
import { loadConfig } from '../../src/config';
import { workflowWorkerOptions } from '../../worker';
import { testActivityDeps } from '../support/activity-deps';
import { awsInventory } from '../support/aws-inventory';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { moto, type Moto } from '../support/moto';
import { artifactsDir, freePort, waitFor } from '../support/process';
import { devServer, type DevServer } from '../support/temporal';

// The CLI as a person runs it: a subprocess of bin/eksflow.js against the real API on a
// loopback port, a Temporal dev server (listing needs its visibility), moto, a control plane
// whose two simulated nodes belong to node group "general", and a real worker.

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'eksflow.js');
const examples = join(root, 'examples', 'cli');
const logFile = join(artifactsDir, 'logs', 'cli.log');
const taskQueue = 'cli-test';
const writer = newToken('team-cli');
const reader = newToken('team-cli', 'read');

let server: DevServer;
let aws: Moto;
let cluster: KubeControlPlane;
let worker: Worker;
let workerRun: Promise<void>;
let api: FastifyInstance;
let apiUrl: string;
const dir = mkdtempSync(join(tmpdir(), 'eksflow-cli-'));

before(async () => {
  mkdirSync(join(artifactsDir, 'logs'), { recursive: true });
  writeFileSync(logFile, '');
  [server, aws, cluster] = await Promise.all([devServer(), moto(), kubeControlPlane({ nodes: 2, nodeLabels: { 'eks.amazonaws.com/nodegroup': 'general' } })]);
  worker = await Worker.create({
    connection: server.env.nativeConnection, taskQueue, ...workflowWorkerOptions,
    activities: createActivities(testActivityDeps({ aws, kubeconfigPath: cluster.kubeconfigPath })),
  });
  workerRun = worker.run();
  const config = loadConfig({ EKSFLOW_API_TOKENS: `${writer.entry},${reader.entry}`, EKSFLOW_TASK_QUEUE: taskQueue, TEMPORAL_UI_URL: server.uiUrl });
  api = Fastify();
  await api.register(app, { temporal: server.env.client, config, eventsPollMs: 250 });
  await api.listen({ host: '127.0.0.1', port: 0 });
  apiUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
});
after(async () => {
  await api?.close();
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun;
  await Promise.all([server?.teardown(), aws?.stop(), cluster?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Everything the CLI printed in this file, to check no token ever shows. */
const printed: string[] = [];

/** Runs `eksflow args` as a person would, with the API URL and token in the environment unless `env` says otherwise. */
function eksflow(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, EKSFLOW_API_URL: apiUrl, EKSFLOW_TOKEN: writer.token, ...env };
  // Not a test process: node:test's marker would only confuse it.
  delete childEnv.NODE_TEST_CONTEXT;
  for (const [key, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[key];
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: childEnv, timeout: 180_000 }, (error, stdout, stderr) => {
      printed.push(stdout, stderr);
      const run = { code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr };
      const command = args.map((arg, i) => (args[i - 1] === '--token' ? '<token>' : arg)).join(' ');
      appendFileSync(logFile, `$ eksflow ${command}\n${shown(run)}\n\n`);
      resolve(run);
    });
  });
}

const shown = (run: Run) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

// An EnvironmentSpec written in YAML: sent to the API as JSON.
const specYaml = file('spec.yaml', `
name: cli-demo
region: us-east-1
network:
  subnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]
nodeGroups:
  - name: general
    instanceTypes: [m5.large]
    minSize: 1
    desiredSize: 2
    maxSize: 3
`);

test('token prints a token and the EKSFLOW_API_TOKENS entry that admits it, calling no API', async () => {
  const run = await eksflow(['token', 'team-x'], { EKSFLOW_API_URL: undefined, EKSFLOW_TOKEN: undefined });
  assert.equal(run.code, 0, shown(run));
  const token = /^\s+(eksf_\S+)$/m.exec(run.stdout)?.[1];
  const entry = /^\s+(team-x=[0-9a-f]{64})$/m.exec(run.stdout)?.[1];
  assert.ok(token && entry, shown(run));
  assert.equal(entry, `team-x=${createHash('sha256').update(token).digest('hex')}`);
  assert.match(run.stdout, /keeps only this entry/);

  const readOnly = JSON.parse((await eksflow(['--json', 'token', 'team-x', '--read'])).stdout) as { access: string; entry: string };
  assert.equal(readOnly.access, 'read');
  assert.match(readOnly.entry, /^team-x:read=[0-9a-f]{64}$/);
});

test('plan -f an eksctl ClusterConfig prints the plan tree and its estimate', async () => {
  const config = join(examples, 'cluster-config.yaml');
  const run = await eksflow(['plan', '-f', config]);
  assert.equal(run.code, 0, shown(run));
  assert.match(run.stdout, /^plan for environment "demo" in eu-west-1 \(Kubernetes 1\.33\)/);
  assert.match(run.stdout, /eks:nodegroup\/general/);
  assert.match(run.stdout, /^estimate: ~\d+m/m);

  const json = await eksflow(['--json', 'plan', '-f', config]);
  assert.equal(json.code, 0, shown(json));
  assert.ok((JSON.parse(json.stdout) as { steps: unknown[] }).steps.length > 0);
});

test('plan -f an EnvironmentSpec in YAML (the example) plans its app and add-ons', async () => {
  const run = await eksflow(['plan', '-f', join(examples, 'environment.yaml')]);
  assert.equal(run.code, 0, shown(run));
  assert.match(run.stdout, /^plan for environment "web-demo" in us-east-1/);
  for (const step of ['vpc:network', 'ecr:image-import', 'addon:aws-load-balancer-controller', 'app:load-balancer']) assert.ok(run.stdout.includes(step), `${step} in\n${run.stdout}`);
});

test('a spec the API refuses exits 2 with each problem on its own line', async () => {
  const bad = file('bad.json', JSON.stringify({
    name: 'Not_A_Name', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 3, desiredSize: 1, maxSize: 2 }],
  }));
  const run = await eksflow(['env', 'create', '-f', bad]);
  assert.equal(run.code, 2, shown(run));
  assert.match(run.stderr, /^error: the request has 3 problems$/m);
  for (const path of ['/name', '/nodeGroups/0/minSize', '/nodeGroups/0/desiredSize']) assert.match(run.stderr, new RegExp(`^  ${path}: `, 'm'));
});

test('without a token, or with one the API does not know, the request is refused (exit 2) and says so', async () => {
  const none = await eksflow(['env', 'list'], { EKSFLOW_TOKEN: undefined });
  assert.equal(none.code, 2, shown(none));
  assert.match(none.stderr, /no API token: set EKSFLOW_TOKEN/);

  const unknown = newToken('team-cli').token;
  const refused = await eksflow(['--token', unknown, 'env', 'list'], { EKSFLOW_TOKEN: undefined });
  assert.equal(refused.code, 2, shown(refused));
  assert.match(refused.stderr, /the bearer token is not recognised/);
  assert.ok(!`${refused.stdout}${refused.stderr}`.includes(unknown), 'the token passed with --token is never shown');
});

test('an API that cannot be reached exits 3', async () => {
  const run = await eksflow(['env', 'list'], { EKSFLOW_API_URL: `http://127.0.0.1:${await freePort()}` });
  assert.equal(run.code, 3, shown(run));
  assert.match(run.stderr, /cannot reach the eksflow API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
});

test('env create -f spec.yaml --watch follows the steps until the environment is ready', async () => {
  const run = await eksflow(['env', 'create', '-f', specYaml, '--watch']);
  assert.equal(run.code, 0, shown(run));
  assert.match(run.stdout, /^requested cli-demo: its run has started$/m);
  assert.match(run.stdout, /^ {2}workflow {2}team-cli\.cli-demo$/m);
  assert.ok(run.stdout.includes(`${server.uiUrl}/namespaces/default/workflows/team-cli.cli-demo/`), shown(run));
  assert.match(run.stdout, /✔ eks:cluster\s+done/);
  assert.match(run.stdout, /✔ k8s:nodes-ready\/general\s+done .* — 2\/2 nodes Ready/);
  assert.match(run.stdout, /^phase: ready$/m);
  assert.match(run.stdout, /^cli-demo is ready$/m);
});

test('asking again: the same spec is the same environment; another spec is a conflict listing the differences', async () => {
  const again = await eksflow(['env', 'create', '-f', specYaml]);
  assert.equal(again.code, 0, shown(again));
  assert.match(again.stdout, /^cli-demo was already requested with this spec/m);

  const bigger = file('bigger.json', JSON.stringify({
    name: 'cli-demo', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 3, maxSize: 3 }],
  }));
  const conflict = await eksflow(['env', 'create', '-f', bigger]);
  assert.equal(conflict.code, 2, shown(conflict));
  assert.match(conflict.stderr, /already running with a different spec/);
  assert.match(conflict.stderr, /^ {2}\/nodeGroups\/0\/desiredSize: 2 → 3$/m);
});

test('env list shows the environment, ready', async () => {
  // Visibility catches up with the run's phase a moment after the run itself.
  let run: Run | undefined;
  for (let attempt = 0; attempt < 40; attempt++) {
    run = await eksflow(['env', 'list', '--state', 'open']);
    if (run.code !== 0 || /^cli-demo\s+running\s+ready\s+us-east-1/m.test(run.stdout)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.equal(run!.code, 0, shown(run!));
  assert.match(run!.stdout, /^NAME\s+STATUS\s+PHASE\s+REGION\s+STARTED\s+CLOSED$/m);
  assert.match(run!.stdout, /^cli-demo\s+running\s+ready\s+us-east-1/m);
});

test('env get: a summary for a person, the whole body with --json', async () => {
  const json = await eksflow(['--json', 'env', 'get', 'cli-demo']);
  assert.equal(json.code, 0, shown(json));
  const view = JSON.parse(json.stdout) as { phase: string; status: string; progress: { nodeGroups: Record<string, { desiredSize: number }>; steps: unknown[] } };
  assert.equal(view.status, 'running');
  assert.equal(view.phase, 'ready');
  assert.equal(view.progress.nodeGroups.general?.desiredSize, 2);

  const human = await eksflow(['env', 'get', 'cli-demo']);
  assert.equal(human.code, 0, shown(human));
  assert.match(human.stdout, /^ {2}phase\s+ready$/m);
  assert.match(human.stdout, /^ {2}node groups\s+general 1 ≤ 2 ≤ 3$/m);
  assert.match(human.stdout, /^ {2}ledger\s+\d+ resources \(\d+ confirmed/m);
  assert.match(human.stdout, /^steps$/m);

  const missing = await eksflow(['env', 'get', 'no-such-env']);
  assert.equal(missing.code, 2, shown(missing));
  assert.match(missing.stderr, /there is no environment "no-such-env"/);
});

test('env scale: an unknown node group is refused by the run\'s validator (exit 2); a known one is watched until its nodes are Ready', async () => {
  const unknown = await eksflow(['env', 'scale', 'cli-demo', '--node-group', 'gpu', '--desired', '1']);
  assert.equal(unknown.code, 2, shown(unknown));
  assert.match(unknown.stderr, /^error: unknown node group "gpu"; this environment has general$/m);

  const run = await eksflow(['env', 'scale', 'cli-demo', '--node-group', 'general', '--desired', '1', '--watch']);
  assert.equal(run.code, 0, shown(run));
  assert.match(run.stdout, /^cli-demo: node group general has 1 Ready node$/m);
});

test('a read-only token may look but not delete (exit 2)', async () => {
  const run = await eksflow(['env', 'delete', 'cli-demo'], { EKSFLOW_TOKEN: reader.token });
  assert.equal(run.code, 2, shown(run));
  assert.match(run.stderr, /may only read/);
});

test('env delete --watch follows the teardown until nothing is left', async () => {
  const run = await eksflow(['env', 'delete', 'cli-demo', '--watch']);
  assert.equal(run.code, 0, shown(run));
  assert.match(run.stdout, /^cli-demo: tearing down everything the environment made$/m);
  assert.match(run.stdout, /^phase: tearing-down/m);
  assert.match(run.stdout, /^cli-demo is deleted \(torn-down\); nothing it made is left$/m);
  assert.deepEqual((await awsInventory(aws.clientConfig)).clusters, []);
});

test('env delete --watch on a run that ended leaving things (terminated) follows its cleanup until nothing is left; get shows it', async () => {
  const cut = file('cut.json', JSON.stringify({
    name: 'cli-cut', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }],
  }));
  const created = await eksflow(['env', 'create', '-f', cut]);
  assert.equal(created.code, 0, shown(created));
  await waitFor('its node group to be made', async () => (await awsInventory(aws.clientConfig)).nodegroups.includes('cli-cut/general'), { timeoutMs: 60_000, intervalMs: 200 });
  await server.env.client.workflow.getHandle('team-cli.cli-cut').terminate('cut short for the test');

  const run = await eksflow(['env', 'delete', 'cli-cut', '--watch']);
  assert.equal(run.code, 0, shown(run));
  assert.match(run.stdout, /^cli-cut: the environment's run ended \(terminated\) without a clean teardown; a cleanup is deleting/m);
  assert.match(run.stdout, /^ {2}workflow {2}teardown:team-cli\/cli-cut$/m);
  assert.match(run.stdout, /^cleanup: completed: deleted \d+, failed 0, leftovers 0$/m);
  assert.match(run.stdout, /^cli-cut is cleaned up: the cleanup deleted \d+ resources; nothing it made is left$/m);
  const inventory = await awsInventory(aws.clientConfig);
  assert.deepEqual([inventory.clusters, inventory.nodegroups, inventory.roles], [[], [], []]);

  const got = await eksflow(['env', 'get', 'cli-cut']);
  assert.equal(got.code, 0, shown(got));
  assert.match(got.stdout, /^ {2}status +terminated$/m);
  assert.match(got.stdout, /^ {2}cleanup +completed: deleted \d+, failed 0, leftovers 0$/m);
  const again = await eksflow(['env', 'delete', 'cli-cut', '--watch']);
  assert.equal(again.code, 0, shown(again));
  assert.match(again.stdout, /left nothing behind/);
});

test('no token the CLI was given ever appears in what it printed', () => {
  assert.ok(printed.length > 0);
  for (const token of [writer.token, reader.token]) {
    assert.ok(!printed.some((text) => text.includes(token)), 'a token was printed');
  }
});
