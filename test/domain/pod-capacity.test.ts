import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { InvalidPlanError, planEnvironment } from '../../src/domain/planner';
import { checkPodCapacity, podDemand } from '../../src/domain/pod-capacity';

function spec(overrides: Record<string, unknown> = {}): EnvironmentSpec {
  const result = parseEnvironmentSpec({
    name: 'capacity', region: 'us-east-1',
    network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }],
    ...overrides,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.spec;
}

const withApp = (replicas: number, nodeGroups: unknown[], extra: Record<string, unknown> = {}) => spec({
  nodeGroups, image: { uri: 'registry.example/web:1' }, addons: { 'aws-load-balancer-controller': {} },
  app: { name: 'web', replicas, containerPort: 8080 }, ...extra,
});

const refusal = (s: EnvironmentSpec) => {
  try {
    planEnvironment(s);
  } catch (error) {
    assert.ok(error instanceof InvalidPlanError, String(error));
    return error;
  }
  assert.fail('the plan was not refused');
};

test('a spec that fits plans as before: no warnings field', () => {
  const plan = planEnvironment(withApp(4, [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }]));
  assert.equal('warnings' in plan, false);
  assert.deepEqual(checkPodCapacity(withApp(4, [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }])).problems, []);
});

test('pods that cannot fit even at maxSize are refused at /nodeGroups, with the numbers and the ways out', () => {
  // t3.micro: 2 ENIs × (2 − 1) + 2 = 4 pods, 2 of them aws-node and kube-proxy: 2 free per node.
  // coredns 2 + load balancer controller 2 + the app's 10 = 14 pods; 2 nodes at most give 4.
  const error = refusal(withApp(10, [{ name: 'tiny', instanceTypes: ['t3.micro'], minSize: 1, desiredSize: 1, maxSize: 2 }]));
  assert.equal(error.problems.length, 1);
  assert.equal(error.problems[0]!.path, '/nodeGroups');
  assert.equal(error.problems[0]!.message,
    'the pods do not fit even at maxSize: 14 pods beside the DaemonSets (coredns 2, aws-load-balancer-controller 2, web 10) and only 4 free slots '
    + '(tiny: 4 per t3.micro node (2 ENIs × (2 − 1) + 2 = 4), 2 of them DaemonSets\'); '
    + 'give more nodes (maxSize of tiny 7 or more), or a bigger instance type, or prefix delegation (eksAddons.vpc-cni.prefixDelegation, Nitro instances)');
  assert.match(error.message, /^\/nodeGroups: the pods do not fit even at maxSize/);
});

test('the way out it names works: prefix delegation, or maxSize 7', () => {
  const tiny = { name: 'tiny', instanceTypes: ['t3.micro'], minSize: 1, desiredSize: 1, maxSize: 2 };
  assert.doesNotThrow(() => planEnvironment(withApp(10, [{ ...tiny, maxSize: 7 }])));
  assert.doesNotThrow(() => planEnvironment(withApp(10, [tiny], { eksAddons: { 'vpc-cni': { prefixDelegation: { warmPrefixTarget: 1 } } } })));
  assert.throws(() => planEnvironment(withApp(10, [{ ...tiny, maxSize: 6 }])), InvalidPlanError);
});

test('pods that fit only above desiredSize are a warning the plan carries', () => {
  // m5.large: 29 pods, 27 free beside the two DaemonSets; 2 + 2 + 40 = 44 pods: one node gives 27, three give 81.
  const plan = planEnvironment(withApp(40, [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 3 }]));
  assert.deepEqual(plan.warnings, [{
    path: '/nodeGroups',
    message: 'the 44 pods beside the DaemonSets (coredns 2, aws-load-balancer-controller 2, web 40) fit only when the node groups grow past desiredSize: 27 free slots at desiredSize, 81 at maxSize '
      + '(general: 29 per m5.large node (3 ENIs × (10 − 1) + 2 = 29), 2 of them DaemonSets\'); nothing grows them without the cluster-autoscaler add-on',
  }]);
  const steps = planEnvironment(withApp(4, [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 3 }])).steps.map((s) => s.id);
  assert.deepEqual(plan.steps.map((s) => s.id), steps, 'a warning adds no step');
});

test('the HPA\'s maxReplicas is what must fit', () => {
  const groups = [{ name: 'tiny', instanceTypes: ['t3.medium'], minSize: 1, desiredSize: 2, maxSize: 2 }];
  const hpa = (maxReplicas: number) => withApp(2, groups, {
    addons: { 'aws-load-balancer-controller': {}, 'metrics-server': {} },
    app: { name: 'web', replicas: 2, containerPort: 8080, hpa: { minReplicas: 2, maxReplicas } },
  });
  // t3.medium: 17 pods, 15 free; two nodes: 30; coredns 2 + LBC 2 + metrics-server 1 = 5.
  assert.doesNotThrow(() => planEnvironment(hpa(25)));
  assert.match(refusal(hpa(26)).problems[0]!.message, /31 pods .*web 26\) and only 30 free slots.*or a lower app\.hpa\.maxReplicas$/);
});

test('nodes too small for the DaemonSets every node runs are refused at the group\'s instanceTypes', () => {
  const s = spec({
    nodeGroups: [{ name: 'tiny', instanceTypes: ['m5.large', 't3.micro'], minSize: 1, desiredSize: 2, maxSize: 10 }],
    addons: { cloudwatch: { mode: 'observability' } },
    eksAddons: { 'eks-pod-identity-agent': {} },
  });
  assert.deepEqual(podDemand(s).perNode.map((d) => d.name), ['aws-node', 'kube-proxy', 'eks-pod-identity-agent', 'cloudwatch-agent', 'fluent-bit']);
  const error = refusal(s);
  assert.deepEqual(error.problems.map((p) => p.path), ['/nodeGroups/0/instanceTypes']);
  assert.match(error.problems[0]!.message, /^a t3\.micro node of tiny runs at most 4 pods \(2 ENIs × \(2 − 1\) \+ 2 = 4\), fewer than the 5 DaemonSets every node runs \(aws-node, kube-proxy, eks-pod-identity-agent, cloudwatch-agent, fluent-bit\); choose a bigger instance type or turn on prefix delegation/);
});

test('an instance type the table lacks: a warning that says so, no refusal; its limits given, the check runs', () => {
  const s = withApp(100, [{ name: 'odd', instanceTypes: ['zz9.large'], minSize: 1, desiredSize: 1, maxSize: 1 }]);
  const plan = planEnvironment(s);
  assert.equal(plan.warnings?.length, 1);
  assert.equal(plan.warnings![0]!.path, '/nodeGroups/0/instanceTypes');
  assert.match(plan.warnings![0]!.message, /^the pods a node of odd can run are unknown: zz9\.large is not in the ENI table \(github\.com\/aws\/amazon-vpc-cni-k8s@v[0-9.]+\); the plan does not check that the pods fit$/);
  const instanceLimits = { 'zz9.large': { enis: 3, ipv4PerEni: 10, prefixDelegation: true, vcpus: 2 } };
  assert.throws(() => planEnvironment(s, { instanceLimits }), /the pods do not fit even at maxSize: 104 pods/);
});

test('podCapacityCheck false (runs started before) keeps the refusal a warning-free plan', () => {
  const s = withApp(10, [{ name: 'tiny', instanceTypes: ['t3.micro'], minSize: 1, desiredSize: 1, maxSize: 2 }]);
  assert.doesNotThrow(() => planEnvironment(s, { podCapacityCheck: false }));
});

test('Fargate-only environments are not checked; a namespace a profile selects runs its pods on Fargate', () => {
  const fargateOnly = spec({
    nodeGroups: [], fargateProfiles: [{ name: 'all', selectors: [{ namespace: 'web' }, { namespace: 'kube-system' }] }],
    image: { uri: 'registry.example/web:1' }, addons: { 'aws-load-balancer-controller': {} }, app: { name: 'web', replicas: 500, containerPort: 8080 },
  });
  assert.deepEqual(checkPodCapacity(fargateOnly), { groups: [], demand: podDemand(fargateOnly), warnings: [], problems: [] });
  const mixed = withApp(500, [{ name: 'tiny', instanceTypes: ['t3.micro'], minSize: 1, desiredSize: 1, maxSize: 2 }], {
    fargateProfiles: [{ name: 'web', selectors: [{ namespace: 'web' }] }],
  });
  assert.deepEqual(podDemand(mixed).pods.map((p) => p.name), ['coredns', 'aws-load-balancer-controller']);
  assert.equal(checkPodCapacity(mixed).problems.length, 0);
});

test('the add-ons\' pods are counted from their charts and the EKS add-ons', () => {
  const s = spec({
    addons: { 'aws-load-balancer-controller': {}, 'metrics-server': {}, dashboard: { kind: 'kubernetes-dashboard' }, cloudwatch: { mode: 'fluent-bit' }, 'vertical-pod-autoscaler': {}, 'cluster-autoscaler': {} },
    eksAddons: { 'aws-ebs-csi-driver': {} },
  });
  const demand = podDemand(s);
  assert.deepEqual(demand.perNode.map((d) => d.name), ['aws-node', 'kube-proxy', 'ebs-csi-node', 'fluent-bit']);
  assert.deepEqual(demand.pods.map((p) => `${p.name} ${p.count}`), [
    'coredns 2', 'ebs-csi-controller 2', 'aws-load-balancer-controller 2', 'metrics-server 1', 'kubernetes-dashboard 5', 'vpa 3', 'cluster-autoscaler 1',
  ]);
});
