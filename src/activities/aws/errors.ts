import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../../domain/errors';

interface AwsError {
  name?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

// Throttling, AWS-side faults, and DependencyViolation: during a teardown a dependent (a NAT
// gateway, an ENI) is often still going away, and the same call succeeds a little later.
const transientNames = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'LimitExceededException', 'ServiceUnavailableException', 'ServerException', 'DependencyViolation']);

/**
 * Whether an SDK error is AWS saying "no such thing", under any service's name for it:
 * ResourceNotFoundException (EKS), NoSuchEntity (IAM), RepositoryNotFoundException (ECR),
 * LoadBalancerNotFound (ELBv2), InvalidGroup.NotFound (EC2), ...
 */
export function isNotFound(error: unknown): boolean {
  const name = (error as AwsError)?.name ?? '';
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

/** Runs one AWS call, converting its failure; `undefined` when the thing is not there and `missingOk`. */
export async function aws<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toFailure(error, action);
  }
}

export async function awsOrUndefined<T>(action: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw toFailure(error, action);
  }
}
