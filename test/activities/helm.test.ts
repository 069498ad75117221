import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { binaryHelm, chartSourceArgs, createHelmActivities, helmErrorTypes, type ChartRef, type HelmInstallInput } from '../../src/activities/helm';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { appChartsDir } from '../support/paths';
import { waitFor } from '../support/process';
import { toolPath } from '../support/tools';

let cluster: KubeControlPlane;
let helm: ReturnType<typeof createHelmActivities>;
// Config, cache and data for the raw helm the tests use to leave a release as a crash would.
const rawHelmHome = mkdtempSync(join(tmpdir(), 'eksflow-helm-test-'));

before(async () => {
  cluster = await kubeControlPlane({ nodes: 2 });
  helm = createHelmActivities(binaryHelm({ kube: kubeconfigAccess(cluster.kubeconfigPath), binary: toolPath('helm'), chartArgs: (chart) => [chartDir(chart)] }));
});
after(async () => {
  await cluster?.stop();
  rmSync(rawHelmHome, { recursive: true, force: true });
});

const chartDir = (chart: ChartRef) => join(appChartsDir, chart.name);
// The catalog's shape; the tests' chartArgs turn it into the app chart's directory.
const appChart = (name: string, version: string): ChartRef => ({ repo: 'oci://charts.example/fixtures', name, version });
const smokeWeb = appChart('smoke-web', '0.1.0');
const webOnPool = appChart('web-on-pool', '0.2.0');
// The context in the test bed's kubeconfig.
const clusterName = 'eksflow-test';
const release = (name: string, namespace: string, chart: ChartRef, values: Record<string, unknown> = {}): HelmInstallInput =>
  ({ cluster: clusterName, release: name, namespace, chart, values, timeoutSeconds: 30 });
const unschedulable = { nodeSelector: { pool: 'no-such-pool' } };

const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
/** The activity's private dirs (kubeconfig with the credentials, values, helm's homes) in the temp dir. */
const runDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('eksflow-helm-run-')).sort();
const statusOf = (name: string, namespace: string) => inActivity(helm.helmReleaseStatus, { cluster: clusterName, release: name, namespace });
const deployment = (name: string, namespace: string) => cluster.kubeConfig.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace });

/** Processes of the helm binary whose command line names `release`, from /proc. */
function helmProcessesFor(releaseName: string): number[] {
  const helmBinary = toolPath('helm');
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv[0] === helmBinary && argv.includes(releaseName);
    } catch {
      return false;
    }
  }).map(Number);
}

/** Starts a helm operation that can never finish (its pods have nowhere to run), SIGKILLs it once the release shows `status`, as a crashed worker would leave it. */
async function killHelmMidOperation(args: string[], name: string, namespace: string, status: string): Promise<void> {
  const child = spawn(toolPath('helm'), [...args, '--namespace', namespace, '--wait', '--timeout', '120s'], {
    env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, HELM_CONFIG_HOME: join(rawHelmHome, 'config'), HELM_CACHE_HOME: join(rawHelmHome, 'cache'), HELM_DATA_HOME: join(rawHelmHome, 'data') },
    stdio: 'ignore',
  });
  const exited = once(child, 'exit');
  try {
    await waitFor(`release ${name} ${status}`, async () => (await statusOf(name, namespace))?.status === status, { timeoutMs: 30_000, intervalMs: 250 });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

test('the default chart arguments pin the version for OCI registries and https repositories', () => {
  assert.deepEqual(chartSourceArgs({ repo: 'oci://public.ecr.aws/karpenter/', name: 'karpenter', version: '1.6.3' }),
    ['oci://public.ecr.aws/karpenter/karpenter', '--version', '1.6.3']);
  assert.deepEqual(chartSourceArgs({ repo: 'https://kubernetes-sigs.github.io/metrics-server/', name: 'metrics-server', version: '3.13.0' }),
    ['metrics-server', '--repo', 'https://kubernetes-sigs.github.io/metrics-server/', '--version', '3.13.0']);
});

test('installs a pinned chart with values from code, waits for the rollout, and leaves no kubeconfig behind', async () => {
  const dirsBefore = runDirs();
  const installed = await inActivity(helm.helmUpgradeInstall, release('web', 'apps', smokeWeb, { replicaCount: 3, image: 'registry.example/web:2' }));
  assert.deepEqual(installed, { release: 'web', namespace: 'apps', revision: 1, status: 'deployed', chartVersion: '0.1.0', adopted: false });

  // --wait returned, so the rollout must be complete, with the values given.
  const web = await deployment('web', 'apps');
  assert.equal(web.spec?.replicas, 3);
  assert.equal(web.status?.availableReplicas, 3);
  assert.equal(web.spec?.template.spec?.containers[0]?.image, 'registry.example/web:2');
  assert.deepEqual(await statusOf('web', 'apps'), { status: 'deployed', revision: 1 });
  assert.deepEqual(runDirs(), dirsBefore);
});

test('running again is idempotent, and the values are exactly those given, never the last release\'s', async () => {
  const again = await inActivity(helm.helmUpgradeInstall, release('web', 'apps', smokeWeb, { replicaCount: 3, image: 'registry.example/web:2' }));
  assert.deepEqual(again, { release: 'web', namespace: 'apps', revision: 2, status: 'deployed', chartVersion: '0.1.0', adopted: true });
  assert.equal((await deployment('web', 'apps')).spec?.replicas, 3);

  // Left to itself, helm would keep replicaCount 3 from the last release when given no values.
  const defaults = await inActivity(helm.helmUpgradeInstall, release('web', 'apps', smokeWeb));
  assert.equal(defaults.revision, 3);
  const web = await deployment('web', 'apps');
  assert.equal(web.spec?.replicas, 2, 'the chart default');
  assert.equal(web.spec?.template.spec?.containers[0]?.image, 'registry.example/smoke-web:1');
});

test('a first install is labelled with its environment and run: a retry knows it as its own, a later run or a release someone else made is adopted and never relabelled', async () => {
  const first = { environmentId: 'team-a/demo', runId: '0b7e3f3c-5d3a-4c1e-9a51-3c0f1f6f2b10' };
  const later = { ...first, runId: '7d1c2b9e-1111-4a2b-8c3d-2e4f5a6b7c8d' };
  const ours = await inActivity(helm.helmUpgradeInstall, { ...release('owned', 'owned', smokeWeb), owner: first });
  assert.equal(ours.adopted, false);
  assert.equal((await inActivity(helm.helmUpgradeInstall, { ...release('owned', 'owned', smokeWeb), owner: first })).adopted, false, 'a retry of the run that made it');
  assert.equal((await inActivity(helm.helmUpgradeInstall, { ...release('owned', 'owned', smokeWeb), owner: later })).adopted, true, 'a later run of the environment');
  const storage = await cluster.kubeConfig.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: 'owned', labelSelector: 'owner=helm,name=owned' });
  assert.ok(storage.items.length > 0 && storage.items.every((secret) => secret.metadata?.labels?.['eksflow.io/created-by-run'] === first.runId && secret.metadata.labels['eksflow.io/environment'] === 'team-a.demo'),
    'every revision keeps the first run as its maker');

  // Someone else's release (no labels): adopted, and still adopted on a retry, as it is not relabelled.
  await inActivity(helm.helmUpgradeInstall, release('theirs', 'owned', smokeWeb));
  assert.equal((await inActivity(helm.helmUpgradeInstall, { ...release('theirs', 'owned', smokeWeb), owner: first })).adopted, true);
  assert.equal((await inActivity(helm.helmUpgradeInstall, { ...release('theirs', 'owned', smokeWeb), owner: first })).adopted, true);
  for (const name of ['owned', 'theirs']) await inActivity(helm.helmUninstall, { cluster: clusterName, release: name, namespace: 'owned', timeoutSeconds: 30 });
});

test('a chart that renders an object the API server rejects fails for good and leaves no release', async () => {
  const dirsBefore = runDirs();
  const keyData = cluster.kubeConfig.getCurrentUser()?.keyData;
  assert.ok(keyData, 'the test kubeconfig carries an inline client key');
  await assert.rejects(inActivity(helm.helmUpgradeInstall, release('broken', 'broken', appChart('invalid-service', '0.1.0'))), (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, helmErrorTypes.chartInvalid);
    assert.equal(error.nonRetryable, true);
    assert.match(error.message, /helm upgrade --install broken \(chart invalid-service 0\.1\.0\) failed/);
    assert.match(error.message, /Service "broken" is invalid/);
    assert.ok(!error.message.includes(keyData) && !error.message.includes('client-key-data'), 'no credentials in the message');
    return true;
  });
  assert.equal(await statusOf('broken', 'broken'), undefined, 'rolled back: the failed install was uninstalled');
  // The ConfigMap the chart applies before the Service went with it.
  await assert.rejects(cluster.kubeConfig.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'broken-settings', namespace: 'broken' }), /404|not found/i);
  assert.deepEqual(runDirs(), dirsBefore);
});

test('a release a killed helm left pending-install is removed, and one left pending-upgrade rolled back, before installing', async () => {
  await killHelmMidOperation(['install', 'stuck', chartDir(webOnPool), '--create-namespace', '--set', 'nodeSelector.pool=no-such-pool'], 'stuck', 'stuck', 'pending-install');
  const installed = await inActivity(helm.helmUpgradeInstall, release('stuck', 'stuck', webOnPool));
  assert.deepEqual(installed, { release: 'stuck', namespace: 'stuck', revision: 1, status: 'deployed', chartVersion: '0.2.0', adopted: false });

  await killHelmMidOperation(['upgrade', 'stuck', chartDir(webOnPool), '--set', 'nodeSelector.pool=no-such-pool'], 'stuck', 'stuck', 'pending-upgrade');
  const upgraded = await inActivity(helm.helmUpgradeInstall, release('stuck', 'stuck', webOnPool, { replicaCount: 2 }));
  // 1 deployed, 2 left pending-upgrade, 3 the rollback to 1, 4 this upgrade.
  assert.deepEqual(upgraded, { release: 'stuck', namespace: 'stuck', revision: 4, status: 'deployed', chartVersion: '0.2.0', adopted: true });
  const stuck = await deployment('stuck', 'stuck');
  assert.equal(stuck.status?.availableReplicas, 2);
  assert.equal(stuck.spec?.template.spec?.nodeSelector, undefined);
});

test('while helm waits it heartbeats; cancelling stops helm promptly, throws the cancellation and removes the kubeconfig', async () => {
  const dirsBefore = runDirs();
  const env = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const running = env.run(helm.helmUpgradeInstall, release('never-ready', 'waiting', webOnPool, unschedulable));
  running.catch(() => undefined); // asserted below, after the cancellation

  await waitFor('a heartbeat', async () => heartbeats.length > 0, { timeoutMs: 15_000 });
  const [first] = heartbeats as { release: string; step: string; elapsedSeconds: number }[];
  assert.equal(first?.release, 'never-ready');
  assert.equal(first.step, 'upgrade');
  assert.ok(first.elapsedSeconds >= 5);
  assert.equal(helmProcessesFor('never-ready').length, 1, 'helm is running');
  const [dir] = runDirs().filter((name) => !dirsBefore.includes(name));
  assert.ok(dir, 'the activity has its private dir while helm runs');
  assert.equal(statSync(join(tmpdir(), dir)).mode & 0o777, 0o700);
  assert.equal(statSync(join(tmpdir(), dir, 'kubeconfig')).mode & 0o777, 0o600);

  const cancelledAt = Date.now();
  env.cancel();
  await assert.rejects(running, (error: unknown) => error instanceof CancelledFailure);
  assert.ok(Date.now() - cancelledAt < 8_000, `helm stopped ${Date.now() - cancelledAt} ms after the cancellation`);
  assert.deepEqual(helmProcessesFor('never-ready'), []);
  assert.deepEqual(runDirs(), dirsBefore);

  // Whatever helm left (it rolls back on SIGTERM; a SIGKILL would leave it pending), the retry installs.
  const retried = await inActivity(helm.helmUpgradeInstall, release('never-ready', 'waiting', webOnPool));
  assert.equal(retried.status, 'deployed');
});

test('a rollout that never becomes ready times out as a retryable failure, rolled back', async () => {
  await assert.rejects(inActivity(helm.helmUpgradeInstall, { ...release('slow', 'slow', webOnPool, unschedulable), timeoutSeconds: 3 }), (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, helmErrorTypes.failed);
    assert.equal(error.nonRetryable, false);
    assert.match(error.message, /context deadline exceeded|timed out/);
    return true;
  });
  assert.equal(await statusOf('slow', 'slow'), undefined);
});

test('uninstall waits for the release to go and is idempotent', async () => {
  const dirsBefore = runDirs();
  assert.deepEqual(await inActivity(helm.helmUninstall, { cluster: clusterName, release: 'web', namespace: 'apps', timeoutSeconds: 30 }), { removed: true });
  await assert.rejects(deployment('web', 'apps'), /404|not found/i);
  assert.equal(await statusOf('web', 'apps'), undefined);
  assert.deepEqual(await inActivity(helm.helmUninstall, { cluster: clusterName, release: 'web', namespace: 'apps', timeoutSeconds: 30 }), { removed: false });
  assert.deepEqual(runDirs(), dirsBefore);
});
