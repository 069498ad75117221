import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowsPath } from '../../worker';
import { replayHistoriesDir } from '../support/paths';

// Histories of real runs, recorded with EKSFLOW_RECORD_HISTORIES=1. A change to workflow code
// that would break a run in flight (non-determinism) fails here, before it ships.
const histories = readdirSync(replayHistoriesDir).filter((file) => file.endsWith('.json'));

test('committed histories are present', () => {
  assert.ok(histories.length > 0, `no histories in ${replayHistoriesDir}`);
});

for (const file of histories) {
  test(`replays ${file} without non-determinism`, async () => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(replayHistoriesDir, file), 'utf8')));
    await Worker.runReplayHistory({ workflowsPath }, history, file);
  });
}
