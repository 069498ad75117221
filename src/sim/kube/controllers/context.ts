import type { ObjectStore } from '../object-store';
import type { KubeObject } from '../objects';
import type { SimKubeLatency, SimKubeOptions, SimTiming } from '../options';
import type { ResourceType } from '../resource-types';

/** A node group as the simulated EKS told the cluster about it. */
export interface NodegroupShape {
  desiredSize: number;
  /** The group's scaling bounds, which cluster-autoscaler keeps to. @default 0 and unbounded */
  minSize?: number;
  maxSize?: number;
  /**
   * The tags on the group's Auto Scaling group, which cluster-autoscaler discovers groups by.
   * @default the auto-discovery tags EKS puts on every managed node group's Auto Scaling group
   */
  asgTags?: Record<string, string>;
  /** Labels on every node, beside the EKS ones. */
  labels?: Record<string, string>;
  capacityType?: 'ON_DEMAND' | 'SPOT';
  instanceType?: string;
  /** What each node offers the scheduler. @default t3.large's: cpu 1930m, memory 7220Mi, 35 pods */
  allocatable?: { cpu: string; memory: string; pods?: string };
  taints?: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  /**
   * A self-managed group's nodes (an Auto Scaling group's instances): they carry only the labels
   * their kubelet registers (no eks.amazonaws.com ones), and the cloud tells them by
   * `selfManagedNodeAnnotation`. @default false: an EKS managed group's
   */
  selfManaged?: boolean;
  /** The nodes' OS and architecture, from their AMI. @default linux, amd64 */
  os?: 'linux' | 'windows';
  arch?: 'amd64' | 'arm64';
}

/** Which Auto Scaling group's instance a self-managed node is: the simulated cloud's bookkeeping (a real cloud provider knows it from the providerID). */
export const selfManagedNodeAnnotation = 'sim.eksflow.io/autoscaling-group';

/** An ACTIVE Fargate profile as the simulated EKS told the cluster about it: which pods it takes. */
export interface FargateProfileShape {
  name: string;
  selectors: { namespace: string; labels?: Record<string, string> }[];
}

/**
 * When something becomes due, in real milliseconds: each key starts its clock the first time
 * it is asked about, and asks for a reconcile at the moment it will have passed.
 */
export class Deadlines {
  private readonly times = new Map<string, number>();

  constructor(private readonly timing: SimTiming, private readonly due: (at: number) => void) {}

  passed(key: string, latency: SimKubeLatency, now: number): boolean {
    let at = this.times.get(key);
    if (at === undefined) {
      at = now + this.timing.delay(latency);
      this.times.set(key, at);
    }
    if (now >= at) return true;
    this.due(at);
    return false;
  }

  /** A clock of `ms` simulated milliseconds from when `key` was first asked about. */
  passedAfter(key: string, simulatedMs: number, now: number): boolean {
    let at = this.times.get(key);
    if (at === undefined) {
      at = now + this.timing.real(simulatedMs);
      this.times.set(key, at);
    }
    if (now >= at) return true;
    this.due(at);
    return false;
  }

  forget(key: string): void {
    this.times.delete(key);
  }

  /** Forgets the clocks of objects that are gone: keys start with their object's uid, or with @ for the cluster's own. */
  sweep(alive: ReadonlySet<string>): void {
    for (const key of this.times.keys()) if (!key.startsWith('@') && !alive.has(key.split('/')[0]!)) this.times.delete(key);
  }
}

/** The built-in types the controllers use, looked up once. */
export interface CoreTypes {
  namespace: ResourceType;
  node: ResourceType;
  pod: ResourceType;
  service: ResourceType;
  serviceAccount: ResourceType;
  configMap: ResourceType;
  event: ResourceType;
  deployment: ResourceType;
  daemonSet: ResourceType;
  endpointSlice: ResourceType;
  hpa: ResourceType;
  apiService: ResourceType;
  crd: ResourceType;
  ingress: ResourceType;
  pdb: ResourceType;
}

export function coreTypes(store: ObjectStore): CoreTypes {
  return {
    namespace: store.typeOf('Namespace'),
    node: store.typeOf('Node'),
    pod: store.typeOf('Pod'),
    service: store.typeOf('Service'),
    serviceAccount: store.typeOf('ServiceAccount'),
    configMap: store.typeOf('ConfigMap'),
    event: store.typeOf('Event'),
    deployment: store.typeOf('Deployment', 'apps'),
    daemonSet: store.typeOf('DaemonSet', 'apps'),
    endpointSlice: store.typeOf('EndpointSlice', 'discovery.k8s.io'),
    hpa: store.typeOf('HorizontalPodAutoscaler', 'autoscaling'),
    apiService: store.typeOf('APIService', 'apiregistration.k8s.io'),
    crd: store.typeOf('CustomResourceDefinition', 'apiextensions.k8s.io'),
    ingress: store.typeOf('Ingress', 'networking.k8s.io'),
    pdb: store.typeOf('PodDisruptionBudget', 'policy'),
  };
}

/** What one reconcile pass of one cluster gives each controller. */
export interface ControllerContext {
  cluster: string;
  region: string;
  store: ObjectStore;
  types: CoreTypes;
  timing: SimTiming;
  /** Date.now() when the pass began. */
  now: number;
  deadlines: Deadlines;
  hooks: Pick<SimKubeOptions, 'onLoadBalancer' | 'onLoadBalancerDeleted' | 'loadBalancerGate' | 'onScaleUp'>;
  nodegroups: ReadonlyMap<string, NodegroupShape>;
  /** EKS Auto Mode's built-in node pools, on an Auto Mode cluster. */
  autoMode?: { nodePools: readonly string[] };
  /** The cluster's ACTIVE Fargate profiles. */
  fargateProfiles: readonly FargateProfileShape[];
  /** Grows a node group by itself, when no simulated EKS listens for scale-ups. */
  setDesiredSize(group: string, desiredSize: number): void;
  /** Values a controller keeps between passes (a pod IP counter, a measured utilization). */
  memo: Map<string, unknown>;
}

export type Controller = (context: ControllerContext) => void;

export const isDeleting = (object: KubeObject) => Boolean(object.metadata.deletionTimestamp);
