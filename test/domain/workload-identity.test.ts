import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import { parseEnvironmentSpec } from '../../src/domain/environment-spec';
import { irsaTrustPolicy } from '../../src/activities/oidc-provider';
import { planEnvironment } from '../../src/domain/planner';
import { workloadStepIds } from '../../src/domain/workload-identity-plan';
import { podIdentityTrustPolicy, workloadPermissions } from '../../src/domain/workload-identity';
import { appManifests } from '../../src/domain/app-manifests';
import { eksctlExamplesDir } from '../support/paths';

const base = {
  name: 'demo', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
  image: { uri: 'public.ecr.aws/nginx/nginx:1.27' },
};
const accounts = [
  { namespace: 'shop', name: 'reader', identity: 'irsa', managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] },
  { namespace: 'shop', name: 'cache', identity: 'pod-identity', wellKnownPolicies: ['autoScaler'], inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }] } },
];

test('an IRSA trust policy binds exactly one ServiceAccount through the OIDC provider, statement by statement', () => {
  const issuer = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE';
  const trust = irsaTrustPolicy('arn:aws:iam::123456789012:oidc-provider/' + issuer, `https://${issuer}`, 'shop', 'reader');
  assert.equal(trust.Statement.length, 1);
  assert.deepEqual(trust.Statement[0], {
    Effect: 'Allow', Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${issuer}` }, Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: { StringEquals: { [`${issuer}:sub`]: 'system:serviceaccount:shop:reader', [`${issuer}:aud`]: 'sts.amazonaws.com' } },
  });
  assert.deepEqual(podIdentityTrustPolicy().Statement, [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }]);
});

test('permissions: managed ARNs, eksctl\'s well-known policies as eksctl attaches them, and the inline document', () => {
  const granted = workloadPermissions({ namespace: 'a', name: 'b', identity: 'irsa', wellKnownPolicies: ['imageBuilder', 'externalDNS'], managedPolicyArns: ['arn:aws:iam::aws:policy/X'] }, 'us-east-1');
  assert.deepEqual(granted.managedPolicyArns, ['arn:aws:iam::aws:policy/X', 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser']);
  assert.deepEqual(Object.keys(granted.inlinePolicies), ['PolicyExternalDNSChangeSet', 'PolicyExternalDNSHostedZones']);
  assert.equal(granted.inlinePolicies.PolicyExternalDNSChangeSet!.Statement[0]!.Resource, 'arn:aws:route53:::hostedzone/*');
  const china = workloadPermissions({ namespace: 'a', name: 'b', identity: 'irsa', wellKnownPolicies: ['certManager'] }, 'cn-north-1');
  assert.equal(china.inlinePolicies.PolicyCertManagerGetChange!.Statement[0]!.Resource, 'arn:aws-cn:route53:::change/*');
});

test('bad service accounts are refused at their paths', () => {
  const refused = parseEnvironmentSpec({
    ...base, app: { name: 'shop', containerPort: 80, serviceAccount: 'nobody' },
    serviceAccounts: [accounts[0], { ...accounts[0] }, { namespace: 'x', name: 'y', identity: 'irsa' }, { namespace: 'x', name: 'z', identity: 'oidc', wellKnownPolicies: ['appMesh'] }],
  });
  assert.ok(!refused.ok);
  const paths = refused.errors.map((e) => e.path);
  for (const path of ['/app/serviceAccount', '/serviceAccounts/1/name', '/serviceAccounts/2', '/serviceAccounts/3/identity', '/serviceAccounts/3/wellKnownPolicies/0']) {
    assert.ok(paths.includes(path), `${path} in ${JSON.stringify(refused.errors)}`);
  }
});

test('the plan: roles, ServiceAccounts, the agent and the association; the app waits for its own; none without serviceAccounts', () => {
  const parsed = parseEnvironmentSpec({ ...base, addons: { 'aws-load-balancer-controller': {} }, serviceAccounts: accounts, app: { name: 'shop', containerPort: 80, serviceAccount: 'cache' } });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  const plan = planEnvironment(parsed.spec);
  const step = (id: string) => plan.steps.find((s) => s.id === id)!;
  assert.deepEqual(step(workloadStepIds.role(accounts[0]!)).dependsOn, ['iam:oidc-provider']);
  assert.deepEqual(step(workloadStepIds.role(accounts[1]!)).dependsOn, []);
  assert.ok(step(workloadStepIds.serviceAccount(accounts[0]!)).dependsOn.includes(workloadStepIds.role(accounts[0]!)));
  assert.deepEqual(step(workloadStepIds.association(accounts[1]!)).dependsOn, [workloadStepIds.role(accounts[1]!), 'eks:cluster', workloadStepIds.podIdentityAgent]);
  assert.ok(step('app:deployment').dependsOn.includes(workloadStepIds.association(accounts[1]!)));
  assert.equal(appManifests(parsed.spec.app!, 'x', { environment: 'e' }).deployment.spec!.template.spec!.serviceAccountName, 'cache');
  const without = parseEnvironmentSpec(base);
  assert.ok(without.ok);
  assert.ok(!planEnvironment(without.spec).steps.some((s) => ['workload-role', 'service-account', 'pod-identity-agent', 'pod-identity-association'].includes(s.kind)));
  const fargateOnly = parseEnvironmentSpec({ ...base, nodeGroups: [], fargateProfiles: [{ name: 'p', selectors: [{ namespace: 'shop' }] }], serviceAccounts: [accounts[1]] });
  assert.ok(fargateOnly.ok);
  assert.throws(() => planEnvironment(fargateOnly.spec), /serviceAccounts\/0\/identity: EKS Pod Identity works only on EC2 nodes/);
});

const example = (name: string) => readFileSync(join(eksctlExamplesDir, name), 'utf8');

// The examples' placeholder ARNs (accounts 123 and 11111, and "arn:aws:iam:11111:policy/…" with
// one colon) are read as eksctl reads them (it checks none of them by format); IAM would refuse
// them, so the plan warns about each and the run checks them before it makes anything
// (src/domain/aws-ids.ts). Node groups in them may still be refused by settings other work
// builds: only /iam paths are asserted here.
const iamErrors = (result: ReturnType<typeof translateClusterConfig>) => (result.ok ? [] : result.errors.filter((e) => e.path.startsWith('/iam')));
const realAccounts = (yaml: string) => yaml.replaceAll('arn:aws:iam:11111:', 'arn:aws:iam::111111111111:').replaceAll('::11111:', '::111111111111:').replaceAll('::123:', '::123456789012:');

test('eksctl\'s 13-iamserviceaccounts.yaml: labels and attachRoleARN translate, the placeholder role ARN too; the plan warns about it', () => {
  const result = translateClusterConfig(example('13-iamserviceaccounts.yaml'));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  const warnings = planEnvironment(result.spec).warnings ?? [];
  assert.deepEqual(warnings.map((w) => w.path), ['/serviceAccounts/10/roleArn']);
  assert.match(warnings[0]!.message, /^"arn:aws:iam::123:role\/already-create…" is not an IAM role ARN/);
  const real = translateClusterConfig(realAccounts(example('13-iamserviceaccounts.yaml')));
  assert.ok(real.ok);
  assert.equal(planEnvironment(real.spec).warnings, undefined);
});

test('eksctl\'s 17-permissions-boundary.yaml: the three /iam boundaries translate, placeholders included', () => {
  const result = translateClusterConfig(example('17-permissions-boundary.yaml'));
  assert.deepEqual(iamErrors(result), [], JSON.stringify(iamErrors(result)));
  assert.deepEqual(iamErrors(translateClusterConfig(realAccounts(example('17-permissions-boundary.yaml')))), []);
});

test('eksctl\'s 39-pod-identity-association.yaml: roleARN, permissionsBoundaryARN, targetRoleARN and disableSessionTags translate', () => {
  const result = translateClusterConfig(example('39-pod-identity-association.yaml'));
  assert.deepEqual(iamErrors(result), []);
});

test('eksctl configs with service accounts and pod identity associations translate, each new field to its spec field', () => {
  const boundary = 'arn:aws:iam::111122223333:policy/permission-boundary';
  // No node groups: the translation of eksctl's node groups waits on settings other work builds.
  const result = translateClusterConfig({
    apiVersion: 'eksctl.io/v1alpha5', kind: 'ClusterConfig', metadata: { name: 'c', region: 'us-west-2' },
    fargateProfiles: [{ name: 'fp', selectors: [{ namespace: 'batch' }] }],
    iam: {
      withOIDC: true, serviceRolePermissionsBoundary: boundary, fargatePodExecutionRolePermissionsBoundary: boundary,
      serviceAccounts: [
        { metadata: { name: 's3-reader', labels: { 'aws-usage': 'application' } }, attachPolicyARNs: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'], permissionsBoundary: boundary, tags: { team: 'a' } },
        { metadata: { name: 'some-app' }, attachRoleARN: 'arn:aws:iam::111122223333:role/already-created' },
      ],
      podIdentityAssociations: [
        { namespace: 'default', serviceAccountName: 's3', roleARN: 'arn:aws:iam::111122223333:role/role-a', targetRoleARN: 'arn:aws:iam::444455556666:role/role-b', disableSessionTags: true },
        { namespace: 'dev', serviceAccountName: 'nginx', roleName: 'pod-role', permissionPolicyARNs: ['arn:aws:iam::111122223333:policy/p'], permissionsBoundaryARN: boundary, tags: { team: 'b' } },
      ],
    },
    addons: [{ name: 'eks-pod-identity-agent' }],
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  assert.deepEqual(result.spec.permissionsBoundaries, { clusterRole: boundary, fargateRole: boundary });
  assert.deepEqual(result.spec.serviceAccounts, [
    { namespace: 'default', name: 's3-reader', identity: 'irsa', managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'], labels: { 'aws-usage': 'application' }, permissionsBoundary: boundary, tags: { team: 'a' } },
    { namespace: 'default', name: 'some-app', identity: 'irsa', roleArn: 'arn:aws:iam::111122223333:role/already-created' },
    { namespace: 'default', name: 's3', identity: 'pod-identity', roleArn: 'arn:aws:iam::111122223333:role/role-a', targetRoleArn: 'arn:aws:iam::444455556666:role/role-b', disableSessionTags: true },
    { namespace: 'dev', name: 'nginx', identity: 'pod-identity', roleName: 'pod-role', managedPolicyArns: ['arn:aws:iam::111122223333:policy/p'], permissionsBoundary: boundary, tags: { team: 'b' } },
  ]);
  // A rule broken is reported at the eksctl path, in eksctl's words.
  const both = translateClusterConfig({
    apiVersion: 'eksctl.io/v1alpha5', kind: 'ClusterConfig', metadata: { name: 'c', region: 'us-west-2' }, fargateProfiles: [{ name: 'fp', selectors: [{ namespace: 'batch' }] }],
    iam: { withOIDC: true, podIdentityAssociations: [{ namespace: 'dev', serviceAccountName: 'x', roleARN: 'arn:aws:iam::111122223333:role/r', permissionPolicyARNs: ['arn:aws:iam::111122223333:policy/p'] }] },
  });
  assert.ok(!both.ok);
  assert.deepEqual(both.errors.map((e) => e.path), ['/iam/podIdentityAssociations/0/permissionPolicyARNs']);
  assert.match(both.errors[0]!.message, /remove permissionPolicyARNs, or roleARN to have eksflow make the role/);
});

test('roleArn: a role of the user\'s own grants enough alone, takes nothing that would change it, and the plan makes no role for it', () => {
  const own = 'arn:aws:iam::111122223333:role/already-created';
  const refused = parseEnvironmentSpec({
    ...base, serviceAccounts: [
      { namespace: 'a', name: 'policies', identity: 'irsa', roleArn: own, managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] },
      { namespace: 'a', name: 'named', identity: 'pod-identity', roleArn: own, roleName: 'mine' },
      { namespace: 'a', name: 'bounded', identity: 'irsa', roleArn: own, permissionsBoundary: 'arn:aws:iam::111122223333:policy/b' },
      { namespace: 'a', name: 'tagged', identity: 'irsa', roleArn: own, tags: { team: 'a' } },
      { namespace: 'a', name: 'chained', identity: 'irsa', roleArn: own, targetRoleArn: own, disableSessionTags: true },
      { namespace: 'a', name: 'short', identity: 'irsa', roleArn: 'arn:aws:iam::123456789012:user/x' },
    ],
  });
  assert.ok(!refused.ok);
  assert.deepEqual(refused.errors.map((e) => e.path).sort(), [
    '/serviceAccounts/0/managedPolicyArns', '/serviceAccounts/1/roleName', '/serviceAccounts/2/permissionsBoundary', '/serviceAccounts/3/tags',
    '/serviceAccounts/4/disableSessionTags', '/serviceAccounts/4/targetRoleArn', '/serviceAccounts/5/roleArn',
  ], JSON.stringify(refused.errors));
  assert.match(refused.errors.find((e) => e.path === '/serviceAccounts/0/managedPolicyArns')!.message, /eksflow would not change a role it does not own/);

  const accepted = parseEnvironmentSpec({
    ...base, serviceAccounts: [
      { namespace: 'a', name: 'irsa', identity: 'irsa', roleArn: own, labels: { 'aws-usage': 'application' } },
      { namespace: 'a', name: 'pods', identity: 'pod-identity', roleArn: own, targetRoleArn: 'arn:aws:iam::444455556666:role/b', disableSessionTags: true, tags: { team: 'a' } },
    ],
  });
  assert.ok(accepted.ok, JSON.stringify(!accepted.ok && accepted.errors));
  const plan = planEnvironment(accepted.spec);
  const [irsa, pods] = accepted.spec.serviceAccounts!;
  assert.ok(!plan.steps.some((s) => s.kind === 'workload-role'), 'no role step: the role is the user\'s');
  const step = (id: string) => plan.steps.find((s) => s.id === id)!;
  assert.ok(!step(workloadStepIds.serviceAccount(irsa!)).dependsOn.some((d) => d.startsWith('iam:')));
  assert.match(step(workloadStepIds.serviceAccount(irsa!)).title, /annotated with arn:aws:iam::111122223333:role\/already-created/);
  assert.deepEqual(step(workloadStepIds.association(pods!)).dependsOn, ['eks:cluster', workloadStepIds.podIdentityAgent]);
  assert.match(step(workloadStepIds.association(pods!)).title, /which assumes arn:aws:iam::444455556666:role\/b/);
});

test('permission boundaries: on a service account\'s role and the cluster and Fargate roles, as policy ARNs', () => {
  const boundary = 'arn:aws:iam::111122223333:policy/boundary';
  const ok = parseEnvironmentSpec({ ...base, permissionsBoundaries: { clusterRole: boundary, fargateRole: boundary }, serviceAccounts: [{ ...accounts[0], permissionsBoundary: boundary }] });
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.errors));
  const bad = parseEnvironmentSpec({ ...base, permissionsBoundaries: { clusterRole: 'arn:aws:iam::111122223333:role/b', nodeRole: boundary }, serviceAccounts: [{ ...accounts[0], permissionsBoundary: 'boundary' }] });
  assert.ok(!bad.ok);
  for (const path of ['/permissionsBoundaries/clusterRole', '/permissionsBoundaries/nodeRole', '/serviceAccounts/0/permissionsBoundary']) {
    assert.ok(bad.errors.some((e) => e.path === path), `${path} in ${JSON.stringify(bad.errors)}`);
  }
  // Boundaries add no step and change none: the plan is the one without them (so old specs' plans are unchanged).
  const plain = parseEnvironmentSpec({ ...base, serviceAccounts: [accounts[0]] });
  assert.ok(plain.ok && ok.ok);
  const shape = (spec: Parameters<typeof planEnvironment>[0]) => planEnvironment(spec).steps.map((s) => [s.id, s.title, s.dependsOn]);
  assert.deepEqual(shape(ok.spec), shape(plain.spec));
});
