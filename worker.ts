import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { regionScopeInterceptor } from './src/activities/region-scope';
import { createActivities, type ActivityDeps } from './src/activities';
import { awsActivityDeps, givenResourcesDeps } from './src/activities/aws/clients';
import { binaryHelm } from './src/activities/helm';
import { buildahBuilder } from './src/activities/image-build';
import { skopeoCopier } from './src/activities/image-import';
import { defaultBuildContextDir } from './src/build-contexts/store';
import { eksTokenAccess, kubeconfigAccess } from './src/activities/kube-access';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { loadConfig, type Config } from './src/config';
import { startSimulatedCloud } from './src/sim/cloud';
import { temporalConnectionOptions } from './src/temporal-connection';

export const workflowsPath = fileURLToPath(new URL('./src/workflows/index.ts', import.meta.url));

/** The workflow side of carrying each environment's region to its activities (a header). */
export const workflowInterceptorModules = [fileURLToPath(new URL('./src/workflows/interceptors.ts', import.meta.url))];

/**
 * What every worker running eksflow's workflows is made with: the workflows, and the
 * interceptors that make each activity act in its environment's region. A worker given a
 * prebuilt bundle needs it built with `workflowInterceptorModules` too.
 */
export const workflowWorkerOptions = {
  workflowsPath,
  interceptors: { workflowModules: workflowInterceptorModules, activity: [regionScopeInterceptor] },
} satisfies Pick<WorkerOptions, 'workflowsPath' | 'interceptors'>;

/**
 * The workflow code bundled ahead of the worker's start, loaded as is: no webpack at start-up,
 * and the code that runs is the code that was built. EKSFLOW_WORKFLOW_BUNDLE names a file
 * (`npm run bundle` writes one); else the bundle `npm run build` put beside the compiled worker
 * (dist/workflow-bundle.js). Neither (the sources run through tsx): the worker bundles src/workflows.
 */
const builtBesideWorker = fileURLToPath(new URL('./workflow-bundle.js', import.meta.url));

async function workflowCode(config: Config): Promise<Pick<WorkerOptions, 'workflowBundle' | 'interceptors'>> {
  const codePath = config.EKSFLOW_WORKFLOW_BUNDLE ?? (existsSync(builtBesideWorker) ? builtBesideWorker : undefined);
  // Bundled here rather than by Worker.create, whose bundler logs webpack's module statistics
  // at INFO before the start-up banner; LOG_LEVEL=debug (or trace) brings them back.
  return prebuiltBundleOptions(codePath ? { codePath } : { code: await buildWorkflowBundle(bundleLogLevel(config.LOG_LEVEL)) });
}

const bundleLogLevel = (level: Config['LOG_LEVEL']): LogLevel => (level === 'debug' || level === 'trace' ? 'INFO' : 'WARN');

/**
 * A worker's options for a prebuilt bundle (from `buildWorkflowBundle`): the bundle has the
 * workflow interceptors in it already, so only the activity side is given, and it must be, or
 * activities would act in the worker's own region whatever the environment's.
 */
export function prebuiltBundleOptions(workflowBundle: { code: string } | { codePath: string }): Pick<WorkerOptions, 'workflowBundle' | 'interceptors'> {
  return { workflowBundle, interceptors: { activity: workflowWorkerOptions.interceptors.activity } };
}

/** The workflows with their interceptors, as the worker would bundle them itself: what `npm run bundle` and `npm run build` write. */
export async function buildWorkflowBundle(logLevel: LogLevel = 'WARN'): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: new DefaultLogger(logLevel) });
  return code;
}

/**
 * A worker for eksflow's task queue, with activities built from clients made once here. The
 * workflow bundle is built once, at creation (a few seconds of webpack), or read from
 * EKSFLOW_WORKFLOW_BUNDLE; SIGINT/SIGTERM drain it (the SDK's default).
 */
export async function createWorker(connection: NativeConnection, config: Config, deps: ActivityDeps = defaultDeps(config)): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.EKSFLOW_TASK_QUEUE,
    ...(await workflowCode(config)),
    activities: createActivities(deps),
    // In-flight activities get this long to finish on shutdown; the rest are retried elsewhere.
    shutdownGraceTime: '30 seconds',
  });
}

/** Real AWS through the default credential chain, or the emulator at AWS_ENDPOINT_URL. */
export function defaultDeps(config: Config): ActivityDeps {
  const aws = awsActivityDeps({ region: config.AWS_REGION, ...(config.AWS_ENDPOINT_URL ? { endpoint: config.AWS_ENDPOINT_URL } : {}) });
  const kube = config.KUBE_ACCESS === 'kubeconfig' ? kubeconfigAccess() : eksTokenAccess(aws.eks, { region: config.AWS_REGION, credentials: defaultProvider() });
  return {
    ...aws, kube, copier: skopeoCopier({ skopeo: config.SKOPEO_PATH }), helm: binaryHelm({ kube, binary: config.HELM_PATH }),
    builder: buildahBuilder({ buildah: config.BUILDAH_PATH }), buildContextDir: config.EKSFLOW_BUILD_CONTEXT_DIR ?? defaultBuildContextDir(),
    kubeApiReadiness: { successes: config.KUBE_API_READY_SUCCESSES, intervalMs: config.KUBE_API_READY_INTERVAL_MS },
    givenResources: givenResourcesDeps({ region: config.AWS_REGION, ...(config.AWS_ENDPOINT_URL ? { endpoint: config.AWS_ENDPOINT_URL } : {}) }),
  };
}

/** The activities' clients for the configured cloud: real AWS (or an emulator), or the simulated cloud in this process. */
export async function cloudDeps(config: Config): Promise<{ deps: ActivityDeps; close(): Promise<void> }> {
  if (config.EKSFLOW_CLOUD === 'aws') return { deps: defaultDeps(config), close: async () => undefined };
  const cloud = await startSimulatedCloud({ speedup: config.EKSFLOW_SIM_SPEEDUP, region: config.AWS_REGION, buildContextDir: config.EKSFLOW_BUILD_CONTEXT_DIR ?? defaultBuildContextDir() });
  return { deps: cloud.deps, close: () => cloud.close() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const config = loadConfig();
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const cloud = await cloudDeps(config);
  const worker = await createWorker(connection, config, cloud.deps);
  await worker.run();
  await cloud.close();
  await connection.close();
}
