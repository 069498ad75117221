import { alreadyExists, badRequest, conflict, forbidden, notFound } from './api-errors';
import { applyDefaults, validate } from './defaults';
import { recordUpdate, sameObject, serverSideApply } from './managed-fields';
import { clone, deepEqual, isPlainObject, now, objectKey, type KubeObject, type ObjectDraft } from './objects';
import { mergePatch } from './patches';
import { apiVersionOf, builtinTypes, customResourceType, type ResourceType, type Subresource } from './resource-types';
import { parseFieldSelector, parseLabelSelector } from './selectors';

export interface WriteOptions {
  fieldManager?: string;
  /** Server-side apply takes fields other managers own. */
  force?: boolean;
  /** Validate and answer, store nothing. */
  dryRun?: boolean;
  /** Run admission webhooks: API and helm writes do; the controllers' own writes do not. */
  admission?: boolean;
}

export type PatchType = 'apply' | 'merge';

export interface AdmissionReview {
  operation: 'CREATE' | 'UPDATE';
  type: ResourceType;
  /** May be changed by a mutating webhook. */
  object: KubeObject;
  oldObject?: KubeObject;
}

/** Called on API writes; throws a KubeApiError to refuse, may change `review.object`. */
export type AdmissionHook = (review: AdmissionReview) => void;

const defaultManager = 'eksflow-sim-client';
const terminatingNamespace = 'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.';
const staleVersion = 'the object has been modified; please apply your changes to the latest version and try again';

/** Everything outside metadata and status: what a generation counts changes of. */
const specOf = (object: KubeObject) => Object.fromEntries(Object.entries(object).filter(([key]) => !['metadata', 'status', 'apiVersion', 'kind'].includes(key)));

const bucketKey = (type: Pick<ResourceType, 'plural' | 'group'>) => `${type.plural}.${type.group}`;

/**
 * One cluster's objects, in memory, with the apiserver's bookkeeping: uid, resourceVersion,
 * generation, creationTimestamp, managedFields, finalizers and graceful namespace deletion.
 * API writes go through create/replace/patch/delete; controllers use put/update/remove,
 * which skip admission and field ownership as in-cluster controllers' status writes would.
 */
export class ObjectStore {
  private readonly buckets = new Map<string, Map<string, KubeObject>>();
  private readonly listeners = new Set<() => void>();
  private customTypes: ResourceType[] = [];
  private revision = 0;
  private ips = 0;
  admission: AdmissionHook | undefined;

  constructor(private readonly random: () => number) {}

  get resourceVersion(): string {
    return String(this.revision);
  }

  types(): ResourceType[] {
    return [...builtinTypes, ...this.customTypes];
  }

  typeAt(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types().find((t) => t.group === group && t.plural === plural && t.versions.includes(version));
  }

  /** The type of a built-in (or custom) kind, by kind and group. */
  typeOf(kind: string, group = ''): ResourceType {
    const type = this.types().find((t) => t.kind === kind && t.group === group);
    if (!type) throw new Error(`the simulated apiserver serves no ${kind} in group "${group}"`);
    return type;
  }

  /** Called after every change; listeners must not write synchronously. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The live object, not a copy: read it, never change it. */
  find(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.bucket(type).get(objectKey(type.namespaced ? namespace : undefined, name));
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const object = this.find(type, namespace, name);
    if (!object) throw notFound(type, name);
    return clone(object);
  }

  /** Live objects of a type, optionally in one namespace: read them, never change them. */
  items(type: ResourceType, namespace?: string): KubeObject[] {
    const all = [...this.bucket(type).values()];
    return namespace && type.namespaced ? all.filter((o) => o.metadata.namespace === namespace) : all;
  }

  list(type: ResourceType, namespace: string | undefined, selectors: { labelSelector?: string; fieldSelector?: string } = {}): KubeObject[] {
    const labels = parseLabelSelector(selectors.labelSelector);
    const fields = parseFieldSelector(selectors.fieldSelector);
    return this.items(type, namespace).filter((o) => labels(o.metadata.labels) && fields(o)).map(clone)
      .sort((a, b) => objectKey(a.metadata.namespace, a.metadata.name).localeCompare(objectKey(b.metadata.namespace, b.metadata.name)));
  }

  create(type: ResourceType, namespace: string | undefined, body: unknown, options: WriteOptions = {}): KubeObject {
    const object = this.incoming(type, namespace, body);
    if (!object.metadata.name && typeof object.metadata.generateName === 'string') object.metadata.name = `${object.metadata.generateName}${this.suffix()}`;
    if (!object.metadata.name) throw badRequest('name or generateName is required');
    this.checkNamespace(type, object);
    if (this.find(type, object.metadata.namespace, object.metadata.name)) throw alreadyExists(type, object.metadata.name);
    // Status is the controllers' to write, except a Node's, which its kubelet brings.
    if (type.subresources.includes('status') && type.kind !== 'Node') delete object.status;
    const created = this.initialize(type, object);
    applyDefaults(type, created, this);
    validate(type, created);
    if (options.admission !== false) this.admission?.({ operation: 'CREATE', type, object: created });
    recordUpdate(undefined, created, options.fieldManager ?? defaultManager);
    return options.dryRun ? created : this.commit(type, undefined, created);
  }

  replace(type: ResourceType, namespace: string | undefined, name: string, body: unknown, options: WriteOptions & { subresource?: Subresource } = {}): KubeObject {
    const live = this.get(type, namespace, name);
    const incoming = this.incoming(type, namespace, body, options.subresource === 'scale');
    return this.update(type, live, this.merged(type, live, incoming, options.subresource), options);
  }

  /** A patch; server-side apply creates what is not there yet (`created` says so). */
  patch(type: ResourceType, namespace: string | undefined, name: string, patchType: PatchType, body: unknown, options: WriteOptions & { subresource?: Subresource } = {}): { object: KubeObject; created: boolean } {
    const live = this.find(type, namespace, name);
    if (!live) {
      if (patchType !== 'apply' || options.subresource) throw notFound(type, name);
      const applied = this.incoming(type, namespace, body);
      if (applied.metadata.name !== name) throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
      const manager = options.fieldManager;
      if (!manager) throw badRequest('PATCH with apply requires a fieldManager');
      // A first apply is a create whose fields the manager owns as Apply.
      const created = this.create(type, namespace, applied, { ...options, fieldManager: manager, dryRun: true });
      const owned = serverSideApply({ ...created, metadata: { ...created.metadata, managedFields: [] } }, applied, manager, true);
      owned.status = created.status;
      return { object: options.dryRun ? owned : this.commit(type, undefined, owned), created: true };
    }
    const current = clone(live);
    if (options.subresource === 'scale') {
      const scale = mergePatch(scaleOf(current), body);
      return { object: this.update(type, current, this.merged(type, current, scale as KubeObject, 'scale'), options), created: false };
    }
    let patched: KubeObject;
    if (patchType === 'apply') {
      const applied = this.incoming(type, namespace, body);
      this.checkVersion(type, current, applied);
      if (options.subresource === 'status') patched = { ...current, status: mergePatch(current.status, applied.status ?? {}) as Record<string, unknown> };
      else {
        if (!options.fieldManager) throw badRequest('PATCH with apply requires a fieldManager');
        patched = serverSideApply(current, applied, options.fieldManager, options.force === true);
      }
      return { object: this.update(type, current, this.merged(type, current, patched, options.subresource), { ...options, owned: true }), created: false };
    }
    patched = mergePatch(current, body) as KubeObject;
    if (!isPlainObject(patched) || !isPlainObject(patched.metadata)) throw badRequest('the patch leaves no object');
    patched.metadata.name = current.metadata.name;
    this.checkVersion(type, current, patched);
    return { object: this.update(type, current, this.merged(type, current, patched, options.subresource), options), created: false };
  }

  /** Deletes, or marks for deletion while finalizers remain; `gone` says which. */
  delete(type: ResourceType, namespace: string | undefined, name: string): { object: KubeObject; gone: boolean } {
    const live = this.get(type, namespace, name);
    if (type.kind === 'Namespace') {
      if (live.metadata.deletionTimestamp) throw conflict(type, name, terminatingNamespace);
      const terminating = this.commit(type, live, { ...live, metadata: { ...live.metadata, deletionTimestamp: now() }, status: { ...live.status, phase: 'Terminating' } });
      return { object: clone(terminating), gone: false };
    }
    return this.remove(type, live.metadata.namespace, name)!;
  }

  /** A controller's write of a whole object: created, or replaced keeping its identity. */
  put(type: ResourceType, draft: ObjectDraft): KubeObject {
    const object = draft as KubeObject;
    const live = this.find(type, object.metadata.namespace, object.metadata.name);
    const next = live
      ? { ...clone(object), metadata: { ...clone(object.metadata), uid: live.metadata.uid, resourceVersion: live.metadata.resourceVersion, creationTimestamp: live.metadata.creationTimestamp, generation: live.metadata.generation } }
      : this.initialize(type, clone(object));
    applyDefaults(type, next, this);
    return this.commit(type, live, next);
  }

  /** A controller's change to one object (its status, a finalizer); undefined when it is gone. */
  change(type: ResourceType, namespace: string | undefined, name: string, change: (object: KubeObject) => void): KubeObject | undefined {
    const live = this.find(type, namespace, name);
    if (!live) return undefined;
    const next = clone(live);
    change(next);
    return this.commit(type, live, next);
  }

  /** Deletes honouring finalizers, without admission: the controllers' and garbage collector's delete. */
  remove(type: ResourceType, namespace: string | undefined, name: string): { object: KubeObject; gone: boolean } | undefined {
    const live = this.find(type, namespace, name);
    if (!live) return undefined;
    if ((live.metadata.finalizers ?? []).length > 0) {
      const marked = live.metadata.deletionTimestamp ? live : this.commit(type, live, { ...clone(live), metadata: { ...clone(live.metadata), deletionTimestamp: now(), deletionGracePeriodSeconds: 0 } });
      return { object: clone(marked), gone: false };
    }
    this.drop(type, live);
    return { object: clone(live), gone: true };
  }

  /** The next free Service IP in 10.100.0.0/16. */
  clusterIp(): string {
    this.ips += 1;
    return `10.100.${(this.ips >> 8) & 255}.${this.ips & 255}`;
  }

  uid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.random() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
  }

  /** Five characters as the apiserver appends to a generateName. */
  suffix(length = 5): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    return Array.from({ length }, () => alphabet[Math.floor(this.random() * alphabet.length)]).join('');
  }

  private bucket(type: Pick<ResourceType, 'plural' | 'group'>): Map<string, KubeObject> {
    let bucket = this.buckets.get(bucketKey(type));
    if (!bucket) this.buckets.set(bucketKey(type), (bucket = new Map()));
    return bucket;
  }

  /** The request body as an object of this type, in this namespace. */
  private incoming(type: ResourceType, namespace: string | undefined, body: unknown, scale = false): KubeObject {
    if (!isPlainObject(body)) throw badRequest('the request body must be an object');
    const object = clone(body) as KubeObject;
    if (!scale) {
      if (object.kind !== undefined && object.kind !== type.kind) throw badRequest(`the kind of the object (${String(object.kind)}) does not match ${type.kind}`);
      object.kind = type.kind;
      object.apiVersion = apiVersionOf(type.group, type.versions[0]!);
    }
    object.metadata = isPlainObject(object.metadata) ? object.metadata : ({} as KubeObject['metadata']);
    if (type.namespaced) {
      if (object.metadata.namespace && namespace && object.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      object.metadata.namespace = namespace ?? object.metadata.namespace;
      if (!object.metadata.namespace) throw badRequest('a namespace is required');
    } else {
      delete object.metadata.namespace;
    }
    return object;
  }

  private initialize(type: ResourceType, object: KubeObject): KubeObject {
    // Identity and bookkeeping are the apiserver's to set, whatever the client sent.
    const metadata = { ...object.metadata };
    for (const field of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'generation']) delete metadata[field];
    return {
      ...object,
      metadata: { ...metadata, uid: this.uid(), resourceVersion: '', creationTimestamp: now(), ...(type.generation ? { generation: 1 } : {}) } as KubeObject['metadata'],
    };
  }

  private checkNamespace(type: ResourceType, object: KubeObject): void {
    if (!type.namespaced) return;
    const namespace = this.find(this.typeOf('Namespace'), undefined, object.metadata.namespace!);
    if (!namespace) throw notFound(this.typeOf('Namespace'), object.metadata.namespace!);
    if (namespace.metadata.deletionTimestamp) {
      throw forbidden(type, object.metadata.name, `unable to create new content in namespace ${namespace.metadata.name} because it is being terminated`);
    }
  }

  private checkVersion(type: ResourceType, live: KubeObject, incoming: KubeObject): void {
    const version = incoming.metadata?.resourceVersion;
    if (version && version !== live.metadata.resourceVersion) throw conflict(type, live.metadata.name, staleVersion);
  }

  /** What a write through the main resource or a subresource leaves: the rest kept as it was. */
  private merged(type: ResourceType, live: KubeObject, incoming: KubeObject, subresource?: Subresource): KubeObject {
    switch (subresource) {
      case 'status':
        return { ...live, status: incoming.status };
      case 'scale': {
        const replicas = (incoming.spec as { replicas?: unknown } | undefined)?.replicas;
        if (typeof replicas !== 'number') throw badRequest('a Scale needs spec.replicas');
        return { ...live, spec: { ...live.spec, replicas } };
      }
      case 'finalize':
        return { ...live, spec: { ...live.spec, finalizers: (incoming.spec as { finalizers?: unknown } | undefined)?.finalizers ?? [] } };
      default: {
        const keep = { uid: live.metadata.uid, creationTimestamp: live.metadata.creationTimestamp, deletionTimestamp: live.metadata.deletionTimestamp, generation: live.metadata.generation };
        const next: KubeObject = { ...incoming, metadata: { ...incoming.metadata, ...keep } };
        if (!next.metadata.deletionTimestamp) delete next.metadata.deletionTimestamp;
        if (next.metadata.generation === undefined) delete next.metadata.generation;
        if (type.subresources.includes('status') || incoming.status === undefined) next.status = live.status;
        if (next.status === undefined) delete next.status;
        return next;
      }
    }
  }

  private update(type: ResourceType, live: KubeObject, next: KubeObject, options: WriteOptions & { subresource?: Subresource; owned?: boolean }): KubeObject {
    this.checkVersion(type, live, next);
    applyDefaults(type, next, this);
    validate(type, next, live);
    if (!options.subresource && options.admission !== false) this.admission?.({ operation: 'UPDATE', type, object: next, oldObject: live });
    // An apply has already recorded its fields; other writes own what they changed.
    if (!options.owned) recordUpdate(live, next, options.fieldManager ?? defaultManager, options.subresource === 'scale' ? 'scale' : undefined);
    return options.dryRun ? next : clone(this.commit(type, live, next));
  }

  /** Stores `next` (bumping resourceVersion and generation) unless nothing changed; removes it once a deletion has no finalizer left. */
  private commit(type: ResourceType, live: KubeObject | undefined, next: KubeObject): KubeObject {
    const deleting = Boolean(next.metadata.deletionTimestamp);
    const finalizers = (next.metadata.finalizers ?? []).length + (type.kind === 'Namespace' && deleting ? ((next.spec?.finalizers as unknown[] | undefined) ?? []).length : 0);
    if (live && deleting && finalizers === 0) {
      this.drop(type, live);
      return next;
    }
    if (live && sameObject(live, next)) return live;
    if (type.generation) {
      next.metadata.generation = live ? (live.metadata.generation ?? 1) + (deepEqual(specOf(live), specOf(next)) ? 0 : 1) : 1;
    }
    if (next.metadata.finalizers?.length === 0) delete next.metadata.finalizers;
    this.revision += 1;
    next.metadata.resourceVersion = String(this.revision);
    this.bucket(type).set(objectKey(next.metadata.namespace, next.metadata.name), next);
    if (type.kind === 'CustomResourceDefinition') this.refreshCustomTypes();
    this.notify();
    return next;
  }

  private drop(type: ResourceType, live: KubeObject): void {
    this.bucket(type).delete(objectKey(live.metadata.namespace, live.metadata.name));
    this.revision += 1;
    if (type.kind === 'CustomResourceDefinition') {
      // The CRD's objects go with it, as the apiextensions cleanup finalizer sees to.
      const custom = customResourceType(live);
      if (custom) this.buckets.delete(bucketKey(custom));
      this.refreshCustomTypes();
    }
    this.notify();
  }

  private refreshCustomTypes(): void {
    this.customTypes = this.items(this.typeOf('CustomResourceDefinition', 'apiextensions.k8s.io'))
      .flatMap((crd) => customResourceType(crd) ?? [])
      .filter((custom) => !builtinTypes.some((t) => t.group === custom.group && t.plural === custom.plural));
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

/** A Deployment's (or other scalable's) autoscaling/v1 Scale. */
export function scaleOf(object: KubeObject): KubeObject {
  const selector = (object.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {};
  return {
    apiVersion: 'autoscaling/v1', kind: 'Scale',
    metadata: { name: object.metadata.name, namespace: object.metadata.namespace, uid: object.metadata.uid, resourceVersion: object.metadata.resourceVersion, creationTimestamp: object.metadata.creationTimestamp },
    spec: { replicas: object.spec?.replicas ?? 0 },
    status: { replicas: object.status?.replicas ?? 0, selector: Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',') },
  };
}
