import { CoreV1Api, PatchStrategy, setHeaderOptions, type V1Service } from '@kubernetes/client-node';
import { nextServiceStep, PlayedLoadBalancers, serviceFinalizer, type PlayedElbv2, type ServiceStep } from '../../src/sim/kube/controllers/load-balancers';
import type { KubeObject } from '../../src/sim/kube/objects';
import type { KubeControlPlane } from './kube';

export interface PlayedLoadBalancerControllerOptions {
  /** The controller's `--cluster-name`, which its NLB and target group names hash. @default 'test' */
  cluster?: string;
  /** @default 'us-east-1' */
  region?: string;
  /** Where its NLBs and target groups are made: a simulated ELBv2 (`SimulatedAws#network`). @default none: names only, DNS names made as ELBv2 makes them */
  elbv2?: PlayedElbv2;
  /** Whether a step may be taken now; false holds it until a later look (every `intervalMs`). @default every step at once */
  gate?: (step: Exclude<ServiceStep, 'none'>, service: KubeObject) => boolean;
  /** How often Services are listed. @default 50 */
  intervalMs?: number;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * The AWS Load Balancer Controller's Service reconciler, played beside the test bed's real
 * apiserver: the same rules and ELBv2 side as the simulated cluster's
 * (src/sim/kube/controllers/load-balancers.ts, each with its upstream source), driven by
 * listing Services instead of an informer. The finalizer is added first, the hostname published
 * after the NLB is made; a Service being deleted has its NLB and target groups deleted, its
 * status cleared and only then its finalizer removed. A failed step is tried again on the next
 * look, as the controller requeues. Not played: Ingresses (the ALB), and the chart's webhooks,
 * which the apiserver cannot reach under KWOK (the caller says how it meets them).
 * Returns a stop function that waits for the look in progress.
 */
export function playLoadBalancerController(bed: KubeControlPlane, options: PlayedLoadBalancerControllerOptions = {}): () => Promise<void> {
  const { cluster = 'test', region = 'us-east-1', elbv2, gate, intervalMs = 50 } = options;
  const core = bed.kubeConfig.makeApiClient(CoreV1Api);
  const played = new PlayedLoadBalancers(cluster, region, elbv2);
  let running = true;

  const reconcile = async (live: V1Service) => {
    const service = live as unknown as KubeObject;
    const step = nextServiceStep(service);
    if (step === 'none' || (gate && !gate(step, service))) return;
    const { name, namespace, resourceVersion } = service.metadata;
    const finalizers = service.metadata.finalizers ?? [];
    if (step === 'provision') {
      if (!finalizers.includes(serviceFinalizer)) {
        // resourceVersion makes the patch fail on a Service changed meanwhile: looked at again next time.
        await core.patchNamespacedService({ name, namespace: namespace!, body: { metadata: { resourceVersion, finalizers: [...finalizers, serviceFinalizer] } } }, mergePatch);
      }
      const hostname = played.provision(service);
      await core.patchNamespacedServiceStatus({ name, namespace: namespace!, body: { status: { loadBalancer: { ingress: [{ hostname }] } } } }, mergePatch);
      return;
    }
    await played.deprovision(service);
    await core.patchNamespacedServiceStatus({ name, namespace: namespace!, body: { status: { loadBalancer: { ingress: null } } } }, mergePatch);
    await core.patchNamespacedService({ name, namespace: namespace!, body: { metadata: { finalizers: finalizers.filter((f) => f !== serviceFinalizer) } } }, mergePatch);
  };

  const loop = (async () => {
    while (running) {
      try {
        const services = (await core.listServiceForAllNamespaces()).items;
        await Promise.all(services.map((service) => reconcile(service).catch(() => undefined)));
      } catch {
        // The apiserver not answering now: look again.
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}
