import { ApplicationFailure } from '@temporalio/common';
import { secretsKeyAliasOf as secretsKeyAlias } from '../domain/cluster-settings-rules';
import { errorTypes } from '../domain/errors';
import { ownershipOf, ownershipTagKeys, ownershipTags, type Owner } from '../domain/ownership';
import type { KmsApi } from './aws/kms';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse, type DeleteOutcome, type DeleteOwner } from './ownership-check';


/**
 * KMS's shortest wait before a scheduled key is deleted (ScheduleKeyDeletion PendingWindowInDays
 * 7–30): a key cannot be deleted at once, and until then it can be cancelled.
 */
export const keyDeletionWindowDays = 7;

// Marks the key as the one made for Secrets, so a retry after a crash between CreateKey and
// CreateAlias finds it rather than making a second.
const keyRoleTag = 'eksflow.io/kms-role';

/** What an absent KMS client looks like: the worker was built without one. */
const noKms = () => ApplicationFailure.nonRetryable('this worker has no KMS client: secretsEncryption without keyArn needs one', errorTypes.resourceFailed);

export function createSecretsKeyActivities(kms: KmsApi | undefined) {
  /**
   * The KMS key that envelope-encrypts the cluster's Secrets when the spec names none: a
   * symmetric key tagged as the environment's, found again by its alias (or, after a crash
   * before the alias, by its tags) so a retry adopts it. The ledger names it by its alias.
   * Its key policy is KMS's default (the account's IAM policies decide), and the cluster
   * role gets an inline policy for it (the workflow's cluster-role step).
   */
  async function ensureSecretsKey(input: { owner: Owner; region: string; environment: string; tags?: Record<string, string> }): Promise<EnsuredResource & { arn: string }> {
    if (!kms) throw noKms();
    const alias = secretsKeyAlias(input.environment);
    const ref = (arn: string) => ({ kind: 'kms-key' as const, name: alias, region: input.region, arn });
    const existing = await kms.describeKey(alias);
    if (existing) {
      const { madeByThisRun } = adoptOrRefuse(`KMS key ${alias} in ${input.region}`, existing.tags, input.owner);
      // An alias still naming our key that is being deleted (a teardown's, then this name again): not usable.
      if (existing.state === 'PendingDeletion') {
        throw ApplicationFailure.nonRetryable(`KMS key ${alias} is scheduled for deletion; cancel it (CancelKeyDeletion) or delete the alias`, errorTypes.resourceFailed);
      }
      return { ref: ref(existing.arn), made: madeByThisRun, arn: existing.arn };
    }
    const tags = { ...ownershipTags(input.owner, input.tags), [keyRoleTag]: 'secrets' };
    const leftover = (await kms.keysTagged(ownershipTagKeys.environment, input.owner.environmentId))
      .find((key) => key.tags[keyRoleTag] === 'secrets' && key.state === 'Enabled' && ownershipOf(key.tags, input.owner) === 'created-by-this-run');
    const key = leftover ?? await kms.createKey({ description: `Secrets envelope encryption of EKS cluster ${input.environment} (eksflow)`, tags });
    await kms.createAlias(alias, key.keyId);
    return { ref: ref(key.arn), made: true, arn: key.arn };
  }

  /**
   * Schedules the key's deletion, 7 days out (KMS deletes no key sooner), only when its tags say
   * it is this environment's, and removes its alias so the name can serve again. Runs after the
   * cluster is gone: a cluster whose key is disabled cannot read its Secrets.
   */
  async function deleteSecretsKey(input: DeleteOwner & { alias: string }): Promise<DeleteOutcome & { deletionDate?: string }> {
    if (!kms) throw noKms();
    const key = await kms.describeKey(input.alias);
    if (!key) return { outcome: 'absent' };
    if (ownershipOf(key.tags, { environmentId: input.environmentId, runId: '' }) === 'foreign') return { outcome: 'not-ours' };
    const deletionDate = key.state === 'PendingDeletion' ? undefined : await kms.scheduleKeyDeletion(key.keyId, keyDeletionWindowDays);
    await kms.deleteAlias(input.alias);
    return { outcome: 'deleted', ...(deletionDate ? { deletionDate } : {}) };
  }

  return { ensureSecretsKey, deleteSecretsKey };
}
