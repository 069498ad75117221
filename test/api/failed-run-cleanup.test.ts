import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { nameTakenMessage } from '../../src/api/environments/name-claim';
import { workflowsPath } from '../../worker';
import { testActivityDeps } from '../support/activity-deps';
import { apiFor, type ApiBed, type Caller } from '../support/api';
import { awsInventory, type Inventory } from '../support/aws-inventory';
import { devWorkerBedPerFile } from '../support/dev-worker-bed';
import { withFault } from '../support/faults';
import { waitFor } from '../support/process';

// What a run leaves when it ends badly, and who may use a name, over HTTP: a real Temporal
// dev server (visibility, search attributes), real workers whose activities call moto and a
// Kubernetes control plane with simulated nodes.

const peers = devWorkerBedPerFile({ taskQueue: 'api-cleanup' });
/** Where a run fails once its node group is made: an API and workers of its own. */
const faultyQueue = 'api-cleanup-faulty';
let bed: ApiBed;
let faultyBed: ApiBed;
let empty: Inventory;
before(async () => {
  await peers.ready;
  const settings = { TEMPORAL_UI_URL: peers.server.uiUrl };
  bed = await apiFor(peers.server.env.client, { ...settings, EKSFLOW_TASK_QUEUE: peers.taskQueue });
  faultyBed = await apiFor(peers.server.env.client, { ...settings, EKSFLOW_TASK_QUEUE: faultyQueue });
  empty = await awsInventory(peers.aws.clientConfig);
});
after(async () => {
  await bed?.api.close();
  await faultyBed?.api.close();
});

/** A worker on the faulty queue: every activity real, but ensureNodegroup fails after AWS made the group (its response "lost"). */
const faultyWorker = () => Worker.create({
  connection: peers.server.env.nativeConnection, taskQueue: faultyQueue, workflowsPath,
  activities: withFault(createActivities(testActivityDeps({ aws: peers.aws, kubeconfigPath: peers.cluster.kubeconfigPath })), { activity: 'ensureNodegroup', when: 'after' }),
});

const specNamed = (name: string, overrides: Record<string, unknown> = {}) => ({
  name, region: 'us-east-1',
  network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }],
  ...overrides,
});

const create = (on: ApiBed, caller: Caller, spec: unknown) =>
  on.as(caller, { method: 'POST', url: '/v1/environments', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(spec) });

interface Ref { kind: string; name: string }
interface View {
  status: string; phase?: string;
  cleanup?: { workflowId: string; status: string; report?: { deleted: Ref[]; failed: Ref[]; leftovers: Ref[] } };
}
interface DeleteBody { action: string; message: string; cleanup?: { workflowId: string }; links: { cleanup?: string } }

const view = async (on: ApiBed, caller: Caller, name: string) => (await on.as(caller, { method: 'GET', url: `/v1/environments/${name}` })).json<View>();

async function runsOf(workflowId: string): Promise<number> {
  return (await peers.server.env.client.workflow.count(`WorkflowId = '${workflowId}'`)).count;
}

test('a failed run kept by onFailure: keep is cleaned to an empty inventory through DELETE, once, and GET shows the cleanup\'s report', async () => {
  assert.equal((await create(faultyBed, 'teamA', specNamed('kept', { onFailure: 'keep' }))).statusCode, 202);
  await (await faultyWorker()).runUntil(waitFor('the run to fail', async () => {
    const seen = await view(faultyBed, 'teamA', 'kept');
    return seen.status === 'failed' && seen;
  }, { timeoutMs: 60_000, intervalMs: 200 }));
  const left = await awsInventory(peers.aws.clientConfig);
  assert.deepEqual(left.clusters, ['kept'], 'the kept run left its cluster');
  assert.deepEqual(left.nodegroups, ['kept/general'], 'and the node group whose create "failed"');
  assert.ok(left.roles.includes('kept-cluster') && left.roles.includes('kept-node'), JSON.stringify(left.roles));

  // Nothing cleans a kept run up by itself: before any DELETE, the name is held, for another tenant too.
  const other = await create(faultyBed, 'teamB', specNamed('kept'));
  assert.equal(other.statusCode, 409, other.body);
  assert.equal(other.json<{ message: string }>().message, nameTakenMessage('kept'));

  // The DELETE that starts the cleanup asks the closed run for its ledger: a worker is there to answer, then stops
  // before the cleanup can have finished, so what a DELETE meets while one runs is certain.
  const worker = await faultyWorker();
  const first = await worker.runUntil(faultyBed.as('teamA', { method: 'DELETE', url: '/v1/environments/kept' }));
  assert.equal(first.statusCode, 202, first.body);
  const started = first.json<DeleteBody>();
  assert.equal(started.action, 'cleanup');
  assert.equal(started.cleanup?.workflowId, 'teardown:team-a/kept');
  assert.match(started.links.cleanup ?? '', new RegExp(`^${peers.server.uiUrl}/namespaces/default/workflows/teardown%3Ateam-a%2Fkept/`));

  const second = await faultyBed.as('teamA', { method: 'DELETE', url: '/v1/environments/kept' });
  assert.equal(second.statusCode, 202);
  assert.equal(second.json<DeleteBody>().action, 'none');
  assert.match(second.json<DeleteBody>().message, /already cleaning up/);
  assert.equal(await runsOf('teardown:team-a/kept'), 1, 'one cleanup, however often DELETE is asked');
  assert.equal((await view(faultyBed, 'teamA', 'kept')).cleanup?.status, 'running');
  const again = await create(faultyBed, 'teamA', specNamed('kept'));
  assert.equal(again.statusCode, 409, 'no new run under the identity a cleanup is deleting by');
  assert.equal(again.json<{ error: string }>().error, 'CleaningUp');

  const cleaned = await (await faultyWorker()).runUntil(waitFor('the cleanup to finish', async () => {
    const seen = await view(faultyBed, 'teamA', 'kept');
    return seen.cleanup?.status !== 'running' && seen;
  }, { timeoutMs: 90_000, intervalMs: 250 }));
  assert.equal(cleaned.status, 'failed', 'the run stays as it ended');
  assert.equal(cleaned.cleanup?.status, 'completed', JSON.stringify(cleaned.cleanup));
  const report = cleaned.cleanup!.report!;
  assert.deepEqual(report.leftovers, []);
  assert.deepEqual(report.failed, []);
  for (const made of [{ kind: 'eks-cluster', name: 'kept' }, { kind: 'eks-nodegroup', name: 'kept/general' }, { kind: 'iam-role', name: 'kept-cluster' }]) {
    assert.ok(report.deleted.some((ref) => ref.kind === made.kind && ref.name === made.name), `${made.kind} ${made.name} in ${JSON.stringify(report.deleted)}`);
  }
  assert.deepEqual(await awsInventory(peers.aws.clientConfig), empty);

  const done = await faultyBed.as('teamA', { method: 'DELETE', url: '/v1/environments/kept' });
  assert.equal(done.statusCode, 200);
  assert.equal(done.json<DeleteBody>().action, 'none');
  assert.equal(await runsOf('teardown:team-a/kept'), 1);
});

test('a terminated run, with no failure details to read, is cleaned up through DELETE too', async () => {
  assert.equal((await create(bed, 'teamA', specNamed('cut'))).statusCode, 202);
  await waitFor('the cluster to be made', async () => (await awsInventory(peers.aws.clientConfig)).nodegroups.includes('cut/general'), { timeoutMs: 60_000, intervalMs: 200 });
  await peers.server.env.client.workflow.getHandle('team-a.cut').terminate('the operator pulled the plug');
  const deleted = await bed.as('teamA', { method: 'DELETE', url: '/v1/environments/cut' });
  assert.equal(deleted.statusCode, 202, deleted.body);
  assert.equal(deleted.json<DeleteBody>().action, 'cleanup');
  const cleaned = await waitFor('the cleanup to finish', async () => {
    const seen = await view(bed, 'teamA', 'cut');
    return seen.cleanup?.status === 'completed' && seen;
  }, { timeoutMs: 90_000, intervalMs: 250 });
  assert.equal(cleaned.status, 'terminated');
  assert.deepEqual(cleaned.cleanup!.report!.leftovers, []);
  assert.deepEqual(await awsInventory(peers.aws.clientConfig), empty);
});

test('two tenants, one name: the second is refused (409, nothing about the first) and the first is untouched; asking at once, one starts', async () => {
  assert.equal((await create(bed, 'teamA', specNamed('demo'))).statusCode, 202);
  const refused = await create(bed, 'teamB', specNamed('demo'));
  assert.equal(refused.statusCode, 409, refused.body);
  assert.deepEqual(refused.json(), { error: 'NameTaken', message: nameTakenMessage('demo') });
  assert.equal(await runsOf('team-b.demo'), 0, 'nothing was started for team-b');

  const ready = await waitFor('team-a\'s demo to be ready', async () => {
    const seen = await view(bed, 'teamA', 'demo');
    return seen.phase === 'ready' && seen;
  }, { timeoutMs: 60_000, intervalMs: 200 });
  assert.equal(ready.status, 'running');
  assert.equal((await create(bed, 'teamB', specNamed('demo'))).statusCode, 409, 'still refused once it is ready');
  const inventory = await awsInventory(peers.aws.clientConfig);
  assert.deepEqual(inventory.clusters, ['demo']);
  assert.ok(inventory.roles.includes('demo-cluster') && inventory.roles.includes('demo-node'));

  // Both at the same moment: whichever takes the name first starts, the other is refused.
  const [a, b] = await Promise.all([create(bed, 'teamA', specNamed('race')), create(bed, 'teamB', specNamed('race'))]);
  assert.deepEqual([a.statusCode, b.statusCode].sort(), [202, 409], `${a.body} / ${b.body}`);
  assert.equal(await runsOf('team-a.race') + await runsOf('team-b.race'), 1);
  const winner = a.statusCode === 202 ? 'teamA' : 'teamB';

  // Once torn down, the name is free for anyone.
  for (const [caller, name] of [['teamA', 'demo'], [winner, 'race']] as const) {
    await bed.as(caller, { method: 'DELETE', url: `/v1/environments/${name}` });
    await waitFor(`${name} to be torn down`, async () => (await view(bed, caller, name)).status === 'completed', { timeoutMs: 60_000, intervalMs: 200 });
  }
  assert.equal((await create(bed, 'teamB', specNamed('demo'))).statusCode, 202, 'free once the first is gone');
  await waitFor('team-b\'s demo to be ready', async () => (await view(bed, 'teamB', 'demo')).phase === 'ready', { timeoutMs: 60_000, intervalMs: 200 });
  await bed.as('teamB', { method: 'DELETE', url: '/v1/environments/demo' });
  await waitFor('team-b\'s demo to be torn down', async () => (await view(bed, 'teamB', 'demo')).status === 'completed', { timeoutMs: 60_000, intervalMs: 200 });
  assert.deepEqual(await awsInventory(peers.aws.clientConfig), empty);
});
