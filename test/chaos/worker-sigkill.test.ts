import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  DescribeAddressesCommand, DescribeInternetGatewaysCommand, DescribeNatGatewaysCommand, DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import type { WorkflowHandle } from '@temporalio/client';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { ownershipTagKeys } from '../../src/domain/ownership';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery, teardownSignal, type Progress } from '../../src/workflows/messages';
import { awsInventory, type Inventory } from '../support/aws-inventory';
import { awsCrashProxy, seededRandom, startWorkerProcess, untilPolling, type AwsCrashProxy, type TrapPoint, type WorkerProcess } from '../support/chaos';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { moto, type Moto } from '../support/moto';
import { waitFor } from '../support/process';
import { devServer, type DevServer } from '../support/temporal';
import { toolPath } from '../support/tools';

// A worker that dies is not a worker that shuts down: no drain, no goodbye to Temporal, an AWS
// call cut off with its resource made and its ID never returned. Here the real worker process
// is SIGKILLed at seeded random moments of whole runs and restarted each time; every run must
// still end ready with exactly one of each resource, and its teardown must leave nothing.
//
// CHAOS_SEED=<n> replays a kill plan; the plan and where each kill landed are printed.

const seed = Number(process.env.CHAOS_SEED ?? 20261207);
const killCount = 20;
/** Runs kept provisioning at once, so after a kill one of them is soon moving again. */
const runsInFlight = 2;
const group = 'general';
const tenant = 'chaos';
const taskQueue = 'chaos';
const repoRoot = new URL('../..', import.meta.url).pathname;

let server: DevServer;
let aws: Moto;
let cluster: KubeControlPlane;
let proxy: AwsCrashProxy;
let worker: WorkerProcess | undefined;
let workers = 0;

before(async () => {
  [server, aws, cluster] = await Promise.all([devServer(), moto(), kubeControlPlane({ nodes: 2, nodeLabels: { 'eks.amazonaws.com/nodegroup': group } })]);
  proxy = await awsCrashProxy(aws.endpoint);
});

after(async () => {
  await worker?.stop();
  await proxy?.close();
  await Promise.all([server?.teardown(), aws?.stop(), cluster?.stop()]);
});

/** The worker as deployed, configured only by its environment, talking to moto through the crash proxy. */
async function startWorker(): Promise<WorkerProcess> {
  const started = startWorkerProcess(repoRoot, {
    EKSFLOW_CLOUD: 'aws', TEMPORAL_ADDRESS: server.address, EKSFLOW_TASK_QUEUE: taskQueue,
    AWS_ENDPOINT_URL: proxy.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing',
    KUBE_ACCESS: 'kubeconfig', KUBECONFIG: cluster.kubeconfigPath, HELM_PATH: toolPath('helm'), SKOPEO_PATH: toolPath('skopeo'),
  }, `worker-${++workers}`);
  await untilPolling(server.env.client, taskQueue, started);
  return started;
}

function specOf(name: string): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({
    name, region: 'us-east-1',
    network: { vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'single' } },
    controlPlaneLogging: ['api', 'audit'],
    nodeGroups: [{ name: group, instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

type Handle = WorkflowHandle<typeof provisionEnvironment>;

async function startRun(name: string): Promise<Handle> {
  return server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `${tenant}.${name}`, args: [{ environmentId: `${tenant}/${name}`, spec: specOf(name) }],
  });
}

async function untilReady(handle: Handle, timeoutMs: number): Promise<Progress> {
  // A query fails while no worker serves it (a kill): those are waited out; a run that is no
  // longer provisioning nor ready (failed, rolled back) ends the wait at once.
  let ended: string | undefined;
  return waitFor(`${handle.workflowId} to be ready`, async () => {
    const progress = await handle.query(progressQuery);
    if (progress.phase !== 'provisioning' && progress.phase !== 'ready') ended = `${handle.workflowId} is ${progress.phase}: ${JSON.stringify(progress.steps.filter((s) => s.lastError))}`;
    return progress.phase === 'ready' && progress;
  }, { timeoutMs, intervalMs: 500, giveUpIf: () => ended });
}

/** The parts of an environment's VPC, counted by its ownership tag straight from EC2. */
async function vpcParts(environmentId: string) {
  const ec2 = new EC2Client(aws.clientConfig);
  const ours = [{ Name: `tag:${ownershipTagKeys.environment}`, Values: [environmentId] }];
  const vpcIds = ((await ec2.send(new DescribeVpcsCommand({ Filters: ours }))).Vpcs ?? []).map((vpc) => vpc.VpcId!);
  return {
    vpcs: vpcIds.length,
    subnets: (await ec2.send(new DescribeSubnetsCommand({ Filters: ours }))).Subnets?.length ?? 0,
    internetGateways: (await ec2.send(new DescribeInternetGatewaysCommand({ Filters: ours }))).InternetGateways?.length ?? 0,
    // EC2 lists deleted NAT gateways for an hour; they hold nothing.
    // moto ignores tag filters on NAT gateways: they are counted in the environment's VPCs.
    natGateways: vpcIds.length === 0 ? 0 : ((await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: vpcIds }] }))).NatGateways ?? []).filter((nat) => nat.State !== 'deleted').length,
    elasticIps: (await ec2.send(new DescribeAddressesCommand({ Filters: ours }))).Addresses?.length ?? 0,
    routeTables: (await ec2.send(new DescribeRouteTablesCommand({ Filters: ours }))).RouteTables?.length ?? 0,
  };
}

/** Two AZs, one NAT: a public and a private subnet per AZ, one public route table and one per private subnet. */
const oneNetwork = { vpcs: 1, subnets: 4, internetGateways: 1, natGateways: 1, elasticIps: 1, routeTables: 3 };
const noNetwork = { vpcs: 0, subnets: 0, internetGateways: 0, natGateways: 0, elasticIps: 0, routeTables: 0 };

/** What one environment named `name` should own, with `clean`'s names as the model. */
function expectedInventory(names: readonly string[], model: { name: string; inventory: Inventory }): Omit<Inventory, 'vpcs' | 'oidcProviders'> {
  const rename = (values: string[]) => names.flatMap((name) => values.map((value) => value.replaceAll(model.name, name))).sort();
  return {
    clusters: rename(model.inventory.clusters), nodegroups: rename(model.inventory.nodegroups), fargateProfiles: [],
    roles: rename(model.inventory.roles), repositories: [], logGroups: rename(model.inventory.logGroups),
  };
}

interface Kill {
  n: number;
  /** Seconds since the chaos began. */
  at: number;
  how: 'clock' | TrapPoint;
  planned: string;
  landed: string;
}

test(`a worker SIGKILLed at ${killCount} random moments of whole runs and restarted each time: every run ends ready with one of each resource, and teardown leaves nothing`, { timeout: 15 * 60_000 }, async () => {
  const began = Date.now();
  worker = await startWorker();
  console.log(`worker started and polling in ${((Date.now() - began) / 1000).toFixed(1)} s`);

  // One clean run first: its length is the span the kill moments are drawn over, and what it
  // owns is the model of what each chaos run must own, no more.
  const cleanStart = Date.now();
  const clean = await startRun('clean');
  await untilReady(clean, 120_000);
  const cleanMs = Date.now() - cleanStart;
  const model = { name: 'clean', inventory: await awsInventory(aws.clientConfig) };
  assert.deepEqual(await vpcParts(`${tenant}/clean`), oneNetwork);
  await clean.signal(teardownSignal, { reason: 'measured' });
  await clean.result();
  console.log(`clean run: ready in ${(cleanMs / 1000).toFixed(1)} s; owns ${JSON.stringify(model.inventory)}`);

  const random = seededRandom(seed);
  const hows = ['clock', 'before-aws', 'after-aws'] as const;
  const plan = Array.from({ length: killCount }, () => ({ fraction: random(), how: hows[Math.floor(random() * hows.length)]! }));
  console.log(`seed ${seed}: ${plan.map((k, i) => `#${i + 1} ${k.how}@${k.fraction.toFixed(2)}`).join(', ')} (fractions of a clean run, ${cleanMs} ms)`);

  const handles: Handle[] = [];
  const readyRuns = new Map<string, Promise<Progress>>();
  const isReady = new Set<string>();
  const startNext = async () => {
    const handle = await startRun(`run-${handles.length + 1}`);
    handles.push(handle);
    const ready = untilReady(handle, 10 * 60_000);
    // Settled here too, so a run that fails while kills go on is not an unhandled rejection; its failure is asserted below.
    ready.then(() => isReady.add(handle.workflowId), () => undefined);
    readyRuns.set(handle.workflowId, ready);
  };
  const kills: Kill[] = [];
  const chaosStart = Date.now();
  const since = () => (Date.now() - chaosStart) / 1000;
  for (const [i, planned] of plan.entries()) {
    // Fresh runs join as others get ready, so kills keep landing on every stage of a run, its
    // first step included, and always on a run that is under way.
    while (handles.filter((h) => !isReady.has(h.workflowId)).length < runsInFlight) await startNext();
    // A moment of a run, not of the clock: after a kill, runs wait out the dead worker's tasks
    // (10 s for a workflow task, a minute for an AWS call) while the new one starts (~12 s:
    // tsx, then the workflow bundle). The moment is drawn from when they move again.
    const resumed = await Promise.race([proxy.nextRequest().then(() => true), delay(75_000).then(() => false)]);
    const waitMs = Math.round(planned.fraction * cleanMs);
    await delay(waitMs);
    const victim = worker;
    let landed: string;
    if (planned.how === 'clock') {
      await victim.kill();
      landed = 'wherever the worker was';
    } else {
      // The next AWS call of any run, cut before or after moto acts on it. Runs all waiting out
      // a dead worker's activities make no call: then the clock decides.
      const trapped = proxy.trap(planned.how, () => victim.kill());
      const operation = await Promise.race([trapped, delay(5_000).then(() => undefined)]);
      if (operation === undefined) {
        proxy.disarm();
        await victim.kill();
        landed = 'no AWS call within 5 s: wherever the worker was';
      } else landed = operation;
    }
    const kill: Kill = { n: i + 1, at: since(), how: planned.how, planned: `${waitMs} ms after ${resumed ? 'the runs moved again' : '75 s without an AWS call'}`, landed };
    kills.push(kill);
    console.log(`kill #${kill.n} at ${kill.at.toFixed(1)} s, ${kill.how} (${kill.planned}): ${kill.landed}; ${handles.length} runs started, ${isReady.size} ready`);
    worker = await startWorker();
  }
  const names = handles.map((h) => h.workflowId.slice(`${tenant}.`.length));
  console.log(`${killCount} kills in ${since().toFixed(1)} s; waiting for every run to be ready`);

  // A dead worker's AWS call is retried once its 1-minute start-to-close timeout passes.
  const ready = await Promise.all(handles.map((handle) => readyRuns.get(handle.workflowId)!));
  const readyAt = since();
  for (const kill of kills) {
    const running = ready.flatMap((progress) => progress.steps
      .filter((s) => Date.parse(s.startedAt!) <= chaosStart + kill.at * 1000 && chaosStart + kill.at * 1000 <= Date.parse(s.endedAt!))
      .map((s) => `${progress.environment} ${s.id}`));
    console.log(`kill #${kill.n} at ${kill.at.toFixed(1)} s, ${kill.how}: ${kill.landed}; steps under way: ${running.join(', ') || 'none'}`);
  }
  console.log(`every run ready ${readyAt.toFixed(1)} s after the chaos began`);

  // Exactly one of each: in every run's ledger, and in AWS itself.
  for (const progress of ready) {
    assert.ok(progress.steps.every((s) => s.state === 'done'), `${progress.environment}: ${JSON.stringify(progress.steps)}`);
    const entries = progress.ledger.map((e) => `${e.kind} ${e.name}`);
    assert.equal(new Set(entries).size, entries.length, `${progress.environment}'s ledger names each resource once: ${entries.join(', ')}`);
    assert.ok(progress.ledger.every((e) => e.state === 'confirmed'), `${progress.environment}: ${JSON.stringify(progress.ledger)}`);
  }
  const inventory = await awsInventory(aws.clientConfig);
  const { vpcs, oidcProviders, ...named } = inventory;
  assert.deepEqual(named, expectedInventory(names, model));
  assert.equal(oidcProviders.length, names.length, `one OIDC provider per run: ${oidcProviders.join(', ')}`);
  assert.equal(vpcs.length, names.length, `one VPC per run: ${vpcs.join(', ')}`);
  // Every run's network at once, so one short network does not hide another.
  const networks = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await vpcParts(`${tenant}/${name}`)] as const)));
  assert.deepEqual(networks, Object.fromEntries(names.map((name) => [name, oneNetwork])), 'one VPC, 4 subnets, an internet gateway, a NAT gateway and its address, 3 route tables each');

  await Promise.all(handles.map((handle) => handle.signal(teardownSignal, { reason: 'chaos over' })));
  await Promise.all(handles.map((handle) => handle.result()));
  const left = await awsInventory(aws.clientConfig);
  assert.deepEqual(left, { clusters: [], nodegroups: [], fargateProfiles: [], roles: [], oidcProviders: [], repositories: [], vpcs: [], logGroups: [] });
  for (const name of names) assert.deepEqual(await vpcParts(`${tenant}/${name}`), noNetwork, `${name}'s network is gone`);
  console.log(`torn down; the whole test took ${((Date.now() - began) / 1000).toFixed(1)} s`);
});
