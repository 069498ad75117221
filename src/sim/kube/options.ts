import type { KubeObject } from './objects';

/** How long the simulated cluster's controllers take, in simulated milliseconds (divided by `speedup`). */
export interface SimKubeLatencies {
  /** A new node turns Ready (kubelet up, CNI ready). @default 30000 */
  nodeReadyMs: number;
  /** A scheduled pod turns Ready (image pulled, container started, readiness probe passed). @default 60000 */
  podReadyMs: number;
  /** The AWS Load Balancer Controller's NLB (or ALB) is provisioned and its DNS name published. @default 270000 */
  loadBalancerMs: number;
  /** The controller deletes the load balancer and releases its finalizer. @default 20000 */
  loadBalancerDeleteMs: number;
  /** The HPA controller's sync period: how soon an HPA shows metrics. @default 15000 */
  hpaSyncMs: number;
  /** cluster-autoscaler's loop: how often its status ConfigMap is rewritten. @default 10000 */
  autoscalerLoopMs: number;
  /** A CRD is Established after creation. @default 1000 */
  crdEstablishMs: number;
  /**
   * After EKS says ACTIVE, how long the API server's /readyz still fails: ACTIVE does not mean
   * the API is usable, which is why eksctl waits for 6 answers 20 s apart (catalog entry 12;
   * the length here is an assumption, not a published figure). @default 30000
   */
  apiServerReadyMs: number;
}

export type SimKubeLatency = keyof SimKubeLatencies;

export const defaultLatencies: SimKubeLatencies = {
  nodeReadyMs: 30_000,
  podReadyMs: 60_000,
  loadBalancerMs: 270_000,
  loadBalancerDeleteMs: 20_000,
  hpaSyncMs: 15_000,
  autoscalerLoopMs: 10_000,
  crdEstablishMs: 1_000,
  apiServerReadyMs: 30_000,
};

/** A Service (or Ingress) the Load Balancer Controller made a load balancer for. */
export interface LoadBalancedObject {
  cluster: string;
  region: string;
  object: KubeObject;
}

export interface SimKubeOptions {
  /** The region of the view `startSimKube` returns, and of clusters added without one. @default 'us-east-1' */
  region?: string;
  /** Simulated time runs this many times faster than real time. @default 1 */
  speedup?: number;
  /** Source of randomness in [0, 1), for names and measured values; pass a seeded one for repeatable runs. @default Math.random */
  random?: () => number;
  /** Fixed latencies; each defaults to {@link defaultLatencies}. */
  latencies?: Partial<SimKubeLatencies>;
  /**
   * Draws one latency (simulated ms) from its default: the place for a seeded distribution
   * fitted to published figures. @default the fixed value
   */
  sample?: (latency: SimKubeLatency, ms: number) => number;
  /** Called when a load balancer is ready; returns its DNS name (the simulated ELBv2 may record it). @default a name shaped like AWS's */
  onLoadBalancer?: (created: LoadBalancedObject) => string | undefined;
  /**
   * Called when the controller deletes a load balancer; the object's finalizer is released only
   * once the returned promise has resolved (a rejection is tried again), as the controller
   * deletes its NLB and target groups before it removes `service.k8s.aws/resources`.
   */
  onLoadBalancerDeleted?: (deleted: LoadBalancedObject) => Promise<void> | void;
  /**
   * Whether the played Load Balancer Controller may take a step now: `provision` publishes the
   * load balancer, `deprovision` deletes it and releases the finalizer. `false` holds the step;
   * it is asked again every simulated second. For tests that must observe the state before a
   * step, whatever the machine's speed. @default every step at once
   */
  loadBalancerGate?: (step: 'provision' | 'deprovision', object: LoadBalancedObject) => boolean;
  /**
   * Called when cluster-autoscaler decides a node group must grow for pending pods, with the
   * desired size it sets (never past the group's max); the simulated EKS raises the group's
   * desired size and calls `setNodegroup`. Without it the simulated cluster adds the nodes itself.
   */
  onScaleUp?: (request: { cluster: string; region: string; nodegroup: string; desiredSize: number }) => void;
}

/** Options with their defaults, and simulated durations turned into real ones. */
export class SimTiming {
  readonly speedup: number;
  readonly random: () => number;
  private readonly latencies: SimKubeLatencies;
  private readonly sample: (latency: SimKubeLatency, ms: number) => number;

  constructor(options: SimKubeOptions) {
    this.speedup = options.speedup ?? 1;
    if (!(this.speedup > 0)) throw new Error(`speedup must be positive, not ${this.speedup}`);
    this.random = options.random ?? Math.random;
    this.latencies = { ...defaultLatencies, ...options.latencies };
    this.sample = options.sample ?? ((_latency, ms) => ms);
  }

  /** One draw of `latency`, in real milliseconds. */
  delay(latency: SimKubeLatency): number {
    return Math.max(0, this.sample(latency, this.latencies[latency])) / this.speedup;
  }

  /** A simulated duration in real milliseconds. */
  real(simulatedMs: number): number {
    return simulatedMs / this.speedup;
  }
}
