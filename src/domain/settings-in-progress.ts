import type { SpecError } from './environment-spec';

/**
 * Settings a self-managed group's launch template and user data honour (src/activities/self-managed-nodegroups.ts,
 * src/domain/node-bootstrap.ts), whatever their state for managed groups.
 */
const selfManagedHonours: ReadonlySet<string> = new Set(['volume', 'ami', 'preBootstrapCommands', 'maxPodsPerNode', 'securityGroupIds', 'instanceMetadata', 'tags']);

/**
 * Spec settings the schema names but provisioning does not honour yet. A request that uses
 * one is refused here with the reason, never accepted and then built without it. Each entry
 * goes when its setting is built end to end (plan, activities, teardown, tests).
 */
export const nodeGroupSettingsInProgress: Readonly<Record<string, string>> = {
};

export const clusterSettingsInProgress: Readonly<Record<string, string>> = {
};

export const networkSettingsInProgress: Readonly<Record<string, string>> = {
};

/** One refusal per in-progress setting the request uses. */
export function settingsInProgressErrors(spec: Record<string, unknown>): SpecError[] {
  const errors: SpecError[] = [];
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  for (const [key, reason] of Object.entries(clusterSettingsInProgress)) if (spec[key] !== undefined) errors.push({ path: `/${key}`, message: `is not available yet: ${reason}` });
  if (isObject(spec.network)) {
    const network = spec.network;
    for (const [key, reason] of Object.entries(networkSettingsInProgress)) {
      const [first, second] = key.split('/') as [string, string | undefined];
      const value = second === undefined ? network[first] : isObject(network[first]) ? (network[first] as Record<string, unknown>)[second] : undefined;
      if (value !== undefined) errors.push({ path: `/network/${key}`, message: `is not available yet: ${reason}` });
    }
  }
  if (Array.isArray(spec.nodeGroups)) {
    spec.nodeGroups.forEach((group, i) => {
      if (!isObject(group)) return;
      for (const [key, reason] of Object.entries(nodeGroupSettingsInProgress)) if (group[key] !== undefined && !(group.kind === 'self-managed' && selfManagedHonours.has(key))) errors.push({ path: `/nodeGroups/${i}/${key}`, message: `is not available yet: ${reason}` });
    });
  }
  return errors;
}
