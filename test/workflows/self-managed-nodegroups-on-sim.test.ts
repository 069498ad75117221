import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { CoreV1Api } from '@kubernetes/client-node';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery, scaleNodeGroupUpdate } from '../../src/workflows/messages';
import { waitFor } from '../support/process';
import { simWorkerBed } from '../support/sim-worker-bed';

// Self-managed node groups in a whole run on the simulated cloud: a Linux group and a Windows
// group (launch template, Auto Scaling group, node role and instance profile, access entry) beside
// a managed Linux group; their nodes join Ready with the labels their user data registers (the
// Windows ones as kubernetes.io/os=windows), Windows IPAM is turned on, a scale goes through
// UpdateAutoScalingGroup, and the teardown leaves nothing.

const taskQueue = 'self-managed-on-sim';
const bed = simWorkerBed({ speedup: 100, seed: 'self-managed', taskQueue });
afterEach(() => bed.cloud.aws.faults.clearFailSteps());

function specOf(name: string): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({
    name, region: 'us-east-1', network: { vpc: { natGateway: 'none', availabilityZones: 2 } },
    nodeGroups: [
      { name: 'managed', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 },
      { name: 'linux', kind: 'self-managed', instanceTypes: ['m5.large', 'm5a.large'], minSize: 1, desiredSize: 2, maxSize: 4, labels: { team: 'a' }, taints: [{ key: 'dedicated', value: 'a', effect: 'NO_SCHEDULE' }], propagateAsgTags: true },
      { name: 'win', kind: 'self-managed', amiType: 'WINDOWS_CORE_2022_x86_64', instanceTypes: ['m5.xlarge'], minSize: 1, desiredSize: 1, maxSize: 2 },
    ],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

test('Linux and Windows self-managed groups beside a managed one: provisioned, Ready, scaled, and torn down leaving nothing', async () => {
  const name = 'mixed';
  const spec = specOf(name);
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `team-a.${name}`, args: [{ environmentId: `team-a/${name}`, spec }],
  });
  await waitFor('the environment to be ready', async () => {
    const progress = await handle.query(progressQuery);
    if (progress.phase === 'rolled-back' || progress.phase === 'failed') throw new Error(JSON.stringify(progress.steps.filter((s) => s.lastError)));
    return progress.phase === 'ready';
  }, { timeoutMs: 300_000, intervalMs: 200 });
  const progress = await handle.query(progressQuery);
  for (const id of ['ec2:self-managed-nodegroup/linux', 'ec2:self-managed-nodegroup/win', 'k8s:windows-ipam', 'k8s:nodes-ready/linux', 'k8s:nodes-ready/win', 'eks:nodegroup/managed']) {
    assert.equal(progress.steps.find((s) => s.id === id)?.state, 'done', id);
  }
  assert.equal(progress.steps.find((s) => s.id === 'k8s:nodes-ready/win')!.detail, '1/1 nodes Ready');
  const kinds = (kind: string) => progress.ledger.filter((e) => e.kind === kind).map((e) => [e.name, e.state]);
  assert.deepEqual(kinds('autoscaling-group').sort(), [[`${name}-linux`, 'confirmed'], [`${name}-win`, 'confirmed']]);
  assert.equal(kinds('launch-template').length, 2);
  assert.equal(kinds('instance-profile').length, 2);

  // The nodes, as the cluster sees them.
  const core = (await bed.cloud.deps.kube.forCluster(name)).makeApiClient(CoreV1Api);
  const nodes = async (selector: string) => (await core.listNode({ labelSelector: selector })).items;
  const linux = await nodes('eksflow.io/nodegroup=linux');
  assert.equal(linux.length, 2);
  for (const node of linux) {
    assert.equal(node.metadata!.labels!.team, 'a');
    assert.equal(node.metadata!.labels!['alpha.eksctl.io/nodegroup-name'], 'linux');
    assert.equal(node.metadata!.labels!['eks.amazonaws.com/nodegroup'], undefined, 'EKS labels only its managed groups\' nodes');
    assert.ok(node.spec!.taints!.some((t) => t.key === 'dedicated' && t.value === 'a' && t.effect === 'NoSchedule'));
  }
  const windows = await nodes('eksflow.io/nodegroup=win');
  assert.equal(windows.length, 1);
  assert.equal(windows[0]!.metadata!.labels!['kubernetes.io/os'], 'windows');
  assert.equal((await nodes('eks.amazonaws.com/nodegroup=managed')).length, 1);
  const cni = await core.readNamespacedConfigMap({ name: 'amazon-vpc-cni', namespace: 'kube-system' });
  assert.equal(cni.data?.['enable-windows-ipam'], 'true');

  // AWS's side: the Auto Scaling groups with eksctl's tags, and each node role's access entry of its type.
  const asg = await bed.cloud.aws.autoscaling.describeAutoScalingGroup(`${name}-linux`);
  assert.equal(asg!.tags[`kubernetes.io/cluster/${name}`], 'owned');
  assert.equal(asg!.tags['k8s.io/cluster-autoscaler/node-template/taint/dedicated'], 'a:NoSchedule');
  assert.deepEqual(asg!.mixedInstanceTypes, ['m5.large', 'm5a.large']);
  const { eks } = bed.cloud.aws.apis();
  const entryOf = async (group: string) => (await eks.describeAccessEntry(name, `arn:aws:iam::123456789012:role/${name}-${group}-node`))?.type;
  assert.equal(await entryOf('linux'), 'EC2_LINUX');
  assert.equal(await entryOf('win'), 'EC2_WINDOWS');

  // A scale goes to the Auto Scaling group, and waits for the nodes.
  const scaled = await handle.executeUpdate(scaleNodeGroupUpdate, { args: [{ nodeGroup: 'linux', desiredSize: 3 }] });
  assert.equal(scaled.desiredSize, 3);
  assert.equal((await bed.cloud.aws.autoscaling.describeAutoScalingGroup(`${name}-linux`))!.desiredSize, 3);
  assert.equal((await nodes('eksflow.io/nodegroup=linux')).length, 3);

  await handle.signal('teardown', { reason: 'done with it' });
  const result = await handle.result();
  for (const kind of ['autoscaling-group', 'launch-template', 'instance-profile']) {
    assert.deepEqual(result.ledger.filter((e) => e.kind === kind).map((e) => e.state), ['deleted', 'deleted'], kind);
  }
  assert.deepEqual(bed.cloud.aws.autoscaling.inventory(), { autoScalingGroups: [], launchTemplates: [], instanceProfiles: [] });
  const inventory = bed.cloud.aws.inventory();
  assert.deepEqual([inventory.clusters, inventory.nodegroups, inventory.roles, inventory.vpcs], [[], [], [], []]);
});

test('a failed Auto Scaling group rolls back what the run made, newest first, the other group\'s parts included', async () => {
  const name = 'refused';
  // Auto Scaling refuses the Windows group for good (the request never takes effect).
  bed.cloud.aws.faults.failStep('createAutoScalingGroup', { resource: `${name}-win` });
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `team-a.${name}`, args: [{ environmentId: `team-a/${name}`, spec: specOf(name) }],
  });
  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, `the run failed: ${String(error)}`);
  const progress = await handle.query(progressQuery);
  assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
  const failed = progress.steps.find((s) => s.id === 'ec2:self-managed-nodegroup/win')!;
  assert.equal(failed.state, 'compensated', 'what it made before the failure was deleted');
  assert.match(failed.lastError ?? '', /injected failure of createAutoScalingGroup/);
  for (const kind of ['launch-template', 'instance-profile']) {
    assert.deepEqual(progress.ledger.filter((e) => e.kind === kind).map((e) => e.state), ['compensated', 'compensated'], kind);
  }
  assert.ok(progress.ledger.filter((e) => e.kind === 'autoscaling-group').every((e) => e.state === 'compensated'), JSON.stringify(progress.ledger));
  assert.deepEqual(bed.cloud.aws.autoscaling.inventory(), { autoScalingGroups: [], launchTemplates: [], instanceProfiles: [] });
  assert.deepEqual(bed.cloud.aws.inventory().roles, []);
});
