import {
  CreateLogGroupCommand, DeleteLogGroupCommand, DescribeLogGroupsCommand, ListTagsForResourceCommand, PutRetentionPolicyCommand,
  type CloudWatchLogsClient, type LogGroup as SdkLogGroup,
} from '@aws-sdk/client-cloudwatch-logs';
import { aws, awsOrUndefined, toFailure } from './errors';
import { defaultPatience, notYetByCall, type Patience } from './not-yet';
import { allPages } from './pages';

export interface LogGroup {
  name: string;
  /** The group's own ARN, without the `:*` DescribeLogGroups appends to `arn`. */
  arn: string;
  /** Unset: the events never expire. */
  retentionDays?: number;
  tags: Record<string, string>;
}

/** The CloudWatch Logs calls eksflow makes, and nothing else: a simulated cloud implements the same. */
export interface LogsApi {
  describeLogGroup(name: string): Promise<LogGroup | undefined>;
  /** Creates the group with its tags; done when it already exists (whoever made it: the caller checks the tags). */
  createLogGroup(name: string, tags: Record<string, string>): Promise<void>;
  putRetentionPolicy(name: string, days: number): Promise<void>;
  /** Deletes the group and its events; done when it is already gone. */
  deleteLogGroup(name: string): Promise<void>;
  /** Every group whose name starts with `prefix`, with its tags. */
  listLogGroups(prefix: string): Promise<LogGroup[]>;
}

export function logsApi(client: CloudWatchLogsClient, patience: Patience = defaultPatience): LogsApi {
  // CloudWatch Logs' "not yet" answers (aws-fault-catalog 46); any other refusal is final.
  const notYet = notYetByCall(patience);
  // DescribeLogGroups matches by prefix only, one page at a time.
  const groupsStartingWith = (prefix: string) => allPages(async (nextToken) => {
    const page = await aws(`DescribeLogGroups ${prefix}`, () => client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix, nextToken })));
    return { items: page.logGroups, next: page.nextToken };
  });
  // DescribeLogGroups does not return tags; ListTagsForResource wants the ARN without `:*`.
  const withTags = async (group: SdkLogGroup): Promise<LogGroup> => {
    const arn = group.logGroupArn ?? group.arn!.replace(/:\*$/, '');
    const tags = await aws(`ListTagsForResource ${group.logGroupName}`, () => client.send(new ListTagsForResourceCommand({ resourceArn: arn })));
    return {
      name: group.logGroupName!, arn, tags: tags.tags ?? {},
      ...(group.retentionInDays === undefined ? {} : { retentionDays: group.retentionInDays }),
    };
  };
  return {
    async describeLogGroup(name) {
      const group = (await groupsStartingWith(name)).find((candidate) => candidate.logGroupName === name);
      return group ? withTags(group) : undefined;
    },
    async createLogGroup(name, tags) {
      try {
        await client.send(new CreateLogGroupCommand({ logGroupName: name, tags }));
      } catch (error) {
        if ((error as { name?: string }).name === 'ResourceAlreadyExistsException') return;
        throw toFailure(error, `CreateLogGroup ${name}`);
      }
    },
    async putRetentionPolicy(name, days) {
      await aws(`PutRetentionPolicy ${name} ${days} days`, () => client.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: days })), notYet.PutRetentionPolicy);
    },
    async deleteLogGroup(name) {
      await awsOrUndefined(`DeleteLogGroup ${name}`, () => client.send(new DeleteLogGroupCommand({ logGroupName: name })), notYet.DeleteLogGroup);
    },
    async listLogGroups(prefix) {
      return Promise.all((await groupsStartingWith(prefix)).map(withTags));
    },
  };
}
