// The benchmark's figures as a markdown table: what `npm run bench` prints and writes, and what
// `npm run bench:summary` re-renders from a committed result without running anything again.
import { defaultMaxAttempts } from '../src/activities/aws/clients';
import type { StepProgress } from '../src/workflows/messages';
import type { ApiLatency } from './api-load';

/**
 * parallel: eksflow as it runs. sequential: one step at a time in plan order, polled the same
 * way. eksctl-style: one step at a time, and AWS waits polled every 30 s as the SDK's waiters do.
 */
export type Variant = 'parallel' | 'sequential' | 'eksctl-style';

// The Describe calls that waits make: what the waiters' budget is about.
export const describes = ['eks:DescribeCluster', 'eks:DescribeNodegroup', 'eks:DescribeFargateProfile'];

export interface Batch {
  size: number;
  /** How much faster than AWS this batch's cloud ran. */
  speedup: number;
  variant: Variant;
  /** Simulated seconds from the first step's start to the last step's end, per environment. */
  endToEnd: number[];
  lowerBound: number[];
  /**
   * Simulated seconds from an EKS resource turning ACTIVE to the first Describe that said so,
   * per create wait (control plane, node groups, Fargate profiles), as the cloud saw them.
   */
  lags: number[];
  /** AWS calls per environment by API, while provisioning. */
  callsPerEnvironment: Record<string, number>;
  rssPeakMiB: number;
  cpuSeconds: number;
  scheduleToStartP95Ms?: number;
  failed: string[];
  steps?: StepProgress[];
  /** Set for a faults-on batch: what was injected. */
  faults?: FaultsOn;
  /** Error answers per environment by API and error name: injected throttling and 5xx, and every other refusal. */
  errorAnswersPerEnvironment?: { transient: Record<string, number>; refusals: Record<string, number> };
}

/** The faults-on row's faults: transient rates per request, and the catalog's propagation windows. */
export interface FaultsOn {
  throttleRate: number;
  serverErrorRate: number;
  propagation: boolean;
}

export type Row = { size: number; parallel: Batch; sequential?: Batch; eksctlStyle?: Batch; faultsOn?: Batch };

/** A change plan's batch: environments provisioned, then each changed at once through applyChangeUpdate. */
export interface ChangeBatch {
  /** What the change does: "version upgrade 1.35 → 1.36". */
  change: string;
  size: number;
  speedup: number;
  /** Steps in the change plan. */
  planSteps: number;
  /** Simulated seconds from each change's start to its end (bench/change-plans.ts `changeEndToEnd`). */
  endToEnd: number[];
  /** Each change plan's criticalPathSeconds: its longest chain of steps at their median latencies. */
  criticalPath: number[];
  /** Each change plan's longest path at what the cloud drew for its steps (bench/lower-bound.ts `changeLowerBound`). */
  lowerBound: number[];
  failed: string[];
  steps?: StepProgress[];
}

// The answers the propagation windows produce (aws-fault-catalog 1, 2, 3, 6, 14).
const propagationAnswers = /^(eks:CreateCluster (InvalidParameterException|ResourceInUseException)|eks:CreateFargateProfile InvalidParameterException|eks:CreateAddon InvalidParameterException|iam:CreateRole MalformedPolicyDocumentException)$/;
const sum = (counts: Record<string, number> | undefined, keep: (key: string) => boolean = () => true) =>
  Object.entries(counts ?? {}).filter(([key]) => keep(key)).reduce((n, [, v]) => n + v, 0);

/** The faults-on rows beside the faults-off ones: what 20 % transient faults and the propagation windows cost, and whether every run survived. */
export function faultsTableOf(rows: Row[]): string {
  const withFaults = rows.filter((r) => r.faultsOn);
  const first = withFaults[0]?.faultsOn?.faults;
  if (!first) return '';
  const percent = (x: number) => `${Math.round(x * 100)} %`;
  return [
    `Faults on: each AWS request throttled (${percent(first.throttleRate)}) or failed with a 5xx (${percent(first.serverErrorRate)}), drawn per API and request from the seed, each service with its own error names; the simulated SDK makes up to ${defaultMaxAttempts} attempts a request (as the real clients, src/activities/aws/clients.ts), then the activity's own retries take over. ${first.propagation ? 'Plus the catalog\'s propagation windows: after CreateRole, AttachRolePolicy and CreateOpenIDConnectProvider, CreateCluster, CreateFargateProfile, CreateAddon and CreateRole answer the "not yet" errors of aws-fault-catalog 1, 2, 3 and 6 for a sampled window (lognormal, median 10 s, p90 40 s); a deleted cluster\'s name is held (14). ' : ''}÷ critical path: against the same faults-free lower bound as the faults-off row; × faults-off: end-to-end against the faults-off row of the same size.`,
    '',
    '| environments | speedup | end-to-end (mean) | ÷ critical path (mean / max) | × faults-off | AWS requests / env | throttled or 5xx answers / env | propagation answers / env | failures |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...withFaults.map(({ size, parallel, faultsOn: f }) => {
      const b = f!;
      const ratios = b.endToEnd.map((x, i) => x / b.lowerBound[i]!);
      const all = Object.values(b.callsPerEnvironment).reduce((a, v) => a + v, 0);
      return `| ${size} | ${b.speedup}× | ${fixed(mean(b.endToEnd), 0)} s | ${fixed(mean(ratios))} / ${fixed(Math.max(...ratios))} | ${unit(fixed(ratio(mean(b.endToEnd), mean(parallel.endToEnd))), '×')} | `
        + `${fixed(all, 0)} | ${fixed(sum(b.errorAnswersPerEnvironment?.transient), 1)} | ${fixed(sum(b.errorAnswersPerEnvironment?.refusals, (key) => propagationAnswers.test(key)), 1)} | ${b.failed.length} of ${size} |`;
    }),
  ].join('\n');
}

const unit = (figure: string, suffix: string) => (figure === '—' ? figure : `${figure}${suffix}`);
export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.95 * xs.length) - 1)] ?? 0;
const fixed = (x: number | undefined, digits = 2) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

const describeCalls = (b: Batch | undefined) => (b ? describes.reduce((n, api) => n + (b.callsPerEnvironment[api] ?? 0), 0) : undefined);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a / b);

export function tableOf(rows: Row[], api: ApiLatency[]): string {
  // Nothing provisioned nor loaded (`--sizes '' --api-seconds 0`: the change plans alone): no table.
  if (rows.length === 0 && api.length === 0) return '';
  return [
    'Simulated cloud (seeded latencies from the published medians and p90s), run faster than AWS by the speedup shown; Temporal dev server; one worker, in the same process as the simulated cloud (RSS and CPU include both); times in simulated seconds.',
    'sequential: one step at a time in plan order, same polling. eksctl-style: one step at a time, AWS waits polled every 30 s like the SDK waiters.',
    'Detection lag: from an EKS resource turning ACTIVE to the first Describe that saw it (control plane and node groups). Describe calls: DescribeCluster, DescribeNodegroup, DescribeFargateProfile while provisioning.',
    'Schedule-to-start p95: the upper bound of the SDK histogram bucket it falls in. —: not measured at that size (the baselines replay each environment one step at a time).',
    '',
    '| environments | speedup | end-to-end (mean) | ÷ critical path (mean / max) | sequential | speed-up vs sequential | eksctl-style | speed-up vs eksctl-style | detection lag mean / p95 (eksctl-style) | Describe calls / env (eksctl-style) | all AWS calls / env | worker RSS peak | CPU-s / env | WFT schedule-to-start p95 | failures |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(({ size, parallel: p, sequential: s, eksctlStyle: e }) => {
      const ratios = p.endToEnd.map((x, i) => x / p.lowerBound[i]!);
      const all = Object.values(p.callsPerEnvironment).reduce((a, b) => a + b, 0);
      const e2e = (b: Batch | undefined) => (b ? mean(b.endToEnd) : undefined);
      const failures = [p, s, e].reduce((n, b) => n + (b?.failed.length ?? 0), 0);
      return `| ${size} | ${p.speedup}× | ${fixed(e2e(p), 0)} s | ${fixed(mean(ratios))} / ${fixed(Math.max(...ratios))} | ${unit(fixed(e2e(s), 0), ' s')} | ${unit(fixed(ratio(e2e(s), e2e(p))), '×')} | ${unit(fixed(e2e(e), 0), ' s')} | ${unit(fixed(ratio(e2e(e), e2e(p))), '×')} | `
        + `${fixed(mean(p.lags), 1)} s / ${fixed(p95(p.lags), 1)} s (${e ? `${fixed(mean(e.lags), 1)} s / ${fixed(p95(e.lags), 1)} s` : '—'}) | ${fixed(describeCalls(p), 1)} (${e ? `${fixed(describeCalls(e), 1)}; ${fixed(ratio(describeCalls(p), describeCalls(e)))}×` : '—'}) | `
        + `${fixed(all, 0)} | ${p.rssPeakMiB} MiB | ${fixed(p.cpuSeconds / size)} | ${p.scheduleToStartP95Ms === undefined ? '—' : `≤ ${p.scheduleToStartP95Ms} ms`} | ${failures} |`;
    }),
    ...(api.length > 0 ? [
      '',
      '| API route (loopback, autocannon) | requests/s | p50 | p99 | non-2xx | errors |',
      '| --- | --- | --- | --- | --- | --- |',
      ...api.map((a) => `| ${a.route} | ${a.requestsPerSecond} | ${a.p50Ms} ms | ${a.p99Ms} ms | ${a.non2xx} | ${a.errors} |`),
    ] : []),
  ].join('\n');
}

/** Change plans: a change's end-to-end time against its plan's critical path, as the provisioning rows have it. */
export function changeTableOf(changes: ChangeBatch[]): string {
  if (changes.length === 0) return '';
  return [
    'Change plans (Day 2): the tutorial environment provisioned, then the change applied to it through the workflow Update (applyChangeUpdate, what PUT /v1/environments/:name sends). End-to-end: from the change\'s start to its end, in simulated seconds. Critical path: the change plan\'s (planChange), its longest chain of steps at their median latencies, the estimate `eksflow env apply` shows. Lower bound: the same chain at what the cloud drew for each step this time (as the provisioning rows\' ÷ critical path): the estimate\'s error and eksflow\'s own overhead, apart.',
    '',
    '| change | environments | speedup | plan steps | end-to-end (mean) | critical path | ÷ critical path (mean / max) | lower bound (mean) | ÷ lower bound (mean / max) | failures |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...changes.map((c) => {
      const meanOf = (xs: number[]) => unit(fixed(xs.length ? mean(xs) : undefined, 0), ' s');
      const against = (bounds: number[]) => {
        const ratios = c.endToEnd.map((x, i) => x / bounds[i]!);
        return ratios.length ? `${fixed(mean(ratios))} / ${fixed(Math.max(...ratios))}` : '—';
      };
      return `| ${c.change} | ${c.size} | ${c.speedup}× | ${c.planSteps} | ${meanOf(c.endToEnd)} | ${meanOf(c.criticalPath)} | ${against(c.criticalPath)} | `
        + `${meanOf(c.lowerBound)} | ${against(c.lowerBound)} | ${c.failed.length} of ${c.size} |`;
    }),
  ].join('\n');
}

/** summary.md: the tables under the time the figures were measured, and the Gantt chart beside them. */
export function summaryMarkdown(rows: Row[], api: ApiLatency[], measuredAt: string, changes: ChangeBatch[] = []): string {
  const tables = [tableOf(rows, api), faultsTableOf(rows), changeTableOf(changes)].filter(Boolean);
  // The chart is of a provisioning row's first environment: none without one.
  const gantt = rows.length > 0 ? '![one environment\'s steps](gantt.svg)\n' : '';
  return `# eksflow benchmark (${measuredAt})\n\n${tables.map((table) => `${table}\n\n`).join('')}${gantt}`.replace(/\n\n$/, '\n');
}
