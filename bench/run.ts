// `npm run bench`: eksflow's orchestration measured on the simulated cloud and a Temporal dev
// server — end-to-end time against the critical path, against eksctl's one-step-at-a-time
// order, wait-detection lag, AWS calls, worker footprint, task latency, a change plan (the
// tutorial upgraded a Kubernetes minor) against its critical path, and the API under load.
// A benchmark, not a test: it prints figures and writes them to bench/results/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { findTool } from '../src/dev/local-tools';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../src/domain/environment-spec';
import { planEnvironment } from '../src/domain/planner';
import { environmentKey, phaseKey, searchAttributeKeys, tenantKey } from '../src/domain/search-attributes';
import { startSimulatedCloud, type SimulatedCloud } from '../src/sim/cloud';
import type { provisionEnvironment } from '../src/workflows';
import { applyChangeUpdate, progressQuery, type Progress } from '../src/workflows/messages';
import { workflowInterceptorModules, workflowsPath, workflowWorkerOptions } from '../worker';
import { apiLatency, type ApiLatency } from './api-load';
import { changeEndToEnd, versionUpgrade } from './change-plans';
import { ganttSvg } from './gantt';
import { changeLowerBound, criticalPathLowerBound } from './lower-bound';
import { histogram, quantileBetween } from './prometheus';
import { changeTableOf, faultsTableOf, summaryMarkdown, tableOf, type Batch, type ChangeBatch, type FaultsOn, type Row, type Variant } from './table';

const { values: args } = parseArgs({ options: {
  sizes: { type: 'string', default: '1,10,50,200' },
  // The baselines replay each size one step at a time, twice: beyond 10 that is most of an hour here.
  'baseline-sizes': { type: 'string', default: '1,10' },
  speedup: { type: 'string', default: '20' },
  // Environments × speedup the machine keeps up with: each environment costs ~4 CPU-seconds of
  // worker and simulated cloud whatever the speedup, so larger batches run slower to stay
  // measurements of eksflow rather than of an overloaded CPU (400 suits two cores).
  'load-budget': { type: 'string', default: '400' },
  'api-seconds': { type: 'string', default: '10' },
  // Sizes that also get a faults-on row (issue 13 item 12); empty: none.
  'faults-sizes': { type: 'string' },
  // The faults-on row's transient faults per request: 20 % in all, half throttling, half 5xx.
  'throttle-rate': { type: 'string', default: '0.1' },
  'server-error-rate': { type: 'string', default: '0.1' },
  // Environments provisioned and then upgraded 1.35 → 1.36 at once (the change-plan row); 0: none.
  // `--sizes '' --api-seconds 0` runs that row alone.
  upgrades: { type: 'string', default: '1' },
} });
const sizes = args.sizes.split(',').filter(Boolean).map(Number).filter((n) => n > 0);
const baselineSizes = new Set(args['baseline-sizes'].split(',').filter(Boolean).map(Number));
const faultsSizes = new Set((args['faults-sizes'] ?? args.sizes).split(',').filter(Boolean).map(Number));
const faultsOn: FaultsOn = { throttleRate: Number(args['throttle-rate']), serverErrorRate: Number(args['server-error-rate']), propagation: true };
const maxSpeedup = Number(args.speedup);
const speedupFor = (size: number) => Math.min(maxSpeedup, Math.max(1, Math.floor(Number(args['load-budget']) / size)));
const root = join(import.meta.dirname, '..');
const resultsDir = join(root, 'bench', 'results');
const tutorial = JSON.parse(readFileSync(join(root, 'examples', 'tutorial', 'environment.json'), 'utf8')) as Record<string, unknown>;

const metricsPort = 9464 + Math.floor(Math.random() * 500);
Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}` } } } });
const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();

const cli = findTool('temporalCli');
const env = await TestWorkflowEnvironment.createLocal({
  server: { ...(cli ? { executable: { type: 'existing-path' as const, path: cli } } : {}), ip: '127.0.0.1', searchAttributes: searchAttributeKeys, extraArgs: ['--log-level', 'error'] },
});
const workflowBundle = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: new DefaultLogger('ERROR') });

/** The tutorial environment under another name, with an ECR repository of its own (eksflow refuses to share one). */
function specNamed(name: string): EnvironmentSpec {
  const image = tutorial.image as { import: Record<string, unknown> };
  const parsed = parseEnvironmentSpec({ ...tutorial, name, image: { import: { ...image.import, repository: `${name}/awesomebuilder` } } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

const variants: Record<Variant, { schedule: 'parallel' | 'sequential'; polling: 'adaptive' | 'sdk-waiter' }> = {
  parallel: { schedule: 'parallel', polling: 'adaptive' },
  sequential: { schedule: 'sequential', polling: 'adaptive' },
  'eksctl-style': { schedule: 'sequential', polling: 'sdk-waiter' },
};

type Handle = Awaited<ReturnType<typeof env.client.workflow.start<typeof provisionEnvironment>>>;

/** Each run asked for its progress until it is ready (or has failed), one after another. */
async function untilReady(handles: Handle[], names: string[]): Promise<{ progress: Map<string, Progress>; failed: string[] }> {
  const failed: string[] = [];
  const progress = new Map<string, Progress>();
  for (const [i, handle] of handles.entries()) {
    for (;;) {
      const seen = await handle.query(progressQuery);
      if (seen.phase === 'ready') { progress.set(names[i]!, seen); break; }
      if (seen.phase === 'rolled-back' || seen.phase === 'failed') { failed.push(`${names[i]}: ${seen.steps.find((s) => s.lastError)?.lastError ?? seen.phase}`); break; }
      await sleep(500);
    }
  }
  return { progress, failed };
}

/** `size` environments of the tutorial, on the tenant's own task queue and worker, as the API starts them. */
async function startRuns(tenant: string, size: number, speedup: number, cloud: SimulatedCloud, variant: Variant) {
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: tenant, workflowBundle, interceptors: workflowWorkerOptions.interceptors, activities: createActivities(cloud.deps), maxConcurrentActivityTaskExecutions: 1000 });
  const running = worker.run();
  const names = Array.from({ length: size }, (_, i) => `env-${i}`);
  const handles = await Promise.all(names.map((name) => env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue: tenant, workflowId: `${tenant}.${name}`,
    args: [{ environmentId: `${tenant}/${name}`, spec: specNamed(name), timeScale: speedup, ...variants[variant] }],
    typedSearchAttributes: [{ key: tenantKey, value: tenant }, { key: environmentKey, value: name }, { key: phaseKey, value: 'provisioning' }],
  })));
  /** The runs terminated (teardowns are the tests' business, and would double the run), the worker stopped, the cloud closed. */
  const stop = async () => {
    await Promise.all(handles.map((handle) => handle.terminate('benchmark done').catch(() => undefined)));
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await cloud.close();
  };
  return { names, handles, stop };
}

async function runBatch(size: number, variant: Variant, faults?: FaultsOn): Promise<Batch> {
  const speedup = speedupFor(size);
  // The same seed as the faults-off batch: the same latencies, with faults and windows on top.
  const cloud = await startSimulatedCloud({
    speedup, seed: 'bench',
    ...(faults ? { faults: { throttleRate: faults.throttleRate, serverErrorRate: faults.serverErrorRate, seed: 'bench' }, propagation: faults.propagation } : {}),
  });
  const tenant = `b${size}-${variant}${faults ? '-faults' : ''}`;
  const { names, handles, stop } = await startRuns(tenant, size, speedup, cloud, variant);
  const before = histogram(await scrape(), 'temporal_workflow_task_schedule_to_start_latency');
  const cpuBefore = process.cpuUsage();
  let rssPeak = 0;
  const sampler = setInterval(() => void (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 250);
  const { progress, failed } = await untilReady(handles, names);
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpuBefore);
  const after = histogram(await scrape(), 'temporal_workflow_task_schedule_to_start_latency');
  const calls = cloud.aws.calls();
  const answers = cloud.aws.errorAnswers();
  const draws = cloud.aws.sampler.draws();
  const detections = cloud.aws.detections.detections().filter((d) => d.operation.endsWith('.create'));

  const p95Ms = quantileBetween(before, after, 0.95);
  const batch: Batch = {
    size, speedup, variant, endToEnd: [], lowerBound: [], lags: detections.map((d) => (d.seenAt - d.finishedAt) / 1000), callsPerEnvironment: {},
    rssPeakMiB: Math.round(rssPeak / 2 ** 20), cpuSeconds: (cpu.user + cpu.system) / 1e6, failed,
    ...(p95Ms !== undefined ? { scheduleToStartP95Ms: p95Ms } : {}),
    ...(faults ? { faults } : {}),
  };
  for (const [name, seen] of progress) {
    const timed = seen.steps.filter((s) => s.startedAt && s.endedAt);
    const from = Math.min(...timed.map((s) => Date.parse(s.startedAt!)));
    const to = Math.max(...timed.map((s) => Date.parse(s.endedAt!)));
    batch.endToEnd.push(((to - from) / 1000) * speedup);
    batch.lowerBound.push(criticalPathLowerBound(planEnvironment(specNamed(name)), draws, name));
    batch.steps ??= seen.steps;
  }
  const count = Math.max(1, progress.size);
  const perEnvironment = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).map(([key, n]) => [key, Math.round((n / count) * 10) / 10]));
  batch.callsPerEnvironment = perEnvironment(calls);
  batch.errorAnswersPerEnvironment = { transient: perEnvironment(answers.transient), refusals: perEnvironment(answers.refusals) };

  // Provisioning is what is measured; teardowns are the tests' business, and at low speedups
  // they would double the run. The simulated cloud goes with its runs.
  await stop();
  return batch;
}

/**
 * The change-plan row: `size` tutorial environments provisioned (1.35), then each applied the
 * same spec on 1.36 through applyChangeUpdate at once; each change's end-to-end time against
 * its change plan's critical path.
 */
async function runUpgradeBatch(size: number): Promise<ChangeBatch> {
  const speedup = speedupFor(size);
  const cloud = await startSimulatedCloud({ speedup, seed: 'bench' });
  const { names, handles, stop } = await startRuns(`u${size}-upgrade`, size, speedup, cloud, 'parallel');
  const { progress, failed } = await untilReady(handles, names);
  const scenarios = new Map(names.map((name) => [name, versionUpgrade(specNamed(name))]));
  const batch: ChangeBatch = { change: scenarios.get(names[0]!)!.title, size, speedup, planSteps: scenarios.get(names[0]!)!.plan.steps.length, endToEnd: [], criticalPath: [], lowerBound: [], failed };
  await Promise.all(handles.map(async (handle, i) => {
    const name = names[i]!;
    if (!progress.has(name)) return;
    const scenario = scenarios.get(name)!;
    try {
      const change = await handle.executeUpdate(applyChangeUpdate, { args: [{ spec: scenario.next }] });
      batch.endToEnd.push(changeEndToEnd(change, speedup));
      batch.criticalPath.push(scenario.plan.criticalPathSeconds);
      // The upgrade's draws are made as its steps run: read once it has ended.
      batch.lowerBound.push(changeLowerBound(scenario.plan, cloud.aws.sampler.draws(), name));
      batch.steps ??= change.steps;
    } catch (error) {
      failed.push(`${name}: ${error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error)}`);
    }
  }));
  await stop();
  return batch;
}

mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const withoutSteps = (b: Batch | undefined) => (b ? { ...b, steps: undefined } : undefined);
/** Written after every size, so a long run that is stopped still leaves what it measured. */
function writeResults(rows: Row[], api: ApiLatency[], changes: ChangeBatch[] = []): string {
  writeFileSync(join(resultsDir, `${stamp}.json`), `${JSON.stringify({
    rows: rows.map((r) => ({ size: r.size, parallel: withoutSteps(r.parallel), sequential: withoutSteps(r.sequential), eksctlStyle: withoutSteps(r.eksctlStyle), faultsOn: withoutSteps(r.faultsOn) })), api,
    // A change's few steps are kept: where its time went.
    changes,
  }, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'summary.md'), summaryMarkdown(rows, api, new Date().toISOString(), changes));
  const first = rows[0]?.parallel;
  if (first?.steps) writeFileSync(join(resultsDir, 'gantt.svg'), ganttSvg(`one tutorial environment, parallel schedule (simulated time, ${first.speedup}×)`, first.steps, first.speedup));
  return [tableOf(rows, api), faultsTableOf(rows), changeTableOf(changes)].filter(Boolean).join('\n\n');
}

const rows: Row[] = [];
for (const size of sizes) {
  process.stdout.write(`# ${size} environment(s): parallel…\n`);
  const row: Row = { size, parallel: await runBatch(size, 'parallel') };
  if (baselineSizes.has(size)) {
    process.stdout.write(`# ${size} environment(s): sequential…\n`);
    row.sequential = await runBatch(size, 'sequential');
    process.stdout.write(`# ${size} environment(s): eksctl-style…\n`);
    row.eksctlStyle = await runBatch(size, 'eksctl-style');
  }
  if (faultsSizes.has(size)) {
    process.stdout.write(`# ${size} environment(s): parallel, faults on…\n`);
    row.faultsOn = await runBatch(size, 'parallel', faultsOn);
  }
  rows.push(row);
  writeResults(rows, []);
}
const changes: ChangeBatch[] = [];
const upgrades = Number(args.upgrades);
if (upgrades > 0) {
  process.stdout.write(`# ${upgrades} environment(s): provisioned, then upgraded…\n`);
  changes.push(await runUpgradeBatch(upgrades));
  writeResults(rows, [], changes);
}
// --api-seconds 0 skips it.
if (Number(args['api-seconds']) > 0) process.stdout.write('# API under load…\n');
const api: ApiLatency[] = Number(args['api-seconds']) > 0 ? await apiLatency(env.address, { seconds: Number(args['api-seconds']) }) : [];
const table = writeResults(rows, api, changes);
const failures = [...rows.flatMap((r) => [r.parallel, r.sequential, r.eksctlStyle, r.faultsOn].flatMap((b) => b?.failed ?? [])), ...changes.flatMap((c) => c.failed)];
process.stdout.write(`\n${table}\n\n${failures.length ? `failures:\n${failures.slice(0, 20).join('\n')}\n` : ''}written: bench/results/${stamp}.json, bench/results/summary.md, bench/results/gantt.svg\n`);
await env.teardown();
process.exit(failures.length ? 1 : 0);
