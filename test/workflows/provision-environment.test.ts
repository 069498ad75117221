import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { awsActivityDeps } from '../../src/activities/aws/clients';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { progressQuery, type Progress } from '../../src/workflows/messages';
import type { provisionEnvironment } from '../../src/workflows';
import { workflowsPath } from '../../worker';
import { awsInventory, type Inventory } from '../support/aws-inventory';
import { withFault, type Fault } from '../support/faults';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { moto, type Moto } from '../support/moto';
import { waitFor } from '../support/process';
import { timeSkippingEnv } from '../support/temporal';

let env: TestWorkflowEnvironment;
let aws: Moto;
let cluster: KubeControlPlane;
let bundle: { code: string };

before(async () => {
  [env, aws, cluster] = await Promise.all([
    timeSkippingEnv(),
    moto(),
    kubeControlPlane({ nodes: 2, nodeLabels: { 'eks.amazonaws.com/nodegroup': 'general' } }),
  ]);
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  bundle = await bundleWorkflowCode({ workflowsPath, logger: undefined });
});
afterEach(() => aws.reset());
after(async () => {
  await Promise.all([env?.teardown(), aws?.stop(), cluster?.stop()]);
});

function specWith(overrides: Record<string, unknown> = {}): EnvironmentSpec {
  const result = parseEnvironmentSpec({
    name: 'demo',
    region: 'us-east-1',
    tags: { team: 'platform' },
    network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
    controlPlaneLogging: ['api', 'audit'],
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }],
    ...overrides,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.spec;
}

let runs = 0;
/** Runs provisionEnvironment on a fresh worker whose activities may carry one injected fault. */
async function provision(spec: EnvironmentSpec, fault?: Fault, whileRunning?: (handle: { workflowId: string }) => Promise<void>) {
  const taskQueue = `provision-${++runs}`;
  const activities = withFault(createActivities({ ...awsActivityDeps(aws.clientConfig), kube: kubeconfigAccess(cluster.kubeconfigPath) }), fault);
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
      taskQueue, workflowId: `team-a.${spec.name}.${runs}`, args: [{ environmentId: `team-a/${spec.name}`, spec }],
    });
    await whileRunning?.(handle);
    try {
      return { result: await handle.result(), progress: await handle.query(progressQuery) };
    } catch (error) {
      return { error, progress: await handle.query(progressQuery) };
    }
  });
}

const empty: Inventory = { clusters: [], nodegroups: [], fargateProfiles: [], roles: [], oidcProviders: [], repositories: [] };

test('a run provisions roles, cluster, logging, OIDC provider and a node group whose nodes turn Ready', async () => {
  const { result, progress } = await provision(specWith());
  assert.ok(result, 'the run succeeded');
  assert.equal(progress.phase, 'ready');
  assert.ok(progress.steps.every((step) => step.state === 'done'), JSON.stringify(progress.steps));
  const issuer = result.cluster.oidcIssuer!.replace('https://', '');
  assert.deepEqual(result.ledger.map((e) => `${e.kind} ${e.name} ${e.state}`).sort(), [
    'eks-cluster demo confirmed', 'eks-nodegroup demo/general confirmed', 'iam-role demo-cluster confirmed', 'iam-role demo-node confirmed', `oidc-provider ${issuer} confirmed`,
  ]);
  // Rollback walks the ledger backwards, so its order must be creation order.
  const position = (kind: string) => result.ledger.findIndex((e) => e.kind === kind);
  assert.ok(position('iam-role') < position('eks-cluster') && position('eks-cluster') < position('eks-nodegroup'));
  assert.equal(progress.steps.find((s) => s.id === 'k8s:nodes-ready/general')?.detail, '2/2 nodes Ready');
  const inventory = await awsInventory(aws.clientConfig);
  assert.deepEqual(inventory.clusters, ['demo']);
  assert.deepEqual(inventory.nodegroups, ['demo/general']);
  assert.deepEqual(inventory.roles, ['demo-cluster', 'demo-node']);
  assert.equal(inventory.oidcProviders.length, 1);
});

// A failure at every step, before AWS acts and after (the response lost), must leave nothing behind.
const faults: Fault[] = [
  { activity: 'ensureRole', when: 'before', matches: (input) => (input as { name: string }).name === 'demo-node' },
  { activity: 'ensureRole', when: 'after', matches: (input) => (input as { name: string }).name === 'demo-cluster' },
  { activity: 'ensureCluster', when: 'before' },
  { activity: 'ensureCluster', when: 'after' },
  { activity: 'ensureControlPlaneLogging', when: 'after' },
  { activity: 'ensureOidcProvider', when: 'after' },
  { activity: 'ensureNodegroup', when: 'before' },
  { activity: 'ensureNodegroup', when: 'after' },
  { activity: 'waitForNodesReady', when: 'before' },
];
for (const fault of faults) {
  test(`a failure ${fault.when} ${fault.activity}${fault.matches ? ' (one call)' : ''} rolls back to the inventory before the run`, async () => {
    const before = await awsInventory(aws.clientConfig);
    assert.deepEqual(before, empty);
    const { error, progress } = await provision(specWith(), fault);
    assert.ok(error instanceof WorkflowFailedError, `the run failed: ${String(error)}`);
    assert.match(String((error.cause as Error)?.message), /everything this run made was deleted/);
    assert.equal(progress.phase, 'rolled-back');
    assert.ok(progress.ledger.every((e) => e.state === 'compensated'), JSON.stringify(progress.ledger));
    assert.deepEqual(await awsInventory(aws.clientConfig), before);
  });
}

test('onFailure keep leaves what was made and says so', async () => {
  const { error, progress } = await provision(specWith({ onFailure: 'keep' }), { activity: 'ensureNodegroup', when: 'before' });
  assert.ok(error instanceof WorkflowFailedError);
  assert.equal(progress.phase, 'failed');
  assert.deepEqual((await awsInventory(aws.clientConfig)).clusters, ['demo']);
});

test('cancelling a run mid-way rolls it back', async () => {
  // No simulated node carries this group's label, so the run waits on nodes until cancelled.
  const spec = specWith({ nodeGroups: [{ name: 'lonely', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }] });
  const { error, progress } = await provision(spec, undefined, async ({ workflowId }) => {
    const handle = env.client.workflow.getHandle(workflowId);
    await waitFor('the run to wait for nodes', async () => {
      const state: Progress = await handle.query(progressQuery);
      return state.steps.find((s) => s.id === 'k8s:nodes-ready/lonely')?.state === 'running';
    }, { timeoutMs: 30_000, intervalMs: 200 });
    await handle.cancel();
  });
  assert.ok(error instanceof WorkflowFailedError, String(error));
  assert.equal(progress.phase, 'rolled-back');
  assert.deepEqual(await awsInventory(aws.clientConfig), empty);
});
