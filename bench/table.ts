// The benchmark's figures as a markdown table: what `npm run bench` prints and writes, and what
// `npm run bench:summary` re-renders from a committed result without running anything again.
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
}

export type Row = { size: number; parallel: Batch; sequential?: Batch; eksctlStyle?: Batch };

const unit = (figure: string, suffix: string) => (figure === '—' ? figure : `${figure}${suffix}`);
export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.95 * xs.length) - 1)] ?? 0;
const fixed = (x: number | undefined, digits = 2) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

const describeCalls = (b: Batch | undefined) => (b ? describes.reduce((n, api) => n + (b.callsPerEnvironment[api] ?? 0), 0) : undefined);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a / b);

export function tableOf(rows: Row[], api: ApiLatency[]): string {
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


/** summary.md: the table under the time the figures were measured, and the Gantt chart beside it. */
export function summaryMarkdown(rows: Row[], api: ApiLatency[], measuredAt: string): string {
  return `# eksflow benchmark (${measuredAt})\n\n${tableOf(rows, api)}\n\n![one environment's steps](gantt.svg)\n`;
}
