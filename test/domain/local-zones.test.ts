import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvironmentSpec } from '../../src/domain/environment-spec';
import { localZoneSubnetIds } from '../../src/domain/local-zones';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';

const group = { name: 'edge', kind: 'self-managed', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2, localZones: ['us-west-2-lax-1a'] };
const spec = (vpc: Record<string, unknown>, groups: Record<string, unknown>[] = [group]) => parseEnvironmentSpec({ name: 'lz', region: 'us-west-2', network: { vpc }, nodeGroups: groups });
const paths = (result: ReturnType<typeof spec>) => (result.ok ? [] : result.errors.map((error) => error.path).sort());

test('a group in Local Zones: self-managed, in zones the network makes, placed by them alone', () => {
  assert.ok(spec({ localZones: ['us-west-2-lax-1a', 'us-west-2-lax-1b'] }).ok);
  assert.deepEqual(paths(spec({ localZones: ['us-west-2-lax-1b'] })), ['/nodeGroups/0/localZones/0']);
  assert.deepEqual(paths(spec({ localZones: ['us-west-2-lax-1a'] }, [{ ...group, kind: 'managed' }])), ['/nodeGroups/0/localZones']);
  assert.deepEqual(paths(spec({ localZones: ['us-west-2-lax-1a'] }, [{ ...group, availabilityZones: ['us-west-2a'] }])), ['/nodeGroups/0/availabilityZones']);
  assert.deepEqual(paths(spec({ localZones: ['us-east-1-bos-1a'] }, [])), ['/network/vpc/localZones/0']);
  // eksctl: "HighlyAvailable NAT gateway is not supported for localZones".
  assert.deepEqual(paths(spec({ localZones: ['us-west-2-lax-1a'], natGateway: 'perAz' })), ['/network/vpc/natGateway']);
});

test('a group\'s Local Zone subnets: public ones unless privateNetworking, only its zones; none for a group without localZones', () => {
  const subnets = [
    { zone: 'us-west-2-lax-1a', tier: 'public' as const, id: 'subnet-a-pub' }, { zone: 'us-west-2-lax-1a', tier: 'private' as const, id: 'subnet-a-priv' },
    { zone: 'us-west-2-lax-1b', tier: 'public' as const, id: 'subnet-b-pub' },
  ];
  assert.deepEqual(localZoneSubnetIds({ localZones: ['us-west-2-lax-1a'] }, subnets), ['subnet-a-pub']);
  assert.deepEqual(localZoneSubnetIds({ localZones: ['us-west-2-lax-1a'], privateNetworking: true }, subnets), ['subnet-a-priv']);
  assert.equal(localZoneSubnetIds({}, subnets), undefined);
});

test('eksctl: localZones on a managed group or beside existing vpc.subnets is refused with its reason', () => {
  const head = 'apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: { name: lz, region: us-west-2 }\nlocalZones: [us-west-2-lax-1a]\n';
  const managed = translateClusterConfig(`${head}managedNodeGroups:\n  - name: m\n    localZones: [us-west-2-lax-1a]\n`);
  assert.ok(!managed.ok && managed.errors.some((error) => error.path === '/managedNodeGroups/0/localZones' && /only self-managed groups run in Local Zones/.test(error.message)));
  const existing = translateClusterConfig(`${head}vpc:\n  id: vpc-0123456789abcdef0\n  subnets:\n    private:\n      a: { id: subnet-0aaaaaaaaaaaaaaa1 }\n      b: { id: subnet-0aaaaaaaaaaaaaaa2 }\n`);
  assert.ok(!existing.ok && existing.errors.some((error) => error.path === '/localZones' && /only in a VPC it creates/.test(error.message)), JSON.stringify(!existing.ok && existing.errors));
});
