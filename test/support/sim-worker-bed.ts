import { after, before } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { startSimulatedCloud, type SimulatedCloud } from '../../src/sim/cloud';
import { workflowWorkerOptions } from '../../worker';
import { progressQuery, type Progress } from '../../src/workflows/messages';
import { waitFor } from './process';
import { devServer, type DevServer } from './temporal';

export interface SimWorkerBed {
  server: DevServer;
  cloud: SimulatedCloud;
}

/**
 * A dev server and a worker whose activities act on the simulated cloud, for a test file's
 * whole-run tests: started before the file's tests, stopped after them.
 */
export function simWorkerBed({ speedup, seed, taskQueue }: { speedup: number; seed: string; taskQueue: string }): SimWorkerBed {
  const bed = {} as SimWorkerBed;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  before(async () => {
    [bed.server, bed.cloud] = await Promise.all([devServer(), startSimulatedCloud({ speedup, seed })]);
    worker = await Worker.create({ connection: bed.server.env.nativeConnection, taskQueue, ...workflowWorkerOptions, activities: createActivities(bed.cloud.deps) });
    running = worker.run();
  });
  after(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await Promise.all([bed.server?.teardown(), bed.cloud?.close()]);
  });
  return bed;
}

/**
 * A provisioning run's progress once it is ready, its steps named when it fails, rolls back or
 * is not ready within `timeoutMs`: what every whole-run test on the simulated cloud waits for.
 */
export async function untilReady(handle: WorkflowHandle, what: string, timeoutMs = 240_000): Promise<Progress> {
  return waitFor(`${what} to be ready`, async () => {
    const progress = await handle.query(progressQuery);
    if (progress.phase === 'rolled-back' || progress.phase === 'failed') throw new Error(`the run ${progress.phase}: ${JSON.stringify(progress.steps.filter((s) => s.lastError))}`);
    return progress.phase === 'ready' && progress;
  }, { timeoutMs, intervalMs: 500 }).catch(async (error: unknown) => {
    const progress = await handle.query(progressQuery).catch(() => undefined);
    throw new Error(`${(error as Error).message}; steps: ${JSON.stringify(progress?.steps.map((s) => [s.id, s.state, s.detail ?? s.lastError ?? '']))}`);
  });
}
