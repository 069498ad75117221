import { createHash } from 'node:crypto';
import { nlbLoadBalancerClass } from '../admission';
import type { KubeObject } from '../objects';
import type { ResourceType } from '../resource-types';
import { loadBalancerController } from './addon-deployments';
import { isDeleting, type ControllerContext } from './context';
import { isDeploymentAvailable } from './workloads';

const serviceFinalizer = 'service.k8s.aws/resources';
const ingressFinalizer = 'ingress.k8s.aws/resources';

const isNlbService = (service: KubeObject) => service.spec?.type === 'LoadBalancer' && service.spec.loadBalancerClass === nlbLoadBalancerClass;
const isAlbIngress = (ingress: KubeObject) => ingress.spec?.ingressClassName === 'alb' || ingress.metadata.annotations?.['kubernetes.io/ingress.class'] === 'alb';

/** A DNS name shaped like the controller's: k8s-<namespace>-<name>-<hash>, truncated as it truncates. */
function defaultHostname(context: ControllerContext, object: KubeObject, kind: 'nlb' | 'alb'): string {
  const hash = createHash('sha256').update(`${context.cluster}/${object.metadata.uid}`).digest('hex');
  const prefix = `k8s-${(object.metadata.namespace ?? '').slice(0, 8)}-${object.metadata.name.slice(0, 8)}-${hash.slice(0, 10)}`;
  return kind === 'nlb' ? `${prefix}-${hash.slice(10, 26)}.elb.${context.region}.amazonaws.com` : `${prefix}-${parseInt(hash.slice(10, 18), 16)}.${context.region}.elb.amazonaws.com`;
}

/**
 * The AWS Load Balancer Controller's part, while its Deployment is available: it takes NLB
 * Services and ALB Ingresses with a finalizer, publishes the load balancer's DNS name once
 * it is provisioned, and on deletion removes the load balancer, then the finalizer. Without
 * the controller running nothing happens, and a deleted object stays held, as on EKS.
 */
export function reconcileLoadBalancers(context: ControllerContext): void {
  const { store, types } = context;
  if (!isDeploymentAvailable(context, loadBalancerController.namespace, loadBalancerController.name)) return;
  for (const service of store.items(types.service)) if (isNlbService(service)) reconcileOne(context, types.service, service, serviceFinalizer, 'nlb');
  for (const ingress of store.items(types.ingress)) if (isAlbIngress(ingress)) reconcileOne(context, types.ingress, ingress, ingressFinalizer, 'alb');
}

function reconcileOne(context: ControllerContext, type: ResourceType, object: KubeObject, finalizer: string, kind: 'nlb' | 'alb'): void {
  const { store } = context;
  const { namespace, name, uid } = object.metadata;
  const held = object.metadata.finalizers?.includes(finalizer) ?? false;
  const ingress = (object.status?.loadBalancer as { ingress?: { hostname?: string }[] } | undefined)?.ingress ?? [];
  const event = { cluster: context.cluster, region: context.region, object };
  if (isDeleting(object)) {
    if (!held || !context.deadlines.passed(`${uid}/lb-delete`, 'loadBalancerDeleteMs', context.now)) return;
    if (ingress.length > 0) context.hooks.onLoadBalancerDeleted?.(event);
    store.change(type, namespace, name, (next) => {
      next.metadata.finalizers = next.metadata.finalizers?.filter((f) => f !== finalizer);
    });
    return;
  }
  if (!held) {
    store.change(type, namespace, name, (next) => {
      next.metadata.finalizers = [...(next.metadata.finalizers ?? []), finalizer];
    });
  }
  if (ingress.length > 0 || !context.deadlines.passed(`${uid}/lb`, 'loadBalancerMs', context.now)) return;
  const hostname = context.hooks.onLoadBalancer?.(event) ?? defaultHostname(context, object, kind);
  store.change(type, namespace, name, (next) => {
    next.status = { ...next.status, loadBalancer: { ingress: [{ hostname }] } };
  });
}
