import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { policySize, policySizeLimits } from '../../src/domain/iam-policies/policy-document';
import { karpenterControllerPolicy } from '../../src/domain/iam-policies/karpenter';
import { karpenterStepIds } from '../../src/domain/karpenter-plan';
import type { ChangeRefusedError} from '../../src/domain/change-plan';
import { planChange } from '../../src/domain/change-plan';
import { planEnvironment, stepIds } from '../../src/domain/planner';

const base = {
  name: 'demo', region: 'us-east-1', network: { vpc: { cidr: '10.0.0.0/16' } },
  nodeGroups: [{ name: 'system', instanceTypes: ['m5.large'], minSize: 2, maxSize: 3, desiredSize: 2 }],
};
const spec = (extra: Record<string, unknown>): EnvironmentSpec => {
  const parsed = parseEnvironmentSpec({ ...base, ...extra });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  return parsed.spec;
};
const depsOf = (plan: ReturnType<typeof planEnvironment>, id: string) => plan.steps.find((s) => s.id === id)?.dependsOn;

test('addons.karpenter: its defaults are on-demand, consolidation after 1m, and an interruption queue', () => {
  assert.deepEqual(spec({ addons: { karpenter: {} } }).addons.karpenter, { nodePool: { capacityTypes: ['on-demand'], consolidateAfter: '1m' }, interruptionQueue: true });
  const refused = parseEnvironmentSpec({ ...base, addons: { karpenter: { nodePool: { capacityTypes: ['reserved'] }, identity: 'x' } } });
  assert.ok(!refused.ok);
  assert.deepEqual(refused.errors.map((e) => e.path).sort(), ['/addons/karpenter/identity', '/addons/karpenter/nodePool/capacityTypes/0']);
});

test('a Karpenter spec plans its AWS side before the controller, and the controller after its IRSA role', () => {
  const plan = planEnvironment(spec({ addons: { karpenter: {} } }));
  const ids = plan.steps.map((s) => s.id);
  for (const id of [...Object.values(karpenterStepIds), stepIds.irsaRole('karpenter'), stepIds.addon('karpenter')]) assert.ok(ids.includes(id), id);
  assert.deepEqual(depsOf(plan, stepIds.addon('karpenter')), [
    stepIds.cluster, stepIds.nodesReady('system'), stepIds.irsaRole('karpenter'),
    karpenterStepIds.nodeRole, karpenterStepIds.interruptionQueue, karpenterStepIds.discoveryTags, karpenterStepIds.nodeAccess,
  ]);
  assert.deepEqual(depsOf(plan, karpenterStepIds.discoveryTags), [stepIds.cluster, stepIds.network]);
  assert.deepEqual(depsOf(plan, karpenterStepIds.nodeAccess), [stepIds.cluster, karpenterStepIds.nodeRole]);

  const withoutQueue = planEnvironment(spec({ addons: { karpenter: { interruptionQueue: false } } }));
  assert.ok(!withoutQueue.steps.some((s) => s.id === karpenterStepIds.interruptionQueue));
});

test('a spec without Karpenter plans exactly as before: none of its steps', () => {
  const plan = planEnvironment(spec({ addons: { 'cluster-autoscaler': {} } }));
  assert.ok(!plan.steps.some((s) => s.kind.startsWith('karpenter') || s.id.includes('karpenter')));
});

test('the active autoscaling check can watch Karpenter grow its NodePool, after the controller is installed', () => {
  const plan = planEnvironment(spec({ addons: { karpenter: {} }, autoscaling: { verify: 'active' } }));
  assert.deepEqual(depsOf(plan, stepIds.autoscalingCheck), [stepIds.addon('karpenter')]);
});

test('both node autoscalers are refused, naming the pair', () => {
  assert.throws(() => planEnvironment(spec({ addons: { karpenter: {}, 'cluster-autoscaler': {} } })), /cluster-autoscaler conflicts with karpenter: both would scale the nodes; choose one/);
});

test('the controller policy fits a role\'s inline policy limit', () => {
  const policy = karpenterControllerPolicy({ cluster: 'a'.repeat(100), region: 'ap-southeast-2', partition: 'aws', account: '123456789012', nodeRoleArn: `arn:aws:iam::123456789012:role/${'a'.repeat(64)}`, queueArn: 'arn:aws:sqs:ap-southeast-2:123456789012:q' });
  assert.ok(policySize(policy) < policySizeLimits.roleInline, `${policySize(policy)} characters`);
});

test('a change cannot add, change or remove Karpenter: its AWS side is made only with the environment', () => {
  const without = spec({});
  const withKarpenter = spec({ addons: { karpenter: {} } });
  for (const [live, next] of [[without, withKarpenter], [withKarpenter, without], [withKarpenter, spec({ addons: { karpenter: { interruptionQueue: false } } })]] as const) {
    assert.throws(() => planChange(live, next), (error: ChangeRefusedError) => error.problems.some((p) => p.path === '/addons/karpenter' && /cannot be added, changed or removed by apply yet/.test(p.message)));
  }
  // A change elsewhere leaves it alone.
  assert.ok(planChange(withKarpenter, spec({ addons: { karpenter: {} }, controlPlaneLogging: ['api'] })).steps.length > 0);
});

test('Karpenter with identity pod-identity: a Pod Identity role, the agent and the association before the controller, no IRSA role; refused where the controller would run on Fargate', () => {
  const plan = planEnvironment(spec({ addons: { karpenter: { identity: 'pod-identity' } } }));
  const ids = plan.steps.map((s) => s.id);
  assert.ok(!ids.includes(stepIds.irsaRole('karpenter')), 'no IRSA role');
  assert.equal(plan.steps.find((s) => s.id === 'iam:pod-identity/karpenter')?.kind, 'addon-pod-identity-role');
  assert.deepEqual(depsOf(plan, 'eks:pod-identity-association/kube-system/karpenter'), ['iam:pod-identity/karpenter', stepIds.cluster, 'eks:addon/eks-pod-identity-agent']);
  assert.ok(depsOf(plan, stepIds.addon('karpenter'))!.includes('eks:pod-identity-association/kube-system/karpenter'));
  // The agent once, when the core add-ons install it too.
  const withAgent = planEnvironment(spec({ addons: { karpenter: { identity: 'pod-identity' } }, eksAddons: { 'eks-pod-identity-agent': {} } }));
  assert.equal(withAgent.steps.filter((s) => s.id === 'eks:addon/eks-pod-identity-agent').length, 1);
  // Without it the plan is what it was: IRSA.
  assert.ok(planEnvironment(spec({ addons: { karpenter: {} } })).steps.some((s) => s.id === stepIds.irsaRole('karpenter')));
  assert.throws(() => planEnvironment(spec({
    nodeGroups: [], fargateProfiles: [{ name: 'system', selectors: [{ namespace: 'kube-system' }] }], addons: { karpenter: { identity: 'pod-identity' } },
  })), /\/addons\/karpenter\/identity: EKS Pod Identity works only on EC2 nodes/);
});
