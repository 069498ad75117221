import { isDeleting, type ControllerContext } from './context';

/**
 * The namespace controller and garbage collector: a terminating namespace has everything in
 * it deleted (finalizers honoured, so a Service the load balancer controller still holds
 * keeps the namespace, as on EKS) and goes once empty; objects whose owner is gone go; and
 * every namespace gets its `default` ServiceAccount.
 */
export function reconcileNamespaces(context: ControllerContext): void {
  const { store, types } = context;
  const namespaced = store.types().filter((type) => type.namespaced);
  for (const namespace of store.items(types.namespace)) {
    const name = namespace.metadata.name;
    if (!isDeleting(namespace)) {
      if (!store.find(types.serviceAccount, name, 'default')) {
        store.put(types.serviceAccount, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } });
      }
      continue;
    }
    for (const type of namespaced) for (const object of store.items(type, name)) if (!isDeleting(object)) store.remove(type, name, object.metadata.name);
    const remaining = namespaced.flatMap((type) => store.items(type, name).map((object) => ({ type, object })));
    if (remaining.length === 0) {
      store.change(types.namespace, undefined, name, (next) => {
        next.spec = { ...next.spec, finalizers: [] };
      });
      continue;
    }
    const byResource = new Map<string, number>();
    const finalizers = new Map<string, number>();
    for (const { type, object } of remaining) {
      const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
      byResource.set(resource, (byResource.get(resource) ?? 0) + 1);
      for (const finalizer of object.metadata.finalizers ?? []) finalizers.set(finalizer, (finalizers.get(finalizer) ?? 0) + 1);
    }
    store.change(types.namespace, undefined, name, (next) => {
      next.status = {
        ...next.status,
        conditions: [
          { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${[...byResource].map(([r, n]) => `${r} has ${n} resource instances`).join(', ')}` },
          ...(finalizers.size > 0 ? [{ type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${[...finalizers].map(([f, n]) => `${f} in ${n} resource instances`).join(', ')}` }] : []),
        ],
      };
    });
  }
}

/** Removes objects whose every owner is gone, as background propagation does. Returns the uids alive. */
export function collectGarbage(context: ControllerContext): Set<string> {
  const { store } = context;
  const all = store.types().flatMap((type) => store.items(type).map((object) => ({ type, object })));
  const alive = new Set(all.map(({ object }) => object.metadata.uid));
  for (const { type, object } of all) {
    const owners = object.metadata.ownerReferences ?? [];
    if (owners.length > 0 && owners.every((owner) => !alive.has(owner.uid)) && !isDeleting(object)) {
      store.remove(type, object.metadata.namespace, object.metadata.name);
    }
  }
  return alive;
}
