import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createInstanceSelectorActivities } from '../../src/activities/instance-types';
import { errorTypes } from '../../src/domain/errors';
import { instanceRequirementsOf } from '../../src/domain/instance-selector';
import { manualSim, rejectsAs } from '../sim/aws/fixtures';

// selectInstanceTypes over the simulated EC2's GetInstanceTypesFromInstanceRequirements: moto
// 5.2.5 has no handler for that action (moto/ec2/responses implement DescribeInstanceTypes but
// not it), so the simulated cloud is the peer that answers it, over the shipped instance table.

test('a managed and a self-managed group get the region\'s types meeting their selector, one request each', async () => {
  const { sim, apis } = manualSim();
  const { selectInstanceTypes } = createInstanceSelectorActivities(apis.nodeLaunch);
  assert.deepEqual(await selectInstanceTypes({ group: 'mng', selector: { vCpus: 2, memoryGiB: 2, cpuArchitecture: 'x86_64' } }), { instanceTypes: ['t3.small', 't3a.small'] });
  const ng = await selectInstanceTypes({ group: 'ng', kind: 'self-managed', selector: { vCpus: 2, memoryGiB: 4, gpus: 0, cpuArchitecture: 'x86_64' } });
  assert.ok(ng.instanceTypes.length > 20 && ng.instanceTypes.includes('t3.medium'), ng.instanceTypes.join(', '));
  assert.equal(sim.calls()['ec2:GetInstanceTypesFromInstanceRequirements'], 2);
});

test('none matched, or more than a managed group takes, is refused for good with the way out', async () => {
  const { apis } = manualSim();
  const { selectInstanceTypes } = createInstanceSelectorActivities(apis.nodeLaunch);
  await rejectsAs(selectInstanceTypes({ group: 'odd', selector: { vCpus: 3, memoryGiB: 1, cpuArchitecture: 'x86_64' } }),
    { type: errorTypes.invalidSpec, nonRetryable: true, message: /^node group odd: its instanceSelector matches no instance type \(3 vCPUs, 1 GiB, 0 GPUs, x86_64\): broaden it, or list instanceTypes \(EC2 GetInstanceTypesFromInstanceRequirements in this region\)$/ });
  // The 2 vCPU / 4 GiB types fit a self-managed group's 40 (above) but not a managed group's 20.
  await rejectsAs(selectInstanceTypes({ group: 'mng', selector: { vCpus: 2, memoryGiB: 4, cpuArchitecture: 'x86_64' } }),
    { type: errorTypes.invalidSpec, nonRetryable: true, message: /matches 2[0-9] instance types .* more than the 20 such a node group takes: set more of its options, or list instanceTypes/ });
});

test('the simulated EC2 refuses a range whose Min exceeds its Max, as the API does', async () => {
  const { apis } = manualSim();
  const query = { ...instanceRequirementsOf({ cpuArchitecture: 'x86_64' }), vCpuCount: { min: 4, max: 2 } };
  await rejectsAs(apis.nodeLaunch.instanceTypesFromRequirements(query), { type: errorTypes.awsClientError, message: /InvalidParameterValue/ });
});

test('a worker without the EC2 client says what it lacks', async () => {
  await rejectsAs(createInstanceSelectorActivities(undefined).selectInstanceTypes({ group: 'g', selector: { cpuArchitecture: 'x86_64' } }),
    { type: errorTypes.resourceFailed, nonRetryable: true, message: /no EC2 client for node placement \(nodeLaunch\)/ });
});
