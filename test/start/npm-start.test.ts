import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, startProcess, waitForPeer, type Started } from '../support/process';
import { toolPath } from '../support/tools';

// The README's start command, as a newcomer runs it: everything comes up on the simulated
// cloud, the tutorial environment is requested with the CLI and completes, and is deleted.

const root = join(import.meta.dirname, '..', '..');
let started: Started;
let apiUrl: string;
let stateHome: string;

before(async () => {
  stateHome = mkdtempSync(join(tmpdir(), 'eksflow-start-'));
  const [temporalPort, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  apiUrl = `http://127.0.0.1:${apiPort}`;
  const env: NodeJS.ProcessEnv = {
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`, TEMPORAL_UI_URL: `http://127.0.0.1:${uiPort}`, API_PORT: String(apiPort),
    XDG_STATE_HOME: stateHome, TEMPORAL_CLI_PATH: toolPath('temporalCli'), EKSFLOW_SIM_SPEEDUP: '100',
  };
  // `npm start` is `tsx src/main.ts`: run the same, without npm in between, so stopping it stops it.
  started = startProcess('npm-start', process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env });
  await waitForPeer(started, 'npm start to say it is running', async () => readFileSync(started.logFile, 'utf8').includes('eksflow is running'), { timeoutMs: 60_000, intervalMs: 200 });
});
after(async () => {
  await started?.stop(15_000);
  rmSync(stateHome, { recursive: true, force: true });
});

function eksflow(args: string[], token: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, EKSFLOW_API_URL: apiUrl, EKSFLOW_TOKEN: token, ...extraEnv };
  delete env.NODE_TEST_CONTEXT;
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'bin', 'eksflow.js'), ...args], { cwd: root, env, timeout: 240_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

test('npm start: the banner says where everything is, and the tutorial environment completes on the simulated cloud and is deleted', async () => {
  const banner = readFileSync(started.logFile, 'utf8');
  assert.match(banner, new RegExp(`API +${apiUrl.replace(/\./g, '\\.')} +\\(docs: ${apiUrl.replace(/\./g, '\\.')}/docs\\)`));
  assert.match(banner, /Cloud +simulated, 100× faster than AWS/);
  assert.match(banner, /export EKSFLOW_TOKEN=\$\(cat .*dev-token\)/);
  const token = readFileSync(join(stateHome, 'eksflow', 'dev-token'), 'utf8').trim();
  assert.ok(!banner.includes(token), 'the token itself is not printed');
  assert.doesNotMatch(banner, /webpack|modules by path|orphan modules/, 'the workflow bundle is built quietly');

  const created = await eksflow(['env', 'create', '-f', 'examples/tutorial/environment.json', '--watch'], token);
  assert.equal(created.code, 0, `${created.stdout}\n${created.stderr}`);
  assert.match(created.stdout, /ready/);
  const got = await eksflow(['env', 'get', 'awesomebuilder-container', '--json'], token);
  const view = JSON.parse(got.stdout) as { phase: string; progress: { appUrl?: string; steps: { state: string }[] } };
  assert.equal(view.phase, 'ready');
  assert.match(view.progress.appUrl ?? '', /elb\.us-east-1\.amazonaws\.com/);
  assert.ok(view.progress.steps.every((s) => s.state === 'done'));

  // Its kubeconfig, written where KUBECONFIG says beside whatever was there.
  const kubeconfigFile = join(stateHome, 'kube', 'config');
  const written = await eksflow(['env', 'kubeconfig', 'awesomebuilder-container', '--write'], token, { KUBECONFIG: kubeconfigFile });
  assert.equal(written.code, 0, `${written.stdout}\n${written.stderr}`);
  assert.match(written.stdout, /context "awesomebuilder-container\.us-east-1\.eksflow" written to .*kube\/config and made current/);
  const kubeconfig = parseYaml(readFileSync(kubeconfigFile, 'utf8')) as { clusters: { cluster: { server: string } }[]; users: { user: { exec: { command: string; args: string[] } } }[] };
  assert.match(kubeconfig.clusters[0]!.cluster.server, /^https:\/\/.*eks\.amazonaws\.com$/);
  assert.deepEqual(kubeconfig.users[0]!.user.exec.args.slice(0, 6), ['--region', 'us-east-1', 'eks', 'get-token', '--cluster-name', 'awesomebuilder-container']);

  // The dashboard: how to reach it, and a token to sign in with that only this answer holds.
  const dashboard = await eksflow(['env', 'dashboard', 'awesomebuilder-container'], token);
  assert.equal(dashboard.code, 0, `${dashboard.stdout}\n${dashboard.stderr}`);
  assert.match(dashboard.stdout, /Headlamp dashboard of awesomebuilder-container:/);
  assert.match(dashboard.stdout, /kubectl --namespace headlamp port-forward service\/headlamp 8080:80/);
  assert.match(dashboard.stdout, /open http:\/\/127\.0\.0\.1:8080 and sign in with this token \(valid until /);
  const loginToken = dashboard.stdout.trim().split('\n').at(-1)!;
  assert.ok(loginToken.length > 20, dashboard.stdout);
  assert.ok(!readFileSync(started.logFile, 'utf8').includes(loginToken), 'the token is not in the log of npm start');

  // Day 2, as the user does it: a change plan first, then the change, watched to its end.
  const tutorial = JSON.parse(readFileSync(join(root, 'examples', 'tutorial', 'environment.json'), 'utf8')) as {
    nodeGroups: { name: string; desiredSize: number; instanceTypes: string[]; labels: Record<string, string> }[]; image: { import: { source: string; tag: string } }; eksAddons?: unknown;
  };
  const [onDemand, spot] = tutorial.nodeGroups;
  onDemand!.desiredSize = 3;
  onDemand!.labels = { ...onDemand!.labels, team: 'builders' };
  spot!.instanceTypes = ['c5.large', 'c5a.large'];
  tutorial.image.import = { ...tutorial.image.import, source: 'registry.example.com/awesomebuilder:1.1', tag: '1.1' };
  tutorial.eksAddons = { 'aws-ebs-csi-driver': {} };
  const changedFile = join(stateHome, 'changed.json');
  writeFileSync(changedFile, JSON.stringify(tutorial));
  const plan = await eksflow(['plan', '-f', changedFile], token);
  assert.equal(plan.code, 0, `${plan.stdout}\n${plan.stderr}`);
  assert.match(plan.stdout, /~ eks:nodegroup-config\/on-demand/);
  assert.match(plan.stdout, /± eks:nodegroup\/spot-2/);
  assert.match(plan.stdout, /\+ eks:addon\/aws-ebs-csi-driver/);
  assert.match(plan.stdout, /apply it with `eksflow env apply -f <file>`/);
  const applied = await eksflow(['env', 'apply', '-f', changedFile, '--watch'], token);
  assert.equal(applied.code, 0, `${applied.stdout}\n${applied.stderr}`);
  assert.match(applied.stdout, /change .* applied/);
  // The app's image built from its source directory, then rebuilt from a changed one: each a
  // change plan (the build, then the rollout) watched to the end.
  const source = join(stateHome, 'awesomebuilder-src');
  mkdirSync(source);
  writeFileSync(join(source, 'Dockerfile'), 'FROM scratch\nCOPY app.py /app/app.py\nCMD ["/app/app.py"]\n');
  writeFileSync(join(source, 'app.py'), 'print("awesomebuilder 1")\n');
  const digestOf = async () => (JSON.parse((await eksflow(['env', 'get', 'awesomebuilder-container', '--json'], token)).stdout) as { progress: { image?: string } }).progress.image;
  const built = await eksflow(['image', 'build', source, '--env', 'awesomebuilder-container', '--tag', '1.2', '--watch'], token);
  assert.equal(built.code, 0, `${built.stdout}\n${built.stderr}`);
  assert.match(built.stdout, /ecr:image-build/);
  assert.match(built.stdout, /app:rollout/);
  const first = await digestOf();
  assert.match(first ?? '', /awesomebuilder@sha256:[0-9a-f]{64}$/);
  writeFileSync(join(source, 'app.py'), 'print("awesomebuilder 2")\n');
  const rebuilt = await eksflow(['image', 'build', source, '--env', 'awesomebuilder-container', '--tag', '1.3', '--watch'], token);
  assert.equal(rebuilt.code, 0, `${rebuilt.stdout}\n${rebuilt.stderr}`);
  const second = await digestOf();
  assert.notEqual(second, first, 'the rebuilt image is the one the app runs now');

  const upgraded = await eksflow(['env', 'upgrade', 'awesomebuilder-container', '--to', '1.36', '--watch'], token);
  assert.equal(upgraded.code, 0, `${upgraded.stdout}\n${upgraded.stderr}`);
  assert.match(upgraded.stdout, /eks:cluster-version\/1\.36/);
  const after = JSON.parse((await eksflow(['env', 'get', 'awesomebuilder-container', '--json'], token)).stdout) as { phase: string; spec: { kubernetesVersion: string }; progress: { nodegroupNames: Record<string, string> } };
  assert.equal(after.phase, 'ready');
  assert.equal(after.spec.kubernetesVersion, '1.36');
  assert.deepEqual(after.progress.nodegroupNames, { spot: 'spot-2' });

  const deleted = await eksflow(['env', 'delete', 'awesomebuilder-container', '--watch'], token);
  assert.equal(deleted.code, 0, `${deleted.stdout}\n${deleted.stderr}`);
  assert.match(deleted.stdout, /torn-down/);
});
