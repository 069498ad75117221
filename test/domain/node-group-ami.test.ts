import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvironmentSpec, type EnvironmentSpec, type SpecError } from '../../src/domain/environment-spec';

const base = {
  name: 'demo', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
};
const withGroup = (group: Record<string, unknown>) => ({ ...base, nodeGroups: [{ name: 'ng', minSize: 1, desiredSize: 1, maxSize: 2, ...group }] });
function specOf(input: unknown): EnvironmentSpec {
  const result = parseEnvironmentSpec(input);
  assert.ok(result.ok, `expected a spec, got ${JSON.stringify(result.ok ? null : result.errors)}`);
  return result.spec;
}
function errorsOf(input: unknown): SpecError[] {
  const result = parseEnvironmentSpec(input);
  assert.equal(result.ok, false, 'expected a refusal');
  return result.ok ? [] : result.errors;
}
const amiTypeOf = (group: Record<string, unknown>) => specOf(withGroup(group)).nodeGroups[0]!.amiType;

test('a group without amiType gets the AMI its instance types need', () => {
  assert.equal(amiTypeOf({ instanceTypes: ['g5.xlarge'] }), 'AL2023_x86_64_NVIDIA');
  assert.equal(amiTypeOf({ instanceTypes: ['p4d.24xlarge', 'g6.2xlarge'] }), 'AL2023_x86_64_NVIDIA');
  assert.equal(amiTypeOf({ instanceTypes: ['g5g.xlarge'] }), 'AL2023_ARM_64_NVIDIA');
  assert.equal(amiTypeOf({ instanceTypes: ['inf2.xlarge'] }), 'AL2023_x86_64_NEURON');
  assert.equal(amiTypeOf({ instanceTypes: ['m7g.large', 't4g.medium'] }), 'AL2023_ARM_64_STANDARD');
});

test('plain x86_64 instance types parse exactly as before: the schema default', () => {
  const before = withGroup({ instanceTypes: ['m5.large', 't3.medium'] });
  assert.equal(specOf(before).nodeGroups[0]!.amiType, 'AL2023_x86_64_STANDARD');
  assert.deepEqual(specOf(before).nodeGroups[0], { ...before.nodeGroups[0], capacityType: 'ON_DEMAND', diskSize: 20, amiType: 'AL2023_x86_64_STANDARD' });
});

test('an explicit amiType is kept when it fits', () => {
  assert.equal(amiTypeOf({ instanceTypes: ['g5.xlarge'], amiType: 'BOTTLEROCKET_x86_64_NVIDIA' }), 'BOTTLEROCKET_x86_64_NVIDIA');
  assert.equal(amiTypeOf({ instanceTypes: ['m5.large'], amiType: 'BOTTLEROCKET_x86_64_FIPS' }), 'BOTTLEROCKET_x86_64_FIPS');
  assert.equal(amiTypeOf({ instanceTypes: ['m5.large'], amiType: 'WINDOWS_CORE_2022_x86_64' }), 'WINDOWS_CORE_2022_x86_64');
});

test('a standard AMI given with GPU instance types is refused, naming the AMI to use', () => {
  const [error, ...rest] = errorsOf(withGroup({ instanceTypes: ['g5.xlarge'], amiType: 'AL2023_x86_64_STANDARD' }));
  assert.equal(rest.length, 0);
  assert.equal(error!.path, '/nodeGroups/0/amiType');
  assert.match(error!.message, /without GPU drivers: use AL2023_x86_64_NVIDIA/);
  assert.match(errorsOf(withGroup({ instanceTypes: ['g6.xlarge'], amiType: 'BOTTLEROCKET_x86_64' }))[0]!.message, /use BOTTLEROCKET_x86_64_NVIDIA/);
  assert.match(errorsOf(withGroup({ instanceTypes: ['trn1.2xlarge'], amiType: 'AL2023_x86_64_STANDARD' }))[0]!.message, /Neuron driver: use AL2023_x86_64_NEURON/);
  assert.match(errorsOf(withGroup({ instanceTypes: ['m7g.large'], amiType: 'AL2023_x86_64_STANDARD' }))[0]!.message, /Graviton \(arm64\): use AL2023_ARM_64_STANDARD/);
});

test('instance types no one AMI fits are refused with the reason when amiType is left out', () => {
  const errors = errorsOf(withGroup({ instanceTypes: ['g5.xlarge', 'm5.large'] }));
  assert.deepEqual(errors.map((e) => e.path), ['/nodeGroups/0/instanceTypes']);
  assert.match(errors[0]!.message, /give each its own node group/);
});
