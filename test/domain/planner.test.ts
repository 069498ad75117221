import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { latencyTable } from '../../src/domain/latency';
import { describePlan, InvalidPlanError, planEnvironment, schedulePlan, stepIds, type PlanStep } from '../../src/domain/planner';

function spec(overrides: Record<string, unknown> = {}): EnvironmentSpec {
  const result = parseEnvironmentSpec({
    name: 'awesomebuilder-container',
    region: 'us-east-1',
    network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
    nodeGroups: [
      { name: 'on-demand', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 4 },
      { name: 'spot', instanceTypes: ['m5.large', 'm5a.large'], capacityType: 'SPOT', minSize: 0, desiredSize: 2, maxSize: 6 },
    ],
    ...overrides,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.spec;
}

const waveOf = (plan: ReturnType<typeof planEnvironment>, id: string) => plan.waves.findIndex((wave) => wave.includes(id));
const { medianSeconds: cluster } = latencyTable.cluster;

test('IAM roles and the ECR repository start beside nothing; node groups run in parallel after the cluster', () => {
  const plan = planEnvironment(spec({ image: { import: { source: 'docker.io/library/nginx:1.27', repository: 'team/app' } } }));
  for (const id of [stepIds.clusterRole, stepIds.nodeRole, stepIds.ecrRepository]) assert.equal(waveOf(plan, id), 0, id);
  assert.equal(waveOf(plan, stepIds.cluster), 1);
  assert.equal(waveOf(plan, stepIds.imageImport), 1, 'the image import overlaps the control plane');
  assert.equal(waveOf(plan, stepIds.nodegroup('on-demand')), 2);
  assert.equal(waveOf(plan, stepIds.nodegroup('spot')), 2);
  assert.equal(waveOf(plan, stepIds.nodesReady('spot')), 3);
  assert.equal(plan.earliestStartSeconds[stepIds.nodegroup('spot')], plan.earliestStartSeconds[stepIds.nodegroup('on-demand')]);
});

test('the critical path is the longest chain of median latencies', () => {
  const plan = planEnvironment(spec());
  assert.deepEqual(plan.criticalPath, [stepIds.clusterRole, stepIds.cluster, stepIds.nodegroup('on-demand'), stepIds.nodesReady('on-demand')]);
  const expected = latencyTable['cluster-role'].medianSeconds + cluster + latencyTable.nodegroup.medianSeconds + latencyTable['nodes-ready'].medianSeconds;
  assert.equal(plan.criticalPathSeconds, expected);
  // The sequential sum is what an eksctl-style order pays; the plan must be shorter.
  const sequential = plan.steps.reduce((sum, step) => sum + step.estimateSeconds, 0);
  assert.ok(plan.criticalPathSeconds < sequential);
});

test('a VPC to create comes before the cluster and the node groups', () => {
  const plan = planEnvironment(spec({ network: { vpc: {} } }));
  const clusterStep = plan.steps.find((step) => step.id === stepIds.cluster)!;
  assert.ok(clusterStep.dependsOn.includes(stepIds.network));
  assert.equal(plan.criticalPath[0], stepIds.network);
});

test('Fargate profiles run one at a time', () => {
  const profiles = ['a', 'b', 'c'].map((name) => ({ name, selectors: [{ namespace: name }] }));
  const plan = planEnvironment(spec({ fargateProfiles: profiles }));
  const starts = profiles.map((p) => plan.earliestStartSeconds[stepIds.fargateProfile(p.name)]!);
  const profileSeconds = latencyTable['fargate-profile'].medianSeconds;
  assert.deepEqual(starts, [starts[0]!, starts[0]! + profileSeconds, starts[0]! + 2 * profileSeconds]);
  assert.deepEqual(plan.criticalPath.slice(-3), profiles.map((p) => stepIds.fargateProfile(p.name)));
});

test('steps only exist for what the spec asks for', () => {
  const ids = planEnvironment(spec()).steps.map((step) => step.id);
  for (const absent of [stepIds.network, stepIds.fargateRole, stepIds.ecrRepository, stepIds.imageImport, stepIds.clusterLogging]) {
    assert.ok(!ids.includes(absent), absent);
  }
  const withLogging = planEnvironment(spec({ controlPlaneLogging: ['api'] })).steps.map((step) => step.id);
  assert.ok(withLogging.includes(stepIds.clusterLogging));
});

// Hand-built graphs, each breaking one rule, must be refused with a message naming it.
const step = (id: string, kind: PlanStep['kind'], dependsOn: string[] = [], subject?: string): PlanStep =>
  ({ id, kind, title: id, dependsOn, estimateSeconds: 1, ...(subject ? { subject } : {}) });
const base = [step('role', 'cluster-role'), step('cluster', 'cluster', ['role'])];
const name = { name: 'x', region: 'us-east-1', kubernetesVersion: '1.35' } as const;
const refused = (steps: PlanStep[], pattern: RegExp) => assert.throws(() => schedulePlan(name, steps), (error: unknown) => error instanceof InvalidPlanError && pattern.test(error.message));

test('the rules of EKS are enforced on any step graph', () => {
  refused([...base, step('f1', 'fargate-profile', ['cluster'], 'a'), step('f2', 'fargate-profile', ['cluster'], 'b')], /f1 and f2 could run at the same time, but EKS runs one Fargate profile operation per cluster at a time/);
  refused([...base, step('log', 'cluster-logging', ['cluster']), step('log2', 'cluster-logging', ['cluster'])], /one cluster configuration update at a time/);
  refused([...base, step('oidc', 'oidc-provider', ['cluster']), step('irsa', 'irsa-role', ['cluster'])], /irsa does not wait for oidc, but an IRSA role trusts the OIDC provider/);
  refused([...base, step('net', 'network')], /cluster does not wait for net, but nodes and the control plane need the cluster's networking first/);
  refused([...base, step('ng-role', 'node-role'), step('ng', 'nodegroup', ['ng-role'], 'a')], /ng does not wait for cluster/);
  refused([...base, step('ng-role', 'node-role'), step('ng', 'nodegroup', ['cluster', 'ng-role'], 'a'), step('ready-b', 'nodes-ready', ['cluster'], 'a')], /ready-b does not wait for ng/);
  refused([...base, step('oops', 'oidc-provider', ['missing'])], /depends on missing, which is not in the plan/);
  refused([step('a', 'cluster-role', ['b']), step('b', 'cluster', ['a'])], /cycle: a → b → a|cycle: b → a → b/);
  refused([...base, step('cluster', 'cluster')], /appears twice/);
});

test('a graph that follows the rules is scheduled', () => {
  const plan = schedulePlan(name, [...base, step('oidc', 'oidc-provider', ['cluster']), step('irsa', 'irsa-role', ['oidc'])]);
  assert.deepEqual(plan.waves, [['role'], ['cluster'], ['oidc'], ['irsa']]);
  assert.equal(plan.criticalPathSeconds, 4);
});

test('describePlan prints waves, estimates and the critical path', () => {
  const text = describePlan(planEnvironment(spec({ fargateProfiles: [{ name: 'fp', selectors: [{ namespace: 'default' }] }] })));
  const lines = text.split('\n');
  assert.match(lines[0]!, /^plan for environment "awesomebuilder-container" in us-east-1 \(Kubernetes 1\.35\): 11 steps in 4 waves, critical path ~13m 10s$/);
  assert.match(text, /├── wave 1 \(from ~0s\)/);
  assert.match(text, /\* eks:cluster +~10m +create EKS cluster awesomebuilder-container/);
  assert.match(text, /create spot node group spot \(m5\.large, m5a\.large; min\/desired\/max 0\/2\/6\)/);
  assert.match(lines.at(-1)!, /^\* critical path: iam:cluster-role → eks:cluster → eks:fargate-profile\/fp$/);
});

const tutorial = {
  image: { import: { source: 'docker.io/library/nginx:1.27', repository: 'awesomebuilder' } },
  app: { name: 'awesomebuilder', containerPort: 5000, hpa: { minReplicas: 2, maxReplicas: 10 }, vpa: {} },
  addons: {
    'aws-load-balancer-controller': {}, 'metrics-server': {}, dashboard: {}, cloudwatch: { mode: 'fluent-bit' },
    'vertical-pod-autoscaler': {}, 'cluster-autoscaler': {},
  },
  autoscaling: { verify: 'active' },
};

test('add-ons wait for every node group Ready and their IRSA role; the app waits for the controller and its image, its VPA for the VPA add-on', () => {
  const plan = planEnvironment(spec(tutorial));
  const step = (id: string) => plan.steps.find((s) => s.id === id)!;
  const ready = [stepIds.nodesReady('on-demand'), stepIds.nodesReady('spot')];
  for (const name of Object.keys(tutorial.addons)) {
    for (const id of ready) assert.ok(step(stepIds.addon(name)).dependsOn.includes(id), `${name} waits for ${id}`);
  }
  assert.deepEqual(
    plan.steps.filter((s) => s.kind === 'irsa-role').map((s) => s.id).sort(),
    [stepIds.irsaRole('aws-load-balancer-controller'), stepIds.irsaRole('cloudwatch'), stepIds.irsaRole('cluster-autoscaler')],
    'only add-ons that call AWS get a role',
  );
  assert.deepEqual(step(stepIds.irsaRole('cluster-autoscaler')).dependsOn, [stepIds.oidcProvider]);
  assert.ok(step(stepIds.addon('cluster-autoscaler')).dependsOn.includes(stepIds.irsaRole('cluster-autoscaler')));
  assert.ok(step(stepIds.addon('vertical-pod-autoscaler')).dependsOn.includes(stepIds.addon('metrics-server')));
  // The controller's webhook refuses every Service create until it answers: everyone else goes after it.
  for (const name of Object.keys(tutorial.addons).filter((n) => n !== 'aws-load-balancer-controller')) {
    assert.ok(step(stepIds.addon(name)).dependsOn.includes(stepIds.addon('aws-load-balancer-controller')), `${name} waits for the controller`);
  }
  assert.deepEqual(planEnvironment(spec({ addons: { 'metrics-server': {} } })).steps.find((s) => s.id === stepIds.addon('metrics-server'))!.dependsOn,
    [stepIds.cluster, stepIds.nodesReady('on-demand'), stepIds.nodesReady('spot')], 'without the controller nothing waits for it');
  assert.ok(waveOf(plan, stepIds.addon('vertical-pod-autoscaler')) > waveOf(plan, stepIds.addon('metrics-server')));
  for (const id of [stepIds.addon('aws-load-balancer-controller'), stepIds.imageImport]) {
    assert.ok(step(stepIds.app).dependsOn.includes(id), `the app waits for ${id}`);
  }
  // Its HPA is valid before metrics-server serves metrics; only its VPA object needs the VPA's API.
  for (const id of [stepIds.addon('metrics-server'), stepIds.addon('vertical-pod-autoscaler')]) {
    assert.ok(!step(stepIds.app).dependsOn.includes(id), `the app does not wait for ${id}`);
  }
  assert.deepEqual(step(stepIds.appVpa).dependsOn, [stepIds.app, stepIds.addon('vertical-pod-autoscaler')]);
  assert.deepEqual(step(stepIds.appLoadBalancer).dependsOn, [stepIds.app]);
  assert.deepEqual(plan.criticalPath.slice(-3), [stepIds.addon('aws-load-balancer-controller'), stepIds.app, stepIds.appLoadBalancer]);
  // Runs started before keep the plan they made: the app after metrics-server and the VPA add-on.
  const before = planEnvironment(spec(tutorial), { appVpaStep: false });
  assert.ok(!before.steps.some((s) => s.id === stepIds.appVpa));
  for (const id of [stepIds.addon('metrics-server'), stepIds.addon('vertical-pod-autoscaler')]) {
    assert.ok(before.steps.find((s) => s.id === stepIds.app)!.dependsOn.includes(id), `the earlier plan's app waits for ${id}`);
  }
  assert.ok(plan.criticalPathSeconds < before.criticalPathSeconds, `the app no longer waits out two add-ons: ${plan.criticalPathSeconds} s vs ${before.criticalPathSeconds} s`);
  // Kubernetes 1.35: the chart whose ClusterRole grants what a 1.35 autoscaler reads (resource.k8s.io).
  assert.match(describePlan(plan), /addon:cluster-autoscaler +~2m +install Cluster Autoscaler \(ASG auto-discovery\) \(Helm chart cluster-autoscaler 9\.59\.0\)/);
});

test('missing add-on dependencies, conflicts and Fargate-incompatible add-ons are refused with their paths', () => {
  const problemsOf = (overrides: Record<string, unknown>) => {
    try {
      planEnvironment(spec(overrides));
    } catch (error) {
      assert.ok(error instanceof InvalidPlanError);
      return error.problems;
    }
    assert.fail('the plan was expected to be refused');
  };
  assert.deepEqual(problemsOf({ addons: { 'vertical-pod-autoscaler': {} } }), [
    { path: '/addons/vertical-pod-autoscaler', message: 'missing a dependency: vertical-pod-autoscaler needs metrics-server; add it to addons' },
  ]);
  assert.deepEqual(problemsOf({ addons: { 'cluster-autoscaler': {}, karpenter: {} } }).map((p) => p.message), [
    'cluster-autoscaler conflicts with karpenter: both would scale the nodes; choose one',
  ]);
  const fargateOnly = { nodeGroups: [], fargateProfiles: [{ name: 'fp', selectors: [{ namespace: 'default' }] }] };
  assert.deepEqual(problemsOf({ ...fargateOnly, addons: { cloudwatch: {}, 'cluster-autoscaler': {} } }), [
    { path: '/addons/cloudwatch', message: 'CloudWatch Container Insights and Fluent Bit runs as a DaemonSet, which Fargate cannot run; add a node group' },
    { path: '/addons/cluster-autoscaler', message: 'cluster-autoscaler scales node groups, and this environment has none' },
  ]);
  assert.deepEqual(problemsOf({ image: { uri: 'nginx:1.27' }, app: { name: 'web', containerPort: 80, hpa: { minReplicas: 1, maxReplicas: 3 } } }), [
    { path: '/app', message: "the app's NLB Service needs aws-load-balancer-controller; add it to addons" },
    { path: '/app/hpa', message: 'the HorizontalPodAutoscaler needs metrics-server; add it to addons' },
  ]);
  assert.deepEqual(problemsOf({ addons: { 'metrics-server': {} }, autoscaling: { verify: 'active' } }).map((p) => p.path), ['/autoscaling', '/autoscaling/verify']);
});

test('on Fargate alone, add-ons wait for CoreDNS moved onto Fargate after the last profile, instead of nodes (catalog 31)', () => {
  const fargateOnly = {
    nodeGroups: [], fargateProfiles: [{ name: 'a', selectors: [{ namespace: 'kube-system' }] }, { name: 'b', selectors: [{ namespace: 'default' }] }],
    addons: { 'metrics-server': {} },
  };
  const plan = planEnvironment(spec(fargateOnly));
  assert.deepEqual(plan.steps.find((s) => s.id === stepIds.corednsOnFargate)!.dependsOn, [stepIds.cluster, stepIds.kubeApiReady, stepIds.fargateProfile('b')]);
  assert.deepEqual(plan.steps.find((s) => s.id === stepIds.addon('metrics-server'))!.dependsOn, [stepIds.cluster, stepIds.corednsOnFargate, stepIds.kubeApiReady]);
  // Runs started before the step replay the plan they made.
  const before = planEnvironment(spec(fargateOnly), { corednsOnFargateStep: false, kubeApiReadyStep: false });
  assert.ok(!before.steps.some((s) => s.kind === 'coredns-fargate' || s.kind === 'kube-api-ready'));
  assert.deepEqual(before.steps.find((s) => s.id === stepIds.addon('metrics-server'))!.dependsOn, [stepIds.cluster, stepIds.fargateProfile('b')]);
});

test('CoreDNS is moved to Fargate only where nothing else runs it and a profile selects its pods (as eksctl decides)', () => {
  const has = (overrides: Record<string, unknown>) => planEnvironment(spec(overrides)).steps.some((s) => s.id === stepIds.corednsOnFargate);
  const profile = (selectors: unknown[]) => [{ name: 'fp', selectors }];
  assert.equal(has({ nodeGroups: [], fargateProfiles: profile([{ namespace: 'default' }, { namespace: 'kube-system' }]) }), true, 'eksctl create cluster --fargate\'s default profile');
  assert.equal(has({ nodeGroups: [], fargateProfiles: profile([{ namespace: 'kube-system', labels: { 'eks.amazonaws.com/component': 'coredns' } }]) }), true);
  assert.equal(has({ nodeGroups: [], fargateProfiles: profile([{ namespace: 'kube-system', labels: { app: 'other' } }]) }), false, 'a selector CoreDNS\'s pods do not match');
  assert.equal(has({ nodeGroups: [], fargateProfiles: profile([{ namespace: 'default' }]) }), false, 'no profile takes kube-system');
  assert.equal(has({ fargateProfiles: profile([{ namespace: 'kube-system' }]) }), false, 'EC2 node groups run CoreDNS as EKS made it');
});

test('every Kubernetes-facing step waits for the API to answer /readyz after ACTIVE (catalog 12)', () => {
  const plan = planEnvironment(spec({ addons: { 'metrics-server': {} } }));
  assert.deepEqual(plan.steps.find((s) => s.id === stepIds.kubeApiReady)!.dependsOn, [stepIds.cluster]);
  assert.deepEqual(plan.steps.find((s) => s.id === stepIds.nodesReady('spot'))!.dependsOn, [stepIds.nodegroup('spot'), stepIds.kubeApiReady]);
  // It overlaps the node groups' creation: no longer critical path.
  assert.equal(plan.criticalPathSeconds, planEnvironment(spec({ addons: { 'metrics-server': {} } }), { kubeApiReadyStep: false }).criticalPathSeconds);
  const early = plan.steps.map((s) => (s.id === stepIds.nodesReady('spot') ? { ...s, dependsOn: [stepIds.nodegroup('spot')] } : s));
  assert.throws(() => schedulePlan(spec(), early), /k8s:nodes-ready\/spot does not wait for k8s:api-ready, but the Kubernetes API answers only a while after the cluster is ACTIVE/);
});

test('an add-on scheduled before the nodes are Ready breaks a rule', () => {
  const withAddon = spec({ addons: { 'metrics-server': {} } });
  const base = planEnvironment(withAddon);
  const early = base.steps.map((s) => (s.id === stepIds.addon('metrics-server') ? { ...s, dependsOn: [stepIds.cluster] } : s));
  assert.throws(() => schedulePlan(withAddon, early), /addon:metrics-server does not wait for k8s:nodes-ready\/on-demand, but add-on and app pods need Ready nodes/);
});

test('an image built from source: the ECR repository, then the build beside the control plane, the app after it', () => {
  const upload = `sha256:${'ab'.repeat(32)}`;
  const plan = planEnvironment(spec({
    image: { build: { context: { upload }, repository: 'team/app', tag: '1.0' } },
    app: { name: 'web', containerPort: 8080 }, addons: { 'aws-load-balancer-controller': {} },
  }));
  const build = plan.steps.find((step) => step.id === stepIds.imageBuild)!;
  assert.equal(build.kind, 'image-build');
  assert.deepEqual(build.dependsOn, [stepIds.ecrRepository]);
  assert.equal(build.estimateSeconds, latencyTable['image-build'].medianSeconds);
  assert.match(build.title, /build Dockerfile of upload sha256:abababababab with buildah and push it to team\/app:1\.0/);
  assert.equal(waveOf(plan, stepIds.imageBuild), 1, 'the build overlaps the control plane');
  assert.ok(plan.steps.find((step) => step.id === stepIds.app)!.dependsOn.includes(stepIds.imageBuild), 'the app waits for its image');
  assert.ok(!plan.steps.some((step) => step.id === stepIds.imageImport));
  const git = planEnvironment(spec({ image: { build: { context: { git: { url: 'https://github.com/example/app.git', ref: 'v1.2' } }, dockerfile: 'docker/Dockerfile', repository: 'team/app' } } }));
  assert.match(git.steps.find((step) => step.id === stepIds.imageBuild)!.title, /build docker\/Dockerfile of https:\/\/github\.com\/example\/app\.git at v1\.2 .* team\/app:latest/);
  assert.ok(!planEnvironment(spec({ image: { uri: 'nginx:1.27' } })).steps.some((step) => step.kind === 'image-build' || step.kind === 'ecr-repository'), 'only specs with image.build have the step');
});
