import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { capabilityStepIds } from '../../src/domain/capability-plan';
import { cidrsOverlap, isPrivateBlock } from '../../src/domain/capabilities';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import { parseEnvironmentSpec } from '../../src/domain/environment-spec';
import { planEnvironment, stepIds } from '../../src/domain/planner';

// eksctl's `capabilities` and `remoteNetworkConfig` read as the spec's, the rules the schema
// cannot say, and the plan's steps for them.

const examples = join(import.meta.dirname, '..', '..', '..', 'shared', 'upstream', 'eksctl-examples');
const read = (file: string) => readFileSync(join(examples, file), 'utf8');
const paths = (result: ReturnType<typeof translateClusterConfig>) => (result.ok ? [] : result.errors.map((e) => e.path).sort());

test('example 47 reads as two capabilities: ACK with its policy and tags, kro with its access policy; RETAIN is what eksflow sends anyway', () => {
  const result = translateClusterConfig(read('47-auto-mode-with-ack-kro-capabilities.yaml'));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  assert.deepEqual(result.spec.capabilities, [
    { name: 'ack-capability', type: 'ACK', attachPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'], tags: { Environment: 'dev', Team: 'platform' } },
    { name: 'kro-capability', type: 'KRO', tags: { Environment: 'production', Team: 'platform' }, accessPolicies: [{ policy: 'AmazonEKSClusterAdminPolicy', scope: 'cluster' }] },
  ]);
  assert.ok(result.spec.autoMode);
});

test('example 48 reads as an Argo CD capability; its placeholder Identity Center instance is read as eksctl reads it and the plan warns about it', () => {
  const text = read('48-auto-mode-with-argocd-capabilities.yaml');
  const placeholder = translateClusterConfig(text);
  assert.ok(placeholder.ok, JSON.stringify(!placeholder.ok && placeholder.errors));
  const warned = planEnvironment(placeholder.spec).warnings ?? [];
  assert.deepEqual(warned.filter((w) => w.path.startsWith('/capabilities')).map((w) => w.path), ['/capabilities/0/argoCd/idcInstanceArn']);
  assert.match(warned.find((w) => w.path === '/capabilities/0/argoCd/idcInstanceArn')!.message, /not in IAM Identity Center's form.*aws sso-admin list-instances/);
  assert.ok(!parseEnvironmentSpec({ ...placeholder.spec, capabilities: [{ ...placeholder.spec.capabilities![0]!, argoCd: { idcInstanceArn: 'ssoins-7223a8f9b2c6e0d1' } }] }).ok, 'not even an Identity Center ARN: refused');
  const result = translateClusterConfig(text.replace('ssoins-<SSO Instance ID>', 'ssoins-7223a8f9b2c6e0d1'));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  assert.deepEqual(result.spec.capabilities![0]!.argoCd, {
    namespace: 'argocd', idcInstanceArn: 'arn:aws:sso:::instance/ssoins-7223a8f9b2c6e0d1', idcRegion: 'us-west-2',
    rbacRoleMappings: [{ role: 'ADMIN', identities: [{ id: '38414300-1041-708a-01af-abc123defg', type: 'SSO_USER' }, { id: '08017340-8041-7093-3ffa-abc123defg', type: 'SSO_GROUP' }] }],
  });
  assert.deepEqual((planEnvironment(result.spec).warnings ?? []).filter((w) => w.path.startsWith('/capabilities')), [], 'a real instance ARN: no warning');
});

test('example 43 reads as remote node networks with the SSM role eksflow makes; IAM Roles Anywhere, a CA bundle and a VPC gateway are refused with the way out', () => {
  const result = translateClusterConfig(read('43-hybrid-nodes.yaml'));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  assert.deepEqual(result.spec.remoteNetwork, { remoteNodeNetworks: [{ cidrs: ['10.80.146.0/24'] }] });
  const withAll = read('43-hybrid-nodes.yaml').replace('provider: SSM', 'provider: IRA\n    caBundleCert: ceva').replace('# vpcGatewayID', 'vpcGatewayID');
  const refused = translateClusterConfig(withAll);
  assert.deepEqual(paths(refused), ['/remoteNetworkConfig/iam/caBundleCert', '/remoteNetworkConfig/iam/provider', '/remoteNetworkConfig/vpcGatewayID']);
  for (const error of !refused.ok ? refused.errors : []) assert.match(error.message, /use SSM|connect the remote networks to the VPC yourself/);
});

test('deletePropagationPolicy other than RETAIN, an inline policy and a permissions boundary are refused at their paths', () => {
  const config = {
    apiVersion: 'eksctl.io/v1alpha5', kind: 'ClusterConfig', metadata: { name: 'c', region: 'us-east-1', version: '1.35' }, autoModeConfig: { enabled: true },
    capabilities: [{ name: 'kro', type: 'KRO', deletePropagationPolicy: 'DELETE', attachPolicy: { Version: '2012-10-17' }, permissionsBoundary: 'arn:aws:iam::111122223333:policy/b' }],
  };
  assert.deepEqual(paths(translateClusterConfig(config)), ['/capabilities/0/attachPolicy', '/capabilities/0/deletePropagationPolicy', '/capabilities/0/permissionsBoundary']);
});

const base = { name: 'c', region: 'us-east-1', network: { vpc: { cidr: '10.0.0.0/16' } } };
const problems = (spec: Record<string, unknown>) => {
  const parsed = parseEnvironmentSpec({ ...base, ...spec });
  return parsed.ok ? [] : parsed.errors.map((e) => e.path).sort();
};

test('the rules: Argo CD\'s configuration for ARGOCD only and always, policies only for a role eksflow makes, one name once', () => {
  assert.deepEqual(problems({ capabilities: [{ name: 'argo', type: 'ARGOCD' }] }), ['/capabilities/0/argoCd']);
  assert.deepEqual(problems({ capabilities: [{ name: 'ack', type: 'ACK', argoCd: { idcInstanceArn: 'arn:aws:sso:::instance/ssoins-7223a8f9b2c6e0d1' } }] }), ['/capabilities/0/argoCd']);
  assert.deepEqual(problems({ capabilities: [{ name: 'ack', type: 'ACK', roleArn: 'arn:aws:iam::111122223333:role/ack', attachPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'] }] }), ['/capabilities/0/attachPolicyArns']);
  assert.deepEqual(problems({ capabilities: [{ name: 'k', type: 'KRO' }, { name: 'k', type: 'ACK' }] }), ['/capabilities/1/name']);
  assert.deepEqual(problems({ capabilities: [{ name: 'k', type: 'KRO' }] }), []);
});

test('remote networks: private, outside the VPC and the Services\' range, apart from each other', () => {
  const remote = (nodes: string[], pods?: string[], extra: Record<string, unknown> = {}) => ({ ...extra, remoteNetwork: { remoteNodeNetworks: [{ cidrs: nodes }], ...(pods ? { remotePodNetworks: [{ cidrs: pods }] } : {}) } });
  assert.deepEqual(problems(remote(['10.80.146.0/24'], ['10.86.30.0/23'])), []);
  assert.deepEqual(problems(remote(['52.1.0.0/16'])), ['/remoteNetwork/remoteNodeNetworks/0/cidrs/0'], 'publicly routable');
  assert.deepEqual(problems(remote(['10.0.128.0/24'])), ['/remoteNetwork/remoteNodeNetworks/0/cidrs/0'], 'inside the VPC');
  assert.deepEqual(problems(remote(['10.80.0.0/16'], ['10.80.4.0/23'])), ['/remoteNetwork/remotePodNetworks/0/cidrs/0'], 'pods inside the nodes\' block');
  assert.deepEqual(problems(remote(['172.20.1.0/24'], undefined, { kubernetesNetwork: { serviceIpv4Cidr: '172.20.0.0/16' } })), ['/remoteNetwork/remoteNodeNetworks/0/cidrs/0'], 'the Services\' range');
  assert.deepEqual(problems(remote(['192.168.5.0/24'], undefined, { access: { authenticationMode: 'CONFIG_MAP' } })).includes('/access/authenticationMode'), true);
  assert.equal(cidrsOverlap('10.0.0.0/8', '10.255.0.0/16'), true);
  assert.equal(cidrsOverlap('10.0.0.0/16', '10.1.0.0/16'), false);
  assert.equal(isPrivateBlock('172.31.0.0/16'), true);
  assert.equal(isPrivateBlock('172.32.0.0/16'), false);
  assert.equal(isPrivateBlock('10.0.0.0/7'), false);
});

test('the plan: a step per capability and one for hybrid nodes, each after the cluster; a spec without them plans as before', () => {
  const parsed = parseEnvironmentSpec({
    ...base, autoMode: {}, capabilities: [{ name: 'ack', type: 'ACK', attachPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'] }, { name: 'kro', type: 'KRO', accessPolicies: [{ policy: 'AmazonEKSClusterAdminPolicy' }] }],
    remoteNetwork: { remoteNodeNetworks: [{ cidrs: ['10.80.146.0/24'] }] },
  });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  const plan = planEnvironment(parsed.spec);
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  for (const id of [capabilityStepIds.capability('ack'), capabilityStepIds.capability('kro'), capabilityStepIds.hybridNodes]) {
    assert.deepEqual(byId.get(id)?.dependsOn, [stepIds.cluster], id);
  }
  assert.equal(byId.get(capabilityStepIds.capability('ack'))!.title, 'create ACK capability ack with IAM role c-capability-ack (AdministratorAccess) and wait until ACTIVE');
  assert.match(byId.get(capabilityStepIds.capability('kro'))!.title, /then associate AmazonEKSClusterAdminPolicy to the access entry EKS makes for it$/);
  assert.match(byId.get(capabilityStepIds.hybridNodes)!.title, /^let hybrid nodes from 10\.80\.146\.0\/24 join: IAM role c-hybrid-nodes .*with a HYBRID_LINUX access entry$/);
  const without = parseEnvironmentSpec({ ...base, autoMode: {} });
  assert.ok(without.ok);
  assert.ok(!planEnvironment(without.spec).steps.some((s) => s.kind === 'capability' || s.kind === 'hybrid-nodes'));
});
