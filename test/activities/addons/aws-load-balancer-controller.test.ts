import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdmissionregistrationV1Api, ApiException, ApiextensionsV1Api, AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { AddonContext, AddonModule } from '../../../src/activities/addons/addon-module';
import { awsLoadBalancerController, awsLoadBalancerControllerValues } from '../../../src/activities/addons/aws-load-balancer-controller';
import { helmErrorTypes } from '../../../src/activities/helm';
import { addonCatalog } from '../../../src/domain/addon-catalog';
import type { AddonsSpec } from '../../../src/domain/environment-spec';
import { errorTypes } from '../../../src/domain/errors';
import { nlbLoadBalancerClass } from '../../../src/domain/app-manifests';
import { SimulatedAws } from '../../../src/sim/aws';
import { scaledClock } from '../../../src/sim/clock';
import { addonBedPerFile, isGone, readinessUntil } from '../../support/addon-bed';
import { playLoadBalancerController } from '../../support/played-load-balancer-controller';
import { waitFor } from '../../support/process';

// The real eks-charts package (RBAC, CRDs, webhooks, PodDisruptionBudget as released). Its
// Service webhook (mservice.elbv2.k8s.aws, failurePolicy Fail) refuses every Service created
// while the release is in: under KWOK the apiserver cannot reach the controller's pods, so no
// webhook answers. The chart goes in unchanged with the values eksflow sets, the refusal is
// shown as it is, and the controller's Service reconciler is played beside the apiserver once
// the release is out (test/support/played-load-balancer-controller.ts: the simulated cluster's
// rules, each with its upstream source).
const bed = addonBedPerFile();

const options: AddonsSpec = { 'aws-load-balancer-controller': {} };
const addon = addonCatalog.get('aws-load-balancer-controller')!.resolve(options, '1.35');
const roleArn = 'arn:aws:iam::123456789012:role/x';
const context: AddonContext = {
  cluster: 'demo', region: 'us-west-2', kubernetesVersion: '1.35', owner: { environmentId: 'team-a/demo', runId: 'run-1' },
  options, vpcId: 'vpc-0123456789abcdef0', roleArn,
};
const namespace = 'kube-system';
const webhookService = 'aws-load-balancer-webhook-service';

const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
const controller = (): AddonModule => awsLoadBalancerController(bed.tools, addon);
const apps = () => bed.cluster.kubeConfig.makeApiClient(AppsV1Api);
const core = () => bed.cluster.kubeConfig.makeApiClient(CoreV1Api);
const releaseStatus = () => inActivity(bed.tools.helm.helmReleaseStatus, { cluster: context.cluster, release: 'aws-load-balancer-controller', namespace });
const scaleTo = (replicas: number) => apps().patchNamespacedDeploymentScale(
  { name: 'aws-load-balancer-controller', namespace, fieldManager: 'test', body: { spec: { replicas } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));


test('values come from the environment: cluster, region, VPC, two replicas, the IRSA ServiceAccount, the Service webhook on', () => {
  const values = awsLoadBalancerControllerValues(context, addon);
  assert.equal(values.clusterName, 'demo');
  assert.equal(values.region, 'us-west-2');
  assert.equal(values.vpcId, 'vpc-0123456789abcdef0');
  assert.equal(values.replicaCount, 2);
  assert.deepEqual(values.serviceAccount, { create: true, name: 'aws-load-balancer-controller', annotations: { 'eks.amazonaws.com/role-arn': roleArn } });
  assert.equal(values.serviceAccount.name, addon.iam?.serviceAccount, 'the ServiceAccount the IRSA role trusts');
  assert.equal(values.enableServiceMutatorWebhook, true);
  assert.deepEqual(Object.keys(values).sort(), ['clusterName', 'enableServiceMutatorWebhook', 'region', 'replicaCount', 'serviceAccount', 'vpcId'], 'nothing else is set');

  assert.deepEqual(awsLoadBalancerControllerValues({ ...context, roleArn: undefined }, addon).serviceAccount.annotations, {}, 'no role: no annotation');
});

test('without the VPC ID the install fails for good before helm runs', async () => {
  const withoutVpc = { ...context, vpcId: undefined };
  const invalidPlan = (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, errorTypes.invalidPlan);
    assert.equal(error.nonRetryable, true);
    assert.match(error.message, /needs the cluster's VPC ID.*demo/);
    return true;
  };
  assert.throws(() => awsLoadBalancerControllerValues(withoutVpc, addon), invalidPlan);
  await assert.rejects(inActivity(controller().install, withoutVpc), invalidPlan);
  assert.equal(await releaseStatus(), undefined, 'no release was made');
});

test('the chart refuses to render without clusterName, as upstream does', async () => {
  if (addon.install.method !== 'helm') assert.fail('the catalog installs the controller with Helm');
  // Left out of the values file, as JSON leaves out undefined.
  const values = { ...awsLoadBalancerControllerValues(context, addon), clusterName: undefined };
  await assert.rejects(inActivity(bed.tools.helm.helmUpgradeInstall, {
    cluster: context.cluster, release: addon.install.release, namespace, chart: addon.install.chart, values, timeoutSeconds: 30,
  }), (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, helmErrorTypes.chartInvalid);
    assert.equal(error.nonRetryable, true);
    assert.match(error.message, /Chart cannot be installed without a valid clusterName/);
    return true;
  });
  assert.equal(await releaseStatus(), undefined);
});

test('install renders the values into the release, and isReady holds once the Deployment and the webhook endpoints are up', async () => {
  const installed = await inActivity(controller().install, context);
  assert.equal(installed.summary, 'helm aws-load-balancer-controller 1.14.0 revision 1 deployed');

  const deployment = await apps().readNamespacedDeployment({ name: 'aws-load-balancer-controller', namespace });
  assert.equal(deployment.spec?.replicas, 2);
  assert.equal(deployment.spec?.template.spec?.serviceAccountName, 'aws-load-balancer-controller');
  const args = deployment.spec?.template.spec?.containers[0]?.args ?? [];
  assert.ok(args.includes('--cluster-name=demo'), args.join(' '));
  assert.ok(args.includes('--aws-region=us-west-2'), args.join(' '));
  assert.ok(args.includes('--aws-vpc-id=vpc-0123456789abcdef0'), args.join(' '));
  const serviceAccount = await core().readNamespacedServiceAccount({ name: 'aws-load-balancer-controller', namespace });
  assert.equal(serviceAccount.metadata?.annotations?.['eks.amazonaws.com/role-arn'], roleArn);
  const service = await core().readNamespacedService({ name: webhookService, namespace });
  assert.deepEqual(service.spec?.selector, deployment.spec?.selector.matchLabels, 'the webhook Service selects the controller pods');
  // The gate's Service is the one the chart's webhooks call, and the Service webhook fails
  // closed (templates/webhook.yaml): why the catalog gates what follows on its endpoints.
  const webhooks = await bed.cluster.kubeConfig.makeApiClient(AdmissionregistrationV1Api).readMutatingWebhookConfiguration({ name: 'aws-load-balancer-webhook' });
  const serviceWebhook = webhooks.webhooks?.find((webhook) => webhook.name === 'mservice.elbv2.k8s.aws');
  assert.equal(serviceWebhook?.failurePolicy, 'Fail');
  assert.deepEqual(serviceWebhook?.clientConfig.service && { name: serviceWebhook.clientConfig.service.name, namespace: serviceWebhook.clientConfig.service.namespace }, { name: webhookService, namespace });
  // The chart's CRDs (crds/crds.yaml), which the controller's TargetGroupBindings need.
  const crds = bed.cluster.kubeConfig.makeApiClient(ApiextensionsV1Api);
  for (const name of ['targetgroupbindings.elbv2.k8s.aws', 'ingressclassparams.elbv2.k8s.aws']) await crds.readCustomResourceDefinition({ name });

  // Ready from the first ready endpoint on; wait for both, so the report below is the settled one.
  const seen = await readinessUntil(() => controller().isReady(context), (readiness) => readiness.ready && readiness.gates[1]!.detail === '2 ready endpoints');
  assert.ok(seen.every((readiness) => readiness.ready === readiness.gates.every((gate) => gate.ok)), 'ready exactly when every gate holds');
  assert.deepEqual(seen.at(-1)!.gates, [
    { gate: 'deployment kube-system/aws-load-balancer-controller available', ok: true, detail: '2/2 replicas available' },
    { gate: 'service kube-system/aws-load-balancer-webhook-service has ready endpoints', ok: true, detail: '2 ready endpoints' },
  ]);
});

test('with the release in, a LoadBalancer Service is refused by the chart\'s fail-closed Service webhook, which no pod can answer under KWOK', async () => {
  await core().createNamespace({ body: { metadata: { name: 'refused' } } });
  await assert.rejects(core().createNamespacedService({ namespace: 'refused', body: {
    metadata: { name: 'web' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] },
  } }), (error: unknown) => {
    assert.ok(error instanceof ApiException, String(error));
    assert.equal(error.code, 500);
    assert.match(String(error.body), /failed calling webhook \\?"mservice\.elbv2\.k8s\.aws\\?"/);
    return true;
  });
  await core().deleteNamespace({ name: 'refused' });
});

test('installing again is idempotent: the same release, one revision on', async () => {
  const before = await apps().readNamespacedDeployment({ name: 'aws-load-balancer-controller', namespace });
  const again = await inActivity(controller().install, context);
  assert.equal(again.summary, 'helm aws-load-balancer-controller 1.14.0 revision 2 deployed');
  assert.deepEqual(await releaseStatus(), { status: 'deployed', revision: 2 });
  const after = await apps().readNamespacedDeployment({ name: 'aws-load-balancer-controller', namespace });
  assert.equal(after.metadata?.generation, before.metadata?.generation, 'the same values change nothing in the Deployment');
  assert.equal((await controller().isReady(context)).ready, true);
});

test('isReady is false while the webhook Service has no ready endpoints, and true once they are back', async () => {
  await scaleTo(0);
  const down = (await readinessUntil(() => controller().isReady(context), (readiness) => !readiness.gates[1]!.ok)).at(-1)!;
  assert.equal(down.ready, false);
  assert.deepEqual(down.gates[1], {
    gate: 'service kube-system/aws-load-balancer-webhook-service has ready endpoints', ok: false, detail: 'no ready endpoints: a webhook there would refuse requests',
  });

  await scaleTo(2);
  const up = (await readinessUntil(() => controller().isReady(context), (readiness) => readiness.ready && readiness.gates[1]!.detail === '2 ready endpoints')).at(-1)!;
  assert.deepEqual(up.gates.map((gate) => gate.detail), ['2/2 replicas available', '2 ready endpoints']);
});

test('uninstall removes the release and its objects; a second uninstall finds nothing to remove', async () => {
  assert.deepEqual(await inActivity(controller().uninstall, context), { removed: true });
  assert.equal(await releaseStatus(), undefined);
  assert.ok(await isGone(apps().readNamespacedDeployment({ name: 'aws-load-balancer-controller', namespace })));
  assert.ok(await isGone(core().readNamespacedService({ name: webhookService, namespace })));
  assert.ok(await isGone(core().readNamespacedServiceAccount({ name: 'aws-load-balancer-controller', namespace })));
  const gone = await controller().isReady(context);
  assert.equal(gone.ready, false);
  assert.equal(gone.gates[0]!.detail, 'the Deployment does not exist yet');

  assert.deepEqual(await inActivity(controller().uninstall, context), { removed: false });
});

test('the played controller beside the real apiserver: its finalizer, the NLB and target group by the controller\'s names, deletion before the finalizer goes', async (t) => {
  // After the uninstall above: no webhook configuration is left to refuse the Service.
  const aws = new SimulatedAws({ region: 'us-west-2', clock: scaledClock({ speedup: 10_000 }), seed: 'played-lbc' });
  const gate = { provision: false, deprovision: false };
  const stop = playLoadBalancerController(bed.cluster, { cluster: 'demo', region: 'us-west-2', elbv2: aws.network, gate: (step) => gate[step] });
  t.after(stop);
  await core().createNamespace({ body: { metadata: { name: 'shop' } } });
  // The class the mutator would set; eksflow's app sets it itself (src/domain/app-manifests.ts).
  const created = await core().createNamespacedService({ namespace: 'shop', body: {
    metadata: { name: 'web', annotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing', 'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip' } },
    spec: { type: 'LoadBalancer', loadBalancerClass: nlbLoadBalancerClass, selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 as never }] },
  } });
  const uid = created.metadata!.uid!;
  const read = () => core().readNamespacedService({ name: 'web', namespace: 'shop' });
  // Held before provisioning: the gate is the test's, so nothing here depends on speed.
  assert.deepEqual(aws.network.counts(), { loadBalancers: 0, targetGroups: 0, securityGroups: 0, networkInterfaces: 0 });
  gate.provision = true;
  const ready = await waitFor('the NLB hostname', async () => {
    const live = await read();
    return live.status?.loadBalancer?.ingress?.[0]?.hostname ? live : undefined;
  });
  assert.deepEqual(ready.metadata?.finalizers, ['service.k8s.aws/resources']);
  const { createHash } = await import('node:crypto');
  const hash = (...parts: string[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest('hex').slice(0, 10);
  const nlb = `k8s-shop-web-${hash('demo', uid, 'internet-facing')}`;
  assert.match(ready.status!.loadBalancer!.ingress![0]!.hostname!, new RegExp(`^${nlb}-[0-9a-f]{16}\\.elb\\.us-west-2\\.amazonaws\\.com$`));
  const nlbs = await aws.network.loadBalancersTagged('service.k8s.aws/stack', 'shop/web');
  assert.equal(nlbs.length, 1);
  assert.equal(aws.network.loadBalancer(nlbs[0]!)?.name, nlb);
  assert.deepEqual(aws.network.loadBalancer(nlbs[0]!)?.tags, { 'elbv2.k8s.aws/cluster': 'demo', 'service.k8s.aws/stack': 'shop/web', 'service.k8s.aws/resource': 'LoadBalancer' });
  assert.equal((await aws.network.targetGroupsTagged('service.k8s.aws/resource', 'shop/web:80')).length, 1);

  await core().deleteNamespacedService({ name: 'web', namespace: 'shop' });
  const held = await read();
  assert.ok(held.metadata?.deletionTimestamp, 'held by the finalizer while the NLB goes');
  assert.equal(aws.network.counts().loadBalancers, 1, 'nothing deleted before the gate opens');
  gate.deprovision = true;
  await waitFor('the Service to go', () => isGone(read()));
  assert.deepEqual(aws.network.counts(), { loadBalancers: 0, targetGroups: 0, securityGroups: 0, networkInterfaces: 0 }, 'the NLB and its target group went before the finalizer');
  await core().deleteNamespace({ name: 'shop' });
});
