import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { parseEnvironmentSpec } from '../../src/domain/environment-spec';
import { startSimulatedCloud, type SimulatedCloud } from '../../src/sim/cloud';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { workflowsPath } from '../../worker';
import { waitFor } from '../support/process';
import { devServer, type DevServer } from '../support/temporal';

// The tutorial's environment, every add-on and the app, provisioned and torn down by the real
// workflow and activities on the simulated cloud: no AWS, no kube-apiserver, no helm binary.

const speedup = 100;
let server: DevServer;
let cloud: SimulatedCloud;
let worker: Worker;
let workerRun: Promise<void>;
const taskQueue = 'tutorial-on-sim';

before(async () => {
  [server, cloud] = await Promise.all([devServer(), startSimulatedCloud({ speedup, seed: 'tutorial' })]);
  worker = await Worker.create({ connection: server.env.nativeConnection, taskQueue, workflowsPath, activities: createActivities(cloud.deps) });
  workerRun = worker.run();
});
after(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun;
  await Promise.all([server?.teardown(), cloud?.close()]);
});

const parsed = parseEnvironmentSpec(JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'tutorial', 'environment.json'), 'utf8')));
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const spec = parsed.spec;

test('the tutorial environment comes up on the simulated cloud, app URL and all, and its teardown leaves nothing', async () => {
  const handle = await server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: 'team-a.tutorial', args: [{ environmentId: 'team-a/tutorial', spec, timeScale: speedup }],
  });
  const ready = await waitFor('the tutorial environment to be ready', async () => {
    const progress = await handle.query(progressQuery);
    if (progress.phase === 'rolled-back' || progress.phase === 'failed') throw new Error(`the run ${progress.phase}: ${JSON.stringify(progress.steps.filter((s) => s.lastError))}`);
    return progress.phase === 'ready' && progress;
  }, { timeoutMs: 240_000, intervalMs: 500 }).catch(async (error: unknown) => {
    const progress = await handle.query(progressQuery).catch(() => undefined);
    throw new Error(`${(error as Error).message}; steps: ${JSON.stringify(progress?.steps.map((s) => [s.id, s.state, s.detail ?? s.lastError ?? '']))}`);
  });
  assert.ok(ready.steps.every((s) => s.state === 'done'), JSON.stringify(ready.steps.filter((s) => s.state !== 'done')));
  assert.match(ready.appUrl ?? '', /^http:\/\/k8s-awesomeb.*\.elb\.us-east-1\.amazonaws\.com(:80)?\/?$/);
  const before = cloud.aws.inventory();
  assert.deepEqual(before.clusters, ['awesomebuilder-container']);
  assert.deepEqual(before.nodegroups.sort(), ['awesomebuilder-container/on-demand', 'awesomebuilder-container/spot']);
  const store = cloud.kube.cluster('awesomebuilder-container')!.store;
  // verify: active made cluster-autoscaler grow a group by a node, through EKS.
  const desired = cloud.aws.eks.compute('awesomebuilder-container')!.nodegroups.reduce((sum, g) => sum + g.desiredSize, 0);
  assert.equal(desired, 5);
  assert.equal(store.list(store.typeOf('Node'), undefined).length, desired);

  await handle.signal('teardown', { reason: 'tutorial done' });
  const result = await handle.result();
  assert.equal(result.endedBecause, 'tutorial done');
  const left = cloud.aws.inventory();
  assert.deepEqual({ ...left, roles: left.roles.filter((r) => !r.startsWith('AWSServiceRole')) }, { clusters: [], nodegroups: [], fargateProfiles: [], roles: [], oidcProviders: [], repositories: [], vpcs: [], logGroups: [] });
});
