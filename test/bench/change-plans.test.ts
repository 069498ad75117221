import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { changeEndToEnd, versionUpgrade } from '../../bench/change-plans';
import { changeTableOf, summaryMarkdown, type ChangeBatch } from '../../bench/table';
import { parseEnvironmentSpec } from '../../src/domain/environment-spec';
import type { ChangeProgress } from '../../src/workflows/messages';

const parsed = parseEnvironmentSpec(JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'tutorial', 'environment.json'), 'utf8')));
const rowsOf = (table: string) => table.split('\n').filter((line) => /^\| version/.test(line)).map((line) => line.split(' | ').map((cell) => cell.replace(/^\| | \|$/g, '')));

test("the bench's version upgrade is the tutorial one minor up, planned as the Update's handler plans it: its critical path is the chain pre-check → control plane → add-on → node group", () => {
  assert.ok(parsed.ok);
  const scenario = versionUpgrade(parsed.spec);
  assert.equal(scenario.title, 'version upgrade 1.35 → 1.36');
  assert.equal(scenario.next.kubernetesVersion, '1.36');
  assert.deepEqual({ ...scenario.next, kubernetesVersion: '1.35' }, parsed.spec, 'nothing else changes');
  const { plan } = scenario;
  assert.deepEqual(plan.criticalPath, ['k8s:upgrade-precheck/1.36', 'eks:cluster-version/1.36', 'addon-upgrade:cluster-autoscaler', 'eks:nodegroup-version/on-demand']);
  const estimate = (id: string) => plan.steps.find((s) => s.id === id)!.estimateSeconds;
  assert.equal(plan.criticalPathSeconds, plan.criticalPath.reduce((sum, id) => sum + estimate(id), 0));
});

test("a change's end-to-end time is its start to its end in cloud seconds (workflow time × speedup); a change still running has none", () => {
  const change: ChangeProgress = {
    id: 'u1', state: 'applied', summary: '4 steps', steps: [],
    startedAt: '2026-12-07T10:00:00.000Z', endedAt: '2026-12-07T10:01:13.800Z',
  };
  assert.equal(changeEndToEnd(change, 20), 1_476);
  const running: ChangeProgress = { ...change, state: 'running' };
  delete running.endedAt;
  assert.throws(() => changeEndToEnd(running, 20), /still running/);
});

test('the change-plan table: end-to-end ÷ the plan\'s critical path, mean and max, and failures counted', () => {
  const batch: ChangeBatch = {
    change: 'version upgrade 1.35 → 1.36', size: 2, speedup: 20, planSteps: 4,
    endToEnd: [1_476, 1_353], criticalPath: [1_230, 1_230], lowerBound: [1_400, 1_230], failed: [],
  };
  assert.deepEqual(rowsOf(changeTableOf([batch])), [['version upgrade 1.35 → 1.36', '2', '20×', '4', '1415 s', '1230 s', '1.15 / 1.20', '1315 s', '1.08 / 1.10', '0 of 2']]);
  // Every change failed: no figure, not a division by nothing.
  assert.deepEqual(rowsOf(changeTableOf([{ ...batch, endToEnd: [], criticalPath: [], lowerBound: [], failed: ['env-0: x', 'env-1: y'] }]))[0]!.slice(4), ['—', '—', '—', '—', '—', '2 of 2']);
  assert.equal(changeTableOf([]), '', 'no change measured: no table');
  const summary = summaryMarkdown([], [], 'now', [batch]);
  assert.match(summary, /\| version upgrade 1\.35 → 1\.36 \| 2 \|/);
  assert.doesNotMatch(summary, /^\| environments \| speedup \| end-to-end/m, 'no provisioning measured: no provisioning table');
  assert.doesNotMatch(summary, /gantt\.svg/, 'nor a Gantt chart of it');
});
