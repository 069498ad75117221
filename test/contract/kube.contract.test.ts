import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  AdmissionregistrationV1Api, ApiException, ApisApi, ApiextensionsV1Api, AppsV1Api, CoreV1Api, DiscoveryV1Api, KubernetesObjectApi, PatchStrategy, PolicyV1Api, setHeaderOptions,
  type KubeConfig, type KubernetesObject, type V1Deployment, type V1PodDisruptionBudgetStatus,
} from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { checkGates } from '../../src/activities/addons/readiness';
import { createDashboardTokenActivity, dashboardAdminName, dashboardErrorTypes } from '../../src/activities/addons/dashboard';
import { createAppActivities } from '../../src/activities/app';
import { createAutoscalingCheckActivities } from '../../src/activities/autoscaling-check';
import { createDrainActivities } from '../../src/activities/drain';
import { computeTypeAnnotation } from '../../src/activities/coredns-fargate';
import { isApiMissing } from '../../src/activities/kube-calls';
import { createNodesReadyActivities } from '../../src/activities/nodes-ready';
import { paceFor } from '../../src/activities/pace';
import { appFrom } from '../fixtures/specs';
import { createControlPlanePki, type ControlPlanePki } from '../support/pki';
import { waitFor } from '../support/process';
import { contractNodegroup, realKubeBackend, simulatedKubeBackend, type KubeBackend } from './kube-backends';

/*
 * One suite of the Kubernetes behaviour eksflow relies on, run against a real control plane
 * (kube-apiserver, kube-controller-manager, kube-scheduler, KWOK) and against the simulated
 * apiserver (src/sim/kube), so the simulator cannot drift from what it stands in for. Where
 * eksflow has an activity or a readiness gate for the behaviour, the test goes through it.
 * Each test has a namespace of its own; every wait polls a condition.
 */

const environment = 'team-a/contract';
const applyAs = (objects: KubernetesObjectApi, object: KubernetesObject, manager: string, force: boolean) =>
  objects.patch(object, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
const eventually = <T>(what: string, observe: () => Promise<T | undefined | false>) => waitFor(what, observe, { timeoutMs: 60_000, intervalMs: 100 }) as Promise<T>;

/** The metav1 Status a refused call answered with. */
async function refusal(call: Promise<unknown>): Promise<{ code: number; reason: string; message: string; status: string }> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ApiException, String(error));
    const body = JSON.parse(error.body as string) as { code: number; reason: string; message: string; status: string };
    assert.equal(body.code, error.code, 'the Status code is the HTTP code');
    assert.equal(body.status, 'Failure');
    return body;
  }
  assert.fail('the call succeeded');
}

const configMap = (namespace: string, name: string, data: Record<string, string>, extra: Record<string, unknown> = {}): KubernetesObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...extra }, data } as KubernetesObject);

/** A Deployment made the way EKS makes CoreDNS: critical-addon toleration, pod template annotated for EC2. */
const corednsLike = (namespace: string, extra: { nodeSelector?: Record<string, string> } = {}): V1Deployment & KubernetesObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace, labels: { 'k8s-app': 'kube-dns' } },
  spec: {
    replicas: 2, selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    template: {
      metadata: { labels: { 'k8s-app': 'kube-dns' }, annotations: { [computeTypeAnnotation]: 'ec2' } },
      spec: {
        tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
        containers: [{ name: 'coredns', image: 'registry.example/coredns:1', resources: { requests: { cpu: '100m', memory: '70Mi' } } }],
        ...extra,
      },
    },
  },
});

/** An HTTPS admission webhook on loopback that refuses every request it is asked about. */
async function refusingWebhook(pki: ControlPlanePki): Promise<{ url: string; caBundle: string; asked: () => number; close: () => Promise<void> }> {
  let asked = 0;
  const server: Server = createServer({ cert: readFileSync(pki.servingCert), key: readFileSync(pki.servingKey) }, (request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      asked++;
      const review = JSON.parse(text) as { apiVersion: string; request: { uid: string } };
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({
        apiVersion: review.apiVersion, kind: 'AdmissionReview',
        response: { uid: review.request.uid, allowed: false, status: { code: 403, message: 'the contract refuses this ConfigMap' } },
      }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`, caBundle: readFileSync(pki.caCert).toString('base64'), asked: () => asked,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function contract(name: string, start: () => Promise<KubeBackend>) {
  describe(name, () => {
    let backend: KubeBackend;
    let config: KubeConfig;
    let core: CoreV1Api;
    let apps: AppsV1Api;
    let objects: KubernetesObjectApi;
    const pace = paceFor();
    before(async () => {
      backend = await start();
      config = backend.kubeConfig;
      core = config.makeApiClient(CoreV1Api);
      apps = config.makeApiClient(AppsV1Api);
      objects = KubernetesObjectApi.makeApiClient(config);
    });
    after(() => backend?.stop());
    let namespaces = 0;
    const freshNamespace = async (prefix: string, labels: Record<string, string> = {}) => {
      const namespace = `${prefix}-${++namespaces}`;
      await core.createNamespace({ body: { metadata: { name: namespace, labels } } });
      return namespace;
    };

    test('the node group\'s nodes are Ready', async () => {
      const { waitForNodesReady } = createNodesReadyActivities(backend.access, pace);
      const progress = await inActivity(waitForNodesReady, { cluster: backend.cluster, group: contractNodegroup, desired: backend.nodes });
      assert.deepEqual(progress, { ready: backend.nodes, joined: backend.nodes, desired: backend.nodes });
    });

    test('server-side apply records each field manager, refuses a conflicting apply with 409 unless forced, and hands the field over when forced', async () => {
      const namespace = await freshNamespace('ssa');
      const first = await applyAs(objects, configMap(namespace, 'settings', { color: 'blue', size: 'small' }), 'first', false);
      const owners = (object: KubernetesObject) => (object.metadata?.managedFields ?? []).map((entry) => ({ manager: entry.manager, operation: entry.operation, fields: entry.fieldsV1 }));
      assert.deepEqual(owners(first), [{ manager: 'first', operation: 'Apply', fields: { 'f:data': { 'f:color': {}, 'f:size': {} } } }]);

      const refused = await refusal(applyAs(objects, configMap(namespace, 'settings', { color: 'red' }), 'second', false));
      assert.equal(refused.code, 409);
      assert.equal(refused.reason, 'Conflict');
      assert.equal(refused.message, 'Apply failed with 1 conflict: conflict with "first": .data.color');

      const forced = await applyAs(objects, configMap(namespace, 'settings', { color: 'red' }), 'second', true);
      assert.deepEqual((forced as { data?: Record<string, string> }).data, { color: 'red', size: 'small' });
      const byManager = new Map(owners(forced).map((entry) => [entry.manager, entry.fields]));
      assert.deepEqual(byManager.get('first'), { 'f:data': { 'f:size': {} } });
      assert.deepEqual(byManager.get('second'), { 'f:data': { 'f:color': {} } });
      // The same apply again changes nothing: no new resourceVersion.
      const again = await applyAs(objects, configMap(namespace, 'settings', { color: 'red' }), 'second', true);
      assert.equal(again.metadata?.resourceVersion, forced.metadata?.resourceVersion);
    });

    test('a finalizer keeps a deleted object, deletionTimestamp set, until it is removed', async () => {
      const namespace = await freshNamespace('finalizer');
      await objects.create(configMap(namespace, 'held', { a: '1' }, { finalizers: ['contract.eksflow.io/hold'] }));
      await core.deleteNamespacedConfigMap({ name: 'held', namespace });
      const held = await core.readNamespacedConfigMap({ name: 'held', namespace });
      assert.ok(held.metadata?.deletionTimestamp, 'deletionTimestamp is set');
      assert.deepEqual(held.metadata?.finalizers, ['contract.eksflow.io/hold']);
      await core.patchNamespacedConfigMap({ name: 'held', namespace, body: { metadata: { finalizers: null } } }, mergePatch);
      assert.equal((await refusal(core.readNamespacedConfigMap({ name: 'held', namespace }))).code, 404);
    });

    test('the app: applied, rolled out with every replica available, reachable through ready EndpointSlices; its HPA says why it cannot scale without a metrics API', async () => {
      const app = appFrom({ name: 'web', namespace: 'contract-app', replicas: 2, containerPort: 8080, requests: { cpu: '100m', memory: '64Mi' }, hpa: { minReplicas: 2, maxReplicas: 4, targetCpuUtilization: 60 } });
      const { applyApp, appRollout } = createAppActivities(backend.access, pace);
      const applied = await applyApp({ cluster: backend.cluster, environment, app, image: 'registry.example/web:1', runId: 'run-1' });
      assert.deepEqual(applied.applied, ['Namespace/contract-app', 'Deployment/web', 'Service/web', 'HorizontalPodAutoscaler/web']);
      const live = await apps.readNamespacedDeployment({ name: 'web', namespace: 'contract-app' });
      assert.ok(live.metadata?.managedFields?.some((entry) => entry.manager === 'eksflow' && entry.operation === 'Apply'), 'eksflow owns what it applied');

      const rollout = await eventually('the rollout to complete', async () => {
        const look = await appRollout({ cluster: backend.cluster, app });
        return look.status === 'complete' && look;
      });
      assert.deepEqual(rollout, { status: 'complete', generation: applied.generation, observedGeneration: applied.generation, replicas: 2, updated: 2, available: 2, message: '2 of 2 replicas updated and available' });
      const deployment = await apps.readNamespacedDeployment({ name: 'web', namespace: 'contract-app' });
      const conditions = new Map(deployment.status?.conditions?.map((c) => [c.type, c]));
      assert.equal(conditions.get('Available')?.status, 'True');
      assert.equal(conditions.get('Available')?.reason, 'MinimumReplicasAvailable');
      assert.equal(conditions.get('Progressing')?.status, 'True');
      assert.equal(conditions.get('Progressing')?.reason, 'NewReplicaSetAvailable');

      const gates = await eventually('the app\'s gates', async () => {
        const report = await checkGates(config, [
          { kind: 'deployment-available', namespace: 'contract-app', name: 'web' },
          { kind: 'service-endpoints-ready', namespace: 'contract-app', name: 'web' },
        ]);
        // Ready once one endpoint is: the EndpointSlice controller adds the second when it gets to it.
        return report.ready && report.gates[1]?.detail === '2 ready endpoints' && report;
      });
      assert.deepEqual(gates.gates.map((gate) => gate.detail), ['2/2 replicas available', '2 ready endpoints']);
      const slices = (await config.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: 'contract-app', labelSelector: 'kubernetes.io/service-name=web' })).items;
      assert.equal(slices.length, 1);
      assert.equal(slices[0]!.addressType, 'IPv4');
      assert.deepEqual(slices[0]!.ports?.map((port) => port.port), [8080]);
      assert.deepEqual(slices[0]!.endpoints.map((endpoint) => endpoint.targetRef?.kind), ['Pod', 'Pod']);

      const { verifyAutoscaling } = createAutoscalingCheckActivities(backend.access);
      const observed = await eventually('the HPA controller to report on the HPA', async () => {
        const observation = await verifyAutoscaling({ cluster: backend.cluster, app, clusterAutoscaler: false });
        return observation.checks[0]?.detail.startsWith('not scaling') && observation;
      });
      assert.equal(observed.status, 'waiting');
      const hpa = (await objects.read({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'contract-app' } })) as KubernetesObject & { status: { conditions: { type: string; status: string; reason: string; message: string }[] } };
      const scalingActive = hpa.status.conditions.find((c) => c.type === 'ScalingActive');
      assert.equal(scalingActive?.status, 'False');
      assert.equal(scalingActive?.reason, 'FailedGetResourceMetric');
      assert.match(scalingActive?.message ?? '', /^the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource \(get pods\.metrics\.k8s\.io\)$/);
      assert.equal(hpa.status.conditions.find((c) => c.type === 'AbleToScale')?.status, 'True');

      // Applied again, eksflow leaves spec.replicas to the HPA: handed over, never reset to the default of 1.
      await applyApp({ cluster: backend.cluster, environment, app, image: 'registry.example/web:1', runId: 'run-1' });
      const handedOver = await apps.readNamespacedDeployment({ name: 'web', namespace: 'contract-app' });
      assert.equal(handedOver.spec?.replicas, 2);
      const ownsReplicas = (manager: string) => handedOver.metadata?.managedFields?.some((entry) => entry.manager === manager
        && (entry.fieldsV1 as { 'f:spec'?: Record<string, unknown> } | undefined)?.['f:spec']?.['f:replicas'] !== undefined);
      assert.equal(ownsReplicas('eksflow'), false);
      assert.equal(ownsReplicas('eksflow-replicas-handover'), true);
    });

    test('without a metrics API an HPA still holds its target within minReplicas and maxReplicas', async () => {
      const namespace = await freshNamespace('hpa');
      const deployment = corednsLike(namespace);
      await objects.create({ ...deployment, metadata: { ...deployment.metadata, name: 'below' }, spec: { ...deployment.spec!, replicas: 1 } } as KubernetesObject);
      await objects.create({
        apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'below', namespace },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'below' }, minReplicas: 2, maxReplicas: 4,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
        },
      } as KubernetesObject);
      await eventually('the HPA to raise the Deployment to its minimum', async () => (await apps.readNamespacedDeployment({ name: 'below', namespace })).spec?.replicas === 2);
      const hpa = await eventually('the HPA status to say so', async () => {
        const live = await objects.read({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'below', namespace } }) as KubernetesObject & { status?: { desiredReplicas?: number; conditions?: { type: string; status: string; reason: string }[] } };
        return live.status?.desiredReplicas === 2 && live;
      });
      assert.equal(hpa.status?.conditions?.find((c) => c.type === 'AbleToScale')?.status, 'True');
    });

    test('namespace deletion: its contents are deleted first, a finalizer holds it Terminating, and then it is NotFound', async () => {
      const app = appFrom({ name: 'doomed', namespace: 'contract-doomed', replicas: 1, containerPort: 8080 });
      const { applyApp, deleteApp } = createAppActivities(backend.access, pace);
      await applyApp({ cluster: backend.cluster, environment, app, image: 'registry.example/web:1' });
      await objects.create(configMap('contract-doomed', 'held', { a: '1' }, { finalizers: ['contract.eksflow.io/hold'] }));
      assert.deepEqual(await deleteApp({ cluster: backend.cluster, app }), { status: 'deleting' });
      const namespace = await core.readNamespace({ name: 'contract-doomed' });
      assert.ok(namespace.metadata?.deletionTimestamp);
      assert.equal(namespace.status?.phase, 'Terminating');
      // Asked again while terminating: still deleting, not a 409 from deleting it twice.
      assert.deepEqual(await deleteApp({ cluster: backend.cluster, app }), { status: 'deleting' });
      const refused = await refusal(objects.create(configMap('contract-doomed', 'late', { a: '1' })));
      assert.equal(refused.code, 403);
      assert.match(refused.message, /unable to create new content in namespace contract-doomed because it is being terminated/);
      await eventually('the namespace controller to delete the contents', async () => {
        const held = await core.readNamespacedConfigMap({ name: 'held', namespace: 'contract-doomed' });
        const left = await apps.listNamespacedDeployment({ namespace: 'contract-doomed' });
        return Boolean(held.metadata?.deletionTimestamp) && left.items.length === 0;
      });
      assert.deepEqual(await deleteApp({ cluster: backend.cluster, app }), { status: 'deleting' });
      await core.patchNamespacedConfigMap({ name: 'held', namespace: 'contract-doomed', body: { metadata: { finalizers: null } } }, mergePatch);
      await eventually('the namespace to go', async () => (await deleteApp({ cluster: backend.cluster, app })).status === 'gone');
      assert.equal((await refusal(core.readNamespace({ name: 'contract-doomed' }))).code, 404);
    });

    test('TokenRequest gives a ServiceAccount a bearer token that expires when asked', async () => {
      const namespace = await freshNamespace('token');
      await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: dashboardAdminName } } });
      const { dashboardLoginToken } = createDashboardTokenActivity(backend.access);
      const asked = Date.now();
      const login = await dashboardLoginToken({ cluster: backend.cluster, namespace, expirationSeconds: 600 });
      assert.equal(login.username, `system:serviceaccount:${namespace}:${dashboardAdminName}`);
      const claims = JSON.parse(Buffer.from(login.token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string; exp: number; iat: number; aud: string[] };
      assert.equal(claims.sub, login.username);
      assert.equal(claims.exp - claims.iat, 600);
      assert.ok(Math.abs(new Date(login.expiresAt).getTime() - (asked + 600_000)) < 10_000, `expires in 10 minutes: ${login.expiresAt}`);
      // The apiserver's own audience (EKS: https://kubernetes.default.svc; the test bed: its issuer).
      assert.equal(claims.aud.length, 1);
      const tooShort = await refusal(core.createNamespacedServiceAccountToken({
        name: dashboardAdminName, namespace, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: 300 } },
      }));
      assert.equal(tooShort.code, 422);
      assert.match(tooShort.message, /spec\.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/);
      await assert.rejects(dashboardLoginToken({ cluster: backend.cluster, namespace: 'kube-public' }), (error: unknown) => {
        assert.ok(error instanceof ApplicationFailure);
        assert.equal(error.type, dashboardErrorTypes.notInstalled);
        return true;
      });
    });

    test('a validating webhook that refuses: the apiserver answers with its status and names it; one that cannot be reached fails closed with 500', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'eksflow-webhook-'));
      const webhook = await refusingWebhook(await createControlPlanePki(dir));
      const namespace = await freshNamespace('webhook', { 'contract.eksflow.io/webhook': 'on' });
      const admission = config.makeApiClient(AdmissionregistrationV1Api);
      const configuration = (name: string, url: string) => ({
        metadata: { name },
        webhooks: [{
          name: `${name}.contract.eksflow.io`, clientConfig: { url: `${url}/validate`, caBundle: webhook.caBundle },
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
          namespaceSelector: { matchLabels: { 'contract.eksflow.io/webhook': 'on' } },
          failurePolicy: 'Fail', sideEffects: 'None', admissionReviewVersions: ['v1'], timeoutSeconds: 5,
        }],
      });
      try {
        await admission.createValidatingWebhookConfiguration({ body: configuration('refuse', webhook.url) });
        const refused = await eventually('the webhook to be in force', async () => {
          try {
            await objects.create(configMap(namespace, 'refused', { a: '1' }));
            await core.deleteNamespacedConfigMap({ name: 'refused', namespace });
            return undefined;
          } catch (error) {
            return refusal(Promise.reject(error));
          }
        });
        assert.equal(refused.code, 403);
        assert.equal(refused.message, 'admission webhook "refuse.contract.eksflow.io" denied the request: the contract refuses this ConfigMap');
        assert.ok(webhook.asked() > 0);
        await admission.deleteValidatingWebhookConfiguration({ name: 'refuse' });

        await webhook.close();
        await admission.createValidatingWebhookConfiguration({ body: configuration('unreachable', webhook.url) });
        const failed = await eventually('the unreachable webhook to be in force', async () => {
          try {
            await objects.create(configMap(namespace, 'unreachable', { a: '1' }));
            await core.deleteNamespacedConfigMap({ name: 'unreachable', namespace });
            return undefined;
          } catch (error) {
            return refusal(Promise.reject(error));
          }
        });
        assert.equal(failed.code, 500);
        assert.equal(failed.reason, 'InternalError');
        assert.ok(failed.message.startsWith(`Internal error occurred: failed calling webhook "unreachable.contract.eksflow.io": failed to call webhook: Post "${webhook.url}/validate?timeout=5s": `), failed.message);
      } finally {
        await admission.deleteValidatingWebhookConfiguration({ name: 'refuse' }).catch(() => undefined);
        await admission.deleteValidatingWebhookConfiguration({ name: 'unreachable' }).catch(() => undefined);
        await webhook.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('discovery: a group not served is missing to KubernetesObjectApi; a CRD\'s group and kind are served once it is Established', async () => {
      const missing = await KubernetesObjectApi.makeApiClient(config).create({ apiVersion: 'widgets.contract.eksflow.io/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' } }).catch((error: unknown) => error);
      assert.ok(isApiMissing(missing), String(missing));
      await config.makeApiClient(ApiextensionsV1Api).createCustomResourceDefinition({ body: {
        metadata: { name: 'widgets.widgets.contract.eksflow.io' },
        spec: {
          group: 'widgets.contract.eksflow.io', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
        },
      } });
      const gate = await eventually('the CRD Established', async () => {
        const report = await checkGates(config, [{ kind: 'crd-established', name: 'widgets.widgets.contract.eksflow.io' }]);
        return report.ready && report;
      });
      assert.deepEqual(gate.gates[0], { gate: 'CRD widgets.widgets.contract.eksflow.io established', ok: true, detail: 'Established' });
      const made = await eventually('a Widget to be made', async () => KubernetesObjectApi.makeApiClient(config)
        .create({ apiVersion: 'widgets.contract.eksflow.io/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { size: 3 } } as KubernetesObject).catch(() => undefined));
      assert.equal(made.kind, 'Widget');
      const list = await config.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: 'widgets.widgets.contract.eksflow.io' });
      assert.deepEqual(list.status?.acceptedNames?.kind, 'Widget');
      const group = (await config.makeApiClient(ApisApi).getAPIVersions()).groups.find((g) => g.name === 'widgets.contract.eksflow.io');
      assert.deepEqual({ ...group?.preferredVersion }, { groupVersion: 'widgets.contract.eksflow.io/v1', version: 'v1' });
      const served = new Map((await core.getAPIResources()).resources.map((resource) => [resource.name, resource]));
      const subresource = (name: string) => ({ kind: served.get(name)?.kind, group: served.get(name)?.group, version: served.get(name)?.version, verbs: served.get(name)?.verbs });
      assert.deepEqual(subresource('serviceaccounts/token'), { kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] });
      assert.deepEqual(subresource('namespaces/finalize'), { kind: 'Namespace', group: undefined, version: undefined, verbs: ['update'] });
      assert.equal(served.get('namespaces')?.namespaced, false);
      const resources = await objects.list('widgets.contract.eksflow.io/v1', 'Widget', 'default');
      assert.deepEqual(resources.items.map((item) => item.metadata?.name), ['w']);
    });

    test('a CoreDNS-like Deployment: scheduled with its critical-addon toleration, rolled again by the compute-type patch, Unschedulable when its nodeSelector matches no node', async () => {
      const namespace = await freshNamespace('coredns');
      await objects.create(corednsLike(namespace));
      const available = async () => {
        const report = await checkGates(config, [{ kind: 'deployment-available', namespace, name: 'coredns' }]);
        return report.ready;
      };
      await eventually('CoreDNS available on the nodes', available);
      // The patch runCorednsOnFargate sends: the template changes, so the Deployment rolls.
      const patched = await objects.patch(
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace }, spec: { template: { metadata: { annotations: { [computeTypeAnnotation]: 'fargate' } } } } } as KubernetesObject,
        undefined, undefined, 'eksflow', undefined, PatchStrategy.MergePatch,
      ) as V1Deployment;
      assert.equal(patched.metadata?.generation, 2);
      assert.equal(patched.spec?.template.metadata?.annotations?.[computeTypeAnnotation], 'fargate');
      await eventually('the patched CoreDNS rolled out', async () => {
        const pods = (await core.listNamespacedPod({ namespace, labelSelector: 'k8s-app=kube-dns' })).items.filter((pod) => !pod.metadata?.deletionTimestamp);
        return await available() && pods.length === 2 && pods.every((pod) => pod.metadata?.annotations?.[computeTypeAnnotation] === 'fargate' && pod.status?.phase === 'Running' && pod.spec?.nodeName);
      });

      const stranded = await freshNamespace('stranded');
      await objects.create(corednsLike(stranded, { nodeSelector: { [computeTypeAnnotation]: 'fargate' } }));
      const pending = await eventually('the pods to be found Unschedulable', async () => {
        const pods = (await core.listNamespacedPod({ namespace: stranded })).items;
        const conditions = pods.map((pod) => pod.status?.conditions?.find((c) => c.type === 'PodScheduled'));
        return pods.length === 2 && conditions.every((c) => c?.status === 'False') && conditions;
      });
      for (const condition of pending) {
        assert.equal(condition?.reason, 'Unschedulable');
        assert.equal(condition?.message, `0/${backend.nodes} nodes are available: ${backend.nodes} node(s) didn't match Pod's node affinity/selector. no new claims to deallocate, preemption: 0/${backend.nodes} nodes are available: ${backend.nodes} Preemption is not helpful for scheduling.`);
      }
    });

    test('a pod that asks for more CPU than any node has is Unschedulable, and preemption would not help', async () => {
      const namespace = await freshNamespace('greedy');
      await core.createNamespacedPod({ namespace, body: { metadata: { name: 'greedy' }, spec: { containers: [{ name: 'c', image: 'registry.example/c:1', resources: { requests: { cpu: '100' } } }] } } });
      const condition = await eventually('the pod to be found Unschedulable', async () => {
        const scheduled = (await core.readNamespacedPod({ name: 'greedy', namespace })).status?.conditions?.find((c) => c.type === 'PodScheduled');
        return scheduled?.status === 'False' && scheduled;
      });
      assert.equal(condition.reason, 'Unschedulable');
      assert.equal(condition.message, `0/${backend.nodes} nodes are available: ${backend.nodes} Insufficient cpu. no new claims to deallocate, preemption: 0/${backend.nodes} nodes are available: ${backend.nodes} Preemption is not helpful for scheduling.`);
    });

    test('a pod that tolerates no taint of any node is Unschedulable, in the scheduler\'s words', async () => {
      const namespace = await freshNamespace('tainted');
      const names = (await core.listNode({ labelSelector: `eks.amazonaws.com/nodegroup=${contractNodegroup}` })).items.map((node) => node.metadata!.name!);
      const taint = { key: 'contract.eksflow.io/hold', value: 'yes', effect: 'NoSchedule' };
      const setTaints = (add: boolean) => Promise.all(names.map(async (name) => {
        const node = await core.readNode({ name });
        const taints = (node.spec?.taints ?? []).filter((t) => t.key !== taint.key);
        await core.patchNode({ name, body: { spec: { taints: add ? [...taints, taint] : taints } } }, mergePatch);
      }));
      await setTaints(true);
      try {
        await core.createNamespacedPod({ namespace, body: { metadata: { name: 'held-off' }, spec: { containers: [{ name: 'c', image: 'registry.example/c:1' }] } } });
        const condition = await eventually('the pod to be found Unschedulable', async () => {
          const pod = await core.readNamespacedPod({ name: 'held-off', namespace });
          const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
          return scheduled?.status === 'False' && scheduled;
        });
        assert.equal(condition.reason, 'Unschedulable');
        assert.equal(condition.message, `0/${backend.nodes} nodes are available: ${backend.nodes} node(s) had untolerated taint(s). no new claims to deallocate, preemption: 0/${backend.nodes} nodes are available: ${backend.nodes} Preemption is not helpful for scheduling.`);
      } finally {
        // Gone before the taints are: once they are, it would be placed, and a later case's
        // drain would meet a pod with no controller on its node.
        await core.deleteNamespacedPod({ name: 'held-off', namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
        await setTaints(false);
      }
    });

    test('PodDisruptionBudgets: the disruption controller computes the status; an eviction that would break the budget is refused 429 in the apiserver\'s words; once another replica is Ready it is accepted and the pod goes', async () => {
      const namespace = await freshNamespace('pdb');
      const policy = config.makeApiClient(PolicyV1Api);
      const labels = { app: 'web' };
      await apps.createNamespacedDeployment({ namespace, body: {
        metadata: { name: 'web' },
        spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'registry.example/web:1' }] } } },
      } });
      await policy.createNamespacedPodDisruptionBudget({ namespace, body: { metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: labels } } } });
      const budgetWhen = (what: string, wanted: (status: V1PodDisruptionBudgetStatus) => boolean) => eventually(what, async () => {
        const status = (await policy.readNamespacedPodDisruptionBudget({ name: 'web', namespace })).status;
        return status && wanted(status) && status;
      });
      const tight = await budgetWhen('the budget computed over 2 Ready pods', (status) => status.currentHealthy === 2);
      assert.deepEqual({ ...tight, conditions: tight.conditions?.map((c) => ({ type: c.type, status: c.status, reason: c.reason, observedGeneration: c.observedGeneration })) },
        { observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 2, conditions: [{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', observedGeneration: 1 }] });

      const [victim] = (await core.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items;
      const eviction = (name: string) => core.createNamespacedPodEviction({ name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } } });
      const refused = await refusal(eviction(victim!.metadata!.name!)) as Awaited<ReturnType<typeof refusal>> & { details?: unknown };
      assert.equal(refused.code, 429);
      assert.equal(refused.reason, 'TooManyRequests');
      assert.equal(refused.message, 'Cannot evict pod as it would violate the pod\'s disruption budget.');
      assert.deepEqual(refused.details, { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }] });

      await apps.patchNamespacedDeployment({ name: 'web', namespace, body: { spec: { replicas: 3 } } }, mergePatch);
      const loose = await budgetWhen('a disruption allowed with a third Ready replica', (status) => status.disruptionsAllowed === 1);
      assert.deepEqual([loose.currentHealthy, loose.desiredHealthy, loose.expectedPods], [3, 2, 3]);
      const accepted = await core.createNamespacedPodEvictionWithHttpInfo({ name: victim!.metadata!.name!, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: victim!.metadata!.name!, namespace } } });
      assert.equal(accepted.httpStatusCode, 201);
      await eventually('the evicted pod to be gone', async () => {
        try {
          await core.readNamespacedPod({ name: victim!.metadata!.name!, namespace });
          return false;
        } catch (error) {
          return error instanceof ApiException && error.code === 404;
        }
      });
    });

    test('a drain: cordoned, held by a budget with no disruption to spare (DrainBlocked names pod, budget and node), done once the budget allows one, its pods on the other node', async () => {
      const namespace = await freshNamespace('drain');
      const policy = config.makeApiClient(PolicyV1Api);
      const labels = { app: 'cart' };
      await apps.createNamespacedDeployment({ namespace, body: {
        metadata: { name: 'cart' },
        spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'cart', image: 'registry.example/cart:1' }] } } },
      } });
      await policy.createNamespacedPodDisruptionBudget({ namespace, body: { metadata: { name: 'cart' }, spec: { minAvailable: 2, selector: { matchLabels: labels } } } });
      const readyPods = async () => (await core.listNamespacedPod({ namespace, labelSelector: 'app=cart' })).items
        .filter((pod) => !pod.metadata?.deletionTimestamp && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      const placed = await eventually('2 cart pods Ready', async () => ((await readyPods()).length === 2) && readyPods());
      await eventually('the budget computed', async () => (await policy.readNamespacedPodDisruptionBudget({ name: 'cart', namespace })).status?.currentHealthy === 2);
      const drained = placed[0]!.spec!.nodeName!;
      const held = placed.filter((pod) => pod.spec?.nodeName === drained).map((pod) => `${namespace}/${pod.metadata!.name}`).sort();
      // A tenth of the durations: stuck after 2 s, evictions retried every 0.5 s.
      const { drainNodes } = createDrainActivities(backend.access, (ms) => ms / 10);
      try {
        const failure = await inActivity(drainNodes, { cluster: backend.cluster, nodes: [drained], stuckAfterSeconds: 20 }).then(() => undefined, (error: unknown) => error);
        assert.ok(failure instanceof ApplicationFailure && failure.type === 'DrainBlocked', String(failure));
        assert.deepEqual((failure.details?.[0] as { blockers: unknown[] }).blockers,
          held.map((pod) => ({ pod, node: drained, pdb: `${namespace}/cart`, kind: 'disruptionBudget', reason: 'minAvailable 2 with 2 healthy: 0 disruptions allowed' })));
        assert.equal((await core.readNode({ name: drained })).spec?.unschedulable, true);

        await policy.patchNamespacedPodDisruptionBudget({ name: 'cart', namespace, body: { spec: { minAvailable: 1 } } }, mergePatch);
        const done = await inActivity(drainNodes, { cluster: backend.cluster, nodes: [drained], stuckAfterSeconds: 20 });
        assert.deepEqual([done.remaining, done.evicted, done.forced], [0, held.length, []]);
        await eventually('2 cart pods Ready off the drained node', async () => {
          const pods = await readyPods();
          return pods.length === 2 && pods.every((pod) => pod.spec?.nodeName !== drained);
        });
      } finally {
        await core.patchNode({ name: drained, body: { spec: { unschedulable: false } } }, mergePatch);
      }
    });
  });
}

contract('real apiserver + KWOK', realKubeBackend);
contract('simulated apiserver (src/sim/kube)', simulatedKubeBackend);
