import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { setTimeout as delay } from 'node:timers/promises';
import { errorTypes } from '../../domain/errors';
import type { NotYet } from './not-yet';

interface AwsError {
  name?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

// Throttling, AWS-side faults, and DependencyViolation: during a teardown a dependent (a NAT
// gateway, an ENI) is often still going away, and the same call succeeds a little later
// (aws-fault-catalog 40-42). InvalidGroup.InUse is EC2's other word for a security group still
// used by an ENI or referenced by another group (catalog 40; terraform-provider-aws
// internal/service/ec2/vpc_security_group.go retries both).
const transientNames = new Set([
  'ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'LimitExceededException', 'ServiceUnavailableException', 'ServerException',
  'DependencyViolation', 'InvalidGroup.InUse',
]);

/**
 * Whether an SDK error is AWS saying "no such thing", under any service's name for it:
 * ResourceNotFoundException (EKS), NoSuchEntity (IAM), RepositoryNotFoundException (ECR),
 * LoadBalancerNotFound (ELBv2), InvalidGroup.NotFound (EC2), ...
 */
export function isNotFound(error: unknown): boolean {
  const name = (error as AwsError)?.name ?? '';
  // EKS also says it as `ClientException: No cluster found for name: X` (aws-fault-catalog 14;
  // terraform-provider-aws internal/service/eks/cluster.go findCluster treats both as gone).
  if (name === 'ClientException' && /No cluster found/i.test((error as AwsError).message ?? '')) return true;
  return name.startsWith('NoSuchEntity') || /NotFound(Exception)?$/.test(name);
}

/**
 * Turns an SDK error into a Temporal failure a workflow can act on: throttling and 5xx are
 * retried with back-off, any other 4xx is permanent. The message keeps AWS's own words.
 */
export function toFailure(error: unknown, action: string): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const aws = error as AwsError;
  const status = aws?.$metadata?.httpStatusCode;
  const message = `${action}: ${aws?.name ?? 'Error'}: ${aws?.message ?? String(error)}`;
  const retryable = Boolean(aws?.$retryable) || transientNames.has(aws?.name ?? '') || status === undefined || status >= 500 || status === 429;
  return retryable
    ? ApplicationFailure.retryable(message, errorTypes.awsRetryable)
    : ApplicationFailure.nonRetryable(message, errorTypes.awsClientError);
}

/**
 * Runs one AWS call, converting its failure. While AWS answers one of `notYet`'s named
 * "not yet" errors, the call is made again (see `patiently`).
 */
export async function aws<T>(action: string, call: () => Promise<T>, notYet: readonly NotYet[] = []): Promise<T> {
  return patiently(action, call, notYet);
}

/** `aws`, with `undefined` when the thing is not there. */
export async function awsOrUndefined<T>(action: string, call: () => Promise<T>, notYet: readonly NotYet[] = []): Promise<T | undefined> {
  try {
    return await patiently(action, call, notYet, isNotFound);
  } catch (error) {
    if (error instanceof MissingResource) return undefined;
    throw error;
  }
}

class MissingResource extends Error {}

/** The matching "not yet" rule, if AWS's answer is one. */
export function notYetRule(error: unknown, notYet: readonly NotYet[]): NotYet | undefined {
  const { name = '', message = '' } = (error as AwsError) ?? {};
  return notYet.find((rule) => rule.codes.includes(name) && (!rule.fragments || rule.fragments.some((fragment) => message.includes(fragment))));
}

// An attempt gives the call back to Temporal this long before its start-to-close deadline, so
// its last failure, not a timeout, is what the next attempt and the history see.
const attemptMarginMs = 5_000;
const firstPauseMs = 1_000;

/**
 * The loop behind `aws`: the call again, with doubling pauses (capped by the rule), while AWS
 * answers a "not yet" error, as terraform-provider-aws does with `tfresource.RetryWhen…`
 * (internal/service/eks/cluster.go, fargate_profile.go, addon.go; iam/role.go). The budget is
 * counted from the activity's FIRST attempt (Temporal's `scheduledTimestampMs`), so it holds
 * however the workflow's retry policy splits it: when this attempt's start-to-close deadline
 * comes first, a retryable failure of the rule's type hands the rest to Temporal's next attempt;
 * once the budget is spent, the failure is permanent and carries AWS's code and message.
 * Heartbeats while waiting when the activity has a heartbeat timeout. Outside an activity
 * (scripts, tests calling the adapters) the budget counts from the first call.
 */
async function patiently<T>(action: string, call: () => Promise<T>, notYet: readonly NotYet[], missing?: (error: unknown) => boolean): Promise<T> {
  const activity = currentActivity();
  const startedAt = activity?.info.scheduledTimestampMs ?? Date.now();
  const attemptEndsAt = activity ? attemptDeadline(activity.info) : Infinity;
  for (let tries = 0; ; tries += 1) {
    try {
      return await call();
    } catch (error) {
      if (missing?.(error)) throw new MissingResource();
      const rule = notYetRule(error, notYet);
      if (!rule) throw toFailure(error, action);
      const answer = error as AwsError;
      const said = `${action}: ${answer.name}: ${answer.message}`;
      const now = Date.now();
      const budgetEndsAt = startedAt + rule.budgetMs;
      if (now >= budgetEndsAt) {
        throw ApplicationFailure.nonRetryable(`${said} (still so ${Math.round((now - startedAt) / 1000)} s after the first attempt, waiting for ${rule.waitingFor}; gave up after ${Math.round(rule.budgetMs / 1000)} s, aws-fault-catalog ${rule.catalog})`, errorTypes.awsClientError);
      }
      const pause = Math.min(firstPauseMs * 2 ** tries, rule.maxPauseMs, budgetEndsAt - now);
      if (rule.again === 'activity' || now + pause >= attemptEndsAt - attemptMarginMs) {
        throw ApplicationFailure.retryable(`${said} (waiting for ${rule.waitingFor}, aws-fault-catalog ${rule.catalog}; the next attempt goes on)`, rule.type);
      }
      if (activity?.info.heartbeatTimeoutMs) activity.heartbeat({ waitingFor: rule.waitingFor, action });
      await (activity ? activity.sleep(pause) : delay(pause));
    }
  }
}

function currentActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

function attemptDeadline(info: Context['info']): number {
  const limit = info.startToCloseTimeoutMs || info.scheduleToCloseTimeoutMs;
  // Counted from when the attempt was scheduled, which is never after it started: on the safe side.
  return limit ? info.currentAttemptScheduledTimestampMs + limit : Infinity;
}
