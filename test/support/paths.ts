import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');
/** Bundled by the worker: the smoke tests' own workflows. */
export const fixtureWorkflowsPath = join(repoRoot, 'test', 'fixtures', 'workflows.ts');
/**
 * Small charts of the tests' own (an app, one that helm refuses, one pinned to a node pool):
 * not stand-ins of upstream charts, which the tests install from their real packages.
 */
export const appChartsDir = join(repoRoot, 'test', 'fixtures', 'app-charts');
/** Committed workflow histories, replayed against the current workflow code. */
export const replayHistoriesDir = join(repoRoot, 'test', 'replay', 'histories');
/**
 * Upstream artifacts no registry here serves (eksctl's example configs, the tutorial's
 * manifests, packaged charts), read where they are: `../shared/upstream` beside the repository,
 * as CI lays it out (`EKSFLOW_UPSTREAM_DIR` moves it). Never copied into the repository.
 */
export const upstreamDir = process.env.EKSFLOW_UPSTREAM_DIR ?? join(repoRoot, '..', 'shared', 'upstream');
/** eksctl's own example ClusterConfigs (eksctl-io/eksctl `examples/`). */
export const eksctlExamplesDir = join(upstreamDir, 'eksctl-examples');
