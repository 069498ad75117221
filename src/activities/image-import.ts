import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { registrySourceProblem } from '../domain/environment-spec';
import { errorTypes } from '../domain/errors';
import { ownershipTags, type Owner } from '../domain/ownership';
import type { EcrApi, RegistryLogin, Repository } from './aws/ecr';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse, deleteIfOurs, type DeleteOutcome, type DeleteOwner } from './ownership-check';

const run = promisify(execFile);

/** Where imported images go: ECR in production; the test bed's registry in tests (moto cannot store layers). */
export interface ImageDestination {
  /** host/path:tag the copy pushes to. */
  reference(repository: Repository, tag: string): string;
  /** Credentials for the push, or none for an open registry. */
  login(): Promise<RegistryLogin | undefined>;
  /** The digest the registry holds for repository:tag, to verify the copy. */
  digest(repository: Repository, tag: string): Promise<string | undefined>;
}

export function ecrDestination(ecr: EcrApi): ImageDestination {
  return {
    reference: (repository, tag) => `${repository.uri}:${tag}`,
    login: () => ecr.login(),
    digest: (repository, tag) => ecr.imageDigest(repository.name, tag),
  };
}

export interface SkopeoCopier {
  /** skopeo's path. */
  skopeo: string;
  /** Registries spoken to over plain HTTP or with unverified TLS (loopback test registries only). */
  insecureRegistries?: string[];
}

/**
 * The image-copy port: puts `source` at `target` and says the digest it pushed. skopeo
 * (`skopeoCopier`) or the simulated cloud's; chosen where the worker's dependencies are made.
 */
export interface ImageCopier {
  copy(input: { source: string; target: string; login: RegistryLogin | undefined; signal: AbortSignal }): Promise<{ digest: string }>;
}

/** The copier over the skopeo binary: credentials in a private auth file in a private temp dir, removed after. */
export function skopeoCopier(options: SkopeoCopier): ImageCopier {
  return {
    async copy({ source, target, login, signal }) {
      const work = await mkdtemp(join(tmpdir(), 'eksflow-import-'));
      try {
        return { digest: await skopeoCopy(options, source, target, login, work, signal) };
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}

const heartbeatEveryMs = 5_000;

export function createImageActivities(ecr: EcrApi, destination: ImageDestination, copier: ImageCopier) {
  /** The ECR repository, scanning on push and tagged; adopted when this environment owns it. */
  async function ensureEcrRepository(input: { owner: Owner; region: string; name: string; tags?: Record<string, string> }): Promise<EnsuredResource & { uri: string }> {
    const ref = (arn: string) => ({ kind: 'ecr-repository' as const, name: input.name, region: input.region, arn });
    const existing = await ecr.describeRepository(input.name);
    if (existing) {
      const { madeByThisRun } = adoptOrRefuse(`ECR repository ${input.name}`, existing.tags, input.owner);
      return { ref: ref(existing.arn), made: madeByThisRun, uri: existing.uri };
    }
    const created = await ecr.createRepository({ name: input.name, scanOnPush: true, tags: ownershipTags(input.owner, input.tags) });
    return { ref: ref(created.arn), made: true, uri: created.uri };
  }

  /** Deletes the repository and its images, only when it carries this environment's tag: never a repository the spec merely named. */
  async function deleteEcrRepository(input: DeleteOwner & { name: string }): Promise<DeleteOutcome> {
    return deleteIfOurs(await ecr.describeRepository(input.name), input, () => ecr.deleteRepository(input.name));
  }

  /**
   * Copies `source` into the repository with skopeo and verifies the registry holds the
   * digest skopeo pushed. Credentials go through a private auth file, never the command
   * line, a log or the result. Returns the image pinned by digest.
   */
  async function importImage(input: { source: string; repository: string; tag: string }): Promise<{ imageUri: string; digest: string }> {
    // Checked at the API already; checked again here, where the worker's disk is at stake, for
    // runs started by any other client of Temporal.
    const problem = registrySourceProblem(input.source);
    if (problem) throw ApplicationFailure.nonRetryable(`image source ${input.source} ${problem}`, errorTypes.invalidSpec);
    const repository = await ecr.describeRepository(input.repository);
    if (!repository) throw ApplicationFailure.nonRetryable(`ECR repository ${input.repository} does not exist`, errorTypes.resourceFailed);
    const target = destination.reference(repository, input.tag);
    const context = Context.current();
    const beat = setInterval(() => context.heartbeat({ copying: input.source }), heartbeatEveryMs);
    try {
      const { digest } = await copier.copy({ source: input.source, target, login: await destination.login(), signal: context.cancellationSignal });
      const held = await destination.digest(repository, input.tag);
      if (held !== digest) {
        throw ApplicationFailure.retryable(`the registry holds ${held ?? 'nothing'} for ${target}, not the pushed ${digest}`, errorTypes.awsRetryable);
      }
      return { imageUri: `${repository.uri}@${digest}`, digest };
    } finally {
      clearInterval(beat);
    }
  }

  return { ensureEcrRepository, deleteEcrRepository, importImage };
}

/** skopeo copy with credentials in a private auth file (never the command line); the digest it pushed. */
async function skopeoCopy(copier: SkopeoCopier, from: string, target: string, login: RegistryLogin | undefined, work: string, signal: AbortSignal): Promise<string> {
  const authFile = join(work, 'auth.json');
  const host = target.split('/')[0]!;
  await writeFile(authFile, JSON.stringify({ auths: login ? { [host]: { auth: Buffer.from(`${login.username}:${login.password}`).toString('base64') } } : {} }), { mode: 0o600 });
  const insecure = (reference: string) => copier.insecureRegistries?.includes(reference.split('/')[0]!) ?? false;
  const source = from.includes('://') ? from : `docker://${from}`;
  const digestFile = join(work, 'digest');
  try {
    await run(copier.skopeo, [
      '--insecure-policy', 'copy', '--retry-times', '3', '--dest-authfile', authFile, '--digestfile', digestFile,
      `--src-tls-verify=${!insecure(from)}`, `--dest-tls-verify=${!insecure(target)}`,
      source, `docker://${target}`,
    ], { signal, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    // A source that does not exist or refuses us will not change by retrying; a network blip might.
    const permanent = /manifest unknown|not found|unauthorized|denied|invalid reference/i.test(stderr);
    const message = `copying ${from} to ${target} failed: ${stderr.trim().split('\n').pop()}`;
    throw permanent ? ApplicationFailure.nonRetryable(message, errorTypes.resourceFailed) : ApplicationFailure.retryable(message, errorTypes.awsRetryable);
  }
  return (await readFile(digestFile, 'utf8')).trim();
}
