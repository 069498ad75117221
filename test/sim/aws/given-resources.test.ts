import assert from 'node:assert/strict';
import { test } from 'node:test';
import { amiParameterName } from '../../../src/domain/self-managed-nodes';
import { manualSim } from './fixtures';

// What only the simulated cloud has, beside the contract suite's look-ups on moto and the sim
// (test/contract/aws.contract.test.ts): the EKS-optimized AMIs SSM names, images registered and
// deregistered, the launch templates of self-managed groups, and each region's own EC2.

test('DescribeImages finds the EKS-optimized AMIs SSM names and images registered in the region; a deregistered one is gone; a name is used once', async () => {
  const { sim, apis } = manualSim();
  const parameter = amiParameterName('AL2023_x86_64_STANDARD', '1.35');
  assert.ok(parameter);
  const optimized = await apis.selfManagedNodes!.parameter(parameter);
  assert.ok(optimized);
  assert.equal(await sim.givenResources.exists('image', optimized), true);
  const mine = sim.images.register({ name: 'my-node-image' });
  assert.match(mine, /^ami-[0-9a-f]{17}$/);
  assert.equal(await sim.givenResources.exists('image', mine), true);
  assert.throws(() => sim.images.register({ name: 'my-node-image' }), { name: 'InvalidAMIName.Duplicate' });
  sim.images.deregister(mine);
  assert.equal(await sim.givenResources.exists('image', mine), false);
  assert.deepEqual(sim.errorAnswers().refusals, { 'ec2:DescribeImages InvalidAMIID.NotFound': 1 });
  // Another region's EC2 has its own images.
  const other = sim.forRegion('eu-west-1');
  assert.equal(await other.givenResources.exists('image', optimized), false);
  assert.equal(await other.givenResources.exists('image', (await other.apis().selfManagedNodes!.parameter(parameter))!), true);
});

test('DescribeLaunchTemplates by ID finds a self-managed group\'s template too (the contract suite covers a managed group\'s): one EC2 holds both', async () => {
  const { sim, apis } = manualSim();
  const template = await apis.selfManagedNodes!.createLaunchTemplate({ name: 'workers', data: {
    imageId: 'ami-0123456789abcdef0', instanceType: 'm5.large', userData: '', instanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/workers', securityGroupIds: [],
    rootVolume: { deviceName: '/dev/xvda', sizeGiB: 20, type: 'gp3', encrypted: true }, metadata: { httpTokens: 'required', httpPutResponseHopLimit: 2 }, instanceTags: {},
  }, tags: {}, clientToken: 'workers' });
  assert.equal(await sim.givenResources.exists('launch-template', template.id), true);
  await apis.selfManagedNodes!.deleteLaunchTemplate('workers');
  assert.equal(await sim.givenResources.exists('launch-template', template.id), false);
});

test('IAM is the account\'s: a role and a customer policy are found from every region, by the role\'s name whatever its ARN\'s path', async () => {
  const { sim, apis } = manualSim();
  const role = await apis.iam.createRole({ name: 'app', trustPolicy: '{"Version":"2012-10-17","Statement":[]}', description: 'app', tags: {} });
  sim.iam.addManagedPolicy('arn:aws:iam::123456789012:policy/boundary');
  const other = sim.forRegion('eu-west-1').givenResources;
  assert.deepEqual(await Promise.all([
    other.exists('role', role.arn), other.exists('role', 'arn:aws:iam::123456789012:role/teams/app'), other.exists('policy', 'arn:aws:iam::123456789012:policy/boundary'),
  ]), [true, true, true]);
});
