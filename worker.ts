import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './src/activities';
import { awsActivityDeps } from './src/activities/aws/clients';
import { kubeconfigAccess } from './src/activities/kube-access';
import { loadConfig, type Config } from './src/config';

export const workflowsPath = fileURLToPath(new URL('./src/workflows/index.ts', import.meta.url));

/** A worker for eksflow's task queue, with activities built from clients made once here. */
export async function createWorker(connection: NativeConnection, config: Config, deps: ActivityDeps = defaultDeps(config)): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.EKSFLOW_TASK_QUEUE,
    workflowsPath,
    activities: createActivities(deps),
  });
}

/** Real AWS through the default credential chain, or the emulator at AWS_ENDPOINT_URL. */
export function defaultDeps(config: Config): ActivityDeps {
  return {
    ...awsActivityDeps({ region: config.AWS_REGION, ...(config.AWS_ENDPOINT_URL ? { endpoint: config.AWS_ENDPOINT_URL } : {}) }),
    kube: kubeconfigAccess(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const config = loadConfig();
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createWorker(connection, config);
  await worker.run();
  await connection.close();
}
