import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateSubnetCommand, CreateTagsCommand, CreateVpcCommand, DescribeInstancesCommand, DescribeTagsCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { EventBridgeClient, ListTargetsByRuleCommand, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, IAMClient, ListInstanceProfilesCommand } from '@aws-sdk/client-iam';
import { GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ApplicationFailure } from '@temporalio/common';
import { ownershipTags } from '../../src/domain/ownership';
import { motoActivitiesPerFile } from '../support/moto-activities';

// Karpenter's AWS side against moto, which has SQS, EventBridge, EC2 and IAM: the queue and rules
// as the getting-started template makes them, the discovery tag, and the teardown of what
// Karpenter launched and made itself (set up here as Karpenter tags it).
const bed = motoActivitiesPerFile();
const owner = { environmentId: 'team-a/demo', runId: 'run-1' };
const clients = () => ({
  sqs: new SQSClient(bed.aws.clientConfig), events: new EventBridgeClient(bed.aws.clientConfig), ec2: new EC2Client(bed.aws.clientConfig), iam: new IAMClient(bed.aws.clientConfig),
});
const queueInput = { owner, region: 'us-east-1', cluster: 'demo' };

test('the interruption queue: SSE, 300 s retention, the template\'s policy, four rules targeting it; again adopts; another tenant\'s is refused', async () => {
  const made = await bed.activities.ensureKarpenterInterruptionQueue(queueInput);
  assert.equal(made.made, true);
  assert.equal(made.ref.kind, 'interruption-queue');
  assert.equal(made.ref.name, 'demo-karpenter');
  const { sqs, events } = clients();
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'demo-karpenter' }));
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
  assert.equal(Attributes.MessageRetentionPeriod, '300');
  assert.equal(Attributes.SqsManagedSseEnabled, 'true');
  const policy = JSON.parse(Attributes.Policy!) as { Statement: { Effect: string; Principal: unknown; Action: string; Resource: string }[] };
  assert.deepEqual(policy.Statement[0]!.Principal, { Service: ['events.amazonaws.com', 'sqs.amazonaws.com'] });
  assert.equal(policy.Statement[0]!.Resource, made.queueArn);
  assert.equal(policy.Statement[1]!.Effect, 'Deny');
  assert.deepEqual(made.rules, ['demo-karpenter-scheduled-change', 'demo-karpenter-spot-interruption', 'demo-karpenter-rebalance', 'demo-karpenter-instance-state-change']);
  for (const rule of made.rules) {
    const { Targets } = await events.send(new ListTargetsByRuleCommand({ Rule: rule }));
    assert.deepEqual(Targets?.map((t) => [t.Id, t.Arn]), [['KarpenterInterruptionQueueTarget', made.queueArn]], rule);
  }

  const again = await bed.activities.ensureKarpenterInterruptionQueue(queueInput);
  assert.equal(again.made, true, 'the same run made it');
  const later = await bed.activities.ensureKarpenterInterruptionQueue({ ...queueInput, owner: { ...owner, runId: 'run-2' } });
  assert.equal(later.made, false, 'a later run adopts it');
  await assert.rejects(bed.activities.ensureKarpenterInterruptionQueue({ ...queueInput, owner: { environmentId: 'team-b/demo', runId: 'run-9' } }),
    (error: ApplicationFailure) => error.type === 'ResourceNotOwned' && /SQS queue demo-karpenter already exists and is not this environment's/.test(error.message));
});

test('deleting the queue removes the rules and the queue only when they are this environment\'s', async () => {
  await bed.activities.ensureKarpenterInterruptionQueue(queueInput);
  const { sqs, events } = clients();
  // A rule of the same name someone else made: left alone.
  await bed.activities.deleteKarpenterInterruptionQueue({ environmentId: 'team-b/demo', name: 'demo-karpenter' }).then((r) => assert.deepEqual(r, { outcome: 'not-ours' }));
  assert.ok((await sqs.send(new ListQueuesCommand({}))).QueueUrls?.length, 'still there');
  assert.deepEqual(await bed.activities.deleteKarpenterInterruptionQueue({ environmentId: owner.environmentId, name: 'demo-karpenter' }), { outcome: 'deleted' });
  assert.equal((await sqs.send(new ListQueuesCommand({}))).QueueUrls?.length ?? 0, 0);
  await assert.rejects(events.send(new ListTargetsByRuleCommand({ Rule: 'demo-karpenter-rebalance' })), /ResourceNotFound/);
  assert.deepEqual(await bed.activities.deleteKarpenterInterruptionQueue({ environmentId: owner.environmentId, name: 'demo-karpenter' }), { outcome: 'absent' });
  // A foreign rule under eksflow's name is never deleted.
  await events.send(new PutRuleCommand({ Name: 'demo-karpenter-rebalance', EventPattern: '{"source":["aws.ec2"]}', Tags: [{ Key: 'team', Value: 'b' }] }));
  await bed.activities.deleteKarpenterInterruptionQueue({ environmentId: owner.environmentId, name: 'demo-karpenter' });
  await events.send(new ListTargetsByRuleCommand({ Rule: 'demo-karpenter-rebalance' }));
});

test('discovery tags: only untagged subnets are tagged, and untagging removes only a tag still naming the cluster', async () => {
  const { ec2 } = clients();
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const subnets = await Promise.all(['10.0.1.0/24', '10.0.2.0/24'].map(async (cidr) => (await ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId, CidrBlock: cidr }))).Subnet!.SubnetId!));
  await ec2.send(new CreateTagsCommand({ Resources: [subnets[1]!], Tags: [{ Key: 'karpenter.sh/discovery', Value: 'demo' }] }));
  // No cluster named demo in moto here: the subnets alone.
  const targets = await bed.activities.karpenterDiscoveryTargets({ cluster: 'demo', subnetIds: subnets });
  assert.deepEqual(targets, { untagged: [subnets[0]], tagged: [subnets[1]] });
  const tagged = await bed.activities.tagForKarpenterDiscovery({ region: 'us-east-1', cluster: 'demo', resourceId: subnets[0]! });
  assert.deepEqual(tagged.ref, { kind: 'discovery-tag', name: `demo/${subnets[0]}`, region: 'us-east-1' });
  const tagsOf = async (id: string) => (await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [id] }] }))).Tags?.map((t) => `${t.Key}=${t.Value}`);
  assert.deepEqual(await tagsOf(subnets[0]!), ['karpenter.sh/discovery=demo']);

  // Another cluster's tag on a subnet: refused, Karpenter would launch the wrong cluster's nodes there.
  await assert.rejects(bed.activities.karpenterDiscoveryTargets({ cluster: 'other', subnetIds: subnets }), /already carry karpenter.sh\/discovery for another cluster/);

  assert.deepEqual(await bed.activities.untagKarpenterDiscovery({ name: `demo/${subnets[0]}` }), { outcome: 'deleted' });
  assert.deepEqual(await tagsOf(subnets[0]!), []);
  assert.deepEqual(await bed.activities.untagKarpenterDiscovery({ name: `demo/${subnets[0]}` }), { outcome: 'absent' });
  await ec2.send(new CreateTagsCommand({ Resources: [subnets[0]!], Tags: [{ Key: 'karpenter.sh/discovery', Value: 'someone-else' }] }));
  assert.deepEqual(await bed.activities.untagKarpenterDiscovery({ name: `demo/${subnets[0]}` }), { outcome: 'not-ours' });
  assert.deepEqual(await tagsOf(subnets[0]!), ['karpenter.sh/discovery=someone-else']);
});

test('teardown terminates the instances Karpenter launched for the cluster, then deletes the instance profiles it made; nothing of another cluster', async () => {
  const { ec2, iam } = clients();
  const karpenterTags = (cluster: string) => [
    { Key: `kubernetes.io/cluster/${cluster}`, Value: 'owned' }, { Key: 'eks:eks-cluster-name', Value: cluster }, { Key: 'karpenter.sh/nodepool', Value: 'default' },
    { Key: 'karpenter.k8s.aws/ec2nodeclass', Value: 'default' },
  ];
  const launch = async (tags: { Key: string; Value: string }[]) => (await ec2.send(new RunInstancesCommand({
    ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, InstanceType: 't3.micro', TagSpecifications: [{ ResourceType: 'instance', Tags: tags }],
  }))).Instances![0]!.InstanceId!;
  const ours = await launch(karpenterTags('demo'));
  const otherCluster = await launch(karpenterTags('other'));
  // A node group's instance of the same cluster: not Karpenter's (no karpenter.sh/nodepool).
  const nodegroup = await launch([{ Key: 'kubernetes.io/cluster/demo', Value: 'owned' }, { Key: 'eks:nodegroup-name', Value: 'system' }]);
  await iam.send(new CreateRoleCommand({ RoleName: 'demo-karpenter-node', AssumeRolePolicyDocument: '{}', Tags: Object.entries(ownershipTags(owner)).map(([Key, Value]) => ({ Key, Value })) }));
  const profile = async (name: string, cluster: string) => {
    await iam.send(new CreateInstanceProfileCommand({
      InstanceProfileName: name, Path: `/karpenter/us-east-1/${cluster}/0d9b7a61-uid/`,
      Tags: [{ Key: `kubernetes.io/cluster/${cluster}`, Value: 'owned' }, { Key: 'eks:eks-cluster-name', Value: cluster }, { Key: 'karpenter.k8s.aws/ec2nodeclass', Value: 'default' }, { Key: 'topology.kubernetes.io/region', Value: 'us-east-1' }],
    }));
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: 'demo-karpenter-node' }));
  };
  await profile('demo_123', 'demo');
  await profile('other_456', 'other');

  const first = await bed.activities.terminateKarpenterNodes({ region: 'us-east-1', cluster: 'demo' });
  assert.equal(first.status, 'TERMINATING');
  assert.deepEqual(first.remaining, [ours]);
  assert.deepEqual(first.profilesDeleted, [], 'profiles wait until the instances are gone');
  const stateOf = async (id: string) => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!.State!.Name;
  assert.match((await stateOf(ours))!, /shutting-down|terminated/);
  assert.equal(await stateOf(otherCluster), 'running');
  assert.equal(await stateOf(nodegroup), 'running');

  // moto terminates at once; on AWS this is called again until GONE.
  const gone = await bed.activities.terminateKarpenterNodes({ region: 'us-east-1', cluster: 'demo' });
  assert.deepEqual({ status: gone.status, profilesDeleted: gone.profilesDeleted }, { status: 'GONE', profilesDeleted: ['demo_123'] });
  const left = (await iam.send(new ListInstanceProfilesCommand({}))).InstanceProfiles?.map((p) => p.InstanceProfileName);
  assert.deepEqual(left, ['other_456']);
});
