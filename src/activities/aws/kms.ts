import {
  CreateAliasCommand, CreateKeyCommand, DeleteAliasCommand, DescribeKeyCommand, ListKeysCommand, ListResourceTagsCommand, ScheduleKeyDeletionCommand,
  type KMSClient, type KeyMetadata,
} from '@aws-sdk/client-kms';
import { aws, awsOrUndefined } from './errors';
import { allPages } from './pages';

/** A KMS key as eksflow needs to see it: what it is, whether it can still be used, whose it is. */
export interface KmsKey {
  keyId: string;
  arn: string;
  /** Enabled, Disabled, PendingDeletion, PendingImport, Unavailable, Creating, ... */
  state: string;
  tags: Record<string, string>;
}

/** The KMS calls eksflow makes, and nothing else: a simulated cloud implements the same. */
export interface KmsApi {
  /** The key an alias (`alias/...`) or key ID/ARN names; undefined when there is none. */
  describeKey(keyIdOrAlias: string): Promise<KmsKey | undefined>;
  /** The account's customer keys carrying this tag (ListKeys, then ListResourceTags each). */
  keysTagged(key: string, value: string): Promise<KmsKey[]>;
  /** A symmetric encrypt/decrypt key with the account's default key policy, tagged. */
  createKey(input: { description: string; tags: Record<string, string> }): Promise<KmsKey>;
  createAlias(alias: string, keyId: string): Promise<void>;
  /** Done when the alias is already gone. */
  deleteAlias(alias: string): Promise<void>;
  /** Schedules the key's deletion in `days` (7 to 30); resolves with the date it goes. */
  scheduleKeyDeletion(keyId: string, days: number): Promise<string | undefined>;
}

const tagsOf = (tags: { TagKey?: string; TagValue?: string }[] | undefined) => Object.fromEntries((tags ?? []).map((t) => [t.TagKey!, t.TagValue ?? '']));

export function kmsApi(client: KMSClient): KmsApi {
  const tagsOfKey = async (keyId: string) => tagsOf(await allPages(async (Marker) => {
    const page = await aws(`ListResourceTags ${keyId}`, () => client.send(new ListResourceTagsCommand({ KeyId: keyId, Marker })));
    return { items: page.Tags, next: page.Truncated ? page.NextMarker : undefined };
  }));
  const toKey = async (metadata: KeyMetadata): Promise<KmsKey> => ({
    keyId: metadata.KeyId!, arn: metadata.Arn!, state: metadata.KeyState ?? 'Unavailable',
    // Keys AWS manages (aws/ebs, ...) are not taggable: they are nobody's here.
    tags: metadata.KeyManager === 'AWS' ? {} : await tagsOfKey(metadata.KeyId!),
  });
  return {
    async describeKey(keyIdOrAlias) {
      const found = await awsOrUndefined(`DescribeKey ${keyIdOrAlias}`, () => client.send(new DescribeKeyCommand({ KeyId: keyIdOrAlias })));
      return found?.KeyMetadata ? toKey(found.KeyMetadata) : undefined;
    },
    async keysTagged(key, value) {
      const ids = await allPages(async (Marker) => {
        const page = await aws('ListKeys', () => client.send(new ListKeysCommand({ Marker })));
        return { items: page.Keys?.map((k) => k.KeyId!), next: page.Truncated ? page.NextMarker : undefined };
      });
      const keys: KmsKey[] = [];
      for (const id of ids) {
        const found = await this.describeKey(id).catch(() => undefined);
        if (found?.tags[key] === value) keys.push(found);
      }
      return keys;
    },
    async createKey(input) {
      const created = await aws('CreateKey', () => client.send(new CreateKeyCommand({
        Description: input.description, KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT',
        Tags: Object.entries(input.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
      })));
      return { keyId: created.KeyMetadata!.KeyId!, arn: created.KeyMetadata!.Arn!, state: created.KeyMetadata!.KeyState ?? 'Enabled', tags: { ...input.tags } };
    },
    async createAlias(alias, keyId) {
      await aws(`CreateAlias ${alias}`, () => client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId })));
    },
    async deleteAlias(alias) {
      await awsOrUndefined(`DeleteAlias ${alias}`, () => client.send(new DeleteAliasCommand({ AliasName: alias })));
    },
    async scheduleKeyDeletion(keyId, days) {
      const scheduled = await aws(`ScheduleKeyDeletion ${keyId}`, () => client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: days })));
      return scheduled.DeletionDate?.toISOString();
    },
  };
}
