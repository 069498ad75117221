// Writes the worker's workflow bundle to a file (default workflow-bundle.js), for
// EKSFLOW_WORKFLOW_BUNDLE: a worker given it starts without bundling. Rebuild it whenever the
// sources change: a stale bundle runs the old workflow code.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildWorkflowBundle } from '../worker';

const out = resolve(process.argv[2] ?? 'workflow-bundle.js');
await writeFile(out, await buildWorkflowBundle());
console.log(`wrote ${out}; start the worker with EKSFLOW_WORKFLOW_BUNDLE=${out}`);
