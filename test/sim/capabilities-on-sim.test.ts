import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createActivities } from '../../src/activities';
import { capabilityStepIds } from '../../src/domain/capability-plan';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import type { EnvironmentSpec } from '../../src/domain/environment-spec';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { simWorkerBed, untilReady } from '../support/sim-worker-bed';

// eksctl's examples 47 (ACK and kro capabilities on an Auto Mode cluster) and 43 (hybrid nodes)
// as the CLI would send them, built by the real workflow and activities on the simulated cloud,
// then rolled back or torn down. The simulated EKS plays CreateCapability, DescribeCapability and
// DeleteCapability (src/sim/aws/eks-capabilities.ts): moto has none of them.

const speedup = 100;
const taskQueue = 'capabilities-on-sim';
const bed = simWorkerBed({ speedup, seed: 'capabilities', taskQueue });
const examples = join(import.meta.dirname, '..', '..', '..', 'shared', 'upstream', 'eksctl-examples');

function example(file: string, name: string): EnvironmentSpec {
  const translated = translateClusterConfig(readFileSync(join(examples, file), 'utf8'));
  if (!translated.ok) throw new Error(JSON.stringify(translated.errors));
  // The simulated cloud is us-east-1's.
  return { ...translated.spec, name, region: 'us-east-1' };
}

const leftNothing = () => {
  const left = bed.cloud.aws.inventory();
  assert.deepEqual({ ...left, roles: left.roles.filter((r) => !r.startsWith('AWSServiceRole')) }, { clusters: [], nodegroups: [], fargateProfiles: [], roles: [], oidcProviders: [], repositories: [], vpcs: [], logGroups: [] });
};

test('example 47: the ACK and kro capabilities come up ACTIVE with the roles eksflow made, kro\'s access policy on the entry EKS made, and teardown leaves nothing', async () => {
  const spec = example('47-auto-mode-with-ack-kro-capabilities.yaml', 'caps');
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: 'team-a.caps', args: [{ environmentId: 'team-a/caps', spec, timeScale: speedup }],
  });
  const ready = await untilReady(handle, 'the capabilities environment');
  assert.ok(ready.steps.every((s) => s.state === 'done'), JSON.stringify(ready.steps.filter((s) => s.state !== 'done')));
  assert.ok(ready.steps.some((s) => s.id === capabilityStepIds.capability('ack-capability')) && ready.steps.some((s) => s.id === capabilityStepIds.capability('kro-capability')));

  const { eks, iam } = bed.cloud.aws;
  const ack = (await eks.describeCapability('caps', 'ack-capability'))!;
  const kro = (await eks.describeCapability('caps', 'kro-capability'))!;
  assert.deepEqual([ack.type, ack.status, kro.type, kro.status], ['ACK', 'ACTIVE', 'KRO', 'ACTIVE']);
  const ackRole = (await iam.getRole('caps-capability-ack-capability'))!;
  const kroRole = (await iam.getRole('caps-capability-kro-capability'))!;
  assert.equal(ack.roleArn, ackRole.arn);
  assert.equal(kro.roleArn, kroRole.arn);
  // The capability's tags beside the environment's ownership tags, on the capability and its role.
  assert.equal(ack.tags.Team, 'platform');
  assert.equal(ack.tags.Environment, 'dev');
  assert.ok(Object.keys(ack.tags).some((key) => key.startsWith('eksflow.io/')), JSON.stringify(ack.tags));
  assert.equal(ackRole.tags.Environment, 'dev');
  // Trusted by capabilities.eks.amazonaws.com (EKS user guide, "Amazon EKS capability IAM role"); attachPolicyARNs on ACK's role, none on kro's.
  const trust = JSON.parse(await iam.trustPolicyOf('caps-capability-ack-capability'));
  assert.deepEqual(trust.Statement[0].Principal, { Service: 'capabilities.eks.amazonaws.com' });
  assert.deepEqual(trust.Statement[0].Action, ['sts:AssumeRole', 'sts:TagSession']);
  assert.deepEqual(await iam.attachedPolicies('caps-capability-ack-capability'), ['arn:aws:iam::aws:policy/AdministratorAccess']);
  assert.deepEqual(await iam.attachedPolicies('caps-capability-kro-capability'), []);
  // kro's accessPolicies on the access entry EKS made for its role; ACK asked for none.
  assert.deepEqual((await eks.listAssociatedAccessPolicies('caps', kroRole.arn)).map((p) => [p.policyArn, p.scope.type]),
    [['arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy', 'cluster']]);
  assert.deepEqual(await eks.listAssociatedAccessPolicies('caps', ackRole.arn), []);
  // The two steps run at once: their ledger entries come in either order.
  assert.deepEqual(ready.ledger.filter((e) => e.kind === 'eks-capability').map((e) => `${e.name} ${e.state}`).sort(), ['caps/ack-capability confirmed', 'caps/kro-capability confirmed']);

  // A teardown without the run's ledger finds them too, by their tags (src/activities/discovery.ts).
  const found = await createActivities(bed.cloud.deps).discoverEnvironment({ environmentId: 'team-a/caps', region: 'us-east-1', cluster: 'caps' });
  assert.deepEqual(found.owned.filter((ref) => ref.kind === 'eks-capability').map((ref) => ref.name), ['caps/ack-capability', 'caps/kro-capability']);

  await handle.signal('teardown', { reason: 'capabilities done' });
  const result = await handle.result();
  assert.equal(result.endedBecause, 'capabilities done');
  // Each capability deleted (and waited out) on its own, before its role and the cluster.
  const deleted = result.ledger.filter((e) => e.kind === 'eks-capability').map((e) => e.state);
  assert.deepEqual(deleted, ['deleted', 'deleted'], JSON.stringify(result.ledger));
  assert.ok((bed.cloud.aws.calls()['eks:DeleteCapability'] ?? 0) >= 2);
  leftNothing();
});

test('a capability whose create answer is lost is rolled back: deleted once CREATING is over, then its role', async () => {
  const spec = { ...example('47-auto-mode-with-ack-kro-capabilities.yaml', 'caps-fail'), capabilities: [example('47-auto-mode-with-ack-kro-capabilities.yaml', 'x').capabilities![1]!] };
  // EKS makes the capability, then the answer is lost and the step fails for good.
  bed.cloud.aws.faults.failStep('CreateCapability', { when: 'after' });
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: 'team-a.caps-fail', args: [{ environmentId: 'team-a/caps-fail', spec, timeScale: speedup }],
  });
  await assert.rejects(handle.result());
  bed.cloud.aws.faults.clearFailSteps();
  const progress = await handle.query(progressQuery);
  assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
  const states = Object.fromEntries(progress.ledger.map((e) => [`${e.kind} ${e.name}`, e.state]));
  assert.equal(states['eks-capability caps-fail/kro-capability'], 'compensated', JSON.stringify(progress.ledger));
  assert.equal(states['iam-role caps-fail-capability-kro-capability'], 'compensated', JSON.stringify(progress.ledger));
  leftNothing();
});

test('example 43: the cluster carries the remote networks, the Hybrid Nodes role (SSM) has its HYBRID_LINUX entry, and teardown leaves nothing', async () => {
  const spec = example('43-hybrid-nodes.yaml', 'hybrid');
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: 'team-a.hybrid', args: [{ environmentId: 'team-a/hybrid', spec, timeScale: speedup }],
  });
  const ready = await untilReady(handle, 'the hybrid nodes environment');
  assert.ok(ready.steps.every((s) => s.state === 'done'), JSON.stringify(ready.steps.filter((s) => s.state !== 'done')));
  assert.ok(ready.steps.some((s) => s.id === capabilityStepIds.hybridNodes));

  const { eks, iam } = bed.cloud.aws;
  const cluster = (await eks.describeCluster('hybrid'))!;
  assert.deepEqual(cluster.remoteNetwork, { remoteNodeNetworks: [{ cidrs: ['10.80.146.0/24'] }] });
  const role = (await iam.getRole('hybrid-hybrid-nodes'))!;
  const trust = JSON.parse(await iam.trustPolicyOf('hybrid-hybrid-nodes'));
  assert.deepEqual(trust.Statement[0].Principal, { Service: 'ssm.amazonaws.com' });
  assert.deepEqual((await iam.attachedPolicies('hybrid-hybrid-nodes')).map((arn) => arn.split('/').pop()).sort(), ['AmazonEC2ContainerRegistryPullOnly', 'AmazonSSMManagedInstanceCore']);
  const entry = (await eks.describeAccessEntry('hybrid', role.arn))!;
  assert.equal(entry.type, 'HYBRID_LINUX');

  await handle.signal('teardown', { reason: 'hybrid done' });
  const result = await handle.result();
  assert.equal(result.endedBecause, 'hybrid done');
  assert.equal(result.ledger.find((e) => e.kind === 'eks-access-entry')?.state, 'deleted', JSON.stringify(result.ledger));
  leftNothing();
});
