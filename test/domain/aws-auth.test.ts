import assert from 'node:assert/strict';
import { test } from 'node:test';
import { awsAuthEntries, emrContainersRbac } from '../../src/domain/aws-auth';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import { parseEnvironmentSpec } from '../../src/domain/environment-spec';
import { planEnvironment } from '../../src/domain/planner';

const config = (mappings: string, accessConfig = '') => `
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: { name: mapped, region: us-east-1, version: "1.35" }
managedNodeGroups: [{ name: ng }]
iamIdentityMappings:
${mappings}
${accessConfig}`;

test('iamIdentityMappings access entries cannot hold go to access.awsAuth, in order, and are planned as one step after the Kubernetes API answers', () => {
  const result = translateClusterConfig(config('  - { serviceName: emr-containers, namespace: emr }\n  - { account: "111122223333" }\n  - { serviceName: emr-containers, namespace: spark }'));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  assert.deepEqual(result.spec.access?.awsAuth, { emrContainers: ['emr', 'spark'], accounts: ['111122223333'] });
  assert.equal(result.spec.access?.authenticationMode, 'API_AND_CONFIG_MAP');
  const step = planEnvironment(result.spec).steps.find((s) => s.kind === 'aws-auth')!;
  assert.deepEqual(step.dependsOn, ['eks:cluster', 'k8s:api-ready']);
  assert.equal(step.title, 'map in the aws-auth ConfigMap: EMR on EKS (AWSServiceRoleForAmazonEMRContainers as emr-containers, its Role and RoleBinding in emr, spark); every principal of account 111122223333');
});

test('what eksctl refuses, and aws-auth with authenticationMode API, are refused at their paths with the way out', () => {
  const errors = (text: string) => {
    const result = translateClusterConfig(text);
    return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
  };
  assert.deepEqual(errors(config('  - { serviceName: batch, namespace: x }')), ['/iamIdentityMappings/0/serviceName: must be emr-containers, the one service eksctl maps (not "batch")']);
  assert.match(errors(config('  - { serviceName: emr-containers }'))[0]!, /^\/iamIdentityMappings\/0\/namespace: is missing/);
  assert.match(errors(config('  - { account: "111122223333", username: x }'))[0]!, /^\/iamIdentityMappings\/0\/username: an account mapping takes no other options/);
  assert.match(errors(config('  - { account: "111122223333" }', 'accessConfig: { authenticationMode: API }'))[0]!, /^\/iamIdentityMappings\/0: is kept in the aws-auth ConfigMap .* API_AND_CONFIG_MAP/);
  const parsed = parseEnvironmentSpec({ name: 'x', region: 'us-east-1', nodeGroups: [], access: { authenticationMode: 'API', awsAuth: { accounts: ['111122223333'] } } });
  assert.ok(!parsed.ok);
  assert.deepEqual(parsed.errors.map((e) => e.path).filter((p) => p.startsWith('/access')), ['/access/awsAuth']);
});

test('eksctl\'s EMR mapping: the service-linked role without a path, as user emr-containers, and its Role and RoleBinding', () => {
  assert.deepEqual(awsAuthEntries({ emrContainers: ['emr'], accounts: ['111122223333'] }, 'aws-cn', '444455556666'), {
    mapRoles: [{ rolearn: 'arn:aws-cn:iam::444455556666:role/AWSServiceRoleForAmazonEMRContainers', username: 'emr-containers' }],
    mapAccounts: ['111122223333'],
  });
  const { role, binding } = emrContainersRbac('emr', {});
  assert.equal(role.metadata.namespace, 'emr');
  assert.deepEqual(role.rules.find((r) => r.apiGroups[0] === 'batch')?.verbs, ['get', 'list', 'watch', 'describe', 'create', 'edit', 'delete', 'annotate', 'patch', 'label']);
  assert.deepEqual(role.rules[1]!.verbs, ['get', 'list', 'watch', 'describe', 'create', 'edit', 'delete', 'deletecollection', 'annotate', 'patch', 'label']);
  assert.deepEqual(binding.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'emr-containers' }]);
});
