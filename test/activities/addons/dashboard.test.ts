import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppsV1Api, AuthenticationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { AddonContext, AddonModule } from '../../../src/activities/addons/addon-module';
import {
  createDashboardTokenActivity, dashboard, dashboardAdminManifests, dashboardAdminName, dashboardErrorTypes, dashboardValues,
} from '../../../src/activities/addons/dashboard';
import { addonCatalog, type ResolvedAddon } from '../../../src/domain/addon-catalog';
import type { AddonsSpec } from '../../../src/domain/environment-spec';
import { errorTypes } from '../../../src/domain/errors';
import { addonBedPerFile, isGone, readinessUntil } from '../../support/addon-bed';

const bed = addonBedPerFile();

const headlampOptions: AddonsSpec = { dashboard: { kind: 'headlamp' } };
const legacyOptions: AddonsSpec = { dashboard: { kind: 'kubernetes-dashboard' } };
const headlamp = addonCatalog.get('dashboard')!.resolve(headlampOptions, '1.35');
const legacy = addonCatalog.get('dashboard')!.resolve(legacyOptions, '1.35');
const contextFor = (options: AddonsSpec): AddonContext => ({
  cluster: 'demo', region: 'us-west-2', kubernetesVersion: '1.35', owner: { environmentId: 'team-a/demo', runId: 'run-1' },
  options, vpcId: 'vpc-0123456789abcdef0', roleArn: 'arn:aws:iam::123456789012:role/x',
});
const context = contextFor(headlampOptions);
const adminUser = (namespace: string) => `system:serviceaccount:${namespace}:${dashboardAdminName}`;

const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
const module = (addon: ResolvedAddon = headlamp): AddonModule => dashboard(bed.tools, addon);
const tokens = () => createDashboardTokenActivity(bed.tools.kube);
const apps = () => bed.cluster.kubeConfig.makeApiClient(AppsV1Api);
const core = () => bed.cluster.kubeConfig.makeApiClient(CoreV1Api);
const rbac = () => bed.cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
const releaseStatus = (release: string, namespace: string) => inActivity(bed.tools.helm.helmReleaseStatus, { cluster: context.cluster, release, namespace });
const readAdmin = (namespace: string) => Promise.all([
  core().readNamespacedServiceAccount({ name: dashboardAdminName, namespace }),
  rbac().readClusterRoleBinding({ name: dashboardAdminName }),
]);


/** A client that signs in with `token` alone, as the dashboard would. */
function clientWithToken(token: string): CoreV1Api {
  const cluster = bed.cluster.kubeConfig.getCurrentCluster()!;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [cluster], users: [{ name: 'dashboard', token }], contexts: [{ name: 'dashboard', cluster: cluster.name, user: 'dashboard' }], currentContext: 'dashboard',
  });
  return config.makeApiClient(CoreV1Api);
}

const secondsFromNow = (iso: string) => (Date.parse(iso) - Date.now()) / 1000;

test('values: Headlamp makes no cluster-admin binding of its own and stays ClusterIP; the legacy dashboard keeps Kong ClusterIP', () => {
  assert.deepEqual(dashboardValues(headlamp), { clusterRoleBinding: { create: false }, service: { type: 'ClusterIP' } });
  assert.deepEqual(dashboardValues(legacy), { kong: { proxy: { type: 'ClusterIP' } } });
  assert.throws(() => dashboardValues({ ...headlamp, install: { method: 'manifests' } }), (error: unknown) =>
    error instanceof ApplicationFailure && error.type === errorTypes.invalidPlan && error.nonRetryable);
});

test('the admin ServiceAccount and its binding to cluster-admin, as eksflow labels them', () => {
  const { serviceAccount, clusterRoleBinding } = dashboardAdminManifests('headlamp', 'team-a/demo');
  const labels = { 'app.kubernetes.io/managed-by': 'eksflow', 'eksflow.io/environment': 'team-a.demo' };
  assert.deepEqual(serviceAccount, {
    apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'eksflow-dashboard-admin', namespace: 'headlamp', labels }, automountServiceAccountToken: false,
  });
  assert.deepEqual(clusterRoleBinding, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'eksflow-dashboard-admin', labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: 'eksflow-dashboard-admin', namespace: 'headlamp' }],
  });
});

test('install puts Headlamp in with its values, adds the admin ServiceAccount and binding, and isReady turns true', async () => {
  const installed = await inActivity(module().install, context);
  assert.equal(installed.summary, 'helm headlamp 0.43.0 revision 1 deployed; admin ServiceAccount headlamp/eksflow-dashboard-admin bound to cluster-admin');

  const service = await core().readNamespacedService({ name: 'headlamp', namespace: 'headlamp' });
  assert.equal(service.spec?.type, 'ClusterIP');
  assert.ok(await isGone(rbac().readClusterRoleBinding({ name: 'headlamp-admin' })), 'the chart\'s own cluster-admin binding was not made');

  const [serviceAccount, binding] = await readAdmin('headlamp');
  assert.equal(serviceAccount.automountServiceAccountToken, false);
  assert.equal(serviceAccount.metadata?.labels?.['app.kubernetes.io/managed-by'], 'eksflow');
  assert.ok(serviceAccount.metadata?.managedFields?.some((entry) => entry.manager === 'eksflow' && entry.operation === 'Apply'), 'server-side applied as eksflow');
  assert.equal(binding.roleRef.name, 'cluster-admin');
  assert.deepEqual(binding.subjects?.map(({ kind, name, namespace }) => ({ kind, name, namespace })), [{ kind: 'ServiceAccount', name: dashboardAdminName, namespace: 'headlamp' }]);

  const seen = await readinessUntil(() => module(headlamp).isReady(context), (readiness) => readiness.ready);
  assert.deepEqual(seen.at(-1)!.gates, [{ gate: 'deployment headlamp/headlamp available', ok: true, detail: '1/1 replicas available' }]);
});

test('installing again is idempotent: one helm revision on, the admin objects untouched', async () => {
  const versions = async () => (await readAdmin('headlamp')).map((object) => object.metadata?.resourceVersion);
  const before = await versions();
  const again = await inActivity(module().install, context);
  assert.match(again.summary, /^helm headlamp 0\.43\.0 revision 2 deployed; /);
  assert.deepEqual(await releaseStatus('headlamp', 'headlamp'), { status: 'deployed', revision: 2 });
  assert.deepEqual(await versions(), before, 'the same apply writes nothing');
});

test('dashboardLoginToken gives a short-lived token the apiserver accepts as the admin, and keeps it in no Secret', async () => {
  const login = await tokens().dashboardLoginToken({ cluster: context.cluster, namespace: 'headlamp' });
  assert.equal(login.username, adminUser('headlamp'));
  assert.ok(Math.abs(secondsFromNow(login.expiresAt) - 3_600) < 60, `an hour by default, not ${secondsFromNow(login.expiresAt)} s`);

  const review = await bed.cluster.kubeConfig.makeApiClient(AuthenticationV1Api).createTokenReview({
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: login.token } },
  });
  assert.equal(review.status?.authenticated, true, review.status?.error);
  assert.equal(review.status?.user?.username, adminUser('headlamp'));
  // The binding makes it an admin token: it may read what only cluster-admin may.
  assert.ok((await clientWithToken(login.token).listNamespacedSecret({ namespace: 'kube-system' })).items);

  const secrets = (await core().listNamespacedSecret({ namespace: 'headlamp' })).items;
  assert.ok(secrets.every((secret) => secret.type !== 'kubernetes.io/service-account-token'), 'no long-lived token Secret');
  const stored = secrets.flatMap((secret) => Object.values(secret.data ?? {}).map((value) => Buffer.from(value, 'base64').toString('utf8')));
  assert.ok(!stored.some((value) => value.includes(login.token)), 'the token is in no Secret');

  const short = await tokens().dashboardLoginToken({ cluster: context.cluster, namespace: 'headlamp', expirationSeconds: 600 });
  assert.ok(Math.abs(secondsFromNow(short.expiresAt) - 600) < 60);
  assert.notEqual(short.token, login.token);
});

test('dashboardLoginToken refuses lifetimes outside 10 minutes to 12 hours', async () => {
  for (const expirationSeconds of [60, 13 * 3_600, 1_000.5]) {
    await assert.rejects(tokens().dashboardLoginToken({ cluster: context.cluster, namespace: 'headlamp', expirationSeconds }), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.type, errorTypes.invalidSpec);
      assert.equal(error.nonRetryable, true);
      assert.match(error.message, /between 600 and 43200 seconds/);
      return true;
    });
  }
});

test('uninstall removes the release and the admin ServiceAccount and binding; a second finds nothing; no more tokens', async () => {
  assert.deepEqual(await inActivity(module().uninstall, context), { removed: true });
  assert.equal(await releaseStatus('headlamp', 'headlamp'), undefined);
  assert.ok(await isGone(apps().readNamespacedDeployment({ name: 'headlamp', namespace: 'headlamp' })));
  assert.ok(await isGone(core().readNamespacedServiceAccount({ name: dashboardAdminName, namespace: 'headlamp' })));
  assert.ok(await isGone(rbac().readClusterRoleBinding({ name: dashboardAdminName })));
  assert.deepEqual(await inActivity(module().uninstall, context), { removed: false });

  await assert.rejects(tokens().dashboardLoginToken({ cluster: context.cluster, namespace: 'headlamp' }), (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, dashboardErrorTypes.notInstalled);
    assert.equal(error.nonRetryable, true);
    return true;
  });
});

test('the legacy Kubernetes Dashboard installs in its own namespace with the same admin, and goes the same way', async () => {
  const legacyContext = contextFor(legacyOptions);
  const installed = await inActivity(module(legacy).install, legacyContext);
  assert.equal(installed.summary, 'helm kubernetes-dashboard 7.13.0 revision 1 deployed; admin ServiceAccount kubernetes-dashboard/eksflow-dashboard-admin bound to cluster-admin');
  assert.equal((await core().readNamespacedService({ name: 'kubernetes-dashboard-kong-proxy', namespace: 'kubernetes-dashboard' })).spec?.type, 'ClusterIP');
  const [, binding] = await readAdmin('kubernetes-dashboard');
  assert.equal(binding.subjects?.[0]?.namespace, 'kubernetes-dashboard');

  const seen = await readinessUntil(() => module(legacy).isReady(context), (readiness) => readiness.ready);
  // The real chart's four Deployments (kong with the chart's own name for it, kubernetes-dashboard-kong).
  assert.deepEqual(seen.at(-1)!.gates, ['kong', 'web', 'auth', 'api'].map((part) => (
    { gate: `deployment kubernetes-dashboard/kubernetes-dashboard-${part} available`, ok: true, detail: '1/1 replicas available' })));
  const login = await tokens().dashboardLoginToken({ cluster: legacyContext.cluster, namespace: 'kubernetes-dashboard' });
  assert.equal(login.username, adminUser('kubernetes-dashboard'));

  assert.deepEqual(await inActivity(module(legacy).uninstall, legacyContext), { removed: true });
  assert.ok(await isGone(apps().readNamespacedDeployment({ name: 'kubernetes-dashboard-web', namespace: 'kubernetes-dashboard' })));
  assert.ok(await isGone(rbac().readClusterRoleBinding({ name: dashboardAdminName })));
});
