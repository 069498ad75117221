import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../domain/errors';
import { karpenterDiscoveryTag, karpenterInterruptionRules, karpenterQueueName, karpenterQueuePolicy } from '../domain/iam-policies/karpenter';
import type { ResourceRef } from '../domain/ledger';
import { ownershipTags, type Owner } from '../domain/ownership';
import type { KarpenterAwsApi } from './aws/karpenter';
import type { EksApi } from './aws/eks';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse, deleteIfOurs, type DeleteOutcome, type DeleteOwner } from './ownership-check';

/**
 * Karpenter's AWS side (addons.karpenter), as its getting-started CloudFormation template makes
 * it (src/domain/iam-policies/karpenter.ts): the interruption queue and the EventBridge rules
 * that feed it, the discovery tag its EC2NodeClass selects subnets and security groups by; and
 * at teardown, the instances and instance profiles Karpenter launched and made itself. The node
 * role and its EC2_LINUX access entry go through ensureRole and ensureAccessEntry.
 */

/** What the queue's attributes must be: SSE with SQS-owned keys, messages kept 5 minutes (the template's). */
const queueAttributes = (queueArn?: string): Record<string, string> => ({
  MessageRetentionPeriod: '300', SqsManagedSseEnabled: 'true', ...(queueArn ? { Policy: JSON.stringify(karpenterQueuePolicy(queueArn)) } : {}),
});

export interface KarpenterQueueInput {
  owner: Owner;
  region: string;
  cluster: string;
  tags?: Record<string, string>;
}

/** The target id the template gives each rule's one target. */
const targetId = 'KarpenterInterruptionQueueTarget';

/** The tags Karpenter puts on what it launches and makes for a cluster (the controller policy's conditions require them). */
const launchedBy = (cluster: string) => ({ [`kubernetes.io/cluster/${cluster}`]: 'owned', 'karpenter.sh/nodepool': '*' });

export function createKarpenterActivities(api: KarpenterAwsApi | undefined, eks: EksApi) {
  const aws = () => api ?? (() => {
    throw ApplicationFailure.nonRetryable('this worker has no SQS and EventBridge clients for Karpenter\'s AWS side', errorTypes.resourceFailed);
  })();

  /**
   * The interruption queue `<cluster>-karpenter` (SSE, 300 s retention, the template's queue
   * policy), and the four EventBridge rules targeting it. Created with the environment's tags, or
   * adopted when already this environment's; anyone else's is refused. Every part is put again
   * on adoption, so a run cut off half-way is completed. The ledger entry is the queue; its
   * delete removes the rules too.
   */
  async function ensureKarpenterInterruptionQueue(input: KarpenterQueueInput): Promise<EnsuredResource & { queueArn: string; rules: string[] }> {
    const name = karpenterQueueName(input.cluster);
    const tags = ownershipTags(input.owner, input.tags);
    let queue = await aws().getQueue(name);
    let made = true;
    if (queue) made = adoptOrRefuse(`SQS queue ${name}`, queue.tags, input.owner).madeByThisRun;
    else queue = await aws().createQueue(name, queueAttributes(), tags);
    // The policy names the queue's own ARN, known only once it exists.
    await aws().setQueueAttributes(queue.url, queueAttributes(queue.arn));
    const rules: string[] = [];
    for (const rule of karpenterInterruptionRules(input.cluster)) {
      const existing = await aws().getRule(rule.name);
      if (existing) adoptOrRefuse(`EventBridge rule ${rule.name}`, existing.tags, input.owner);
      await aws().putRule(rule.name, JSON.stringify({ source: [rule.source], 'detail-type': [rule.detailType] }), `Karpenter interruption events for ${input.cluster}`, tags);
      await aws().putTarget(rule.name, targetId, queue.arn);
      rules.push(rule.name);
    }
    const ref: ResourceRef = { kind: 'interruption-queue', name, region: input.region, arn: queue.arn };
    return { ref, made, queueArn: queue.arn, rules };
  }

  /** The rules (each only if this environment's), then the queue, only if this environment's. Gone is done. */
  async function deleteKarpenterInterruptionQueue(input: DeleteOwner & { name: string }): Promise<DeleteOutcome> {
    const cluster = input.name.replace(/-karpenter$/, '');
    for (const rule of karpenterInterruptionRules(cluster)) {
      const found = await aws().getRule(rule.name);
      await deleteIfOurs(found, input, () => aws().deleteRule(rule.name));
    }
    const queue = await aws().getQueue(input.name);
    return deleteIfOurs(queue, input, () => aws().deleteQueue(queue!.url));
  }

  /**
   * The resources Karpenter's EC2NodeClass must find by `karpenter.sh/discovery=<cluster>`: the
   * worker subnets and the cluster security group EKS made (its nodes' group), each with whether
   * it carries the tag already. Only those without it are tagged, and only those untagged at teardown.
   */
  async function karpenterDiscoveryTargets(input: { cluster: string; subnetIds: string[] }): Promise<{ untagged: string[]; tagged: string[] }> {
    const cluster = await eks.describeCluster(input.cluster);
    const securityGroup = cluster?.clusterSecurityGroupId;
    const ids = [...input.subnetIds, ...(securityGroup ? [securityGroup] : [])];
    const [[key, value]] = Object.entries(karpenterDiscoveryTag(input.cluster)) as [[string, string]];
    const values = await aws().tagValues(ids, key);
    const taken = ids.filter((id) => values[id] !== undefined && values[id] !== value);
    if (taken.length > 0) {
      throw ApplicationFailure.nonRetryable(`${taken.join(', ')} already carry ${key} for another cluster: Karpenter would launch its nodes there`, errorTypes.invalidSpec);
    }
    return { untagged: ids.filter((id) => values[id] === undefined), tagged: ids.filter((id) => values[id] === value) };
  }

  /** Puts the discovery tag on one resource; the ledger entry `<cluster>/<id>` makes the teardown take it off again. */
  async function tagForKarpenterDiscovery(input: { region: string; cluster: string; resourceId: string }): Promise<EnsuredResource> {
    await aws().createTags([input.resourceId], karpenterDiscoveryTag(input.cluster));
    return { ref: { kind: 'discovery-tag', name: `${input.cluster}/${input.resourceId}`, region: input.region }, made: true };
  }

  /**
   * Takes the discovery tag off a resource eksflow tagged, only while it still names this
   * cluster: the ledger proves eksflow put it there. A resource gone already is done.
   */
  async function untagKarpenterDiscovery(input: { name: string }): Promise<DeleteOutcome> {
    const [cluster, resourceId] = input.name.split('/') as [string, string];
    const [[key, value]] = Object.entries(karpenterDiscoveryTag(cluster)) as [[string, string]];
    const values = await aws().tagValues([resourceId], key);
    if (values[resourceId] === undefined) return { outcome: 'absent' };
    if (values[resourceId] !== value) return { outcome: 'not-ours' };
    await aws().deleteTag(resourceId, key, value);
    return { outcome: 'deleted' };
  }

  /**
   * Terminates the instances Karpenter launched for the cluster, found by the tags it puts on
   * each (`kubernetes.io/cluster/<cluster>: owned`, `karpenter.sh/nodepool`, as the controller
   * policy requires), and deletes the instance profiles it made from the EC2NodeClass's role
   * (path `/karpenter/<region>/<cluster>/<nodeclass uid>/`, tagged `kubernetes.io/cluster/<cluster>: owned`).
   * Only a teardown of a cluster that is this environment's calls it: the cluster's name is
   * unique in its account and region, so what carries its tags is this environment's.
   * Answers what is still not terminated; call again until none.
   */
  async function terminateKarpenterNodes(input: { region: string; cluster: string }): Promise<{ status: 'GONE' | 'TERMINATING'; remaining: string[]; profilesDeleted: string[] }> {
    const instances = await aws().instancesTagged(launchedBy(input.cluster));
    const running = instances.filter((i) => i.state !== 'shutting-down').map((i) => i.id);
    await aws().terminateInstances(running);
    const profilesDeleted: string[] = [];
    if (instances.length === 0) {
      // Only once the instances are gone: a profile in use by an instance cannot be deleted.
      for (const profile of await aws().instanceProfilesUnder(`/karpenter/${input.region}/${input.cluster}/`)) {
        if (profile.tags[`kubernetes.io/cluster/${input.cluster}`] !== 'owned') continue;
        await aws().deleteInstanceProfile(profile);
        profilesDeleted.push(profile.name);
      }
    }
    return { status: instances.length === 0 ? 'GONE' : 'TERMINATING', remaining: instances.map((i) => i.id), profilesDeleted };
  }

  return { ensureKarpenterInterruptionQueue, deleteKarpenterInterruptionQueue, karpenterDiscoveryTargets, tagForKarpenterDiscovery, untagKarpenterDiscovery, terminateKarpenterNodes };
}
