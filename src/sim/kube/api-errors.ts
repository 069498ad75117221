import type { ResourceType } from './resource-types';

/**
 * An apiserver refusal, answered as a metav1 Status: the client's ApiException carries it as
 * its body, and eksflow's `kubeFailure` reads `message` from there.
 */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  status(): Record<string, unknown> {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, details: this.details, code: this.code };
  }
}

/** `deployments.apps`, `services`: how the apiserver names a resource in its messages. */
export const qualifiedResource = (type: Pick<ResourceType, 'plural' | 'group'>) => (type.group ? `${type.plural}.${type.group}` : type.plural);

const detailsOf = (type: Pick<ResourceType, 'plural' | 'group'>, name: string) => ({ name, group: type.group, kind: type.plural });

export const notFound = (type: Pick<ResourceType, 'plural' | 'group'>, name: string) =>
  new KubeApiError(404, 'NotFound', `${qualifiedResource(type)} "${name}" not found`, detailsOf(type, name));

export const alreadyExists = (type: Pick<ResourceType, 'plural' | 'group'>, name: string) =>
  new KubeApiError(409, 'AlreadyExists', `${qualifiedResource(type)} "${name}" already exists`, detailsOf(type, name));

export const conflict = (type: Pick<ResourceType, 'plural' | 'group'>, name: string, why: string) =>
  new KubeApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": ${why}`, detailsOf(type, name));

export const invalid = (kind: string, type: Pick<ResourceType, 'plural' | 'group'>, name: string, causes: { field: string; message: string }[]) =>
  new KubeApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
    { ...detailsOf(type, name), kind, causes: causes.map((c) => ({ reason: 'FieldValueInvalid', ...c })) });

export const badRequest = (message: string) => new KubeApiError(400, 'BadRequest', message);

export const forbidden = (type: Pick<ResourceType, 'plural' | 'group'>, name: string, why: string) =>
  new KubeApiError(403, 'Forbidden', `${qualifiedResource(type)} "${name}" is forbidden: ${why}`, detailsOf(type, name));

export const internalError = (message: string) =>
  new KubeApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });

export const methodNotAllowed = (message: string) => new KubeApiError(405, 'MethodNotAllowed', message);

/** The path names no resource this cluster serves (an unknown group or version, or a bad path). */
export const pathNotFound = () => new KubeApiError(404, 'NotFound', 'the server could not find the requested resource', {});
