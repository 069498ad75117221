import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createHelmActivities, helmErrorTypes, type HelmApi, type HelmInstallInput } from '../../../src/activities/helm';
import { errorTypes } from '../../../src/domain/errors';
import { checkGates } from '../../../src/activities/addons/readiness';
import { addonCatalog } from '../../../src/domain/addon-catalog';
import { applyObjects, createSimHelm, inInstallOrder, managedAddonObjects } from '../../../src/sim/helm';
import { ReleaseRecords } from '../../../src/sim/helm/release-records';
import { startSimKube, type SimKube } from '../../../src/sim/kube';
import { waitFor } from '../../support/process';

let kube: SimKube;
let helm: HelmApi;
const cluster = 'helm';
before(async () => {
  kube = await startSimKube({ speedup: 1000 });
  kube.addCluster(cluster);
  kube.setNodegroup(cluster, 'general', { desiredSize: 2 });
  helm = createHelmActivities(createSimHelm(kube, { heartbeatMs: 20 }));
});
after(() => kube?.close());

const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
// A chart the catalog does not know: one Deployment named after the release.
const release = (name: string, namespace: string, values: Record<string, unknown> = {}, timeoutSeconds = 300): HelmInstallInput =>
  ({ cluster, release: name, namespace, chart: { repo: 'oci://charts.example/fixtures', name: 'smoke-web', version: '0.1.0' }, values, timeoutSeconds });
const statusOf = (name: string, namespace: string) => inActivity(helm.helmReleaseStatus, { cluster, release: name, namespace });
const apps = async () => (await kube.access.forCluster(cluster)).makeApiClient(AppsV1Api);
const deployment = async (name: string, namespace: string) => (await apps()).readNamespacedDeployment({ name, namespace });
const failedWith = (pattern: RegExp, type: string = helmErrorTypes.failed) => (error: unknown) => {
  assert.ok(error instanceof ApplicationFailure, String(error));
  assert.equal(error.type, type);
  assert.equal(error.nonRetryable, false);
  assert.match(error.message, pattern);
  return true;
};

test('installs with the values given, waits for the rollout, and each run is one revision on with exactly its values', async () => {
  assert.deepEqual(await inActivity(helm.helmUpgradeInstall, release('web', 'apps', { replicaCount: 3, image: 'registry.example/web:2' })),
    { release: 'web', namespace: 'apps', revision: 1, status: 'deployed', chartVersion: '0.1.0', adopted: false });
  const web = await deployment('web', 'apps');
  assert.equal(web.spec?.replicas, 3);
  assert.equal(web.status?.availableReplicas, 3, '--wait returned once the rollout was complete');
  assert.equal(web.spec?.template.spec?.containers[0]?.image, 'registry.example/web:2');
  assert.equal(web.metadata?.annotations?.['meta.helm.sh/release-name'], 'web');
  assert.equal((await inActivity(helm.helmUpgradeInstall, release('web', 'apps', { replicaCount: 3, image: 'registry.example/web:2' }))).revision, 2);
  assert.equal((await deployment('web', 'apps')).metadata?.generation, web.metadata?.generation, 'the same values change nothing');
  assert.equal((await inActivity(helm.helmUpgradeInstall, release('web', 'apps'))).revision, 3);
  assert.equal((await deployment('web', 'apps')).spec?.replicas, 1, 'no values: the chart\'s defaults, never the last release\'s');
  assert.deepEqual(await statusOf('web', 'apps'), { status: 'deployed', revision: 3 });
  const secrets = await (await kube.access.forCluster(cluster)).makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: 'apps', labelSelector: 'owner=helm,name=web' });
  assert.deepEqual(secrets.items.map((s) => [s.metadata?.name, s.metadata?.labels?.status]).sort(),
    [['sh.helm.release.v1.web.v1', 'superseded'], ['sh.helm.release.v1.web.v2', 'superseded'], ['sh.helm.release.v1.web.v3', 'deployed']]);
});

test('as helm with --labels: a first install records its environment and run; a retry is its own, a later run or a release someone else made is adopted and never relabelled', async () => {
  const first = { environmentId: 'team-a/demo', runId: '0b7e3f3c-5d3a-4c1e-9a51-3c0f1f6f2b10' };
  const later = { ...first, runId: '7d1c2b9e-1111-4a2b-8c3d-2e4f5a6b7c8d' };
  assert.equal((await inActivity(helm.helmUpgradeInstall, { ...release('owned', 'owned'), owner: first })).adopted, false);
  assert.equal((await inActivity(helm.helmUpgradeInstall, { ...release('owned', 'owned'), owner: first })).adopted, false);
  assert.equal((await inActivity(helm.helmUpgradeInstall, { ...release('owned', 'owned'), owner: later })).adopted, true);
  const storage = await (await kube.access.forCluster(cluster)).makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: 'owned' });
  const revisions = storage.items.filter((secret) => secret.metadata?.labels?.owner === 'helm');
  assert.equal(revisions.length, 3);
  assert.ok(revisions.every((secret) => secret.metadata?.labels?.['eksflow.io/created-by-run'] === first.runId && secret.metadata.labels['eksflow.io/environment'] === 'team-a.demo'));
  await inActivity(helm.helmUpgradeInstall, release('theirs', 'owned'));
  assert.equal((await inActivity(helm.helmUpgradeInstall, { ...release('theirs', 'owned'), owner: first })).adopted, true);
  assert.equal((await inActivity(helm.helmUpgradeInstall, { ...release('theirs', 'owned'), owner: first })).adopted, true);
  for (const name of ['owned', 'theirs']) await inActivity(helm.helmUninstall, { cluster, release: name, namespace: 'owned', timeoutSeconds: 300 });
});

test('a first install that never becomes ready times out retryably and is uninstalled', async () => {
  const noRoom = { replicaCount: 1 };
  kube.addCluster('empty');
  const empty = { ...release('slow', 'slow', noRoom, 3), cluster: 'empty' };
  await assert.rejects(inActivity(helm.helmUpgradeInstall, empty), failedWith(/^helm upgrade --install slow \(chart smoke-web 0\.1\.0\) failed \(exit 1\): Error: INSTALLATION FAILED: resource Deployment\/slow\/slow not ready.*context deadline exceeded$/));
  assert.equal(await inActivity(helm.helmReleaseStatus, { cluster: 'empty', release: 'slow', namespace: 'slow' }), undefined);
  const objects = (await kube.access.forCluster('empty')).makeApiClient(AppsV1Api);
  await assert.rejects(objects.readNamespacedDeployment({ name: 'slow', namespace: 'slow' }), /404|not found/i);
});

test('an upgrade that never becomes ready is rolled back to the last deployed revision', async () => {
  await inActivity(helm.helmUpgradeInstall, release('api', 'api', { replicaCount: 1 }));
  // An image no node can run: the new pods never turn Ready.
  kube.setNodegroup(cluster, 'general', { desiredSize: 0 });
  await waitFor('the nodes to go', async () => (await (await kube.access.forCluster(cluster)).makeApiClient(CoreV1Api).listNode()).items.length === 0);
  await assert.rejects(inActivity(helm.helmUpgradeInstall, release('api', 'api', { replicaCount: 1, image: 'registry.example/api:2' }, 5)),
    failedWith(/Error: UPGRADE FAILED: resource Deployment\/api\/api not ready.*context deadline exceeded$/));
  // 1 deployed, 2 failed, 3 the rollback to 1.
  assert.deepEqual(await statusOf('api', 'api'), { status: 'deployed', revision: 3 });
  assert.equal((await deployment('api', 'api')).spec?.template.spec?.containers[0]?.image, 'sim.local/smoke-web:0.1.0');
  kube.setNodegroup(cluster, 'general', { desiredSize: 2 });
});

test('while it waits it heartbeats; a cancellation ends it promptly, rolled back, and the retry installs', async () => {
  kube.addCluster('waiting');
  const input = { ...release('never', 'never'), cluster: 'waiting' };
  const env = new MockActivityEnvironment();
  const beats: { release: string; step: string }[] = [];
  env.on('heartbeat', (details: { release: string; step: string }) => beats.push(details));
  const running = env.run(helm.helmUpgradeInstall, input);
  running.catch(() => undefined);
  await waitFor('a heartbeat', async () => beats.length > 0);
  assert.deepEqual({ release: beats[0]!.release, step: beats[0]!.step }, { release: 'never', step: 'upgrade' });
  env.cancel();
  await assert.rejects(running, (error: unknown) => error instanceof CancelledFailure);
  assert.equal(await inActivity(helm.helmReleaseStatus, { cluster: 'waiting', release: 'never', namespace: 'never' }), undefined);
  kube.setNodegroup('waiting', 'general', { desiredSize: 1 });
  assert.equal((await inActivity(helm.helmUpgradeInstall, input)).status, 'deployed');
});

test('a release an interrupted helm left pending-install is removed before installing', async () => {
  const records = new ReleaseRecords(kube.cluster(cluster)!.store);
  const at = new Date().toISOString();
  records.write({
    name: 'stuck', namespace: 'apps', version: 1, info: { status: 'pending-install', first_deployed: at, last_deployed: at, description: 'Initial install underway' },
    chart: { metadata: { name: 'smoke-web', version: '0.1.0' } }, config: {}, manifest: [],
  });
  assert.deepEqual(await statusOf('stuck', 'apps'), { status: 'pending-install', revision: 1 });
  assert.deepEqual(await inActivity(helm.helmUpgradeInstall, release('stuck', 'apps')), { release: 'stuck', namespace: 'apps', revision: 1, status: 'deployed', chartVersion: '0.1.0', adopted: false });
});

test('a namespace being deleted refuses the release, retryably', async () => {
  const core = (await kube.access.forCluster(cluster)).makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'going', finalizers: ['example.com/hold'] } } });
  await core.createNamespacedConfigMap({ namespace: 'going', body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
  await core.deleteNamespace({ name: 'going' });
  await assert.rejects(inActivity(helm.helmUpgradeInstall, release('late', 'going')), failedWith(/unable to create new content in namespace going because it is being terminated/));
});

test('uninstall waits for the objects to go and is idempotent; an unknown cluster has no endpoint', async () => {
  assert.deepEqual(await inActivity(helm.helmUninstall, { cluster, release: 'web', namespace: 'apps', timeoutSeconds: 300 }), { removed: true });
  await assert.rejects(deployment('web', 'apps'), /404|not found/i);
  assert.equal(await statusOf('web', 'apps'), undefined);
  assert.deepEqual(await inActivity(helm.helmUninstall, { cluster, release: 'web', namespace: 'apps', timeoutSeconds: 300 }), { removed: false });
  await assert.rejects(inActivity(helm.helmReleaseStatus, { cluster: 'gone', release: 'web', namespace: 'apps' }),
    (error: unknown) => error instanceof ApplicationFailure && error.type === errorTypes.awsRetryable && !error.nonRetryable);
});

test('an EKS managed add-on\'s objects, applied by the simulated EKS, satisfy the catalog\'s gates as the chart\'s do', async () => {
  const objects = managedAddonObjects('metrics-server', 'v0.8.0-eksbuild.1');
  assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`), ['Deployment/metrics-server', 'Service/metrics-server', 'APIService/v1beta1.metrics.k8s.io']);
  applyObjects(kube.cluster(cluster)!.store, inInstallOrder(objects), [], 'eks');
  const config = await kube.access.forCluster(cluster);
  const readiness = await waitFor('the gates', async () => {
    const found = await checkGates(config, addonCatalog.get('metrics-server')!.resolve({ 'metrics-server': { method: 'eks-addon' } }, '1.35').readiness.filter((g) => g.kind !== 'eks-addon-active'));
    return found.ready && found.gates.every((g) => g.ok) ? found : undefined;
  });
  assert.deepEqual(readiness.gates.map((g) => g.detail), ['1/1 replicas available', 'Available']);
  assert.deepEqual(managedAddonObjects('vpc-cni', 'v1'), [], 'not an add-on eksflow installs');
});
