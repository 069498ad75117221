/**
 * The clients activities reach the outside world through. The worker builds them once;
 * tests pass clients pointed at the test bed's emulators.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the provisioning issue (EKS, IAM, ECR, Kubernetes)
export interface ActivityDeps {}

/** Builds every activity from its clients; the worker registers the result. */
export function createActivities(_deps: ActivityDeps) {
  return {};
}

export type Activities = ReturnType<typeof createActivities>;
