import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvironmentSpec, type SpecError } from '../../src/domain/environment-spec';

const subnets = ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'];
const minimal = {
  name: 'demo',
  region: 'us-east-1',
  network: { subnetIds: subnets },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }],
};

function errorsOf(input: unknown): SpecError[] {
  const result = parseEnvironmentSpec(input);
  assert.equal(result.ok, false, 'the spec was expected to be refused');
  return result.ok ? [] : result.errors;
}
const paths = (input: unknown) => errorsOf(input).map((error) => error.path);

test('a minimal spec is accepted with every default filled in', () => {
  const result = parseEnvironmentSpec(minimal);
  assert.ok(result.ok);
  assert.deepEqual(result.spec, {
    ...minimal,
    kubernetesVersion: '1.35',
    controlPlaneLogging: [],
    fargateProfiles: [],
    onFailure: 'rollback',
    nodeGroups: [{ ...minimal.nodeGroups[0], capacityType: 'ON_DEMAND', diskSize: 20, amiType: 'AL2023_x86_64_STANDARD' }],
  });
});

test('parsing does not change the caller\'s object', () => {
  const input = structuredClone(minimal);
  parseEnvironmentSpec(input);
  assert.deepEqual(input, minimal);
});

test('a VPC to create gets its defaults', () => {
  const result = parseEnvironmentSpec({ ...minimal, network: { vpc: {} } });
  assert.ok(result.ok);
  assert.deepEqual(result.spec.network, { vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'single' } });
});

test('non-objects are refused with one clear error', () => {
  for (const input of [null, 'demo', 42, [minimal]]) {
    assert.deepEqual(errorsOf(input), [{ path: '', message: 'the environment spec must be a JSON object' }]);
  }
});

test('every problem is reported at once, each at its path', () => {
  const found = paths({
    name: 'Not_DNS',
    region: 'moon-1',
    kubernetesVersion: '1.20',
    network: {},
    nodeGroups: [{ name: 'a', instanceTypes: [], minSize: 3, desiredSize: 2, maxSize: 1, colour: 'blue' }],
    extra: true,
  });
  assert.deepEqual(new Set(found), new Set([
    '/name', '/region', '/kubernetesVersion', '/network', '/extra',
    '/nodeGroups/0/instanceTypes', '/nodeGroups/0/colour', '/nodeGroups/0/desiredSize', '/nodeGroups/0/minSize',
  ]));
});

test('messages say what would be accepted', () => {
  const messages = Object.fromEntries(errorsOf({ ...minimal, kubernetesVersion: '1.20', onFailure: 'explode', surprise: 1 }).map((e) => [e.path, e.message]));
  assert.equal(messages['/kubernetesVersion'], 'must be one of 1.31, 1.32, 1.33, 1.34, 1.35, 1.36');
  assert.equal(messages['/onFailure'], 'must be one of rollback, keep');
  assert.equal(messages['/surprise'], 'is not a known field');
});

test('node group sizes must satisfy min ≤ desired ≤ max', () => {
  const group = minimal.nodeGroups[0]!;
  const errors = errorsOf({ ...minimal, nodeGroups: [{ ...group, minSize: 2, desiredSize: 5, maxSize: 4 }] });
  assert.deepEqual(errors, [{ path: '/nodeGroups/0/desiredSize', message: 'desiredSize 5 is above maxSize 4' }]);
  assert.deepEqual(paths({ ...minimal, nodeGroups: [{ ...group, minSize: 3, desiredSize: 2, maxSize: 4 }] }), ['/nodeGroups/0/desiredSize']);
  assert.deepEqual(paths({ ...minimal, nodeGroups: [{ ...group, minSize: -1 }] }), ['/nodeGroups/0/minSize']);
  assert.deepEqual(paths({ ...minimal, nodeGroups: [{ ...group, desiredSize: 2.5 }] }), ['/nodeGroups/0/desiredSize']);
  assert.deepEqual(paths({ ...minimal, nodeGroups: [{ ...group, maxSize: '3' }] }), ['/nodeGroups/0/maxSize']);
});

test('names are DNS-1123 and unique per kind', () => {
  assert.deepEqual(paths({ ...minimal, name: 'a'.repeat(101) }), ['/name']);
  assert.ok(parseEnvironmentSpec({ ...minimal, name: 'a'.repeat(100) }).ok);
  assert.deepEqual(paths({ ...minimal, name: '-leading' }), ['/name']);
  const group = minimal.nodeGroups[0]!;
  const errors = errorsOf({ ...minimal, nodeGroups: [group, { ...group }] });
  assert.deepEqual(errors, [{ path: '/nodeGroups/1/name', message: 'node group name "general" is already used by /nodeGroups/0' }]);
  const profile = { name: 'fp', selectors: [{ namespace: 'default' }] };
  assert.deepEqual(paths({ ...minimal, fargateProfiles: [profile, profile] }), ['/fargateProfiles/1/name']);
});

test('network takes existing subnets or a VPC to create, exactly one', () => {
  assert.deepEqual(paths({ ...minimal, network: { subnetIds: subnets, vpc: {} } }), ['/network']);
  assert.deepEqual(paths({ ...minimal, network: { subnetIds: [subnets[0]] } }), ['/network/subnetIds']);
  assert.deepEqual(paths({ ...minimal, network: { subnetIds: ['subnet-nothex!', subnets[1]] } }), ['/network/subnetIds/0']);
  assert.deepEqual(paths({ ...minimal, network: { vpc: { cidr: '10.0.0.0/8' } } }), ['/network/vpc/cidr']);
  assert.deepEqual(paths({ ...minimal, network: { vpc: { availabilityZones: 1 } } }), ['/network/vpc/availabilityZones']);
});

test('image is a uri or an import, exactly one', () => {
  assert.ok(parseEnvironmentSpec({ ...minimal, image: { uri: 'public.ecr.aws/nginx/nginx:1.27' } }).ok);
  const imported = parseEnvironmentSpec({ ...minimal, image: { import: { source: 'docker.io/library/nginx:1.27', repository: 'team/app' } } });
  assert.ok(imported.ok);
  assert.equal(imported.spec.image?.import?.tag, 'latest');
  assert.deepEqual(paths({ ...minimal, image: {} }), ['/image']);
  assert.deepEqual(paths({ ...minimal, image: { uri: 'a/b:c', import: { source: 'a/b:c', repository: 'team/b' } } }), ['/image']);
  assert.deepEqual(paths({ ...minimal, image: { import: { source: 'a/b:c', repository: 'Upper/Case' } } }), ['/image/import/repository']);
});

test('tags may not use the aws: or eksflow.io/ prefixes', () => {
  assert.ok(parseEnvironmentSpec({ ...minimal, tags: { team: 'platform', 'cost-center': '42' } }).ok);
  assert.deepEqual(paths({ ...minimal, tags: { 'aws:cloudformation': 'x' } }), ['/tags/aws:cloudformation']);
  assert.deepEqual(paths({ ...minimal, tags: { 'eksflow.io/owner': 'x' } }), ['/tags/eksflow.io~1owner'], 'a JSON pointer escapes / as ~1');
});

test('an environment needs node groups or Fargate profiles', () => {
  assert.deepEqual(paths({ ...minimal, nodeGroups: [] }), ['/nodeGroups']);
  assert.ok(parseEnvironmentSpec({ ...minimal, nodeGroups: [], fargateProfiles: [{ name: 'fp', selectors: [{ namespace: 'default' }] }] }).ok);
});

test('app, addons and autoscaling are refused by name until their release', () => {
  const errors = errorsOf({ ...minimal, app: { name: 'web' }, addons: [], autoscaling: {} });
  assert.deepEqual(errors.map((e) => e.path), ['/app', '/addons', '/autoscaling']);
  assert.ok(errors.every((e) => e.message.includes('not accepted yet')));
});

test('spot groups, taints, labels, logging and ttl round-trip', () => {
  const result = parseEnvironmentSpec({
    ...minimal,
    controlPlaneLogging: ['api', 'audit'],
    ttl: '8h',
    nodeGroups: [{
      name: 'spot', instanceTypes: ['m5.large', 'm5a.large'], capacityType: 'SPOT', minSize: 0, desiredSize: 2, maxSize: 6,
      labels: { 'workload/type': 'batch' }, taints: [{ key: 'spot', value: 'true', effect: 'NO_SCHEDULE' }],
      sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkq user@host',
    }],
  });
  assert.ok(result.ok);
  assert.equal(result.spec.nodeGroups[0]?.capacityType, 'SPOT');
  assert.deepEqual(paths({ ...minimal, controlPlaneLogging: ['api', 'api'] }), ['/controlPlaneLogging']);
  assert.deepEqual(paths({ ...minimal, controlPlaneLogging: ['kubelet'] }), ['/controlPlaneLogging/0']);
  assert.deepEqual(paths({ ...minimal, ttl: 'forever' }), ['/ttl']);
});
