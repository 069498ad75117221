import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { completeClusterConfig } from '../../src/cli/cluster-config-local';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import type { EnvironmentSpec } from '../../src/domain/environment-spec';
import { planEnvironment } from '../../src/domain/planner';
import type { provisionEnvironment } from '../../src/workflows';
import type { Progress } from '../../src/workflows/messages';
import { repoRoot } from '../support/paths';
import { simWorkerBed, untilReady } from '../support/sim-worker-bed';

// The seed's clusters written as eksctl ClusterConfigs (examples/eksctl/), each read as the CLI
// sends it (ssh keys read on the user's machine: here a fixture home), translated, planned and
// provisioned by the real workflow and activities on the simulated cloud, then torn down.

const speedup = 100;
const taskQueue = 'eksctl-configs-on-sim';
const bed = simWorkerBed({ speedup, seed: 'eksctl-configs', taskQueue });
const home = mkdtempSync(join(tmpdir(), 'eksflow-home-'));
mkdirSync(join(home, '.ssh'));
writeFileSync(join(home, '.ssh', 'id_rsa.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf0xmp2ewVo5EJOc6l1yJD0GPk1ZPxPpBrXdXsCgeSq author@laptop\n');
after(() => rmSync(home, { recursive: true, force: true }));

async function specOf(file: string): Promise<EnvironmentSpec> {
  const { text } = await completeClusterConfig(readFileSync(join(repoRoot, 'examples', 'eksctl', file), 'utf8'), { home });
  const translated = translateClusterConfig(text);
  assert.ok(translated.ok, `${file}: ${JSON.stringify(!translated.ok && translated.errors)}`);
  return translated.spec;
}

async function provisionAndTearDown(spec: EnvironmentSpec, check: (ready: Progress) => void | Promise<void>): Promise<void> {
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `team-a.${spec.name}`, args: [{ environmentId: `team-a/${spec.name}`, spec, timeScale: speedup }],
  });
  const ready = await untilReady(handle, spec.name);
  assert.ok(ready.steps.every((s) => s.state === 'done'), JSON.stringify(ready.steps.filter((s) => s.state !== 'done')));
  await check(ready);
  await handle.signal('teardown', { reason: 'done' });
  await handle.result();
  const left = bed.cloud.aws.inventory();
  const ours = Object.fromEntries(Object.entries(left).map(([kind, items]) => [kind, (items as string[]).filter((item) => !item.startsWith('AWSServiceRole'))]));
  assert.ok(Object.values(ours).every((items) => items.length === 0), `teardown left ${JSON.stringify(ours)}`);
}

const nodesOf = (cluster: string) => {
  const store = bed.cloud.kube.cluster(cluster)!.store;
  return store.list(store.typeOf('Node'), undefined) as { metadata: { labels?: Record<string, string> } }[];
};

test('the tutorial\'s cluster as its eksctl ClusterConfig (key read by the CLI, autoScaler node policies) plans and provisions', async () => {
  const spec = await specOf('tutorial-cluster.yaml');
  assert.match(spec.nodeGroups[0]?.ssh?.publicKey ?? '', /^ssh-ed25519 .* author@laptop$/);
  assert.deepEqual(spec.nodeGroups.map((group) => group.iam?.withAddonPolicies), [['autoScaler'], ['autoScaler']]);
  assert.ok(planEnvironment(spec).steps.length > 0);
  await provisionAndTearDown(spec, () => {
    assert.equal(nodesOf('awesomebuilder').length, 4);
  });
});

test('a managed group with a launch template eksflow makes (encrypted gp3, max pods, IMDSv2) plans and provisions', async () => {
  const spec = await specOf('launch-template-group.yaml');
  assert.deepEqual(spec.nodeGroups[0]?.volume, { type: 'gp3', iops: 4000, throughput: 250, encrypted: true });
  await provisionAndTearDown(spec, () => {
    assert.equal(nodesOf('lt-demo').length, 2);
  });
});

test('a self-managed Windows group beside a managed Linux one plans and provisions, Windows nodes labelled as such', async () => {
  const spec = await specOf('windows-beside-linux.yaml');
  assert.deepEqual(spec.nodeGroups.map((group) => [group.name, group.kind ?? 'managed', group.amiType]), [
    ['linux', 'managed', 'AL2023_x86_64_STANDARD'], ['windows', 'self-managed', 'WINDOWS_FULL_2022_x86_64'],
  ]);
  await provisionAndTearDown(spec, () => {
    const nodes = nodesOf('windows-demo');
    assert.equal(nodes.filter((node) => node.metadata.labels?.['kubernetes.io/os'] === 'windows').length, 2);
    assert.equal(nodes.length, 4);
  });
});

test('eksctl create cluster --fargate: no node groups, CoreDNS moved onto Fargate, plans and provisions', async () => {
  const spec = await specOf('fargate-only.yaml');
  assert.deepEqual(spec.nodeGroups, []);
  assert.ok(planEnvironment(spec).steps.some((step) => step.kind === 'coredns-fargate'));
  await provisionAndTearDown(spec, () => undefined);
});
