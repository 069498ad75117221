import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../domain/errors';
import { ownershipOf, ownershipTagKeys, type Owner } from '../domain/ownership';

/**
 * The adopt-or-refuse decision every create makes when its name is taken: ours → adopt (and
 * report whether this very run made it), anyone else's → fail for good, naming the owner.
 */
export function adoptOrRefuse(what: string, tags: Record<string, string> | undefined, owner: Owner): { madeByThisRun: boolean } {
  const ownership = ownershipOf(tags, owner);
  if (ownership === 'foreign') {
    const holder = tags?.[ownershipTagKeys.environment];
    throw ApplicationFailure.nonRetryable(
      `${what} already exists and belongs to ${holder ? `environment "${holder}"` : 'no eksflow environment (it has no eksflow.io/environment tag)'}; ` +
        'eksflow will not adopt or change it: pick another environment name, or delete or tag it yourself',
      errorTypes.resourceNotOwned,
    );
  }
  return { madeByThisRun: ownership === 'created-by-this-run' };
}
