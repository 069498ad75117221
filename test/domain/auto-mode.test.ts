import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appManifests } from '../../src/domain/app-manifests';
import { autoModeClusterConfig, autoModeClusterPolicies, autoModeNodePolicies } from '../../src/domain/auto-mode';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { describePlan, InvalidPlanError, planEnvironment, stepIds } from '../../src/domain/planner';

const base = {
  name: 'auto',
  region: 'us-east-1',
  network: { vpc: { cidr: '10.0.0.0/16' } },
  image: { uri: 'public.ecr.aws/nginx/nginx:1.27' },
  app: { name: 'web', containerPort: 80 },
};

function parse(overrides: Record<string, unknown> = {}) {
  return parseEnvironmentSpec({ ...base, autoMode: {}, ...overrides });
}

function spec(overrides: Record<string, unknown> = {}): EnvironmentSpec {
  const result = parse(overrides);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.spec;
}

function planErrors(s: EnvironmentSpec): { path: string; message: string }[] {
  try {
    planEnvironment(s);
  } catch (error) {
    if (error instanceof InvalidPlanError) return error.problems;
    throw error;
  }
  return [];
}

test('autoMode is somewhere to run pods: no node group or Fargate profile needed, both built-in pools by default', () => {
  const parsed = spec();
  assert.deepEqual(parsed.autoMode, { nodePools: ['general-purpose', 'system'] });
  const without = parseEnvironmentSpec(base);
  assert.equal(without.ok, false, 'without autoMode the rule still holds');
  if (!without.ok) assert.match(without.errors.find((e) => e.path === '/nodeGroups')!.message, /somewhere to run pods/);
});

test('a node role with no built-in node pools is refused, as eksctl refuses it', () => {
  const result = parse({ autoMode: { nodePools: [], nodeRoleArn: 'arn:aws:iam::123456789012:role/nodes' }, app: undefined, image: undefined });
  assert.equal(result.ok, false);
  if (!result.ok) assert.deepEqual(result.errors.map((e) => e.path), ['/autoMode/nodeRoleArn']);
});

test('the plan leaves out what Auto Mode provides and says so', () => {
  const plan = planEnvironment(spec({ serviceAccounts: [{ namespace: 'web', name: 'web', identity: 'pod-identity', managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] }] }));
  const ids = plan.steps.map((s) => s.id);
  assert.ok(!ids.some((id) => id.startsWith('eks:nodegroup/') || id.startsWith('k8s:nodes-ready/') || id.startsWith('eks:fargate-profile/')));
  assert.ok(!ids.includes(stepIds.addon('aws-load-balancer-controller')), 'no Load Balancer Controller');
  assert.ok(!ids.some((id) => id.startsWith('eks:addon/')), 'no core add-on, not even the Pod Identity Agent');
  const app = plan.steps.find((s) => s.id === stepIds.app)!;
  assert.ok(app.dependsOn.includes(stepIds.kubeApiReady), 'the app waits for the API, not for nodes: Auto Mode makes them for its pending pods');
  // The node role (made by eksflow) comes before the cluster, which names it.
  assert.ok(plan.steps.find((s) => s.id === stepIds.cluster)!.dependsOn.includes(stepIds.nodeRole));
  assert.match(plan.steps.find((s) => s.id === stepIds.cluster)!.title, /EKS Auto Mode.*general-purpose, system/);
  assert.equal(plan.notes?.length, 1);
  assert.match(plan.notes![0]!, /^provided by EKS Auto Mode .*load balancing.*no AWS Load Balancer Controller.*EBS CSI driver.*vpc-cni, coredns, kube-proxy or eks-pod-identity-agent/);
  assert.match(describePlan(plan), /\nnote: provided by EKS Auto Mode/);
});

test('a given node role, or no built-in pools, makes no node role step', () => {
  const given = planEnvironment(spec({ autoMode: { nodeRoleArn: 'arn:aws:iam::123456789012:role/auto-nodes' } }));
  assert.ok(!given.steps.some((s) => s.id === stepIds.nodeRole));
  const none = planEnvironment(spec({ autoMode: { nodePools: [] }, app: undefined, image: undefined }));
  assert.ok(!none.steps.some((s) => s.id === stepIds.nodeRole));
  assert.match(none.notes![0]!, /none built in; add your own NodePools/);
});

test('a plan without autoMode has no notes and keeps the Load Balancer Controller', () => {
  const plan = planEnvironment(spec({ autoMode: undefined, nodeGroups: [{ name: 'ng', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }], addons: { 'aws-load-balancer-controller': {} } }));
  assert.equal(plan.notes, undefined);
  assert.ok(plan.steps.find((s) => s.id === stepIds.app)!.dependsOn.includes(stepIds.addon('aws-load-balancer-controller')));
  assert.doesNotMatch(describePlan(plan), /note:/);
});

test('what conflicts with Auto Mode is refused, each with its reason', () => {
  const problems = planErrors(spec({
    addons: { 'aws-load-balancer-controller': {}, 'cluster-autoscaler': {}, karpenter: {}, 'metrics-server': {} },
    eksAddons: { 'vpc-cni': {}, 'aws-ebs-csi-driver': {} },
  }));
  const byPath = new Map(problems.map((p) => [p.path, p.message]));
  assert.match(byPath.get('/addons/aws-load-balancer-controller')!, /own load balancer controller.*eks\.amazonaws\.com\/nlb/);
  assert.match(byPath.get('/addons/cluster-autoscaler')!, /scales the nodes itself/);
  assert.match(byPath.get('/addons/karpenter')!, /Karpenter run by EKS/);
  assert.match(byPath.get('/eksAddons/vpc-cni')!, /provides it/);
  assert.match(byPath.get('/eksAddons/aws-ebs-csi-driver')!, /block storage/);
  assert.ok(!byPath.has('/addons/metrics-server'), 'other add-ons run on Auto Mode\'s nodes');
  assert.ok(!byPath.has('/app'), 'the app needs no Load Balancer Controller');
});

test('the app needs the general-purpose pool; node groups beside Auto Mode are not built yet', () => {
  const system = planErrors(spec({ autoMode: { nodePools: ['system'] } }));
  assert.deepEqual(system.map((p) => p.path), ['/autoMode/nodePools']);
  assert.match(system[0]!.message, /CriticalAddonsOnly/);
  const mixed = planErrors(spec({ nodeGroups: [{ name: 'ng', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }] }));
  assert.deepEqual(mixed.map((p) => p.path), ['/nodeGroups']);
});

test('CreateCluster\'s Auto Mode parameters: all three capabilities on, no self-managed add-ons, the role only with pools', () => {
  assert.deepEqual(autoModeClusterConfig({ nodePools: ['general-purpose', 'system'] }, 'arn:aws:iam::123456789012:role/auto-node'), {
    computeConfig: { enabled: true, nodePools: ['general-purpose', 'system'], nodeRoleArn: 'arn:aws:iam::123456789012:role/auto-node' },
    storageConfig: { blockStorage: { enabled: true } }, elasticLoadBalancing: { enabled: true }, bootstrapSelfManagedAddons: false,
  });
  assert.deepEqual(autoModeClusterConfig({ nodePools: [] }, undefined).computeConfig, { enabled: true });
  assert.deepEqual(autoModeClusterPolicies.map((arn) => arn.split('/').pop()), ['AmazonEKSComputePolicy', 'AmazonEKSBlockStoragePolicy', 'AmazonEKSLoadBalancingPolicy', 'AmazonEKSNetworkingPolicy']);
  assert.deepEqual(autoModeNodePolicies.map((arn) => arn.split('/').pop()), ['AmazonEKSWorkerNodeMinimalPolicy', 'AmazonEC2ContainerRegistryPullOnly']);
});

test('on Auto Mode the app\'s Service is of Auto Mode\'s class', () => {
  const app = spec().app!;
  assert.equal(appManifests(app, 'img', { environment: 'auto' }, { loadBalancerClass: 'eks.amazonaws.com/nlb' }).service.spec?.loadBalancerClass, 'eks.amazonaws.com/nlb');
  assert.equal(appManifests(app, 'img', { environment: 'auto' }).service.spec?.loadBalancerClass, 'service.k8s.aws/nlb');
});
