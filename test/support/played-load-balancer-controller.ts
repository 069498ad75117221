import { CoreV1Api, NetworkingV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import {
  ingressFinalizer, nextIngressStep, nextServiceStep, PlayedLoadBalancers, serviceFinalizer, type PlayedElbv2, type ServiceStep,
} from '../../src/sim/kube/controllers/load-balancers';
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
 * The AWS Load Balancer Controller's Service and Ingress reconcilers, played beside the test bed's real
 * apiserver: the same rules and ELBv2 side as the simulated cluster's
 * (src/sim/kube/controllers/load-balancers.ts, each with its upstream source), driven by
 * listing Services instead of an informer. The finalizer is added first, the hostname published
 * after the NLB is made; a Service being deleted has its NLB and target groups deleted, its
 * status cleared and only then its finalizer removed; an ALB Ingress the same under
 * `ingress.k8s.aws/resources`. A failed step is tried again on the next look, as the
 * controller requeues. Not played: the chart's webhooks,
 * which the apiserver cannot reach under KWOK (the caller says how it meets them).
 * Returns a stop function that waits for the look in progress.
 */
export function playLoadBalancerController(bed: KubeControlPlane, options: PlayedLoadBalancerControllerOptions = {}): () => Promise<void> {
  const { cluster = 'test', region = 'us-east-1', elbv2, gate, intervalMs = 50 } = options;
  const core = bed.kubeConfig.makeApiClient(CoreV1Api);
  const played = new PlayedLoadBalancers(cluster, region, elbv2);
  let running = true;

  const networking = bed.kubeConfig.makeApiClient(NetworkingV1Api);
  type Patch = (name: string, namespace: string, body: object) => Promise<unknown>;
  const kinds: { apiVersion: string; kind: string; list: () => Promise<{ items: unknown[] }>; step: (object: KubeObject) => ServiceStep; finalizer: string; patch: Patch; patchStatus: Patch }[] = [
    {
      apiVersion: 'v1', kind: 'Service', list: () => core.listServiceForAllNamespaces(), step: nextServiceStep, finalizer: serviceFinalizer,
      patch: (name, namespace, body) => core.patchNamespacedService({ name, namespace, body }, mergePatch),
      patchStatus: (name, namespace, body) => core.patchNamespacedServiceStatus({ name, namespace, body }, mergePatch),
    },
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', list: () => networking.listIngressForAllNamespaces(), step: nextIngressStep, finalizer: ingressFinalizer,
      patch: (name, namespace, body) => networking.patchNamespacedIngress({ name, namespace, body }, mergePatch),
      patchStatus: (name, namespace, body) => networking.patchNamespacedIngressStatus({ name, namespace, body }, mergePatch),
    },
  ];

  const reconcile = async (object: KubeObject, kind: (typeof kinds)[number]) => {
    const step = kind.step(object);
    if (step === 'none' || (gate && !gate(step, object))) return;
    const { name, namespace = '', resourceVersion } = object.metadata;
    const finalizers = object.metadata.finalizers ?? [];
    if (step === 'provision') {
      if (!finalizers.includes(kind.finalizer)) {
        // resourceVersion makes the patch fail on an object changed meanwhile: looked at again next time.
        await kind.patch(name, namespace, { metadata: { resourceVersion, finalizers: [...finalizers, kind.finalizer] } });
      }
      const hostname = played.provision(object);
      await kind.patchStatus(name, namespace, { status: { loadBalancer: { ingress: [{ hostname }] } } });
      return;
    }
    await played.deprovision(object);
    await kind.patchStatus(name, namespace, { status: { loadBalancer: { ingress: null } } });
    await kind.patch(name, namespace, { metadata: { finalizers: finalizers.filter((f) => f !== kind.finalizer) } });
  };

  const loop = (async () => {
    while (running) {
      try {
        for (const kind of kinds) {
          // List items carry no apiVersion and kind of their own.
          const objects = (await kind.list()).items.map((item) => ({ ...(item as KubeObject), apiVersion: kind.apiVersion, kind: kind.kind }));
          await Promise.all(objects.map((object) => reconcile(object, kind).catch(() => undefined)));
        }
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
