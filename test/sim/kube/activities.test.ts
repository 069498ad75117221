import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { AddonContext } from '../../../src/activities/addons/addon-module';
import { createAddonActivities, type AddonRequest } from '../../../src/activities/addons';
import { createAppActivities, type AppRollout } from '../../../src/activities/app';
import { createAutoscalingCheckActivities, createAutoscalingProbeActivities } from '../../../src/activities/autoscaling-check';
import type { EksApi } from '../../../src/activities/aws/eks';
import { clusterAutoscalerChartVersions } from '../../../src/domain/addon-catalog';
import { createHelmActivities, helmErrorTypes } from '../../../src/activities/helm';
import { createLoadBalancedObjectActivities } from '../../../src/activities/load-balanced-objects';
import { createNodesReadyActivities } from '../../../src/activities/nodes-ready';
import type { AddonsSpec } from '../../../src/domain/environment-spec';
import { createSimHelm } from '../../../src/sim/helm';
import { startSimKube, type SimKube } from '../../../src/sim/kube';
import { appFrom } from '../../fixtures/specs';
import { waitFor } from '../../support/process';

// The activities as the worker builds them, over the simulated cluster and Helm instead of
// kubeconfig access and the helm binary: every call below is the real activity's.
let kube: SimKube;
let activities: ReturnType<typeof build>;
const cluster = 'awesomebuilder-container';
const hostnames: string[] = [];

function build(sim: SimKube) {
  const helm = createHelmActivities(createSimHelm(sim));
  // Helm add-ons never reach EKS: only EKS managed add-ons would.
  const eks = {} as EksApi;
  const noRoles = async () => assert.fail('no IRSA role is made here');
  return {
    ...helm,
    ...createNodesReadyActivities(sim.access),
    ...createAddonActivities({ kube: sim.access, helm, eks }, noRoles),
    ...createAppActivities(sim.access),
    ...createAutoscalingCheckActivities(sim.access),
    ...createAutoscalingProbeActivities(sim.access),
    ...createLoadBalancedObjectActivities(sim.access),
  };
}

before(async () => {
  kube = await startSimKube({
    speedup: 1000,
    onLoadBalancer: ({ object }) => {
      const hostname = `k8s-${object.metadata.namespace}-${object.metadata.name}-0123456789-0123456789abcdef.elb.us-west-2.amazonaws.com`;
      hostnames.push(hostname);
      return hostname;
    },
  });
  kube.addCluster(cluster, { region: 'us-west-2' });
  activities = build(kube);
});
after(() => kube?.close());

const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
const options: AddonsSpec = { 'aws-load-balancer-controller': {}, 'metrics-server': { method: 'helm' } };
const context: AddonContext = {
  cluster, region: 'us-west-2', kubernetesVersion: '1.35', owner: { environmentId: 'team-a/demo', runId: 'run-1' },
  options, vpcId: 'vpc-0123456789abcdef0', roleArn: 'arn:aws:iam::123456789012:role/lbc',
};
const request = (addon: AddonRequest['addon']): AddonRequest => ({ addon, context });
const app = appFrom({
  name: 'awesomebuilder', namespace: 'awesomebuilder', replicas: 2, containerPort: 5000, requests: { cpu: '100m', memory: '64Mi' },
  healthCheck: { path: '/' }, hpa: { minReplicas: 2, maxReplicas: 5, targetCpuUtilization: 50 },
});
const environment = 'team-a/demo';

test('waitForNodesReady waits, heartbeating, until the node group\'s nodes are Ready', async () => {
  kube.setNodegroup(cluster, 'general', { desiredSize: 2 });
  const env = new MockActivityEnvironment();
  const beats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => beats.push(details));
  const progress = await env.run(activities.waitForNodesReady, { cluster, group: 'general', desired: 2 });
  assert.deepEqual(progress, { ready: 2, joined: 2, desired: 2 });
  assert.deepEqual(beats.at(-1), progress);
});

test('the Load Balancer Controller installs, and its gates hold once the Deployment and webhook endpoints are up', async () => {
  const installed = await inActivity(activities.installAddon, request('aws-load-balancer-controller'));
  assert.equal(installed.summary, 'helm aws-load-balancer-controller 1.14.0 revision 1 deployed');
  assert.deepEqual(installed.ref, { kind: 'addon', name: `${cluster}/aws-load-balancer-controller`, region: 'us-west-2' });
  const readiness = await inActivity(activities.addonReadiness, request('aws-load-balancer-controller'));
  assert.equal(readiness.status, 'ready');
  assert.deepEqual(readiness.gates, [
    { gate: 'deployment kube-system/aws-load-balancer-controller available', ok: true, detail: '2/2 replicas available' },
    { gate: 'service kube-system/aws-load-balancer-webhook-service has ready endpoints', ok: true, detail: '2 ready endpoints' },
  ]);
  const account = await (await kube.access.forCluster(cluster)).makeApiClient(CoreV1Api).readNamespacedServiceAccount({ name: 'aws-load-balancer-controller', namespace: 'kube-system' });
  assert.equal(account.metadata?.annotations?.['eks.amazonaws.com/role-arn'], context.roleArn, 'the IRSA annotation from the values');
  assert.deepEqual(await inActivity(activities.helmReleaseStatus, { cluster, release: 'aws-load-balancer-controller', namespace: 'kube-system' }), { status: 'deployed', revision: 1 });
});

test('metrics-server installs and is ready; installing again is one revision on', async () => {
  assert.equal((await inActivity(activities.installAddon, request('metrics-server'))).summary, 'helm metrics-server 3.13.0 revision 1 deployed');
  const readiness = await inActivity(activities.addonReadiness, request('metrics-server'));
  assert.equal(readiness.status, 'ready');
  assert.deepEqual(readiness.gates.map((gate) => [gate.gate, gate.ok, gate.detail]), [
    ['deployment kube-system/metrics-server available', true, '1/1 replicas available'],
    ['APIService v1beta1.metrics.k8s.io available', true, 'Available'],
  ]);
  assert.equal((await inActivity(activities.installAddon, request('metrics-server'))).summary, 'helm metrics-server 3.13.0 revision 2 deployed');
});

test('the app is applied, rolls out, gets its NLB\'s URL, and its HPA reads CPU', async () => {
  const applied = await inActivity(activities.applyApp, { cluster, environment, app, image: 'registry.example/awesomebuilder:1' });
  assert.deepEqual(applied, {
    namespace: 'awesomebuilder', generation: 1, adopted: false,
    applied: ['Namespace/awesomebuilder', 'Deployment/awesomebuilder', 'Service/awesomebuilder', 'HorizontalPodAutoscaler/awesomebuilder'],
  });
  const seen: AppRollout[] = [];
  await waitFor('the rollout', async () => {
    const rollout = await inActivity(activities.appRollout, { cluster, app });
    seen.push(rollout);
    return rollout.status === 'complete';
  }, { intervalMs: 20 });
  assert.deepEqual(seen.at(-1), { status: 'complete', generation: 1, observedGeneration: 1, replicas: 2, updated: 2, available: 2, message: '2 of 2 replicas updated and available' });

  assert.equal((await inActivity(activities.appEndpoint, { cluster, app })).status, 'pending');
  const endpoint = await waitFor('the NLB', async () => {
    const found = await inActivity(activities.appEndpoint, { cluster, app });
    return found.status === 'ready' ? found : undefined;
  }, { intervalMs: 20 });
  assert.deepEqual(endpoint, { status: 'ready', hostname: hostnames[0], url: `http://${hostnames[0]}` });

  const verified = await waitFor('the HPA to read CPU', async () => {
    const observation = await inActivity(activities.verifyAutoscaling, { cluster, app, clusterAutoscaler: false });
    return observation.status === 'verified' ? observation : undefined;
  }, { intervalMs: 20 });
  assert.match(verified.checks[0]!.detail, /^CPU at \d+% of a 50% target, 2 replicas$/);

  // A re-apply changes nothing and hands spec.replicas over to the HPA.
  const again = await inActivity(activities.applyApp, { cluster, environment, app, image: 'registry.example/awesomebuilder:1' });
  assert.equal(again.generation, 1);
  const deployment = await (await kube.access.forCluster(cluster)).makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'awesomebuilder', namespace: 'awesomebuilder' });
  assert.equal(deployment.spec?.replicas, 2);
});

test('a chart installed while the Load Balancer Controller\'s webhook has no endpoints fails retryably, and passes once it has', async () => {
  const apps = (await kube.access.forCluster(cluster)).makeApiClient(AppsV1Api);
  const scaleTo = (replicas: number) => apps.patchNamespacedDeploymentScale(
    { name: 'aws-load-balancer-controller', namespace: 'kube-system', fieldManager: 'test', body: { spec: { replicas } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  // The controller's pods gone (as while they start): its webhook is registered and does not answer.
  await scaleTo(0);
  const down = await waitFor('no webhook endpoints', async () => {
    const readiness = await inActivity(activities.addonReadiness, request('aws-load-balancer-controller'));
    return readiness.gates[1]!.ok ? undefined : readiness;
  });
  assert.equal(down.gates[1]!.detail, 'no ready endpoints: a webhook there would refuse requests');
  const headlamp = { cluster, release: 'headlamp', namespace: 'headlamp', chart: { repo: 'https://kubernetes-sigs.github.io/headlamp/', name: 'headlamp', version: '0.43.0' }, values: {}, timeoutSeconds: 300 };
  await assert.rejects(inActivity(activities.helmUpgradeInstall, headlamp), (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, helmErrorTypes.failed);
    assert.equal(error.nonRetryable, false);
    assert.equal(error.message, 'helm upgrade --install headlamp (chart headlamp 0.43.0) failed (exit 1): Error: INSTALLATION FAILED: failed to create resource: '
      + 'Internal error occurred: failed calling webhook "mservice.elbv2.k8s.aws": failed to call webhook: Post "https://aws-load-balancer-webhook-service.kube-system.svc:443/mutate-v1-service?timeout=10s": '
      + 'no endpoints available for service "aws-load-balancer-webhook-service"');
    return true;
  });
  assert.equal(await inActivity(activities.helmReleaseStatus, { cluster, release: 'headlamp', namespace: 'headlamp' }), undefined, 'the failed install was rolled back');

  await scaleTo(2);
  await waitFor('the webhook endpoints', async () => (await inActivity(activities.addonReadiness, request('aws-load-balancer-controller'))).status === 'ready');
  assert.deepEqual(await inActivity(activities.helmUpgradeInstall, headlamp), { release: 'headlamp', namespace: 'headlamp', revision: 1, status: 'deployed', chartVersion: '0.43.0', adopted: false });
  assert.deepEqual(await inActivity(activities.helmUninstall, { ...headlamp, timeoutSeconds: 300 }), { removed: true });
});

test('cluster-autoscaler installs and reports Healthy, and the active probe sees it add a node for a pending pod', async () => {
  assert.equal((await inActivity(activities.installAddon, request('cluster-autoscaler'))).summary, `helm cluster-autoscaler ${clusterAutoscalerChartVersions['1.35']} revision 1 deployed`);
  const verified = await waitFor('the autoscaler\'s report', async () => {
    const observation = await inActivity(activities.verifyAutoscaling, { cluster, clusterAutoscaler: true });
    return observation.status === 'verified' ? observation : undefined;
  }, { intervalMs: 20 });
  assert.match(verified.checks[0]!.detail, /^health Healthy \(ready=2 registered=2\)/);
  const report = await inActivity(activities.probeAutoscaling, { cluster, nodeGroups: ['general'], timeoutSeconds: 60 });
  assert.deepEqual({ before: report.nodesBefore, after: report.nodesAfter }, { before: 2, after: 3 });
  assert.ok(report.pendingAfterSeconds <= report.scheduledAfterSeconds);
  assert.deepEqual(await inActivity(activities.uninstallAddon, request('cluster-autoscaler')), { removed: true });
});

test('a rollout whose pods fit no node stays progressing, says why, and fails at its progress deadline', async () => {
  const tooBig = appFrom({ name: 'too-big', replicas: 1, containerPort: 8080, requests: { cpu: '8', memory: '64Mi' } });
  await inActivity(activities.applyApp, { cluster, environment, app: tooBig, image: 'registry.example/web:1' });
  const stuck = await waitFor('the scheduler\'s verdict', async () => {
    const rollout = await inActivity(activities.appRollout, { cluster, app: tooBig });
    return /cannot be scheduled/.test(rollout.message) ? rollout : undefined;
  }, { intervalMs: 20 });
  assert.equal(stuck.status, 'progressing');
  // Three nodes: the autoscaler's probe above grew the group by one.
  assert.match(stuck.message, /^0 of 1 updated replicas available; a pod cannot be scheduled: 0\/3 nodes are available: 3 Insufficient cpu\./);
  // Ten simulated minutes: 600 ms here.
  const failed = await waitFor('the progress deadline', async () => {
    const rollout = await inActivity(activities.appRollout, { cluster, app: tooBig });
    return rollout.status === 'failed' ? rollout : undefined;
  }, { intervalMs: 50 });
  assert.match(failed.message, /^rollout passed its progress deadline: ReplicaSet "too-big-\w+" has timed out progressing\.$/);
  assert.deepEqual(await inActivity(activities.removeApp, { cluster, app: tooBig }), { status: 'gone' });
});

test('teardown: load-balanced objects go with their NLB, the app with its namespace, the add-ons with their releases', async () => {
  const { deleted } = await inActivity(activities.deleteLoadBalancedObjects, { cluster });
  assert.deepEqual(deleted, ['awesomebuilder/Service/awesomebuilder']);
  assert.deepEqual(await inActivity(activities.removeApp, { cluster, app }), { status: 'gone' });
  assert.deepEqual(await inActivity(activities.deleteApp, { cluster, app }), { status: 'gone' }, 'idempotent');
  for (const addon of ['metrics-server', 'aws-load-balancer-controller'] as const) {
    assert.deepEqual(await inActivity(activities.uninstallAddon, request(addon)), { removed: true });
    assert.deepEqual(await inActivity(activities.uninstallAddon, request(addon)), { removed: false });
  }
  const gone = await inActivity(activities.addonReadiness, request('aws-load-balancer-controller'));
  assert.equal(gone.status, 'waiting');
  assert.equal(gone.gates[0]!.detail, 'the Deployment does not exist yet');
});
