import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdmissionregistrationV1Api, ApiextensionsV1Api, AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { AddonContext, AddonReadiness } from '../../../src/activities/addons/addon-module';
import { verticalPodAutoscalerAddon, verticalPodAutoscalerValues } from '../../../src/activities/addons/vertical-pod-autoscaler';
import { kubeNotFound } from '../../../src/activities/kube-calls';
import { addonCatalog } from '../../../src/domain/addon-catalog';
import { addonBedPerFile, isGone } from '../../support/addon-bed';
import { waitFor } from '../../support/process';

const bed = addonBedPerFile({ nodes: 2 });

const options = { 'vertical-pod-autoscaler': {}, 'metrics-server': { method: 'helm' as const } };
const context: AddonContext = {
  cluster: 'demo', region: 'us-east-1', kubernetesVersion: '1.35', owner: { environmentId: 'team-a/demo', runId: 'run-1' }, options,
  roleArn: 'arn:aws:iam::123456789012:role/x',
};
const resolved = addonCatalog.get('vertical-pod-autoscaler')!.resolve(options, '1.35');
const addon = () => verticalPodAutoscalerAddon(bed.tools, resolved);
const inActivity = <R>(fn: () => Promise<R>) => new MockActivityEnvironment().run(fn) as Promise<R>;
const crdName = 'verticalpodautoscalers.autoscaling.k8s.io';

test('the chart values turn on the recommender, the updater and the admission controller with its webhook', () => {
  assert.deepEqual(verticalPodAutoscalerValues(), {
    recommender: { enabled: true },
    updater: { enabled: true },
    admissionController: { enabled: true, generateCertificate: true, registerWebhook: false, mutatingWebhookConfiguration: { failurePolicy: 'Ignore' } },
    'metrics-server': { enabled: false },
  });
});

test('before install every gate says what is missing', async () => {
  const readiness = await addon().isReady(context);
  assert.equal(readiness.ready, false);
  assert.deepEqual(readiness.gates, [
    { gate: `CRD ${crdName} established`, ok: false, detail: 'the CRD does not exist yet' },
    { gate: 'deployment vpa/vpa-recommender available', ok: false, detail: 'the Deployment does not exist yet' },
    { gate: 'deployment vpa/vpa-updater available', ok: false, detail: 'the Deployment does not exist yet' },
    { gate: 'deployment vpa/vpa-admission-controller available', ok: false, detail: 'the Deployment does not exist yet' },
    { gate: 'service vpa/vpa-webhook has ready endpoints', ok: false, detail: 'no ready endpoints: a webhook there would refuse requests' },
  ]);
});

test('install brings the CRD, the three Deployments and the webhook Service, and every gate comes to hold', async () => {
  const installed = await inActivity(() => addon().install(context));
  assert.equal(installed.summary, 'helm vpa 4.8.0 revision 1 deployed');

  const readiness = await waitFor('the VPA ready', async () => {
    const seen: AddonReadiness = await addon().isReady(context);
    return seen.ready && seen;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  assert.deepEqual(readiness.gates, [
    { gate: `CRD ${crdName} established`, ok: true, detail: 'Established' },
    { gate: 'deployment vpa/vpa-recommender available', ok: true, detail: '1/1 replicas available' },
    { gate: 'deployment vpa/vpa-updater available', ok: true, detail: '1/1 replicas available' },
    { gate: 'deployment vpa/vpa-admission-controller available', ok: true, detail: '1/1 replicas available' },
    { gate: 'service vpa/vpa-webhook has ready endpoints', ok: true, detail: '1 ready endpoint' },
  ]);
  const service = await bed.cluster.kubeConfig.makeApiClient(CoreV1Api).readNamespacedService({ name: 'vpa-webhook', namespace: 'vpa' });
  assert.equal(service.spec?.selector?.['app.kubernetes.io/component'], 'admission-controller');

  // The chart's own webhook registration (registerWebhook: false leaves it to helm), pointed at
  // that Service and failing open; the controller reads the certificate the certgen hook makes.
  const deployment = await bed.cluster.kubeConfig.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'vpa-admission-controller', namespace: 'vpa' });
  assert.equal(deployment.metadata?.labels?.['helm.sh/chart'], 'vpa-4.8.0', 'the upstream chart itself');
  assert.ok(deployment.spec?.template.spec?.containers[0]?.args?.includes('--register-webhook=false'));
  assert.deepEqual(deployment.spec?.template.spec?.volumes?.map((v) => v.secret?.secretName), ['vpa-tls-secret']);
  const webhook = await bed.cluster.kubeConfig.makeApiClient(AdmissionregistrationV1Api).readMutatingWebhookConfiguration({ name: 'vpa-webhook-config' });
  assert.equal(webhook.metadata?.annotations?.['meta.helm.sh/release-name'], 'vpa', 'a release object, so helm uninstall removes it');
  assert.deepEqual(webhook.webhooks?.map((w) => [w.name, w.failurePolicy, { ...w.clientConfig.service }]), [
    ['vpa.k8s.io', 'Ignore', { name: 'vpa-webhook', namespace: 'vpa', port: 443 }],
  ]);
  // The certificate hooks ran and, having succeeded, were deleted (hook-delete-policy hook-succeeded).
  assert.ok(await isGone(bed.cluster.kubeConfig.makeApiClient(BatchV1Api).readNamespacedJob({ name: 'vpa-admission-certgen', namespace: 'vpa' })));
  assert.ok(await isGone(bed.cluster.kubeConfig.makeApiClient(BatchV1Api).readNamespacedJob({ name: 'vpa-admission-certgen-patch', namespace: 'vpa' })));
  assert.ok(await isGone(bed.cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api).readClusterRole({ name: 'vpa-admission-certgen' })));
});

test('after install the apiserver serves VerticalPodAutoscaler objects', async () => {
  const crd = await bed.cluster.kubeConfig.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: crdName });
  assert.ok(crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
  const objects = bed.cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const vpa = {
    apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'web', namespace: 'default' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, updatePolicy: { updateMode: 'Off' } },
  };
  await objects.createNamespacedCustomObject({ group: 'autoscaling.k8s.io', version: 'v1', namespace: 'default', plural: 'verticalpodautoscalers', body: vpa });
  const read = await objects.getNamespacedCustomObject({ group: 'autoscaling.k8s.io', version: 'v1', namespace: 'default', plural: 'verticalpodautoscalers', name: 'web' }) as typeof vpa;
  assert.equal(read.spec.updatePolicy.updateMode, 'Off');
  // The CRD's schema is enforced: a mode the VPA does not know is refused.
  await assert.rejects(objects.createNamespacedCustomObject({
    group: 'autoscaling.k8s.io', version: 'v1', namespace: 'default', plural: 'verticalpodautoscalers',
    body: { ...vpa, metadata: { name: 'bad', namespace: 'default' }, spec: { ...vpa.spec, updatePolicy: { updateMode: 'Sometimes' } } },
  }), (error: unknown) => {
    const { code, body } = error as { code?: number; body?: string };
    assert.equal(code, 422);
    assert.match(body ?? '', /spec\.updatePolicy\.updateMode: Unsupported value/);
    return true;
  });
});

test('installing again is an upgrade to the same chart, still ready', async () => {
  assert.equal((await inActivity(() => addon().install(context))).summary, 'helm vpa 4.8.0 revision 2 deployed');
  assert.equal((await addon().isReady(context)).ready, true);
});

test('uninstall removes the release\'s Deployments, Service and webhook configuration; the CRD stays, as helm leaves crds/; a second uninstall removes nothing', async () => {
  assert.deepEqual(await inActivity(() => addon().uninstall(context)), { removed: true });
  const apps = bed.cluster.kubeConfig.makeApiClient(AppsV1Api);
  for (const name of ['vpa-recommender', 'vpa-updater', 'vpa-admission-controller']) {
    await assert.rejects(apps.readNamespacedDeployment({ name, namespace: 'vpa' }), (error: unknown) => kubeNotFound(error));
  }
  await assert.rejects(bed.cluster.kubeConfig.makeApiClient(CoreV1Api).readNamespacedService({ name: 'vpa-webhook', namespace: 'vpa' }), (error: unknown) => kubeNotFound(error));
  assert.ok(await isGone(bed.cluster.kubeConfig.makeApiClient(AdmissionregistrationV1Api).readMutatingWebhookConfiguration({ name: 'vpa-webhook-config' })), 'no webhook left pointing at nothing');
  await bed.cluster.kubeConfig.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: crdName });
  assert.deepEqual(await inActivity(() => addon().uninstall(context)), { removed: false });
  assert.equal((await addon().isReady(context)).ready, false);
});
