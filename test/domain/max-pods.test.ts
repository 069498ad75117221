import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eniLimitsSource, groupMaxPods, maxPodsOf, prefixDelegationEnabled, tableInstanceLimits, withExtraLimits } from '../../src/domain/max-pods';

const pods = (instanceType: string, options: Parameters<typeof maxPodsOf>[1] = {}) => maxPodsOf(tableInstanceLimits(instanceType)!, options).pods;

test('the EKS formula gives the values AWS publishes (eni-max-pods.txt, max-pods-calculator.sh)', () => {
  assert.equal(pods('m5.large'), 29);
  assert.equal(pods('t3.micro'), 4);
  assert.equal(pods('m5.xlarge'), 58);
  assert.equal(pods('t3.medium'), 17);
  assert.equal(maxPodsOf(tableInstanceLimits('m5.large')!).how, '3 ENIs × (10 − 1) + 2 = 29');
});

test('prefix delegation: ENIs × ((IPv4 per ENI − 1) × 16) + 2, under the calculator\'s ceiling of 110 up to 30 vCPUs and 250 above', () => {
  assert.equal(pods('m5.large', { prefixDelegation: true }), 110, 'the EKS guide: 110 for an m5.large with --cni-prefix-delegation-enabled');
  assert.match(maxPodsOf(tableInstanceLimits('m5.large')!, { prefixDelegation: true }).how, /^3 ENIs × \(\(10 − 1\) × 16\) \+ 2 = 434; capped at 110 \(2 vCPUs\)$/);
  assert.equal(pods('m5.8xlarge', { prefixDelegation: true }), 250, '32 vCPUs');
  assert.equal(pods('t3.micro', { prefixDelegation: true }), 34, '2 × (1 × 16) + 2: under the ceiling');
  // Not Nitro: the CNI cannot assign prefixes, and the calculator falls back to secondary IPs.
  assert.equal(tableInstanceLimits('t2.medium')!.prefixDelegation, false);
  assert.equal(pods('t2.medium', { prefixDelegation: true }), pods('t2.medium'));
  assert.match(maxPodsOf(tableInstanceLimits('t2.medium')!, { prefixDelegation: true }).how, /not a Nitro instance/);
});

test('the ceiling holds without prefix delegation too (the calculator and managed node groups apply it)', () => {
  assert.equal(pods('m5.4xlarge'), 110, '8 × 29 + 2 = 234 on 16 vCPUs');
  assert.equal(pods('m5.8xlarge'), 234, '32 vCPUs: 234 is under 250');
  assert.equal(pods('m5.24xlarge'), 250, '15 × 49 + 2 = 737 on 96 vCPUs');
});

test('maxPodsPerNode caps a node below what its ENIs allow', () => {
  assert.equal(pods('m5.large', { maxPodsPerNode: 20 }), 20);
  assert.equal(pods('m5.large', { maxPodsPerNode: 50 }), 29, 'a higher setting does not add addresses');
});

test('a group with several instance types holds what its smallest holds; an unknown type gives no number', () => {
  assert.deepEqual(groupMaxPods({ instanceTypes: ['m5.xlarge', 't3.micro', 'm5.large'] }), { known: true, pods: 4, instanceType: 't3.micro', how: '2 ENIs × (2 − 1) + 2 = 4' });
  assert.deepEqual(groupMaxPods({ instanceTypes: ['m5.large', 'zz9.huge'] }), { known: false, unknownTypes: ['zz9.huge'] });
  const lookup = withExtraLimits({ 'zz9.huge': { enis: 4, ipv4PerEni: 15, prefixDelegation: true, vcpus: 16 } });
  assert.equal(lookup('m5.large'), tableInstanceLimits('m5.large'), 'the table first');
  assert.deepEqual(groupMaxPods({ instanceTypes: ['m5.large', 'zz9.huge'] }, { lookup }), { known: true, pods: 29, instanceType: 'm5.large', how: '3 ENIs × (10 − 1) + 2 = 29' });
});

test('the table names the VPC CNI module it was generated from', () => {
  assert.match(eniLimitsSource, /^github\.com\/aws\/amazon-vpc-cni-k8s@v1\.\d+\.\d+$/);
  assert.equal(tableInstanceLimits('constructor'), undefined, 'only instance types, not Object.prototype');
});

test('prefix delegation is on through eksAddons.vpc-cni.prefixDelegation or ENABLE_PREFIX_DELEGATION in its configurationValues', () => {
  assert.equal(prefixDelegationEnabled(undefined), false);
  assert.equal(prefixDelegationEnabled({ 'vpc-cni': {} }), false);
  assert.equal(prefixDelegationEnabled({ 'vpc-cni': { prefixDelegation: { warmPrefixTarget: 1 } } }), true);
  assert.equal(prefixDelegationEnabled({ 'vpc-cni': { configurationValues: { env: { ENABLE_PREFIX_DELEGATION: 'true' } } } }), true);
  assert.equal(prefixDelegationEnabled({ 'vpc-cni': { configurationValues: { env: { ENABLE_PREFIX_DELEGATION: 'false' } } } }), false);
  assert.equal(prefixDelegationEnabled({ 'vpc-cni': { configurationValues: '{"env":{"ENABLE_PREFIX_DELEGATION":"true"}}' } }), true);
  assert.equal(prefixDelegationEnabled({ 'vpc-cni': { configurationValues: 'env:\n  ENABLE_PREFIX_DELEGATION: "true"\n' } }), true);
  assert.equal(prefixDelegationEnabled({ 'vpc-cni': { configurationValues: 'env:\n  ENABLE_PREFIX_DELEGATION: "false"\n' } }), false);
});
