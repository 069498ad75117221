import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import { errorTypes, nonRetryableErrorTypes } from '../domain/errors';

// Named timeout and retry profiles, next to the proxies that use them.

/**
 * A cancelled step (fail-fast, or the run cancelled) waits until its activity has really
 * stopped: an AWS call still in flight could otherwise make something after the rollback has
 * looked for it. Short calls are not told (they do not heartbeat) and simply finish.
 */
const waitForCancellation = { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };

/** One AWS call: quick, retried with back-off on throttling and 5xx, never on a permanent fault. */
export const awsCall: ActivityOptions = {
  ...waitForCancellation,
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8, nonRetryableErrorTypes },
};

/** A wait inside one activity (nodes Ready): bounded, heartbeating, so a lost worker is noticed in 30 s. */
export const heartbeatingWait: ActivityOptions = {
  ...waitForCancellation,
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes },
};

/**
 * Building an image from source (image.build): as long as a Dockerfile takes, heartbeating the
 * log's last lines, so a lost worker is noticed within a minute. A Dockerfile that does not
 * build fails at once (ImageBuildFailed); a failed push or clone is tried again.
 */
export const imageBuild: ActivityOptions = {
  ...waitForCancellation,
  startToCloseTimeout: '45 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 3, nonRetryableErrorTypes },
};

/**
 * Draining a node group: as long as its pods take to leave (EKS gives a managed group's drain
 * 15 min before PodEvictionFailure), heartbeating each look. A drain that stops making
 * progress fails itself with its blockers (DrainBlocked, non-retryable); a lost worker's is
 * noticed within the heartbeat and the drain goes on where it was (cordons and evictions are
 * idempotent).
 */
export const drainWait: ActivityOptions = {
  ...waitForCancellation,
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: [...nonRetryableErrorTypes, errorTypes.drainBlocked] },
};

/** An add-on install: helm's own wait (5 min) inside, heartbeating, so a lost worker is noticed. */
export const addonInstall: ActivityOptions = {
  ...waitForCancellation,
  startToCloseTimeout: '12 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 4, nonRetryableErrorTypes },
};

/** The active autoscaling probe: waits on a node to join (minutes), heartbeating each look. */
export const autoscalingProbe: ActivityOptions = {
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', maximumAttempts: 2, nonRetryableErrorTypes },
};

/**
 * Deleting during a rollback or teardown: more patient, since giving up leaves a resource
 * billing. Sized from AWS's worst cases (aws-fault-catalog 15, 40-42): Terraform waits up to
 * 60 min for DeleteCluster while an update runs, and EC2 answers DependencyViolation for
 * 15-20 min while a load balancer's ENIs go. An attempt waits out AWS's named "not yet"
 * answers itself for up to 5 min (src/activities/aws/not-yet.ts); the retries cover the rest.
 */
export const compensationCall: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  scheduleToCloseTimeout: '60 minutes',
  // No attempt limit: the hour above bounds it.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes },
};
