import { KubeApiError } from '../kube/api-errors';
import type { ObjectStore } from '../kube/object-store';
import type { ObjectDraft } from '../kube/objects';

/** The served type of a draft; a kind the cluster does not serve fails as helm's resource mapping does. */
export function typeOf(store: ObjectStore, draft: ObjectDraft) {
  const group = draft.apiVersion.includes('/') ? draft.apiVersion.split('/')[0]! : '';
  const type = store.types().find((t) => t.kind === draft.kind && t.group === group);
  if (!type) throw new KubeApiError(400, 'BadRequest', `resource mapping not found for name: "${draft.metadata.name}" namespace: "${draft.metadata.namespace ?? ''}": no matches for kind "${draft.kind}" in version "${draft.apiVersion}"`);
  return type;
}

const sameObject = (a: ObjectDraft, b: ObjectDraft) => a.kind === b.kind && a.apiVersion === b.apiVersion && a.metadata.name === b.metadata.name && a.metadata.namespace === b.metadata.namespace;

/**
 * Server-side applies `manifest` in order as field manager `manager`, through admission (a
 * webhook without endpoints refuses it), then deletes what `previous` made and it does not,
 * as helm prunes an upgrade. Throws the apiserver's KubeApiError.
 */
export function applyObjects(store: ObjectStore, manifest: readonly ObjectDraft[], previous: readonly ObjectDraft[] = [], manager = 'helm'): void {
  for (const draft of manifest) {
    store.patch(typeOf(store, draft), draft.metadata.namespace, draft.metadata.name, 'apply', draft, { fieldManager: manager, force: true, admission: true });
  }
  for (const old of [...previous].reverse()) if (!manifest.some((draft) => sameObject(draft, old))) removeObjects(store, [old]);
}

/** Deletes `manifest`'s objects in reverse order, finalizers honoured; gone ones are skipped. */
export function removeObjects(store: ObjectStore, manifest: readonly ObjectDraft[]): void {
  for (const draft of [...manifest].reverse()) store.remove(typeOf(store, draft), draft.metadata.namespace, draft.metadata.name);
}
