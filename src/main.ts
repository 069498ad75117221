// `npm start`: the whole system on one machine — a Temporal dev server with its Web UI,
// the eksflow worker and the API — on loopback.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from './config';
import { startApiServer } from './api/server';
import { findTool } from './dev/local-tools';
import { searchAttributeKeys } from './domain/search-attributes';
import { createWorker } from '../worker';

const config = loadConfig();
const [host, port] = config.TEMPORAL_ADDRESS.split(':');
const uiPort = Number(new URL(config.TEMPORAL_UI_URL).port);

// A local CLI binary when the installers made one; otherwise the SDK downloads it.
const cli = findTool('temporalCli');
const temporal = await TestWorkflowEnvironment.createLocal({
  server: {
    ...(cli ? { executable: { type: 'existing-path' as const, path: cli } } : {}),
    ip: host,
    port: Number(port),
    ui: true,
    uiPort,
    searchAttributes: searchAttributeKeys,
    namespace: config.TEMPORAL_NAMESPACE,
  },
}).catch((error: unknown) => {
  const hint = cli ? '' : ' (no local Temporal CLI was found and the download failed: run `bash tools/install-temporal-cli.sh` or set TEMPORAL_CLI_PATH)';
  throw new Error(`could not start the Temporal dev server${hint}`, { cause: error });
});
const worker = await createWorker(temporal.nativeConnection, config);
const running = worker.run();
const api = await startApiServer(config, temporal.client);

const apiUrl = `http://${config.API_HOST}:${config.API_PORT}`;
process.stdout.write(`
eksflow is running
  API          ${apiUrl}   (try: curl ${apiUrl}/readyz)
  Temporal UI  ${config.TEMPORAL_UI_URL}
  Temporal     ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.EKSFLOW_TASK_QUEUE})
Press Ctrl-C to stop.
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await api.close();
  // The worker also listens for SIGINT/SIGTERM and may already be draining.
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
  await temporal.teardown();
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
