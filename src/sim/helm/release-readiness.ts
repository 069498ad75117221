import type { ObjectStore } from '../kube/object-store';
import { isReadyCondition, type KubeObject, type ObjectDraft } from '../kube/objects';

/**
 * What helm's `--wait=watcher` (kstatus) waits for among these objects, or undefined when
 * all are Current: Deployments rolled out and available, DaemonSets scheduled and ready on
 * every node they want, CRDs Established. Other kinds are Current once they exist, an
 * APIService included (kstatus reads no Available condition), as with the real charts.
 */
export function notReady(store: ObjectStore, objects: readonly ObjectDraft[]): string | undefined {
  for (const draft of objects) {
    const group = draft.apiVersion.includes('/') ? draft.apiVersion.split('/')[0]! : '';
    const type = store.types().find((t) => t.kind === draft.kind && t.group === group);
    const live = type && store.find(type, draft.metadata.namespace, draft.metadata.name);
    const where = `${draft.kind}/${draft.metadata.namespace ? `${draft.metadata.namespace}/` : ''}${draft.metadata.name}`;
    if (!live) return `resource ${where} not found`;
    const problem = problemOf(live);
    if (problem) return `resource ${where} not ready. status: InProgress, message: ${problem}`;
  }
  return undefined;
}

function problemOf(object: KubeObject): string | undefined {
  const status = object.status ?? {};
  const generation = Number(object.metadata.generation ?? 0);
  const observed = Number(status.observedGeneration ?? 0);
  switch (object.kind) {
    case 'Deployment': {
      const replicas = Number(object.spec?.replicas ?? 1);
      if (observed < generation) return 'Deployment generation is not yet observed';
      if (Number(status.updatedReplicas ?? 0) < replicas) return `Updated: ${status.updatedReplicas ?? 0}/${replicas}`;
      if (Number(status.replicas ?? 0) > Number(status.updatedReplicas ?? 0)) return `Pending termination: ${Number(status.replicas) - Number(status.updatedReplicas ?? 0)}`;
      if (Number(status.readyReplicas ?? 0) < replicas) return `Ready: ${status.readyReplicas ?? 0}/${replicas}`;
      if (Number(status.availableReplicas ?? 0) < replicas) return `Available: ${status.availableReplicas ?? 0}/${replicas}`;
      return undefined;
    }
    case 'DaemonSet': {
      const desired = Number(status.desiredNumberScheduled ?? 0);
      if (observed < generation) return 'DaemonSet generation is not yet observed';
      if (Number(status.updatedNumberScheduled ?? 0) < desired) return `Updated: ${status.updatedNumberScheduled ?? 0}/${desired}`;
      if (Number(status.numberAvailable ?? 0) < desired) return `Available: ${status.numberAvailable ?? 0}/${desired}`;
      return undefined;
    }
    case 'CustomResourceDefinition':
      return isReadyCondition(status.conditions, 'Established') ? undefined : 'CRD is not yet Established';
    default:
      return undefined;
  }
}
