import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvironmentSpec } from '../../src/domain/environment-spec';
import { environmentKey, phaseKey, tenantKey } from '../../src/domain/search-attributes';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { awsInventory } from '../support/aws-inventory';
import { devWorkerBedPerFile } from '../support/dev-worker-bed';
import { waitFor } from '../support/process';

// The time-skipping server has no visibility and no search attributes: what people see in
// the Temporal UI (the phase to filter by, the step list in the details) is checked here.

const peers = devWorkerBedPerFile({ taskQueue: 'provision-dev-server' });
const taskQueue = peers.taskQueue;

const parsed = parseEnvironmentSpec({
  name: 'visible',
  region: 'us-east-1',
  network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }],
});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const spec = parsed.spec;

/** The phase visibility holds for the environment, once it has caught up with `phase`. */
async function listedIn(phase: string) {
  const client = peers.server.env.client;
  return waitFor(`the environment listed as ${phase}`, async () => {
    for await (const execution of client.workflow.list({ query: `EksflowTenant = "team-a" AND EksflowEnvironment = "visible" AND EksflowPhase = "${phase}"` })) {
      return execution;
    }
    return undefined;
  }, { timeoutMs: 30_000, intervalMs: 250 });
}

test('a run upserts its phase for visibility and keeps the UI\'s current details in step with its steps', async () => {
  const client = peers.server.env.client;
  const handle = await client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: 'team-a.visible',
    args: [{ environmentId: 'team-a/visible', spec }],
    typedSearchAttributes: [{ key: tenantKey, value: 'team-a' }, { key: environmentKey, value: 'visible' }, { key: phaseKey, value: 'provisioning' }],
  });
  await waitFor('the environment to be ready', async () => (await handle.query(progressQuery)).phase === 'ready', { timeoutMs: 60_000, intervalMs: 250 });

  const listed = await listedIn('ready');
  assert.equal(listed.workflowId, 'team-a.visible');
  assert.equal(listed.typedSearchAttributes.get(environmentKey), 'visible');

  // The UI's "current details" come from this built-in query.
  const metadata = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
  const lines = metadata.currentDetails.split('\n');
  assert.equal(lines[0], '**visible**: ready');
  for (const step of (await handle.query(progressQuery)).steps) {
    assert.ok(lines.includes(`- ✔ ${step.id}${step.detail ? ` — ${step.detail}` : ''}`), `${step.id} shown done in ${metadata.currentDetails}`);
  }
  assert.ok(lines.includes('- ✔ k8s:nodes-ready/general — 2/2 nodes Ready'));

  await handle.signal('teardown', { reason: 'seen enough' });
  assert.equal((await handle.result()).endedBecause, 'seen enough');
  assert.equal((await listedIn('torn-down')).workflowId, 'team-a.visible');
  const closed = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
  assert.match(closed.currentDetails, /^\*\*visible\*\*: torn-down/);
  assert.deepEqual((await awsInventory(peers.aws.clientConfig)).clusters, []);
});

test('the sequential schedule (eksctl\'s order, the benchmark\'s baseline) runs one step at a time, in plan order', async () => {
  const client = peers.server.env.client;
  const handle = await client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: 'team-a.one-by-one', args: [{ environmentId: 'team-a/one-by-one', spec: { ...spec, name: 'one-by-one' }, schedule: 'sequential' }],
  });
  await waitFor('the environment to be ready', async () => (await handle.query(progressQuery)).phase === 'ready', { timeoutMs: 60_000, intervalMs: 250 });
  const steps = (await handle.query(progressQuery)).steps.map((s) => ({ id: s.id, from: Date.parse(s.startedAt!), to: Date.parse(s.endedAt!) })).sort((a, b) => a.from - b.from);
  for (const [i, step] of steps.entries()) {
    if (i > 0) assert.ok(step.from >= steps[i - 1]!.to, `${step.id} started before ${steps[i - 1]!.id} ended`);
  }
  await handle.signal('teardown', { reason: 'measured' });
  assert.equal((await handle.result()).endedBecause, 'measured');
});
