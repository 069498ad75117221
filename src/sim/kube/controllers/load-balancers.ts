import { createHash } from 'node:crypto';
import type { KubeObject } from '../objects';
import type { LoadBalancedObject } from '../options';
import type { ResourceType } from '../resource-types';
import { autoModeLoadBalancerClass } from '../../../domain/auto-mode';
import { loadBalancerController } from './addon-deployments';
import { isDeleting, type ControllerContext } from './context';
import { isDeploymentAvailable } from './workloads';

/*
 * The AWS Load Balancer Controller, played. Its v2 tags are not importable as a Go module from
 * the module proxy, so no test bed can run it; eksflow plays its part, here, for the simulated
 * cluster (`reconcileLoadBalancers`) and for the real apiserver of the test bed
 * (test/support/played-load-balancer-controller.ts runs `nextServiceStep` and
 * `PlayedLoadBalancers` against it). Each point follows kubernetes-sigs/aws-load-balancer-controller
 * at the appVersion of the chart eksflow pins (eks-charts aws-load-balancer-controller 1.14.0 →
 * v2.14.0, tools/charts.lock); the source is named beside it. What is not played: listeners,
 * TargetGroupBindings and target registration, security groups, subnets (no data path here).
 */

/**
 * The class the controller owns. Its Service mutator sets it, and `IsServiceSupported` takes a
 * Service with it (the controller's `--load-balancer-class`, default `service.k8s.aws/nlb`:
 * pkg/config/service_config.go).
 */
export const nlbLoadBalancerClass = 'service.k8s.aws/nlb';

/** controllers/service/service_controller.go: `serviceFinalizer = "service.k8s.aws/resources"` (pkg/shared_constants in later releases). */
export const serviceFinalizer = 'service.k8s.aws/resources';
/** pkg/ingress/finalizer.go: `implicitGroupFinalizer = "ingress.k8s.aws/resources"`, an Ingress in no explicit group. */
export const ingressFinalizer = 'ingress.k8s.aws/resources';

const annotation = (suffix: string) => `service.beta.kubernetes.io/aws-load-balancer-${suffix}`;
const annotationOf = (service: KubeObject, suffix: string): string | undefined => service.metadata.annotations?.[annotation(suffix)];

/**
 * The Service mutator (webhooks/core/service_mutator.go, `MutateCreate`; registered as
 * `mservice.elbv2.k8s.aws` on CREATE when the chart's `enableServiceMutatorWebhook` is true):
 * a `LoadBalancer` Service with no class, or an empty one, gets the controller's class; one
 * with a class is left alone; other types are left alone.
 */
export function mutateServiceOnCreate(service: KubeObject): void {
  if (service.spec?.type !== 'LoadBalancer') return;
  if (typeof service.spec.loadBalancerClass === 'string' && service.spec.loadBalancerClass !== '') return;
  service.spec.loadBalancerClass = nlbLoadBalancerClass;
}

/**
 * pkg/service/service_utils.go `IsServiceSupported`: never while deleting; with a class, only
 * the controller's; without one, only `aws-load-balancer-type: nlb-ip`, or `external` with
 * `nlb-target-type` `ip` or `instance`. The type is not looked at: the ServiceTypeLoadBalancerOnly
 * feature gate is off by default (pkg/config/feature_gates.go), and the apiserver allows a
 * class only on type LoadBalancer.
 */
export function isServiceSupported(service: KubeObject): boolean {
  if (isDeleting(service)) return false;
  const loadBalancerClass = service.spec?.loadBalancerClass as string | undefined;
  if (loadBalancerClass !== undefined && loadBalancerClass !== null) return loadBalancerClass === nlbLoadBalancerClass;
  const type = annotationOf(service, 'type');
  if (type === 'nlb-ip') return true;
  const targetType = annotationOf(service, 'nlb-target-type');
  return type === 'external' && (targetType === 'ip' || targetType === 'instance');
}

/**
 * pkg/service/model_build_load_balancer.go `buildLoadBalancerScheme`: the
 * `aws-load-balancer-scheme` annotation, else the legacy `aws-load-balancer-internal`, else
 * `internal` (an NLB is internet-facing only when asked).
 */
export function loadBalancerScheme(service: KubeObject): 'internal' | 'internet-facing' {
  const scheme = annotationOf(service, 'scheme');
  if (scheme === 'internet-facing' || scheme === 'internal') return scheme;
  return annotationOf(service, 'internal') === 'false' ? 'internet-facing' : 'internal';
}

const alnumOnly = (value: string) => value.replace(/[^A-Za-z0-9]/g, '');
const sha256Hex = (...parts: string[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
};
/** Go's `fmt.Sprintf("k8s-%.8s-%.8s-%.10s", sanitizedNamespace, sanitizedName, uuid)`. */
const k8sName = (namespace: string, name: string, hash: string) => `k8s-${alnumOnly(namespace).slice(0, 8)}-${alnumOnly(name).slice(0, 8)}-${hash.slice(0, 10)}`;

/**
 * pkg/service/model_build_load_balancer.go `buildLoadBalancerName`: the
 * `aws-load-balancer-name` annotation when set, else `k8s-<namespace[:8]>-<name[:8]>-<10 hex>`
 * of sha256(clusterName + Service UID + scheme), namespace and name stripped to [A-Za-z0-9].
 */
export function loadBalancerName(cluster: string, service: KubeObject): string {
  const explicit = annotationOf(service, 'name');
  if (explicit) return explicit;
  const { namespace = '', name, uid = '' } = service.metadata;
  return k8sName(namespace, name, sha256Hex(cluster, uid, loadBalancerScheme(service)));
}

interface ServicePort {
  port: number;
  targetPort?: number | string;
  nodePort?: number;
  protocol?: string;
}

/**
 * pkg/service/model_build_target_group.go `buildTargetGroupName`: per Service port,
 * `k8s-<namespace[:8]>-<name[:8]>-<10 hex>` of sha256(clusterName + UID + target group port +
 * Service port + target type + protocol + health-check protocol + health-check interval).
 * The target type is `nlb-target-type` (the controller's default `instance`); the target group
 * port is the NodePort for `instance`, the numeric targetPort for `ip` (`1` for a named one:
 * `buildTargetGroupPort`); the health check is TCP every 10 s unless annotated.
 */
export function targetGroupNames(cluster: string, service: KubeObject): { port: number; name: string }[] {
  const { namespace = '', name, uid = '' } = service.metadata;
  const targetType = annotationOf(service, 'nlb-target-type') === 'ip' ? 'ip' : 'instance';
  const healthCheckProtocol = (annotationOf(service, 'healthcheck-protocol') ?? 'TCP').toUpperCase();
  const healthCheckInterval = annotationOf(service, 'healthcheck-interval') ?? '10';
  const ports = (service.spec?.ports ?? []) as ServicePort[];
  return ports.map((port) => {
    const targetGroupPort = targetType === 'instance' ? port.nodePort ?? 0 : typeof port.targetPort === 'number' ? port.targetPort : port.targetPort === undefined ? port.port : 1;
    const protocol = (port.protocol ?? 'TCP').toUpperCase();
    const hash = sha256Hex(cluster, uid, String(targetGroupPort), String(port.port), targetType, protocol, healthCheckProtocol, healthCheckInterval);
    return { port: port.port, name: k8sName(namespace, name, hash) };
  });
}

/**
 * pkg/deploy/tracking/provider.go: every resource of a Service's stack is tagged with the
 * cluster (`elbv2.k8s.aws/cluster`), the stack (`service.k8s.aws/stack: <ns>/<name>`) and its
 * resource ID (`LoadBalancer`; `<ns>/<name>:<port>` for a target group,
 * `buildTargetGroupResourceID`). eksflow's teardown sweep finds what is left by these.
 */
export function stackTags(cluster: string, object: KubeObject, resource: string): Record<string, string> {
  // An Ingress's stack is tagged under `ingress.k8s.aws` (controllers/ingress/group_controller.go `ingressTagPrefix`).
  const prefix = object.kind === 'Ingress' ? 'ingress.k8s.aws' : 'service.k8s.aws';
  return { 'elbv2.k8s.aws/cluster': cluster, [`${prefix}/stack`]: `${object.metadata.namespace}/${object.metadata.name}`, [`${prefix}/resource`]: resource };
}

/** An NLB's DNS name as ELBv2 gives it: `<name>-<16 hex>.elb.<region>.amazonaws.com`. */
export function nlbDnsName(name: string, region: string, suffix: string): string {
  return `${name}-${suffix.slice(0, 16)}.elb.${region}.amazonaws.com`;
}

/** An ALB's: `<name>-<digits>.<region>.elb.amazonaws.com`. */
function albDnsName(name: string, region: string, suffix: string): string {
  return `${name}-${parseInt(suffix.slice(0, 8), 16)}.${region}.elb.amazonaws.com`;
}

/**
 * EKS Auto Mode's load balancing: its controller (the AWS Load Balancer Controller run by EKS)
 * takes `LoadBalancer` Services of class `eks.amazonaws.com/nlb` (EKS user guide,
 * auto-configure-nlb) and holds them with the finalizer `service.eks.amazonaws.com/resources`
 * (as seen on Auto Mode clusters' Services), with the same steps as the controller's: finalizer,
 * NLB, hostname; on deletion the NLB goes before the finalizer. Its NLB is made by the played
 * controller's names and tags: the tags Auto Mode itself puts on its load balancers are not modelled.
 */
export const autoModeServiceFinalizer = 'service.eks.amazonaws.com/resources';

export function nextAutoModeServiceStep(service: KubeObject): ServiceStep {
  const supported = !isDeleting(service) && service.spec?.type === 'LoadBalancer' && service.spec.loadBalancerClass === autoModeLoadBalancerClass;
  if (supported) return hasFinalizer(service, autoModeServiceFinalizer) && hostnameOf(service) ? 'none' : 'provision';
  return hasFinalizer(service, autoModeServiceFinalizer) ? 'deprovision' : 'none';
}

/** What the controller does next for a Service, from the Service alone. */
export type ServiceStep =
  /** Not the controller's, or nothing to do. */
  | 'none'
  /**
   * controllers/service/service_controller.go `reconcileLoadBalancerResources`: add the
   * finalizer first (`AddFinalizers`), then deploy the stack and patch
   * `status.loadBalancer.ingress` to `[{ hostname: <the NLB's DNS name> }]` (`updateServiceStatus`).
   */
  | 'provision'
  /**
   * `cleanupLoadBalancerResources`, for a Service being deleted (or no longer supported) that
   * still has the finalizer: deploy the empty stack (the NLB is deleted, then its target groups:
   * pkg/deploy/elbv2 `loadBalancerSynthesizer.Synthesize`, `targetGroupSynthesizer.PostSynthesize`),
   * clear `status.loadBalancer` (`cleanupServiceStatus`), and only then remove the finalizer.
   */
  | 'deprovision';

const hostnameOf = (object: KubeObject) => (object.status?.loadBalancer as { ingress?: { hostname?: string }[] } | undefined)?.ingress?.[0]?.hostname;
const hasFinalizer = (object: KubeObject, finalizer: string) => object.metadata.finalizers?.includes(finalizer) ?? false;

/** service_controller.go `reconcile`: a model with a load balancer is provisioned; without one (deleting, unsupported), cleaned up if the finalizer is there. */
export function nextServiceStep(service: KubeObject): ServiceStep {
  if (isServiceSupported(service)) return hasFinalizer(service, serviceFinalizer) && hostnameOf(service) ? 'none' : 'provision';
  return hasFinalizer(service, serviceFinalizer) ? 'deprovision' : 'none';
}

/** The ELBv2 calls the played controller makes: the simulated ELBv2's (src/sim/aws/network-leftovers.ts). */
export interface PlayedElbv2 {
  createLoadBalancer(input: { name: string; tags: Record<string, string> }): { arn: string; dnsName: string };
  createTargetGroup(input: { name: string; tags: Record<string, string> }): string;
  deleteLoadBalancer(arn: string): Promise<void>;
  deleteTargetGroup(arn: string): Promise<void>;
}

/**
 * The AWS side of one cluster's played controller: each Service's NLB and target groups, made
 * by the names above and deleted NLB first. Without an ELBv2 the names are kept and the DNS
 * name is made as ELBv2 would.
 */
export class PlayedLoadBalancers {
  private readonly stacks = new Map<string, { loadBalancer?: string; targetGroups: string[] }>();

  constructor(private readonly cluster: string, private readonly region: string, private readonly elbv2?: PlayedElbv2) {}

  /** Makes the Service's NLB and a target group per port (the same names again are the same load balancer); returns the NLB's DNS name. */
  provision(service: KubeObject): string {
    const ingress = service.kind === 'Ingress';
    const name = ingress ? albName(this.cluster, service) : loadBalancerName(this.cluster, service);
    const key = service.metadata.uid ?? `${service.metadata.namespace}/${service.metadata.name}`;
    if (!this.elbv2) {
      this.stacks.set(key, { targetGroups: [] });
      const suffix = sha256Hex(this.cluster, key, 'dns');
      return ingress ? albDnsName(name, this.region, suffix) : nlbDnsName(name, this.region, suffix);
    }
    const made = this.elbv2.createLoadBalancer({ name, tags: stackTags(this.cluster, service, 'LoadBalancer') });
    // An ALB's target groups come from its rules' backends: not played.
    const targetGroups = (ingress ? [] : targetGroupNames(this.cluster, service)).map(({ port, name: groupName }) =>
      this.elbv2!.createTargetGroup({ name: groupName, tags: stackTags(this.cluster, service, `${service.metadata.namespace}/${service.metadata.name}:${port}`) }));
    this.stacks.set(key, { loadBalancer: made.arn, targetGroups });
    return made.dnsName;
  }

  /** Deletes the NLB, then its target groups (a target group in use by the NLB's listener cannot go first). */
  async deprovision(service: KubeObject): Promise<void> {
    const key = service.metadata.uid ?? `${service.metadata.namespace}/${service.metadata.name}`;
    const stack = this.stacks.get(key);
    if (!stack || !this.elbv2) {
      this.stacks.delete(key);
      return;
    }
    if (stack.loadBalancer) await this.elbv2.deleteLoadBalancer(stack.loadBalancer);
    for (const arn of stack.targetGroups) await this.elbv2.deleteTargetGroup(arn);
    this.stacks.delete(key);
  }
}

/** An Ingress of the controller's class `alb` (the chart's IngressClass), or of the legacy annotation. */
export const isAlbIngress = (ingress: KubeObject) => ingress.spec?.ingressClassName === 'alb' || ingress.metadata.annotations?.['kubernetes.io/ingress.class'] === 'alb';

/**
 * The same steps for an ALB Ingress under `ingress.k8s.aws/resources`
 * (controllers/ingress/group_controller.go: finalizer added before the stack is deployed,
 * removed after the stack is deleted and the status cleared).
 */
export function nextIngressStep(ingress: KubeObject): ServiceStep {
  const held = hasFinalizer(ingress, ingressFinalizer);
  if (!isDeleting(ingress) && isAlbIngress(ingress)) return held && hostnameOf(ingress) ? 'none' : 'provision';
  return held ? 'deprovision' : 'none';
}

/**
 * pkg/ingress/model_build_load_balancer.go `buildLoadBalancerName`, for an implicit group (one
 * Ingress): `k8s-<namespace[:8]>-<name[:8]>-<10 hex of sha256(clusterName + "<ns>/<name>" + scheme)>`,
 * the scheme `internal` unless `alb.ingress.kubernetes.io/scheme` says otherwise.
 */
export function albName(cluster: string, ingress: KubeObject): string {
  const { namespace = '', name } = ingress.metadata;
  const scheme = ingress.metadata.annotations?.['alb.ingress.kubernetes.io/scheme'] === 'internet-facing' ? 'internet-facing' : 'internal';
  return k8sName(namespace, name, sha256Hex(cluster, `${namespace}/${name}`, scheme));
}

/** Pending deletions by object uid, kept in the cluster's memo between passes. */
type Deletions = Map<string, 'pending' | 'done' | 'failed'>;

/**
 * The controller's part in the simulated cluster, while its Deployment is available: NLB
 * Services (`nextServiceStep`) and ALB Ingresses (the same finalizer, hostname and deletion
 * order, under `ingress.k8s.aws/resources`) get their load balancer after `loadBalancerMs`,
 * and go after `loadBalancerDeleteMs`, the finalizer released only once the hook's deletion has
 * finished. Without the controller running nothing happens, and a deleted object stays held,
 * as on EKS. `loadBalancerGate` may hold either step, for tests that must see the state before it.
 */
export function reconcileLoadBalancers(context: ControllerContext): void {
  const { store, types } = context;
  // EKS Auto Mode's own controller runs with the control plane: no Deployment to wait for.
  if (context.autoMode) for (const service of store.items(types.service)) reconcileOne(context, types.service, service, autoModeServiceFinalizer, nextAutoModeServiceStep(service));
  if (!isDeploymentAvailable(context, loadBalancerController.namespace, loadBalancerController.name)) return;
  for (const service of store.items(types.service)) reconcileOne(context, types.service, service, serviceFinalizer, nextServiceStep(service));
  for (const ingress of store.items(types.ingress)) reconcileOne(context, types.ingress, ingress, ingressFinalizer, nextIngressStep(ingress));
}

/** While a step is held or a deletion runs, the cluster looks again every simulated second. */
const heldPollMs = 1_000;

function heldUntilLater(context: ControllerContext, key: string): void {
  context.deadlines.forget(key);
  context.deadlines.passedAfter(key, heldPollMs, context.now);
}

function reconcileOne(context: ControllerContext, type: ResourceType, object: KubeObject, finalizer: string, step: ServiceStep): void {
  if (step === 'none') return;
  const { store } = context;
  const { namespace, name, uid } = object.metadata;
  const event: LoadBalancedObject = { cluster: context.cluster, region: context.region, object };
  if (step === 'deprovision') {
    if (!context.deadlines.passed(`${uid}/lb-delete`, 'loadBalancerDeleteMs', context.now)) return;
    if (context.hooks.loadBalancerGate && !context.hooks.loadBalancerGate('deprovision', event)) return heldUntilLater(context, `${uid}/lb-delete-held`);
    let deletions = context.memo.get('load-balancer-deletions') as Deletions | undefined;
    if (!deletions) context.memo.set('load-balancer-deletions', (deletions = new Map()));
    const state = deletions.get(uid!);
    if (state === undefined || state === 'failed') {
      const published = hostnameOf(object) !== undefined;
      const deleting = published ? context.hooks.onLoadBalancerDeleted?.(event) : undefined;
      if (deleting) {
        deletions.set(uid!, 'pending');
        // A failed delete is tried again on a later pass, as the controller requeues the Service.
        deleting.then(() => deletions.set(uid!, 'done'), () => deletions.set(uid!, 'failed'));
        return heldUntilLater(context, `${uid}/lb-deleting`);
      }
    } else if (state === 'pending') {
      return heldUntilLater(context, `${uid}/lb-deleting`);
    }
    deletions.delete(uid!);
    store.change(type, namespace, name, (next) => {
      if (next.status?.loadBalancer) next.status = { ...next.status, loadBalancer: {} };
      next.metadata.finalizers = next.metadata.finalizers?.filter((f) => f !== finalizer);
    });
    return;
  }
  if (!hasFinalizer(object, finalizer)) {
    store.change(type, namespace, name, (next) => {
      next.metadata.finalizers = [...(next.metadata.finalizers ?? []), finalizer];
    });
  }
  if (hostnameOf(object) || !context.deadlines.passed(`${uid}/lb`, 'loadBalancerMs', context.now)) return;
  if (context.hooks.loadBalancerGate && !context.hooks.loadBalancerGate('provision', event)) return heldUntilLater(context, `${uid}/lb-held`);
  // Without a hook, no ELBv2: the names alone, and the DNS name ELBv2 would give.
  const hostname = context.hooks.onLoadBalancer?.(event) ?? new PlayedLoadBalancers(context.cluster, context.region).provision(object);
  store.change(type, namespace, name, (next) => {
    next.status = { ...next.status, loadBalancer: { ingress: [{ hostname }] } };
  });
}
