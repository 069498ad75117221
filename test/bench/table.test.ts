import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tableOf, type Batch } from '../../bench/table';

const batch = (overrides: Partial<Batch>): Batch => ({
  size: 1, speedup: 20, variant: 'parallel', endToEnd: [1200], lowerBound: [1000], lags: [2, 4],
  callsPerEnvironment: { 'eks:DescribeCluster': 20, 'eks:DescribeNodegroup': 10, 'iam:CreateRole': 3 },
  rssPeakMiB: 600, cpuSeconds: 5, scheduleToStartP95Ms: 100, failed: [], ...overrides,
});
const rowsOf = (table: string) => table.split('\n').filter((line) => /^\| \d/.test(line)).map((line) => line.split(' | ').map((cell) => cell.replace(/^\| | \|$/g, '')));

test('the bench table: ratios against the lower bound and the baselines, the waiters\' calls beside ours, the bucket bound as a bound', () => {
  const parallel = batch({});
  const sequential = batch({ variant: 'sequential', endToEnd: [1800] });
  const eksctlStyle = batch({ variant: 'eksctl-style', endToEnd: [2400], lags: [10, 20], callsPerEnvironment: { 'eks:DescribeCluster': 15, 'eks:DescribeNodegroup': 5 } });
  const [row] = rowsOf(tableOf([{ size: 1, parallel, sequential, eksctlStyle }], []));
  assert.deepEqual(row, [
    '1', '20×', '1200 s', '1.20 / 1.20', '1800 s', '1.50×', '2400 s', '2.00×', '3.0 s / 4.0 s (15.0 s / 20.0 s)',
    '30.0 (20.0; 1.50×)', '33', '600 MiB', '5.00', '≤ 100 ms', '0',
  ]);
});

test('a size measured without baselines shows — where there is no figure, and counts its failures', () => {
  const [row] = rowsOf(tableOf([{ size: 50, parallel: batch({ size: 50, speedup: 8, cpuSeconds: 50, failed: ['env-15: wait timed out'] }) }], []));
  assert.deepEqual(row!.slice(4, 10), ['—', '—', '—', '—', '3.0 s / 4.0 s (—)', '30.0 (—)']);
  assert.equal(row![12], '1.00', 'CPU-seconds per environment');
  assert.equal(row![14], '1', 'one failure');
});
