import { supportedKubernetesVersions } from './environment-spec';

/**
 * eksctl's `karpenter.version` against the one Karpenter release eksflow installs.
 *
 * eksctl installs the exact version asked for (pkg/karpenter: "Exact version must be provided").
 * eksflow installs one release, its chart, CRDs and controller policy tested together. A config
 * asking for another release is refused when that release could run on the cluster (the choice
 * is the user's to make), but not when it cannot run on the cluster's Kubernetes version at all:
 * no tool could build it, and the only release that does what the config asks (Karpenter
 * provisioning the cluster's nodes) is a newer one. That is what happens to configs written for
 * a version EKS no longer supports, once --kubernetes-version raises them (eksctl's own example
 * 29-cluster-with-karpenter.yaml asks for v0.20.0 on Kubernetes 1.22). The plan then says so.
 */

/** The Karpenter release eksflow installs (its chart is pinned in the add-on catalog). */
export const karpenterVersion = '1.14.1';

/**
 * The oldest Karpenter release that supports each Kubernetes minor version: the compatibility
 * matrix of karpenter.sh (docs/upgrading/compatibility: 1.29 ≥ 0.34, 1.30 ≥ 0.37, 1.31 ≥ 1.0.5,
 * 1.32 ≥ 1.2, 1.33 ≥ 1.5, 1.34 ≥ 1.6) and endoflife.date/karpenter (1.9 is the first to list 1.35).
 * A version newer than the table needs at least its last entry.
 */
const oldestKarpenterFor: readonly (readonly [kubernetes: number, karpenter: string])[] = [
  [29, '0.34.0'], [30, '0.37.0'], [31, '1.0.5'], [32, '1.2.0'], [33, '1.5.0'], [34, '1.6.0'], [35, '1.9.0'],
];

function parts(version: string): number[] | undefined {
  const match = /^v?([0-9]+)\.([0-9]+)(?:\.([0-9]+))?$/.exec(version.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

function older(a: number[], b: number[]): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** The oldest Karpenter release known to run on a Kubernetes minor version ("1.31"), or undefined before the table. */
export function oldestKarpenterForKubernetes(kubernetesVersion: string): string | undefined {
  const minor = Number(kubernetesVersion.split('.')[1]);
  let found: string | undefined;
  for (const [kubernetes, karpenter] of oldestKarpenterFor) if (kubernetes <= minor) found = karpenter;
  return found;
}

/**
 * What eksflow does with a `karpenter.version` on a cluster of `kubernetesVersion`:
 * - `installs`: it is the release eksflow installs (or none was given);
 * - `replaced`: it cannot run on that Kubernetes version; eksflow installs its own and the
 *   translation warns with `message`;
 * - `refused`: it could run there, but eksflow installs only its own; `message` says so.
 * A Kubernetes version eksflow does not build is left to its own refusal (`installs`).
 */
export function karpenterVersionOutcome(given: string | undefined, kubernetesVersion: unknown): { outcome: 'installs' | 'replaced' | 'refused'; message?: string } {
  if (given === undefined) return { outcome: 'installs' };
  const asked = parts(given);
  const ours = parts(karpenterVersion)!;
  if (asked && !older(asked, ours) && !older(ours, asked)) return { outcome: 'installs' };
  if (typeof kubernetesVersion !== 'string' || !(supportedKubernetesVersions as readonly string[]).includes(kubernetesVersion)) return { outcome: 'installs' };
  const oldest = oldestKarpenterForKubernetes(kubernetesVersion);
  const shown = given.startsWith('v') ? given : `v${given}`;
  if (asked && oldest && older(asked, parts(oldest)!)) {
    return {
      outcome: 'replaced',
      message: `karpenter ${shown} does not support Kubernetes ${kubernetesVersion} (it needs Karpenter ${oldest} or newer: karpenter.sh compatibility matrix); eksflow installs ${karpenterVersion}, the release tested with its chart`,
    };
  }
  return { outcome: 'refused', message: `eksflow installs Karpenter ${karpenterVersion} (its chart, CRDs and policy are tested together); remove version or set it to ${karpenterVersion}` };
}
