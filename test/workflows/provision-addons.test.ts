import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import { WorkflowFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import type { EnvironmentSpec } from '../../src/domain/environment-spec';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery, teardownSignal, type Progress } from '../../src/workflows/messages';
import { buildWorkflowBundle, prebuiltBundleOptions } from '../../worker';
import { validSpec } from '../fixtures/specs';
import type { ChartRef } from '../../src/activities/helm';
import { testActivityDeps } from '../support/activity-deps';
import { awsInventory, type Inventory } from '../support/aws-inventory';
import { realChartArgs } from '../support/charts';
import { withFault, type Fault } from '../support/faults';
import { helmFor, type Helm } from '../support/helm';
import { writeAutoscalerStatus } from '../support/cluster-autoscaler-status';
import { playLoadBalancerController } from '../support/played-load-balancer-controller';
import { kubeControlPlane, kwokUsage, type KubeControlPlane } from '../support/kube';
import { moto, type Moto } from '../support/moto';
import { recordHistory } from '../support/histories';
import { waitFor } from '../support/process';
import { devServer, type DevServer } from '../support/temporal';

// The whole tutorial environment on the test bed: AWS on moto, the cluster a real control
// plane with KWOK nodes, every add-on installed by the real helm from its real chart package.

// The real Temporal server: the time-skipping one sticks when a rollback cancels an activity in
// the workflow task in which it completes (temporalio/sdk-typescript#1058).
let server: DevServer;
let env: TestWorkflowEnvironment;
let aws: Moto;
let cluster: KubeControlPlane;
let helm: Helm;
let bundle: { code: string };
let stopController: () => Promise<void>;

before(async () => {
  [server, aws, cluster] = await Promise.all([devServer(), moto(), kubeControlPlane({ nodes: 2, nodeLabels: { 'eks.amazonaws.com/nodegroup': 'general' }, metrics: true })]);
  env = server.env;
  helm = helmFor(cluster.kubeconfigPath);
  // The Load Balancer Controller's Service reconciler, played from its documented behaviour
  // (finalizer, NLB named as it names them, hostname; deletion before the finalizer goes).
  stopController = playLoadBalancerController(cluster, { cluster: 'demo' });
  bundle = { code: await buildWorkflowBundle() };
});
afterEach(() => aws.reset());
after(async () => {
  await stopController?.();
  helm?.cleanup();
  await Promise.all([server?.teardown(), aws?.stop(), cluster?.stop()]);
});

const tutorial = (): EnvironmentSpec => validSpec({
  network: { vpc: {} },
  image: { uri: 'registry.example/awesomebuilder:1' },
  app: { name: 'awesomebuilder', containerPort: 5000, hpa: { minReplicas: 2, maxReplicas: 4 }, vpa: {} },
  addons: {
    'aws-load-balancer-controller': {}, 'metrics-server': {}, dashboard: {}, cloudwatch: { mode: 'fluent-bit', logRetentionDays: 14 },
    'vertical-pod-autoscaler': {}, 'cluster-autoscaler': {},
  },
  autoscaling: { verify: 'passive' },
});


/**
 * The real charts the catalog pins, with a test-only values overlay for two parts that need a
 * pod the apiserver can reach, which no pod under KWOK is:
 * - metrics-server registers no APIService: the test bed runs the real metrics-server beside
 *   the control plane (scraping KWOK's emulated kubelets) and has registered
 *   v1beta1.metrics.k8s.io for it already. The chart's own registration is covered by
 *   test/activities/addons/metrics-server.test.ts.
 * - the Load Balancer Controller's Service webhook (mservice.elbv2.k8s.aws, failurePolicy Fail)
 *   is left out: no controller answers it here, so it would refuse every Service created after
 *   the release (the app's, and the later charts'). It only fills in `spec.loadBalancerClass`,
 *   which eksflow's app Service names itself; the webhook as eksflow's values register it is
 *   checked in test/activities/addons/aws-load-balancer-controller.test.ts. The helm values
 *   file still turns it on: `--set` wins over it, as it would over any values file.
 */
const overlay: Record<string, string[]> = {
  'metrics-server': ['--set', 'apiService.create=false'],
  'aws-load-balancer-controller': ['--set', 'enableServiceMutatorWebhook=false'],
};
const chartArgs = (chart: ChartRef) => [...realChartArgs(chart), ...(overlay[chart.name] ?? [])];

const empty: Inventory = { clusters: [], nodegroups: [], fargateProfiles: [], roles: [], oidcProviders: [], repositories: [], vpcs: [], logGroups: [] };

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof provisionEnvironment>;
let runs = 0;

async function withRun<T>(spec: EnvironmentSpec, fault: Fault | undefined, body: (handle: Handle) => Promise<T>): Promise<T> {
  const taskQueue = `addons-${++runs}`;
  const activities = withFault(createActivities(testActivityDeps({ aws, kubeconfigPath: cluster.kubeconfigPath, chartArgs })), fault);
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...prebuiltBundleOptions(bundle), activities });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
      taskQueue, workflowId: `team-a.${spec.name}.addons-${runs}`, args: [{ environmentId: `team-a/${spec.name}`, spec }],
    });
    try {
      return await body(handle);
    } finally {
      // A test that failed half-way must not leave work the next one's server would wait on.
      await handle.terminate('test over').catch(() => undefined);
    }
  });
}

// Waiting by query, not on the result: the test server then runs timers in real time, so the
// workflow's polls see the cluster at its own pace.
async function untilPhase(handle: Handle, phases: string[]) {
  let last: Progress | undefined;
  try {
    return await waitFor(`the run to be ${phases.join(' or ')}`, async () => {
      last = await handle.query(progressQuery);
      return phases.includes(last.phase) ? last : undefined;
    }, { timeoutMs: Number(process.env.EKSFLOW_PHASE_TIMEOUT_MS ?? 240_000), intervalMs: 500 });
  } catch (error) {
    const open = last?.steps.filter((s) => s.state !== 'done').map((s) => `${s.id} ${s.state} ${s.detail ?? ''} ${s.lastError ?? ''}`);
    const pending = (await handle.describe()).raw.pendingActivities?.map((a) => `${a.activityType?.name} attempt ${a.attempt} ${a.lastFailure?.message ?? ''} ${JSON.stringify(a.heartbeatDetails ?? '')}`);
    throw new Error(`${(error as Error).message}; last seen ${last?.phase}: ${open?.join(' | ')}; pending: ${pending?.join(' | ')}`, { cause: error });
  }
}

const releases = async () => (JSON.parse(await helm('list', '--all-namespaces', '-o', 'json')) as { name: string; namespace: string; status: string }[])
  .map((r) => `${r.namespace}/${r.name} ${r.status}`).sort();
const logGroups = async () => ((await new CloudWatchLogsClient(aws.clientConfig).send(new DescribeLogGroupsCommand({}))).logGroups ?? [])
  .map((g) => `${g.logGroupName} ${g.retentionInDays}`).sort();
const namespaces = async () => (await cluster.kubeConfig.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata!.name!).sort();

test('the tutorial environment: every add-on after its IRSA role and the nodes, the app behind its NLB, autoscaling verified, then a teardown that leaves nothing', async () => {
  const namespacesBefore = await namespaces();
  await writeAutoscalerStatus(cluster.kubeConfig, 'Healthy');
  // The app's pods use 200m of their 250m CPU request, as KWOK reports to the real metrics-server.
  await KubernetesObjectApi.makeApiClient(cluster.kubeConfig).create(kwokUsage('awesomebuilder-usage', ['awesomebuilder'], { cpu: '200m' }));
  await withRun(tutorial(), undefined, async (handle) => {
    const ready = await untilPhase(handle, ['ready', 'failed', 'rolled-back']);
    assert.equal(ready.phase, 'ready', JSON.stringify(ready.steps.filter((s) => s.state !== 'done')));
    assert.ok(ready.steps.every((s) => s.state === 'done'));
    // The controller's NLB name: k8s-<namespace[:8]>-<name[:8]>-<10 hex>, and a DNS name under it.
    assert.match(ready.appUrl ?? '', /^http:\/\/k8s-awesomeb-awesomeb-[0-9a-f]{10}-[0-9a-f]{16}\.elb\.us-east-1\.amazonaws\.com$/);
    assert.deepEqual(await releases(), [
      'headlamp/headlamp deployed', 'kube-system/aws-load-balancer-controller deployed', 'kube-system/cluster-autoscaler deployed',
      'kube-system/metrics-server deployed', 'vpa/vpa deployed',
    ]);
    assert.deepEqual(await logGroups(), ['application', 'dataplane', 'host'].map((kind) => `/aws/containerinsights/demo/${kind} 14`));
    // The HPA reads real CPU metrics: 200m used of 250m requested.
    assert.match(ready.steps.find((s) => s.id === 'verify:autoscaling')?.detail ?? '',
      /^HPA awesomebuilder\/awesomebuilder reads CPU: CPU at 80% of a 50% target, \d replicas; cluster-autoscaler reports Healthy: health Healthy/);
    const addonSteps = ready.steps.filter((s) => s.id.startsWith('addon:'));
    assert.equal(addonSteps.length, 6);
    for (const step of addonSteps) assert.match(step.detail ?? '', /^ready/, `${step.id} passed its gates`);
    assert.equal(addonSteps.find((s) => s.id === 'addon:metrics-server')?.detail, 'ready', 'the metrics API answers, so even the advisory gate holds');

    // Each role is trusted by the cluster's OIDC provider for one ServiceAccount and carries what the catalog names.
    const iam = new IAMClient(aws.clientConfig);
    const irsa = ready.ledger.filter((e) => e.step.startsWith('iam:irsa/')).map((e) => e.name).sort();
    assert.deepEqual(irsa.length, 3);
    for (const role of irsa) {
      const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: role }))).PolicyNames ?? [];
      const inline = names.length ? decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: names[0] }))).PolicyDocument!) : '';
      assert.ok(inline.includes('"Statement"'), `${role} carries its policy`);
    }
    const lbcAccount = await cluster.kubeConfig.makeApiClient(CoreV1Api).readNamespacedServiceAccount({ name: 'aws-load-balancer-controller', namespace: 'kube-system' });
    const lbcRole = ready.ledger.find((e) => e.step === 'iam:irsa/aws-load-balancer-controller')!;
    assert.equal(lbcAccount.metadata?.annotations?.['eks.amazonaws.com/role-arn'], lbcRole.arn);

    // The ledger knows the add-ons in the order they went in: the controller first; the app once
    // it answers, without waiting for the VPA add-on — its VPA object is a step of its own after both.
    const onCluster = ready.ledger.filter((e) => e.kind === 'addon' || e.kind === 'app').map((e) => e.name);
    assert.equal(onCluster[0], 'demo/aws-load-balancer-controller');
    assert.ok(onCluster.includes('demo/awesomebuilder/awesomebuilder'));
    const vpaStep = ready.steps.find((s) => s.id === 'app:vertical-pod-autoscaler');
    assert.equal(vpaStep?.state, 'done');
    assert.equal(vpaStep?.detail, 'VerticalPodAutoscaler/awesomebuilder');
    const endOf = (id: string) => Date.parse(ready.steps.find((s) => s.id === id)!.endedAt!);
    assert.ok(Date.parse(vpaStep!.startedAt!) >= Math.max(endOf('app:deployment'), endOf('addon:vertical-pod-autoscaler')));

    await handle.signal(teardownSignal, { reason: 'tutorial done' });
    const result = await handle.result();
    // EKSFLOW_RECORD_HISTORIES=1 keeps this history for the replay test (test/support/histories.ts).
    await recordHistory('tutorial-addons-teardown', handle);
    assert.equal(result.appUrl, ready.appUrl);
    assert.ok(result.ledger.every((e) => e.state === 'deleted'), JSON.stringify(result.ledger.filter((e) => e.state !== 'deleted')));
  });
  assert.deepEqual(await releases(), []);
  assert.deepEqual(await logGroups(), []);
  assert.deepEqual(await awsInventory(aws.clientConfig), empty);
  // The add-ons' namespaces stay (helm leaves them); the app's and CloudWatch's go, once the namespace controller has emptied them.
  const added = async () => (await namespaces()).filter((n) => !namespacesBefore.includes(n));
  await waitFor('the app\'s and CloudWatch\'s namespaces to go', async () => (await added()).join() === 'headlamp,vpa', { timeoutMs: 60_000, intervalMs: 500 });
});

test('when the app step fails, the add-ons, their roles and everything else are rolled back', async () => {
  const fault: Fault = { activity: 'applyApp', when: 'after' };
  await withRun(tutorial(), fault, async (handle) => {
    const ended = await untilPhase(handle, ['rolled-back', 'failed']);
    assert.equal(ended.phase, 'rolled-back', JSON.stringify(ended.ledger.filter((e) => e.state !== 'compensated')));
    const error = await handle.result().then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof WorkflowFailedError);
    assert.match(String((error.cause as Error).message), /injected failure after applyApp \(response lost\).*everything this run made was deleted/);
    assert.ok(ended.ledger.some((e) => e.kind === 'app'), 'the app whose response was lost is in the ledger');
    assert.ok(ended.ledger.every((e) => e.state === 'compensated'), JSON.stringify(ended.ledger));
  });
  assert.deepEqual(await releases(), []);
  assert.deepEqual(await logGroups(), []);
  assert.ok(!(await namespaces()).includes('awesomebuilder'), 'the app\'s namespace went with the rollback');
  assert.deepEqual(await awsInventory(aws.clientConfig), empty);
});

test('active autoscaling verification: cluster-autoscaler reports Healthy, a probe past capacity brings a node, and the probe goes', async () => {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  await writeAutoscalerStatus(cluster.kubeConfig, 'Healthy');
  const spec = validSpec({ addons: { 'cluster-autoscaler': {} }, autoscaling: { verify: 'active' } });
  await withRun(spec, undefined, async (handle) => {
    // Play the Auto Scaling group cluster-autoscaler grows: once a probe pod is Pending, a node of the group joins.
    await waitFor('a probe pod to be Pending', async () => (await core.listNamespacedPod({ namespace: 'eksflow-autoscaling-probe' })).items
      .some((pod) => pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable')), { timeoutMs: 180_000, intervalMs: 250 });
    await cluster.addNodes(['kwok-general-grown'], { 'eks.amazonaws.com/nodegroup': 'general' });
    const ready = await untilPhase(handle, ['ready', 'failed', 'rolled-back']);
    assert.equal(ready.phase, 'ready', JSON.stringify(ready.steps.filter((s) => s.state !== 'done')));
    assert.match(ready.steps.find((s) => s.id === 'verify:autoscaling')?.detail ?? '',
      /^cluster-autoscaler reports Healthy: health Healthy \(ready=2.*; probe Pending after \d+s, scheduled after \d+s on 3 nodes \(2 before\)$/);
    await waitFor('the probe to go', async () => (await namespaces()).every((n) => n !== 'eksflow-autoscaling-probe'), { timeoutMs: 60_000, intervalMs: 500 });
    await handle.signal(teardownSignal, { reason: 'verified' });
    await handle.result();
  });
  assert.deepEqual(await releases(), []);
  assert.deepEqual(await awsInventory(aws.clientConfig), empty);
});
