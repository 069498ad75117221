import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import { planEnvironment } from '../../src/domain/planner';
import type { provisionEnvironment } from '../../src/workflows';
import { eksctlExamplesDir } from '../support/paths';
import { simWorkerBed, untilReady } from '../support/sim-worker-bed';

// eksctl's example 28 (instanceSelector on a self-managed and a managed group) translated,
// planned and provisioned by the real workflow on the simulated cloud: each group gets the
// types EC2 GetInstanceTypesFromInstanceRequirements answers in its region (the simulated
// EC2's, over the shipped table), the managed group as its instanceTypes, the self-managed
// one as its Auto Scaling group's mixed instances; the teardown leaves nothing.

const speedup = 100;
const taskQueue = 'instance-selector-on-sim';
const bed = simWorkerBed({ speedup, seed: 'instance-selector', taskQueue });

test('example 28: both selector groups made with the types EC2 picks, shown on their steps, and torn down', async () => {
  const translated = translateClusterConfig(readFileSync(join(eksctlExamplesDir, '28-instance-selector.yaml'), 'utf8'));
  assert.ok(translated.ok, JSON.stringify(!translated.ok && translated.errors));
  const spec = translated.spec;
  const [mng, ng] = [spec.nodeGroups.find((g) => g.name === 'mng')!, spec.nodeGroups.find((g) => g.name === 'ng')!];
  assert.deepEqual([mng.instanceTypes, ng.instanceTypes], [[], []], 'the types are left to the selectors');
  const plan = planEnvironment(spec);
  assert.match(plan.steps.find((s) => s.id === 'eks:nodegroup/mng')!.title, /\(t3\.small, t3a\.small; /);

  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `team-a.${spec.name}`, args: [{ environmentId: `team-a/${spec.name}`, spec, timeScale: speedup }],
  });
  const ready = await untilReady(handle, spec.name);
  assert.ok(ready.steps.every((s) => s.state === 'done'), JSON.stringify(ready.steps.filter((s) => s.state !== 'done')));
  const aws = bed.cloud.aws.forRegion(spec.region);
  const calls = bed.cloud.aws.calls();
  assert.equal(calls['ec2:GetInstanceTypesFromInstanceRequirements'], 2, `one question per group: ${JSON.stringify(calls)}`);

  // The managed group: the two 2 vCPU / 2 GiB x86_64 types without accelerators.
  assert.deepEqual(aws.eks.state.nodegroup(spec.name, 'mng').instanceTypes, ['t3.small', 't3a.small']);
  const store = bed.cloud.kube.inRegion(spec.region).cluster(spec.name)!.store;
  const nodes = store.list(store.typeOf('Node'), undefined) as { metadata: { labels?: Record<string, string> } }[];
  const typesOf = (label: string, group: string) => nodes.filter((n) => n.metadata.labels?.[label] === group).map((n) => n.metadata.labels?.['node.kubernetes.io/instance-type']);
  assert.deepEqual(typesOf('eks.amazonaws.com/nodegroup', 'mng'), ['t3.small', 't3.small'], 'EKS launched the first type it was given');
  assert.match(ready.steps.find((s) => s.id === 'eks:nodegroup/mng')!.detail ?? '', /^instanceSelector picked t3\.small, t3a\.small; /);

  // The self-managed group: its Auto Scaling group launches any of the 2 vCPU / 4 GiB types.
  const asg = await aws.autoscaling.describeAutoScalingGroup(`${spec.name}-ng`);
  const mixed = asg!.mixedInstanceTypes ?? [];
  assert.ok(mixed.length > 1 && mixed.length <= 40, mixed.join(', '));
  for (const type of ['t3.medium', 'c5.large', 'm5.large']) assert.equal(mixed.includes(type), type !== 'm5.large', `${type} (${mixed.join(', ')})`);
  assert.deepEqual(mixed, [...mixed].sort());
  assert.deepEqual(mixed, plan.steps.find((s) => s.id === 'ec2:self-managed-nodegroup/ng')!.title.match(/\(([^;]+);/)![1]!.split(', '), 'the plan showed what the run made');

  await handle.signal('teardown', { reason: 'done' });
  await handle.result();
  const left = aws.inventory();
  const ours = Object.fromEntries(Object.entries(left).map(([kind, items]) => [kind, (items as string[]).filter((item) => !item.startsWith('AWSServiceRole'))]));
  assert.ok(Object.values(ours).every((items) => items.length === 0), `teardown left ${JSON.stringify(ours)}`);
  assert.deepEqual(aws.autoscaling.inventory(), { autoScalingGroups: [], launchTemplates: [], instanceProfiles: [] });
});
