import { selectorAmiType } from './instance-selector';
import type { AmiType } from './node-group-settings';

/**
 * The EKS AMI a node group's instance types need, chosen as eksctl chooses it
 * (pkg/ami auto-resolution and pkg/utils/instance): NVIDIA GPU families get the accelerated
 * NVIDIA AMIs (drivers and the container toolkit), Inferentia and Trainium the Neuron AMI,
 * Graviton (arm64) the ARM AMIs. A standard AMI on a GPU instance boots a node without drivers.
 */

export type AmiFamily = 'AmazonLinux2023' | 'Bottlerocket';
export type Accelerator = 'nvidia' | 'neuron' | 'amd' | 'none';

// Graviton families put a `g` right after the generation digit: m7g, c6gn, t4g, x2gd, g5g; a1 predates that.
const graviton = /^(a1|[a-z]+[0-9]+g[a-z]*)\./;
// NVIDIA GPU families (EC2 accelerated computing: P and G, less g4ad's AMD GPUs).
const nvidia = /^(p[2-6][a-z0-9-]*|g3s?|g4dn|g5g?|g6[a-z]*|gr6|g7[a-z]*)\./;
const neuron = /^(inf[12]|trn[12][a-z]*)\./;
const amd = /^g4ad\./;

export const isGraviton = (instanceType: string): boolean => graviton.test(instanceType);

export function acceleratorOf(instanceType: string): Accelerator {
  if (nvidia.test(instanceType)) return 'nvidia';
  if (neuron.test(instanceType)) return 'neuron';
  if (amd.test(instanceType)) return 'amd';
  return 'none';
}

export type AmiChoice = { ok: true; amiType: AmiType } | { ok: false; reason: string };

/** The AMI type for these instance types and AMI family, or why no one AMI fits them all. Pure. */
export function amiTypeFor(instanceTypes: readonly string[], family: AmiFamily = 'AmazonLinux2023'): AmiChoice {
  const arm = instanceTypes.filter(isGraviton);
  if (arm.length > 0 && arm.length < instanceTypes.length) {
    return { ok: false, reason: `mixes Graviton (arm64: ${arm.join(', ')}) and x86_64 instance types; a node group runs one architecture` };
  }
  const accelerators = new Set(instanceTypes.map(acceleratorOf));
  if (accelerators.size > 1) {
    return { ok: false, reason: `mixes ${[...accelerators].map((a) => (a === 'none' ? 'plain' : a.toUpperCase())).join(' and ')} instance types; their nodes need different AMIs: give each its own node group` };
  }
  const accelerator = [...accelerators][0] ?? 'none';
  const architecture = arm.length > 0 ? 'ARM_64' : 'x86_64';
  if (accelerator === 'amd') return { ok: false, reason: 'g4ad (AMD GPUs) has no EKS-optimized AMI with its drivers; give an AMI of your own (ami) or choose an NVIDIA family' };
  if (family === 'Bottlerocket') {
    if (accelerator === 'neuron') return { ok: false, reason: 'Inferentia and Trainium nodes need the AL2023 Neuron AMI: use amiFamily AmazonLinux2023' };
    return { ok: true, amiType: accelerator === 'nvidia' ? `BOTTLEROCKET_${architecture}_NVIDIA` : `BOTTLEROCKET_${architecture}` };
  }
  if (accelerator === 'neuron') return { ok: true, amiType: 'AL2023_x86_64_NEURON' };
  return { ok: true, amiType: accelerator === 'nvidia' ? `AL2023_${architecture}_NVIDIA` : `AL2023_${architecture}_STANDARD` };
}

/**
 * Why an AMI type given explicitly cannot run these instance types, or undefined when it can:
 * a GPU instance on a standard AMI boots a node without drivers, an Inferentia or Trainium one
 * without the Neuron driver, a Graviton one on an x86_64 AMI not at all. Windows and CUSTOM
 * AMIs are the user's to choose. Pure.
 */
export function amiTypeMismatch(amiType: string, instanceTypes: readonly string[]): string | undefined {
  const family: AmiFamily | undefined = amiType.startsWith('AL2023_') ? 'AmazonLinux2023' : amiType.startsWith('BOTTLEROCKET_') ? 'Bottlerocket' : undefined;
  if (!family) return undefined;
  const wanted = amiTypeFor(instanceTypes, family);
  if (!wanted.ok || wanted.amiType === amiType) return undefined;
  const accelerator = acceleratorOf(instanceTypes[0] ?? '');
  const arm = instanceTypes.some(isGraviton);
  if (arm !== amiType.includes('ARM_64')) {
    return `${amiType} is for ${arm ? 'x86_64' : 'arm64'} instances and ${instanceTypes.join(', ')} ${arm ? 'are Graviton (arm64)' : 'are x86_64'}: use ${wanted.amiType} (or leave amiType out)`;
  }
  if (accelerator === 'nvidia' && !amiType.includes('NVIDIA')) {
    return `${amiType} would boot ${instanceTypes.join(', ')} as nodes without GPU drivers: use ${wanted.amiType}, which has the NVIDIA drivers and container toolkit (or leave amiType out)`;
  }
  if (accelerator === 'neuron' && !amiType.includes('NEURON')) {
    return `${amiType} would boot ${instanceTypes.join(', ')} as nodes without the Neuron driver: use ${wanted.amiType} (or leave amiType out)`;
  }
  return undefined;
}

/**
 * The AMI type a node group gets when its spec leaves amiType out: CUSTOM with an AMI of its
 * own, otherwise the one its instance types need (amiTypeFor), or why no one AMI fits them.
 * Plain x86_64 instance types get AL2023_x86_64_STANDARD, the schema's default, so specs
 * written before this choice existed parse as they did. Pure.
 */
export function defaultAmiType(group: { instanceTypes?: unknown; ami?: unknown; instanceSelector?: unknown }): AmiChoice | undefined {
  if (typeof group.ami === 'object' && group.ami !== null) return { ok: true, amiType: 'CUSTOM' };
  const { instanceTypes, instanceSelector } = group;
  // Types an instanceSelector picks: the AMI its architecture and GPUs need (what it asks EC2 for).
  const listsNone = instanceTypes === undefined || (Array.isArray(instanceTypes) && instanceTypes.length === 0);
  if (listsNone && typeof instanceSelector === 'object' && instanceSelector !== null) return { ok: true, amiType: selectorAmiType(instanceSelector) };
  if (!Array.isArray(instanceTypes) || instanceTypes.length === 0 || !instanceTypes.every((type) => typeof type === 'string')) return undefined;
  return amiTypeFor(instanceTypes as string[]);
}
