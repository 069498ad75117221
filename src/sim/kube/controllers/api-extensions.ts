import { hasReadyEndpoints } from '../admission';
import { isPlainObject, withCondition } from '../objects';
import { isDeleting, type ControllerContext } from './context';

/** CRDs: names accepted at once (the apiserver serves them from then on), Established shortly after. */
export function reconcileCustomResourceDefinitions(context: ControllerContext): void {
  const { store, types } = context;
  for (const crd of store.items(types.crd)) {
    if (isDeleting(crd)) continue;
    const established = context.deadlines.passed(`${crd.metadata.uid}/established`, 'crdEstablishMs', context.now);
    const versions = Array.isArray(crd.spec?.versions) ? crd.spec.versions.filter(isPlainObject) : [];
    store.change(types.crd, undefined, crd.metadata.name, (next) => {
      let conditions = withCondition(next.status?.conditions, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
      conditions = withCondition(conditions, established
        ? { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }
        : { type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have been accepted' });
      next.status = {
        conditions, acceptedNames: next.spec?.names ?? {},
        storedVersions: versions.filter((v) => v.storage === true).map((v) => v.name),
      };
    });
  }
}

/**
 * APIServices: a local one (no service) is Available; an aggregated one is Available while
 * its Service has a ready endpoint, which in the simulation means its pods run.
 */
export function reconcileApiServices(context: ControllerContext): void {
  const { store, types } = context;
  for (const apiService of store.items(types.apiService)) {
    if (isDeleting(apiService)) continue;
    const service = apiService.spec?.service as { name?: string; namespace?: string } | undefined;
    const condition = !service?.name || !service.namespace
      ? { type: 'Available', status: 'True', reason: 'Local', message: 'Local APIServices are always available' }
      : !store.find(types.service, service.namespace, service.name)
        ? { type: 'Available', status: 'False', reason: 'ServiceNotFound', message: `service/${service.name} in "${service.namespace}" is not present` }
        : hasReadyEndpoints(store, service.namespace, service.name)
          ? { type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed' }
          : { type: 'Available', status: 'False', reason: 'MissingEndpoints', message: `endpoints for service/${service.name} in "${service.namespace}" have no addresses with port name "https"` };
    store.change(types.apiService, undefined, apiService.metadata.name, (next) => {
      next.status = { conditions: withCondition(next.status?.conditions, condition) };
    });
  }
}
