import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkflowHandle } from '@temporalio/client';
import { replayHistoriesDir } from './paths';

/**
 * The workflow code version new histories are recorded under: one folder per version, so the
 * histories of every version that ever ran stay, and each must keep replaying. Bump it when a
 * change to the workflows adds a `patched()` branch worth recording.
 */
export const workflowCodeVersion = '2026-12-07-day-two';

/**
 * With EKSFLOW_RECORD_HISTORIES=1, keeps the run's history for the replay test, under the
 * current version's folder. Never overwrites: a history recorded once is evidence of what a run
 * of that version did, and the code must go on replaying it.
 */
export async function recordHistory(name: string, handle: Pick<WorkflowHandle, 'fetchHistory'>): Promise<void> {
  if (!process.env.EKSFLOW_RECORD_HISTORIES) return;
  const folder = join(replayHistoriesDir, workflowCodeVersion);
  const file = join(folder, `${name}.json`);
  if (existsSync(file)) return;
  mkdirSync(folder, { recursive: true });
  writeFileSync(file, historyToJSON(await handle.fetchHistory()), { flag: 'wx' });
}
