/**
 * AWS names have their own length limits (IAM roles 64, tokens 64), shorter than an
 * environment name may be. Long names keep a readable prefix and end in a stable hash, so
 * the same environment always maps to the same names: that is what makes creates idempotent.
 */
export function boundedName(parts: readonly string[], maxLength: number): string {
  const full = parts.join('-');
  if (full.length <= maxLength) return full;
  const hash = fnv1a(full);
  return `${full.slice(0, maxLength - hash.length - 1)}-${hash}`;
}

// FNV-1a, 32-bit: deterministic and dependency-free, so workflow code may use it too.
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

export const roleNames = {
  cluster: (environment: string) => boundedName([environment, 'cluster'], 64),
  node: (environment: string) => boundedName([environment, 'node'], 64),
  fargate: (environment: string) => boundedName([environment, 'fargate'], 64),
  irsa: (environment: string, namespace: string, serviceAccount: string) => boundedName([environment, namespace, serviceAccount], 64),
  /** The role Karpenter's nodes run as (addons.karpenter). */
  karpenterNode: (environment: string) => boundedName([environment, 'karpenter-node'], 64),
};

/** EKS takes a request token of at most 64 characters; the same run and resource give the same token. */
export const clientRequestToken = (runId: string, resource: string) => boundedName([resource, runId], 64);
