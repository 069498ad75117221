import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { artifactsDir, freePort, waitFor } from './process';

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
   * dead process would drop it. Resolves with the operation it landed on.
   */
  trap(point: TrapPoint, crash: () => Promise<void>): Promise<string>;
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
  let armed: { point: TrapPoint; crash: () => Promise<void>; sprung: (operation: string) => void } | undefined;
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
    const trap = armed;
    if (trap) armed = undefined;
    try {
      if (trap?.point === 'before-aws') {
        await trap.crash();
        trap.sprung(operationOf(req, body.toString()));
        res.destroy();
        return;
      }
      const answer = await forward(req, body);
      if (trap) {
        await trap.crash();
        trap.sprung(operationOf(req, body.toString()));
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
    trap: (point, crash) => new Promise((sprung) => void (armed = { point, crash, sprung })),
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
