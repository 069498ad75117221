import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowUpdateStage } from '@temporalio/client';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { applyChangeUpdate, progressQuery, teardownSignal, type ChangeProgress } from '../../src/workflows/messages';
import { awsInventory } from '../support/aws-inventory';
import {
  awsCrashProxy, buildWorker, declareLost, noNetwork, oneNetwork, startEnvironmentRun, startMotoWorker, untilReady, vpcParts,
  type AwsCrashProxy, type BuiltWorker, type EnvironmentHandle, type WorkerProcess,
} from '../support/chaos';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { moto, type Moto } from '../support/moto';
import { waitFor } from '../support/process';
import { devServer, type DevServer } from '../support/temporal';

// Day 2 under the same chaos as test/chaos/worker-sigkill.test.ts: a change applied through the
// workflow Update (applyChangeUpdate, as `PUT /v1/environments/:name` sends it) while the real,
// compiled worker is SIGKILLed three times and restarted each time. The change swaps the
// environment's node group for another — general goes, extra comes — which moto carries end to
// end (CreateNodegroup, DeleteNodegroup, the ledger's delete); an in-place node group update
// would stop at DescribeUpdate, which moto 5.2.5 does not serve. Each kill lands in a change
// step that is running, at the moment that matters most for it:
// 1. CreateNodegroup done by moto, its answer never heard (the group made, its ledger entry
//    only intended): the retry must adopt that group, not make a second one.
// 2. While `k8s:nodes-ready/extra` waits (a heartbeating activity): the new worker waits on.
//    The played cluster's nodes for extra register only after this kill, as EKS's would.
// 3. DeleteNodegroup done by moto, its answer never heard: the retry must take "not found" as
//    deleted, not as a failure.
// The change must end applied, the Update answered with it; exactly one of each resource left,
// the new group in place of the old; and teardown must leave nothing.
//
// Each lost attempt is declared lost at once (`declareLost`, as that test explains): a kill
// costs a restart of the prebuilt worker, not an activity timeout.

const tenant = 'chaos-change';
const taskQueue = 'chaos-change';
const name = 'swap';
const repoRoot = new URL('../..', import.meta.url).pathname;
const nodegroupLabel = 'eks.amazonaws.com/nodegroup';

let built: BuiltWorker | undefined;
let server: DevServer;
let aws: Moto;
let cluster: KubeControlPlane;
let proxy: AwsCrashProxy;
let worker: WorkerProcess | undefined;
let workers = 0;

before(async () => {
  [server, aws, cluster, built] = await Promise.all([devServer(), moto(), kubeControlPlane({ nodes: 2, nodeLabels: { [nodegroupLabel]: 'general' } }), buildWorker(repoRoot)]);
  proxy = await awsCrashProxy(aws.endpoint);
});

after(async () => {
  await worker?.stop();
  await proxy?.close();
  await Promise.all([server?.teardown(), aws?.stop(), cluster?.stop()]);
  built?.remove();
});

const startWorker = () => startMotoWorker({ repoRoot, server, proxy, cluster, taskQueue, logName: `worker-${++workers}`, compiledWorker: built!.compiledWorker });

function specWith(groups: readonly string[]): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({
    name, region: 'us-east-1',
    network: { vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'single' } },
    controlPlaneLogging: ['api', 'audit'],
    nodeGroups: groups.map((group) => ({ name: group, instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 })),
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

interface Kill {
  n: number;
  /** Wall clock (the dev server's workflow clock is the same). */
  at: number;
  /** The change step it was aimed at. */
  step: string;
  landed: string;
  lost: string[];
}

/** The running change's steps, as the progress query shows them (a query waits for a worker: none for seconds after a kill). */
async function changeStep(handle: EnvironmentHandle, id: string) {
  return (await handle.query(progressQuery)).change?.steps.find((s) => s.id === id);
}

test('a worker SIGKILLed three times while a change swaps a node group, restarted each time: the change ends applied with one of each resource, and teardown leaves nothing', { timeout: 5 * 60_000 }, async () => {
  const began = Date.now();
  worker = await startWorker();
  const handle = await startEnvironmentRun(server.env.client, { taskQueue, tenant, spec: specWith(['general']) });
  await untilReady(handle, 120_000);
  const before = await awsInventory(aws.clientConfig);
  assert.deepEqual(before.nodegroups, [`${name}/general`]);
  console.log(`ready in ${((Date.now() - began) / 1000).toFixed(1)} s; owns ${JSON.stringify(before)}`);

  const kills: Kill[] = [];
  /** Kills the worker as `how` does (at once, or when a trapped AWS call springs), declares its attempts lost, and starts the next one. */
  const killAndRestart = async (step: string, how: () => Promise<string>) => {
    const victim = worker!;
    const landed = await how();
    const at = Date.now();
    const lost = await declareLost(server.env.client, victim, [handle.workflowId]);
    const restarting = Date.now();
    worker = await startWorker();
    kills.push({ n: kills.length + 1, at, step, landed, lost });
    console.log(`kill #${kills.length} at ${((at - began) / 1000).toFixed(1)} s, aimed at ${step}: ${landed}; attempts lost: ${lost.join(', ') || 'none'}; new worker polling in ${((Date.now() - restarting) / 1000).toFixed(1)} s`);
  };
  const trapAfterAws = (operation: string) => () => {
    const victim = worker!;
    const sprung = proxy.trap('after-aws', () => victim.kill(), (seen) => seen === operation);
    return Promise.race([sprung, delay(60_000).then(() => { throw new Error(`no ${operation} within 60 s`); })]);
  };

  // Kill 1 is armed before the change is sent: CreateNodegroup is its first AWS call.
  const killed = killAndRestart('eks:nodegroup/extra', trapAfterAws(`POST /clusters/${name}/node-groups`));
  const next = specWith(['extra']);
  const update = await handle.startUpdate(applyChangeUpdate, { args: [{ spec: next }], waitForStage: WorkflowUpdateStage.ACCEPTED });
  await killed;

  await waitFor('k8s:nodes-ready/extra to be running', async () => (await changeStep(handle, 'k8s:nodes-ready/extra'))?.state === 'running', { timeoutMs: 60_000, intervalMs: 200 });
  await killAndRestart('k8s:nodes-ready/extra', async () => {
    await worker!.kill();
    return 'while the nodes of extra were awaited';
  });
  // Kill 3 is armed before the nodes come: once they are Ready the change runs on to the delete.
  const deleteKilled = killAndRestart('eks:nodegroup-delete/general', trapAfterAws(`DELETE /clusters/${name}/node-groups/general`));
  // EKS registers a new group's nodes with its name as their label; the played cluster does it here.
  await cluster.addNodes(['kwok-extra-0', 'kwok-extra-1'], { [nodegroupLabel]: 'extra' });
  await deleteKilled;

  const applied: ChangeProgress = await update.result();
  console.log(`change ${applied.id} ${applied.state} ${((Date.now() - began) / 1000).toFixed(1)} s after the start: ${applied.steps.map((s) => `${s.id} ${s.state} (${s.attempts})`).join(', ')}`);
  assert.equal(applied.state, 'applied', JSON.stringify(applied));
  assert.deepEqual(applied.steps.map((s) => [s.id, s.state]), [
    ['eks:nodegroup/extra', 'done'], ['k8s:nodes-ready/extra', 'done'], ['k8s:drain/general', 'done'], ['eks:nodegroup-delete/general', 'done'],
  ]);
  // Each kill landed inside the step it was aimed at, by the run's own step times.
  for (const kill of kills) {
    const step = applied.steps.find((s) => s.id === kill.step)!;
    assert.ok(Date.parse(step.startedAt!) <= kill.at && kill.at <= Date.parse(step.endedAt!), `kill #${kill.n} at ${new Date(kill.at).toISOString()} is outside ${step.id} (${step.startedAt} → ${step.endedAt})`);
  }
  assert.ok(kills.every((kill) => kill.lost.length > 0), `each kill cut an attempt off: ${JSON.stringify(kills)}`);

  // One of each: in the ledger, and in AWS itself; the new group in place of the old.
  const progress = await handle.query(progressQuery);
  assert.equal(progress.phase, 'ready');
  assert.deepEqual(progress.change?.state, 'applied');
  assert.deepEqual(progress.spec?.nodeGroups.map((g) => g.name), ['extra']);
  assert.deepEqual(Object.keys(progress.nodeGroups), ['extra']);
  const entries = progress.ledger.map((e) => `${e.kind} ${e.name}`);
  assert.equal(new Set(entries).size, entries.length, `the ledger names each resource once: ${entries.join(', ')}`);
  const stateOf = (entry: string) => progress.ledger.find((e) => `${e.kind} ${e.name}` === entry)?.state;
  assert.equal(stateOf(`eks-nodegroup ${name}/extra`), 'confirmed');
  assert.equal(stateOf(`eks-nodegroup ${name}/general`), 'deleted');
  assert.deepEqual(progress.ledger.filter((e) => e.state !== 'confirmed').map((e) => `${e.kind} ${e.name} ${e.state}`), [`eks-nodegroup ${name}/general deleted`]);
  assert.deepEqual(await awsInventory(aws.clientConfig), { ...before, nodegroups: [`${name}/extra`] });
  assert.deepEqual(await vpcParts(aws.clientConfig, `${tenant}/${name}`), oneNetwork);

  await handle.signal(teardownSignal, { reason: 'chaos over' });
  await handle.result();
  assert.deepEqual(await awsInventory(aws.clientConfig), { clusters: [], nodegroups: [], fargateProfiles: [], roles: [], oidcProviders: [], repositories: [], vpcs: [], logGroups: [] });
  assert.deepEqual(await vpcParts(aws.clientConfig, `${tenant}/${name}`), noNetwork);
  console.log(`torn down; the whole test took ${((Date.now() - began) / 1000).toFixed(1)} s`);
});
