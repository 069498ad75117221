import { aws, awsOrUndefined } from '../../activities/aws/errors';
import type { KmsApi, KmsKey } from '../../activities/aws/kms';
import type { SimContext } from './context';
import { kmsError } from './errors';
import type { AwsGateway, Request } from './gateway';

interface KeyRecord {
  keyId: string;
  arn: string;
  state: 'Enabled' | 'PendingDeletion';
  tags: Record<string, string>;
  /** When a key pending deletion goes, in simulated epoch ms. */
  deletionDate?: number;
}

/**
 * KMS's keys and aliases, instant. Rules followed from the KMS API reference: an alias names
 * one key and must be `alias/...` (not `alias/aws/...`); CreateAlias on a taken alias is
 * AlreadyExistsException; ScheduleKeyDeletion takes 7 to 30 days and refuses a key already
 * pending deletion (KMSInvalidStateException); DescribeKey of an unknown key or alias is
 * NotFoundException.
 */
export class SimulatedKms implements KmsApi {
  private readonly keys = new Map<string, KeyRecord>();
  private readonly aliases = new Map<string, string>();

  constructor(private readonly context: SimContext, private readonly gateway: AwsGateway) {}

  private call<T>(method: string, resource: string | undefined, body: (request: Request) => Promise<T>): Promise<T> {
    return this.gateway.operation({ service: 'kms', method, resource }, body);
  }

  private record(keyIdOrAlias: string): KeyRecord {
    const id = keyIdOrAlias.startsWith('alias/') ? this.aliases.get(keyIdOrAlias) : keyIdOrAlias.replace(/^arn:aws[a-z-]*:kms:[^:]+:\d+:key\//, '');
    const key = id ? this.keys.get(id) : undefined;
    if (!key) throw kmsError.notFound(`${keyIdOrAlias.startsWith('alias/') ? `Alias ${keyIdOrAlias}` : `Key '${keyIdOrAlias}'`} is not found.`);
    return key;
  }

  private view = (key: KeyRecord): KmsKey => ({ keyId: key.keyId, arn: key.arn, state: key.state, tags: { ...key.tags } });

  /** Every key with its aliases, for tests. */
  inventory(): (KmsKey & { aliases: string[]; deletionDate?: number })[] {
    return [...this.keys.values()].map((key) => ({
      ...this.view(key), aliases: [...this.aliases].filter(([, id]) => id === key.keyId).map(([alias]) => alias),
      ...(key.deletionDate ? { deletionDate: key.deletionDate } : {}),
    }));
  }

  /** Whether EKS could use the key: it exists and is enabled. */
  usable(arn: string): boolean {
    return [...this.keys.values()].some((key) => key.arn === arn && key.state === 'Enabled');
  }

  describeKey(keyIdOrAlias: string) {
    return this.call('describeKey', keyIdOrAlias, (request) => awsOrUndefined(`DescribeKey ${keyIdOrAlias}`, () => request('DescribeKey', () => this.view(this.record(keyIdOrAlias)))));
  }

  keysTagged(key: string, value: string) {
    return this.call('keysTagged', undefined, async (request) => {
      const ids = await aws('ListKeys', () => request('ListKeys', () => [...this.keys.keys()]));
      const found: KmsKey[] = [];
      for (const id of ids) {
        const tags = await aws(`ListResourceTags ${id}`, () => request('ListResourceTags', () => ({ ...this.record(id).tags })));
        if (tags[key] === value) found.push(this.view(this.record(id)));
      }
      return found;
    });
  }

  createKey(input: { description: string; tags: Record<string, string> }) {
    return this.call('createKey', undefined, (request) => aws('CreateKey', () => request('CreateKey', () => {
      const keyId = this.context.ids.uuid();
      const key: KeyRecord = { keyId, arn: `arn:aws:kms:${this.context.region}:${this.context.accountId}:key/${keyId}`, state: 'Enabled', tags: { ...input.tags } };
      this.keys.set(keyId, key);
      return this.view(key);
    })));
  }

  createAlias(alias: string, keyId: string) {
    return this.call('createAlias', alias, (request) => aws(`CreateAlias ${alias}`, () => request('CreateAlias', () => {
      if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(alias) || alias.startsWith('alias/aws/')) throw kmsError.validation(`Alias must start with the prefix "alias/" and not "alias/aws/": ${alias}`);
      if (this.aliases.has(alias)) throw kmsError.alreadyExists(`An alias with the name arn:aws:kms:${this.context.region}:${this.context.accountId}:${alias} already exists`);
      const key = this.record(keyId);
      if (key.state === 'PendingDeletion') throw kmsError.invalidState(`${key.arn} is pending deletion.`);
      this.aliases.set(alias, key.keyId);
    })));
  }

  deleteAlias(alias: string) {
    return this.call('deleteAlias', alias, async (request) => {
      await awsOrUndefined(`DeleteAlias ${alias}`, () => request('DeleteAlias', () => {
        if (!this.aliases.delete(alias)) throw kmsError.notFound(`Alias arn:aws:kms:${this.context.region}:${this.context.accountId}:${alias} is not found.`);
      }));
    });
  }

  scheduleKeyDeletion(keyId: string, days: number) {
    return this.call('scheduleKeyDeletion', keyId, (request) => aws(`ScheduleKeyDeletion ${keyId}`, () => request('ScheduleKeyDeletion', () => {
      if (!Number.isInteger(days) || days < 7 || days > 30) throw kmsError.validation(`PendingWindowInDays must be between 7 and 30: ${days}`);
      const key = this.record(keyId);
      if (key.state === 'PendingDeletion') throw kmsError.invalidState(`${key.arn} is pending deletion.`);
      key.state = 'PendingDeletion';
      key.deletionDate = this.context.clock.now() + days * 86_400_000;
      return new Date(key.deletionDate).toISOString();
    })));
  }
}
