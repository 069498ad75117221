import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiregistrationV1Api, AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { AddonContext, AddonModule, AddonTools } from '../../../src/activities/addons/addon-module';
import { metricsServer, metricsServerValues } from '../../../src/activities/addons/metrics-server';
import { addonCatalog } from '../../../src/domain/addon-catalog';
import type { AddonsSpec } from '../../../src/domain/environment-spec';
import { ownershipTags } from '../../../src/domain/ownership';
import { assumedBy } from '../../../src/domain/service-roles';
import { addonBedPerFile, isGone, readinessUntil } from '../../support/addon-bed';
import { waitFor } from '../../support/process';
import { activeCluster, manualSim } from '../../sim/aws/fixtures';

const bed = addonBedPerFile({ nodes: 2 });

const options: AddonsSpec = { 'metrics-server': { method: 'helm' } };
const addon = addonCatalog.get('metrics-server')!.resolve(options, '1.35');
const context: AddonContext = {
  cluster: 'demo', region: 'us-west-2', kubernetesVersion: '1.35', owner: { environmentId: 'team-a/demo', runId: 'run-1' },
  options, vpcId: 'vpc-0123456789abcdef0', roleArn: 'arn:aws:iam::123456789012:role/x',
};
const namespace = 'kube-system';

const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
const module = (): AddonModule => metricsServer(bed.tools, addon);
const apps = () => bed.cluster.kubeConfig.makeApiClient(AppsV1Api);
const core = () => bed.cluster.kubeConfig.makeApiClient(CoreV1Api);
const apiServices = () => bed.cluster.kubeConfig.makeApiClient(ApiregistrationV1Api);
const releaseStatus = () => inActivity(bed.tools.helm.helmReleaseStatus, { cluster: context.cluster, release: 'metrics-server', namespace });


test('values move the port off 10250, which Fargate keeps for the kubelet, and change nothing else', () => {
  assert.deepEqual(metricsServerValues(), { containerPort: 10251 });
});

test('the catalog\'s install method picks the installer: the EKS managed add-on when it says eks-addon, asked again while EKS\'s add-on API lags', async () => {
  // The simulated EKS (moto has no add-on API): a cluster just ACTIVE, whose add-on API still refuses.
  const sim = manualSim();
  await activeCluster(sim);
  const eksOptions: AddonsSpec = { 'metrics-server': { method: 'eks-addon' } };
  const resolved = addonCatalog.get('metrics-server')!.resolve(eksOptions, '1.35');
  const role = await sim.apis.iam.createRole({ name: 'demo-metrics-server', trustPolicy: JSON.stringify(assumedBy('pods.eks.amazonaws.com')), description: 'IRSA', tags: {} });
  const tools: AddonTools = { ...bed.tools, eks: sim.apis.eks };
  const installing = inActivity(metricsServer(tools, resolved).install, { ...context, options: eksOptions, roleArn: role.arn });
  // The first CreateAddon is refused; the next ask, once the lag has passed, is accepted.
  await waitFor('the add-on API to refuse once', async () => sim.sim.calls()['eks:CreateAddon'] === 1);
  sim.clock.advance(sim.drawn('addon.api-lag', 'demo'));
  const installed = await installing;
  assert.equal(installed.summary, 'EKS add-on metrics-server v0.8.0-eksbuild.1 CREATING');
  assert.equal(sim.sim.calls()['eks:CreateAddon'], 2);
  const addonNow = await sim.apis.eks.describeAddon('demo', 'metrics-server');
  assert.equal(addonNow?.version, 'v0.8.0-eksbuild.1');
  assert.deepEqual(addonNow?.tags, ownershipTags(context.owner));
  assert.equal(await releaseStatus(), undefined, 'helm was not used');
  assert.equal(installed.adopted, undefined, 'this run made it');
  // Asked again by the same run (a retried activity): still this run's. By a later run, or when
  // someone else made it: adopted, so that run's rollback leaves it in place.
  const again = await inActivity(metricsServer(tools, resolved).install, { ...context, options: eksOptions, roleArn: role.arn });
  assert.equal(again.adopted, false);
  const later = await inActivity(metricsServer(tools, resolved).install, { ...context, owner: { ...context.owner, runId: 'run-2' }, options: eksOptions, roleArn: role.arn });
  assert.equal(later.adopted, true);
  assert.match(later.summary, /adopted: not made by this run/);
});

test('install renders the port into the Deployment and points the metrics APIService at the Service', async () => {
  const installed = await inActivity(module().install, context);
  assert.equal(installed.summary, 'helm metrics-server 3.13.0 revision 1 deployed');

  const deployment = await apps().readNamespacedDeployment({ name: 'metrics-server', namespace });
  // The upstream chart itself (tools/charts.lock), not a stand-in: its label and its image.
  assert.equal(deployment.metadata?.labels?.['helm.sh/chart'], 'metrics-server-3.13.0');
  const container = deployment.spec?.template.spec?.containers[0];
  assert.equal(container?.image, 'registry.k8s.io/metrics-server/metrics-server:v0.8.0');
  // The chart's defaultArgs, with only the port changed; no --kubelet-insecure-tls.
  assert.deepEqual(container?.args, [
    '--secure-port=10251', '--cert-dir=/tmp', '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname', '--kubelet-use-node-status-port', '--metric-resolution=15s',
  ]);
  assert.equal(container?.ports?.[0]?.containerPort, 10251);
  const service = await core().readNamespacedService({ name: 'metrics-server', namespace });
  assert.equal(service.spec?.ports?.[0]?.targetPort, 'https');
  const apiService = await apiServices().readAPIService({ name: 'v1beta1.metrics.k8s.io' });
  assert.deepEqual({ ...apiService.spec?.service }, { name: 'metrics-server', namespace, port: 443 });
});

test('ready once the Deployment is available; the APIService shows as not Available, and only advises', async () => {
  // The apiserver reports on the APIService once it has tried to reach the pods behind it, which it cannot here.
  const seen = await readinessUntil(() => module().isReady(context), (readiness) => readiness.ready && readiness.gates[1]!.detail !== 'not Available');
  const [deployment, apiService] = seen.at(-1)!.gates;
  assert.deepEqual(deployment, { gate: 'deployment kube-system/metrics-server available', ok: true, detail: '1/1 replicas available' });
  assert.equal(apiService!.gate, 'APIService v1beta1.metrics.k8s.io available');
  assert.equal(apiService!.ok, false);
  assert.match(apiService!.detail, /^not Available: [A-Za-z]+$/, 'the apiserver\'s reason');
  const available = (await apiServices().readAPIService({ name: 'v1beta1.metrics.k8s.io' })).status?.conditions?.find((c) => c.type === 'Available');
  assert.equal(apiService!.detail, `not Available: ${available?.reason}`);
  assert.equal(seen.at(-1)!.ready, true, 'an advisory gate does not hold the add-on back');
});

test('installing again is idempotent: the same release, one revision on', async () => {
  const again = await inActivity(module().install, context);
  assert.equal(again.summary, 'helm metrics-server 3.13.0 revision 2 deployed');
  assert.deepEqual(await releaseStatus(), { status: 'deployed', revision: 2 });
  assert.equal((await module().isReady(context)).ready, true);
});

test('uninstall removes the release, its objects and the APIService; a second uninstall finds nothing to remove', async () => {
  assert.deepEqual(await inActivity(module().uninstall, context), { removed: true });
  assert.equal(await releaseStatus(), undefined);
  assert.ok(await isGone(apps().readNamespacedDeployment({ name: 'metrics-server', namespace })));
  assert.ok(await isGone(core().readNamespacedService({ name: 'metrics-server', namespace })));
  assert.ok(await isGone(apiServices().readAPIService({ name: 'v1beta1.metrics.k8s.io' })));
  assert.deepEqual(await inActivity(module().uninstall, context), { removed: false });
});
