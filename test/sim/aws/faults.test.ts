import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorTypes } from '../../../src/domain/errors';
import { activeCluster, manualSim, nodegroupInput, rejectsAs, tags } from './fixtures';

test('every request is counted by API, as many as the SDK-backed adapter would make', async () => {
  const bed = manualSim();
  await bed.apis.ecr.createRepository({ name: 'a', scanOnPush: false, tags });
  await bed.apis.ecr.createRepository({ name: 'b', scanOnPush: false, tags });
  bed.sim.resetCalls();
  await bed.apis.ecr.listRepositories();
  await bed.apis.eks.describeCluster('missing');
  assert.deepEqual(bed.sim.calls(), { 'ecr:DescribeRepositories': 1, 'ecr:ListTagsForResource': 2, 'eks:DescribeCluster': 1 });
});

test('throttling is retried within the SDK\'s attempts; past them it surfaces as retryable', async () => {
  const always = manualSim({ faults: { throttleRate: 1 } });
  await rejectsAs(always.apis.eks.describeCluster('demo'), { type: errorTypes.awsRetryable, nonRetryable: false, message: /DescribeCluster demo: ThrottlingException: Rate exceeded/ });
  assert.deepEqual(always.sim.calls(), { 'eks:DescribeCluster': 7 }, 'seven attempts, as the SDK clients make (src/activities/aws/clients.ts defaultMaxAttempts, aws-fault-catalog 47)');

  const sometimes = manualSim({ faults: { throttleRate: 0.3, seed: 7 }, sdkMaxAttempts: 3 });
  let failed = 0;
  for (let i = 0; i < 200; i++) await sometimes.apis.eks.describeCluster('demo').catch(() => failed++);
  const requests = sometimes.sim.calls()['eks:DescribeCluster']!;
  assert.ok(requests > 240 && requests < 320, `~30% of requests retried: ${requests} for 200 calls`);
  assert.ok(failed < 15, `0.3³ of calls fail after three attempts: ${failed} of 200`);
});

test('5xx faults surface as retryable with each service\'s own error name', async () => {
  const bed = manualSim({ faults: { serverErrorRate: 1 } });
  await rejectsAs(bed.apis.eks.listClusters(), { type: errorTypes.awsRetryable, message: /ListClusters: ServerException/ });
  await rejectsAs(bed.apis.iam.getRole('x'), { type: errorTypes.awsRetryable, message: /GetRole x: ServiceFailureException/ });
  await rejectsAs(bed.apis.vpc.availabilityZones(), { type: errorTypes.awsRetryable, message: /DescribeAvailabilityZones: InternalError/ });
  bed.sim.faults.serverErrorRate = 0;
  assert.deepEqual(await bed.apis.eks.listClusters(), []);
});

test('the same fault seed meets the same faults', async () => {
  const outcomes = async () => {
    const bed = manualSim({ faults: { throttleRate: 0.5, seed: 'replay' }, sdkMaxAttempts: 1 });
    const results: boolean[] = [];
    for (let i = 0; i < 50; i++) results.push(await bed.apis.eks.listClusters().then(() => true, () => false));
    return results;
  };
  const first = await outcomes();
  assert.deepEqual(await outcomes(), first);
  assert.ok(first.includes(true) && first.includes(false));
});

test('a failed step fails non-retryably, by method or API name, for one resource, a number of times', async () => {
  const bed = manualSim();
  const { nodeRole, network } = await activeCluster(bed);
  bed.sim.faults.failStep('createNodegroup', { resource: 'spot', times: 1 });
  await bed.apis.eks.createNodegroup(nodegroupInput(nodeRole, network.privateSubnetIds, 'general'));
  await rejectsAs(bed.apis.eks.createNodegroup(nodegroupInput(nodeRole, network.privateSubnetIds, 'spot')), { type: 'InjectedFault', nonRetryable: true, message: /injected failure of createNodegroup \(demo\/spot\) before it took effect/ });
  assert.deepEqual(bed.sim.inventory().nodegroups, ['demo/general'], 'before: nothing was made');
  await bed.apis.eks.createNodegroup(nodegroupInput(nodeRole, network.privateSubnetIds, 'spot'));

  bed.sim.faults.failStep('ec2:CreateSubnet');
  await rejectsAs(bed.apis.vpc.ensureNetwork({ cidr: '10.9.0.0/16', zones: ['us-east-1a'], natGateway: 'none', tags, cluster: 'x' }), { type: 'InjectedFault', message: /injected failure of CreateSubnet/ });
  assert.equal(bed.sim.inventory().vpcs.length, 2, 'what came before the failed request stays, as on AWS');
});

test('a step failing after it took effect loses only the response: the create token then finds the same resource', async () => {
  const bed = manualSim();
  const { nodeRole, network } = await activeCluster(bed);
  bed.sim.faults.failStep('CreateNodegroup', { when: 'after', times: 1 });
  await rejectsAs(bed.apis.eks.createNodegroup(nodegroupInput(nodeRole, network.privateSubnetIds)), { type: 'InjectedFault', message: /after it took effect: the response was lost/ });
  assert.deepEqual(bed.sim.inventory().nodegroups, ['demo/general']);
  assert.equal((await bed.apis.eks.createNodegroup(nodegroupInput(nodeRole, network.privateSubnetIds))).name, 'general', 'the retry with the same token is answered');
});
