import { status } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';

const unavailableCodes: ReadonlySet<number> = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);

/** True when Temporal could not be reached in time (the API answers 503 with Retry-After, never a 500). */
export function isTemporalUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (isGrpcServiceError(cause) && unavailableCodes.has(cause.code)) return true;
    if (cause.name === 'TransportError' || cause.name === 'ConnectionError') return true;
  }
  return false;
}

/** A gRPC status from Temporal, looked for through the causes the client wraps it in. */
export function grpcCode(error: unknown): number | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (isGrpcServiceError(cause)) return cause.code;
  }
  return undefined;
}
