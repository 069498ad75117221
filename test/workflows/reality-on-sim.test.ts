import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { startSimulatedCloud, type SimulatedCloud } from '../../src/sim/cloud';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery, type Progress } from '../../src/workflows/messages';
import { workflowWorkerOptions } from '../../worker';
import { recordHistory } from '../support/histories';
import { waitFor } from '../support/process';
import { devServer, type DevServer } from '../support/temporal';

// What real AWS does and moto does not, on the simulated cloud: resources that end FAILED,
// CREATE_FAILED or DEGRADED with EKS's own health issues; two tenants asking for one name.
// Each test fails without the handling it names (a FAILED cluster was never deleted; a
// refused create's rollback deleted the other tenant's role; a failed step let the others go on).

const speedup = 200;
let server: DevServer;
let cloud: SimulatedCloud;
let worker: Worker;
let workerRun: Promise<void>;
const taskQueue = 'reality-on-sim';

before(async () => {
  [server, cloud] = await Promise.all([devServer(), startSimulatedCloud({ speedup, seed: 'reality' })]);
  worker = await Worker.create({ connection: server.env.nativeConnection, taskQueue, ...workflowWorkerOptions, activities: createActivities(cloud.deps) });
  workerRun = worker.run();
});
afterEach(() => cloud.aws.faults.clearFailSteps());
after(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun;
  await Promise.all([server?.teardown(), cloud?.close()]);
});

function specOf(name: string, overrides: Record<string, unknown> = {}): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({
    name, region: 'us-east-1', network: { vpc: { natGateway: 'none', availabilityZones: 2 } }, controlPlaneLogging: ['api', 'audit'],
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
    ...overrides,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

let runs = 0;
const start = (tenant: string, spec: EnvironmentSpec) => server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
  taskQueue, workflowId: `${tenant}.${spec.name}.${++runs}`, args: [{ environmentId: `${tenant}/${spec.name}`, spec, timeScale: speedup }],
});

/** A run expected to fail; with `record`, its history is kept for the replay test. */
async function failed(tenant: string, spec: EnvironmentSpec, record?: string): Promise<{ error: WorkflowFailedError; progress: Progress }> {
  const handle = await start(tenant, spec);
  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, `the run failed: ${String(error)}`);
  if (record) await recordHistory(record, handle);
  return { error, progress: await handle.query(progressQuery) };
}

const nothingOf = (name: string) => {
  const left = cloud.aws.inventory();
  const mine = (ref: string) => ref === name || ref.startsWith(`${name}/`) || ref.startsWith(`${name}-`);
  return {
    clusters: left.clusters.filter(mine), nodegroups: left.nodegroups.filter(mine), fargateProfiles: left.fargateProfiles.filter(mine),
    roles: left.roles.filter(mine), vpcs: left.vpcs.length, logGroups: left.logGroups.filter((group) => group.startsWith(`/aws/eks/${name}/`)),
  };
};
const none = { clusters: [], nodegroups: [], fargateProfiles: [], roles: [], vpcs: 0, logGroups: [] };

test('a cluster that ends FAILED fails its step with EKS\'s health issue, and the rollback still deletes it', async () => {
  cloud.aws.faults.failOutcome('cluster', 'failing', { status: 'FAILED', issues: ['Ec2SubnetInvalidConfiguration: One or more Amazon EC2 Subnets of [subnet-1] for node group failing does not automatically assign public IP addresses'] });
  const { error, progress } = await failed('team-a', specOf('failing'));
  assert.match(error.cause!.message, /eks:cluster is FAILED: Ec2SubnetInvalidConfiguration/);
  const step = progress.steps.find((s) => s.id === 'eks:cluster')!;
  assert.equal(step.state, 'compensated');
  assert.match(step.lastError ?? '', /FAILED: Ec2SubnetInvalidConfiguration/);
  assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
  assert.equal((cloud.aws.calls()['eks:DeleteCluster'] ?? 0) > 0, true, 'DeleteCluster was called on the FAILED cluster');
  assert.deepEqual(nothingOf('failing'), none);
});

for (const [status, issue] of [
  ['CREATE_FAILED', 'NodeCreationFailure: Instances failed to join the kubernetes cluster'],
  ['CREATE_FAILED', 'AsgInstanceLaunchFailures: Could not launch Spot Instances. UnfulfillableCapacity - Unable to fulfill capacity due to your request configuration.'],
  ['DEGRADED', 'IamInstanceProfileNotFound: Instance profile arn:aws:iam::123456789012:instance-profile/eks-x does not exist'],
] as const) {
  test(`a node group that ends ${status} (${issue.split(':')[0]}) reports AWS's code and message on its step and rolls back`, async () => {
    const name = `ng-${status.toLowerCase().replace('_', '-')}-${issue.split(':')[0]!.toLowerCase()}`.slice(0, 40);
    cloud.aws.faults.failOutcome('nodegroup', `${name}/general`, { status, issues: [issue] });
    const { error, progress } = await failed('team-a', specOf(name), status === 'DEGRADED' ? 'rollback-nodegroup-degraded' : undefined);
    const step = progress.steps.find((s) => s.id === 'eks:nodegroup/general')!;
    assert.equal(step.detail, `${status}: ${issue}`, 'the step shows EKS\'s own words');
    assert.match(error.cause!.message, new RegExp(`eks:nodegroup/general is ${status}: ${issue.split(':')[0]}`));
    assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
    // The cluster came up with logging on, so EKS made its log group: the rollback swept it.
    assert.ok(progress.ledger.some((e) => e.kind === 'log-group' && e.name === `/aws/eks/${name}/cluster` && e.state === 'compensated'), JSON.stringify(progress.ledger));
    assert.deepEqual(nothingOf(name), none);
  });
}

test('a Fargate profile that ends CREATE_FAILED rolls back with everything else', async () => {
  cloud.aws.faults.failOutcome('fargate-profile', 'fp-fails/apps', { status: 'CREATE_FAILED', issues: [] });
  const { error, progress } = await failed('team-a', specOf('fp-fails', { nodeGroups: [], fargateProfiles: [{ name: 'apps', selectors: [{ namespace: 'default' }] }] }));
  assert.match(error.cause!.message, /eks:fargate-profile\/apps is CREATE_FAILED/);
  assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
  assert.deepEqual(nothingOf('fp-fails'), none);
});

test('two tenants, one name: the second is refused, its rollback touches nothing of the first, and the first still tears down', async () => {
  const first = await start('team-a', specOf('shared'));
  await waitFor('team A\'s environment to be ready', async () => (await first.query(progressQuery)).phase === 'ready', { timeoutMs: 120_000, intervalMs: 200 });
  const before = nothingOf('shared');
  assert.deepEqual(before.roles, ['shared-cluster', 'shared-node']);

  const { error, progress } = await failed('team-b', specOf('shared'), 'two-tenants-refused-rollback');
  const cause = error.cause as ApplicationFailure;
  assert.match(cause.message, /already exists and is not this environment's/);
  assert.ok(!cause.message.includes('team-a'), 'the refusal does not name the other tenant');
  // The refused creates are recorded as such, and nothing was deleted on their account.
  const refused = progress.ledger.filter((e) => e.state === 'refused').map((e) => `${e.kind} ${e.name}`);
  assert.ok(refused.length > 0, JSON.stringify(progress.ledger));
  assert.ok(progress.ledger.every((e) => e.state === 'refused' || e.state === 'compensated' || e.state === 'not-ours'), JSON.stringify(progress.ledger));
  assert.deepEqual(nothingOf('shared'), before, 'team A\'s roles, cluster, node group and VPC are all still there');
  assert.equal((await first.query(progressQuery)).phase, 'ready');

  await first.signal('teardown', { reason: 'done' });
  await first.result();
  assert.deepEqual(nothingOf('shared'), none);
});

test('fail fast: once a step fails, no other step starts and the rollback follows at once', async () => {
  cloud.aws.faults.failStep('createRepository', { resource: 'team/fast' });
  const callsBefore = cloud.aws.calls();
  const { error, progress } = await failed('team-a', specOf('fast', { image: { import: { source: 'public.ecr.aws/nginx/nginx:1.27', repository: 'team/fast', tag: '1' } } }), 'fail-fast-before-cluster');
  assert.match(error.cause!.message, /provisioning fast failed/);
  const failedStep = progress.steps.find((s) => s.id === 'ecr:repository')!;
  assert.match(failedStep.lastError ?? '', /CreateRepository|createRepository/, 'the step that failed keeps its own error');
  const calls = cloud.aws.calls();
  const made = (api: string) => (calls[api] ?? 0) - (callsBefore[api] ?? 0);
  assert.equal(made('eks:CreateNodegroup'), 0, 'no node group was asked for after the failure');
  const skipped = progress.steps.filter((s) => s.state === 'skipped').map((s) => s.id);
  assert.ok(skipped.includes('eks:nodegroup/general'), JSON.stringify(progress.steps.map((s) => [s.id, s.state])));
  assert.equal(progress.phase, 'rolled-back');
  assert.deepEqual(nothingOf('fast'), none);
});

test('a failure of a step cancels the steps already running: the network\'s NAT wait ends at once', async () => {
  // The network step waits minutes of cloud time for its NAT gateway; the node role's policy
  // attachment fails for good at once. Without fail-fast the run would wait the NAT out, then
  // create the cluster, before rolling back.
  cloud.aws.faults.failStep('attachPolicy', { resource: 'cancel-node' });
  const callsBefore = cloud.aws.calls()['eks:CreateCluster'] ?? 0;
  const { error, progress } = await failed('team-a', specOf('cancel', { network: { vpc: { natGateway: 'single', availabilityZones: 2 } } }), 'fail-fast-cancels-nat-wait');
  assert.match(error.cause!.message, /provisioning cancel failed/);
  assert.match(progress.steps.find((s) => s.id === 'iam:node-role')?.lastError ?? '', /attachPolicy/, 'the step that failed keeps its own error');
  const network = progress.steps.find((s) => s.id === 'vpc:network')!;
  assert.match(network.lastError ?? '', /cancelled: iam:node-role failed/, JSON.stringify(network));
  assert.equal(cloud.aws.calls()['eks:CreateCluster'] ?? 0, callsBefore, 'the cluster was never asked for');
  assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
  assert.deepEqual(nothingOf('cancel'), none);
});

test('a NAT gateway that fails to come up is replaced once, with its address released, and the run goes on', async () => {
  cloud.aws.vpc.failNatGateways(1);
  const spec = specOf('nat-retry', { network: { vpc: { natGateway: 'single', availabilityZones: 2 } } });
  const handle = await start('team-a', spec);
  const ready = await waitFor('the environment to be ready', async () => {
    const progress = await handle.query(progressQuery);
    if (progress.phase === 'rolled-back' || progress.phase === 'failed') throw new Error(`the run ${progress.phase}: ${JSON.stringify(progress.steps.filter((s) => s.lastError))}`);
    return progress.phase === 'ready' && progress;
  }, { timeoutMs: 120_000, intervalMs: 200 });
  assert.match(ready.steps.find((s) => s.id === 'vpc:network')?.detail ?? '', /NAT nat-[0-9a-f]+ available$/);
  await handle.signal('teardown', { reason: 'done' });
  await handle.result();
  await recordHistory('nat-failed-replaced-teardown', handle);
  await recordHistory('teardown-child-with-vpc', server.env.client.workflow.getHandle('teardown:team-a/nat-retry'));
  assert.deepEqual(nothingOf('nat-retry'), none);
});

test('a NAT gateway that fails twice fails the network step with EC2\'s code and message, and rolls back', async () => {
  cloud.aws.vpc.failNatGateways(2, { code: 'InsufficientFreeAddressesInSubnet', message: 'Subnet has insufficient free addresses to create this NAT gateway' });
  const { error, progress } = await failed('team-a', specOf('nat-fails', { network: { vpc: { natGateway: 'single', availabilityZones: 2 } } }));
  assert.match(error.cause!.message, /NAT gateway nat-[0-9a-f]+: InsufficientFreeAddressesInSubnet: Subnet has insufficient free addresses/);
  assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
  assert.deepEqual(nothingOf('nat-fails'), none);
});

test('a Fargate-only cluster (eksctl create cluster --fargate): the API is gated on /readyz, CoreDNS is moved onto Fargate and Ready, and teardown leaves nothing', async () => {
  // eksctl's --fargate profile: default and kube-system. EKS makes CoreDNS annotated
  // compute-type ec2, so without the step its pods would stay Pending for ever (catalog 31).
  const spec = specOf('fargate-only', { nodeGroups: [], fargateProfiles: [{ name: 'fp-default', selectors: [{ namespace: 'default' }, { namespace: 'kube-system' }] }] });
  const handle = await start('team-a', spec);
  const ready = await waitFor('the environment to be ready', async () => {
    const progress = await handle.query(progressQuery);
    if (progress.phase === 'rolled-back' || progress.phase === 'failed') throw new Error(`the run ${progress.phase}: ${JSON.stringify(progress.steps.filter((s) => s.lastError))}`);
    return progress.phase === 'ready' && progress;
  }, { timeoutMs: 120_000, intervalMs: 200 });
  const step = (id: string) => ready.steps.find((s) => s.id === id);
  assert.equal(step('k8s:coredns-on-fargate')?.state, 'done');
  assert.equal(step('k8s:coredns-on-fargate')?.detail, 'patched to compute-type fargate; 2/2 CoreDNS replicas Ready, 2 on Fargate');
  // Six answers in a row before any Kubernetes step (the failed looks, if the run saw the API
  // still starting, depend on how late it noticed ACTIVE: test/activities/kube-api-ready.test.ts shows them).
  assert.match(step('k8s:api-ready')?.detail ?? '', /^\/readyz answered 6 times in a row( after \d+ failed looks|$)/);
  const kube = await cloud.kube.access.forCluster('fargate-only');
  const coredns = await kube.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' });
  assert.equal(coredns.status?.readyReplicas, 2);
  const pods = (await kube.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' })).items;
  assert.deepEqual(pods.map((pod) => [pod.status?.phase, /^fargate-ip-/.test(pod.spec?.nodeName ?? '')]), [['Running', true], ['Running', true]]);
  await handle.signal('teardown', { reason: 'done' });
  await handle.result();
  await recordHistory('fargate-only-coredns-teardown', handle);
  assert.deepEqual(nothingOf('fargate-only'), none);
});

test('an EKS add-on that ends CREATE_FAILED fails its step at once with EKS\'s code and message, and rolls back (catalog 32)', async () => {
  const issue = 'ConfigurationConflict: Conflicts found when trying to apply. Will not continue due to resolve conflicts mode.';
  cloud.aws.faults.failOutcome('addon', 'addon-fails/metrics-server', { status: 'CREATE_FAILED', issues: [issue] });
  const { error, progress } = await failed('team-a', specOf('addon-fails', { addons: { 'metrics-server': { method: 'eks-addon' } } }));
  // Without the handling the step waits its whole deadline and fails "not ready", naming no cause.
  assert.match(error.cause!.message, /addon:metrics-server is CREATE_FAILED: ConfigurationConflict: Conflicts found when trying to apply/);
  const step = progress.steps.find((s) => s.id === 'addon:metrics-server')!;
  assert.equal(step.detail, `CREATE_FAILED: ${issue}`);
  assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
  assert.ok(progress.ledger.some((e) => e.kind === 'addon' && e.name === 'addon-fails/metrics-server' && e.state === 'compensated'), JSON.stringify(progress.ledger));
  assert.deepEqual(nothingOf('addon-fails'), none);
});
