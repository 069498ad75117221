import { ApiException, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../domain/errors';

// Kubernetes API errors as Temporal failures, shared by every activity that talks to a cluster.

/** Whether the Kubernetes API said 404. */
export function kubeNotFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

/** The apiserver's optimistic lock: the object changed since it was read (409 Conflict). */
export function kubeConflict(error: unknown): boolean {
  return error instanceof ApiException && error.code === 409;
}

// KubernetesObjectApi finds a kind's resource by discovery: a group the cluster does not
// serve fails that lookup with a 404, and a kind missing from a served group with a plain Error.
export function isApiMissing(error: unknown): boolean {
  return (kubeNotFound(error) && (error as Error).message.startsWith('Failed to fetch resource metadata'))
    || (error instanceof Error && error.message.startsWith('Unrecognized API version and kind'));
}

/**
 * Turns a Kubernetes API error into a Temporal failure with the apiserver's own words (the
 * client's message carries every response header). A 400 or 422 is the apiserver refusing
 * what the spec asked for, which no retry mends; anything else may pass.
 */
export function kubeFailure(error: unknown, action: string): unknown {
  if (!(error instanceof ApiException)) return error;
  const body = typeof error.body === 'string' ? parseJson(error.body) : error.body;
  const message = `${action}: ${error.code} ${(body as { message?: string } | undefined)?.message ?? (typeof error.body === 'string' ? error.body : 'no message')}`;
  return error.code === 400 || error.code === 422
    ? ApplicationFailure.nonRetryable(message, errorTypes.invalidSpec)
    : ApplicationFailure.retryable(message, 'KubernetesApiError');
}

/** Runs one Kubernetes call, its failure made a Temporal failure by `kubeFailure`. */
export async function kubeCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw kubeFailure(error, action);
  }
}

export async function kubeOrUndefined<T>(action: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (kubeNotFound(error)) return undefined;
    throw kubeFailure(error, action);
  }
}

/**
 * Issues a delete; true when the object was already gone (404), false when it is going. An
 * object whose API the cluster does not serve (the VPA without its CRD) cannot exist: gone.
 */
export async function deleteIfPresent(object: KubernetesObject, objects: KubernetesObjectApi): Promise<boolean> {
  try {
    await objects.delete(object);
    return false;
  } catch (error) {
    if (kubeNotFound(error) || isApiMissing(error)) return true;
    throw kubeFailure(error, `delete ${object.kind} ${[object.metadata?.namespace, object.metadata?.name].filter(Boolean).join('/')}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
