import eniLimits from './data/eni-limits.json' with { type: 'json' };
import { amiTypeMismatch } from './ami-types';
import type { AmiType } from './node-group-settings';

/**
 * A node group's `instanceSelector` turned into instance types (issue 17 item 3). Pure.
 *
 * eksctl (pkg/eks/nodegroup_service.go, expandInstanceSelector) asks its instance selector
 * (aws/amazon-ec2-instance-selector, Filters with Service "eks") for the types whose vCPUs,
 * memory and GPUs equal the given ones exactly (each range's lower bound = upper bound), of
 * cpuArchitecture (x86_64 when left out), among the types the EKS AMI lists in
 * eni-max-pods.txt (selector/eks.go), hvm only; then uses all of them as the managed group's
 * instanceTypes or the self-managed group's instancesDistribution.instanceTypes, refusing
 * none ("matched no instances; consider broadening your criteria") and more than 40 (its
 * maxInstanceTypes, a CloudFormation template's limit). Memory is a byte quantity, GiB when no
 * unit is given (amazon-ec2-instance-selector pkg/bytequantity: "4" is 4 GiB).
 *
 * eksflow asks EC2 GetInstanceTypesFromInstanceRequirements the same question at run time
 * (src/activities/instance-types.ts) and answers it offline from the shipped instance table
 * (src/domain/data/eni-limits.json, the VPC CNI's table that is eni-max-pods.txt, with the
 * attributes from DescribeInstanceTypes) so a plan shows the types and their pod capacity.
 * The question, in that API's terms (EC2 API reference, InstanceRequirementsRequest):
 * - VCpuCount and MemoryMiB Min = Max (AWS requires both: Min 0 when the selector leaves one out);
 * - gpus ≥ 1: AcceleratorTypes [gpu], AcceleratorManufacturers [nvidia] (the GPUs EKS's
 *   NVIDIA AMIs drive: src/domain/ami-types.ts), AcceleratorCount Min = Max = gpus;
 * - gpus 0, or left out: AcceleratorCount Max 0 ("To exclude accelerator-enabled instance
 *   types, set Max to 0"). eksctl leaves GPUs unfiltered when gpus is left out and then gives
 *   every type of the group the NVIDIA AMI if any is a GPU type; eksflow keeps one group on the
 *   AMI its selector names (src/domain/ami-types.ts selectorAmiType), so GPUs are asked for;
 * - BurstablePerformance and BareMetal "included": the API excludes both by default, eksctl's
 *   selector does not (t3.medium is what `vCPUs: 2, memory: 4` gives there);
 * - ArchitectureTypes [cpuArchitecture], VirtualizationTypes [hvm] (both required by the API).
 */

export interface InstanceSelectorSpec {
  vCpus?: number;
  memoryGiB?: number;
  gpus?: number;
  cpuArchitecture: 'x86_64' | 'arm64';
}

export interface IntRange { min: number; max?: number }

/** The GetInstanceTypesFromInstanceRequirements request a selector makes, in that API's terms. */
export interface InstanceRequirementsQuery {
  architectureTypes: ('x86_64' | 'arm64')[];
  virtualizationTypes: ['hvm'];
  vCpuCount: IntRange;
  memoryMiB: IntRange;
  acceleratorCount: { min?: number; max?: number };
  acceleratorTypes?: ['gpu'];
  acceleratorManufacturers?: ['nvidia'];
  burstablePerformance: 'included';
  bareMetal: 'included';
}

/**
 * How many types one group takes: a managed group 20 (EKS CreateNodegroup: "0-20 instance types
 * for instanceTypes"), a self-managed one 40 (EC2 Auto Scaling LaunchTemplateOverrides: "The
 * maximum number of instance types that can be associated with an Auto Scaling group is 40";
 * eksctl's maxInstanceTypes).
 */
export const maxSelectedInstanceTypes = { managed: 20, selfManaged: 40 } as const;

export function instanceRequirementsOf(selector: InstanceSelectorSpec): InstanceRequirementsQuery {
  const exactly = (value: number | undefined): IntRange => (value === undefined ? { min: 0 } : { min: value, max: value });
  const gpus = selector.gpus ?? 0;
  return {
    architectureTypes: [selector.cpuArchitecture],
    virtualizationTypes: ['hvm'],
    vCpuCount: exactly(selector.vCpus),
    memoryMiB: exactly(selector.memoryGiB === undefined ? undefined : Math.round(selector.memoryGiB * 1024)),
    ...(gpus > 0 ? { acceleratorTypes: ['gpu'] as ['gpu'], acceleratorManufacturers: ['nvidia'] as ['nvidia'], acceleratorCount: { min: gpus, max: gpus } } : { acceleratorCount: { max: 0 } }),
    burstablePerformance: 'included',
    bareMetal: 'included',
  };
}

/** What the table knows of a type that a requirement can ask about (DescribeInstanceTypes' terms). */
export interface InstanceAttributes {
  vcpus?: number;
  memoryMiB?: number;
  arch?: string;
  gpus?: number;
  /** Lower case, e.g. nvidia; several joined by commas. */
  gpuManufacturer?: string;
  /** Inference (Inferentia), Neuron, FPGA and media accelerators. */
  accelerators?: number;
  burstable?: boolean;
  bareMetal?: boolean;
  /** false only for a type without hvm (paravirtual only). */
  hvm?: boolean;
}

const within = (value: number, range: { min?: number; max?: number }) => value >= (range.min ?? 0) && (range.max === undefined || value <= range.max);

/**
 * Whether a type meets every requirement, as GetInstanceTypesFromInstanceRequirements
 * decides it (every attribute must hold; several values of one attribute: any of them). A type
 * whose vCPUs, memory or architecture the table lacks meets none. Pure.
 */
export function meetsRequirements(type: InstanceAttributes, query: InstanceRequirementsQuery): boolean {
  if (type.vcpus === undefined || type.memoryMiB === undefined || type.arch === undefined) return false;
  if (!query.architectureTypes.includes(type.arch as 'x86_64')) return false;
  if (type.hvm === false) return false;
  if (!within(type.vcpus, query.vCpuCount) || !within(type.memoryMiB, query.memoryMiB)) return false;
  const gpus = type.gpus ?? 0;
  const accelerators = gpus + (type.accelerators ?? 0);
  if (query.acceleratorTypes) {
    // Asked for GPUs: the count is of the GPUs, by the named manufacturer.
    if (gpus === 0 || !within(gpus, query.acceleratorCount)) return false;
    if (query.acceleratorManufacturers && !query.acceleratorManufacturers.some((maker) => (type.gpuManufacturer ?? '').split(',').includes(maker))) return false;
  } else if (!within(accelerators, query.acceleratorCount)) return false;
  return true;
}

const table = eniLimits as unknown as { types: Record<string, InstanceAttributes> };

/** The shipped table's types meeting the query, by name. */
export function tableTypesMeeting(query: InstanceRequirementsQuery): string[] {
  return Object.entries(table.types).filter(([, attributes]) => meetsRequirements(attributes, query)).map(([type]) => type).sort();
}

/** The selector as a person reads it: "2 vCPUs, 4 GiB, 0 GPUs, x86_64". */
export function selectorText(selector: InstanceSelectorSpec): string {
  return [
    selector.vCpus !== undefined ? `${selector.vCpus} vCPUs` : undefined,
    selector.memoryGiB !== undefined ? `${selector.memoryGiB} GiB` : undefined,
    `${selector.gpus ?? 0} GPUs`,
    selector.cpuArchitecture,
  ].filter(Boolean).join(', ');
}

export type SelectedTypes = { ok: true; instanceTypes: string[] } | { ok: false; reason: string };

/** The types a selector gets from an answer, or why the group cannot take them (eksctl's two refusals). Pure. */
export function selectedTypes(selector: InstanceSelectorSpec, matched: readonly string[], limit: number): SelectedTypes {
  const instanceTypes = [...new Set(matched)].sort();
  if (instanceTypes.length === 0) return { ok: false, reason: `matches no instance type (${selectorText(selector)}): broaden it, or list instanceTypes` };
  if (instanceTypes.length > limit) {
    return { ok: false, reason: `matches ${instanceTypes.length} instance types (${selectorText(selector)}), more than the ${limit} such a node group takes: set more of its options, or list instanceTypes` };
  }
  return { ok: true, instanceTypes };
}

/** The offline answer: the shipped table's types for this selector. Pure. */
export function selectFromTable(selector: InstanceSelectorSpec, limit: number): SelectedTypes {
  return selectedTypes(selector, tableTypesMeeting(instanceRequirementsOf(selector)), limit);
}

/**
 * The AMI type a selector's group gets when amiType is left out: its architecture's, NVIDIA
 * with gpus (the query asks for NVIDIA GPUs), as amiTypeFor gives for the types it picks.
 */
export function selectorAmiType(selector: { cpuArchitecture?: unknown; gpus?: unknown }, family: 'AmazonLinux2023' | 'Bottlerocket' = 'AmazonLinux2023'): AmiType {
  const architecture = selector.cpuArchitecture === 'arm64' ? 'ARM_64' : 'x86_64';
  const gpus = typeof selector.gpus === 'number' && selector.gpus > 0;
  if (family === 'Bottlerocket') return gpus ? `BOTTLEROCKET_${architecture}_NVIDIA` : `BOTTLEROCKET_${architecture}`;
  return `AL2023_${architecture}_${gpus ? 'NVIDIA' : 'STANDARD'}`;
}

/** How many types the group may take: 40 for a self-managed group, 20 for a managed one. */
export const selectionLimitOf = (group: { kind?: string }): number => (group.kind === 'self-managed' ? maxSelectedInstanceTypes.selfManaged : maxSelectedInstanceTypes.managed);

/** Whether the group's types come from its selector: it has one and lists no types itself. */
export const choosesBySelector = (group: { instanceSelector?: unknown; instanceTypes: readonly string[] }): boolean => group.instanceSelector !== undefined && group.instanceTypes.length === 0;

interface SelectorGroup { name: string; kind?: string; amiType?: string; instanceTypes: string[]; instanceSelector?: InstanceSelectorSpec }

/**
 * The plan's preview of what each selector chooses: the spec with those groups' instanceTypes
 * taken from the shipped table, a note per group, and a problem per group whose selector
 * matches none or too many there. The same spec object when no group has a selector, so the
 * plans of other specs stay as they were. Pure.
 */
export function withTableSelections<S extends { nodeGroups: SelectorGroup[] }>(spec: S): { spec: S; notes: string[]; problems: { path: string; message: string }[] } {
  if (!spec.nodeGroups.some(choosesBySelector)) return { spec, notes: [], problems: [] };
  const notes: string[] = [];
  const problems: { path: string; message: string }[] = [];
  const nodeGroups = spec.nodeGroups.map((group, i) => {
    if (!choosesBySelector(group)) return group;
    const selected = selectFromTable(group.instanceSelector!, selectionLimitOf(group));
    if (!selected.ok) {
      problems.push({ path: `/nodeGroups/${i}/instanceSelector`, message: selected.reason });
      return group;
    }
    const mismatch = group.amiType ? amiTypeMismatch(group.amiType, selected.instanceTypes) : undefined;
    if (mismatch) {
      problems.push({ path: `/nodeGroups/${i}/amiType`, message: `${mismatch} (the types its instanceSelector picks)` });
      return group;
    }
    notes.push(`node group ${group.name}: instanceSelector (${selectorText(group.instanceSelector!)}) picks ${selected.instanceTypes.join(', ')} from the shipped instance table; `
      + 'the run asks EC2 GetInstanceTypesFromInstanceRequirements the same before it makes the group');
    return { ...group, instanceTypes: selected.instanceTypes };
  });
  return { spec: { ...spec, nodeGroups }, notes, problems };
}
