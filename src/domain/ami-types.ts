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
