import {
  CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand, DescribeTagsCommand, TerminateInstancesCommand, type EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DeleteRuleCommand, DescribeRuleCommand, ListTagsForResourceCommand, ListTargetsByRuleCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand, type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import {
  DeleteInstanceProfileCommand, GetInstanceProfileCommand, ListInstanceProfilesCommand, RemoveRoleFromInstanceProfileCommand, type IAMClient,
} from '@aws-sdk/client-iam';
import {
  CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueueTagsCommand, SetQueueAttributesCommand, type SQSClient,
} from '@aws-sdk/client-sqs';
import { aws, awsOrUndefined } from './errors';
import { allPages } from './pages';

/** An SQS queue as eksflow sees it. */
export interface Queue {
  url: string;
  arn: string;
  tags: Record<string, string>;
  attributes: Record<string, string>;
}

export interface Rule {
  name: string;
  arn: string;
  eventPattern: string;
  tags: Record<string, string>;
  targets: { id: string; arn: string }[];
}

export interface LaunchedInstance {
  id: string;
  state: string;
}

export interface InstanceProfile {
  name: string;
  roles: string[];
  tags: Record<string, string>;
}

/**
 * The calls Karpenter's AWS side needs beyond the node role and access entry (which go through
 * IamApi and EksApi): its interruption queue (SQS) and the EventBridge rules feeding it, the
 * discovery tag on subnets and security groups (EC2), and, at teardown, the instances and
 * instance profiles Karpenter made itself (EC2, IAM).
 */
export interface KarpenterAwsApi {
  /** undefined when there is no queue of that name. */
  getQueue(name: string): Promise<Queue | undefined>;
  /** Creates the queue with its attributes and tags; an existing queue of the same attributes is returned as it is (CreateQueue is idempotent). */
  createQueue(name: string, attributes: Record<string, string>, tags: Record<string, string>): Promise<Queue>;
  setQueueAttributes(url: string, attributes: Record<string, string>): Promise<void>;
  deleteQueue(url: string): Promise<void>;
  getRule(name: string): Promise<Rule | undefined>;
  /** PutRule: creates, or replaces the pattern of, a rule on the default bus; tags are taken only at creation. */
  putRule(name: string, eventPattern: string, description: string, tags: Record<string, string>): Promise<string>;
  putTarget(rule: string, id: string, arn: string): Promise<void>;
  /** Its targets first (EventBridge refuses to delete a rule that has any); gone already is done. */
  deleteRule(name: string): Promise<void>;
  /** The value of `key` on each resource (subnets, security groups), absent when it has none. */
  tagValues(resourceIds: string[], key: string): Promise<Record<string, string | undefined>>;
  createTags(resourceIds: string[], tags: Record<string, string>): Promise<void>;
  /** Removes the tag only where it still has `value`; gone resources are done. */
  deleteTag(resourceId: string, key: string, value: string): Promise<void>;
  /** Instances not yet terminated that carry every tag of `tags` (a value of '*' asks only for the key). */
  instancesTagged(tags: Record<string, string>): Promise<LaunchedInstance[]>;
  terminateInstances(ids: string[]): Promise<void>;
  instanceProfilesUnder(pathPrefix: string): Promise<InstanceProfile[]>;
  /** Takes its roles out, then deletes it; gone already is done. */
  deleteInstanceProfile(profile: Pick<InstanceProfile, 'name' | 'roles'>): Promise<void>;
}

const asTags = (tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));

/** SQS says "no such queue" under its own names (the query protocol's, and the JSON protocol's). */
const queueMissing = (error: unknown) => /QueueDoesNotExist|NonExistentQueue/.test(`${(error as Error)?.name} ${(error as Error)?.message}`);

export function karpenterAwsApi(clients: { sqs: SQSClient; events: EventBridgeClient; ec2: EC2Client; iam: IAMClient }): KarpenterAwsApi {
  const { sqs, events, ec2, iam } = clients;
  async function queueAt(url: string): Promise<Queue> {
    const { Attributes = {} } = await aws(`GetQueueAttributes ${url}`, () => sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })));
    const { Tags = {} } = await aws(`ListQueueTags ${url}`, () => sqs.send(new ListQueueTagsCommand({ QueueUrl: url })));
    return { url, arn: Attributes.QueueArn!, tags: Tags, attributes: Attributes };
  }
  return {
    async getQueue(name) {
      let url: string | undefined;
      try {
        url = (await aws(`GetQueueUrl ${name}`, () => sqs.send(new GetQueueUrlCommand({ QueueName: name })))).QueueUrl;
      } catch (error) {
        if (queueMissing(error)) return undefined;
        throw error;
      }
      return url ? queueAt(url) : undefined;
    },
    async createQueue(name, attributes, tags) {
      const { QueueUrl } = await aws(`CreateQueue ${name}`, () => sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes, tags })));
      return queueAt(QueueUrl!);
    },
    async setQueueAttributes(url, attributes) {
      await aws(`SetQueueAttributes ${url}`, () => sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes })));
    },
    async deleteQueue(url) {
      try {
        await aws(`DeleteQueue ${url}`, () => sqs.send(new DeleteQueueCommand({ QueueUrl: url })));
      } catch (error) {
        if (!queueMissing(error)) throw error;
      }
    },
    async getRule(name) {
      const rule = await awsOrUndefined(`DescribeRule ${name}`, () => events.send(new DescribeRuleCommand({ Name: name })));
      if (!rule?.Arn) return undefined;
      const { Tags } = await aws(`ListTagsForResource ${rule.Arn}`, () => events.send(new ListTagsForResourceCommand({ ResourceARN: rule.Arn })));
      const { Targets } = await aws(`ListTargetsByRule ${name}`, () => events.send(new ListTargetsByRuleCommand({ Rule: name })));
      return { name, arn: rule.Arn, eventPattern: rule.EventPattern ?? '', tags: asTags(Tags), targets: (Targets ?? []).map((t) => ({ id: t.Id!, arn: t.Arn! })) };
    },
    async putRule(name, eventPattern, description, tags) {
      const { RuleArn } = await aws(`PutRule ${name}`, () => events.send(new PutRuleCommand({
        Name: name, EventPattern: eventPattern, Description: description, State: 'ENABLED', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      })));
      return RuleArn!;
    },
    async putTarget(rule, id, arn) {
      const { FailedEntryCount, FailedEntries } = await aws(`PutTargets ${rule}`, () => events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: id, Arn: arn }] })));
      if (FailedEntryCount) throw new Error(`PutTargets ${rule}: ${FailedEntries?.map((e) => `${e.ErrorCode}: ${e.ErrorMessage}`).join('; ')}`);
    },
    async deleteRule(name) {
      const targets = await awsOrUndefined(`ListTargetsByRule ${name}`, () => events.send(new ListTargetsByRuleCommand({ Rule: name })));
      if (!targets) return;
      const ids = (targets.Targets ?? []).map((t) => t.Id!);
      if (ids.length > 0) await awsOrUndefined(`RemoveTargets ${name}`, () => events.send(new RemoveTargetsCommand({ Rule: name, Ids: ids })));
      await awsOrUndefined(`DeleteRule ${name}`, () => events.send(new DeleteRuleCommand({ Name: name })));
    },
    async tagValues(resourceIds, key) {
      const found = await allPages(async (NextToken) => {
        const page = await aws(`DescribeTags ${key}`, () => ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: resourceIds }, { Name: 'key', Values: [key] }], NextToken })));
        return { items: page.Tags, next: page.NextToken };
      });
      return Object.fromEntries(resourceIds.map((id) => [id, found.find((t) => t.ResourceId === id)?.Value]));
    },
    async createTags(resourceIds, tags) {
      await aws(`CreateTags ${resourceIds.join(', ')}`, () => ec2.send(new CreateTagsCommand({ Resources: resourceIds, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) })));
    },
    async deleteTag(resourceId, key, value) {
      // DeleteTags with a Value removes the tag only while it has that value (EC2 API reference, DeleteTags).
      await awsOrUndefined(`DeleteTags ${resourceId} ${key}`, () => ec2.send(new DeleteTagsCommand({ Resources: [resourceId], Tags: [{ Key: key, Value: value }] })));
    },
    async instancesTagged(tags) {
      const filters = [
        ...Object.entries(tags).map(([key, value]) => (value === '*' ? { Name: 'tag-key', Values: [key] } : { Name: `tag:${key}`, Values: [value] })),
        { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] },
      ];
      const reservations = await allPages(async (NextToken) => {
        const page = await aws('DescribeInstances', () => ec2.send(new DescribeInstancesCommand({ Filters: filters, NextToken })));
        return { items: page.Reservations, next: page.NextToken };
      });
      return reservations.flatMap((r) => r.Instances ?? []).map((i) => ({ id: i.InstanceId!, state: i.State?.Name ?? 'unknown' }));
    },
    async terminateInstances(ids) {
      if (ids.length === 0) return;
      await aws(`TerminateInstances ${ids.join(', ')}`, () => ec2.send(new TerminateInstancesCommand({ InstanceIds: ids })));
    },
    async instanceProfilesUnder(pathPrefix) {
      const profiles = await allPages(async (Marker) => {
        const page = await aws(`ListInstanceProfiles ${pathPrefix}`, () => iam.send(new ListInstanceProfilesCommand({ PathPrefix: pathPrefix, Marker })));
        return { items: page.InstanceProfiles, next: page.IsTruncated ? page.Marker : undefined };
      });
      // Listing leaves tags out (IAM's listing operations return a subset of attributes); GetInstanceProfile has them.
      const described = await Promise.all(profiles.map((profile) => awsOrUndefined(`GetInstanceProfile ${profile.InstanceProfileName}`,
        () => iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profile.InstanceProfileName })))));
      return described.flatMap((found) => (found?.InstanceProfile
        ? [{ name: found.InstanceProfile.InstanceProfileName!, roles: (found.InstanceProfile.Roles ?? []).map((r) => r.RoleName!), tags: asTags(found.InstanceProfile.Tags) }]
        : []));
    },
    async deleteInstanceProfile({ name, roles }) {
      for (const role of roles) {
        await awsOrUndefined(`RemoveRoleFromInstanceProfile ${name} ${role}`, () => iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: role })));
      }
      await awsOrUndefined(`DeleteInstanceProfile ${name}`, () => iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name })));
    },
  };
}
