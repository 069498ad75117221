import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { managedLaunchTemplateName } from '../../src/domain/managed-launch-template';
import { planEnvironment } from '../../src/domain/planner';
import type { provisionEnvironment } from '../../src/workflows';
import { simWorkerBed, untilReady } from '../support/sim-worker-bed';

// Whole runs on the simulated cloud: the pre-flight that stops a run naming a value AWS would
// refuse, or one that is not there, before anything is made, and a managed group on an
// AmazonLinux2 AMI of one's own.

const speedup = 100;
const taskQueue = 'given-resources-on-sim';
const bed = simWorkerBed({ speedup, seed: 'given-resources', taskQueue });
const region = 'us-west-2';

function specOf(input: Record<string, unknown>): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({ region, network: { vpc: { zones: ['us-west-2a', 'us-west-2b'] } }, ...input });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  return parsed.spec;
}
const start = (spec: EnvironmentSpec) => bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
  taskQueue, workflowId: `team-a.${spec.name}`, args: [{ environmentId: `team-a/${spec.name}`, spec, timeScale: speedup }],
});

// Calls that make something, account-wide (SDK retries included).
const makingCalls = () => Object.entries(bed.cloud.aws.calls()).filter(([call]) => /:(Create|Run|Allocate|Import|Put|Attach|Associate|Register)/.test(call)).reduce((sum, [, n]) => sum + n, 0);

/** Runs the spec, which must fail for good (InvalidSpec) before anything is made: the failure's message. */
async function refusedBeforeAnythingIsMade(spec: EnvironmentSpec): Promise<string> {
  const madeBefore = makingCalls();
  const before = bed.cloud.aws.forRegion(region).inventory();
  const handle = await start(spec);
  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, `the run failed: ${String(error)}`);
  // The workflow fails with the activity's failure (ActivityFailure, caused by the ApplicationFailure).
  const cause = (error.cause?.cause ?? error.cause) as Error & { type?: string; nonRetryable?: boolean };
  assert.equal(cause.type, 'InvalidSpec');
  assert.equal(cause.nonRetryable, true);
  // Nothing was made: not a VPC, not a role (the user's own were there before), not a call that makes anything.
  const inventory = bed.cloud.aws.forRegion(region).inventory();
  assert.deepEqual(inventory, before);
  assert.ok(Object.values(inventory).every((items) => (items as string[]).filter((item) => !item.startsWith('AWSServiceRole') && !item.startsWith('users-own')).length === 0), JSON.stringify(inventory));
  assert.equal(makingCalls(), madeBefore, 'no call that makes anything');
  return cause.message;
}

test('a value AWS would refuse (eksctl\'s sg-1) is warned about by the plan and stops the run for good, naming its field, before anything is made', async () => {
  const spec = specOf({ name: 'placeholder-sg', nodeGroups: [{ name: 'ng', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2, securityGroupIds: ['sg-1'] }] });
  assert.deepEqual(planEnvironment(spec).warnings?.map((w) => w.path), ['/nodeGroups/0/securityGroupIds/0']);
  assert.match(await refusedBeforeAnythingIsMade(spec), /^nothing was made: \/nodeGroups\/0\/securityGroupIds\/0: "sg-1" is not a security group ID as EC2 gives them/);
});

test('well-formed IDs and ARNs the simulated account does not have stop the run as on AWS: each looked up, each field named, nothing made', async () => {
  const { iam } = bed.cloud.aws;
  const role = await iam.createRole({ name: 'users-own-role', trustPolicy: JSON.stringify({ Version: '2012-10-17', Statement: [] }), description: 'the user\'s', tags: {} });
  const spec = specOf({
    name: 'not-there',
    nodeGroups: [{
      name: 'ng', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2, securityGroupIds: ['sg-0123456789abcdef0'],
      ami: { id: 'ami-0123456789abcdef0', family: 'AmazonLinux2023' }, iam: { attachPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::123456789012:policy/not-made'] },
    }],
    serviceAccounts: [{ namespace: 'shop', name: 'mine', identity: 'irsa', roleArn: role.arn }, { namespace: 'shop', name: 'ghost', identity: 'irsa', roleArn: 'arn:aws:iam::123456789012:role/never-made' }],
  });
  assert.equal(planEnvironment(spec).warnings, undefined, 'every value has AWS\'s form');
  const message = await refusedBeforeAnythingIsMade(spec);
  assert.match(message, /\/nodeGroups\/0\/securityGroupIds\/0: sg-0123456789abcdef0 does not exist in us-west-2 \(DescribeSecurityGroups\)/);
  assert.match(message, /\/nodeGroups\/0\/ami\/id: ami-0123456789abcdef0 does not exist in us-west-2 \(DescribeImages\)/);
  assert.match(message, /\/nodeGroups\/0\/iam\/attachPolicyArns\/1: arn:aws:iam::123456789012:policy\/not-made does not exist/);
  assert.match(message, /\/serviceAccounts\/1\/roleArn: arn:aws:iam::123456789012:role\/never-made does not exist/);
  // What is there passes: the AWS-managed policy and the user's own role are not named.
  assert.doesNotMatch(message, /attachPolicyArns\/0|serviceAccounts\/0/);
  // Asked of EC2 and IAM as the SDK adapter asks, answered with their not-found errors.
  const { refusals } = bed.cloud.aws.errorAnswers();
  for (const answer of ['ec2:DescribeSecurityGroups InvalidGroup.NotFound', 'ec2:DescribeImages InvalidAMIID.NotFound', 'iam:GetPolicy NoSuchEntityException', 'iam:GetRole NoSuchEntityException']) {
    assert.ok((refusals[answer] ?? 0) > 0, `${answer} in ${JSON.stringify(refusals)}`);
  }
});

test('a managed group on an AmazonLinux2 AMI of one\'s own (Kubernetes 1.32) boots with its bootstrap.sh, joins, and goes with the environment', async () => {
  const override = '#!/bin/bash\n/etc/eks/bootstrap.sh al2-custom --kubelet-extra-args \'--node-labels=role=worker\'';
  // The user's image, registered in the region first: the pre-flight looks it up (DescribeImages).
  const image = bed.cloud.aws.forRegion(region).images.register({ name: 'my-al2-node' });
  const spec = specOf({
    name: 'al2-custom', kubernetesVersion: '1.32',
    nodeGroups: [{ name: 'custom', instanceTypes: ['m5.xlarge'], minSize: 2, desiredSize: 2, maxSize: 2, ami: { id: image, family: 'AmazonLinux2', overrideBootstrapCommand: override } }],
  });
  assert.equal(spec.nodeGroups[0]?.amiType, 'CUSTOM');
  assert.equal(planEnvironment(spec).warnings, undefined, 'no warning at 1.32, and the AMI ID has EC2\'s form');
  const handle = await start(spec);
  const ready = await untilReady(handle, spec.name);
  assert.ok(ready.steps.every((s) => s.state === 'done'), JSON.stringify(ready.steps.filter((s) => s.state !== 'done')));
  const template = bed.cloud.aws.forRegion(region).nodeLaunch.launchTemplate({ name: managedLaunchTemplateName(spec.name, 'custom') });
  assert.equal(template?.data.imageId, image);
  const userData = Buffer.from(template?.data.userData ?? '', 'base64').toString('utf8');
  assert.match(userData, /^MIME-Version: 1.0\nContent-Type: multipart\/mixed/);
  assert.ok(userData.includes(override), userData);
  assert.doesNotMatch(userData, /NodeConfig/);
  const store = bed.cloud.kube.inRegion(region).cluster('al2-custom')!.store;
  assert.equal(store.list(store.typeOf('Node'), undefined).length, 2);
  await handle.signal('teardown', { reason: 'done' });
  await handle.result();
  assert.equal(bed.cloud.aws.forRegion(region).nodeLaunch.launchTemplate({ name: managedLaunchTemplateName(spec.name, 'custom') }), undefined, 'its launch template went with it');
  assert.deepEqual(bed.cloud.aws.forRegion(region).inventory().clusters, []);
});
