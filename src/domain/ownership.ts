/**
 * Ownership tags: how eksflow knows a resource is an environment's own, so a retried
 * create adopts it, a foreign one is refused, and teardown finds it without any history.
 */
export const ownershipTagKeys = {
  managedBy: 'eksflow.io/managed-by',
  environment: 'eksflow.io/environment',
  /** The first run that created the resource: a later run adopts it, and does not roll it back. */
  createdByRun: 'eksflow.io/created-by-run',
} as const;

export interface Owner {
  /** Stable environment identity (tenant and name): the workflow ID. */
  environmentId: string;
  /** The run that would create resources now (the workflow's first execution run ID). */
  runId: string;
}

/** The user's tags plus ownership tags; ownership wins, so a request cannot forge them. */
export function ownershipTags(owner: Owner, userTags: Record<string, string> = {}): Record<string, string> {
  return {
    ...userTags,
    [ownershipTagKeys.managedBy]: 'eksflow',
    [ownershipTagKeys.environment]: owner.environmentId,
    [ownershipTagKeys.createdByRun]: owner.runId,
  };
}

export type Ownership = 'created-by-this-run' | 'owned-by-environment' | 'foreign';

/** Whose a resource is, from its tags. */
export function ownershipOf(tags: Record<string, string> | undefined, owner: Owner): Ownership {
  if (tags?.[ownershipTagKeys.environment] !== owner.environmentId) return 'foreign';
  return tags[ownershipTagKeys.createdByRun] === owner.runId ? 'created-by-this-run' : 'owned-by-environment';
}
