import { after, before } from 'node:test';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { startSimulatedCloud, type SimulatedCloud } from '../../src/sim/cloud';
import { workflowWorkerOptions } from '../../worker';
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
