import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { promisify } from 'node:util';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { buildContextStore, type BuildContextStore } from '../build-contexts/store';
import { extractTar, UnsafeTarError } from '../build-contexts/tar';
import type { ImageBuildSpec } from '../domain/environment-spec';
import { errorTypes } from '../domain/errors';
import type { Owner } from '../domain/ownership';
import type { EcrApi, RegistryLogin } from './aws/ecr';
import type { ImageDestination } from './image-import';

const run = promisify(execFile);

/** Where a build's source comes from, as the spec says it (`image.build.context`). */
export type BuildContextSource = ImageBuildSpec['context'];

/** A build that failed in a way retrying cannot mend (the Dockerfile's fault) or might (a push's network). */
export class BuildFailure extends Error {
  override readonly name = 'BuildFailure';
  constructor(message: string, readonly phase: 'build' | 'push', readonly permanent: boolean) {
    super(message);
  }
}

/**
 * The image-build port: builds `dockerfile` in `contextDir`, pushes it to `target`, says the
 * digest it pushed. Every line of output goes to `onLog`. buildah (`buildahBuilder`) in the
 * worker and the test bed.
 */
export interface ImageBuilder {
  build(input: {
    contextDir: string; dockerfile: string; target: string; login: RegistryLogin | undefined; signal: AbortSignal; onLog: (text: string) => void;
  }): Promise<{ digest: string }>;
}

export interface BuildahBuilder {
  /** buildah's path (BUILDAH_PATH, or toolPath('buildah') in tests). */
  buildah: string;
  /** Registries pushed to over plain HTTP (loopback test registries only). */
  insecureRegistries?: string[];
}

/**
 * buildah with nothing of the machine's: its image store (vfs, which needs no kernel overlay
 * support) and run root under a private temp dir removed afterwards, chroot isolation (no
 * container runtime), credentials in a private auth file. RUN steps need what chroot isolation
 * needs (root, or a user namespace); FROM and COPY need nothing.
 */
export function buildahBuilder({ buildah, insecureRegistries = [] }: BuildahBuilder): ImageBuilder {
  return {
    async build({ contextDir, dockerfile, target, login, signal, onLog }) {
      const work = await mkdtemp(join(tmpdir(), 'eksflow-build-'));
      const storage = ['--root', join(work, 'root'), '--runroot', join(work, 'run'), '--storage-driver', 'vfs'];
      const authFile = join(work, 'auth.json');
      const host = target.split('/')[0]!;
      await writeFile(authFile, JSON.stringify({ auths: login ? { [host]: { auth: Buffer.from(`${login.username}:${login.password}`).toString('base64') } } : {} }), { mode: 0o600 });
      const local = `localhost/eksflow-build:${Date.now().toString(36)}`;
      const env = { ...process.env, BUILDAH_ISOLATION: 'chroot', REGISTRY_AUTH_FILE: authFile };
      try {
        const built = await streamed(buildah, [...storage, 'bud', '--isolation', 'chroot', '--authfile', authFile, '--file', join(contextDir, dockerfile), '--tag', local, contextDir], { env, signal, onLog, work });
        if (built !== 0) throw new BuildFailure(`buildah bud exited with ${built}`, 'build', true);
        const digestFile = join(work, 'digest');
        const pushed = await streamed(buildah, [
          ...storage, 'push', '--authfile', authFile, '--digestfile', digestFile, '--retry', '3', `--tls-verify=${!insecureRegistries.includes(host)}`, local, `docker://${target}`,
        ], { env, signal, onLog, work });
        if (pushed !== 0) throw new BuildFailure(`buildah push to ${target} exited with ${pushed}`, 'push', false);
        return { digest: (await readFile(digestFile, 'utf8')).trim() };
      } finally {
        // vfs layers are whole copies: the store goes with the build.
        await run(buildah, [...storage, 'rmi', '--all', '--force'], { env }).catch(() => undefined);
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}

/** Runs a command, every output chunk to onLog; resolves with its exit code. */
function streamed(command: string, args: string[], { env, signal, onLog, work }: { env: NodeJS.ProcessEnv; signal: AbortSignal; onLog: (text: string) => void; work: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    // The private store and auth file's paths say nothing to the reader of the log.
    onLog(`$ ${command.split('/').pop()} ${args.map((arg) => arg.replaceAll(work, '<build>')).join(' ')}\n`);
    const child = spawn(command, args, { env, signal, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', onLog);
    child.stderr.setEncoding('utf8').on('data', onLog);
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

export interface FetchOptions {
  /**
   * git URL schemes cloned. The spec allows https only; a test serves a repository as file://.
   * @default ['https']
   */
  gitProtocols?: string[];
}

/**
 * Puts the build context in `dest`: a shallow clone of the git ref (`.git` removed, the
 * commit written to the log), or the tenant's upload unpacked (entries leaving the directory
 * refused). Faults of the request fail for good; a clone's network trouble is retried.
 */
export async function fetchBuildContext(source: BuildContextSource, dest: string, { store, tenant, log, gitProtocols = ['https'] }: FetchOptions & {
  store: BuildContextStore; tenant: string; log: (text: string) => void;
}): Promise<void> {
  if ('upload' in source) {
    const tarball = await store.read(tenant, source.upload);
    if (!tarball) {
      throw ApplicationFailure.nonRetryable(`build context ${source.upload} was not uploaded by tenant ${tenant}; upload it again (eksflow image build <dir>)`, errorTypes.invalidSpec);
    }
    try {
      const count = await extractTar(tarball, dest);
      log(`build context ${source.upload}: ${count} entries unpacked\n`);
    } catch (error) {
      if (error instanceof UnsafeTarError) throw ApplicationFailure.nonRetryable(`build context ${source.upload} is refused: ${error.message}`, errorTypes.invalidSpec);
      throw error;
    }
    return;
  }
  const { url, ref } = source.git;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (!scheme || !gitProtocols.includes(scheme) || ref.startsWith('-')) {
    throw ApplicationFailure.nonRetryable(`git source ${url} at ${ref} is refused: only ${gitProtocols.join(', ')} URLs and branch or tag names are cloned`, errorTypes.invalidSpec);
  }
  // Only the allowed protocols, for the clone and any submodule or redirect: never file: or ext: on the worker.
  const protocols = ['-c', 'protocol.allow=never', ...gitProtocols.flatMap((p) => ['-c', `protocol.${p}.allow=always`])];
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_ASKPASS: 'true' };
  log(`$ git clone --depth 1 --branch ${ref} ${url}\n`);
  try {
    const { stderr } = await run('git', [...protocols, 'clone', '--depth', '1', '--single-branch', '--no-tags', '--branch', ref, '--', url, dest], { env, maxBuffer: 16 * 1024 * 1024 });
    log(stderr);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    log(stderr);
    const permanent = /not found|could not find remote branch|repository .* does not exist|authentication failed|terminal prompts disabled|transport .* not allowed/i.test(stderr);
    const message = `cloning ${url} at ${ref} failed: ${stderr.trim().split('\n').pop()}`;
    throw permanent ? ApplicationFailure.nonRetryable(message, errorTypes.invalidSpec) : ApplicationFailure.retryable(message, errorTypes.awsRetryable);
  }
  const { stdout: commit } = await run('git', ['-C', dest, 'rev-parse', 'HEAD'], { env });
  log(`commit ${commit.trim()}\n`);
  await rm(join(dest, '.git'), { recursive: true, force: true });
}

const tailLines = 20;
const heartbeatEveryMs = 5_000;

export interface ImageBuildDeps {
  ecr: EcrApi;
  destination: ImageDestination;
  builder: ImageBuilder;
  /** Uploaded contexts are read from it; full logs are written to it. */
  store: BuildContextStore;
  /** @default https only (the spec's rule) */
  gitProtocols?: string[];
}

export interface BuildImageInput {
  owner: Owner;
  /** tenant/name: where the log goes (logs/<tenant>/<name>/<build id>.log). @default owner.environmentId */
  environmentId?: string;
  /** Whose uploads the context is read from. @default the environment's tenant */
  tenant?: string;
  /** Names the build's log; the run makes it and shows it in the step's detail. @default from the activity's run and id */
  buildId?: string;
  context: BuildContextSource;
  dockerfile: string;
  repository: string;
  tag: string;
}

export function createImageBuildActivities({ ecr, destination, builder, store, gitProtocols }: ImageBuildDeps) {
  /**
   * Builds the image from its context with buildah, pushes it to the environment's ECR
   * repository and checks the registry holds the pushed digest. The whole log is written to
   * the build context store (GET …/builds/:buildId/log reads it); heartbeats and failures
   * carry its last lines. A Dockerfile that does not build fails for good.
   */
  async function buildImage(input: BuildImageInput): Promise<{ imageUri: string; digest: string; buildId: string; logTail: string[] }> {
    const context = Context.current();
    const environmentId = input.environmentId ?? input.owner.environmentId;
    const tenant = input.tenant ?? environmentId.split('/')[0]!;
    const buildId = input.buildId ?? `${context.info.workflowExecution?.runId ?? 'run'}-${context.info.activityId}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 100);
    const logPath = store.logPath(environmentId, buildId);
    await mkdir(dirname(logPath), { recursive: true, mode: 0o750 });
    // Appended: a retried attempt's log follows the failed one's, which is never lost.
    const file = createWriteStream(logPath, { flags: 'a', mode: 0o640 });
    const tail: string[] = [];
    let partial = '';
    const log = (text: string) => {
      file.write(text);
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      tail.push(...lines.map(stripControl).filter((line) => line.trim() !== ''));
      tail.splice(0, Math.max(0, tail.length - tailLines));
    };
    const lastLines = (n = tailLines) => [...tail, ...(partial.trim() ? [stripControl(partial)] : [])].slice(-n);
    const beat = setInterval(() => context.heartbeat({ buildId, tail: lastLines(5) }), heartbeatEveryMs);
    const dir = await mkdtemp(join(tmpdir(), 'eksflow-context-'));
    try {
      log(`=== build ${buildId}, attempt ${context.info.attempt}, ${new Date().toISOString()}\n`);
      if (!isInside(input.dockerfile)) {
        throw ApplicationFailure.nonRetryable(`dockerfile ${input.dockerfile} must be a relative path inside the build context`, errorTypes.invalidSpec);
      }
      const repository = await ecr.describeRepository(input.repository);
      if (!repository) throw ApplicationFailure.nonRetryable(`ECR repository ${input.repository} does not exist`, errorTypes.resourceFailed);
      const contextDir = join(dir, 'context');
      await fetchBuildContext(input.context, contextDir, { store, tenant, log, ...(gitProtocols ? { gitProtocols } : {}) });
      await checkDockerfile(contextDir, input.dockerfile);
      const target = destination.reference(repository, input.tag);
      log(`building ${input.dockerfile} and pushing to ${target}\n`);
      let digest: string;
      try {
        ({ digest } = await builder.build({ contextDir, dockerfile: input.dockerfile, target, login: await destination.login(), signal: context.cancellationSignal, onLog: log }));
      } catch (error) {
        if (!(error instanceof BuildFailure)) throw error;
        const message = `${error.phase === 'build' ? `building ${input.dockerfile} failed` : `pushing to ${target} failed`} (full log: build ${buildId}):\n${lastLines(10).join('\n')}`;
        throw error.permanent ? ApplicationFailure.nonRetryable(message, errorTypes.imageBuildFailed, { buildId, logTail: lastLines() })
          : ApplicationFailure.retryable(message, errorTypes.awsRetryable, { buildId, logTail: lastLines() });
      }
      const held = await destination.digest(repository, input.tag);
      if (held !== digest) {
        throw ApplicationFailure.retryable(`the registry holds ${held ?? 'nothing'} for ${target}, not the pushed ${digest}`, errorTypes.awsRetryable);
      }
      log(`pushed ${repository.uri}@${digest}\n`);
      return { imageUri: `${repository.uri}@${digest}`, digest, buildId, logTail: lastLines() };
    } catch (error) {
      log(`=== failed: ${(error as Error).message.split('\n')[0]}\n`);
      throw error;
    } finally {
      clearInterval(beat);
      await new Promise<void>((resolve) => file.end(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  }

  return { buildImage };
}

/** The image builds' dependencies when the worker has what they need; none, and image.build fails naming what is missing. */
export function imageBuildDeps(options: { ecr: EcrApi; destination: ImageDestination; builder?: ImageBuilder; buildContextDir?: string; gitProtocols?: string[] }): ImageBuildDeps | undefined {
  if (!options.builder || !options.buildContextDir) return undefined;
  return { ecr: options.ecr, destination: options.destination, builder: options.builder, store: buildContextStore(options.buildContextDir), ...(options.gitProtocols ? { gitProtocols: options.gitProtocols } : {}) };
}

// Colour codes and carriage-return progress bars make no sense in a step's detail.
// eslint-disable-next-line no-control-regex
const stripControl = (line: string) => line.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').split('\r').pop()!;

const isInside = (path: string) => !path.startsWith('/') && !path.split('/').some((part) => part === '..' || part === '');

/** The Dockerfile exists in the context as a file, not a link that could lead out of it. */
async function checkDockerfile(contextDir: string, dockerfile: string): Promise<void> {
  const path = join(contextDir, dockerfile);
  const stats = await lstat(path).catch(() => undefined);
  const real = stats ? await realpath(path) : undefined;
  if (!stats?.isFile() || !real?.startsWith(`${await realpath(contextDir)}${sep}`)) {
    const top = (await readdir(contextDir).catch(() => [] as string[])).slice(0, 20);
    throw ApplicationFailure.nonRetryable(
      `the build context has no file ${dockerfile} (at its top: ${top.join(', ') || 'nothing'}); give image.build.dockerfile as a path inside the context`, errorTypes.invalidSpec,
    );
  }
}
