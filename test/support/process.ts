import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const artifactsDir = join(import.meta.dirname, '..', '..', 'test-artifacts');
// One folder per test file: files run two at a time, and each may start its own moto or etcd.
const logDir = join(artifactsDir, 'logs', basename(process.argv[1] ?? 'run').replace(/\.test\.ts$/, ''));

// Ports for peers come from below Linux's ephemeral range (32768-60999). A port the kernel
// hands out with listen(0) is ephemeral: between our close() and the peer's bind, any
// outgoing connection on the machine may take it (moto once lost its port that way and the
// whole file failed). Below the range only another test file's pick can collide, and a
// random pick plus a bind check makes that unlikely; a port is never handed out twice here.
const peerPorts = { low: 20_000, high: 32_000 };
const handedOut = new Set<number>();

async function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A loopback port outside the ephemeral range that nothing listens on, for a peer to take. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = peerPorts.low + Math.floor(Math.random() * (peerPorts.high - peerPorts.low));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canBind(port)) return port;
  }
  throw new Error(`no free port between ${peerPorts.low} and ${peerPorts.high} after 200 tries`);
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

// Children still alive when the test process exits (a crash, an uncaught failure, a before()
// that failed half-way) are killed here, so no peer outlives the file that started it: ours,
// and the ones sdk-core starts (the Temporal servers), found as descendants in /proc. The suite
// runs without --test-force-exit: with it, node drops the tail of a file's results on their way
// to the parent (nodejs/node#64833: fewer tests reported than ran, still exit 0; CI saw 972 of
// 988), so every file must stop what it starts, as the test bed's helpers do.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const pid of descendantsOf(process.pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Every live descendant of `root`, read from /proc (Linux), deepest last. */
function descendantsOf(root: number): number[] {
  const parents = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const entry of entries) {
    try {
      // The command name (field 2) is in parentheses and may hold spaces; the parent pid follows it.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

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
