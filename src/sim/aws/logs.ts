import { aws, awsOrUndefined, toFailure } from '../../activities/aws/errors';
import type { LogGroup, LogsApi } from '../../activities/aws/logs';
import type { SimContext } from './context';
import { logsError } from './errors';
import type { AwsGateway, Request } from './gateway';
import { paged, slicePage } from './pages';

/** The retention periods CloudWatch Logs accepts; any other is refused. */
const retentionDays = new Set([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]);

/** CloudWatch Logs groups with tags and retention; instant. */
export class SimulatedLogs implements LogsApi {
  private readonly groups = new Map<string, LogGroup>();

  constructor(private readonly context: SimContext, private readonly gateway: AwsGateway) {}

  private call<T>(method: string, resource: string | undefined, body: (request: Request) => Promise<T>): Promise<T> {
    return this.gateway.operation({ service: 'logs', method, resource }, body);
  }

  private group(name: string): LogGroup {
    const group = this.groups.get(name);
    if (!group) throw logsError.resourceNotFound('The specified log group does not exist.');
    return group;
  }

  private copy = (group: LogGroup): LogGroup => ({ ...group, tags: { ...group.tags } });

  /**
   * A group AWS itself makes, outside any request: EKS's control-plane log group
   * (`/aws/eks/<cluster>/cluster`), made untagged when the first logs arrive and kept after the
   * cluster is deleted (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html).
   */
  madeByAws(name: string): void {
    if (!this.groups.has(name)) this.groups.set(name, { name, arn: `arn:aws:logs:${this.context.region}:${this.context.accountId}:log-group:${name}`, tags: {} });
  }

  groupNames(): string[] {
    return [...this.groups.keys()].sort();
  }

  /** DescribeLogGroups by prefix, 50 a page, then ListTagsForResource for each group kept. */
  private async startingWith(request: Request, prefix: string, keep: (name: string) => boolean): Promise<LogGroup[]> {
    const names = await paged((index) => aws(`DescribeLogGroups ${prefix}`, () => request('DescribeLogGroups', () =>
      slicePage(this.groupNames().filter((name) => name.startsWith(prefix)), index, 50))));
    return Promise.all(names.filter(keep).map((name) => aws(`ListTagsForResource ${name}`, () => request('ListTagsForResource', () => this.copy(this.group(name))))));
  }

  describeLogGroup(name: string) {
    return this.call('describeLogGroup', name, async (request) => (await this.startingWith(request, name, (candidate) => candidate === name))[0]);
  }

  createLogGroup(name: string, tags: Record<string, string>) {
    return this.call('createLogGroup', name, async (request) => {
      try {
        await request('CreateLogGroup', () => {
          if (!/^[.\-_/#A-Za-z0-9]{1,512}$/.test(name)) throw logsError.invalidParameter(`1 validation error detected: Value '${name}' at 'logGroupName' failed to satisfy constraint`);
          if (this.groups.has(name)) throw logsError.resourceAlreadyExists('The specified log group already exists');
          this.groups.set(name, { name, arn: `arn:aws:logs:${this.context.region}:${this.context.accountId}:log-group:${name}`, tags: { ...tags } });
        });
      } catch (error) {
        // As the adapter: a group that exists is done, whoever made it.
        if ((error as { name?: string }).name === 'ResourceAlreadyExistsException') return;
        throw toFailure(error, `CreateLogGroup ${name}`);
      }
    });
  }

  putRetentionPolicy(name: string, days: number) {
    return this.call('putRetentionPolicy', name, (request) => aws(`PutRetentionPolicy ${name} ${days} days`, () => request('PutRetentionPolicy', () => {
      if (!retentionDays.has(days)) throw logsError.invalidParameter(`1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${[...retentionDays].join(', ')}]`);
      this.group(name).retentionDays = days;
    }), this.context.notYet.PutRetentionPolicy));
  }

  deleteLogGroup(name: string) {
    return this.call('deleteLogGroup', name, async (request) => {
      await awsOrUndefined(`DeleteLogGroup ${name}`, () => request('DeleteLogGroup', () => {
        this.group(name);
        this.groups.delete(name);
      }), this.context.notYet.DeleteLogGroup);
    });
  }

  listLogGroups(prefix: string) {
    return this.call('listLogGroups', prefix, (request) => this.startingWith(request, prefix, () => true));
  }
}
