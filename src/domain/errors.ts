/**
 * Failure type names, shared by activities (which throw them) and workflows (which list the
 * non-retryable ones next to each proxy). Names, not classes: they cross the Temporal boundary.
 */
export const errorTypes = {
  /** The request breaks the schema or a rule: fixing the request is the only cure. */
  invalidSpec: 'InvalidSpec',
  /** The plan breaks one of EKS's ordering rules. */
  invalidPlan: 'InvalidPlan',
  /** A resource with the name we need exists and is not this environment's. */
  resourceNotOwned: 'ResourceNotOwned',
  /** AWS refused the request as malformed or forbidden: retrying cannot help. */
  awsClientError: 'AwsClientError',
  /** AWS throttled or failed on its side: worth retrying with back-off. */
  awsRetryable: 'AwsRetryable',
  /**
   * AWS refused a create in one of the named ways that mean "what it refers to was made seconds
   * ago and has not propagated yet" (a role, its trust policy): retryable, but only for a bounded
   * time counted from the activity's first attempt (aws-fault-catalog entries 1-8), after which
   * the activity fails permanently with AWS's own code and message.
   */
  awsPropagation: 'AwsPropagation',
  /** A wait ran past its deadline; the message names the last observed status. */
  waitTimedOut: 'WaitTimedOut',
  /** The resource reached a state it cannot leave by waiting (CREATE_FAILED, DEGRADED...). */
  resourceFailed: 'ResourceFailed',
  /**
   * A node drain made no progress for its set time: the message and details name each pod, the
   * PodDisruptionBudget and the node that hold it (EKS fails a managed upgrade the same way, as
   * PodEvictionFailure, after 15 minutes). Permanent until someone changes a budget or forces.
   */
  drainBlocked: 'DrainBlocked',
  /**
   * A Kubernetes upgrade's pre-check found what the target version breaks (deprecated APIs its
   * clients still request): nothing has changed yet; the message names each and the way out.
   */
  upgradeBlocked: 'UpgradeBlocked',
  /** An image.build's Dockerfile did not build: the message ends with the build log's last lines. */
  imageBuildFailed: 'ImageBuildFailed',
  /** A node group's given launch template (launchTemplate id or name) does not exist: the message names it. */
  launchTemplateNotFound: 'LaunchTemplateNotFound',
} as const;

export type ErrorType = (typeof errorTypes)[keyof typeof errorTypes];

/** The types a workflow must never retry: listed in every activity profile. */
export const nonRetryableErrorTypes: ErrorType[] = [
  errorTypes.invalidSpec, errorTypes.invalidPlan, errorTypes.resourceNotOwned, errorTypes.awsClientError, errorTypes.resourceFailed, errorTypes.imageBuildFailed,
  errorTypes.launchTemplateNotFound,
];
