import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  ApiextensionsV1Api, ApiregistrationV1Api, AppsV1Api, AutoscalingV2Api, CoreV1Api, CustomObjectsApi, loadYaml, NetworkingV1Api, PatchStrategy, setHeaderOptions,
  type V1CustomResourceDefinition, type V1Deployment,
} from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createAppActivities, type AppRollout } from '../../src/activities/app';
import { kubeNotFound } from '../../src/activities/kube-calls';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import { createLoadBalancedObjectActivities, type LoadBalancedObjectsProgress } from '../../src/activities/load-balanced-objects';
import { fieldManagers } from '../../src/domain/app-manifests';
import type { AppSpec } from '../../src/domain/environment-spec';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { playLoadBalancerController } from '../support/played-load-balancer-controller';
import { waitFor } from '../support/process';
import { appFrom } from '../fixtures/specs';

let cluster: KubeControlPlane;
let activities: ReturnType<typeof createAppActivities>;
let loadBalanced: ReturnType<typeof createLoadBalancedObjectActivities>;
let apps: AppsV1Api;
let core: CoreV1Api;
before(async () => {
  cluster = await kubeControlPlane({ nodes: 2 });
  const access = kubeconfigAccess(cluster.kubeconfigPath);
  activities = createAppActivities(access);
  loadBalanced = createLoadBalancedObjectActivities(access);
  apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  stopLoadBalancerController = playLoadBalancerController(cluster, { gate: (step) => loadBalancerControllerMay[step] });
});
after(async () => {
  await stopLoadBalancerController?.();
  await cluster?.stop();
});

// The AWS Load Balancer Controller, played beside the apiserver (test/support/played-load-balancer-controller.ts);
// each step held until a test lets it, so what a test reads does not depend on speed.
let stopLoadBalancerController: (() => Promise<void>) | undefined;
const loadBalancerControllerMay = { provision: false, deprovision: true };

// The test bed's kubeconfig has no context named after the cluster: its current one is used.
const target = 'test-bed';
const environment = 'team-a/demo';


const web = appFrom({
  name: 'web', namespace: 'shop', replicas: 2, containerPort: 8080, requests: { cpu: '100m', memory: '64Mi' },
  env: { GREETING: 'hello' }, healthCheck: { path: '/healthz' }, hpa: { minReplicas: 2, maxReplicas: 5, targetCpuUtilization: 60 },
});
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const readWeb = () => apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
const ownsReplicas = (deployment: V1Deployment, manager: string) => deployment.metadata?.managedFields?.some((entry) => entry.manager === manager
  && (entry.fieldsV1 as { 'f:spec'?: Record<string, unknown> })['f:spec']?.['f:replicas'] !== undefined) ?? false;

/** Polls appRollout as the workflow would, keeping every observation. */
async function rolloutUntil(app: AppSpec, done: (rollout: AppRollout) => boolean, timeoutMs = 60_000): Promise<AppRollout[]> {
  const seen: AppRollout[] = [];
  await waitFor(`the rollout of ${app.name}`, async () => {
    const rollout = await activities.appRollout({ cluster: target, app });
    seen.push(rollout);
    return done(rollout);
  }, { timeoutMs, intervalMs: 200 });
  return seen;
}

test('applyApp makes the namespace, Deployment, NLB Service and HPA the spec asks for', async () => {
  const applied = await activities.applyApp({ cluster: target, environment, app: web, image: 'registry.example/web:1' });
  assert.deepEqual(applied.applied, ['Namespace/shop', 'Deployment/web', 'Service/web', 'HorizontalPodAutoscaler/web']);
  assert.equal(applied.namespace, 'shop');
  assert.equal(applied.generation, 1);

  const namespace = await core.readNamespace({ name: 'shop' });
  assert.equal(namespace.metadata?.labels?.['eksflow.io/environment'], 'team-a.demo');
  assert.equal(namespace.metadata?.labels?.['app.kubernetes.io/managed-by'], 'eksflow');

  const deployment = await readWeb();
  assert.equal(deployment.spec?.replicas, 2);
  const container = deployment.spec?.template.spec?.containers[0];
  assert.equal(container?.image, 'registry.example/web:1');
  assert.deepEqual(container?.env?.map(({ name, value }) => ({ name, value })), [{ name: 'GREETING', value: 'hello' }]);
  assert.equal(container?.readinessProbe?.httpGet?.path, '/healthz');
  assert.equal(container?.readinessProbe?.httpGet?.port, 8080);
  assert.deepEqual(container?.resources?.requests, { cpu: '100m', memory: '64Mi' });
  assert.equal(deployment.spec?.template.metadata?.annotations?.['cluster-autoscaler.kubernetes.io/safe-to-evict'], 'true');
  assert.ok(deployment.metadata?.managedFields?.some((entry) => entry.manager === fieldManagers.apply && entry.operation === 'Apply'), 'server-side applied as eksflow');

  const service = await core.readNamespacedService({ name: 'web', namespace: 'shop' });
  assert.equal(service.spec?.type, 'LoadBalancer');
  assert.equal(service.spec?.loadBalancerClass, 'service.k8s.aws/nlb');
  assert.equal(service.metadata?.annotations?.['service.beta.kubernetes.io/aws-load-balancer-type'], 'external');
  assert.equal(service.metadata?.annotations?.['service.beta.kubernetes.io/aws-load-balancer-nlb-target-type'], 'ip');
  assert.equal(service.metadata?.annotations?.['service.beta.kubernetes.io/aws-load-balancer-scheme'], 'internet-facing');
  assert.equal(service.spec?.ports?.[0]?.port, 80);
  assert.equal(service.spec?.ports?.[0]?.targetPort, 8080);
  assert.deepEqual(service.spec?.selector, { 'app.kubernetes.io/name': 'web' });

  const hpa = await cluster.kubeConfig.makeApiClient(AutoscalingV2Api).readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'shop' });
  assert.equal(hpa.spec?.minReplicas, 2);
  assert.equal(hpa.spec?.maxReplicas, 5);
  assert.equal(hpa.spec?.scaleTargetRef.name, 'web');
  assert.equal(hpa.spec?.metrics?.[0]?.resource?.target.averageUtilization, 60);
});

test('appRollout reports complete, with the Deployment\'s own counts, once KWOK makes the pods Ready', async () => {
  // Whether a first look still sees the pods starting is a race with KWOK; the paused rollout below shows progressing for certain.
  const seen = await rolloutUntil(web, (rollout) => rollout.status === 'complete');
  const complete = seen.at(-1)!;
  const status = (await readWeb()).status;
  assert.deepEqual(
    { generation: complete.generation, observedGeneration: complete.observedGeneration, replicas: complete.replicas, updated: complete.updated, available: complete.available },
    { generation: 1, observedGeneration: status?.observedGeneration, replicas: 2, updated: status?.updatedReplicas, available: status?.availableReplicas },
  );
  assert.equal(complete.available, 2);
});

test('a re-apply changes nothing, and leaves the replica count to the HPA', async () => {
  const again = await activities.applyApp({ cluster: target, environment, app: web, image: 'registry.example/web:1' });
  assert.equal(again.generation, 1, 'the same spec makes no new generation');
  let deployment = await readWeb();
  assert.equal(deployment.spec?.replicas, 2, 'the count stays: the field was handed over, not dropped');
  assert.equal(ownsReplicas(deployment, fieldManagers.apply), false, 'eksflow\'s apply no longer owns spec.replicas');
  assert.equal(ownsReplicas(deployment, fieldManagers.replicasHandover), true);

  // Scale as the HPA controller does, through the scale subresource.
  await apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'shop', fieldManager: 'horizontal-pod-autoscaler', body: { spec: { replicas: 3 } } }, mergePatch);
  const scaledGeneration = (await readWeb()).metadata?.generation;
  assert.equal((await activities.applyApp({ cluster: target, environment, app: web, image: 'registry.example/web:1' })).generation, scaledGeneration);
  deployment = await readWeb();
  assert.equal(deployment.spec?.replicas, 3, 'a re-apply does not undo the HPA');

  // Nothing left to hand over: the next apply writes nothing at all.
  const versions = async () => [
    (await readWeb()).metadata?.resourceVersion,
    (await core.readNamespacedService({ name: 'web', namespace: 'shop' })).metadata?.resourceVersion,
    (await core.readNamespace({ name: 'shop' })).metadata?.resourceVersion,
  ];
  const before = await versions();
  await activities.applyApp({ cluster: target, environment, app: web, image: 'registry.example/web:1' });
  assert.deepEqual(await versions(), before);
  const complete = (await rolloutUntil(web, (rollout) => rollout.status === 'complete')).at(-1)!;
  assert.equal(complete.replicas, 3);
  assert.equal(complete.available, 3);
});

test('appEndpoint is pending until the load balancer controller publishes the NLB, then gives its url', async () => {
  assert.equal((await activities.appEndpoint({ cluster: target, app: web })).status, 'pending');
  // The played controller publishes the NLB's DNS name once it may.
  loadBalancerControllerMay.provision = true;
  const ready = await waitFor('the NLB hostname', async () => {
    const endpoint = await activities.appEndpoint({ cluster: target, app: web });
    return endpoint.status === 'ready' ? endpoint : undefined;
  });
  assert.ok(ready.status === 'ready');
  assert.match(ready.hostname, /^k8s-shop-web-[0-9a-f]{10}-[0-9a-f]{16}\.elb\.us-east-1\.amazonaws\.com$/, 'named as the controller names NLBs');
  assert.deepEqual(ready, { status: 'ready', hostname: ready.hostname, url: `http://${ready.hostname}` });

  // Off port 80 the url names the port; an app may live in a built-in namespace.
  const api = appFrom({ name: 'api', namespace: 'default', replicas: 1, containerPort: 3000, servicePort: 8443, requests: { cpu: '50m', memory: '32Mi' } });
  const applied = await activities.applyApp({ cluster: target, environment, app: api, image: 'registry.example/api:1' });
  assert.deepEqual(applied.applied, ['Deployment/api', 'Service/api'], 'no Namespace applied for default');
  assert.equal((await core.readNamespace({ name: 'default' })).metadata?.labels?.['app.kubernetes.io/managed-by'], undefined, 'default is not labelled');
  const apiReady = await waitFor('the api NLB hostname', async () => {
    const endpoint = await activities.appEndpoint({ cluster: target, app: api });
    return endpoint.status === 'ready' ? endpoint : undefined;
  });
  assert.ok(apiReady.status === 'ready');
  assert.match(apiReady.hostname, /^k8s-default-api-/);
  assert.equal(apiReady.url, `http://${apiReady.hostname}:8443`);
});

test('an image change makes the rollout progress, then complete again', async () => {
  // Paused (as `kubectl rollout pause` does), the new template cannot roll out: progressing, for certain.
  const pause = (paused: boolean) => apps.patchNamespacedDeployment({ name: 'web', namespace: 'shop', fieldManager: 'kubectl-rollout', body: { spec: { paused } } }, mergePatch);
  await pause(true);
  const applied = await activities.applyApp({ cluster: target, environment, app: web, image: 'registry.example/web:2' });
  assert.equal(applied.generation, (await readWeb()).metadata?.generation);
  const held = await rolloutUntil(web, (rollout) => rollout.observedGeneration === applied.generation);
  assert.equal(held.at(-1)?.status, 'progressing', held.at(-1)?.message);
  await pause(false);
  const seen = await rolloutUntil(web, (rollout) => rollout.status === 'complete' && rollout.generation > applied.generation);
  assert.ok(seen.length > 0);
  const deployment = await readWeb();
  assert.equal(deployment.spec?.template.spec?.containers[0]?.image, 'registry.example/web:2');
  assert.equal(deployment.spec?.replicas, 3, 'the HPA\'s count survives an image change');
  const pods = (await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app.kubernetes.io/name=web' })).items.filter((pod) => !pod.metadata?.deletionTimestamp);
  assert.deepEqual([...new Set(pods.map((pod) => pod.spec?.containers[0]?.image))], ['registry.example/web:2']);
});

test('a rollout whose pods fit no node stays progressing, says why, and fails at its progress deadline', async () => {
  const tooBig = appFrom({ name: 'too-big', replicas: 1, containerPort: 8080, requests: { cpu: '8', memory: '64Mi' } });
  await activities.applyApp({ cluster: target, environment, app: tooBig, image: 'registry.example/web:1' });
  const seen: AppRollout[] = [];
  const until = Date.now() + 4_000;
  while (Date.now() < until) {
    seen.push(await activities.appRollout({ cluster: target, app: tooBig }));
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.ok(seen.every((rollout) => rollout.status === 'progressing'), seen.map((r) => r.status).join(', '));
  assert.equal(seen.at(-1)!.available, 0);
  assert.match(seen.at(-1)!.message, /cannot be scheduled: .*Insufficient cpu/);

  // The default deadline is 10 minutes; shorten it (as another field manager) to see "failed".
  await apps.patchNamespacedDeployment({ name: 'too-big', namespace: 'too-big', fieldManager: 'test', body: { spec: { progressDeadlineSeconds: 1 } } }, mergePatch);
  const failed = (await rolloutUntil(tooBig, (rollout) => rollout.status !== 'progressing', 30_000)).at(-1)!;
  assert.equal(failed.status, 'failed');
  assert.match(failed.message, /progress deadline.*timed out progressing/);
});

test('the VPA needs its CRD: without it applyApp says so, with it the apiserver accepts the VPA', async () => {
  const sized = appFrom({
    name: 'sized', replicas: 2, containerPort: 8080, requests: { cpu: '50m', memory: '32Mi' },
    hpa: { minReplicas: 2, maxReplicas: 4 }, vpa: { updateMode: 'Initial' },
  });
  await assert.rejects(activities.applyApp({ cluster: target, environment, app: sized, image: 'registry.example/web:1' }),
    (error: unknown) => error instanceof ApplicationFailure && !error.nonRetryable && /vertical-pod-autoscaler add-on/.test(error.message));

  const extensions = cluster.kubeConfig.makeApiClient(ApiextensionsV1Api);
  // loadYaml, not a plain YAML parse: the client serializes by its model's property names, and
  // a plain object's "enum" and "x-kubernetes-*" keys would be silently dropped from the CRD.
  const crd = loadYaml<V1CustomResourceDefinition>(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'crds', 'verticalpodautoscalers.autoscaling.k8s.io.yaml'), 'utf8'));
  await extensions.createCustomResourceDefinition({ body: crd });
  await waitFor('the VPA CRD to be established', async () => (await extensions.readCustomResourceDefinition({ name: crd.metadata!.name! })).status?.conditions
    ?.some((c) => c.type === 'Established' && c.status === 'True'));

  const applied = await activities.applyApp({ cluster: target, environment, app: sized, image: 'registry.example/web:1' });
  assert.equal(applied.applied.at(-1), 'VerticalPodAutoscaler/sized');
  const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const vpaPath = { group: 'autoscaling.k8s.io', version: 'v1', namespace: 'sized', plural: 'verticalpodautoscalers', name: 'sized' };
  const vpa = await custom.getNamespacedCustomObject(vpaPath) as { spec: Record<string, unknown>; metadata: { managedFields: { manager: string }[] } };
  assert.deepEqual(vpa.spec, {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'sized' },
    updatePolicy: { updateMode: 'Initial' },
    resourcePolicy: { containerPolicies: [{ containerName: '*', controlledResources: ['memory'] }] },
  });
  assert.ok(vpa.metadata.managedFields.some((entry) => entry.manager === fieldManagers.apply));
  // The schema is live: the apiserver refuses a mode the CRD does not list.
  await assert.rejects(custom.patchNamespacedCustomObject({ ...vpaPath, body: { spec: { updatePolicy: { updateMode: 'Sometimes' } } } }, mergePatch),
    (error: unknown) => (error as { code?: number }).code === 422);

  // Asked no more, the VPA goes: it would otherwise keep resizing the pods.
  await activities.applyApp({ cluster: target, environment, app: { ...sized, vpa: undefined }, image: 'registry.example/web:1' });
  await assert.rejects(custom.getNamespacedCustomObject(vpaPath), kubeNotFound);
});

test('the Deployment records the run that made it: a retry is that run\'s, a later run or a Deployment someone else made is adopted and keeps its maker', async () => {
  const made = 'c0ffee00-0000-4000-8000-000000000001';
  const later = 'c0ffee00-0000-4000-8000-000000000002';
  const owned = appFrom({ name: 'owned', namespace: 'adoption', replicas: 1, containerPort: 8080 });
  assert.equal((await activities.applyApp({ cluster: target, environment, runId: made, app: owned, image: 'registry.example/web:1' })).adopted, false);
  assert.equal((await activities.applyApp({ cluster: target, environment, runId: made, app: owned, image: 'registry.example/web:1' })).adopted, false, 'a retry of the run that made it');
  assert.equal((await activities.applyApp({ cluster: target, environment, runId: later, app: owned, image: 'registry.example/web:1' })).adopted, true, 'a later run');
  assert.equal((await apps.readNamespacedDeployment({ name: 'owned', namespace: 'adoption' })).metadata?.annotations?.['eksflow.io/created-by-run'], made);

  // Someone else's Deployment (created with no eksflow annotation): adopted, and still adopted on a retry.
  await apps.createNamespacedDeployment({ namespace: 'adoption', body: {
    metadata: { name: 'theirs' },
    spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'theirs' } }, template: { metadata: { labels: { 'app.kubernetes.io/name': 'theirs' } }, spec: { containers: [{ name: 'theirs', image: 'registry.example/theirs:1' }] } } },
  } });
  const theirs = appFrom({ name: 'theirs', namespace: 'adoption', replicas: 1, containerPort: 8080 });
  assert.equal((await activities.applyApp({ cluster: target, environment, runId: made, app: theirs, image: 'registry.example/web:1' })).adopted, true);
  assert.equal((await activities.applyApp({ cluster: target, environment, runId: made, app: theirs, image: 'registry.example/web:1' })).adopted, true);
  assert.equal((await apps.readNamespacedDeployment({ name: 'theirs', namespace: 'adoption' })).metadata?.annotations?.['eksflow.io/created-by-run'], undefined);
  await waitFor('the adoption namespace to go', async () => (await activities.deleteApp({ cluster: target, app: owned })).status === 'gone', { timeoutMs: 60_000, intervalMs: 250 });
});

test('deleteApp removes the namespace, once the namespace controller has emptied it', async () => {
  const statuses: string[] = [];
  await waitFor('the shop namespace to go', async () => {
    const { status } = await activities.deleteApp({ cluster: target, app: web });
    statuses.push(status);
    return status === 'gone';
  }, { timeoutMs: 60_000, intervalMs: 250 });
  assert.equal(statuses[0], 'deleting');
  await assert.rejects(core.readNamespace({ name: 'shop' }), kubeNotFound);
  assert.deepEqual(await activities.deleteApp({ cluster: target, app: web }), { status: 'gone' }, 'idempotent');

  // An app in a built-in namespace: its objects go, the namespace stays.
  const api = appFrom({ name: 'api', namespace: 'default', replicas: 1, containerPort: 3000, servicePort: 8443 });
  await waitFor('the api app to go', async () => (await activities.deleteApp({ cluster: target, app: api })).status === 'gone', { timeoutMs: 30_000, intervalMs: 250 });
  await assert.rejects(apps.readNamespacedDeployment({ name: 'api', namespace: 'default' }), kubeNotFound);
  await assert.rejects(core.readNamespacedService({ name: 'api', namespace: 'default' }), kubeNotFound);
  assert.equal((await core.readNamespace({ name: 'default' })).status?.phase, 'Active');
});

test('deleteLoadBalancedObjects deletes NLB Services and Ingresses and waits for the controller\'s finalizers', async () => {
  const networking = cluster.kubeConfig.makeApiClient(NetworkingV1Api);
  await core.createNamespace({ body: { metadata: { name: 'edge' } } });
  // The played controller takes both with its finalizers, and is held from deleting their load balancers.
  loadBalancerControllerMay.deprovision = false;
  await core.createNamespacedService({ namespace: 'edge', body: {
    metadata: { name: 'public' },
    spec: { type: 'LoadBalancer', loadBalancerClass: 'service.k8s.aws/nlb', selector: { app: 'x' }, ports: [{ port: 80 }] },
  } });
  await core.createNamespacedService({ namespace: 'edge', body: { metadata: { name: 'internal' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } } });
  await networking.createNamespacedIngress({ namespace: 'edge', body: {
    metadata: { name: 'site' },
    spec: { ingressClassName: 'alb', defaultBackend: { service: { name: 'internal', port: { number: 80 } } } },
  } });
  await waitFor('the controller\'s finalizers and load balancers', async () => {
    const [service, ingress] = await Promise.all([core.readNamespacedService({ name: 'public', namespace: 'edge' }), networking.readNamespacedIngress({ name: 'site', namespace: 'edge' })]);
    return service.metadata?.finalizers?.includes('service.k8s.aws/resources') && Boolean(service.status?.loadBalancer?.ingress?.length)
      && ingress.metadata?.finalizers?.includes('ingress.k8s.aws/resources') && Boolean(ingress.status?.loadBalancer?.ingress?.length);
  });

  const activityEnvironment = new MockActivityEnvironment();
  const heartbeats: LoadBalancedObjectsProgress[] = [];
  activityEnvironment.on('heartbeat', (details: LoadBalancedObjectsProgress) => heartbeats.push(details));
  const running = activityEnvironment.run(loadBalanced.deleteLoadBalancedObjects, { cluster: target }) as ReturnType<typeof loadBalanced.deleteLoadBalancedObjects>;
  running.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

  const waiting = ['edge/Ingress/site', 'edge/Service/public'];
  await waitFor('two heartbeats showing the finalized objects remaining', async () => heartbeats.length >= 2
    && heartbeats.slice(-2).every((beat) => waiting.every((key) => beat.remaining.includes(key))), { timeoutMs: 30_000, intervalMs: 100 });
  const held = await core.readNamespacedService({ name: 'public', namespace: 'edge' });
  assert.ok(held.metadata?.deletionTimestamp, 'deleted, held by the finalizer');

  // The controller deletes the NLB and ALB, then removes its finalizers.
  loadBalancerControllerMay.deprovision = true;
  const { deleted } = await running;
  for (const key of waiting) assert.ok(deleted.includes(key), `${key} in ${deleted.join(', ')}`);
  assert.ok(deleted.every((key) => /\/(Service|Ingress)\//.test(key)));
  assert.deepEqual(heartbeats.at(-1)?.remaining, [], 'the last heartbeat saw nothing left');
  await assert.rejects(core.readNamespacedService({ name: 'public', namespace: 'edge' }), kubeNotFound);
  await assert.rejects(networking.readNamespacedIngress({ name: 'site', namespace: 'edge' }), kubeNotFound);
  assert.equal((await core.readNamespacedService({ name: 'internal', namespace: 'edge' })).spec?.type, 'ClusterIP', 'a ClusterIP Service is left alone');
  assert.ok(!(await core.listServiceForAllNamespaces()).items.some((service) => service.spec?.type === 'LoadBalancer'), 'no LoadBalancer Service left anywhere');
});

test('an aggregated API that does not answer holds up the app\'s namespace, and removeApp says so until it answers', async () => {
  const registration = cluster.kubeConfig.makeApiClient(ApiregistrationV1Api);
  // What a broken metrics-server leaves: an APIService whose pods the apiserver cannot reach.
  await registration.createAPIService({ body: {
    metadata: { name: 'v1beta1.metrics.k8s.io' },
    spec: { group: 'metrics.k8s.io', version: 'v1beta1', service: { name: 'nowhere', namespace: 'kube-system' }, insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 100 },
  } });
  try {
    const stuck = appFrom({ name: 'stuck', replicas: 1, containerPort: 8080 });
    await activities.applyApp({ cluster: target, environment, app: stuck, image: 'registry.example/web:1' });
    const blocked = await waitFor('the namespace controller to report what blocks it', async () => {
      const deletion = await activities.deleteApp({ cluster: target, app: stuck });
      return deletion.blockedBy ? deletion : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    assert.equal(blocked.status, 'deleting');
    assert.match(blocked.blockedBy!, /^NamespaceDeletionDiscoveryFailure: .*metrics\.k8s\.io\/v1beta1/);
  } finally {
    await registration.deleteAPIService({ name: 'v1beta1.metrics.k8s.io' });
  }
  const gone = await new MockActivityEnvironment().run(activities.removeApp, { cluster: target, app: appFrom({ name: 'stuck', replicas: 1, containerPort: 8080 }) });
  assert.deepEqual(gone, { status: 'gone' });
});
