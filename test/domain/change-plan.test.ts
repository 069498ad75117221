import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { ChangeRefusedError, changeStepIds, describeChangePlan, planChange, replacementName, type ChangeContext, type ChangePlan } from '../../src/domain/change-plan';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { latencyTable, rollingUpdateSeconds } from '../../src/domain/latency';
import { stepIds } from '../../src/domain/planner';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const tutorialJson: Json = JSON.parse(readFileSync(new URL('../../examples/tutorial/environment.json', import.meta.url), 'utf8'));

function parse(input: Json): EnvironmentSpec {
  const result = parseEnvironmentSpec(input);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.spec;
}

/** The tutorial's request, changed by `edit` (on a copy). */
function tutorial(edit: (spec: Json) => void = () => {}): EnvironmentSpec {
  const copy = structuredClone(tutorialJson);
  edit(copy);
  return parse(copy);
}

const small: Json = {
  name: 'day-two', region: 'us-east-1', kubernetesVersion: '1.33',
  network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 4 }],
};
function spec(overrides: Json = {}): EnvironmentSpec {
  return parse({ ...structuredClone(small), ...structuredClone(overrides) });
}

const ids = (plan: ChangePlan) => plan.steps.map((s) => s.id);
const stepOf = (plan: ChangePlan, id: string) => {
  const found = plan.steps.find((s) => s.id === id);
  assert.ok(found, `${id} is in the plan: ${ids(plan).join(', ')}`);
  return found;
};
/** Whether `first` must end before `then` starts: a path of dependencies. */
function before(plan: ChangePlan, first: string, then: string): boolean {
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const walk = (id: string): boolean => byId.get(id)!.dependsOn.some((dep) => dep === first || (!seen.has(dep) && (seen.add(dep), walk(dep))));
  return walk(stepOf(plan, then).id);
}
function refused(run: () => unknown): ChangeRefusedError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ChangeRefusedError, String(error));
    assert.equal(error.name, 'ChangeRefused');
    return error;
  }
  assert.fail('the change was not refused');
}

test('the issue\'s Day 2: on-demand scaled and relabelled in place, spot replaced, an add-on added, the app rolled onto a new image', () => {
  const live = tutorial();
  const next = tutorial((s) => {
    s.nodeGroups[0].desiredSize = 3;
    s.nodeGroups[0].maxSize = 6;
    s.nodeGroups[0].labels = { team: 'builders' };
    s.nodeGroups[1].instanceTypes = ['c5.large', 'c5a.large'];
    s.eksAddons = { 'aws-ebs-csi-driver': {} };
    s.image.import.source = 'registry.example.com/awesomebuilder:1.1';
    s.image.import.tag = '1.1';
  });
  const plan = planChange(live, next);

  const config = plan.steps.filter((s) => s.kind === 'nodegroup-config');
  assert.deepEqual(config.map((s) => s.id), [changeStepIds.nodegroupConfig('on-demand')], 'one in-place update for the on-demand group');
  assert.equal(config[0]!.action, 'update');
  assert.equal(config[0]!.subject, 'on-demand');
  assert.equal(config[0]!.change, 'desiredSize 2 → 3; maxSize 4 → 6; labels +team=builders, -lifecycle');

  const replacement = [stepIds.nodegroup('spot-2'), stepIds.nodesReady('spot-2'), changeStepIds.drain('spot'), changeStepIds.nodegroupDelete('spot')];
  for (const id of replacement) {
    const step = stepOf(plan, id);
    assert.equal(step.action, 'replace', id);
    assert.equal(step.subject, 'spot', id);
    assert.match(step.change, /instanceTypes m5\.large, m5a\.large, m4\.large → c5\.large, c5a\.large: node group spot is replaced by spot-2/);
  }
  replacement.slice(1).forEach((id, i) => assert.deepEqual(stepOf(plan, id).dependsOn, [replacement[i]], `${id} right after ${replacement[i]}`));
  assert.equal(stepOf(plan, stepIds.nodegroup('spot-2')).kind, 'nodegroup', 'the creation step kind, for the creation handler');

  assert.equal(stepOf(plan, 'eks:addon/aws-ebs-csi-driver').action, 'add');
  assert.equal(stepOf(plan, 'iam:irsa/aws-ebs-csi-driver').action, 'add');
  assert.ok(before(plan, 'eks:addons-check', 'eks:addon/aws-ebs-csi-driver'));

  const imported = stepOf(plan, stepIds.imageImport);
  assert.equal(imported.action, 'update');
  const rollout = stepOf(plan, changeStepIds.appRollout);
  assert.equal(rollout.kind, 'app-update');
  assert.ok(rollout.dependsOn.includes(stepIds.imageImport), 'the rollout waits for the new image');
  assert.match(rollout.change, /^image awesomebuilder:1\.0 \(from registry\.example\.com\/awesomebuilder:1\.0\) → awesomebuilder:1\.1/);

  assert.ok(!ids(plan).some((id) => id.startsWith('eks:nodegroup-version/') || id.startsWith('eks:cluster-version/')), 'no upgrade was asked for');
  assert.ok(plan.unchanged.includes('network'));
  assert.ok(plan.unchanged.includes('addons/cluster-autoscaler'));
  assert.equal(plan.empty, false);
  assert.ok(plan.criticalPathSeconds > 0 && plan.waves.length > 1);
  assert.deepEqual(new Set(plan.waves.flat()), new Set(ids(plan)));
});

test('the tutorial upgraded 1.35 → 1.36: the control plane, then the core add-ons, then the charts, then the node groups', () => {
  const withCore = (s: Json) => { s.eksAddons = { 'vpc-cni': {}, coredns: { version: 'latest' }, 'kube-proxy': { version: 'v1.35.0-eksbuild.2' } }; };
  const live = tutorial(withCore);
  const plan = planChange(live, tutorial((s) => { withCore(s); s.kubernetesVersion = '1.36'; }));
  const controlPlane = stepOf(plan, changeStepIds.clusterVersion('1.36'));
  assert.equal(controlPlane.irreversible, true);
  assert.equal(controlPlane.kind, 'cluster-version');
  const core = ['vpc-cni', 'coredns', 'kube-proxy'].map((name) => stepOf(plan, changeStepIds.eksAddonUpdate(name)));
  assert.match(core[0]!.change, /the default version for 1\.36/);
  assert.match(core[1]!.change, /the latest for 1\.36/);
  assert.match(core[2]!.change, /v1\.35\.0-eksbuild\.2, checked for 1\.36/);
  // cluster-autoscaler's image follows the minor; the tutorial's other add-ons pin one version for all.
  const charts = plan.steps.filter((s) => s.kind === 'addon-upgrade');
  assert.deepEqual(charts.map((s) => s.id), [changeStepIds.addonUpgrade('cluster-autoscaler')]);
  assert.equal(charts[0]!.change, 'image v1.35.0 → v1.36.0');
  const nodes = plan.steps.filter((s) => s.kind === 'nodegroup-version');
  assert.deepEqual(nodes.map((s) => s.id), [changeStepIds.nodegroupVersion('on-demand'), changeStepIds.nodegroupVersion('spot')]);
  for (const step of core) assert.ok(before(plan, controlPlane.id, step.id), `${step.id} after the control plane`);
  for (const step of core) assert.ok(before(plan, step.id, charts[0]!.id), `the charts after ${step.id}`);
  for (const node of nodes) {
    assert.equal(node.irreversible, true);
    for (const step of [controlPlane, ...core, ...charts]) assert.ok(before(plan, step.id, node.id), `${node.id} after ${step.id}`);
  }
  assert.ok(before(plan, 'eks:addons-check', controlPlane.id), 'the add-on versions are checked before the irreversible upgrade');
  const precheck = stepOf(plan, changeStepIds.upgradePrecheck('1.36'));
  assert.equal(precheck.kind, 'upgrade-precheck');
  for (const step of plan.steps.filter((s) => s !== precheck)) assert.ok(before(plan, precheck.id, step.id), `${step.id} waits for the pre-check: nothing changes before it`);
  assert.deepEqual(plan.criticalPath.slice(-4), ['eks:cluster-version/1.36', 'eks:addon-update/vpc-cni', 'addon-upgrade:cluster-autoscaler', 'eks:nodegroup-version/on-demand']);
});

test('1.33 → 1.35 is two chained control-plane updates; Fargate pods are told to restart; a group rolls for as long as it has nodes', () => {
  const profiles = { fargateProfiles: [{ name: 'batch', selectors: [{ namespace: 'batch' }] }] };
  const live = spec(profiles);
  const next = spec({ ...profiles, kubernetesVersion: '1.35', nodeGroups: [{ ...small.nodeGroups[0], desiredSize: 4 }] });
  const plan = planChange(live, next);
  const versions = plan.steps.filter((s) => s.kind === 'cluster-version');
  assert.deepEqual(versions.map((s) => s.id), ['eks:cluster-version/1.34', 'eks:cluster-version/1.35']);
  assert.deepEqual(versions[1]!.dependsOn, ['eks:cluster-version/1.34']);
  assert.doesNotMatch(versions[0]!.change, /Fargate/);
  assert.match(versions[1]!.change, /Fargate pods keep their 1\.33 kubelet until they are restarted/);
  assert.ok(!plan.steps.some((s) => s.kind === 'fargate-profile'), 'no Fargate step: its pods take the version when restarted');
  // Scaling and the version are two updates of the group, one after the other (eksctl #2565).
  const scale = stepOf(plan, changeStepIds.nodegroupConfig('general'));
  const roll = stepOf(plan, changeStepIds.nodegroupVersion('general'));
  assert.ok(before(plan, scale.id, roll.id));
  assert.ok(before(plan, 'eks:cluster-version/1.35', scale.id), 'nothing else changes while the control plane is updated');
  assert.equal(roll.estimateSeconds, rollingUpdateSeconds(4));
  assert.ok(rollingUpdateSeconds(4) > rollingUpdateSeconds(2));
});

test('the same spec is an empty plan, and the tree says so', () => {
  const plan = planChange(tutorial(), tutorial());
  assert.equal(plan.empty, true);
  assert.deepEqual(plan.steps, []);
  assert.deepEqual(plan.settings, []);
  assert.ok(['network', 'kubernetesVersion', 'nodeGroups/on-demand', 'nodeGroups/spot', 'app', 'image', 'addons/dashboard'].every((area) => plan.unchanged.includes(area)), plan.unchanged.join(', '));
  assert.match(describeChangePlan(plan), /^change plan for environment "awesomebuilder-container" in us-east-1 \(Kubernetes 1\.35\): no changes$/);
});

test('what EKS cannot change is refused at its path, with the reason and the way out', () => {
  const error = refused(() => planChange(tutorial(), tutorial((s) => {
    s.name = 'another-name';
    s.region = 'us-west-2';
    s.network.vpc.zones = ['us-west-2a', 'us-west-2b'];
    s.kubernetesVersion = '1.34';
  })));
  assert.deepEqual(error.problems.map((p) => p.path).sort(), ['/kubernetesVersion', '/name', '/network', '/region']);
  const at = (path: string) => error.problems.find((p) => p.path === path)!.message;
  assert.match(at('/kubernetesVersion'), /EKS cannot downgrade a cluster \(1\.35 → 1\.34\); the way out: create a new environment/);
  assert.match(at('/name'), /EKS cannot change; the way out: create a new environment/);
  assert.match(at('/region'), /cannot move from us-east-1 to us-west-2/);
  assert.match(at('/network'), /stay in the VPC and subnets they were created in/);
  assert.match(error.message, /\/name: .*; \/region: /);
});

test('an upgrade past the nodes\' version skew is refused with the minor to apply first', () => {
  const error = refused(() => planChange(spec({ kubernetesVersion: '1.31' }), spec({ kubernetesVersion: '1.35' })));
  assert.deepEqual(error.problems.map((p) => p.path), ['/kubernetesVersion']);
  assert.match(error.problems[0]!.message, /may trail the control plane by 3 at most; the way out: apply 1\.34 first/);
});

test('fields apply cannot change yet are refused, never ignored', () => {
  const error = refused(() => planChange(tutorial(), tutorial((s) => {
    s.tags = { project: 'other' };
    s.access = { authenticationMode: 'API', entries: [] };
  })));
  assert.deepEqual(error.problems.map((p) => p.path).sort(), ['/access/authenticationMode', '/tags']);
  for (const problem of error.problems) assert.match(problem.message, /cannot be changed by apply yet.*the way out: /);
});

test('ttl and onFailure are settings changed at once: no step, yet not empty', () => {
  const plan = planChange(spec({ ttl: '4h' }), spec({ ttl: '8h', onFailure: 'keep' }));
  assert.deepEqual(plan.steps, []);
  assert.equal(plan.empty, false);
  assert.equal(plan.settings.length, 2);
  assert.match(plan.settings[0]!, /^ttl 4h → 8h/);
  assert.match(plan.settings[1]!, /^onFailure rollback → keep/);
  assert.match(describeChangePlan(plan), /no steps\nsettings changed at once: ttl 4h → 8h/);
  assert.match(planChange(spec({ ttl: '4h' }), spec()).settings[0]!, /^ttl 4h → none \(the environment no longer expires\)/);
});

test('node groups added (with the node role on a Fargate-only cluster) and removed (drained, then deleted, after the new nodes)', () => {
  const fargateOnly = { nodeGroups: [], fargateProfiles: [{ name: 'default', selectors: [{ namespace: 'default' }] }] };
  const added = planChange(spec(fargateOnly), spec({ fargateProfiles: fargateOnly.fargateProfiles }));
  assert.deepEqual(ids(added), [stepIds.nodeRole, stepIds.nodegroup('general'), stepIds.nodesReady('general')]);
  assert.ok(added.steps.every((s) => s.action === 'add'));
  assert.deepEqual(stepOf(added, stepIds.nodegroup('general')).dependsOn, [stepIds.nodeRole]);

  const live = spec({ nodeGroups: [small.nodeGroups[0], { ...small.nodeGroups[0], name: 'old' }] });
  const next = spec({ nodeGroups: [small.nodeGroups[0], { ...small.nodeGroups[0], name: 'new' }] });
  const swapped = planChange(live, next, { nodegroupNames: { old: 'old-3' } });
  assert.equal(stepOf(swapped, changeStepIds.drain('old-3')).action, 'remove');
  assert.equal(stepOf(swapped, changeStepIds.drain('old-3')).subject, 'old');
  assert.deepEqual(stepOf(swapped, changeStepIds.nodegroupDelete('old-3')).dependsOn, [changeStepIds.drain('old-3')]);
  assert.ok(before(swapped, stepIds.nodesReady('new'), changeStepIds.drain('old-3')), 'pods have the new nodes to go to');
  assert.ok(!ids(swapped).includes(stepIds.nodeRole), 'the role exists while any group does');
  assert.ok(swapped.unchanged.includes('nodeGroups/general'));
});

test('removing the last node group moves CoreDNS onto Fargate first, and its managed add-on\'s configuration after it', () => {
  const profiles = [{ name: 'system', selectors: [{ namespace: 'kube-system' }] }];
  const plan = planChange(spec({ eksAddons: { coredns: {} } }), spec({ nodeGroups: [], fargateProfiles: profiles, eksAddons: { coredns: {} } }));
  assert.ok(before(plan, stepIds.fargateProfile('system'), stepIds.corednsOnFargate));
  assert.ok(before(plan, stepIds.corednsOnFargate, changeStepIds.drain('general')), 'CoreDNS leaves the nodes before they are drained');
  assert.ok(before(plan, stepIds.corednsOnFargate, changeStepIds.eksAddonUpdate('coredns')));
  assert.equal(stepOf(plan, changeStepIds.eksAddonUpdate('coredns')).change, 'eksflow\'s configuration: {} → {"computeType":"Fargate"}');
  assert.match(stepOf(plan, changeStepIds.drain('general')).change, /^node group general is removed/);
});

test('a replaced group takes the next free EKS name, and the drain and delete name the live one', () => {
  const live = spec();
  const next = spec({ nodeGroups: [{ ...small.nodeGroups[0], capacityType: 'SPOT' }] });
  const context: ChangeContext = { nodegroupNames: { general: 'general-2' } };
  const plan = planChange(live, next, context);
  assert.deepEqual(ids(plan), [stepIds.nodegroup('general-3'), stepIds.nodesReady('general-3'), changeStepIds.drain('general-2'), changeStepIds.nodegroupDelete('general-2')]);
  assert.match(plan.steps[0]!.change, /capacityType ON_DEMAND → SPOT: node group general-2 is replaced by general-3/);
  for (const field of [{ amiType: 'BOTTLEROCKET_x86_64' }, { diskSize: 50 }, { sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG' }]) {
    const replaced = planChange(live, spec({ nodeGroups: [{ ...small.nodeGroups[0], ...field }] }));
    assert.ok(ids(replaced).includes(stepIds.nodegroup('general-2')), JSON.stringify(field));
  }
  const tainted = planChange(live, spec({ nodeGroups: [{ ...small.nodeGroups[0], taints: [{ key: 'gpu', value: 'yes', effect: 'NO_SCHEDULE' }] }] }));
  assert.equal(stepOf(tainted, changeStepIds.nodegroupConfig('general')).change, 'taints +gpu=yes:NO_SCHEDULE');
});

test('replacementName counts generations and stays within EKS\'s 63 characters', () => {
  assert.equal(replacementName('spot', 'spot'), 'spot-2');
  assert.equal(replacementName('spot', 'spot-2'), 'spot-3');
  assert.equal(replacementName('spot', 'spot-9'), 'spot-10');
  assert.equal(replacementName('pool-2', 'pool-2'), 'pool-2-2', 'a spec name ending in a number is not a generation');
  const long = 'a'.repeat(63);
  const second = replacementName(long, long);
  assert.equal(second.length, 63);
  assert.ok(second.endsWith('-2'));
  assert.equal(replacementName(long, second), `${'a'.repeat(61)}-3`);
});

test('Fargate profiles: replaced (new first), added and removed, one operation at a time', () => {
  const live = spec({ fargateProfiles: [{ name: 'web', selectors: [{ namespace: 'web' }] }, { name: 'gone', selectors: [{ namespace: 'gone' }] }] });
  const next = spec({ fargateProfiles: [{ name: 'web', selectors: [{ namespace: 'web', labels: { tier: 'front' } }] }, { name: 'jobs', selectors: [{ namespace: 'jobs' }] }] });
  const plan = planChange(live, next);
  const chain = [stepIds.fargateProfile('web-2'), stepIds.fargateProfile('jobs'), changeStepIds.fargateProfileDelete('web'), changeStepIds.fargateProfileDelete('gone')];
  assert.deepEqual(ids(plan), chain);
  chain.slice(1).forEach((id, i) => assert.deepEqual(stepOf(plan, id).dependsOn, [chain[i]]));
  assert.deepEqual(plan.steps.map((s) => s.action), ['replace', 'add', 'replace', 'remove']);
  assert.match(plan.steps[0]!.change, /selectors web → web \{"tier":"front"\}: profile web is replaced by web-2/);
  assert.equal(plan.waves.length, 4);
  // The first profile of a cluster brings its pod execution role.
  const first = planChange(spec(), spec({ fargateProfiles: [{ name: 'jobs', selectors: [{ namespace: 'jobs' }] }] }));
  assert.deepEqual(ids(first), [stepIds.fargateRole, stepIds.fargateProfile('jobs')]);
});

const addonsSpec = (addons: Json, extra: Json = {}) => spec({ addons, ...extra });

test('add-ons: added in dependency order with their IRSA roles, removed in reverse, upgraded when their options change', () => {
  const added = planChange(addonsSpec({}), addonsSpec({ 'metrics-server': {}, 'vertical-pod-autoscaler': {}, 'aws-load-balancer-controller': {} }));
  assert.ok(stepOf(added, stepIds.addon('vertical-pod-autoscaler')).dependsOn.includes(stepIds.addon('metrics-server')));
  assert.ok(stepOf(added, stepIds.addon('metrics-server')).dependsOn.includes(stepIds.addon('aws-load-balancer-controller')), 'the webhook answers first');
  assert.ok(stepOf(added, stepIds.addon('aws-load-balancer-controller')).dependsOn.includes(stepIds.irsaRole('aws-load-balancer-controller')));
  assert.deepEqual(added.steps.map((s) => s.action), added.steps.map(() => 'add'));

  const removed = planChange(addonsSpec({ 'metrics-server': {}, 'vertical-pod-autoscaler': {} }), addonsSpec({}));
  assert.deepEqual(stepOf(removed, changeStepIds.addonRemove('metrics-server')).dependsOn, [changeStepIds.addonRemove('vertical-pod-autoscaler')], 'a dependent goes first');

  const upgraded = planChange(tutorial(), tutorial((s) => { s.addons.cloudwatch.logRetentionDays = 90; }));
  assert.deepEqual(ids(upgraded), [changeStepIds.addonUpgrade('cloudwatch')]);
  assert.equal(upgraded.steps[0]!.change, 'cloudwatch.logRetentionDays 30 → 90');
});

test('an add-on whose options change how it installs is uninstalled, then installed', () => {
  const plan = planChange(addonsSpec({ 'metrics-server': {} }), addonsSpec({ 'metrics-server': { method: 'eks-addon' } }));
  assert.deepEqual(ids(plan), [changeStepIds.addonRemove('metrics-server'), stepIds.addon('metrics-server')]);
  assert.ok(plan.steps.every((s) => s.action === 'replace'));
  assert.match(plan.steps[0]!.change, /metrics-server\.method helm → eks-addon/);
});

test('removing an add-on that the app or another add-on needs is refused, naming both', () => {
  const error = refused(() => planChange(tutorial(), tutorial((s) => { delete s.addons['aws-load-balancer-controller']; delete s.addons['metrics-server']; })));
  const at = (path: string) => error.problems.find((p) => p.path === path)?.message ?? '';
  assert.match(at('/addons/aws-load-balancer-controller'), /aws-load-balancer-controller cannot be removed while app needs it \(the app's NLB Service/);
  assert.match(at('/addons/metrics-server'), /metrics-server cannot be removed while app\/hpa needs it/);
  assert.match(at('/addons/metrics-server'), /while addons\/vertical-pod-autoscaler needs it/);
});

test('the app: rolled when it changes, its NLB waited for again when its Service changes; made; removed before the add-ons it needed', () => {
  const rolled = planChange(tutorial(), tutorial((s) => { s.app.replicas = 3; s.app.env = { MODE: 'fast' }; s.app.scheme = 'internal'; }));
  assert.deepEqual(ids(rolled), [changeStepIds.appRollout, stepIds.appLoadBalancer]);
  assert.equal(rolled.steps[0]!.change, 'replicas 2 → 3; scheme internet-facing → internal; env +MODE=fast');
  assert.deepEqual(rolled.steps[1]!.dependsOn, [changeStepIds.appRollout]);

  const app = { name: 'web', containerPort: 8080 };
  const image = { uri: 'public.ecr.aws/nginx/nginx:1.27' };
  const base = { addons: { 'aws-load-balancer-controller': {} } };
  const made = planChange(spec(base), spec({ ...base, image, app }));
  assert.deepEqual(ids(made), [stepIds.app, stepIds.appLoadBalancer]);
  assert.equal(stepOf(made, stepIds.app).kind, 'app');

  const gone = planChange(spec({ ...base, image, app }), spec({ image }));
  assert.deepEqual(ids(gone), [changeStepIds.appRemove, changeStepIds.addonRemove('aws-load-balancer-controller')]);
  assert.deepEqual(gone.steps[1]!.dependsOn, [changeStepIds.appRemove], 'the controller deletes the NLB, so it goes last');

  const renamed = planChange(spec({ ...base, image, app }), spec({ ...base, image, app: { ...app, name: 'site' } }));
  assert.deepEqual(ids(renamed), [changeStepIds.appRemove, stepIds.app, stepIds.appLoadBalancer]);
  assert.ok(renamed.steps.every((s) => s.action === 'replace'));
  assert.ok(before(renamed, changeStepIds.appRemove, stepIds.app));
});

test('a new add-on the app now needs is installed before the rollout', () => {
  const live = tutorial((s) => { delete s.app.vpa; delete s.addons['vertical-pod-autoscaler']; });
  const plan = planChange(live, tutorial());
  assert.ok(stepOf(plan, changeStepIds.appRollout).dependsOn.includes(stepIds.addon('vertical-pod-autoscaler')));
  assert.match(stepOf(plan, changeStepIds.appRollout).change, /vpa none → \{"updateMode":"Off"\}/);
});

test('core EKS add-ons: made, updated and deleted (the three EKS bootstraps are preserved)', () => {
  const plan = planChange(
    spec({ eksAddons: { 'vpc-cni': {}, 'aws-ebs-csi-driver': {}, 'eks-pod-identity-agent': {} } }),
    spec({ eksAddons: { 'vpc-cni': { prefixDelegation: { warmPrefixTarget: 2 } }, coredns: {} } }),
  );
  assert.equal(stepOf(plan, changeStepIds.eksAddonUpdate('vpc-cni')).change, 'prefixDelegation none → {"warmPrefixTarget":2}');
  assert.equal(stepOf(plan, 'eks:addon/coredns').action, 'add');
  assert.match(stepOf(plan, changeStepIds.eksAddonDelete('aws-ebs-csi-driver')).title, /and its pods/);
  assert.equal(stepOf(plan, changeStepIds.eksAddonDelete('eks-pod-identity-agent')).action, 'remove');
  const vpcCni = planChange(spec({ eksAddons: { 'vpc-cni': {} } }), spec({ eksAddons: {} }));
  assert.match(stepOf(vpcCni, changeStepIds.eksAddonDelete('vpc-cni')).title, /--preserve/);
  assert.ok(ids(plan).includes('eks:addons-check'));
});

test('access entries per principal: granted, updated, made again for a new type, revoked', () => {
  const role = (name: string) => `arn:aws:iam::111122223333:role/${name}`;
  const view = [{ policy: 'AmazonEKSViewPolicy' }];
  const live = spec({ access: { entries: [{ principalArn: role('dev'), accessPolicies: view }, { principalArn: role('ops'), accessPolicies: view }, { principalArn: role('nodes'), type: 'EC2_LINUX' }] } });
  const next = spec({ access: { entries: [
    { principalArn: role('dev'), accessPolicies: [{ policy: 'AmazonEKSEditPolicy', scope: 'namespace', namespaces: ['dev'] }] },
    { principalArn: role('nodes'), accessPolicies: view },
    { principalArn: role('new'), accessPolicies: view },
  ] } });
  const plan = planChange(live, next);
  assert.equal(stepOf(plan, changeStepIds.accessEntryUpdate(role('dev'))).change, 'accessPolicies +Edit on dev, -View on the cluster');
  assert.equal(stepOf(plan, stepIds.accessEntry(role('new'))).action, 'add');
  assert.equal(stepOf(plan, changeStepIds.accessEntryDelete(role('ops'))).action, 'remove');
  assert.deepEqual(stepOf(plan, stepIds.accessEntry(role('nodes'))).dependsOn, [changeStepIds.accessEntryDelete(role('nodes'))]);
  assert.equal(stepOf(plan, stepIds.accessEntry(role('nodes'))).action, 'replace');
});

test('control-plane logging is one cluster update, chained with the version updates', () => {
  const plan = planChange(spec({ controlPlaneLogging: ['api'] }), spec({ controlPlaneLogging: ['audit'], kubernetesVersion: '1.34' }));
  const logging = stepOf(plan, stepIds.clusterLogging);
  assert.equal(logging.change, 'enable audit; disable api');
  assert.ok(before(plan, stepIds.clusterLogging, 'eks:cluster-version/1.34'), 'EKS runs one cluster update at a time');
});

test('the autoscaling check runs again when it changes; dropping it is a setting', () => {
  const plan = planChange(tutorial((s) => { s.autoscaling.verify = 'passive'; }), tutorial());
  assert.deepEqual(ids(plan), [stepIds.autoscalingCheck]);
  const dropped = planChange(tutorial(), tutorial((s) => { delete s.autoscaling; }));
  assert.deepEqual(dropped.steps, []);
  assert.match(dropped.settings[0]!, /autoscaling check \(active\) dropped/);
});

test('describeChangePlan marks each step with its action and says what changes', () => {
  const text = describeChangePlan(planChange(tutorial(), tutorial((s) => {
    s.nodeGroups[0].desiredSize = 3;
    s.nodeGroups[1].diskSize = 40;
    s.kubernetesVersion = '1.36';
    s.ttl = '8h';
  })));
  assert.match(text, /^change plan for environment "awesomebuilder-container" in us-east-1 \(Kubernetes 1\.36\): \d+ steps in \d+ waves, critical path ~/);
  assert.match(text, /~ eks:nodegroup-config\/on-demand +~1m +update node group on-demand in place \(UpdateNodegroupConfig\) — desiredSize 2 → 3/);
  assert.match(text, /± eks:nodegroup\/spot-2 /);
  assert.match(text, /~ eks:cluster-version\/1\.36 .* \(irreversible\)/);
  assert.match(text, /settings changed at once: ttl none → 8h/);
  assert.match(text, /\* critical path: k8s:upgrade-precheck\/1\.36 → eks:cluster-version\/1\.36 → /);
  const removal = describeChangePlan(planChange(addonsSpec({ dashboard: {} }), addonsSpec({})));
  assert.match(removal, /- addon-remove:dashboard +~45s +uninstall Headlamp dashboard/);
  assert.match(describeChangePlan(planChange(addonsSpec({}), addonsSpec({ dashboard: {} }))), /\+ addon:dashboard /);
  assert.equal(latencyTable['cluster-version'].medianSeconds, 540);
});

// A spec with a value at nearly every field the schema has.
const rich: Json = {
  ...structuredClone(tutorialJson),
  ttl: '8h',
  onFailure: 'rollback',
  fargateProfiles: [{ name: 'batch', selectors: [{ namespace: 'batch', labels: { team: 'a' } }] }],
  eksAddons: { 'vpc-cni': { version: 'latest', podSecurityGroups: true, tags: { a: 'b' } }, coredns: { configurationValues: { replicaCount: 3 } } },
  access: { authenticationMode: 'API_AND_CONFIG_MAP', entries: [{ principalArn: 'arn:aws:iam::111122223333:role/dev', kubernetesGroups: ['devs'], accessPolicies: [{ policy: 'AmazonEKSViewPolicy' }] }] },
  serviceAccounts: [{ namespace: 'awesomebuilder', name: 'reader', identity: 'irsa', managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] }],
};
rich.nodeGroups[0].taints = [{ key: 'dedicated', value: 'build', effect: 'NO_SCHEDULE' }];
rich.nodeGroups[0].amiType = 'AL2023_x86_64_STANDARD';
rich.app = { ...rich.app, env: { MODE: 'slow' }, limits: { cpu: '1' }, serviceAccount: 'reader', namespace: 'awesomebuilder' };

// Another value each leaf may take; a value the schema refuses is skipped.
const alternatives: Record<string, unknown> = {
  ON_DEMAND: 'SPOT', SPOT: 'ON_DEMAND', rollback: 'keep', active: 'passive', '1.35': '1.36', observability: 'fluent-bit', 'eks-addon': 'helm', headlamp: 'kubernetes-dashboard',
  single: 'perAz', 'internet-facing': 'internal', Off: 'Initial', API_AND_CONFIG_MAP: 'API', irsa: 'pod-identity', 'us-east-1': 'us-east-2', NO_SCHEDULE: 'NO_EXECUTE',
  AL2023_x86_64_STANDARD: 'BOTTLEROCKET_x86_64', AmazonEKSViewPolicy: 'AmazonEKSEditPolicy', '8h': '9h', latest: 'v1.20.4', '/': '/healthz', '250m': '500m', '256Mi': '512Mi',
};
function mutations(value: unknown, path: string[] = []): { path: string; mutate: (root: Json) => void }[] {
  const at = (root: Json) => path.slice(0, -1).reduce((node, key) => node[key], root);
  const key = path.at(-1)!;
  const here = path.length === 0 ? [] : [{ path: `/${path.join('/')}`, mutate: (root: Json) => {
    const parent = at(root);
    const old = parent[key];
    if (old && typeof old === 'object' && !Array.isArray(old)) {
      // An object left out, as a JSON request leaves it out (never present and undefined).
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      return;
    }
    parent[key] = old in alternatives && typeof old === 'string' ? alternatives[old]
      : typeof old === 'number' ? old + 1 : typeof old === 'boolean' ? !old : typeof old === 'string' ? `${old}x`
        : old.slice(0, -1);
  } }];
  if (Array.isArray(value)) return [...here, ...value.flatMap((item, i) => mutations(item, [...path, String(i)]))];
  if (value && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => mutations(v, [...path, k]))];
  return here;
}

test('every difference in any field becomes a step, a setting or a refusal: nothing is silently ignored', () => {
  const live = parse(structuredClone(rich));
  const covered = new Set<string>();
  let tried = 0;
  for (const { path, mutate } of mutations(rich)) {
    const copy = structuredClone(rich);
    mutate(copy);
    const result = parseEnvironmentSpec(copy);
    // Refused by the schema, or a default given back (requests left out are the default requests).
    if (!result.ok || isDeepStrictEqual(result.spec, live)) continue;
    tried++;
    try {
      const plan = planChange(live, result.spec);
      assert.equal(plan.empty, false, `${path} changed, yet the plan is empty`);
      assert.ok(plan.steps.length + plan.settings.length > 0, path);
    } catch (error) {
      if (!(error instanceof ChangeRefusedError)) throw new Error(`${path}: ${String(error)}`, { cause: error });
      assert.ok(error.problems.length > 0 && error.problems.every((p) => p.path.startsWith('/') && p.message.length > 0), path);
    }
    covered.add(path.split('/')[1]!);
  }
  assert.ok(tried > 60, `only ${tried} mutations parsed`);
  // region alone cannot change here (the zones name it): the refusal test changes both.
  const topLevel = ['name', 'kubernetesVersion', 'tags', 'network', 'controlPlaneLogging', 'nodeGroups', 'fargateProfiles', 'image', 'app', 'addons', 'eksAddons', 'autoscaling', 'access', 'serviceAccounts', 'onFailure', 'ttl'];
  assert.deepEqual(topLevel.filter((field) => !covered.has(field)), [], 'every top-level field was changed at least once');
});

test('a changed image.build (ref, upload, dockerfile, tag) builds again before the rollout; the same one builds nothing', () => {
  const app = { name: 'web', containerPort: 8080 };
  const built = (build: Json) => spec({ image: { build: { repository: 'team/web', ...build } }, app, addons: { 'aws-load-balancer-controller': {} } });
  const git = { git: { url: 'https://github.com/example/web.git', ref: 'v1' } };
  const live = built({ context: git, tag: '1' });
  const changes: Json[] = [
    { context: { git: { ...git.git, ref: 'v2' } }, tag: '1' },
    { context: { upload: `sha256:${'0f'.repeat(32)}` }, tag: '1' },
    { context: git, dockerfile: 'Dockerfile.prod', tag: '1' },
    { context: git, tag: '2' },
  ];
  for (const build of changes) {
    const plan = planChange(live, built(build));
    const step = stepOf(plan, stepIds.imageBuild);
    assert.equal(step.kind, 'image-build');
    assert.equal(step.action, 'update');
    assert.ok(before(plan, stepIds.imageBuild, changeStepIds.appRollout), 'the rollout waits for the new image');
    assert.match(stepOf(plan, changeStepIds.appRollout).change, /^image team\/web:1 \(built from Dockerfile of https:\/\/github\.com\/example\/web\.git at v1\) → team\/web:/);
    assert.ok(!ids(plan).includes(stepIds.ecrRepository), 'the repository is the same');
  }
  assert.equal(planChange(live, built({ context: git, tag: '1' })).empty, true);
  const moved = planChange(live, built({ context: git, tag: '1', repository: 'team/other' }));
  assert.ok(before(moved, stepIds.ecrRepository, stepIds.imageBuild), 'a new repository is ensured before the build pushes to it');
  const fromUri = planChange(spec({ image: { uri: 'nginx:1.27' }, app, addons: { 'aws-load-balancer-controller': {} } }), live);
  assert.equal(stepOf(fromUri, stepIds.imageBuild).action, 'add');
});

test('a change after which the pods cannot fit the node groups even at maxSize is refused with the way out; one that still fits is planned', () => {
  const withApp = (replicas: number, maxSize: number) => spec({
    nodeGroups: [{ name: 'general', instanceTypes: ['t3.medium'], minSize: 1, desiredSize: 1, maxSize }],
    image: { uri: 'registry.example/web:1' }, addons: { 'aws-load-balancer-controller': {} }, app: { name: 'web', replicas, containerPort: 8080 },
  });
  // t3.medium: 17 pods a node, 15 beside aws-node and kube-proxy; coredns 2 + controller 2 + the app's replicas.
  assert.ok(planChange(withApp(10, 2), withApp(26, 2)).steps.length > 0, '30 pods in 30 slots');
  const error = refused(() => planChange(withApp(10, 2), withApp(27, 2)));
  assert.deepEqual(error.problems.map((p) => p.path), ['/nodeGroups']);
  assert.match(error.problems[0]!.message, /^the pods do not fit even at maxSize: 31 pods .* and only 30 free slots .*maxSize of general 3 or more/);
  assert.match(refused(() => planChange(withApp(12, 2), withApp(12, 1))).problems[0]!.message, /^the pods do not fit even at maxSize: 16 pods .* only 15 free slots/, "maxSize lowered");
});

// Self-managed groups (src/domain/change-plan-self-managed.ts).
const linux: Json = { name: 'linux', kind: 'self-managed', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 4 };
const windows: Json = { name: 'win', kind: 'self-managed', amiType: 'WINDOWS_CORE_2022_x86_64', instanceTypes: ['m5.xlarge'], minSize: 1, desiredSize: 1, maxSize: 2 };

test('a self-managed group added by apply: its creation step then its nodes Ready; the first Windows group switches Windows IPAM on first', () => {
  const live = spec();
  const plan = planChange(live, spec({ nodeGroups: [...small.nodeGroups, linux, windows] }));
  const group = stepOf(plan, stepIds.selfManagedNodegroup('linux'));
  assert.equal(group.kind, 'self-managed-nodegroup');
  assert.equal(group.action, 'add');
  assert.ok(before(plan, stepIds.selfManagedNodegroup('linux'), stepIds.nodesReady('linux')));
  assert.equal(stepOf(plan, stepIds.windowsIpam).kind, 'windows-ipam');
  assert.ok(before(plan, stepIds.windowsIpam, stepIds.nodesReady('win')), 'Windows pods get IPs only once IPAM is on');
  assert.ok(!before(plan, stepIds.windowsIpam, stepIds.nodesReady('linux')));
  // A second Windows group when one runs already: no IPAM step.
  const withWindows = spec({ nodeGroups: [...small.nodeGroups, linux, windows] });
  const again = planChange(withWindows, spec({ nodeGroups: [...small.nodeGroups, linux, windows, { ...windows, name: 'win2' }] }));
  assert.deepEqual(ids(again), [stepIds.selfManagedNodegroup('win2'), stepIds.nodesReady('win2')]);
});

test('a self-managed group resized by apply: UpdateAutoScalingGroup in place; removed: drained, then its parts deleted', () => {
  const live = spec({ nodeGroups: [...small.nodeGroups, linux] });
  const resized = planChange(live, spec({ nodeGroups: [...small.nodeGroups, { ...linux, desiredSize: 3, maxSize: 5 }] }));
  assert.deepEqual(ids(resized), ['ec2:self-managed-scale/linux']);
  assert.match(resized.steps[0]!.change, /desiredSize 2 → 3/);
  assert.match(resized.steps[0]!.change, /maxSize 4 → 5/);

  const removed = planChange(live, spec());
  assert.deepEqual(ids(removed), [changeStepIds.drain('linux'), 'ec2:self-managed-nodegroup-delete/linux']);
  assert.ok(before(removed, changeStepIds.drain('linux'), 'ec2:self-managed-nodegroup-delete/linux'));
  assert.equal(stepOf(removed, 'ec2:self-managed-nodegroup-delete/linux').kind, 'self-managed-nodegroup-delete');
  // Removed while another group is added: the new nodes are Ready before the old ones drain.
  const swapped = planChange(live, spec({ nodeGroups: [...small.nodeGroups, { ...linux, name: 'linux-2', instanceTypes: ['c5.large'] }] }));
  assert.ok(before(swapped, stepIds.nodesReady('linux-2'), changeStepIds.drain('linux')));
});

test('what a self-managed group cannot change in place is refused with the way out; so is a change of kind and a version upgrade', () => {
  const live = spec({ nodeGroups: [...small.nodeGroups, linux] });
  const types = refused(() => planChange(live, spec({ nodeGroups: [...small.nodeGroups, { ...linux, instanceTypes: ['c5.large'] }] })));
  assert.ok(types.problems.some((p) => p.path === '/nodeGroups/1/instanceTypes' && /add a self-managed group with the new instanceTypes and remove this one/.test(p.message)), JSON.stringify(types.problems));
  const kind = refused(() => planChange(live, spec({ nodeGroups: [...small.nodeGroups, { ...linux, kind: 'managed' }] })));
  assert.ok(kind.problems.some((p) => p.path === '/nodeGroups/1/kind'), JSON.stringify(kind.problems));
  const upgrade = refused(() => planChange(live, spec({ kubernetesVersion: '1.34', nodeGroups: [...small.nodeGroups, linux] })));
  assert.ok(upgrade.problems.some((p) => p.path === '/nodeGroups/1' && /cannot be rolled onto Kubernetes 1.34/.test(p.message)), JSON.stringify(upgrade.problems));
});

test('endpoint access changes in place, one cluster update chained with the others; EKS\'s default written out changes nothing', () => {
  const plan = planChange(spec(), spec({ endpointAccess: { public: true, private: true, publicAccessCidrs: ['203.0.113.0/24'] }, controlPlaneLogging: ['api'] }));
  const step = stepOf(plan, changeStepIds.clusterEndpointAccess);
  assert.deepEqual({ kind: step.kind, action: step.action }, { kind: 'cluster-endpoint-access', action: 'update' });
  assert.equal(step.change, 'endpoint public (0.0.0.0/0) → public (203.0.113.0/24) and private');
  assert.ok(before(plan, stepIds.clusterLogging, changeStepIds.clusterEndpointAccess), 'EKS runs one cluster update at a time');

  const privateOnly = planChange(spec({ endpointAccess: { public: true, private: true } }), spec({ endpointAccess: { public: false, private: true } }));
  assert.match(stepOf(privateOnly, changeStepIds.clusterEndpointAccess).change, /^endpoint public \(0\.0\.0\.0\/0\) and private → private: the Kubernetes API is then reachable only from inside the VPC/);

  const writtenOut = planChange(spec(), spec({ endpointAccess: { public: true, private: false, publicAccessCidrs: ['0.0.0.0/0'] } }));
  assert.equal(writtenOut.empty, true, 'EKS\'s own default, written out: nothing to change');
  assert.ok(writtenOut.unchanged.includes('endpointAccess'));
});

test('the control plane\'s subnets and security groups change in place, in one cluster update; the rest of the network stays refused', () => {
  const made = { vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'single' } };
  const live = spec({ network: made });
  const moved = planChange(live, spec({ network: { ...made, controlPlaneSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'], securityGroupIds: ['sg-0aaaaaaaaaaaaaaa1'] } }));
  assert.deepEqual(ids(moved), [changeStepIds.clusterVpcConfig]);
  const step = stepOf(moved, changeStepIds.clusterVpcConfig);
  assert.deepEqual({ kind: step.kind, action: step.action }, { kind: 'cluster-vpc-config', action: 'update' });
  assert.equal(step.change, 'control-plane subnets as created → subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2; control-plane security groups none → sg-0aaaaaaaaaaaaaaa1');

  const back = planChange(spec({ network: { ...made, securityGroupIds: ['sg-0aaaaaaaaaaaaaaa1'] } }), live);
  assert.equal(stepOf(back, changeStepIds.clusterVpcConfig).change, 'control-plane security groups sg-0aaaaaaaaaaaaaaa1 → none');

  assert.throws(() => planChange(live, spec({ network: { vpc: { ...made.vpc, cidr: '10.1.0.0/16' }, securityGroupIds: ['sg-0aaaaaaaaaaaaaaa1'] } })),
    (error: ChangeRefusedError) => error.problems.some((p) => p.path === '/network' && /only controlPlaneSubnetIds and securityGroupIds change in place/.test(p.message)));
});

test('zonal shift, the support policy and the control plane\'s tier: one cluster update each, in a chain; EKS\'s defaults written out change nothing', () => {
  const plan = planChange(spec(), spec({ zonalShift: true, supportType: 'STANDARD', controlPlaneTier: 'tier-xl', endpointAccess: { public: true, private: true } }));
  assert.deepEqual(plan.steps.map((s) => [s.id, s.kind, s.change]), [
    [changeStepIds.clusterEndpointAccess, 'cluster-endpoint-access', 'endpoint public (0.0.0.0/0) → public (0.0.0.0/0) and private'],
    [changeStepIds.clusterSetting('zonalShift'), 'cluster-setting', 'zonalShift off → on'],
    [changeStepIds.clusterSetting('supportType'), 'cluster-setting', 'supportType EXTENDED → STANDARD: a version past standard support then goes to the next version at the end of standard support, as EKS does'],
    [changeStepIds.clusterSetting('controlPlaneTier'), 'cluster-setting', 'controlPlaneTier standard → tier-xl'],
  ]);
  // EKS runs one cluster update at a time: each waits for the one before it.
  plan.steps.slice(1).forEach((step, i) => assert.ok(step.dependsOn.includes(plan.steps[i]!.id), `${step.id} waits for ${plan.steps[i]!.id}`));
  const writtenOut = planChange(spec(), spec({ zonalShift: false, supportType: 'EXTENDED', controlPlaneTier: 'standard' }));
  assert.equal(writtenOut.empty, true);
  assert.deepEqual(['zonalShift', 'supportType', 'controlPlaneTier'].filter((f) => writtenOut.unchanged.includes(f)), ['zonalShift', 'supportType', 'controlPlaneTier']);
});

test('secrets encryption is switched on in place (eksflow\'s key made first when none is given), irreversibly; turning it off or changing the key is refused', () => {
  const own = planChange(spec(), spec({ secretsEncryption: {} }));
  assert.deepEqual(own.steps.map((s) => [s.id, s.action]), [[stepIds.secretsKey, 'add'], [changeStepIds.clusterEncryption, 'update']]);
  const encryption = stepOf(own, changeStepIds.clusterEncryption);
  assert.deepEqual([encryption.dependsOn, encryption.irreversible], [[stepIds.secretsKey], true]);
  assert.equal(encryption.change, 'Secrets unencrypted → encrypted with eksflow\'s key alias/eksflow/day-two: EKS cannot turn it off again');
  const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001';
  const given = planChange(spec(), spec({ secretsEncryption: { keyArn } }));
  assert.deepEqual(ids(given), [changeStepIds.clusterEncryption]);
  // With an upgrade in the same apply, the key waits for the pre-check like everything else.
  const withUpgrade = planChange(spec(), spec({ secretsEncryption: {}, kubernetesVersion: '1.34' }));
  assert.ok(before(withUpgrade, 'k8s:upgrade-precheck/1.34', stepIds.secretsKey));
  assert.ok(before(withUpgrade, changeStepIds.clusterEncryption, 'eks:cluster-version/1.34') || before(withUpgrade, 'eks:cluster-version/1.34', changeStepIds.clusterEncryption), 'one cluster update at a time');

  const refusal = (live: EnvironmentSpec, next: EnvironmentSpec) => {
    try {
      planChange(live, next);
    } catch (error) {
      return (error as ChangeRefusedError).problems.find((p) => p.path === '/secretsEncryption')?.message;
    }
    return undefined;
  };
  assert.match(refusal(spec({ secretsEncryption: {} }), spec()) ?? '', /EKS cannot turn off envelope encryption of Secrets once it is on; the way out: keep secretsEncryption/);
  assert.match(refusal(spec({ secretsEncryption: {} }), spec({ secretsEncryption: { keyArn } })) ?? '', /EKS cannot change the key that encrypts a cluster's Secrets \(eksflow's key alias\/eksflow\/day-two → arn:aws:kms:/);
});

test('the control-plane logs\' retention changes through the logging step; taking it away, or changing the Service network, is refused with the reason', () => {
  const logged = (days?: number) => spec({ controlPlaneLogging: ['api', 'audit'], ...(days ? { controlPlaneLogRetentionDays: days } : {}) });
  const longer = planChange(logged(30), logged(90));
  assert.deepEqual(ids(longer), [stepIds.clusterLogging]);
  assert.deepEqual([stepOf(longer, stepIds.clusterLogging).title, stepOf(longer, stepIds.clusterLogging).change], ['keep control-plane logs 90 days (PutRetentionPolicy on /aws/eks/day-two/cluster)', 'logs kept 30 → 90 days']);
  const both = planChange(logged(), spec({ controlPlaneLogging: ['api'], controlPlaneLogRetentionDays: 7 }));
  assert.equal(stepOf(both, stepIds.clusterLogging).change, 'disable audit; logs kept for ever → 7 days');
  const problemsOf = (live: EnvironmentSpec, next: EnvironmentSpec) => {
    try {
      planChange(live, next);
      return [];
    } catch (error) {
      return (error as ChangeRefusedError).problems;
    }
  };
  assert.match(problemsOf(logged(30), logged()).find((p) => p.path === '/controlPlaneLogRetentionDays')?.message ?? '', /does not take the log group's retention \(30 days\) away: CloudWatch Logs would then keep the logs for ever/);
  assert.match(problemsOf(spec(), spec({ kubernetesNetwork: { serviceIpv4Cidr: '10.200.0.0/16' } })).find((p) => p.path === '/kubernetesNetwork')?.message ?? '', /EKS sets a cluster's Service CIDR and IP family only when it creates the cluster/);
  assert.equal(planChange(spec(), spec({ kubernetesNetwork: { ipFamily: 'ipv4' } })).empty, true, 'EKS\'s default IP family written out: nothing to change');
});

test('OIDC identity providers are associated, replaced (disassociated first: EKS cannot change one) and disassociated, one cluster update at a time', () => {
  const provider = { name: 'corp', issuerUrl: 'https://idp.example.com', clientId: 'kubernetes' };
  const added = planChange(spec(), spec({ identityProviders: [provider] }));
  assert.deepEqual(added.steps.map((s) => [s.id, s.action]), [[stepIds.identityProvider('corp'), 'add']]);
  const replaced = planChange(spec({ identityProviders: [provider] }), spec({ identityProviders: [{ ...provider, clientId: 'k8s' }], controlPlaneLogging: ['api'] }));
  assert.deepEqual(replaced.steps.map((s) => [s.id, s.action]), [[stepIds.clusterLogging, 'update'], [changeStepIds.identityProviderRemove('corp'), 'replace'], [stepIds.identityProvider('corp'), 'replace']]);
  assert.ok(before(replaced, changeStepIds.identityProviderRemove('corp'), stepIds.identityProvider('corp')), 'gone before it is associated again');
  assert.ok(before(replaced, stepIds.clusterLogging, changeStepIds.identityProviderRemove('corp')), 'one cluster update at a time');
  const removed = planChange(spec({ identityProviders: [provider] }), spec());
  assert.deepEqual(removed.steps.map((s) => [s.id, s.action, s.change]), [[changeStepIds.identityProviderRemove('corp'), 'remove', 'its users (https://idp.example.com) can no longer authenticate']]);
});

test('ServiceAccounts with an AWS identity: added with the creation\'s steps (the Pod Identity agent with the first), removed through the ledger, replaced when changed', () => {
  const irsa = { namespace: 'shop', name: 'orders', identity: 'irsa', managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] };
  const pods = { namespace: 'shop', name: 'payments', identity: 'pod-identity', managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonSQSFullAccess'] };
  const added = planChange(spec(), spec({ serviceAccounts: [irsa, pods] }));
  assert.deepEqual(added.steps.map((s) => [s.id, s.action]), [
    ['eks:addon/eks-pod-identity-agent', 'add'],
    ['iam:workload-role/shop/orders', 'add'], ['k8s:service-account/shop/orders', 'add'],
    ['iam:workload-role/shop/payments', 'add'], ['k8s:service-account/shop/payments', 'add'], ['eks:pod-identity-association/shop/payments', 'add'],
  ]);
  assert.ok(before(added, 'eks:addon/eks-pod-identity-agent', 'eks:pod-identity-association/shop/payments'));
  const changed = planChange(spec({ serviceAccounts: [irsa, pods] }), spec({ serviceAccounts: [{ ...irsa, managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3FullAccess'] }] }));
  assert.deepEqual(changed.steps.map((s) => [s.id, s.action]), [
    [changeStepIds.serviceAccountRemove('shop/orders'), 'replace'], [changeStepIds.serviceAccountRemove('shop/payments'), 'remove'],
    ['iam:workload-role/shop/orders', 'replace'], ['k8s:service-account/shop/orders', 'replace'],
  ]);
  assert.ok(before(changed, changeStepIds.serviceAccountRemove('shop/orders'), 'iam:workload-role/shop/orders'), 'gone before it is made again');
});
