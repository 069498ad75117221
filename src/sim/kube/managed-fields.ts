import { KubeApiError } from './api-errors';
import { clone, deepEqual, isPlainObject, now, type JsonObject, type KubeObject, type ManagedFieldsEntry } from './objects';

/**
 * Server-side apply, simplified: each field manager owns a set of leaf paths (maps are
 * descended into, lists are owned whole); an apply merges its object over the live one,
 * takes the fields it sets (refused with a 409 when another manager owns a field it changes,
 * unless forced), and removes the fields it set last time, does not set now, and nobody else
 * owns. That is what eksflow's replica handover to the HPA relies on.
 */

type Path = string[];
const sep = '\u0000';
const keyOf = (path: Path) => path.join(sep);
const pathOf = (key: string): Path => key.split(sep);

/** Fields nobody owns: identity, bookkeeping and status. */
const unowned = new Set(['apiVersion', 'kind', 'status']);
const unownedMetadata = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']);

function collect(value: unknown, path: Path, into: Set<string>): void {
  if (isPlainObject(value) && Object.keys(value).some((key) => value[key] !== undefined)) {
    for (const [key, child] of Object.entries(value)) if (child !== undefined) collect(child, [...path, key], into);
  } else if (path.length > 0) {
    into.add(keyOf(path));
  }
}

/** The leaf paths an object sets, bookkeeping left out. */
export function ownedPaths(object: Record<string, unknown>): Set<string> {
  const paths = new Set<string>();
  for (const [key, value] of Object.entries(object)) {
    if (unowned.has(key) || value === undefined) continue;
    if (key === 'metadata' && isPlainObject(value)) {
      for (const [field, child] of Object.entries(value)) if (!unownedMetadata.has(field) && child !== undefined) collect(child, ['metadata', field], paths);
    } else {
      collect(value, [key], paths);
    }
  }
  return paths;
}

export function toFieldsV1(paths: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  for (const key of paths) {
    let node = root;
    for (const part of pathOf(key)) node = (node[`f:${part}`] ??= {}) as JsonObject;
  }
  return root;
}

export function fromFieldsV1(fields: unknown, path: Path = [], into = new Set<string>()): Set<string> {
  const children = isPlainObject(fields) ? Object.keys(fields).filter((key) => key.startsWith('f:')) : [];
  if (children.length === 0 && path.length > 0) into.add(keyOf(path));
  for (const child of children) fromFieldsV1((fields as Record<string, unknown>)[child], [...path, child.slice(2)], into);
  return into;
}

const read = (object: unknown, key: string) => pathOf(key).reduce<unknown>((value, part) => (isPlainObject(value) ? value[part] : undefined), object);

/** Whether two leaf paths name the same field or one lies inside the other. */
const overlaps = (a: string, b: string) => a === b || a.startsWith(b + sep) || b.startsWith(a + sep);

function removeField(object: Record<string, unknown>, key: string): void {
  const parts = pathOf(key);
  const parents: Record<string, unknown>[] = [object];
  for (const part of parts.slice(0, -1)) {
    const next = parents.at(-1)![part];
    if (!isPlainObject(next)) return;
    parents.push(next);
  }
  delete parents.at(-1)![parts.at(-1)!];
  // Maps left empty go too, as the field they held did.
  for (let i = parents.length - 1; i > 0; i -= 1) {
    if (Object.keys(parents[i]!).length > 0) break;
    delete parents[i - 1]![parts[i - 1]!];
  }
}

/** Objects merge, everything else (lists included) is replaced: the apply's view of a merge. */
function mergeApplied(live: unknown, applied: unknown): unknown {
  if (!isPlainObject(live) || !isPlainObject(applied)) return clone(applied);
  const result: Record<string, unknown> = { ...live };
  for (const [key, value] of Object.entries(applied)) if (value !== undefined) result[key] = mergeApplied(live[key], value);
  return result;
}

interface Owner {
  entry: ManagedFieldsEntry;
  paths: Set<string>;
}

const ownersOf = (object: KubeObject): Owner[] => (object.metadata.managedFields ?? []).map((entry) => ({ entry, paths: fromFieldsV1(entry.fieldsV1) }));

function entriesFrom(owners: Owner[]): ManagedFieldsEntry[] {
  return owners.filter((owner) => owner.paths.size > 0).map((owner) => ({ ...owner.entry, fieldsV1: toFieldsV1(owner.paths) }));
}

const sameSlot = (entry: ManagedFieldsEntry, manager: string, operation: ManagedFieldsEntry['operation'], subresource?: string) =>
  entry.manager === manager && entry.operation === operation && (entry.subresource ?? '') === (subresource ?? '');

/**
 * `applied` server-side applied by `manager` over `live`: the merged object with its
 * managedFields, or a 409 listing the conflicts when not forced. Status is left as it was.
 */
export function serverSideApply(live: KubeObject, applied: KubeObject, manager: string, force: boolean): KubeObject {
  const appliedPaths = ownedPaths(applied);
  const owners = ownersOf(live);
  const mine = owners.find((owner) => sameSlot(owner.entry, manager, 'Apply'));
  const others = owners.filter((owner) => owner !== mine);
  const conflicts: { manager: string; field: string }[] = [];
  for (const path of appliedPaths) {
    if (deepEqual(read(live, path), read(applied, path))) continue;
    for (const other of others) {
      const owned = [...other.paths].filter((p) => overlaps(p, path));
      if (owned.length === 0) continue;
      if (force) for (const p of owned) other.paths.delete(p);
      else conflicts.push({ manager: other.entry.manager, field: `.${pathOf(path).join('.')}` });
    }
  }
  if (conflicts.length > 0) {
    const list = conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`).join('\n- ');
    throw new KubeApiError(409, 'Conflict', `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${conflicts.length === 1 ? list : `\n- ${list}`}`,
      { causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.field })) });
  }
  const merged = mergeApplied(live, { ...applied, status: undefined, metadata: { ...applied.metadata, managedFields: undefined } }) as KubeObject;
  merged.status = live.status;
  for (const path of mine?.paths ?? []) {
    const stillOwned = appliedPaths.has(path) || others.some((other) => [...other.paths].some((p) => overlaps(p, path)));
    if (!stillOwned) removeField(merged, path);
  }
  const entry: ManagedFieldsEntry = { manager, operation: 'Apply', apiVersion: applied.apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: {} };
  merged.metadata.managedFields = entriesFrom([...others, { entry: mine ? { ...mine.entry, time: entry.time } : entry, paths: appliedPaths }]);
  return merged;
}

/**
 * Records a create, replace or patch by `manager` (operation Update): it owns what it
 * changed, which no one else owns any more; fields it removed are no one's.
 */
export function recordUpdate(before: KubeObject | undefined, after: KubeObject, manager: string, subresource?: string): void {
  const beforePaths = before ? ownedPaths(before) : new Set<string>();
  const afterPaths = ownedPaths(after);
  const changed = [...afterPaths].filter((path) => !before || !deepEqual(read(before, path), read(after, path)));
  const removed = [...beforePaths].filter((path) => !afterPaths.has(path));
  const owners = before ? ownersOf(before) : [];
  if (changed.length === 0 && removed.length === 0) {
    after.metadata.managedFields = before?.metadata.managedFields;
    return;
  }
  for (const owner of owners) {
    for (const path of [...owner.paths]) if (changed.some((c) => overlaps(c, path)) || removed.includes(path)) owner.paths.delete(path);
  }
  const time = now();
  let mine = owners.find((owner) => sameSlot(owner.entry, manager, 'Update', subresource));
  if (!mine) {
    mine = { entry: { manager, operation: 'Update', apiVersion: after.apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: {}, ...(subresource ? { subresource } : {}) }, paths: new Set() };
    owners.push(mine);
  }
  mine.entry = { ...mine.entry, time };
  for (const path of changed) mine.paths.add(path);
  after.metadata.managedFields = entriesFrom(owners);
}

/** Whether two versions of an object differ in anything but managedFields' timestamps. */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, managedFields: o.metadata.managedFields?.map((e) => ({ ...e, time: '' })) } });
  return deepEqual(strip(a), strip(b));
}
