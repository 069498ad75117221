import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { workflowsPath } from '../../worker';
import { replayHistoriesDir, repoRoot } from '../support/paths';

// Histories of real runs, one folder per workflow code version, recorded with
// EKSFLOW_RECORD_HISTORIES=1 (test/support/histories.ts) and never overwritten. A change to
// workflow code that would break a run of any version in flight (non-determinism) fails here.
const versions = readdirSync(replayHistoriesDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
const histories = versions.flatMap((version) => readdirSync(join(replayHistoriesDir, version)).filter((file) => file.endsWith('.json')).map((file) => join(replayHistoriesDir, version, file)));

test('committed histories are present, for more than one workflow version', () => {
  assert.ok(histories.length > 0, `no histories in ${replayHistoriesDir}`);
  assert.ok(versions.length >= 2, `histories of one version only: ${versions.join(', ')}`);
  assert.deepEqual(readdirSync(replayHistoriesDir).filter((file) => file.endsWith('.json')), [], 'every history sits in its version\'s folder');
});

for (const file of histories) {
  const name = relative(replayHistoriesDir, file);
  test(`replays ${name} without non-determinism`, async () => {
    const history = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
    await Worker.runReplayHistory({ workflowsPath }, history, name);
  });
}

test('a workflow change that is not deterministic fails the replay', async () => {
  const file = histories.find((f) => f.endsWith('provision-scale-teardown.json'))!;
  const history = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
  const changed = join(repoRoot, 'test', 'fixtures', 'nondeterministic-workflows.ts');
  await assert.rejects(Worker.runReplayHistory({ workflowsPath: changed }, history, 'changed'), (error: unknown) => {
    assert.ok(error instanceof DeterminismViolationError, String(error));
    return true;
  });
});
