import assert from 'node:assert/strict';
import { test } from 'node:test';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import {
  instanceRequirementsOf, meetsRequirements, selectFromTable, selectedTypes, selectorAmiType, tableTypesMeeting, withTableSelections,
} from '../../src/domain/instance-selector';
import { tableInstanceLimits } from '../../src/domain/max-pods';
import { planChange } from '../../src/domain/change-plan';
import { InvalidPlanError, planEnvironment } from '../../src/domain/planner';

const x86 = { cpuArchitecture: 'x86_64' } as const;
const network = { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] };

test('a selector asks for exactly its vCPUs, memory and GPUs, as eksctl\'s instance selector does', () => {
  assert.deepEqual(instanceRequirementsOf({ vCpus: 2, memoryGiB: 4, gpus: 0, ...x86 }), {
    architectureTypes: ['x86_64'], virtualizationTypes: ['hvm'], vCpuCount: { min: 2, max: 2 }, memoryMiB: { min: 4096, max: 4096 },
    acceleratorCount: { max: 0 }, burstablePerformance: 'included', bareMetal: 'included',
  });
  const gpu = instanceRequirementsOf({ gpus: 2, cpuArchitecture: 'arm64' });
  assert.deepEqual([gpu.vCpuCount, gpu.memoryMiB, gpu.acceleratorCount, gpu.acceleratorTypes, gpu.acceleratorManufacturers, gpu.architectureTypes],
    [{ min: 0 }, { min: 0 }, { min: 2, max: 2 }, ['gpu'], ['nvidia'], ['arm64']]);
  assert.deepEqual(instanceRequirementsOf({ memoryGiB: 0.5, ...x86 }).memoryMiB, { min: 512, max: 512 });
});

test('a type meets a query only when every attribute holds', () => {
  const query = instanceRequirementsOf({ vCpus: 2, memoryGiB: 4, ...x86 });
  const t3medium = { vcpus: 2, memoryMiB: 4096, arch: 'x86_64', burstable: true };
  assert.equal(meetsRequirements(t3medium, query), true);
  assert.equal(meetsRequirements({ ...t3medium, memoryMiB: 4097 }, query), false, 'memory is exact');
  assert.equal(meetsRequirements({ ...t3medium, arch: 'arm64' }, query), false);
  assert.equal(meetsRequirements({ ...t3medium, hvm: false }, query), false, 'hvm only');
  assert.equal(meetsRequirements({ ...t3medium, accelerators: 1 }, query), false, 'an Inferentia chip is an accelerator');
  assert.equal(meetsRequirements({ vcpus: 2, arch: 'x86_64' }, query), false, 'unknown memory meets nothing');
  const oneGpu = instanceRequirementsOf({ gpus: 1, ...x86 });
  assert.equal(meetsRequirements({ vcpus: 4, memoryMiB: 16384, arch: 'x86_64', gpus: 1, gpuManufacturer: 'nvidia' }, oneGpu), true);
  assert.equal(meetsRequirements({ vcpus: 4, memoryMiB: 16384, arch: 'x86_64', gpus: 1, gpuManufacturer: 'amd' }, oneGpu), false, 'EKS\'s GPU AMIs drive NVIDIA');
  assert.equal(meetsRequirements({ vcpus: 4, memoryMiB: 16384, arch: 'x86_64', gpus: 2, gpuManufacturer: 'nvidia' }, oneGpu), false);
});

test('the shipped table answers example 28\'s selectors, and GPU and Graviton ones, with types of those attributes', () => {
  assert.deepEqual(selectFromTable({ vCpus: 2, memoryGiB: 2, ...x86 }, 20), { ok: true, instanceTypes: ['t3.small', 't3a.small'] });
  const ng = selectFromTable({ vCpus: 2, memoryGiB: 4, gpus: 0, ...x86 }, 40);
  assert.ok(ng.ok);
  assert.ok(ng.instanceTypes.includes('t3.medium') && ng.instanceTypes.includes('c5.large'));
  for (const type of ng.instanceTypes) {
    const facts = tableInstanceLimits(type) as unknown as { vcpus: number; memoryMiB: number; arch: string; gpus?: number };
    assert.deepEqual([facts.vcpus, facts.memoryMiB, facts.arch, facts.gpus], [2, 4096, 'x86_64', undefined], type);
  }
  const gpu = selectFromTable({ vCpus: 4, memoryGiB: 16, gpus: 1, ...x86 }, 20);
  assert.ok(gpu.ok && gpu.instanceTypes.includes('g4dn.xlarge') && !gpu.instanceTypes.includes('m5.xlarge'), JSON.stringify(gpu));
  const arm = selectFromTable({ vCpus: 2, memoryGiB: 4, cpuArchitecture: 'arm64' }, 20);
  assert.ok(arm.ok && arm.instanceTypes.includes('t4g.medium') && arm.instanceTypes.every((type) => !type.startsWith('t3')), JSON.stringify(arm));
});

test('none matched, or more than the group takes, is refused with the way out, as eksctl refuses them', () => {
  const none = selectFromTable({ vCpus: 3, memoryGiB: 1, ...x86 }, 20);
  assert.ok(!none.ok && /matches no instance type \(3 vCPUs, 1 GiB, 0 GPUs, x86_64\): broaden it, or list instanceTypes/.test(none.reason));
  const twentyOne = tableTypesMeeting(instanceRequirementsOf({ vCpus: 2, memoryGiB: 4, ...x86 }));
  assert.ok(twentyOne.length > 20 && twentyOne.length <= 40, `${twentyOne.length}`);
  const managed = selectedTypes({ vCpus: 2, memoryGiB: 4, ...x86 }, twentyOne, 20);
  assert.ok(!managed.ok && /more than the 20 such a node group takes: set more of its options/.test(managed.reason));
  assert.ok(selectedTypes({ vCpus: 2, memoryGiB: 4, ...x86 }, twentyOne, 40).ok);
  assert.deepEqual(selectedTypes(x86, ['b.large', 'a.large', 'b.large'], 20), { ok: true, instanceTypes: ['a.large', 'b.large'] }, 'sorted, once each');
});

test('the AMI type follows the selector: ARM for arm64, NVIDIA with GPUs, Bottlerocket\'s when asked', () => {
  assert.equal(selectorAmiType({ cpuArchitecture: 'x86_64' }), 'AL2023_x86_64_STANDARD');
  assert.equal(selectorAmiType({ cpuArchitecture: 'arm64' }), 'AL2023_ARM_64_STANDARD');
  assert.equal(selectorAmiType({ cpuArchitecture: 'x86_64', gpus: 1 }), 'AL2023_x86_64_NVIDIA');
  assert.equal(selectorAmiType({ cpuArchitecture: 'arm64', gpus: 0 }, 'Bottlerocket'), 'BOTTLEROCKET_ARM_64');
  const parsed = parseEnvironmentSpec({ name: 'sel', region: 'us-east-1', network, nodeGroups: [{ name: 'g', instanceTypes: [], instanceSelector: { gpus: 1, vCpus: 4 }, minSize: 1, desiredSize: 1, maxSize: 1 }] });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  assert.equal(parsed.spec.nodeGroups[0]!.amiType, 'AL2023_x86_64_NVIDIA');
});

function specWith(groups: unknown[]): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({ name: 'sel', region: 'us-east-1', network, nodeGroups: groups });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  return parsed.spec;
}

test('the plan shows the table\'s picks in the group\'s step and a note, and checks pod capacity on them', () => {
  const spec = specWith([{ name: 'small', instanceTypes: [], instanceSelector: { vCpus: 2, memoryGiB: 2 }, minSize: 1, desiredSize: 1, maxSize: 2 }]);
  const plan = planEnvironment(spec);
  assert.equal(plan.steps.find((s) => s.id === 'eks:nodegroup/small')!.title, 'create on-demand node group small (t3.small, t3a.small; min/desired/max 1/1/2)');
  assert.deepEqual(plan.notes, ['node group small: instanceSelector (2 vCPUs, 2 GiB, 0 GPUs, x86_64) picks t3.small, t3a.small from the shipped instance table; the run asks EC2 GetInstanceTypesFromInstanceRequirements the same before it makes the group']);
  // The capacity check runs on the picks: a t3a.small holds 2 ENIs × (4 − 1) + 2 = 8 pods.
  const parsed = parseEnvironmentSpec({
    name: 'sel', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] }, image: { uri: 'registry.example/web:1' }, addons: { 'aws-load-balancer-controller': {} },
    app: { name: 'web', replicas: 100, containerPort: 8080 }, nodeGroups: [{ name: 'small', instanceTypes: [], instanceSelector: { vCpus: 2, memoryGiB: 2 }, minSize: 1, desiredSize: 1, maxSize: 2 }],
  });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  assert.throws(() => planEnvironment(parsed.spec), (error: unknown) => error instanceof InvalidPlanError && /8 per t3a\.small node \(2 ENIs × \(4 − 1\) \+ 2 = 8\)/.test(error.message));
});

test('a selector the table cannot answer refuses the plan at its path; specs without one plan from the very same spec', () => {
  const spec = specWith([{ name: 'odd', instanceTypes: [], instanceSelector: { vCpus: 3, memoryGiB: 1 }, minSize: 1, desiredSize: 1, maxSize: 1 }]);
  assert.throws(() => planEnvironment(spec), (error: unknown) => error instanceof InvalidPlanError && error.problems[0]!.path === '/nodeGroups/0/instanceSelector');
  const plain = specWith([{ name: 'plain', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 1 }]);
  assert.equal(withTableSelections(plain).spec, plain);
  assert.equal(planEnvironment(plain).notes, undefined);
  // Types listed beside a selector: one or the other, as eksctl asks.
  const listed = parseEnvironmentSpec({ name: 'sel', region: 'us-east-1', network, nodeGroups: [{ name: 'listed', instanceTypes: ['m5.large'], instanceSelector: { vCpus: 2 }, minSize: 1, desiredSize: 1, maxSize: 1 }] });
  assert.ok(!listed.ok && listed.errors.some((e) => e.path === '/nodeGroups/0/instanceSelector' && /give one of them/.test(e.message)), JSON.stringify(listed));
  // An amiType given beside a selector must fit what it picks.
  const standard = specWith([{ name: 'gpu', instanceTypes: [], amiType: 'AL2023_x86_64_STANDARD', instanceSelector: { vCpus: 4, memoryGiB: 16, gpus: 1 }, minSize: 1, desiredSize: 1, maxSize: 1 }]);
  assert.throws(() => planEnvironment(standard), (error: unknown) => error instanceof InvalidPlanError
    && error.problems[0]!.path === '/nodeGroups/0/amiType' && /without GPU drivers: use AL2023_x86_64_NVIDIA.*\(the types its instanceSelector picks\)$/.test(error.problems[0]!.message));
});

const clusterConfig = (selector: string, extra = '') => `apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: { name: sel, region: us-west-2 }
managedNodeGroups:
- name: mng
  ${extra}
  instanceSelector: ${selector}
`;

test('translator: eksctl\'s instanceSelector becomes the spec\'s, memory read as eksctl\'s bytequantity reads it', () => {
  const selectorOf = (memory: string) => {
    const translated = translateClusterConfig(clusterConfig(`{ vCPUs: 2, memory: ${JSON.stringify(memory)} }`));
    return translated.ok ? translated.spec.nodeGroups[0]!.instanceSelector : translated.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
  };
  for (const [memory, gib] of [['4', 4], ['4GiB', 4], ['4 gb', 4], ['4G', 4], ['4096MiB', 4], ['4096 mb', 4], ['0.5', 0.5], ['0.5GiB', 0.5]] as const) {
    assert.deepEqual(selectorOf(memory), { vCpus: 2, memoryGiB: gib, cpuArchitecture: 'x86_64' }, memory);
  }
  for (const bad of ['4 GiBs', '1.5MiB', 'four', '4.0001']) assert.match(String(selectorOf(bad)), /\/managedNodeGroups\/0\/instanceSelector\/memory: must be a memory size/, bad);
  const translated = translateClusterConfig(clusterConfig('{ vCPUs: 4, gpus: 1, cpuArchitecture: arm64 }'));
  assert.ok(translated.ok, JSON.stringify(!translated.ok && translated.errors));
  const [group] = translated.spec.nodeGroups;
  assert.deepEqual([group!.instanceTypes, group!.instanceSelector, group!.amiType], [[], { vCpus: 4, gpus: 1, cpuArchitecture: 'arm64' }, 'AL2023_ARM_64_NVIDIA']);
  const bottlerocket = translateClusterConfig(clusterConfig('{ vCPUs: 2, memory: 4, cpuArchitecture: arm64 }', 'amiFamily: Bottlerocket'));
  assert.ok(bottlerocket.ok && bottlerocket.spec.nodeGroups[0]!.amiType === 'BOTTLEROCKET_ARM_64', JSON.stringify(bottlerocket));
});

test('a change adds a selector\'s group naming its selector, and refuses changing a selector in place with the way out', () => {
  const live = specWith([{ name: 'plain', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 1 }]);
  const selectorGroup = { name: 'picked', instanceTypes: [], instanceSelector: { vCpus: 2, memoryGiB: 2 }, minSize: 1, desiredSize: 1, maxSize: 1 };
  const added = specWith([live.nodeGroups[0], selectorGroup]);
  const plan = planChange(live, added);
  assert.ok(plan.steps.some((s) => s.title.includes('node group picked (types its instanceSelector picks: 2 vCPUs, 2 GiB, 0 GPUs, x86_64; min/desired/max 1/1/1)')), JSON.stringify(plan.steps.map((s) => s.title)));
  const changed = specWith([live.nodeGroups[0], { ...selectorGroup, instanceSelector: { vCpus: 4, memoryGiB: 2 } }]);
  assert.throws(() => planChange(added, changed), /instanceSelector of a node group cannot be changed by apply yet; the way out: add a node group with the new instanceSelector and remove this one/);
});
