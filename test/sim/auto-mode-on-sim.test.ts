import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { autoModeLoadBalancerClass, autoModeNodeLabels } from '../../src/domain/auto-mode';
import { parseEnvironmentSpec } from '../../src/domain/environment-spec';
import { stepIds } from '../../src/domain/planner';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { simWorkerBed, untilReady } from '../support/sim-worker-bed';

// The tutorial's app on an EKS Auto Mode cluster, by the real workflow and activities on the
// simulated cloud: no node group, no Load Balancer Controller, no cluster-autoscaler; Auto Mode's
// own node and load balancing (src/sim/kube/controllers/auto-mode.ts, load-balancers.ts) serve it.

const speedup = 100;
const taskQueue = 'auto-mode-on-sim';
const bed = simWorkerBed({ speedup, seed: 'auto-mode', taskQueue });

const tutorial = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'tutorial', 'environment.json'), 'utf8')) as Record<string, unknown> & { addons: Record<string, unknown> };
// What Auto Mode provides or refuses (src/domain/auto-mode.ts) is left out; the other add-ons stay.
const addons = Object.fromEntries(Object.entries(tutorial.addons).filter(([name]) => name !== 'aws-load-balancer-controller' && name !== 'cluster-autoscaler'));
const parsed = parseEnvironmentSpec({ ...tutorial, name: 'auto', nodeGroups: [], autoMode: {}, addons, autoscaling: { verify: 'passive' } });
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const spec = parsed.spec;

test('the tutorial app comes up on an Auto Mode cluster, its NLB made by Auto Mode, and teardown leaves nothing', async () => {
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: 'team-a.auto', args: [{ environmentId: 'team-a/auto', spec, timeScale: speedup }],
  });
  const ready = await untilReady(handle, 'the Auto Mode environment');
  assert.ok(ready.steps.every((s) => s.state === 'done'), JSON.stringify(ready.steps.filter((s) => s.state !== 'done')));
  const ids = ready.steps.map((s) => s.id);
  assert.ok(ids.includes(stepIds.nodeRole), 'eksflow made the node role');
  assert.ok(!ids.some((id) => id === stepIds.addon('aws-load-balancer-controller') || id.startsWith('eks:nodegroup/')), JSON.stringify(ids));
  assert.match(ready.appUrl ?? '', /^http:\/\/k8s-awesomeb.*\.elb\.us-east-1\.amazonaws\.com(:80)?\/?$/);

  // EKS: Auto Mode on, with eksflow's node role; the roles carry Auto Mode's policies; EKS made the node role's access entry.
  const { eks, iam } = bed.cloud.aws;
  const cluster = (await eks.describeCluster('auto'))!;
  const nodeRole = (await iam.getRole('auto-node'))!;
  assert.deepEqual(cluster.autoMode, { nodePools: ['general-purpose', 'system'], nodeRoleArn: nodeRole.arn, blockStorage: true, elasticLoadBalancing: true });
  assert.deepEqual((await iam.attachedPolicies('auto-cluster')).map((arn) => arn.split('/').pop()).sort(),
    ['AmazonEKSBlockStoragePolicy', 'AmazonEKSClusterPolicy', 'AmazonEKSComputePolicy', 'AmazonEKSLoadBalancingPolicy', 'AmazonEKSNetworkingPolicy']);
  assert.deepEqual((await iam.attachedPolicies('auto-node')).map((arn) => arn.split('/').pop()).sort(), ['AmazonEC2ContainerRegistryPullOnly', 'AmazonEKSWorkerNodeMinimalPolicy']);
  assert.deepEqual(JSON.parse(await iam.trustPolicyOf('auto-cluster')).Statement[0].Action, ['sts:AssumeRole', 'sts:TagSession']);
  const entry = (await eks.describeAccessEntry('auto', nodeRole.arn))!;
  assert.equal(entry.type, 'EC2');
  assert.deepEqual((await eks.listAssociatedAccessPolicies('auto', nodeRole.arn)).map((p) => p.policyArn), ['arn:aws:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy']);
  assert.equal(bed.cloud.aws.calls()['eks:CreateNodegroup'] ?? 0, 0);

  // Kubernetes: the app runs on Auto Mode's node, its Service of Auto Mode's class; no self-managed add-ons.
  const config = await bed.cloud.deps.kube.forCluster('auto');
  const core = config.makeApiClient(CoreV1Api);
  const service = await core.readNamespacedService({ name: 'awesomebuilder', namespace: 'awesomebuilder' });
  assert.equal(service.spec?.loadBalancerClass, autoModeLoadBalancerClass);
  assert.deepEqual(service.metadata?.finalizers, ['service.eks.amazonaws.com/resources']);
  const nodes = (await core.listNode()).items;
  assert.deepEqual(nodes.map((n) => [n.metadata?.labels?.[autoModeNodeLabels.computeType], n.metadata?.labels?.[autoModeNodeLabels.nodePool]]), [['auto', 'general-purpose']]);
  const pods = (await core.listNamespacedPod({ namespace: 'awesomebuilder' })).items;
  assert.ok(pods.length >= 2 && pods.every((p) => p.spec?.nodeName === nodes[0]!.metadata?.name), 'the app\'s pods run on the Auto Mode node');
  const system = (await core.listNamespacedPod({ namespace: 'kube-system' })).items.map((p) => p.metadata?.name ?? '');
  assert.ok(!system.some((name) => /^(coredns|aws-node|kube-proxy)-/.test(name)), `no self-managed add-ons: ${system.join(', ')}`);

  await handle.signal('teardown', { reason: 'auto mode done' });
  const result = await handle.result();
  assert.equal(result.endedBecause, 'auto mode done');
  const left = bed.cloud.aws.inventory();
  assert.deepEqual({ ...left, roles: left.roles.filter((r) => !r.startsWith('AWSServiceRole')) }, { clusters: [], nodegroups: [], fargateProfiles: [], roles: [], oidcProviders: [], repositories: [], vpcs: [], logGroups: [] });
});

test('a failure right after CreateCluster rolls back the Auto Mode cluster and both roles, the node role after the cluster', async () => {
  // EKS makes the cluster, then the answer is lost and the step fails for good.
  bed.cloud.aws.faults.failStep('CreateCluster', { when: 'after' });
  const failing = parseEnvironmentSpec({ ...tutorial, name: 'auto-fails', nodeGroups: [], autoMode: {}, addons: {}, app: undefined, image: undefined, autoscaling: undefined });
  if (!failing.ok) throw new Error(JSON.stringify(failing.errors));
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: 'team-a.auto-fails', args: [{ environmentId: 'team-a/auto-fails', spec: failing.spec, timeScale: speedup }],
  });
  await assert.rejects(handle.result());
  bed.cloud.aws.faults.clearFailSteps();
  const progress = await handle.query(progressQuery);
  assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
  for (const name of ['auto-fails-cluster', 'auto-fails-node']) {
    assert.equal(progress.ledger.find((e) => e.kind === 'iam-role' && e.name === name)?.state, 'compensated', `${name}: ${JSON.stringify(progress.ledger)}`);
  }
  const left = bed.cloud.aws.inventory();
  assert.deepEqual({ clusters: left.clusters, roles: left.roles.filter((r) => r.startsWith('auto-fails-')), vpcs: left.vpcs }, { clusters: [], roles: [], vpcs: [] });
});
