import { aws, awsOrUndefined } from '../../activities/aws/errors';
import type { InstanceProfile, KarpenterAwsApi, LaunchedInstance, Queue, Rule } from '../../activities/aws/karpenter';
import type { SimContext } from './context';
import { eventsError, sqsError } from './errors';
import type { AwsGateway, Request } from './gateway';

/**
 * Karpenter's AWS side in the simulated cloud, instant, as AWS documents each call:
 * - SQS: CreateQueue returns the existing queue's URL when its attributes match (SQS API
 *   reference, CreateQueue), GetQueueUrl of a missing queue is QueueDoesNotExist, DeleteQueue.
 * - EventBridge on the default bus: PutRule creates or updates (tags only at creation), PutTargets
 *   adds or replaces by id, a rule with targets cannot be deleted (EventBridge API reference, DeleteRule).
 * - EC2 tags on subnets and security groups, as far as DescribeTags/CreateTags/DeleteTags (a
 *   value given deletes only a tag of that value) go: kept here, by resource id, for the keys
 *   this API writes.
 * - Instances and instance profiles: Karpenter itself does not run in the simulated cloud, so it
 *   launches and makes none; the lists are empty unless a test puts some there (`launchedByKarpenter`).
 */
export class SimulatedKarpenterAws implements KarpenterAwsApi {
  private readonly queues = new Map<string, Queue>();
  private readonly rules = new Map<string, Rule>();
  private readonly tags = new Map<string, Record<string, string>>();
  private readonly instances = new Map<string, LaunchedInstance & { tags: Record<string, string> }>();
  private readonly profiles = new Map<string, InstanceProfile & { path: string }>();

  constructor(private readonly context: SimContext, private readonly gateway: AwsGateway) {}

  private call<T>(service: 'sqs' | 'events' | 'ec2' | 'iam', method: string, resource: string | undefined, body: (request: Request) => Promise<T>): Promise<T> {
    return this.gateway.operation({ service, method, resource }, body);
  }

  private queueByUrl(url: string): Queue {
    const queue = [...this.queues.values()].find((q) => q.url === url);
    if (!queue) throw sqsError.queueDoesNotExist('The specified queue does not exist.');
    return queue;
  }

  private copyQueue = (queue: Queue): Queue => ({ ...queue, tags: { ...queue.tags }, attributes: { ...queue.attributes } });

  /** What Karpenter would have launched and made: an instance and an instance profile carrying its tags. */
  launchedByKarpenter(instance: LaunchedInstance & { tags: Record<string, string> }, profile?: InstanceProfile & { path: string }): void {
    this.instances.set(instance.id, { ...instance });
    if (profile) this.profiles.set(profile.name, { ...profile });
  }

  queueNames(): string[] {
    return [...this.queues.keys()].sort();
  }

  ruleNames(): string[] {
    return [...this.rules.keys()].sort();
  }

  taggedWith(key: string): Record<string, string> {
    return Object.fromEntries([...this.tags].filter(([, tags]) => tags[key] !== undefined).map(([id, tags]) => [id, tags[key]!]));
  }

  getQueue(name: string) {
    return this.call('sqs', 'getQueue', name, async (request) => {
      let queue: Queue;
      try {
        queue = await request('GetQueueUrl', () => {
          const found = this.queues.get(name);
          if (!found) throw sqsError.queueDoesNotExist('The specified queue does not exist.');
          return found;
        });
      } catch (error) {
        if ((error as Error).name === 'QueueDoesNotExist') return undefined;
        throw error;
      }
      await request('GetQueueAttributes', () => undefined);
      return request('ListQueueTags', () => this.copyQueue(queue));
    });
  }

  createQueue(name: string, attributes: Record<string, string>, tags: Record<string, string>) {
    return this.call('sqs', 'createQueue', name, async (request) => {
      const queue = await aws(`CreateQueue ${name}`, () => request('CreateQueue', () => {
        const existing = this.queues.get(name);
        if (existing) return existing;
        const made: Queue = {
          url: `https://sqs.${this.context.region}.amazonaws.com/${this.context.accountId}/${name}`, arn: `arn:aws:sqs:${this.context.region}:${this.context.accountId}:${name}`,
          tags: { ...tags }, attributes: { ...attributes },
        };
        this.queues.set(name, made);
        return made;
      }));
      await request('GetQueueAttributes', () => undefined);
      return request('ListQueueTags', () => this.copyQueue(queue));
    });
  }

  setQueueAttributes(url: string, attributes: Record<string, string>) {
    return this.call('sqs', 'setQueueAttributes', url, (request) => aws(`SetQueueAttributes ${url}`, () => request('SetQueueAttributes', () => {
      Object.assign(this.queueByUrl(url).attributes, attributes);
    })));
  }

  deleteQueue(url: string) {
    return this.call('sqs', 'deleteQueue', url, async (request) => {
      await awsOrUndefined(`DeleteQueue ${url}`, () => request('DeleteQueue', () => {
        const queue = [...this.queues.values()].find((q) => q.url === url);
        if (queue) this.queues.delete(queue.url.split('/').pop()!);
      }));
    });
  }

  getRule(name: string) {
    return this.call('events', 'getRule', name, async (request) => {
      const rule = await awsOrUndefined(`DescribeRule ${name}`, () => request('DescribeRule', () => {
        const found = this.rules.get(name);
        if (!found) throw eventsError.resourceNotFound(`Rule ${name} does not exist on EventBus default.`);
        return found;
      }));
      if (!rule) return undefined;
      await request('ListTagsForResource', () => undefined);
      return request('ListTargetsByRule', () => ({ ...rule, tags: { ...rule.tags }, targets: rule.targets.map((t) => ({ ...t })) }));
    });
  }

  putRule(name: string, eventPattern: string, _description: string, tags: Record<string, string>) {
    return this.call('events', 'putRule', name, (request) => aws(`PutRule ${name}`, () => request('PutRule', () => {
      const existing = this.rules.get(name);
      if (existing) existing.eventPattern = eventPattern;
      else this.rules.set(name, { name, arn: `arn:aws:events:${this.context.region}:${this.context.accountId}:rule/${name}`, eventPattern, tags: { ...tags }, targets: [] });
      return this.rules.get(name)!.arn;
    })));
  }

  putTarget(rule: string, id: string, arn: string) {
    return this.call('events', 'putTarget', rule, (request) => aws(`PutTargets ${rule}`, () => request('PutTargets', () => {
      const found = this.rules.get(rule);
      if (!found) throw eventsError.resourceNotFound(`Rule ${rule} does not exist on EventBus default.`);
      found.targets = [...found.targets.filter((t) => t.id !== id), { id, arn }];
    })));
  }

  deleteRule(name: string) {
    return this.call('events', 'deleteRule', name, async (request) => {
      const rule = await awsOrUndefined(`ListTargetsByRule ${name}`, () => request('ListTargetsByRule', () => {
        const found = this.rules.get(name);
        if (!found) throw eventsError.resourceNotFound(`Rule ${name} does not exist on EventBus default.`);
        return found;
      }));
      if (!rule) return;
      if (rule.targets.length > 0) await request('RemoveTargets', () => void (rule.targets = []));
      await request('DeleteRule', () => void this.rules.delete(name));
    });
  }

  tagValues(resourceIds: string[], key: string) {
    return this.call('ec2', 'tagValues', resourceIds.join(','), (request) => aws(`DescribeTags ${key}`, () => request('DescribeTags',
      () => Object.fromEntries(resourceIds.map((id) => [id, this.tags.get(id)?.[key]])))));
  }

  createTags(resourceIds: string[], tags: Record<string, string>) {
    return this.call('ec2', 'createTags', resourceIds.join(','), (request) => aws(`CreateTags ${resourceIds.join(', ')}`, () => request('CreateTags', () => {
      for (const id of resourceIds) this.tags.set(id, { ...this.tags.get(id), ...tags });
    })));
  }

  deleteTag(resourceId: string, key: string, value: string) {
    return this.call('ec2', 'deleteTag', resourceId, (request) => aws(`DeleteTags ${resourceId} ${key}`, () => request('DeleteTags', () => {
      const tags = this.tags.get(resourceId);
      if (tags?.[key] === value) delete tags[key];
    })));
  }

  instancesTagged(tags: Record<string, string>) {
    return this.call('ec2', 'instancesTagged', undefined, (request) => aws('DescribeInstances', () => request('DescribeInstances', () => [...this.instances.values()]
      .filter((i) => i.state !== 'terminated' && Object.entries(tags).every(([key, value]) => (value === '*' ? i.tags[key] !== undefined : i.tags[key] === value)))
      .map(({ id, state }) => ({ id, state })))));
  }

  terminateInstances(ids: string[]) {
    if (ids.length === 0) return Promise.resolve();
    return this.call('ec2', 'terminateInstances', ids.join(','), (request) => aws(`TerminateInstances ${ids.join(', ')}`, () => request('TerminateInstances', () => {
      // Instant here: on AWS, shutting-down for a minute or two first.
      for (const id of ids) {
        const instance = this.instances.get(id);
        if (instance) instance.state = 'terminated';
      }
    })));
  }

  instanceProfilesUnder(pathPrefix: string) {
    return this.call('iam', 'instanceProfilesUnder', pathPrefix, (request) => aws(`ListInstanceProfiles ${pathPrefix}`, () => request('ListInstanceProfiles',
      () => [...this.profiles.values()].filter((p) => p.path.startsWith(pathPrefix)).map(({ name, roles, tags }) => ({ name, roles: [...roles], tags: { ...tags } })))));
  }

  deleteInstanceProfile({ name }: Pick<InstanceProfile, 'name' | 'roles'>) {
    return this.call('iam', 'deleteInstanceProfile', name, async (request) => {
      await request('DeleteInstanceProfile', () => void this.profiles.delete(name));
    });
  }
}
