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

test('eksctl\'s 13-iamserviceaccounts.yaml: every service account translated, what eksflow cannot do refused by path', () => {
  const result = translateClusterConfig(example('13-iamserviceaccounts.yaml'));
  assert.ok(!result.ok);
  assert.deepEqual(result.errors.map((e) => e.path).sort(), [
    // An entry whose only grant is refused grants nothing; eksctl's self-managed nodeGroups leave no node group.
    '/iam/serviceAccounts/0/metadata/labels', '/iam/serviceAccounts/6/metadata/labels', '/iam/serviceAccounts/8/metadata/labels', '/iam/serviceAccounts/10', '/iam/serviceAccounts/10/attachRoleARN',
  ].sort(), JSON.stringify(result.errors));
});

test('eksctl configs with service accounts and pod identity associations translate', () => {
  const irsa = translateClusterConfig({
    apiVersion: 'eksctl.io/v1alpha5', kind: 'ClusterConfig', metadata: { name: 'c', region: 'us-west-2' }, managedNodeGroups: [{ name: 'ng' }],
    iam: { withOIDC: true, serviceAccounts: [{ metadata: { name: 's3-reader' }, attachPolicyARNs: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] }, { metadata: { name: 'lbc', namespace: 'kube-system' }, wellKnownPolicies: { awsLoadBalancerController: true } }],
      podIdentityAssociations: [{ namespace: 'dev', serviceAccountName: 'nginx', permissionPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['autoscaling:DescribeTags'], Resource: '*' }] } }] },
    addons: [{ name: 'eks-pod-identity-agent' }],
  });
  assert.ok(irsa.ok, JSON.stringify(!irsa.ok && irsa.errors));
  assert.deepEqual(irsa.spec.serviceAccounts!.map((s) => [s.namespace, s.name, s.identity]), [['default', 's3-reader', 'irsa'], ['kube-system', 'lbc', 'irsa'], ['dev', 'nginx', 'pod-identity']]);
  const pods = translateClusterConfig(example('39-pod-identity-association.yaml'));
  assert.ok(!pods.ok);
  assert.deepEqual(pods.errors.map((e) => e.path).sort(), [
    '/iam/podIdentityAssociations/0', '/iam/podIdentityAssociations/3', '/iam/podIdentityAssociations/0/roleARN', '/iam/podIdentityAssociations/1/permissionsBoundaryARN',
    '/iam/podIdentityAssociations/3/disableSessionTags', '/iam/podIdentityAssociations/3/roleARN', '/iam/podIdentityAssociations/3/targetRoleARN', '/iam/podIdentityAssociations/4/targetRoleARN',
  ].sort(), JSON.stringify(pods.errors));
});
