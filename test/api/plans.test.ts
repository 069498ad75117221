import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bodyLimitBytes } from '../../src/api/request-spec';
import { planText, type PlanBody } from '../../src/cli/render';
import { apiWithoutTemporalPerFile } from '../support/api';

// A dry run needs no Temporal: the client points nowhere, and nothing may be started.
const noTemporal = apiWithoutTemporalPerFile();

const spec = {
  name: 'awesomebuilder-container', region: 'us-east-1',
  network: { vpc: { availabilityZones: 2 } },
  nodeGroups: [{ name: 'on-demand', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 4 }],
  image: { uri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/awesomebuilder:1' },
  app: { name: 'awesomebuilder', containerPort: 5000 },
  addons: { 'aws-load-balancer-controller': {} },
};
const post = (payload: unknown, contentType = 'application/json') =>
  noTemporal.bed.as('teamAViewer', { method: 'POST', url: '/v1/plans', headers: { 'content-type': contentType }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });

test('a plan: steps, waves, the critical path and the tree, for an EnvironmentSpec', async () => {
  const response = await post(spec);
  assert.equal(response.statusCode, 200, response.body);
  const plan = response.json<{ steps: { id: string }[]; waves: string[][]; criticalPath: string[]; criticalPathSeconds: number; estimate: string; tree: string }>();
  assert.deepEqual(plan.criticalPath.slice(-3), ['addon:aws-load-balancer-controller', 'app:deployment', 'app:load-balancer']);
  assert.equal(plan.waves.flat().length, plan.steps.length);
  assert.ok(plan.criticalPathSeconds > 600, 'the control plane alone takes ten minutes');
  assert.match(plan.tree, /^plan for environment "awesomebuilder-container" in us-east-1/);
  assert.match(plan.estimate, /^\d+m/);
});

test('an EKS Auto Mode plan says what it leaves out; a plan without Auto Mode has no notes', async () => {
  const response = await post({ ...spec, nodeGroups: [], addons: {}, autoMode: {} });
  assert.equal(response.statusCode, 200, response.body);
  const plan = response.json<{ steps: { id: string }[]; notes?: string[]; tree: string }>();
  assert.ok(!plan.steps.some((s) => s.id === 'addon:aws-load-balancer-controller' || s.id.startsWith('eks:nodegroup/')));
  assert.match(plan.notes?.[0] ?? '', /^provided by EKS Auto Mode/);
  assert.match(plan.tree, /\nnote: provided by EKS Auto Mode/);
  assert.equal((await post(spec)).json<{ notes?: string[] }>().notes, undefined);
});

test('an eksctl ClusterConfig as YAML is planned the same way', async () => {
  const yaml = 'apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: { name: demo, region: eu-west-1, version: "1.33" }\nmanagedNodeGroups:\n  - name: general\n    desiredCapacity: 2\n';
  const response = await post(yaml, 'application/yaml');
  assert.equal(response.statusCode, 200, response.body);
  assert.ok(response.json<{ steps: { id: string }[] }>().steps.some((s) => s.id === 'eks:nodegroup/general'));
});

test('bad requests are 400s naming every problem by path, and never plan anything', async () => {
  const invalid = await post({ ...spec, name: 'Not_A_Name', nodeGroups: [{ name: 'g', instanceTypes: ['m5.large'], minSize: 3, desiredSize: 1, maxSize: 2 }] });
  assert.equal(invalid.statusCode, 400);
  const body = invalid.json<{ error: string; errors: { path: string }[] }>();
  assert.equal(body.error, 'InvalidSpec');
  assert.deepEqual(body.errors.map((e) => e.path).sort(), ['/name', '/nodeGroups/0/desiredSize', '/nodeGroups/0/minSize']);

  const conflicting = await post({ ...spec, addons: { 'cluster-autoscaler': {}, karpenter: {}, 'aws-load-balancer-controller': {} } });
  assert.equal(conflicting.statusCode, 400);
  assert.equal(conflicting.json<{ error: string }>().error, 'InvalidPlan');
  assert.match(conflicting.body, /cluster-autoscaler conflicts with karpenter/);

  const brokenYaml = await post('apiVersion: [unclosed', 'application/yaml');
  assert.equal(brokenYaml.statusCode, 400);
  assert.match(brokenYaml.json<{ errors: { message: string }[] }>().errors[0]!.message, /^not valid YAML/);

  const brokenJson = await post('{"name": ', 'application/json');
  assert.equal(brokenJson.statusCode, 400);
  assert.match(brokenJson.json<{ message: string }>().message, /^the body is not valid JSON/);
});

test('wrong media types are 415, oversized bodies 413, and unknown routes 404, each with a message to act on', async () => {
  const text = await post('name=demo', 'text/plain');
  assert.equal(text.statusCode, 415);
  assert.match(text.json<{ message: string }>().message, /application\/json, or an eksctl ClusterConfig as application\/yaml/);

  const huge = await post({ ...spec, tags: { padding: 'x'.repeat(bodyLimitBytes) } });
  assert.equal(huge.statusCode, 413);
  const hugeYaml = await post(`# ${'x'.repeat(bodyLimitBytes)}\n`, 'application/yaml');
  assert.equal(hugeYaml.statusCode, 413);

  const missing = await noTemporal.bed.api.inject({ method: 'GET', url: '/v1/nothing-here' });
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), { error: 'NotFound', message: 'no route for GET /v1/nothing-here' });
  for (const response of [text, huge, hugeYaml, missing]) assert.ok(!response.body.includes('    at '), 'no stack trace in a response');
});

test('planning needs a token: without one it is 401 with a Bearer challenge', async () => {
  const response = await noTemporal.bed.api.inject({ method: 'POST', url: '/v1/plans', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(spec) });
  assert.equal(response.statusCode, 401);
  assert.equal(response.headers['www-authenticate'], 'Bearer realm="eksflow"');
});

test('core EKS add-ons: planned check-first when asked for; bad ones are 400s naming the field, the reason and the way out', async () => {
  const planned = await post({ ...spec, eksAddons: { 'vpc-cni': { podSecurityGroups: true }, coredns: { configurationValues: 'replicaCount: 3' }, 'aws-ebs-csi-driver': {} } });
  assert.equal(planned.statusCode, 200, planned.body);
  const plan = planned.json<{ waves: string[][]; steps: { id: string }[] }>();
  assert.deepEqual(plan.waves[0], ['eks:addons-check']);
  for (const id of ['eks:addon/vpc-cni', 'eks:addon/coredns', 'eks:addon/aws-ebs-csi-driver', 'iam:irsa/aws-ebs-csi-driver']) assert.ok(plan.steps.some((s) => s.id === id), id);

  const refused = await post({ ...spec, eksAddons: { 'aws-efs-csi-driver': {}, coredns: { version: 'newest', resolveConflicts: 'PRESERVE' } } });
  assert.equal(refused.statusCode, 400);
  const errors = refused.json<{ errors: { path: string; message: string }[] }>().errors;
  assert.deepEqual(errors.map((e) => e.path).sort(), ['/eksAddons/aws-efs-csi-driver', '/eksAddons/coredns/resolveConflicts', '/eksAddons/coredns/version']);
  assert.match(errors.find((e) => e.path === '/eksAddons/aws-efs-csi-driver')!.message, /is not a core EKS add-on eksflow installs \(vpc-cni, coredns, kube-proxy, aws-ebs-csi-driver, eks-pod-identity-agent\); other add-ons go under addons/);
  assert.match(errors.find((e) => e.path === '/eksAddons/coredns/version')!.message, /or latest; the default version for the cluster's Kubernetes minor when left out/);
});

test('pod capacity: pods that fit only above desiredSize come back as warnings (and the CLI prints them); pods that cannot fit at maxSize are refused', async () => {
  const crowded = (replicas: number, maxSize: number) => ({
    ...spec, app: { ...spec.app, replicas }, nodeGroups: [{ name: 'on-demand', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize }],
  });
  const fits = await post(spec);
  assert.equal('warnings' in fits.json<object>(), false, 'a plan that fits has no warnings field');

  // m5.large: 29 pods a node, 27 beside aws-node and kube-proxy; coredns 2 + controller 2 + the app's 40 = 44.
  const warned = await post(crowded(40, 3));
  assert.equal(warned.statusCode, 200, warned.body);
  const plan = warned.json<PlanBody & { warnings: { path: string; message: string }[] }>();
  assert.deepEqual(plan.warnings.map((w) => w.path), ['/nodeGroups']);
  assert.match(plan.warnings[0]!.message, /^the 44 pods beside the DaemonSets .* fit only when the node groups grow past desiredSize: 27 free slots at desiredSize, 81 at maxSize/);
  assert.match(planText(plan), /\nwarning: \/nodeGroups: the 44 pods beside the DaemonSets/);

  const refused = await post(crowded(40, 1));
  assert.equal(refused.statusCode, 400);
  const body = refused.json<{ error: string; errors: { path: string; message: string }[] }>();
  assert.equal(body.error, 'InvalidPlan');
  assert.deepEqual(body.errors.map((e) => e.path), ['/nodeGroups']);
  assert.match(body.errors[0]!.message, /^the pods do not fit even at maxSize: 44 pods .* and only 27 free slots .*; give more nodes \(maxSize of on-demand 2 or more\), or a bigger instance type, or prefix delegation/);
});

test('a ClusterConfig\'s translation warnings come back with the plan, at their ClusterConfig paths (and the CLI prints them)', async () => {
  const config = `apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: { name: karpenter-raised, region: us-west-2, version: "1.31" }
karpenter: { version: v0.20.0 }
managedNodeGroups: [{ name: ng, desiredCapacity: 1 }]
`;
  const response = await post(config, 'application/yaml');
  assert.equal(response.statusCode, 200, response.body);
  const plan = response.json<PlanBody & { warnings: { path: string; message: string }[] }>();
  assert.deepEqual(plan.warnings.map((w) => w.path), ['/karpenter/version']);
  assert.match(planText(plan), /\nwarning: \/karpenter\/version: karpenter v0\.20\.0 does not support Kubernetes 1\.31 .*eksflow installs 1\.14\.1, the release tested with its chart/);
});
