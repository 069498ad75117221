import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import type { provisionEnvironment } from '../../src/workflows';
import { applyChangeUpdate, progressQuery } from '../../src/workflows/messages';
import { waitFor } from '../support/process';
import { simWorkerBed } from '../support/sim-worker-bed';

// Day 2 for self-managed node groups on the simulated cloud: a ready environment gets a
// self-managed Linux group by apply (its role, launch template, Auto Scaling group, access entry,
// its nodes Ready), has it resized in place (UpdateAutoScalingGroup), and then removed — its
// nodes drained, every part deleted — and the teardown leaves nothing.

const taskQueue = 'apply-self-managed-on-sim';
const bed = simWorkerBed({ speedup: 100, seed: 'apply-self-managed', taskQueue });

const managed = { name: 'managed', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 };
const linux = { name: 'linux', kind: 'self-managed', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 4, labels: { team: 'a' } };

function specOf(name: string, nodeGroups: unknown[]): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({ name, region: 'us-east-1', network: { vpc: { natGateway: 'none', availabilityZones: 2 } }, nodeGroups });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

test('a self-managed group added, resized and removed by apply; the teardown leaves nothing', async () => {
  const name = 'grows';
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `team-a.${name}`, args: [{ environmentId: `team-a/${name}`, spec: specOf(name, [managed]) }],
  });
  await waitFor('the environment to be ready', async () => {
    const progress = await handle.query(progressQuery);
    if (progress.phase === 'rolled-back' || progress.phase === 'failed') throw new Error(JSON.stringify(progress.steps.filter((s) => s.lastError)));
    return progress.phase === 'ready';
  }, { timeoutMs: 300_000, intervalMs: 200 });
  const core = (await bed.cloud.deps.kube.forCluster(name)).makeApiClient(CoreV1Api);
  const nodes = async () => (await core.listNode({ labelSelector: 'eksflow.io/nodegroup=linux' })).items;

  // Added.
  const added = await handle.executeUpdate(applyChangeUpdate, { args: [{ spec: specOf(name, [managed, linux]) }] }).catch((e: Error & { cause?: Error }) => { throw new Error(`${e.message}: ${e.cause?.message}`); });
  assert.equal(added.state, 'applied', JSON.stringify(added));
  assert.deepEqual(added.steps.map((s) => [s.id, s.state]), [['ec2:self-managed-nodegroup/linux', 'done'], ['k8s:nodes-ready/linux', 'done']]);
  const asg = await bed.cloud.aws.autoscaling.describeAutoScalingGroup(`${name}-linux`);
  assert.equal(asg?.desiredSize, 2);
  assert.equal((await nodes()).length, 2);
  assert.ok((await nodes()).every((node) => node.metadata?.labels?.team === 'a'));
  const { eks } = bed.cloud.aws.apis();
  assert.equal((await eks.describeAccessEntry(name, `arn:aws:iam::123456789012:role/${name}-linux-node`))?.type, 'EC2_LINUX');

  // Resized in place.
  const resized = await handle.executeUpdate(applyChangeUpdate, { args: [{ spec: specOf(name, [managed, { ...linux, desiredSize: 3 }]) }] });
  assert.equal(resized.state, 'applied', JSON.stringify(resized));
  assert.deepEqual(resized.steps.map((s) => s.id), ['ec2:self-managed-scale/linux']);
  assert.match(resized.steps[0]!.detail ?? '', /3\/3 nodes Ready/);
  assert.equal((await bed.cloud.aws.autoscaling.describeAutoScalingGroup(`${name}-linux`))?.desiredSize, 3);
  assert.equal((await nodes()).length, 3);

  // Removed: drained, then every part deleted, and the ledger says so.
  const removed = await handle.executeUpdate(applyChangeUpdate, { args: [{ spec: specOf(name, [managed]) }] });
  assert.equal(removed.state, 'applied', JSON.stringify(removed));
  assert.deepEqual(removed.steps.map((s) => [s.id, s.state]), [['k8s:drain/linux', 'done'], ['ec2:self-managed-nodegroup-delete/linux', 'done']]);
  assert.match(removed.steps[0]!.detail ?? '', /from 3 nodes/, 'the group\'s own nodes were drained, found by the label their kubelet registers');
  assert.deepEqual(bed.cloud.aws.autoscaling.inventory(), { autoScalingGroups: [], launchTemplates: [], instanceProfiles: [] });
  assert.equal(await eks.describeAccessEntry(name, `arn:aws:iam::123456789012:role/${name}-linux-node`), undefined);
  assert.ok(!bed.cloud.aws.inventory().roles.includes(`${name}-linux-node`), 'the group\'s node role is gone');
  const ledger = (await handle.query(progressQuery)).ledger.filter((e) => e.step === 'ec2:self-managed-nodegroup/linux');
  assert.ok(ledger.length >= 5 && ledger.every((e) => e.state === 'deleted'), JSON.stringify(ledger));
  await waitFor('the drained nodes to leave the cluster', async () => (await nodes()).length === 0, { timeoutMs: 30_000, intervalMs: 200 });

  await handle.signal('teardown', { reason: 'done with it' });
  await handle.result();
  const inventory = bed.cloud.aws.inventory();
  assert.deepEqual([inventory.clusters, inventory.nodegroups, inventory.roles, inventory.vpcs], [[], [], [], []]);
});
