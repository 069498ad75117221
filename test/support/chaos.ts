import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import {
  DescribeAddressesCommand, DescribeInternetGatewaysCommand, DescribeNatGatewaysCommand, DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { EnvironmentSpec } from '../../src/domain/environment-spec';
import { ownershipTagKeys } from '../../src/domain/ownership';
import { environmentKey, phaseKey, tenantKey } from '../../src/domain/search-attributes';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery, type Progress } from '../../src/workflows/messages';
import type { KubeControlPlane } from './kube';
import type { AwsClientConfig } from './moto';
import { artifactsDir, freePort, waitFor } from './process';
import type { DevServer } from './temporal';
import { toolPath } from './tools';

/** mulberry32: a tiny seeded generator, so a chaos run's kill plan is reproducible from its printed seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Which AWS operation a request is, read as each protocol carries it: query Action, JSON target, or REST path. */
function operationOf(req: IncomingMessage, body: string): string {
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1];
  if (action) return action;
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  return `${req.method} ${(req.url ?? '').split('?')[0]}`;
}

/** Where a trapped request was cut: before AWS saw it, or after AWS did it but before the worker heard. */
export type TrapPoint = 'before-aws' | 'after-aws';

export interface AwsCrashProxy {
  /** What the worker is given as AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  /**
   * The next AWS request the worker makes is trapped: `crash` runs at `point` (the request not
   * yet forwarded, or moto's answer in hand), then the request's connection is dropped, as a
   * dead process would drop it. Resolves with the operation it landed on. With `only`, the next
   * request whose operation it accepts (`POST /clusters/env/node-groups`, `CreateVpc`); others pass.
   */
  trap(point: TrapPoint, crash: () => Promise<void>, only?: (operation: string) => boolean): Promise<string>;
  /** Drops an unsprung trap (the kill came another way). */
  disarm(): void;
  /** Resolves at the next AWS request the worker makes: its runs are moving again. */
  nextRequest(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A pass-through proxy in front of moto that can crash the worker in the middle of an AWS
 * call. A crash timed by the clock alone mostly lands between activities (moto answers in
 * milliseconds); this one lands inside one, including the window that matters most: the
 * resource made, its ID never returned, the ledger never told.
 */
export async function awsCrashProxy(upstream: string): Promise<AwsCrashProxy> {
  const target = new URL(upstream);
  let waiting: (() => void)[] = [];
  let armed: { point: TrapPoint; crash: () => Promise<void>; sprung: (operation: string) => void; only?: (operation: string) => boolean } | undefined;
  const forward = (req: IncomingMessage, body: Buffer) => new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
    const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    out.on('error', reject);
    out.end(body);
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    for (const resolve of waiting) resolve();
    waiting = [];
    const operation = operationOf(req, body.toString());
    const trap = armed && (!armed.only || armed.only(operation)) ? armed : undefined;
    if (trap) armed = undefined;
    try {
      if (trap?.point === 'before-aws') {
        await trap.crash();
        trap.sprung(operation);
        res.destroy();
        return;
      }
      const answer = await forward(req, body);
      if (trap) {
        await trap.crash();
        trap.sprung(operation);
        res.destroy();
        return;
      }
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    } catch {
      res.destroy();
    }
  };
  const server: Server = createServer((req, res) => void handle(req, res));
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    trap: (point, crash, only) => new Promise((sprung) => void (armed = { point, crash, sprung, ...(only ? { only } : {}) })),
    disarm: () => void (armed = undefined),
    nextRequest: () => new Promise((resolve) => void waiting.push(resolve)),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface WorkerProcess {
  readonly pid: number;
  /** SIGKILL to its whole process group: no shutdown, no drain, nothing reported to Temporal. */
  kill(): Promise<void>;
  /** SIGTERM (the worker drains), then SIGKILL if it lingers. */
  stop(): Promise<void>;
  alive(): boolean;
}

/**
 * The worker as deployed, configured by its environment: `node <compiled worker.js>` (what the
 * image runs, `npm run build`'s output) when `compiledWorker` is given, else `node --import tsx
 * worker.ts`. Its own process group, so a kill takes anything it may have started with it (helm, skopeo).
 */
export function startWorkerProcess(cwd: string, env: NodeJS.ProcessEnv, logName: string, compiledWorker?: string): WorkerProcess {
  const logDir = join(artifactsDir, 'logs', basename(process.argv[1] ?? 'run').replace(/\.test\.ts$/, ''));
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `${logName}.log`), { flags: 'a' });
  const child: ChildProcess = spawn(process.execPath, compiledWorker ? [compiledWorker] : ['--import', 'tsx', 'worker.ts'], { cwd, env: { ...process.env, ...(compiledWorker ? { NODE_OPTIONS: '' } : {}), ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const pid = child.pid!;
  // Not left behind if the test process dies first.
  const orphanGuard = () => killGroup(pid, 'SIGKILL');
  process.on('exit', orphanGuard);
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    process.off('exit', orphanGuard);
    resolve();
  }));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    pid,
    alive,
    async kill() {
      killGroup(pid, 'SIGKILL');
      await exited;
    },
    async stop() {
      if (alive()) {
        killGroup(pid, 'SIGTERM');
        const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 35_000))]);
        if (!gone) killGroup(pid, 'SIGKILL');
      }
      await exited;
      log.end();
    },
  };
}

function killGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** The identity Temporal knows a worker process by: the SDK's default, `<pid>@<host>`. */
export function workerIdentity(worker: WorkerProcess): string {
  return `${worker.pid}@${hostname()}`;
}

/**
 * After a SIGKILL, what Temporal would learn only when each lost attempt's timeout ran out: a
 * short AWS call's start-to-close is a minute, a heartbeating wait's heartbeat timeout 30 s,
 * and the dead worker's sticky queue holds each run's next workflow task for 10 s. The test
 * knows at once (the process group has exited, so no attempt of it can still answer), and
 * tells Temporal so: every activity attempt `dead` had started is failed, retryably, by its
 * ID (RespondActivityTaskFailedById: the retry policy schedules the next attempt, as after a
 * timeout), and each run's stickiness is reset. What happens next is what happens after the
 * timeouts: the next attempt, on the new worker, meets whatever the lost one did or half did.
 * Only the wait is cut, and no production timeout is changed for it.
 *
 * Resolves with the attempts declared lost, as `<workflowId> <activity type>#<attempt>`.
 */
export async function declareLost(client: Client, dead: WorkerProcess, workflowIds: readonly string[]): Promise<string[]> {
  if (dead.alive()) throw new Error(`worker ${dead.pid} is still alive`);
  const identity = workerIdentity(dead);
  const { PENDING_ACTIVITY_STATE_STARTED } = proto.temporal.api.enums.v1.PendingActivityState;
  const { WORKFLOW_EXECUTION_STATUS_RUNNING } = proto.temporal.api.enums.v1.WorkflowExecutionStatus;
  const lost = await Promise.all(workflowIds.map(async (workflowId) => {
    const { raw } = await client.workflow.getHandle(workflowId).describe();
    if (raw.workflowExecutionInfo?.status !== WORKFLOW_EXECUTION_STATUS_RUNNING) return [];
    const runId = raw.workflowExecutionInfo.execution!.runId!;
    const ours = (raw.pendingActivities ?? []).filter((a) => a.state === PENDING_ACTIVITY_STATE_STARTED && a.lastWorkerIdentity === identity);
    await Promise.all(ours.map((a) => client.activity.fail(
      { workflowId, runId, activityId: a.activityId! },
      ApplicationFailure.retryable(`the worker running this attempt (${identity}) was SIGKILLed`, 'WorkerLost'),
    )));
    await client.workflowService.resetStickyTaskQueue({ namespace: client.options.namespace, execution: { workflowId, runId } });
    return ours.map((a) => `${workflowId} ${a.activityType?.name}#${a.attempt}`);
  }));
  return lost.flat();
}

/** Resolves once the worker with this pid polls both the workflow and the activity side of `taskQueue`. */
export async function untilPolling(client: Client, taskQueue: string, worker: WorkerProcess, timeoutMs = 90_000): Promise<void> {
  // The departed worker's pollers stay listed for a while, so match this one's identity.
  const identity = workerIdentity(worker);
  const { TaskQueueType } = proto.temporal.api.enums.v1;
  await waitFor(`worker ${identity} to poll ${taskQueue}`, async () => {
    for (const taskQueueType of [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY]) {
      const { pollers } = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType });
      if (!pollers?.some((p) => p.identity === identity)) return false;
    }
    return true;
  }, { timeoutMs, intervalMs: 100, giveUpIf: () => (worker.alive() ? undefined : `worker ${worker.pid} exited; see its log`) });
}

/** `npm run build`'s output: the image's worker.js and its prebuilt workflow bundle. */
export interface BuiltWorker {
  /** What `startWorkerProcess` runs with plain node. */
  readonly compiledWorker: string;
  remove(): void;
}

/**
 * Builds the worker once for a whole test file, into a folder of its own inside the repository
 * (so that node_modules resolves from it). Every restart is then node loading plain JavaScript:
 * neither tsx compiling the sources nor webpack bundling the workflows.
 */
export async function buildWorker(repoRoot: string): Promise<BuiltWorker> {
  const buildOut = join('test-artifacts', `chaos-dist-${process.pid}`);
  const build = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: repoRoot, env: { ...process.env, EKSFLOW_BUILD_OUT: buildOut } });
  assert.match(build.stdout, /workflow-bundle\.js/);
  return { compiledWorker: join(repoRoot, buildOut, 'worker.js'), remove: () => rmSync(join(repoRoot, buildOut), { recursive: true, force: true }) };
}

export interface MotoWorkerOptions {
  repoRoot: string;
  server: DevServer;
  /** moto, behind the crash proxy. */
  proxy: AwsCrashProxy;
  cluster: KubeControlPlane;
  taskQueue: string;
  logName: string;
  compiledWorker: string;
}

/** The worker as deployed, configured only by its environment, talking to moto through the crash proxy; resolves once it polls. */
export async function startMotoWorker({ repoRoot, server, proxy, cluster, taskQueue, logName, compiledWorker }: MotoWorkerOptions): Promise<WorkerProcess> {
  const started = startWorkerProcess(repoRoot, {
    EKSFLOW_CLOUD: 'aws', TEMPORAL_ADDRESS: server.address, EKSFLOW_TASK_QUEUE: taskQueue,
    AWS_ENDPOINT_URL: proxy.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing',
    KUBE_ACCESS: 'kubeconfig', KUBECONFIG: cluster.kubeconfigPath, HELM_PATH: toolPath('helm'), SKOPEO_PATH: toolPath('skopeo'),
    // The test bed's apiserver answers before any run starts: eksctl's six looks 20 s apart
    // would add 100 s of sleeping to every run, as in test/support/activity-deps.ts.
    KUBE_API_READY_SUCCESSES: '2', KUBE_API_READY_INTERVAL_MS: '100',
  }, logName, compiledWorker);
  await untilPolling(server.env.client, taskQueue, started);
  return started;
}

export type EnvironmentHandle = WorkflowHandle<typeof provisionEnvironment>;

/** Started as the API starts one: with the search attributes, so its phase is on the server too. */
export async function startEnvironmentRun(client: Client, { taskQueue, tenant, spec }: { taskQueue: string; tenant: string; spec: EnvironmentSpec }): Promise<EnvironmentHandle> {
  return client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `${tenant}.${spec.name}`, args: [{ environmentId: `${tenant}/${spec.name}`, spec }],
    typedSearchAttributes: [{ key: tenantKey, value: tenant }, { key: environmentKey, value: spec.name }, { key: phaseKey, value: 'provisioning' }],
  });
}

/** Resolves with the run's progress once it is ready; a run that is no longer provisioning nor ready (failed, rolled back) ends the wait at once. */
export async function untilReady(handle: EnvironmentHandle, timeoutMs: number): Promise<Progress> {
  // A query fails while no worker serves it (a kill): those are waited out.
  let ended: string | undefined;
  return waitFor(`${handle.workflowId} to be ready`, async () => {
    const progress = await handle.query(progressQuery);
    if (progress.phase !== 'provisioning' && progress.phase !== 'ready') ended = `${handle.workflowId} is ${progress.phase}: ${JSON.stringify(progress.steps.filter((s) => s.lastError))}`;
    return progress.phase === 'ready' && progress;
  }, { timeoutMs, intervalMs: 500, giveUpIf: () => ended });
}

/** The parts of an environment's VPC, counted by its ownership tag straight from EC2. */
export async function vpcParts(config: AwsClientConfig, environmentId: string) {
  const ec2 = new EC2Client(config);
  const ours = [{ Name: `tag:${ownershipTagKeys.environment}`, Values: [environmentId] }];
  const vpcIds = ((await ec2.send(new DescribeVpcsCommand({ Filters: ours }))).Vpcs ?? []).map((vpc) => vpc.VpcId!);
  return {
    vpcs: vpcIds.length,
    subnets: (await ec2.send(new DescribeSubnetsCommand({ Filters: ours }))).Subnets?.length ?? 0,
    internetGateways: (await ec2.send(new DescribeInternetGatewaysCommand({ Filters: ours }))).InternetGateways?.length ?? 0,
    // EC2 lists deleted NAT gateways for an hour; they hold nothing.
    // moto ignores tag filters on NAT gateways: they are counted in the environment's VPCs.
    natGateways: vpcIds.length === 0 ? 0 : ((await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: vpcIds }] }))).NatGateways ?? []).filter((nat) => nat.State !== 'deleted').length,
    elasticIps: (await ec2.send(new DescribeAddressesCommand({ Filters: ours }))).Addresses?.length ?? 0,
    routeTables: (await ec2.send(new DescribeRouteTablesCommand({ Filters: ours }))).RouteTables?.length ?? 0,
  };
}

/** Two AZs, one NAT: a public and a private subnet per AZ, one public route table and one per private subnet. */
export const oneNetwork = { vpcs: 1, subnets: 4, internetGateways: 1, natGateways: 1, elasticIps: 1, routeTables: 3 };
export const noNetwork = { vpcs: 0, subnets: 0, internetGateways: 0, natGateways: 0, elasticIps: 0, routeTables: 0 };
