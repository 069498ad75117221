import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { teardownSignal } from '../../src/workflows/messages';
import { phaseKey } from '../../src/domain/search-attributes';
import { awsInventory, type Inventory } from '../support/aws-inventory';
import {
  awsCrashProxy, buildWorker, declareLost, noNetwork, oneNetwork, seededRandom, startEnvironmentRun, startMotoWorker, untilReady, vpcParts,
  type AwsCrashProxy, type BuiltWorker, type EnvironmentHandle, type TrapPoint, type WorkerProcess,
} from '../support/chaos';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { moto, type Moto } from '../support/moto';
import { devServer, type DevServer } from '../support/temporal';

// A worker that dies is not a worker that shuts down: no drain, no goodbye to Temporal, an AWS
// call cut off with its resource made and its ID never returned. Here the real worker process
// is SIGKILLed at seeded random moments of whole runs and restarted each time; every run must
// still end ready with exactly one of each resource, and its teardown must leave nothing.
//
// CHAOS_SEED=<n> replays a kill plan; the plan and where each kill landed are printed.
//
// What makes twenty kills fit in a few minutes, and why:
// - Every kill lands inside a run (asserted from the runs' own step times): three runs are
//   kept under way, a ready one replaced at once, and each moment is drawn from when the new
//   worker has the runs moving again. Each kill thus hits three runs at different stages.
// - A kill costs a restart, not a timeout. Temporal learns a worker is dead only as each of its
//   attempts times out (a minute for an AWS call); the test knows at once, and `declareLost`
//   fails the dead worker's started attempts by ID, retryably, as the timeout would. Their
//   retries, on the new worker, meet whatever the lost attempt did or half did: that is what is
//   under test, not Temporal's timer. No production timeout is shortened for it.
// - Not the time-skipping test server, though skipping would fire those timeouts too: it
//   answers DescribeTaskQueue (how a new worker is known to be polling) and ResetStickyTaskQueue
//   with UNIMPLEMENTED, and it is not the server eksflow runs on. Its skipping is also global:
//   a jump meant for the dead worker's attempts fires every timer and timeout alike.
// - Each worker is the image's: `npm run build`'s compiled worker.js and prebuilt workflow
//   bundle, built once before the first worker and started with plain node. A restart is then
//   node loading plain JavaScript, not tsx compiling the sources (~8 s a restart on a busy
//   2-core machine, 20 of them, was most of this test's time) nor webpack bundling the workflows.

const seed = Number(process.env.CHAOS_SEED ?? 20261207);
const killCount = 20;
/** Runs kept provisioning at once, so each kill lands on several, each at its own stage. */
const runsInFlight = 3;
const group = 'general';
const tenant = 'chaos';
const taskQueue = 'chaos';
const repoRoot = new URL('../..', import.meta.url).pathname;

let built: BuiltWorker | undefined;
let server: DevServer;
let aws: Moto;
let cluster: KubeControlPlane;
let proxy: AwsCrashProxy;
let worker: WorkerProcess | undefined;
let workers = 0;

before(async () => {
  [server, aws, cluster] = await Promise.all([devServer(), moto(), kubeControlPlane({ nodes: 2, nodeLabels: { 'eks.amazonaws.com/nodegroup': group } })]);
  proxy = await awsCrashProxy(aws.endpoint);
  // Built once here, run by each of the 21 workers: worker.js loads the workflow bundle built
  // beside it, so a restart neither compiles nor bundles, and a kill costs that much less.
  built = await buildWorker(repoRoot);
});

after(async () => {
  await worker?.stop();
  await proxy?.close();
  await Promise.all([server?.teardown(), aws?.stop(), cluster?.stop()]);
  built?.remove();
});

/** The worker as deployed, configured only by its environment, talking to moto through the crash proxy. */
function startWorker(): Promise<WorkerProcess> {
  return startMotoWorker({ repoRoot, server, proxy, cluster, taskQueue, logName: `worker-${++workers}`, compiledWorker: built!.compiledWorker });
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

type Handle = EnvironmentHandle;

const startRun = (name: string): Promise<Handle> => startEnvironmentRun(server.env.client, { taskQueue, tenant, spec: specOf(name) });

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
  /** Where it landed: the trapped AWS call, or the clock. */
  landed: string;
  /** Trapped before or after AWS acted, or by the clock (a trap that met no AWS call falls back to it). */
  where: 'clock' | TrapPoint;
  /** The runs under way at the kill, each with how long it had been going. */
  runsUnderWay: string[];
  /** The dead worker's activity attempts, declared lost. */
  lost: string[];
}

interface Run {
  handle: Handle;
  /** Wall clock when it was started. */
  startedAt: number;
  /** Set once it was seen past provisioning (ready, or failed: asserted at the end). */
  readyAt?: number;
}

test(`a worker SIGKILLed at ${killCount} random moments of whole runs and restarted each time: every run ends ready with one of each resource, and teardown leaves nothing`, { timeout: 15 * 60_000 }, async () => {
  const began = Date.now();
  worker = await startWorker();
  console.log(`worker started and polling in ${((Date.now() - began) / 1000).toFixed(1)} s`);

  // One clean run first: its length scales the kill moments, and what it owns is the model of
  // what each chaos run must own, no more.
  const cleanStart = Date.now();
  const clean = await startRun('clean');
  await untilReady(clean, 120_000);
  const cleanMs = Date.now() - cleanStart;
  const model = { name: 'clean', inventory: await awsInventory(aws.clientConfig) };
  assert.deepEqual(await vpcParts(aws.clientConfig, `${tenant}/clean`), oneNetwork);
  await clean.signal(teardownSignal, { reason: 'measured' });
  await clean.result();
  console.log(`clean run: ready in ${(cleanMs / 1000).toFixed(1)} s; owns ${JSON.stringify(model.inventory)}`);

  // A kill is drawn as a moment of the runs' own progress: `fraction` of half a clean run
  // after the new worker has them moving again. Half, not whole: ${runsInFlight} runs are kept
  // under way, started at different times, so any moment finds each at a different stage (its
  // first step included); a longer span would only let runs finish between kills. Two kills
  // in three are traps on the next AWS call, cut before or after moto acts on it.
  const random = seededRandom(seed);
  const hows = ['clock', 'before-aws', 'after-aws'] as const;
  const plan = Array.from({ length: killCount }, () => ({ fraction: random(), how: hows[Math.floor(random() * hows.length)]! }));
  const spanMs = cleanMs / 2;
  console.log(`seed ${seed}: ${plan.map((k, i) => `#${i + 1} ${k.how}@${k.fraction.toFixed(2)}`).join(', ')} (fractions of ${Math.round(spanMs)} ms, half a clean run)`);

  const runs: Run[] = [];
  const underWay = () => runs.filter((run) => run.readyAt === undefined);
  // A run's phase is read from its search attribute, which the server holds: a query would
  // wait for a worker, and there is none for seconds after each kill.
  const lookAtRuns = () => Promise.all(underWay().map(async (run) => {
    if ((await run.handle.describe()).typedSearchAttributes.get(phaseKey) !== 'provisioning') run.readyAt ??= Date.now();
  }));
  const startNext = async () => {
    const startedAt = Date.now();
    runs.push({ handle: await startRun(`run-${runs.length + 1}`), startedAt });
  };
  // Runs are kept under way for the whole chaos: one that gets ready is replaced at once, so
  // every kill lands on runs in progress (asserted below, from their steps' own times).
  let chaosOver = false;
  const keeper = (async () => {
    while (!chaosOver) {
      await lookAtRuns();
      if (underWay().length < runsInFlight) await startNext();
      else await delay(100);
    }
  })();
  while (underWay().length < runsInFlight) await delay(50);

  const kills: Kill[] = [];
  const restarts: number[] = [];
  const chaosStart = Date.now();
  const since = (at = Date.now()) => (at - chaosStart) / 1000;
  for (const [i, planned] of plan.entries()) {
    // The new worker is polling; the runs move again at their next AWS call (a lost attempt's
    // retry, or the next step), and the moment is drawn from there.
    const resumed = await Promise.race([proxy.nextRequest().then(() => true), delay(30_000).then(() => false)]);
    const waitMs = Math.round(planned.fraction * spanMs);
    await delay(waitMs);
    const victim = worker;
    let landed: string;
    let where: Kill['where'] = 'clock';
    if (planned.how === 'clock') {
      // Only ever inside a run: should every run have got ready meanwhile, the keeper's next
      // run is waited for. (A trapped AWS call is always some run's.)
      await lookAtRuns();
      while (underWay().length === 0) await delay(20);
      await victim.kill();
      landed = 'wherever the worker was';
    } else {
      // The next AWS call of any run, cut before or after moto acts on it. Runs all in a
      // Kubernetes wait make no call for a while: then the clock decides.
      const trapped = proxy.trap(planned.how, () => victim.kill());
      const operation = await Promise.race([trapped, delay(5_000).then(() => undefined)]);
      if (operation === undefined) {
        proxy.disarm();
        await victim.kill();
        landed = 'no AWS call within 5 s: wherever the worker was';
      } else {
        landed = operation;
        where = planned.how;
      }
    }
    const killedAt = Date.now();
    const runsUnderWay = underWay().map((run) => `${run.handle.workflowId.slice(tenant.length + 1)} (${((killedAt - run.startedAt) / 1000).toFixed(1)} s in)`);
    const lost = await declareLost(server.env.client, victim, runs.map((run) => run.handle.workflowId));
    const kill: Kill = {
      n: i + 1, at: since(killedAt), how: planned.how, where, landed, runsUnderWay, lost,
      planned: `${waitMs} ms after ${resumed ? 'the runs moved again' : '30 s without an AWS call'}`,
    };
    kills.push(kill);
    const restarting = Date.now();
    worker = await startWorker();
    restarts.push(Date.now() - restarting);
    console.log(`kill #${kill.n} at ${kill.at.toFixed(1)} s, ${kill.how} (${kill.planned}): ${kill.landed}; runs under way: ${runsUnderWay.join(', ') || 'none'}; attempts lost: ${lost.join(', ') || 'none'}; new worker polling in ${((Date.now() - restarting) / 1000).toFixed(1)} s`);
  }
  chaosOver = true;
  await keeper;
  const handles = runs.map((run) => run.handle);
  const names = handles.map((h) => h.workflowId.slice(`${tenant}.`.length));
  console.log(`${killCount} kills in ${since().toFixed(1)} s; waiting for every run to be ready`);

  const ready = await Promise.all(runs.map((run) => untilReady(run.handle, 5 * 60_000)));
  console.log(`every run ready ${since().toFixed(1)} s after the chaos began`);
  // Where each kill landed, from the runs' own record: which were between their start and
  // their last step's end, and which steps were under way.
  for (const kill of kills) {
    const at = chaosStart + kill.at * 1000;
    const inRuns = ready.filter((progress, r) => runs[r]!.startedAt <= at && at <= Math.max(...progress.steps.map((s) => Date.parse(s.endedAt!))));
    const steps = inRuns.flatMap((progress) => progress.steps
      .filter((s) => Date.parse(s.startedAt!) <= at && at <= Date.parse(s.endedAt!))
      .map((s) => `${progress.environment} ${s.id}`));
    console.log(`kill #${kill.n} at ${kill.at.toFixed(1)} s, ${kill.where}: ${kill.landed}; in ${inRuns.length} runs; steps under way: ${steps.join(', ') || 'none'}`);
    assert.ok(inRuns.length > 0, `kill #${kill.n} at ${kill.at.toFixed(1)} s landed while no run was under way`);
  }
  const landings = Object.fromEntries(['before-aws', 'after-aws', 'clock'].map((where) => [where, kills.filter((k) => k.where === where).length]));
  console.log(`${killCount} kills, each inside a run: ${JSON.stringify(landings)}; ${kills.reduce((n, k) => n + k.lost.length, 0)} activity attempts lost; ${runs.length} runs; restarts took ${(restarts.reduce((a, b) => a + b, 0) / restarts.length / 1000).toFixed(1)} s on average, ${(Math.max(...restarts) / 1000).toFixed(1)} s at most`);

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
  const networks = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await vpcParts(aws.clientConfig, `${tenant}/${name}`)] as const)));
  assert.deepEqual(networks, Object.fromEntries(names.map((name) => [name, oneNetwork])), 'one VPC, 4 subnets, an internet gateway, a NAT gateway and its address, 3 route tables each');

  await Promise.all(handles.map((handle) => handle.signal(teardownSignal, { reason: 'chaos over' })));
  await Promise.all(handles.map((handle) => handle.result()));
  const left = await awsInventory(aws.clientConfig);
  assert.deepEqual(left, { clusters: [], nodegroups: [], fargateProfiles: [], roles: [], oidcProviders: [], repositories: [], vpcs: [], logGroups: [] });
  for (const name of names) assert.deepEqual(await vpcParts(aws.clientConfig, `${tenant}/${name}`), noNetwork, `${name}'s network is gone`);
  console.log(`torn down; the whole test took ${((Date.now() - began) / 1000).toFixed(1)} s`);
});
