import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import { parseEnvironmentSpec } from '../../src/domain/environment-spec';
import { eksctlExamplesDir } from '../support/paths';
import { groupSubnetIdsWithFound, networkWithFoundSubnets, subnetReferenceKey, type SubnetLookupSpec } from '../../src/domain/subnet-lookups';

const example24 = readFileSync(join(eksctlExamplesDir, '24-nodegroup-subnets.yaml'), 'utf8');

test('eksctl example 24: named subnets given by id become subnetIds, the one given by cidr a lookup, and groups name either', () => {
  const result = translateClusterConfig(example24);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  const { network, nodeGroups } = result.spec;
  assert.equal(network.vpcId, 'vpc-0c24b1cc77da8f463');
  assert.deepEqual(network.subnetLookups, [{ cidr: '192.168.160.0/19' }], 'private-one, private (no public flag)');
  assert.ok(!network.subnetIds!.includes('private-one'));
  assert.deepEqual(network.publicSubnetIds, ['subnet-0324095a4f2188967', 'subnet-083814b087bad140b', 'subnet-03a1260affe6f9944']);
  // ng-1: public-one by name and public-two by id; ng-2: private-one (found) and private-three.
  assert.deepEqual(nodeGroups[0]!.subnetIds, ['subnet-0324095a4f2188967', 'subnet-083814b087bad140b']);
  assert.equal(nodeGroups[0]!.subnetLookups, undefined);
  assert.deepEqual(nodeGroups[1]!.subnetIds, ['subnet-0a96e24163ef2c9c3']);
  assert.deepEqual(nodeGroups[1]!.subnetLookups, [{ cidr: '192.168.160.0/19' }]);
});

test('a vpc.subnets entry with neither id, cidr nor az is refused at its path', () => {
  const config = example24.replace('cidr: "192.168.160.0/19"', 'tags: {}');
  const result = translateClusterConfig(config);
  assert.ok(!result.ok);
  assert.ok(result.errors.some((error) => error.path === '/vpc/subnets/private/private-one' && /give its id, or its cidr and\/or az/.test(error.message)), JSON.stringify(result.errors));
});

test('subnet lookups need the VPC they are in, and a group may name only the network\'s', () => {
  const base = { name: 'x', region: 'us-west-2', nodeGroups: [{ name: 'a', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 1, subnetLookups: [{ cidr: '10.0.9.0/24' }] }] };
  const noVpc = parseEnvironmentSpec({ ...base, network: { subnetLookups: [{ cidr: '10.0.8.0/24' }, { availabilityZone: 'us-west-2a' }] } });
  assert.ok(!noVpc.ok);
  assert.deepEqual(noVpc.errors.map((error) => error.path).sort(), ['/network/subnetLookups', '/nodeGroups/0/subnetLookups/0']);
  const empty = parseEnvironmentSpec({ ...base, network: { vpcId: 'vpc-0123456789abcdef0', subnetLookups: [{}] } });
  assert.ok(!empty.ok);
  const ok = parseEnvironmentSpec({ ...base, network: { vpcId: 'vpc-0123456789abcdef0', subnetLookups: [{ cidr: '10.0.9.0/24', public: true }, { availabilityZone: 'us-west-2b' }] } });
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.errors));
});

test('found subnets join the network (public ones as public) and the groups that name them', () => {
  const network: { subnetIds: string[]; publicSubnetIds?: string[]; subnetLookups: SubnetLookupSpec[] } = { subnetIds: ['subnet-aaaaaaaa'], subnetLookups: [{ cidr: '10.0.9.0/24', public: true }, { availabilityZone: 'us-west-2b' }] };
  const found = { [subnetReferenceKey({ cidr: '10.0.9.0/24' })]: 'subnet-bbbbbbbb', [subnetReferenceKey({ availabilityZone: 'us-west-2b' })]: 'subnet-cccccccc' };
  const joined = networkWithFoundSubnets(network, found);
  assert.deepEqual(joined.subnetIds, ['subnet-aaaaaaaa', 'subnet-bbbbbbbb', 'subnet-cccccccc']);
  assert.deepEqual(joined.publicSubnetIds, ['subnet-bbbbbbbb']);
  assert.deepEqual(groupSubnetIdsWithFound({ subnetLookups: [{ availabilityZone: 'us-west-2b' }] }, found), ['subnet-cccccccc']);
  assert.deepEqual(groupSubnetIdsWithFound({ subnetIds: ['subnet-aaaaaaaa'] }, found), ['subnet-aaaaaaaa'], 'a group without lookups: as before');
  assert.equal(groupSubnetIdsWithFound({}, found), undefined);
});

test('an entry keyed by its Availability Zone with neither id nor cidr is found by that zone, as eksctl takes the key as its az', () => {
  const config = example24.replace('private-one:\n        cidr: "192.168.160.0/19"', 'us-west-2c: {}');
  const result = translateClusterConfig(config.replace('- private-one', '- us-west-2c'));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  assert.deepEqual(result.spec.network.subnetLookups, [{ availabilityZone: 'us-west-2c' }]);
  assert.deepEqual(result.spec.nodeGroups[1]!.subnetLookups, [{ availabilityZone: 'us-west-2c' }]);
});
