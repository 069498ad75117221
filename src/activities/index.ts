import type { EksApi } from './aws/eks';
import type { IamApi } from './aws/iam';
import { createClusterActivities } from './cluster';
import { createIamRoleActivities } from './iam-roles';
import { createOidcActivities } from './oidc-provider';

/**
 * The narrow APIs activities reach the outside world through. The worker builds them once
 * from real SDK clients; tests build them over clients pointed at the test bed.
 */
export interface ActivityDeps {
  eks: EksApi;
  iam: IamApi;
}

/** Builds every activity from its clients; the worker registers the result. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createIamRoleActivities(deps.iam),
    ...createOidcActivities(deps.iam),
    ...createClusterActivities(deps.eks),
  };
}

export type Activities = ReturnType<typeof createActivities>;
