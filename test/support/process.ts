import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const artifactsDir = join(import.meta.dirname, '..', '..', 'test-artifacts');
// One folder per test file: files run two at a time, and each may start its own moto or etcd.
const logDir = join(artifactsDir, 'logs', basename(process.argv[1] ?? 'run').replace(/\.test\.ts$/, ''));

/** A port the kernel just handed out on loopback; free for the next process to take. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Checked before each poll: a reason here ends the wait at once. */
  giveUpIf?: () => string | undefined;
}

/** Polls `check` until it returns a value other than undefined/false, or fails naming what it waited for. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, { timeoutMs = 30_000, intervalMs = 100, giveUpIf }: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const reason = giveUpIf?.();
    if (reason) throw new Error(`gave up waiting for ${what}: ${reason}`);
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await delay(intervalMs);
  }
  const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
}

export interface Started {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  alive(): boolean;
  /** The last lines the process wrote, for failure messages. */
  tail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

// Children still alive when the test process exits (a crash, an uncaught failure) are
// killed here, so no peer outlives the run that started it.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts a peer with its output in test-artifacts/logs/<test file>/<name>.log. */
export function startProcess(name: string, command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Started {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  // Emptied now, not when the stream opens on a later tick: a check that reads the log at once
  // must not find the previous run's lines there.
  writeFileSync(logFile, '');
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  running.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  return {
    name,
    pid,
    logFile,
    alive: () => child.exitCode === null && child.signalCode === null,
    tail: (lines = 30) => readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n'),
    async stop(graceMs = 5_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killed = await Promise.race([exited.then(() => true), delay(graceMs).then(() => false)]);
        if (!killed) child.kill('SIGKILL');
      }
      await exited;
      log.end();
    },
  };
}

/** waitFor, but giving up at once if the peer exits, and quoting its log either way. */
export async function waitForPeer<T>(peer: Started, what: string, check: () => Promise<T | undefined | false>, options: WaitOptions = {}): Promise<T> {
  try {
    return await waitFor(what, check, { ...options, giveUpIf: () => (peer.alive() ? undefined : `${peer.name} exited`) });
  } catch (error) {
    throw new Error(`${peer.name}: ${(error as Error).message}; its log ${peer.logFile} ends:\n${peer.tail()}`, { cause: error });
  }
}

/** Stops every peer in reverse start order, even when one of them fails to stop. */
export async function stopAll(peers: readonly (Started | undefined)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const peer of [...peers].reverse()) {
    try {
      await peer?.stop();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, 'some peers did not stop cleanly');
}

/** Runs a command to completion and returns its stdout; rejects with its stderr, which names the failure. */
export async function runCommand(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`${basename(command)} ${args.join(' ')} failed: ${stderr || String(error)}`, { cause: error });
  }
}
