import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { ImageBuilder } from '../activities/image-build';
import { errorTypes } from '../domain/errors';
import type { SimulatedAws } from './aws';

/**
 * buildah's part in the simulated cloud (`npm start`): the context is fetched and unpacked for
 * real (the upload store, the tar checks), the Dockerfile is read and its instructions are
 * logged, and the push records the image in the simulated ECR (a fresh digest), as the
 * simulated copier does. Nothing is built: the simulation has no registry to pull a base from
 * and no runtime; real builds are buildah's (src/activities/image-build.ts), tested against the
 * test bed's registry.
 */
export function simulatedImageBuilder(aws: SimulatedAws): ImageBuilder {
  return {
    async build({ contextDir, dockerfile, target, onLog }) {
      const match = /^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/(.+):([^:/@]+)$/.exec(target);
      if (!match) throw ApplicationFailure.nonRetryable(`the simulated cloud pushes only into its own ECR, not to ${target}`, errorTypes.resourceFailed);
      const path = join(contextDir, dockerfile);
      if (!existsSync(path)) throw ApplicationFailure.nonRetryable(`the build context has no ${dockerfile}`, errorTypes.imageBuildFailed);
      const instructions = readFileSync(path, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
      if (!/^FROM\s+\S+/i.test(instructions[0] ?? '')) throw ApplicationFailure.nonRetryable(`${dockerfile}: the first instruction must be FROM (found "${instructions[0] ?? 'nothing'}")`, errorTypes.imageBuildFailed);
      instructions.forEach((line, i) => onLog(`STEP ${i + 1}/${instructions.length}: ${line}\n`));
      const digest = aws.forRegion(match[1]!).ecr.addImage(match[2]!, match[3]!);
      onLog(`(simulated) pushed ${target}@${digest}\n`);
      return { digest };
    },
  };
}
