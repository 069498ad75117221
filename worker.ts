import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './src/activities';
import { loadConfig, type Config } from './src/config';

export const workflowsPath = fileURLToPath(new URL('./src/workflows/index.ts', import.meta.url));

/** A worker for eksflow's task queue, with activities built from clients made once here. */
export async function createWorker(connection: NativeConnection, config: Config, deps: ActivityDeps = {}): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.EKSFLOW_TASK_QUEUE,
    workflowsPath,
    activities: createActivities(deps),
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const config = loadConfig();
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createWorker(connection, config);
  await worker.run();
  await connection.close();
}
