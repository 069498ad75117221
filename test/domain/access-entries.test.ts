import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { accessPolicyArn, principalOfCaller, withDefaultEntries, type AccessEntrySpec } from '../../src/domain/access-entries';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { planEnvironment, stepIds } from '../../src/domain/planner';
import { join } from 'node:path';
import { eksctlExamplesDir } from '../support/paths';

const admin = 'arn:aws:iam::111122223333:role/platform-admin';
const viewer = 'arn:aws:iam::111122223333:user/dev/alice';

const base = {
  name: 'demo', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }],
};

function parsed(access: unknown): EnvironmentSpec {
  const result = parseEnvironmentSpec({ ...base, access });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.spec;
}

function refused(access: unknown): { path: string; message: string }[] {
  const result = parseEnvironmentSpec({ ...base, access });
  assert.equal(result.ok, false, 'expected the spec to be refused');
  return result.ok ? [] : result.errors;
}

test('spec: access entries take principals, scoped policies and groups, with defaults filled in', () => {
  const spec = parsed({
    entries: [
      { principalArn: admin, accessPolicies: [{ policy: 'AmazonEKSClusterAdminPolicy' }] },
      { principalArn: viewer, kubernetesGroups: ['viewers'], accessPolicies: [{ policy: 'AmazonEKSViewPolicy', scope: 'namespace', namespaces: ['web', 'dev-*'] }] },
    ],
  });
  assert.deepEqual(spec.access, {
    authenticationMode: 'API_AND_CONFIG_MAP',
    entries: [
      { principalArn: admin, type: 'STANDARD', accessPolicies: [{ policy: 'AmazonEKSClusterAdminPolicy', scope: 'cluster' }] },
      { principalArn: viewer, type: 'STANDARD', kubernetesGroups: ['viewers'], accessPolicies: [{ policy: 'AmazonEKSViewPolicy', scope: 'namespace', namespaces: ['web', 'dev-*'] }] },
    ],
  });
  // An IAM Identity Center role keeps its reserved path (without it EKS answers "invalid principal": catalog 4).
  parsed({ entries: [{ principalArn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef', accessPolicies: [{ policy: 'AmazonEKSAdminPolicy' }] }] });
  // A spec without access says nothing about it: older specs parse exactly as before.
  assert.equal(parseEnvironmentSpec(base).ok && (parseEnvironmentSpec(base) as { spec: EnvironmentSpec }).spec.access, undefined);
});

test('spec: bad access entries are refused at their path, with the reason and the way out', () => {
  const byPath = (errors: { path: string; message: string }[]) => Object.fromEntries(errors.map((e) => [e.path, e.message]));
  const errors = byPath(refused({
    authenticationMode: 'CONFIG_MAP',
    entries: [
      { principalArn: 'arn:aws:iam::111122223333:group/admins', accessPolicies: [{ policy: 'AmazonEKSViewPolicy' }] },
      { principalArn: admin, accessPolicies: [{ policy: 'AmazonEKSSuperPolicy' }] },
      { principalArn: viewer, accessPolicies: [{ policy: 'AmazonEKSViewPolicy', scope: 'namespace' }] },
      { principalArn: admin, accessPolicies: [{ policy: 'AmazonEKSEditPolicy', namespaces: ['web'] }] },
      { principalArn: 'arn:aws:iam::111122223333:role/nobody' },
      { principalArn: 'arn:aws:iam::111122223333:role/nodes', type: 'EC2_LINUX', kubernetesGroups: ['x'] },
      { principalArn: 'arn:aws:iam::111122223333:role/root', kubernetesGroups: ['system:masters'] },
    ],
  }));
  assert.match(errors['/access/authenticationMode']!, /must be one of API, API_AND_CONFIG_MAP/);
  assert.match(errors['/access/entries/0/principalArn']!, /IAM user or role ARN/);
  assert.match(errors['/access/entries/1/accessPolicies/0/policy']!, /must be one of AmazonEKSClusterAdminPolicy, AmazonEKSAdminPolicy, AmazonEKSEditPolicy, AmazonEKSViewPolicy/);
  assert.match(errors['/access/entries/2/accessPolicies/0/namespaces']!, /a namespace scope needs the namespaces.*list them in namespaces, or set scope to cluster/);
  assert.match(errors['/access/entries/3/principalArn']!, /already has an entry at \/access\/entries\/1; .*merge/);
  assert.match(errors['/access/entries/3/accessPolicies/0/namespaces']!, /only for scope namespace/);
  assert.match(errors['/access/entries/4/accessPolicies']!, /grants nothing: give at least one access policy/);
  assert.match(errors['/access/entries/5/type']!, /EC2_LINUX entries .* take no access policies or groups; use type STANDARD/);
  assert.match(errors['/access/entries/6/kubernetesGroups/0']!, /system:.*AmazonEKSClusterAdminPolicy instead/);
});

test('planner: one step per principal, after the cluster is ACTIVE; none without access entries', () => {
  const spec = parsed({
    entries: [
      { principalArn: admin, accessPolicies: [{ policy: 'AmazonEKSClusterAdminPolicy' }] },
      { principalArn: viewer, accessPolicies: [{ policy: 'AmazonEKSViewPolicy', scope: 'namespace', namespaces: ['web'] }] },
    ],
  });
  const plan = planEnvironment(spec);
  const steps = plan.steps.filter((step) => step.kind === 'access-entry');
  assert.deepEqual(steps.map((step) => [step.id, step.dependsOn, step.subject]), [
    [stepIds.accessEntry(admin), [stepIds.cluster], admin],
    [stepIds.accessEntry(viewer), [stepIds.cluster], viewer],
  ]);
  assert.equal(steps[0]!.title, `grant ${admin}: ClusterAdmin on the cluster`);
  assert.equal(steps[1]!.title, `grant ${viewer}: View on web`);
  // The same wave: neither waits for the other, nor for nodes.
  const wave = plan.waves.findIndex((w) => w.includes(steps[0]!.id));
  assert.ok(plan.waves[wave]!.includes(steps[1]!.id));
  const withoutAccess = planEnvironment(parsed(undefined));
  assert.equal(withoutAccess.steps.some((step) => step.kind === 'access-entry'), false);
});

test('tenant defaults join the spec visibly; an entry the request gives for the same principal is kept as asked', () => {
  const defaults: AccessEntrySpec[] = [
    { principalArn: admin, type: 'STANDARD', accessPolicies: [{ policy: 'AmazonEKSClusterAdminPolicy', scope: 'cluster' }] },
    { principalArn: 'arn:aws:iam::111122223333:role/auditor', type: 'STANDARD', accessPolicies: [{ policy: 'AmazonEKSViewPolicy', scope: 'cluster' }] },
  ];
  const none = withDefaultEntries(parsed(undefined), defaults);
  assert.deepEqual(none.access, { authenticationMode: 'API_AND_CONFIG_MAP', entries: defaults });
  const own = withDefaultEntries(parsed({ authenticationMode: 'API', entries: [{ principalArn: admin, accessPolicies: [{ policy: 'AmazonEKSViewPolicy' }] }] }), defaults);
  assert.deepEqual(own.access?.entries.map((e) => [e.principalArn, e.accessPolicies[0]!.policy]), [[admin, 'AmazonEKSViewPolicy'], ['arn:aws:iam::111122223333:role/auditor', 'AmazonEKSViewPolicy']]);
  assert.equal(own.access?.authenticationMode, 'API');
  const spec = parsed(undefined);
  assert.equal(withDefaultEntries(spec, []), spec);
});

// eksctl's own example, read from where it is (never copied into the repository).
const upstreamExample = join(eksctlExamplesDir, '40-access-entries.yaml');

test('translator: eksctl\'s 40-access-entries.yaml — its accessConfig translates whole, bootstrapClusterCreatorAdminPermissions false included; only its Kubernetes version is refused', () => {
  const text = readFileSync(upstreamExample, 'utf8');
  const result = translateClusterConfig(text);
  assert.equal(result.ok, false);
  const errors = result.ok ? [] : result.errors;
  // The rest of the file is outside access entries: a Kubernetes version EKS no longer supports.
  assert.deepEqual(errors.map((e) => e.path), ['/metadata/version']);

  const accepted = translateClusterConfig(text, { kubernetesVersion: '1.35' });
  assert.ok(accepted.ok, JSON.stringify(!accepted.ok && accepted.errors));
  assert.deepEqual(accepted.spec.access, {
    authenticationMode: 'API',
    bootstrapClusterCreatorAdminPermissions: false,
    entries: [
      { principalArn: 'arn:aws:iam::111122223333:user/my-user-name', type: 'STANDARD', kubernetesGroups: ['group1', 'group2'], accessPolicies: [] },
      { principalArn: 'arn:aws:iam::111122223333:role/role-name-1', type: 'STANDARD', accessPolicies: [{ policy: 'AmazonEKSViewPolicy', scope: 'namespace', namespaces: ['default', 'my-namespace', 'dev-*'] }] },
      { principalArn: 'arn:aws:iam::111122223333:role/admin-role', type: 'STANDARD', accessPolicies: [{ policy: 'AmazonEKSClusterAdminPolicy', scope: 'cluster' }] },
      { principalArn: 'arn:aws:iam::111122223333:role/role-name-2', type: 'EC2_LINUX', accessPolicies: [] },
    ],
  });
  // Planned: the worker's own entry right after the cluster, before the first Kubernetes call.
  const plan = planEnvironment(accepted.spec);
  const step = plan.steps.find((s) => s.kind === 'worker-access')!;
  assert.deepEqual(step.dependsOn, ['eks:cluster']);
  assert.match(step.title, /eksflow's worker manages this cluster through an access entry of its own \(AmazonEKSClusterAdminPolicy\); no creator admin is bootstrapped/);
  assert.ok(plan.steps.find((s) => s.kind === 'kube-api-ready')!.dependsOn.includes(step.id));
  // Left out (or true), nothing changes: no such step.
  const config = parse(text) as { accessConfig: { bootstrapClusterCreatorAdminPermissions?: boolean } };
  delete config.accessConfig.bootstrapClusterCreatorAdminPermissions;
  const kept = translateClusterConfig(config, { kubernetesVersion: '1.35' });
  assert.ok(kept.ok);
  assert.equal(kept.spec.access?.bootstrapClusterCreatorAdminPermissions, undefined);
  assert.equal(planEnvironment(kept.spec).steps.some((s) => s.kind === 'worker-access'), false);
});

test('the worker\'s principal as an access entry names it: a role session\'s ARN becomes its role\'s (EKS takes no STS session principal)', () => {
  assert.deepEqual(principalOfCaller('arn:aws:sts::111122223333:assumed-role/eksflow-worker/i-0abc'), { principalArn: 'arn:aws:iam::111122223333:role/eksflow-worker', roleName: 'eksflow-worker' });
  assert.deepEqual(principalOfCaller('arn:aws-cn:sts::111122223333:assumed-role/w/botocore-session-1'), { principalArn: 'arn:aws-cn:iam::111122223333:role/w', roleName: 'w' });
  assert.deepEqual(principalOfCaller('arn:aws:iam::111122223333:user/ci'), { principalArn: 'arn:aws:iam::111122223333:user/ci' });
});

test('translator: accessConfig mistakes are reported at their ClusterConfig paths', () => {
  const config = {
    apiVersion: 'eksctl.io/v1alpha5', kind: 'ClusterConfig', metadata: { name: 'demo', region: 'us-east-1', version: '1.35' },
    managedNodeGroups: [{ name: 'ng' }],
    accessConfig: {
      authenticationMode: 'CONFIG_MAP',
      accessEntries: [
        { principalARN: admin, accessPolicies: [{ policyARN: 'arn:aws:iam::aws:policy/AdministratorAccess', accessScope: { type: 'cluster' } }] },
        { principalARN: 'not-an-arn', username: 'bob', accessPolicies: [{ policyARN: accessPolicyArn('AmazonEKSEditPolicy'), accessScope: { type: 'namespace' } }] },
      ],
    },
  };
  const result = translateClusterConfig(config);
  assert.equal(result.ok, false);
  const errors = Object.fromEntries((result.ok ? [] : result.errors).map((e) => [e.path, e.message]));
  assert.match(errors['/accessConfig/authenticationMode']!, /CONFIG_MAP alone cannot hold access entries; use API or API_AND_CONFIG_MAP/);
  assert.match(errors['/accessConfig/accessEntries/0/accessPolicies/0/policyARN']!, /must be one of the EKS access policies eksflow grants: arn:aws:eks::aws:cluster-access-policy\/AmazonEKSClusterAdminPolicy/);
  assert.match(errors['/accessConfig/accessEntries/1/principalARN']!, /IAM user or role ARN/);
  // A username is taken (CreateAccessEntry username); one EKS reserves is refused.
  assert.equal(errors['/accessConfig/accessEntries/1/username'], undefined);
  const reserved = translateClusterConfig({ ...config, accessConfig: { accessEntries: [{ principalARN: admin, username: 'system:admin' }] } });
  assert.match(reserved.ok ? '' : reserved.errors.find((e) => e.path === '/accessConfig/accessEntries/0/username')?.message ?? '', /not starting with system:, eks:, aws:, amazon: or iam:/);
  assert.match(errors['/accessConfig/accessEntries/1/accessPolicies/0/accessScope/namespaces']!, /a namespace scope needs the namespaces/);
});
