/**
 * Deprecated APIs a cluster's clients still ask for, read from the API server's own
 * `apiserver_requested_deprecated_apis` gauge (Kubernetes: "Deprecated API Migration Guide" —
 * the metric is 1 for each deprecated group/version/resource requested since the API server
 * started, labelled with the release that removes it). An upgrade to or past that release
 * breaks those clients: the pre-check of a Kubernetes upgrade names them. Pure.
 */

export interface DeprecatedApiUse {
  /** group/version, "v1" for the core group. */
  groupVersion: string;
  resource: string;
  subresource?: string;
  /** The minor that removes it ("1.36"); undefined when it is deprecated but not yet scheduled for removal. */
  removedRelease?: string;
}

const sample = /^apiserver_requested_deprecated_apis\{([^}]*)\}\s+([0-9.eE+-]+)/;
const label = /([a-z_]+)="((?:[^"\\]|\\.)*)"/g;

/** Every deprecated API the exposition text says was requested (value ≥ 1). */
export function requestedDeprecatedApis(metricsText: string): DeprecatedApiUse[] {
  const uses: DeprecatedApiUse[] = [];
  for (const line of metricsText.split('\n')) {
    const match = sample.exec(line);
    if (!match || Number(match[2]) < 1) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(label)].map((m) => [m[1]!, m[2]!]));
    uses.push({
      groupVersion: labels.group ? `${labels.group}/${labels.version}` : labels.version ?? '',
      resource: labels.resource ?? '',
      ...(labels.subresource ? { subresource: labels.subresource } : {}),
      ...(labels.removed_release ? { removedRelease: labels.removed_release } : {}),
    });
  }
  return uses;
}

const minor = (version: string) => Number(version.split('.')[1]);

/** The uses an upgrade to `target` breaks: removed in `target` or before. */
export const removedBy = (uses: readonly DeprecatedApiUse[], target: string): DeprecatedApiUse[] =>
  uses.filter((use) => use.removedRelease !== undefined && minor(use.removedRelease) <= minor(target));

export const describeUse = (use: DeprecatedApiUse) =>
  `${use.groupVersion} ${use.resource}${use.subresource ? `/${use.subresource}` : ''}${use.removedRelease ? ` (removed in ${use.removedRelease})` : ''}`;
