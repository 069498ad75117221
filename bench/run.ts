// `npm run bench`: eksflow's orchestration measured on the simulated cloud and a Temporal dev
// server — end-to-end time against the critical path, against eksctl's one-step-at-a-time
// order, wait-detection lag, AWS calls, worker footprint, task latency, and the API under load.
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
import { startSimulatedCloud } from '../src/sim/cloud';
import type { provisionEnvironment } from '../src/workflows';
import { progressQuery, type Progress, type StepProgress } from '../src/workflows/messages';
import { workflowsPath } from '../worker';
import { apiLatency, type ApiLatency } from './api-load';
import { ganttSvg } from './gantt';
import { criticalPathLowerBound } from './lower-bound';
import { histogram, quantileBetween } from './prometheus';

const { values: args } = parseArgs({ options: { sizes: { type: 'string', default: '1,10,50,200' }, speedup: { type: 'string', default: '20' }, 'api-seconds': { type: 'string', default: '10' } } });
const sizes = args.sizes.split(',').filter(Boolean).map(Number);
const speedup = Number(args.speedup);
const root = join(import.meta.dirname, '..');
const resultsDir = join(root, 'bench', 'results');
const tutorial = JSON.parse(readFileSync(join(root, 'examples', 'tutorial', 'environment.json'), 'utf8')) as Record<string, unknown>;
// SDK waiters (eksctl, Terraform) look every 30 s: EKS's ClusterActive and NodegroupActive waiters.
const waiterDelaySeconds = 30;

const metricsPort = 9464 + Math.floor(Math.random() * 500);
Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}` } } } });
const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();

const cli = findTool('temporalCli');
const env = await TestWorkflowEnvironment.createLocal({
  server: { ...(cli ? { executable: { type: 'existing-path' as const, path: cli } } : {}), ip: '127.0.0.1', searchAttributes: searchAttributeKeys, extraArgs: ['--log-level', 'error'] },
});
const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });

/** The tutorial environment under another name, with an ECR repository of its own (eksflow refuses to share one). */
function specNamed(name: string): EnvironmentSpec {
  const image = tutorial.image as { import: Record<string, unknown> };
  const parsed = parseEnvironmentSpec({ ...tutorial, name, image: { import: { ...image.import, repository: `${name}/awesomebuilder` } } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

interface Batch {
  size: number;
  schedule: 'parallel' | 'sequential';
  /** Simulated seconds from the first step's start to the last step's end, per environment. */
  endToEnd: number[];
  lowerBound: number[];
  /** Simulated seconds between a resource being ready and the run seeing it, per polled AWS wait. */
  lags: number[];
  callsPerEnvironment: Record<string, number>;
  waiterCallsPerEnvironment: Record<string, number>;
  rssPeakMiB: number;
  cpuSeconds: number;
  scheduleToStartP95Ms?: number;
  failed: string[];
  steps?: StepProgress[];
}

async function runBatch(size: number, schedule: Batch['schedule']): Promise<Batch> {
  const cloud = await startSimulatedCloud({ speedup, seed: 'bench' });
  const tenant = `b${size}-${schedule}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: tenant, workflowBundle, activities: createActivities(cloud.deps), maxConcurrentActivityTaskExecutions: 1000 });
  const running = worker.run();
  const before = histogram(await scrape(), 'temporal_workflow_task_schedule_to_start_latency');
  const cpuBefore = process.cpuUsage();
  let rssPeak = 0;
  const sampler = setInterval(() => void (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 250);
  const names = Array.from({ length: size }, (_, i) => `env-${i}`);
  const handles = await Promise.all(names.map((name) => env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue: tenant, workflowId: `${tenant}.${name}`,
    args: [{ environmentId: `${tenant}/${name}`, spec: specNamed(name), timeScale: speedup, schedule }],
    typedSearchAttributes: [{ key: tenantKey, value: tenant }, { key: environmentKey, value: name }, { key: phaseKey, value: 'provisioning' }],
  })));
  const failed: string[] = [];
  const progress = new Map<string, Progress>();
  // Each run is asked for its progress until it is ready (or has failed); a few at a time.
  for (const [i, handle] of handles.entries()) {
    for (;;) {
      const seen = await handle.query(progressQuery);
      if (seen.phase === 'ready') { progress.set(names[i]!, seen); break; }
      if (seen.phase === 'rolled-back' || seen.phase === 'failed') { failed.push(`${names[i]}: ${seen.steps.find((s) => s.lastError)?.lastError ?? seen.phase}`); break; }
      await sleep(500);
    }
  }
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpuBefore);
  const after = histogram(await scrape(), 'temporal_workflow_task_schedule_to_start_latency');
  const calls = cloud.aws.calls();
  const draws = cloud.aws.sampler.draws();

  const batch: Batch = {
    size, schedule, endToEnd: [], lowerBound: [], lags: [], callsPerEnvironment: {}, waiterCallsPerEnvironment: {},
    rssPeakMiB: Math.round(rssPeak / 2 ** 20), cpuSeconds: (cpu.user + cpu.system) / 1e6, failed,
    ...(quantileBetween(before, after, 0.95) !== undefined ? { scheduleToStartP95Ms: quantileBetween(before, after, 0.95)! } : {}),
  };
  const waiter: Record<string, number> = {};
  for (const [name, seen] of progress) {
    const timed = seen.steps.filter((s) => s.startedAt && s.endedAt);
    const from = Math.min(...timed.map((s) => Date.parse(s.startedAt!)));
    const to = Math.max(...timed.map((s) => Date.parse(s.endedAt!)));
    batch.endToEnd.push(((to - from) / 1000) * speedup);
    batch.lowerBound.push(criticalPathLowerBound(planEnvironment(specNamed(name)), draws, name));
    batch.steps ??= seen.steps;
    // Polled AWS waits: how long after the cloud finished the run noticed, and what a 30 s waiter would have asked.
    const waits: [string, 'cluster.create' | 'nodegroup.create', string, string][] = [
      ['eks:cluster', 'cluster.create', name, 'eks:DescribeCluster'],
      ...specNamed(name).nodeGroups.map((g) => [`eks:nodegroup/${g.name}`, 'nodegroup.create', `${name}/${g.name}`, 'eks:DescribeNodegroup'] as [string, 'nodegroup.create', string, string]),
    ];
    for (const [stepId, operation, key, describe] of waits) {
      const step = seen.steps.find((s) => s.id === stepId);
      const draw = draws.find((d) => d.operation === operation && d.key === key)?.seconds;
      if (!step?.startedAt || !step.endedAt || draw === undefined) continue;
      batch.lags.push(Math.max(0, ((Date.parse(step.endedAt) - Date.parse(step.startedAt)) / 1000) * speedup - draw));
      waiter[describe] = (waiter[describe] ?? 0) + 1 + Math.ceil(draw / waiterDelaySeconds);
    }
  }
  const count = Math.max(1, progress.size);
  for (const [api, n] of Object.entries(calls)) batch.callsPerEnvironment[api] = Math.round((n / count) * 10) / 10;
  for (const [api, n] of Object.entries(waiter)) batch.waiterCallsPerEnvironment[api] = Math.round((n / count) * 10) / 10;

  await Promise.all(handles.map((handle) => handle.signal('teardown', { reason: 'benchmark done' }).catch(() => undefined)));
  await Promise.all(handles.map((handle) => handle.result().catch((error: unknown) => void failed.push(`${handle.workflowId} teardown: ${(error as Error).message}`))));
  worker.shutdown();
  await running;
  await cloud.close();
  return batch;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.95 * xs.length) - 1)] ?? 0;
const fixed = (x: number | undefined, digits = 2) => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));

const rows: { size: number; parallel: Batch; sequential: Batch }[] = [];
for (const size of sizes) {
  process.stdout.write(`# ${size} environment(s): parallel…\n`);
  const parallel = await runBatch(size, 'parallel');
  process.stdout.write(`# ${size} environment(s): sequential…\n`);
  const sequential = await runBatch(size, 'sequential');
  rows.push({ size, parallel, sequential });
}
process.stdout.write('# API under load…\n');
const api: ApiLatency[] = await apiLatency(env.client, { seconds: Number(args['api-seconds']) });

const describes = ['eks:DescribeCluster', 'eks:DescribeNodegroup'];
const table = [
  `Simulated cloud at ${speedup}× (seeded latencies from the published medians and p90s), Temporal dev server, one worker; times in simulated seconds.`,
  '',
  '| environments | end-to-end (mean) | ÷ critical path (mean / max) | sequential end-to-end | speed-up vs sequential | detection lag mean / p95 | Describe calls / env (ours vs 30 s waiter) | all AWS calls / env | worker RSS peak | CPU-s / env | WFT schedule-to-start p95 | failures |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(({ size, parallel: p, sequential: s }) => {
    const ratios = p.endToEnd.map((e, i) => e / p.lowerBound[i]!);
    const ours = describes.reduce((n, api) => n + (p.callsPerEnvironment[api] ?? 0), 0);
    const waiters = describes.reduce((n, api) => n + (p.waiterCallsPerEnvironment[api] ?? 0), 0);
    const all = Object.values(p.callsPerEnvironment).reduce((a, b) => a + b, 0);
    return `| ${size} | ${fixed(mean(p.endToEnd), 0)} s | ${fixed(mean(ratios))} / ${fixed(Math.max(...ratios))} | ${fixed(mean(s.endToEnd), 0)} s | ${fixed(mean(s.endToEnd) / mean(p.endToEnd))}× | ${fixed(mean(p.lags), 1)} s / ${fixed(p95(p.lags), 1)} s | ${fixed(ours, 1)} vs ${fixed(waiters, 1)} | ${fixed(all, 0)} | ${p.rssPeakMiB} MiB | ${fixed(p.cpuSeconds / size)} | ${p.scheduleToStartP95Ms ?? 'n/a'} ms | ${p.failed.length + s.failed.length} |`;
  }),
  '',
  '| API route (loopback, autocannon) | requests/s | p50 | p99 | non-2xx | errors |',
  '| --- | --- | --- | --- | --- | --- |',
  ...api.map((a) => `| ${a.route} | ${a.requestsPerSecond} | ${a.p50Ms} ms | ${a.p99Ms} ms | ${a.non2xx} | ${a.errors} |`),
].join('\n');

mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(join(resultsDir, `${stamp}.json`), `${JSON.stringify({ speedup, rows: rows.map(({ size, parallel, sequential }) => ({ size, parallel: { ...parallel, steps: undefined }, sequential: { ...sequential, steps: undefined } })), api }, null, 2)}\n`);
writeFileSync(join(resultsDir, 'summary.md'), `# eksflow benchmark (${new Date().toISOString()})\n\n${table}\n\n![one environment's steps](gantt.svg)\n`);
const one = rows[0]?.parallel.steps;
if (one) writeFileSync(join(resultsDir, 'gantt.svg'), ganttSvg(`one tutorial environment, parallel schedule (simulated time, ${speedup}×)`, one, speedup));
const failures = rows.flatMap((r) => [...r.parallel.failed, ...r.sequential.failed]);
process.stdout.write(`\n${table}\n\n${failures.length ? `failures:\n${failures.slice(0, 20).join('\n')}\n` : ''}written: bench/results/${stamp}.json, bench/results/summary.md, bench/results/gantt.svg\n`);
// Calls the load left retrying inside the client end with the connection; they are not failures.
process.on('uncaughtException', (error) => {
  if (!/Channel has been shut down/.test(error.message)) throw error;
});
await env.teardown();
process.exit(failures.length ? 1 : 0);
