/**
 * An environment is its tenant's name for it: the workflow ID is `<tenant>.<name>` (neither
 * may contain a dot), so one tenant can never address another's environment.
 */
export const workflowIdFor = (tenant: string, name: string): string => `${tenant}.${name}`;

/** The identity the run tags what it makes with. */
export const environmentIdFor = (tenant: string, name: string): string => `${tenant}/${name}`;

/** What the API keeps beside a run (the workflow memo): the spec as accepted, and the request that started it. */
export interface RunMemo {
  tenant: string;
  spec: unknown;
  idempotencyKey?: string;
}


/**
 * The one teardown an environment has at a time: the run starts it as a child under this ID,
 * and a DELETE after a failed run starts it under the same one, so the two never overlap.
 */
export const teardownWorkflowIdFor = (environmentId: string): string => `teardown:${environmentId}`;

/** The environment's identity from its workflow ID (the tenant is everything before the first dot). */
export const environmentIdOf = (workflowId: string): string => workflowId.replace('.', '/');
