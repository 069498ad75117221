import { isPlainObject, type KubeObject } from '../objects';
import { selectsLabels } from '../selectors';
import { isDeleting, type ControllerContext } from './context';
import { isPodReady } from './pods';

const serviceNameLabel = 'kubernetes.io/service-name';

/** A Service port's target as a number: a named targetPort is looked up in the pod's containers. */
function targetPort(port: Record<string, unknown>, pod: KubeObject | undefined): number {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  const containers = Array.isArray(pod?.spec?.containers) ? pod.spec.containers as { ports?: { name?: string; containerPort: number }[] }[] : [];
  return containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target)?.containerPort ?? Number(port.port);
}

/** The EndpointSlice controller: one slice per selector Service, listing its placed pods and which are ready. */
export function reconcileEndpointSlices(context: ControllerContext): void {
  const { store, types } = context;
  for (const service of store.items(types.service)) {
    if (isDeleting(service) || !isPlainObject(service.spec?.selector) || Object.keys(service.spec.selector).length === 0) continue;
    const { namespace, name, uid } = service.metadata;
    const pods = store.items(types.pod, namespace).filter((pod) => !isDeleting(pod) && typeof pod.status?.podIP === 'string' && selectsLabels(service.spec?.selector, pod.metadata.labels));
    const ports = (Array.isArray(service.spec?.ports) ? service.spec.ports : []).filter(isPlainObject);
    store.put(types.endpointSlice, {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: {
        name: `${name}-${uid.slice(0, 5)}`, namespace,
        labels: { [serviceNameLabel]: name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid, controller: true, blockOwnerDeletion: true }],
      },
      addressType: 'IPv4',
      endpoints: pods.map((pod) => ({
        addresses: [pod.status!.podIP], conditions: { ready: isPodReady(pod), serving: isPodReady(pod), terminating: false },
        nodeName: pod.spec?.nodeName, targetRef: { kind: 'Pod', namespace, name: pod.metadata.name, uid: pod.metadata.uid },
      })),
      ports: ports.map((port) => ({ name: port.name ?? '', port: targetPort(port, pods[0]), protocol: port.protocol ?? 'TCP' })),
    });
  }
}
