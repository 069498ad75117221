import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvironmentSpec, type NodeGroupSpec } from '../../src/domain/environment-spec';
import { managedLaunchTemplate } from '../../src/domain/managed-launch-template';
import { hasOwnNodeRole, nodeRoleExtraPolicies } from '../../src/domain/node-group-iam';
import { needsSshSecurityGroup, sshAccessOf, sshIngressRules, sshSecurityGroupName } from '../../src/domain/node-ssh-access';

const network = { vpc: { zones: ['us-east-1a', 'us-east-1b'] } };
const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf0xmp2ewVo5EJOc6l1yJD0GPk1ZPxPpBrXdXsCgeSq me@laptop';

function groupOf(extra: Record<string, unknown>): NodeGroupSpec {
  const parsed = parseEnvironmentSpec({
    name: 'demo', region: 'us-east-1', network, nodeGroups: [{ name: 'ng', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2, ...extra }],
  });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  return parsed.spec.nodeGroups[0]!;
}

test('a self-managed group that allows SSH gets a security group; allow false, no key, or EKS\'s remoteAccess do not', () => {
  assert.equal(needsSshSecurityGroup(groupOf({ kind: 'self-managed', ssh: { publicKey: key } })), true);
  assert.equal(needsSshSecurityGroup(groupOf({ kind: 'self-managed', ssh: { keyName: 'dev', allow: true } })), true);
  assert.equal(needsSshSecurityGroup(groupOf({ kind: 'self-managed', ssh: { keyName: 'dev', allow: false } })), false);
  assert.equal(needsSshSecurityGroup(groupOf({ kind: 'self-managed', ssh: { enableSsm: true, allow: false } })), false);
  // A managed group without a launch template: EKS opens port 22 itself (remoteAccess).
  assert.equal(needsSshSecurityGroup(groupOf({ ssh: { publicKey: key } })), false);
  // With the launch template eksflow makes, EKS opens nothing: eksflow's group does.
  assert.equal(needsSshSecurityGroup(groupOf({ maxPodsPerNode: 30, ssh: { publicKey: key } })), true);
  assert.equal(sshSecurityGroupName('demo', 'ng'), 'eksflow-demo-ng-ssh');
});

test('the rules are eksctl\'s: anywhere over IPv4 and IPv6 for public nodes, the VPC for private ones, or only the source groups', () => {
  assert.deepEqual(sshIngressRules(sshAccessOf(groupOf({ kind: 'self-managed', privateNetworking: false, ssh: { publicKey: key } })), undefined, 'ng').map(({ cidrIpv4, cidrIpv6 }) => cidrIpv4 ?? cidrIpv6), ['0.0.0.0/0', '::/0']);
  // eksflow's nodes are private when privateNetworking is left out: eksctl then opens 22 to the VPC's CIDR only.
  const inside = sshIngressRules(sshAccessOf(groupOf({ kind: 'self-managed', ssh: { publicKey: key } })), '192.168.0.0/16', 'ng');
  assert.deepEqual(inside, [{ cidrIpv4: '192.168.0.0/16', description: 'Allow SSH access to worker nodes in group ng (private, only inside VPC)' }]);
  const sources = sshIngressRules(sshAccessOf(groupOf({ kind: 'self-managed', privateNetworking: false, ssh: { publicKey: key, sourceSecurityGroupIds: ['sg-0123456789abcdef0'] } })), undefined, 'ng');
  assert.deepEqual(sources.map((rule) => rule.sourceSecurityGroupId), ['sg-0123456789abcdef0']);
});

test('self-managed ssh.sourceSecurityGroupIds needs a key and allow not false', () => {
  const parsed = parseEnvironmentSpec({
    name: 'demo', region: 'us-east-1', network, nodeGroups: [{ name: 'ng', kind: 'self-managed', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2, ssh: { allow: false, keyName: 'dev', sourceSecurityGroupIds: ['sg-0123456789abcdef0'] } }],
  });
  assert.ok(!parsed.ok);
  assert.deepEqual(parsed.errors.map((error) => error.path), ['/nodeGroups/0/ssh/sourceSecurityGroupIds']);
});

test('a managed launch template takes the SSH security group beside the cluster\'s (EKS adds its own only when the template names none)', () => {
  const group = groupOf({ maxPodsPerNode: 30, ssh: { publicKey: key } });
  const cluster = { name: 'demo', endpoint: 'https://x', certificateAuthority: 'Q0E=', serviceIpv4Cidr: '172.20.0.0/16', clusterSecurityGroupId: 'sg-0aaaaaaaaaaaaaaaa' };
  assert.deepEqual(managedLaunchTemplate(group, cluster, 'key', 'sg-0bbbbbbbbbbbbbbbb').securityGroupIds, ['sg-0aaaaaaaaaaaaaaaa', 'sg-0bbbbbbbbbbbbbbbb']);
  assert.equal(managedLaunchTemplate(group, cluster, 'key').securityGroupIds, undefined);
});

test('ssh.enableSsm and iam.permissionsBoundary give the group a role of its own, with AmazonSSMManagedInstanceCore for SSM', () => {
  assert.equal(hasOwnNodeRole(groupOf({})), false);
  assert.equal(hasOwnNodeRole(groupOf({ ssh: { enableSsm: true } })), true);
  assert.equal(hasOwnNodeRole(groupOf({ iam: { permissionsBoundary: 'arn:aws:iam::123456789012:policy/boundary' } })), true);
  assert.deepEqual(nodeRoleExtraPolicies(groupOf({ ssh: { enableSsm: true } }), 'aws-cn'), ['arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore']);
  assert.deepEqual(nodeRoleExtraPolicies(groupOf({})), []);
});
