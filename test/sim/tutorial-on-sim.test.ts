import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseEnvironmentSpec } from '../../src/domain/environment-spec';
import { stepIds } from '../../src/domain/planner';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { waitFor } from '../support/process';
import { simWorkerBed, untilReady } from '../support/sim-worker-bed';

// The tutorial's environment, every add-on and the app, provisioned and torn down by the real
// workflow and activities on the simulated cloud: no AWS, no kube-apiserver, no helm binary.

const speedup = 100;
const taskQueue = 'tutorial-on-sim';
const bed = simWorkerBed({ speedup, seed: 'tutorial', taskQueue });

const parsed = parseEnvironmentSpec(JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'tutorial', 'environment.json'), 'utf8')));
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const spec = parsed.spec;

test('the tutorial environment comes up on the simulated cloud, app URL and all, and its teardown leaves nothing', async () => {
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: 'team-a.tutorial', args: [{ environmentId: 'team-a/tutorial', spec, timeScale: speedup }],
  });
  const ready = await untilReady(handle, 'the tutorial environment');
  assert.ok(ready.steps.every((s) => s.state === 'done'), JSON.stringify(ready.steps.filter((s) => s.state !== 'done')));
  assert.match(ready.appUrl ?? '', /^http:\/\/k8s-awesomeb.*\.elb\.us-east-1\.amazonaws\.com(:80)?\/?$/);
  const before = bed.cloud.aws.inventory();
  assert.deepEqual(before.clusters, ['awesomebuilder-container']);
  assert.deepEqual(before.nodegroups.sort(), ['awesomebuilder-container/on-demand', 'awesomebuilder-container/spot']);
  const store = bed.cloud.kube.cluster('awesomebuilder-container')!.store;
  // verify: active made cluster-autoscaler grow a group by a node, through EKS.
  const desired = bed.cloud.aws.eks.compute('awesomebuilder-container')!.nodegroups.reduce((sum, g) => sum + g.desiredSize, 0);
  assert.equal(desired, 5);
  assert.equal(store.list(store.typeOf('Node'), undefined).length, desired);

  await handle.signal('teardown', { reason: 'tutorial done' });
  const result = await handle.result();
  assert.equal(result.endedBecause, 'tutorial done');
  const left = bed.cloud.aws.inventory();
  assert.deepEqual({ ...left, roles: left.roles.filter((r) => !r.startsWith('AWSServiceRole')) }, { clusters: [], nodegroups: [], fargateProfiles: [], roles: [], oidcProviders: [], repositories: [], vpcs: [], logGroups: [] });
});

test('a VPC of its own: the network step lasts until its NAT gateways are available, and teardown waits for them to go', async () => {
  const own = parseEnvironmentSpec({
    name: 'own-vpc', region: 'us-east-1', network: { vpc: { natGateway: 'perAz', availabilityZones: 2 } },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
  });
  assert.ok(own.ok, JSON.stringify(!own.ok && own.errors));
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: 'team-a.own-vpc', args: [{ environmentId: 'team-a/own-vpc', spec: own.spec, timeScale: speedup }],
  });
  const ready = await waitFor('the environment to be ready', async () => {
    const progress = await handle.query(progressQuery);
    if (progress.phase === 'rolled-back' || progress.phase === 'failed') throw new Error(`the run ${progress.phase}: ${JSON.stringify(progress.steps.filter((s) => s.lastError))}`);
    return progress.phase === 'ready' && progress;
  }, { timeoutMs: 120_000, intervalMs: 200 });
  const network = ready.steps.find((s) => s.id === stepIds.network)!;
  assert.match(network.detail ?? '', /2 public, 2 private subnets; NAT nat-[0-9a-f]+ available, nat-[0-9a-f]+ available$/);
  const natSeconds = bed.cloud.aws.sampler.draws().find((d) => d.operation === 'network.create' && d.key === 'own-vpc')!.seconds;
  const stepSeconds = ((Date.parse(network.endedAt!) - Date.parse(network.startedAt!)) / 1000) * speedup;
  assert.ok(stepSeconds >= natSeconds, `the network step took ${stepSeconds.toFixed(0)} s of cloud time, its NAT gateways ${natSeconds.toFixed(0)} s`);
  const cluster = ready.steps.find((s) => s.id === stepIds.cluster)!;
  assert.ok(Date.parse(cluster.startedAt!) >= Date.parse(network.endedAt!), 'the cluster waits for the network');

  const released = () => bed.cloud.aws.calls()['ec2:ReleaseAddress'] ?? 0;
  const releasedBefore = released();
  await handle.signal('teardown', { reason: 'done' });
  await handle.result();
  assert.deepEqual(bed.cloud.aws.inventory().vpcs, []);
  assert.equal(released() - releasedBefore, 2, 'both NAT gateways\' addresses released');
  // The NAT gateways were waited out, not retried through: no activity of the teardown failed.
  const { events } = await handle.fetchHistory();
  const teardown = (events ?? []).find((e) => e.childWorkflowExecutionStartedEventAttributes)?.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
  const failures = async (workflowId: string, runId?: string | null) => ((await bed.server.env.client.workflow.getHandle(workflowId, runId ?? undefined).fetchHistory()).events ?? []).filter((e) => e.activityTaskFailedEventAttributes).length;
  assert.ok(teardown, 'the teardown ran as a child workflow');
  assert.equal(await failures('team-a.own-vpc'), 0);
  assert.equal(await failures(teardown.workflowId!, teardown.runId), 0);
});
