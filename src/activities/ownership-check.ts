import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../domain/errors';
import { ownershipOf, type Owner } from '../domain/ownership';

/**
 * The adopt-or-refuse decision every create makes when its name is taken: ours → adopt (and
 * report whether this very run made it), anyone else's → fail for good. The message never
 * names the holder: it may be another tenant's environment, and tenants do not see each other.
 */
export function adoptOrRefuse(what: string, tags: Record<string, string> | undefined, owner: Owner): { madeByThisRun: boolean } {
  const ownership = ownershipOf(tags, owner);
  if (ownership === 'foreign') {
    throw ApplicationFailure.nonRetryable(
      `${what} already exists and is not this environment's; eksflow will not adopt, change or delete it: ` +
        'pick another environment name, or remove the existing one yourself',
      errorTypes.resourceNotOwned,
    );
  }
  return { madeByThisRun: ownership === 'created-by-this-run' };
}

/**
 * What a delete did. `not-ours`: something of that name exists but carries no ownership tag of
 * this environment (another tenant's, or made by hand), so it was left alone. A rollback of a
 * create that was refused, or whose response never came, meets exactly that case.
 */
export type DeleteOutcome = { outcome: 'deleted' | 'absent' | 'not-ours' };

/** Who asks for a delete: only what carries this environment's tag may go. */
export interface DeleteOwner {
  /** The environment's identity, as its resources are tagged (`eksflow.io/environment`). */
  environmentId: string;
}

/**
 * Every delete goes through here: look the thing up, prove it is this environment's by its
 * tags, and only then delete it. Absent is a delete already done.
 */
export async function deleteIfOurs(
  found: { tags: Record<string, string> } | undefined, { environmentId }: DeleteOwner, remove: () => Promise<void>,
): Promise<DeleteOutcome> {
  if (!found) return { outcome: 'absent' };
  // Any run of the environment owns it: the first run's ID does not matter for deleting.
  if (ownershipOf(found.tags, { environmentId, runId: '' }) === 'foreign') return { outcome: 'not-ours' };
  await remove();
  return { outcome: 'deleted' };
}

/**
 * Every in-place change (an update, a tag) goes through here: the resource must exist and carry
 * this environment's tag (any run of the environment's), or it is refused for good. Like
 * `adoptOrRefuse`, the refusal never names whose it is.
 */
export function changeOnlyIfOurs<T extends { tags: Record<string, string> }>(what: string, found: T | undefined, { environmentId }: DeleteOwner): T {
  if (!found) throw ApplicationFailure.nonRetryable(`${what} does not exist: there is nothing to change`, errorTypes.invalidSpec);
  if (ownershipOf(found.tags, { environmentId, runId: '' }) === 'foreign') {
    throw ApplicationFailure.nonRetryable(`${what} is not this environment's; eksflow will not change it`, errorTypes.resourceNotOwned);
  }
  return found;
}
