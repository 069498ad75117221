// Plain JSON Kubernetes objects as the simulated apiserver stores them, and the few helpers
// every part of it needs. Objects are stored as JSON values, never as client model classes.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

/** A stored object: apiVersion, kind and metadata always set; the rest as the client sent it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

/** An object as a controller or chart makes it, before the store gives it uid, resourceVersion and timestamps. */
export interface ObjectDraft {
  apiVersion: string;
  kind: string;
  metadata: Partial<ObjectMeta> & { name: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const clone = <T>(value: T): T => structuredClone(value);

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a).filter((key) => a[key] !== undefined);
    const otherKeys = Object.keys(b).filter((key) => b[key] !== undefined);
    return keys.length === otherKeys.length && keys.every((key) => deepEqual(a[key], b[key]));
  }
  return false;
}

/** The value at a dotted path (`spec.nodeName`, `involvedObject.name`), or undefined. */
export function valueAt(object: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (isPlainObject(value) ? value[key] : undefined), object);
}

export const isReadyCondition = (conditions: unknown, type = 'Ready') =>
  Array.isArray(conditions) && conditions.some((c) => isPlainObject(c) && c.type === type && c.status === 'True');

export const now = () => new Date().toISOString();

/** `ns/name`, or `name` for a cluster-scoped object. */
export const objectKey = (namespace: string | undefined, name: string) => (namespace ? `${namespace}/${name}` : name);

/** A condition list with `condition` put in place of the one of its type; the transition time kept when the status is unchanged. */
export function withCondition<C extends { type: string; status: string; lastTransitionTime?: string }>(conditions: unknown, condition: C): C[] {
  const list = (Array.isArray(conditions) ? conditions : []) as C[];
  const previous = list.find((c) => c.type === condition.type);
  const lastTransitionTime = previous && previous.status === condition.status ? previous.lastTransitionTime : now();
  return [...list.filter((c) => c.type !== condition.type), { ...condition, lastTransitionTime }];
}
