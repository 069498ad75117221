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

