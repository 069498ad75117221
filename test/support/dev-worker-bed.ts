import { after, before } from 'node:test';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { workflowWorkerOptions } from '../../worker';
import { testActivityDeps } from './activity-deps';
import { kubeControlPlane, type KubeControlPlane } from './kube';
import { moto, type Moto } from './moto';
import { devServer, type DevServer } from './temporal';

export interface DevWorkerBed {
  server: DevServer;
  aws: Moto;
  cluster: KubeControlPlane;
  taskQueue: string;
  /** Another worker on `queue`, with the same peers, for a test that starts one late. */
  worker(queue: string): Promise<Worker>;
  /**
   * Settles once the peers are up. node:test runs a file's top-level `before` hooks side by
   * side, so a file's own `before` that uses the peers awaits this first.
   */
  ready: Promise<void>;
}

/**
 * For a test file of whole runs on the dev server (visibility, search attributes, the UI):
 * the dev server, moto, a control plane whose simulated nodes belong to node group "general",
 * and a real worker on `taskQueue`, started before the file's tests and stopped after them.
 */
export function devWorkerBedPerFile({ taskQueue, nodes = 2 }: { taskQueue: string; nodes?: number }): DevWorkerBed {
  const bed = { taskQueue } as DevWorkerBed;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let started: () => void = () => undefined;
  let failed: (error: unknown) => void = () => undefined;
  bed.ready = new Promise((resolve, reject) => {
    started = resolve;
    failed = reject;
  });
  // A failure is reported by the hook itself; `ready` only passes it on to whoever waits.
  bed.ready.catch(() => undefined);
  before(async () => {
    try {
      await setUp();
      started();
    } catch (error) {
      failed(error);
      throw error;
    }
  });
  async function setUp() {
    [bed.server, bed.aws, bed.cluster] = await Promise.all([devServer(), moto(), kubeControlPlane({ nodes, nodeLabels: { 'eks.amazonaws.com/nodegroup': 'general' } })]);
    bed.worker = (queue) => Worker.create({
      connection: bed.server.env.nativeConnection, taskQueue: queue, ...workflowWorkerOptions,
      activities: createActivities(testActivityDeps({ aws: bed.aws, kubeconfigPath: bed.cluster.kubeconfigPath })),
    });
    worker = await bed.worker(taskQueue);
    running = worker.run();
  }
  after(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await Promise.all([bed.server?.teardown(), bed.aws?.stop(), bed.cluster?.stop()]);
  });
  return bed;
}
