import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ApiException, AppsV1Api, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, setHeaderOptions, type KubeConfig, type KubernetesObject, type V1Deployment,
} from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { isApiMissing, kubeNotFound } from '../../../src/activities/kube-calls';
import { startSimKube, type SimKube } from '../../../src/sim/kube';
import { waitFor } from '../../support/process';

let kube: SimKube;
let config: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
let objects: KubernetesObjectApi;
before(async () => {
  kube = await startSimKube({ speedup: 1000 });
  kube.addCluster('demo', { region: 'us-west-2' });
  config = await kube.access.forCluster('demo');
  core = config.makeApiClient(CoreV1Api);
  apps = config.makeApiClient(AppsV1Api);
  objects = KubernetesObjectApi.makeApiClient(config);
});
after(() => kube?.close());

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const apply = <T extends KubernetesObject>(object: T, manager = 'eksflow', force = true) => objects.patch(object, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);

/** The metav1 Status an ApiException carries, parsed. */
async function statusOf(call: Promise<unknown>): Promise<{ code: number; reason: string; message: string; kind: string; status: string }> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ApiException, String(error));
    const body = JSON.parse(error.body as string) as { code: number; reason: string; message: string; kind: string; status: string };
    assert.equal(body.code, error.code, 'the Status code is the HTTP code');
    return body;
  }
  assert.fail('the call succeeded');
}

const web = (image: string, extra: Record<string, unknown> = {}): V1Deployment & KubernetesObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' },
  spec: {
    replicas: 2, selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } }, ...extra,
  },
});

test('discovery lists the resources served, subresources included; a group not served is missing to KubernetesObjectApi', async () => {
  const response = await fetch(`${kube.url}/clusters/demo/api/v1`, { headers: { authorization: `Bearer ${kube.cluster('demo')!.token}` } });
  const list = await response.json() as { kind: string; resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[] };
  assert.equal(list.kind, 'APIResourceList');
  const byName = new Map(list.resources.map((r) => [r.name, r]));
  assert.deepEqual(byName.get('namespaces')?.namespaced, false);
  assert.deepEqual(byName.get('serviceaccounts/token')?.verbs, ['create']);
  assert.equal(byName.get('services')?.kind, 'Service');
  const groups = await (await fetch(`${kube.url}/clusters/demo/apis`, { headers: { authorization: `Bearer ${kube.cluster('demo')!.token}` } })).json() as { groups: { name: string }[] };
  for (const group of ['apps', 'discovery.k8s.io', 'autoscaling', 'apiregistration.k8s.io', 'apiextensions.k8s.io', 'rbac.authorization.k8s.io', 'networking.k8s.io', 'admissionregistration.k8s.io']) {
    assert.ok(groups.groups.some((g) => g.name === group), group);
  }
  const vpa = { apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'x', namespace: 'default' } };
  await assert.rejects(objects.read(vpa), (error: unknown) => isApiMissing(error));
});

test('a request without the cluster\'s token is refused, and a cluster that does not exist has no endpoint', async () => {
  const response = await fetch(`${kube.url}/clusters/demo/api/v1/namespaces`);
  assert.equal(response.status, 401);
  await assert.rejects(kube.access.forCluster('nowhere'), (error: unknown) => error instanceof ApplicationFailure && !error.nonRetryable && /no endpoint/.test(error.message));
});

test('create, get and list with label and field selectors; 404 and 409 come as metav1 Status bodies', async () => {
  await core.createNamespace({ body: { metadata: { name: 'shop', labels: { team: 'a' } } } });
  assert.equal((await core.readNamespace({ name: 'shop' })).status?.phase, 'Active');
  for (const [name, tier] of [['front', 'web'], ['back', 'db'], ['plain', undefined]] as const) {
    await core.createNamespacedConfigMap({ namespace: 'shop', body: { metadata: { name, ...(tier ? { labels: { tier } } : {}) }, data: { k: name } } });
  }
  const names = async (selectors: { labelSelector?: string; fieldSelector?: string }) => (await core.listNamespacedConfigMap({ namespace: 'shop', ...selectors })).items.map((c) => c.metadata?.name).sort();
  assert.deepEqual(await names({ labelSelector: 'tier=web' }), ['front']);
  assert.deepEqual(await names({ labelSelector: 'tier in (web,db)' }), ['back', 'front']);
  assert.deepEqual(await names({ labelSelector: '!tier' }), ['plain']);
  assert.deepEqual(await names({ labelSelector: 'tier!=web' }), ['back', 'plain']);
  assert.deepEqual(await names({ fieldSelector: 'metadata.name=back' }), ['back']);
  const all = await core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.namespace=shop' });
  assert.equal(all.items.length, 3);
  assert.match(all.metadata?.resourceVersion ?? '', /^\d+$/);
  const front = await core.readNamespacedConfigMap({ name: 'front', namespace: 'shop' });
  assert.match(front.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
  assert.ok(front.metadata?.creationTimestamp instanceof Date);

  const missing = await statusOf(core.readNamespacedConfigMap({ name: 'nope', namespace: 'shop' }));
  assert.deepEqual(missing, { ...missing, kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'configmaps "nope" not found' });
  const twice = await statusOf(core.createNamespacedConfigMap({ namespace: 'shop', body: { metadata: { name: 'front' } } }));
  assert.deepEqual(twice, { ...twice, reason: 'AlreadyExists', code: 409, message: 'configmaps "front" already exists' });
  const noNamespace = await statusOf(core.createNamespacedConfigMap({ namespace: 'elsewhere', body: { metadata: { name: 'x' } } }));
  assert.equal(noNamespace.message, 'namespaces "elsewhere" not found');
  const invalidName = await statusOf(core.createNamespacedService({ namespace: 'shop', body: { metadata: { name: 'Bad_Name' }, spec: { ports: [{ port: 80 }] } } }));
  assert.equal(invalidName.code, 422);
  assert.match(invalidName.message, /^Service "Bad_Name" is invalid: metadata\.name/);
  await assert.rejects(apps.readNamespacedDeployment({ name: 'none', namespace: 'shop' }), kubeNotFound);
});

test('server-side apply: created once, a second identical apply changes nothing, a changed spec bumps the generation', async () => {
  const first = await apply(web('web:1'));
  assert.equal(first.metadata?.generation, 1);
  const entry = first.metadata?.managedFields?.find((e) => e.manager === 'eksflow');
  assert.equal(entry?.operation, 'Apply');
  assert.ok((entry?.fieldsV1 as { 'f:spec': Record<string, unknown> })['f:spec']['f:replicas'] !== undefined);
  const versionBefore = (await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' })).metadata?.resourceVersion;
  const again = await apply(web('web:1'));
  assert.equal(again.metadata?.generation, 1);
  assert.equal(again.metadata?.resourceVersion, versionBefore, 'nothing written');
  const changed = await apply(web('web:2'));
  assert.equal(changed.metadata?.generation, 2);
  // Defaults the apiserver fills are there, owned by no one.
  const live = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
  assert.equal(live.spec?.progressDeadlineSeconds, 600);
});

test('server-side apply: another manager\'s field is a 409 conflict unless forced; a field no longer applied is removed unless co-owned', async () => {
  await apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'shop', fieldManager: 'horizontal-pod-autoscaler', body: { spec: { replicas: 3 } } }, mergePatch);
  const conflict = await statusOf(apply(web('web:2'), 'eksflow', false));
  assert.equal(conflict.code, 409);
  assert.equal(conflict.reason, 'Conflict');
  assert.match(conflict.message, /conflict with "horizontal-pod-autoscaler".*\.spec\.replicas/s);
  // The same value is no conflict: both own it.
  const coOwned = await apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 3 } }, 'handover', false) as V1Deployment;
  assert.ok(coOwned.metadata?.managedFields?.some((e) => e.manager === 'handover'));
  // eksflow stops listing replicas: others own it, so it stays.
  const withoutReplicas = { ...web('web:2').spec! };
  delete withoutReplicas.replicas;
  const left = await apply({ ...web('web:2'), spec: withoutReplicas }) as V1Deployment;
  assert.equal(left.spec?.replicas, 3);
  // Forced, eksflow takes the field from everyone.
  const forced = await apply(web('web:2')) as V1Deployment;
  assert.equal(forced.spec?.replicas, 2);
  assert.ok(!forced.metadata?.managedFields?.some((e) => e.manager === 'horizontal-pod-autoscaler'), 'its only field was taken');
  // Sole owner now, eksflow drops replicas: the field is removed and defaulted back to 1.
  const dropped = await apply({ ...web('web:2'), spec: withoutReplicas }) as V1Deployment;
  assert.equal(dropped.spec?.replicas, 1);
});

test('merge patches (JSON and strategic merge patches are not simulated); status and scale subresources; stale resourceVersion is a conflict', async () => {
  const patched = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'shop', body: { metadata: { labels: { tier: 'web' } } } }, mergePatch);
  assert.equal(patched.metadata?.labels?.tier, 'web');
  assert.equal(patched.metadata?.generation, (await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' })).metadata?.generation, 'labels are not spec');
  for (const strategy of [PatchStrategy.StrategicMergePatch, PatchStrategy.JsonPatch]) {
    const refused = await statusOf(apps.patchNamespacedDeployment({ name: 'web', namespace: 'shop', body: { spec: { paused: true } } }, setHeaderOptions('Content-Type', strategy)));
    assert.equal(refused.code, 415, strategy);
  }
  const json = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'shop', body: { metadata: { labels: { tier: null } } } }, mergePatch);
  assert.equal(json.metadata?.labels?.tier, undefined);

  const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'shop' });
  assert.equal(scale.spec?.replicas, 1);
  assert.equal(scale.status?.selector, 'app=web');
  // Status through the main resource is ignored; through /status it is written, without a new generation.
  const generation = json.metadata?.generation;
  await apps.patchNamespacedDeployment({ name: 'web', namespace: 'shop', body: { status: { replicas: 99 } } }, mergePatch);
  assert.notEqual((await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' })).status?.replicas, 99);
  const svc = await core.createNamespacedService({ namespace: 'shop', body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } });
  assert.equal(svc.spec?.type, 'ClusterIP');
  assert.match(svc.spec?.clusterIP ?? '', /^10\.100\./);
  const withStatus = await core.patchNamespacedServiceStatus({ name: 'web', namespace: 'shop', body: { status: { loadBalancer: { ingress: [{ hostname: 'x.example' }] } } } }, mergePatch);
  assert.equal(withStatus.status?.loadBalancer?.ingress?.[0]?.hostname, 'x.example');
  assert.equal((await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' })).metadata?.generation, generation);

  const stale = await statusOf(core.replaceNamespacedConfigMap({ name: 'front', namespace: 'shop', body: { metadata: { name: 'front', resourceVersion: '1' }, data: { k: 'v' } } }));
  assert.equal(stale.code, 409);
  assert.match(stale.message, /the object has been modified/);
  const replaced = await core.replaceNamespacedConfigMap({ name: 'front', namespace: 'shop', body: { metadata: { name: 'front' }, data: { k: 'replaced' } } });
  assert.deepEqual(replaced.data, { k: 'replaced' });
});

test('a finalizer holds a deleted object with a deletionTimestamp until it is removed', async () => {
  await core.createNamespacedConfigMap({ namespace: 'shop', body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
  await core.deleteNamespacedConfigMap({ name: 'held', namespace: 'shop' });
  const held = await core.readNamespacedConfigMap({ name: 'held', namespace: 'shop' });
  assert.ok(held.metadata?.deletionTimestamp);
  await core.patchNamespacedConfigMap({ name: 'held', namespace: 'shop', body: { metadata: { finalizers: null } } }, mergePatch);
  await assert.rejects(core.readNamespacedConfigMap({ name: 'held', namespace: 'shop' }), kubeNotFound);
  await assert.rejects(core.deleteNamespacedConfigMap({ name: 'held', namespace: 'shop' }), kubeNotFound);
});

test('deleting a namespace empties it, says what holds it, refuses a second delete and new content, and goes once empty', async () => {
  await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
  await core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'plain' } } });
  await core.createNamespacedService({ namespace: 'doomed', body: { metadata: { name: 'held', finalizers: ['service.k8s.aws/resources'] }, spec: { ports: [{ port: 80 }] } } });
  await core.deleteNamespace({ name: 'doomed' });
  assert.equal((await core.readNamespace({ name: 'doomed' })).status?.phase, 'Terminating');
  const again = await statusOf(core.deleteNamespace({ name: 'doomed' }));
  assert.equal(again.code, 409);
  assert.match(again.message, /The system is ensuring all content is removed from this namespace/);
  const refused = await statusOf(core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'late' } } }));
  assert.equal(refused.code, 403);
  assert.match(refused.message, /unable to create new content in namespace doomed because it is being terminated/);
  const conditions = await waitFor('the namespace controller to report the finalizer', async () => {
    const found = (await core.readNamespace({ name: 'doomed' })).status?.conditions?.find((c) => c.type === 'NamespaceFinalizersRemaining');
    return found;
  });
  assert.match(conditions.message ?? '', /service\.k8s\.aws\/resources in 1 resource instances/);
  await assert.rejects(core.readNamespacedConfigMap({ name: 'plain', namespace: 'doomed' }), kubeNotFound);
  await core.patchNamespacedService({ name: 'held', namespace: 'doomed', body: { metadata: { finalizers: null } } }, mergePatch);
  await waitFor('the namespace to go', async () => core.readNamespace({ name: 'doomed' }).then(() => false, (error: unknown) => kubeNotFound(error)));
});

test('a CRD makes its kind served and Established; its objects go with it', async () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
  await objects.create(crd);
  const widget: KubernetesObject & { spec: { size: number } } = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' }, spec: { size: 1 } };
  const applied = await apply(widget);
  assert.equal(applied.metadata?.generation, 1);
  const custom = config.makeApiClient(CustomObjectsApi);
  const read = await custom.getNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'shop', plural: 'widgets', name: 'w' }) as { spec: { size: number } };
  assert.equal(read.spec.size, 1);
  await waitFor('the CRD to be Established', async () => ((await objects.read(crd)) as { status?: { conditions?: { type: string; status: string }[] } })
    .status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
  await objects.delete(crd);
  await assert.rejects(KubernetesObjectApi.makeApiClient(config).read({ ...widget, metadata: { name: 'w', namespace: 'shop' } }), (error: unknown) => isApiMissing(error));
});

test('TokenRequest gives a JWT-shaped token for the ServiceAccount with its expiry', async () => {
  await core.createNamespacedServiceAccount({ namespace: 'shop', body: { metadata: { name: 'admin' } } });
  const started = Date.now();
  const requested = await core.createNamespacedServiceAccountToken({ name: 'admin', namespace: 'shop', body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const token = requested.status?.token ?? '';
  assert.equal(token.split('.').length, 3);
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string };
  assert.equal(claims.sub, 'system:serviceaccount:shop:admin');
  const expires = new Date(requested.status!.expirationTimestamp).getTime();
  assert.ok(Math.abs(expires - (started + 3_600_000)) < 5_000);
  await assert.rejects(core.createNamespacedServiceAccountToken({ name: 'nobody', namespace: 'shop', body: { spec: { audiences: [] } } }), kubeNotFound);
  const short = await statusOf(core.createNamespacedServiceAccountToken({ name: 'admin', namespace: 'shop', body: { spec: { audiences: [], expirationSeconds: 60 } } }));
  assert.equal(short.code, 422);
});

test('every namespace gets its default ServiceAccount, as the controller-manager makes it', async () => {
  await waitFor('the default ServiceAccount', async () => core.readNamespacedServiceAccount({ name: 'default', namespace: 'shop' }).then(() => true, () => false));
});
