import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterCreateSettings } from '../../src/domain/cluster-settings-rules';
import { parseEnvironmentSpec, type EnvironmentSpec, type SpecError } from '../../src/domain/environment-spec';
import type { InvalidPlanError } from '../../src/domain/planner';
import { planEnvironment, stepIds } from '../../src/domain/planner';

const subnets = ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1', 'subnet-0123456789abcdef2'];
const base = {
  name: 'demo', region: 'us-east-1', network: { subnetIds: subnets },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
};
const withVpc = { ...base, network: { vpc: { cidr: '10.0.0.0/16' } } };

function parsed(input: unknown): EnvironmentSpec {
  const result = parseEnvironmentSpec(input);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.spec;
}
function errorsOf(input: unknown): SpecError[] {
  const result = parseEnvironmentSpec(input);
  assert.equal(result.ok, false, 'the spec was expected to be refused');
  return result.ok ? [] : result.errors;
}
const messageAt = (errors: SpecError[], path: string) => errors.find((e) => e.path === path)?.message ?? `no error at ${path}`;

test('the CreateCluster settings are accepted and passed on as asked; a spec without them asks for none', () => {
  const spec = parsed({
    ...base, endpointAccess: { public: true, private: true, publicAccessCidrs: ['203.0.113.0/24'] }, kubernetesNetwork: { serviceIpv4Cidr: '172.20.0.0/16' },
    zonalShift: true, supportType: 'STANDARD', controlPlaneTier: 'tier-xl',
  });
  assert.deepEqual(clusterCreateSettings(spec, 'arn:aws:kms:us-east-1:123456789012:key/abc'), {
    endpointAccess: { public: true, private: true, publicAccessCidrs: ['203.0.113.0/24'] },
    secretsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/abc',
    kubernetesNetwork: { ipFamily: 'ipv4', serviceIpv4Cidr: '172.20.0.0/16' },
    zonalShift: true, supportType: 'STANDARD', controlPlaneTier: 'tier-xl',
  });
  assert.deepEqual(clusterCreateSettings(parsed(base)), {});
  assert.equal(planEnvironment(parsed(base)).steps.find((s) => s.id === stepIds.cluster)?.title, 'create EKS cluster demo (Kubernetes 1.35) and wait until ACTIVE', 'an old spec plans as before');
});

test('an endpoint neither public nor private is refused; a private-only one is planned with the worker-in-the-VPC note', () => {
  assert.match(messageAt(errorsOf({ ...base, endpointAccess: { public: false, private: false } }), '/endpointAccess'), /both false/);
  assert.match(messageAt(errorsOf({ ...base, endpointAccess: { public: false, private: true, publicAccessCidrs: ['10.0.0.0/8'] } }), '/endpointAccess/publicAccessCidrs'), /public endpoint, which is off/);
  const plan = planEnvironment(parsed({ ...base, endpointAccess: { public: false, private: true } }));
  const title = plan.steps.find((s) => s.id === stepIds.cluster)!.title;
  assert.match(title, /endpoint private/);
  assert.match(title, /worker must run inside the VPC/);
});

test('the Services\' CIDR must be private, /12 to /24, a network address, and clear of the VPC', () => {
  assert.match(messageAt(errorsOf({ ...base, kubernetesNetwork: { serviceIpv4Cidr: '100.64.0.0/16' } }), '/kubernetesNetwork/serviceIpv4Cidr'), /not within 10\.0\.0\.0\/8/);
  assert.match(messageAt(errorsOf({ ...base, kubernetesNetwork: { serviceIpv4Cidr: '10.0.0.0/8' } }), '/kubernetesNetwork/serviceIpv4Cidr'), /\/8; EKS takes \/12 to \/24/);
  assert.match(messageAt(errorsOf({ ...base, kubernetesNetwork: { serviceIpv4Cidr: '10.100.1.0/16' } }), '/kubernetesNetwork/serviceIpv4Cidr'), /did you mean 10\.100\.0\.0\/16/);
  assert.match(messageAt(errorsOf({ ...withVpc, kubernetesNetwork: { serviceIpv4Cidr: '10.0.128.0/20' } }), '/kubernetesNetwork/serviceIpv4Cidr'), /overlaps the VPC's 10\.0\.0\.0\/16/);
  parsed({ ...withVpc, kubernetesNetwork: { serviceIpv4Cidr: '10.100.0.0/16' } });
});

test('IPv6 needs an IPv6 VPC and the vpc-cni, coredns and kube-proxy add-ons, and says how', () => {
  const errors = errorsOf({ ...withVpc, kubernetesNetwork: { ipFamily: 'ipv6' }, eksAddons: { 'vpc-cni': {} } });
  const messages = errors.filter((e) => e.path === '/kubernetesNetwork/ipFamily').map((e) => e.message);
  assert.ok(messages.some((m) => /set network\.vpc\.ipv6 to true/.test(m)), messages.join('; '));
  assert.ok(messages.some((m) => /add eksAddons\.coredns: \{\}, eksAddons\.kube-proxy: \{\}/.test(m)), messages.join('; '));
  assert.ok(!messages.some((m) => /not available yet/.test(m)), messages.join('; '));
});

test('an IPv6 cluster with its dual-stack VPC and add-ons is accepted, its vpc-cni role given the IPv6 policy; Service CIDRs, self-managed and Windows groups are refused', () => {
  const addons = { 'vpc-cni': {}, coredns: {}, 'kube-proxy': {} };
  const ipv6 = { ...base, network: { vpc: { cidr: '10.0.0.0/16', ipv6: true } }, kubernetesNetwork: { ipFamily: 'ipv6' }, eksAddons: addons };
  const plan = planEnvironment(parsed(ipv6));
  assert.match(plan.steps.find((s) => s.id === 'iam:irsa/vpc-cni')?.title ?? 'no vpc-cni role step', /kube-system\/aws-node \(IRSA\) with inline policy vpc-cni-ipv6/);
  assert.match(messageAt(errorsOf({ ...ipv6, kubernetesNetwork: { ipFamily: 'ipv6', serviceIpv4Cidr: '172.20.0.0/16' } }), '/kubernetesNetwork/serviceIpv4Cidr'), /EKS picks an IPv6 cluster's Service range/);
  const selfManaged = errorsOf({ ...ipv6, nodeGroups: [{ ...base.nodeGroups[0], kind: 'self-managed' }] });
  assert.match(messageAt(selfManaged, '/nodeGroups/0/kind'), /not offered in an ipv6 cluster/);
  assert.match(messageAt(errorsOf({ ...ipv6, nodeGroups: [{ ...base.nodeGroups[0], amiType: 'WINDOWS_CORE_2022_x86_64' }] }), '/nodeGroups/0/amiType'), /no Windows nodes in an ipv6 cluster/);
  // On an IPv4 cluster, vpc-cni asked for without policies keeps using the node role, as before.
  assert.equal(planEnvironment(parsed({ ...base, eksAddons: addons })).steps.find((s) => s.id === 'iam:irsa/vpc-cni'), undefined);
});

test('control-plane log retention is one of CloudWatch Logs\' and needs logs to keep', () => {
  assert.match(messageAt(errorsOf({ ...base, controlPlaneLogging: ['api'], controlPlaneLogRetentionDays: 10 }), '/controlPlaneLogRetentionDays'), /nearest is 7/);
  assert.match(messageAt(errorsOf({ ...base, controlPlaneLogRetentionDays: 7 }), '/controlPlaneLogRetentionDays'), /list the log types in controlPlaneLogging/);
  const plan = planEnvironment(parsed({ ...base, controlPlaneLogging: ['api', 'audit'], controlPlaneLogRetentionDays: 14 }));
  assert.equal(plan.steps.find((s) => s.id === stepIds.clusterLogging)?.title, 'enable control-plane logs: api, audit, kept 14 days');
});

test('existing subnets: public ones are among subnetIds and leave a private one; created-VPC-only and existing-only fields stay apart', () => {
  assert.match(messageAt(errorsOf({ ...base, network: { subnetIds: subnets, publicSubnetIds: ['subnet-0123456789abcdef9'] } }), '/network/publicSubnetIds/0'), /not one of subnetIds/);
  assert.match(messageAt(errorsOf({ ...base, network: { subnetIds: subnets, publicSubnetIds: subnets } }), '/network/publicSubnetIds'), /need at least one private subnet/);
  // Control-plane subnets by ID in the VPC eksflow makes: a valid spec of a live environment, which a creation plan refuses with the way out.
  const laterOnly = parsed({ ...withVpc, network: { vpc: {}, controlPlaneSubnetIds: subnets.slice(0, 2) } });
  assert.throws(() => planEnvironment(laterOnly), (error: InvalidPlanError) => error.problems.length === 1 && error.problems[0]!.path === '/network/controlPlaneSubnetIds'
    && /get their IDs only when the run makes them: create the environment without them \(network\.vpc\.controlPlaneOnPrivateSubnets .*\), then apply them to it/.test(error.problems[0]!.message));
  assert.match(messageAt(errorsOf({ ...withVpc, network: { vpc: { controlPlaneOnPrivateSubnets: true }, controlPlaneSubnetIds: subnets.slice(0, 2) } }), '/network/vpc/controlPlaneOnPrivateSubnets'), /give one of the two/);
  const spec = parsed({ ...base, network: { subnetIds: subnets, publicSubnetIds: [subnets[2]], controlPlaneSubnetIds: subnets.slice(0, 2) } });
  assert.match(planEnvironment(spec).steps.find((s) => s.id === stepIds.cluster)!.title, /control plane in subnet-0123456789abcdef0, subnet-0123456789abcdef1/);
  assert.match(planEnvironment(parsed({ ...withVpc, network: { vpc: { controlPlaneOnPrivateSubnets: true } } })).steps.find((s) => s.id === stepIds.cluster)!.title, /control plane in the private subnets/);
});
