// `npm run build`: what the image runs, compiled. tsc checks the types (`npm run typecheck`);
// it cannot emit runnable ESM from this code base, whose imports are extensionless (module
// resolution "Bundler"), so esbuild — the compiler tsx runs the sources with — emits it:
//   dist/worker.js, dist/api.js      the two programs, node_modules left external;
//   dist/workflow-bundle.js          the workflow code and its interceptors, bundled once here
//                                    (Temporal's advice for production) instead of by webpack
//                                    at every worker start; dist/worker.js loads it.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildWorkflowBundle } from '../worker';

const root = join(import.meta.dirname, '..');
// EKSFLOW_BUILD_OUT: another folder inside the repository (node_modules must resolve from it), for tests.
const outdir = join(root, process.env.EKSFLOW_BUILD_OUT ?? 'dist');
const started = Date.now();
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { worker: 'worker.ts', api: 'src/api/server.ts' },
  outdir, bundle: true, platform: 'node', format: 'esm', target: 'node24', packages: 'external', sourcemap: true, logLevel: 'warning',
});
const code = await buildWorkflowBundle();
writeFileSync(join(outdir, 'workflow-bundle.js'), code);
console.log(`${outdir}: worker.js, api.js, workflow-bundle.js (${(code.length / 1e6).toFixed(2)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
