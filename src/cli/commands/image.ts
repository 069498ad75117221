import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { EnvironmentView } from '../../api/environments/view';
import { packDirectory } from '../../build-contexts/tar';
import { contextOf } from '../context';
import { CliError, exitCodes } from '../exit-codes';
import { applyChange, environmentPath } from './env';

interface UploadedBody { upload: string; size: number; created: boolean }

/** An upload may take a while on a slow link: 100 MiB at 2 Mbit/s is about 7 minutes. */
const uploadTimeoutMs = 10 * 60_000;

/** `eksflow image build <dir> --env <name>`: pack and upload a build context, then apply the spec that builds it. */
export function registerImageCommands(program: Command): void {
  const image = program.command('image').description('the environment\'s image, built from source');

  image.command('build')
    .description('pack <dir> on this machine, upload it (POST /v1/build-contexts), and apply the environment\'s spec with image.build.context.upload set to it '
      + '(PUT /v1/environments/:name): the worker builds it with buildah, pushes it to the environment\'s ECR repository and rolls the app out to it')
    .argument('<dir>', 'the build context: the directory the Dockerfile builds from (.git is left out)')
    .requiredOption('--env <name>', 'the environment whose image it is')
    .option('--dockerfile <path>', 'the Dockerfile\'s path inside <dir> (default: the spec\'s, else Dockerfile)')
    .option('--repository <name>', 'the ECR repository it is pushed to (default: the spec\'s, else the app\'s name)')
    .option('--tag <tag>', 'the tag it is pushed as (default: the spec\'s, else latest)')
    .option('--watch', 'follow the change (the build, then the rollout) until it is applied (exit 0) or has failed (exit 1)')
    .action(async (dir: string, options: { env: string; dockerfile?: string; repository?: string; tag?: string; watch?: boolean }, command: Command) => {
      const context = contextOf(command);
      const api = context.api();
      const view = await api.get<EnvironmentView>(environmentPath(options.env));
      const live = (view.progress?.spec ?? view.spec) as Record<string, unknown> | undefined;
      if (!live) throw new CliError(`environment "${options.env}" has no spec to change yet (${view.phase ?? view.status})`, exitCodes.refused);
      const wanted = specWithUpload(live, 'sha256:pending', options);
      const { dockerfile } = (wanted.image as { build: { dockerfile: string } }).build;
      await checkContext(dir, dockerfile);
      const tarball = await packDirectory(dir);
      const uploaded = await api.request<UploadedBody>('POST', '/v1/build-contexts', { body: tarball, headers: { 'content-type': 'application/gzip' }, timeoutMs: uploadTimeoutMs });
      if (!context.json) context.print(`uploaded ${resolve(dir)} (${uploaded.size} bytes gzipped) as ${uploaded.upload}`);
      const spec = specWithUpload(live, uploaded.upload, options);
      await applyChange(context, options.env, { contentType: 'application/json', text: JSON.stringify(spec) }, options);
    });
}

/**
 * The live spec with its image built from the upload: the Dockerfile, repository and tag as
 * given, else as the spec's build had them, else Dockerfile, the import's repository or the
 * app's name, and latest. An image given by uri or import becomes a build. Pure.
 */
export function specWithUpload(live: Record<string, unknown>, upload: string, options: { dockerfile?: string; repository?: string; tag?: string }): Record<string, unknown> {
  const image = (live.image ?? {}) as { build?: { dockerfile?: string; repository?: string; tag?: string }; import?: { repository?: string } };
  const app = live.app as { name?: string } | undefined;
  const repository = options.repository ?? image.build?.repository ?? image.import?.repository ?? app?.name;
  if (!repository) {
    throw new CliError('the environment has no app and no ECR repository for its image: give --repository', exitCodes.refused);
  }
  return {
    ...live,
    image: {
      build: {
        context: { upload },
        dockerfile: options.dockerfile ?? image.build?.dockerfile ?? 'Dockerfile',
        repository,
        tag: options.tag ?? image.build?.tag ?? 'latest',
      },
    },
  };
}

/** The directory and its Dockerfile exist here, before anything is packed or sent. */
async function checkContext(dir: string, dockerfile: string): Promise<void> {
  const root = await stat(dir).catch(() => undefined);
  if (!root?.isDirectory()) throw new CliError(`${dir} is not a directory: give the directory the image is built from`, exitCodes.refused);
  const file = await stat(join(dir, dockerfile)).catch(() => undefined);
  if (!file?.isFile()) throw new CliError(`${join(dir, dockerfile)} does not exist: give --dockerfile with the Dockerfile's path inside ${dir}`, exitCodes.refused);
}
