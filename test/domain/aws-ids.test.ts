import assert from 'node:assert/strict';
import { test } from 'node:test';
import { awsIdWarnings, givenResources, idFormProblem, roleNameOf } from '../../src/domain/aws-ids';
import { parseEnvironmentSpec, type SpecError } from '../../src/domain/environment-spec';
import { planEnvironment } from '../../src/domain/planner';

const base = { name: 'demo', region: 'us-west-2', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] } };
const group = { name: 'ng', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 };
function errorsOf(input: unknown): SpecError[] {
  const parsed = parseEnvironmentSpec(input);
  return parsed.ok ? [] : parsed.errors;
}

test('the edge takes IDs and ARNs as eksctl does (its examples\' placeholders), and refuses what is not shaped like the thing', () => {
  const placeholders = {
    ...base,
    network: { subnetIds: ['subnet-1234', 'subnet-5678'], securityGroupIds: ['sg-1234'] },
    permissionsBoundaries: { clusterRole: 'arn:aws:iam:11111:policy/entity/boundary', fargateRole: 'arn:aws:iam::11111:policy/entity/boundary' },
    nodeGroups: [
      { ...group, securityGroupIds: ['sg-1', 'sg-2'] },
      { ...group, name: 'lt', launchTemplate: { id: 'lt-1234', version: '3' } },
    ],
    serviceAccounts: [{ namespace: 'default', name: 'app', identity: 'irsa', roleArn: 'arn:aws:iam::123:role/already-created-role' }],
  };
  assert.deepEqual(errorsOf(placeholders), []);
  const misshapen = {
    ...base,
    network: { subnetIds: ['private-one', 'subnet-0123456789abcdef1'] },
    nodeGroups: [{ ...group, securityGroupIds: ['my-group'], launchTemplate: { id: 'template' } }],
    serviceAccounts: [{ namespace: 'default', name: 'app', identity: 'irsa', roleArn: 'arn:aws:iam::123456789012:user/me' }],
    permissionsBoundaries: { clusterRole: 'arn:aws:s3:::bucket/policy/x' },
  };
  assert.deepEqual(errorsOf(misshapen).map((e) => e.path).filter((path) => !path.startsWith('/nodeGroups/0/launchTemplate') || path === '/nodeGroups/0/launchTemplate/id').sort(), [
    '/network/subnetIds/0', '/nodeGroups/0/launchTemplate/id', '/nodeGroups/0/securityGroupIds/0', '/permissionsBoundaries/clusterRole', '/serviceAccounts/0/roleArn',
  ]);
});

test('the form AWS gives out: EC2 IDs of 8 or 17 hex digits, IAM ARNs with a 12-digit account', () => {
  for (const ok of ['sg-0123abcd', 'sg-0123456789abcdef0']) assert.equal(idFormProblem('security-group', ok), undefined);
  assert.equal(idFormProblem('policy', 'arn:aws:iam::aws:policy/ReadOnlyAccess'), undefined);
  assert.equal(idFormProblem('role', 'arn:aws-us-gov:iam::123456789012:role/path/to/app'), undefined);
  assert.match(idFormProblem('security-group', 'sg-1')!, /^"sg-1" is not a security group ID as EC2 gives them \(sg- and 8 or 17 hexadecimal digits\): EC2 \(InvalidGroupId.Malformed\) would refuse it/);
  assert.match(idFormProblem('image', 'ami-custom')!, /InvalidAMIID.Malformed/);
  assert.match(idFormProblem('role', 'arn:aws:iam::123:role/x')!, /is not an IAM role ARN/);
  assert.match(idFormProblem('policy', 'arn:aws:iam:11111:policy/entity/boundary')!, /^"arn:aws:iam:11111:policy\/entity\/boun…" is not an IAM policy ARN/);
  assert.equal(roleNameOf('arn:aws:iam::123456789012:role/teams/app'), 'app');
});

test('every resource of the user\'s own is found at its path; the plan warns about each AWS would refuse, and only those', () => {
  const parsed = parseEnvironmentSpec({
    ...base,
    kubernetesVersion: '1.32',
    nodeGroups: [
      { ...group, ssh: { publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkyO7EhxrA0k5RG0o0q6tXtQXkD0Z0Q3FJm5ZyUv1GS x', sourceSecurityGroupIds: ['sg-00241fbb12c607007'] } },
      { ...group, name: 'custom', securityGroupIds: ['sg-1', 'sg-0123456789abcdef0'], ami: { id: 'ami-custom', family: 'AmazonLinux2', overrideBootstrapCommand: '/etc/eks/bootstrap.sh demo' } },
    ],
    serviceAccounts: [{ namespace: 'default', name: 'app', identity: 'irsa', roleArn: 'arn:aws:iam::123:role/already-created-role' }],
  });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  assert.deepEqual(givenResources(parsed.spec).map(({ kind, path }) => `${kind} ${path}`), [
    'subnet /network/subnetIds/0', 'subnet /network/subnetIds/1',
    'security-group /nodeGroups/0/ssh/sourceSecurityGroupIds/0',
    'security-group /nodeGroups/1/securityGroupIds/0', 'security-group /nodeGroups/1/securityGroupIds/1', 'image /nodeGroups/1/ami/id', 'role /serviceAccounts/0/roleArn',
  ]);
  const expected = ['/nodeGroups/1/securityGroupIds/0', '/nodeGroups/1/ami/id', '/serviceAccounts/0/roleArn'];
  assert.deepEqual(awsIdWarnings(parsed.spec).map((w) => w.path), expected);
  assert.deepEqual(planEnvironment(parsed.spec).warnings?.map((w) => w.path), expected);
  // A spec naming only IDs of AWS's own form plans as before: no warnings.
  const clean = parseEnvironmentSpec({ ...base, nodeGroups: [group] });
  assert.ok(clean.ok);
  assert.equal(planEnvironment(clean.spec).warnings, undefined);
});
