import { ApplicationFailure } from '@temporalio/common';
import type { ImageCopier } from '../activities/image-import';
import { errorTypes } from '../domain/errors';
import type { SimulatedAws } from './aws';

/**
 * skopeo's part in the simulated cloud: a copy into one of its ECR repositories (any region's) records the
 * image there (a fresh digest), as a push would. The source is not fetched: the simulation
 * has no registry to read from, only a reference to keep.
 */
export function simulatedImageCopier(aws: SimulatedAws): ImageCopier {
  return {
    async copy({ source, target }) {
      const match = /^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/(.+):([^:/@]+)$/.exec(target);
      if (!match) throw ApplicationFailure.nonRetryable(`the simulated cloud copies only into its own ECR, not to ${target}`, errorTypes.resourceFailed);
      if (!source.trim()) throw ApplicationFailure.nonRetryable('no source image to copy', errorTypes.resourceFailed);
      // The registry's host names its region: the push lands in that region's ECR.
      return { digest: aws.forRegion(match[1]!).ecr.addImage(match[2]!, match[3]!) };
    },
  };
}
