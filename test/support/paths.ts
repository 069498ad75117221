import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');
/** Bundled by the worker: the smoke tests' own workflows. */
export const fixtureWorkflowsPath = join(repoRoot, 'test', 'fixtures', 'workflows.ts');
/** Committed workflow histories, replayed against the current workflow code. */
export const replayHistoriesDir = join(repoRoot, 'test', 'replay', 'histories');
