// `npm start`: the whole system on one machine — a Temporal dev server with its Web UI,
// the eksflow worker and the API — on loopback.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from './config';
import { startApiServer } from './api/server';
import { devToken } from './dev/dev-token';
import { findTool } from './dev/local-tools';
import { searchAttributeKeys } from './domain/search-attributes';
import { cloudDeps, createWorker } from '../worker';

// The simulated cloud unless asked for AWS: a first start needs no account.
const config = loadConfig({ EKSFLOW_CLOUD: 'sim', ...process.env });
// Without a token table the API would refuse everyone: a local start gets a token for tenant "dev".
const dev = config.EKSFLOW_API_TOKENS ? undefined : devToken();
if (dev) config.EKSFLOW_API_TOKENS = dev.entry;
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
const cloud = await cloudDeps(config);
const worker = await createWorker(temporal.nativeConnection, config, cloud.deps);
const running = worker.run();
// The API reaches the clusters the way the worker does (on the simulated cloud, in this process).
const api = await startApiServer(config, temporal.client, cloud.deps.kube);

const apiUrl = `http://${config.API_HOST}:${config.API_PORT}`;
const tokenLine = dev ? `export EKSFLOW_TOKEN=$(cat ${dev.path})   # tenant "dev"` : 'export EKSFLOW_TOKEN=<a token from EKSFLOW_API_TOKENS>';
process.stdout.write(`
eksflow is running
  API          ${apiUrl}   (docs: ${apiUrl}/docs)
  Temporal UI  ${config.TEMPORAL_UI_URL}
  Temporal     ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.EKSFLOW_TASK_QUEUE})
  Cloud        ${config.EKSFLOW_CLOUD === 'sim' ? `simulated, ${config.EKSFLOW_SIM_SPEEDUP}× faster than AWS (EKSFLOW_CLOUD=aws for real AWS)` : `AWS ${config.AWS_REGION}${config.AWS_ENDPOINT_URL ? ` at ${config.AWS_ENDPOINT_URL}` : ''}`}

Try it:
  ${tokenLine}
  export EKSFLOW_API_URL=${apiUrl}
  npx eksflow plan -f examples/tutorial/environment.json
  curl -sS -H "Authorization: Bearer $EKSFLOW_TOKEN" -H 'content-type: application/json' --data @examples/tutorial/environment.json ${apiUrl}/v1/environments
  npx eksflow env create -f examples/tutorial/environment.json --watch
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
  await cloud.close();
  await temporal.teardown();
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
