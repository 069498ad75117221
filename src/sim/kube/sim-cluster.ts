import { nodegroupLabel } from '../../activities/nodegroups';
import { webhookAdmission } from './admission';
import { reconcileApiServices, reconcileCustomResourceDefinitions } from './controllers/api-extensions';
import { reconcileClusterAutoscaler } from './controllers/cluster-autoscaler';
import { coreTypes, Deadlines, type Controller, type ControllerContext, type CoreTypes, type FargateProfileShape, type NodegroupShape } from './controllers/context';
import { reconcileDisruptionBudgets } from './controllers/disruption';
import { admitFargatePods, runFargatePods } from './controllers/fargate';
import { reconcileEndpointSlices } from './controllers/endpoint-slices';
import { reconcileHorizontalPodAutoscalers } from './controllers/horizontal-pod-autoscalers';
import { reconcileLoadBalancers } from './controllers/load-balancers';
import { collectGarbage, reconcileNamespaces } from './controllers/namespaces';
import { isMember, reconcileNodes } from './controllers/nodes';
import { reconcileAutoModeNodes } from './controllers/auto-mode';
import { runPods } from './controllers/pods';
import { schedulePods } from './controllers/scheduler';
import { reconcileDaemonSets, reconcileDeployments } from './controllers/workloads';
import { bootstrapEksCluster } from './eks-bootstrap';
import { ObjectStore } from './object-store';
import type { SimKubeOptions, SimTiming } from './options';

export interface SimClusterSpec {
  /** @default us-east-1 */
  region?: string;
  /** @default 1.35 */
  kubernetesVersion?: string;
  /** EKS Auto Mode with these built-in node pools (src/sim/kube/controllers/auto-mode.ts). @default none */
  autoMode?: { nodePools: string[] };
}

// Upstream first: nodes before the pods placed on them, pods before the endpoints and load
// balancers that follow from them.
const controllers: Controller[] = [
  reconcileAutoModeNodes, reconcileNodes, reconcileNamespaces, reconcileCustomResourceDefinitions,
  reconcileDeployments, reconcileDaemonSets, admitFargatePods, runFargatePods, schedulePods, runPods,
  reconcileDisruptionBudgets, reconcileEndpointSlices, reconcileApiServices, reconcileLoadBalancers,
  reconcileHorizontalPodAutoscalers, reconcileClusterAutoscaler,
];
// Passes per reconcile, at most: each pass runs while the one before changed something.
const maxPasses = 8;

/**
 * One simulated EKS cluster: its objects, and the controllers that make them behave, run
 * after every change and whenever a latency they wait on runs out (scaled by the speedup).
 */
export class SimCluster {
  readonly store: ObjectStore;
  /** The bearer token its API server accepts. */
  readonly token: string;
  /** The service-account token issuer, an EKS OIDC issuer URL. */
  readonly issuer: string;
  readonly region: string;
  readonly kubernetesVersion: string;
  /** Until when /readyz fails (catalog entry 12). */
  readonly readyAt: number;
  readonly autoMode: SimClusterSpec['autoMode'];
  private readonly types: CoreTypes;
  private readonly nodegroups = new Map<string, NodegroupShape>();
  private fargateProfiles: FargateProfileShape[] = [];
  private readonly deadlines: Deadlines;
  private readonly memo = new Map<string, unknown>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private queued = false;
  private running = false;
  private closed = false;
  /** The last error a controller threw, for tests and logs; a broken controller never stops the others. */
  lastControllerError: unknown;

  constructor(readonly name: string, spec: SimClusterSpec, private readonly timing: SimTiming, private readonly hooks: SimKubeOptions) {
    this.region = spec.region ?? 'us-east-1';
    this.kubernetesVersion = spec.kubernetesVersion ?? '1.35';
    this.readyAt = Date.now() + timing.delay('apiServerReadyMs');
    this.store = new ObjectStore(timing.random);
    this.token = `k8s-aws-v1.sim-${this.store.uid()}`;
    this.issuer = `https://oidc.eks.${this.region}.amazonaws.com/id/${this.store.uid().replaceAll('-', '').toUpperCase()}`;
    this.types = coreTypes(this.store);
    this.deadlines = new Deadlines(timing, (at) => this.wakeAt(at));
    this.store.admission = webhookAdmission(this.store);
    this.autoMode = spec.autoMode;
    bootstrapEksCluster(this.store, this.types, this.kubernetesVersion, { selfManagedAddons: !spec.autoMode });
    this.store.onChange(() => this.soon());
    this.soon();
  }

  /** The nodes of a node group, as EKS runs them: made, removed, Ready after the node latency. */
  setNodegroup(group: string, shape: NodegroupShape): void {
    this.nodegroups.set(group, { ...shape, desiredSize: Math.max(0, shape.desiredSize) });
    this.soon();
  }

  /** The cluster's ACTIVE Fargate profiles, as EKS has them: pods they select from now on run on Fargate. */
  setFargateProfiles(profiles: FargateProfileShape[]): void {
    this.fargateProfiles = profiles.map((p) => ({ name: p.name, selectors: p.selectors.map((s) => ({ ...s })) }));
    this.soon();
  }

  /** The group is gone, and its nodes with it (EKS terminates them); cluster-autoscaler no longer sees it. */
  removeNodegroup(group: string): void {
    const shape = this.nodegroups.get(group);
    this.nodegroups.delete(group);
    for (const node of this.store.items(this.types.node)) {
      if (shape ? isMember(node, group, shape) : node.metadata.labels?.[nodegroupLabel] === group) this.store.remove(this.types.node, undefined, node.metadata.name);
    }
  }

  /** The node groups the cluster knows, with their sizes. */
  nodegroupShapes(): ReadonlyMap<string, NodegroupShape> {
    return this.nodegroups;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** Runs the controllers until nothing changes, then sleeps until the next latency runs out. */
  reconcile(): void {
    if (this.running || this.closed) return;
    this.running = true;
    let settled = false;
    try {
      for (let pass = 0; pass < maxPasses && !settled; pass += 1) {
        const before = this.store.resourceVersion;
        const context = this.context();
        for (const controller of controllers) {
          try {
            controller(context);
          } catch (error) {
            this.lastControllerError = error;
          }
        }
        this.deadlines.sweep(collectGarbage(context));
        settled = this.store.resourceVersion === before;
      }
    } finally {
      this.running = false;
    }
    if (!settled) this.soon();
  }

  private context(): ControllerContext {
    return {
      cluster: this.name, region: this.region, store: this.store, types: this.types, timing: this.timing, now: Date.now(),
      deadlines: this.deadlines, hooks: this.hooks, nodegroups: this.nodegroups, ...(this.autoMode ? { autoMode: this.autoMode } : {}), fargateProfiles: this.fargateProfiles, memo: this.memo,
      setDesiredSize: (group, desiredSize) => {
        const shape = this.nodegroups.get(group);
        if (shape) this.nodegroups.set(group, { ...shape, desiredSize });
      },
    };
  }

  /** A reconcile after the current turn of the event loop; changes made meanwhile share it. */
  private soon(): void {
    if (this.queued || this.running || this.closed) return;
    this.queued = true;
    // Not unref'd: an unref'd immediate waits until something else wakes the event loop.
    setImmediate(() => {
      this.queued = false;
      this.reconcile();
    });
  }

  private wakeAt(at: number): void {
    if (this.closed || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timerAt = Number.POSITIVE_INFINITY;
      this.reconcile();
    }, Math.max(0, at - Date.now()) + 1);
    this.timer.unref();
  }
}
