import type { ActivityDeps } from '../activities';
import type { HelmApi } from '../activities/helm';
import { delegating, perRegion } from '../activities/region-scope';
import { SimulatedAws, type SimulatedAwsOptions } from './aws';
import type { ClusterCompute } from './aws/eks';
import { scaledClock } from './clock';
import { applyObjects, createSimHelm, inInstallOrder, managedAddonObjects } from './helm';
import { simulatedImageCopier } from './image-copier';
import { simulatedImageBuilder } from './image-builder';
import { startSimKube, type SimKube } from './kube';
import { PlayedLoadBalancers } from './kube/controllers/load-balancers';
import { seededRandom } from './random';
import { nodeJoinOf } from './node-join';

export interface SimulatedCloudOptions {
  /** Simulated time runs this many times faster than AWS. @default 20 */
  speedup?: number;
  /** The same seed draws the same latencies, IDs and faults. @default 1 */
  seed?: string | number;
  /** The region of `aws` and `kube`, and of activities that run for no region. Others are made on first use. @default 'us-east-1' */
  region?: string;
  /** Throttling, 5xx and failing steps, for the AWS side. */
  faults?: SimulatedAwsOptions['faults'];
  /** IAM propagation and EKS name-release windows (aws-fault-catalog 1, 2, 3, 6, 14). @default false */
  propagation?: boolean;
  /** How often (real ms) the Kubernetes side catches up with EKS's node groups and add-ons. @default 20 */
  syncMs?: number;
  /** Where the API keeps uploaded build contexts (EKSFLOW_BUILD_CONTEXT_DIR), for image.build. @default none: builds are refused */
  buildContextDir?: string;
  /** A cluster's API server endpoint and CA as EKS describes them, where a real API server stands in for the cluster's. @default made-up ones */
  endpointOf?: SimulatedAwsOptions['endpointOf'];
}

/** One region of the simulated cloud: its AWS services (IAM being the account's) and its clusters' Kubernetes. */
export interface SimulatedRegion {
  readonly aws: SimulatedAws;
  readonly kube: SimKube;
}

export interface SimulatedCloud {
  /** The home region's AWS (`options.region`'s). */
  readonly aws: SimulatedAws;
  /** The home region's clusters. */
  readonly kube: SimKube;
  readonly speedup: number;
  /**
   * What the worker's activities are built from: the same interfaces the real clients sit
   * behind, each reaching the region of the activity's environment (src/activities/region-scope.ts)
   * as the real clients do, the home region for an activity that names none.
   */
  readonly deps: ActivityDeps;
  /** Another region of the same account, made on first use: any AWS region name. */
  region(name: string): SimulatedRegion;
  close(): Promise<void>;
}

/**
 * The whole simulated cloud: AWS and each cluster's Kubernetes, kept in step the way EKS keeps
 * them. A cluster's API server answers once EKS says ACTIVE; node groups bring their nodes;
 * a managed add-on's workloads appear once it is ACTIVE; Fargate runs the pods its ACTIVE
 * profiles select; the Load Balancer Controller's NLBs
 * are ELBv2 load balancers (so a teardown's sweep finds any it leaves); cluster-autoscaler
 * grows a group through EKS.
 *
 * One account over any number of regions, as AWS is: IAM is global, each region has its own
 * EKS, EC2, ECR, ELBv2 and CloudWatch Logs and its own clusters (a name may be used in two
 * regions), and one clock drives them all.
 */
export async function startSimulatedCloud(options: SimulatedCloudOptions = {}): Promise<SimulatedCloud> {
  const speedup = options.speedup ?? 20;
  const seed = options.seed ?? 1;
  const aws = new SimulatedAws({ seed, clock: scaledClock({ speedup }), ...(options.region ? { region: options.region } : {}), ...(options.faults ? { faults: options.faults } : {}), propagation: options.propagation ?? false, ...(options.endpointOf ? { endpointOf: options.endpointOf } : {}) });
  // One played Load Balancer Controller per cluster, making its NLBs and target groups in the
  // simulated ELBv2 by the controller's own names and tags (src/sim/kube/controllers/load-balancers.ts),
  // so a teardown's sweep finds any it leaves.
  const controllers = new Map<string, PlayedLoadBalancers>();
  const played = (region: string, cluster: string) => {
    const key = `${region}/${cluster}`;
    let controller = controllers.get(key);
    if (!controller) controllers.set(key, (controller = new PlayedLoadBalancers(cluster, region, aws.forRegion(region).network)));
    return controller;
  };
  const kube = await startSimKube({
    speedup,
    region: aws.region,
    random: seededRandom(`${seed}/kube`),
    onLoadBalancer: ({ cluster, region, object }) => played(region, cluster).provision(object),
    onLoadBalancerDeleted: ({ cluster, region, object }) => played(region, cluster).deprovision(object),
    onScaleUp({ cluster, region, nodegroup, desiredSize }) {
      // cluster-autoscaler's SetDesiredCapacity on the group's Auto Scaling group, which EKS reflects in the node group.
      const eks = aws.forRegion(region).eks;
      const group = eks.compute(cluster)?.nodegroups.find((g) => g.name === nodegroup);
      const current = group && eks.state.nodegroup(cluster, nodegroup).scaling;
      if (!current || desiredSize <= current.desiredSize) return;
      void eks.updateNodegroupScaling(cluster, nodegroup, { ...current, desiredSize: Math.min(desiredSize, current.maxSize) }, `cluster-autoscaler-${Date.now()}`).catch(() => undefined);
    },
  });

  type Seen = { nodegroups: Map<string, string>; addons: Set<string>; fargate?: string; autoScalingGroups?: Map<string, string> };
  // What each region's Kubernetes side has been told, by cluster name, so each change is passed on once.
  const known = new Map<string, Map<string, Seen>>();
  const sync = () => {
    // Every region the account has, whoever made it: an activity, a test, the copier.
    for (const regional of aws.regions()) syncRegion(regional, kube.inRegion(regional.region));
  };
  const syncRegion = (regional: SimulatedAws, regionKube: SimKube) => {
    let told = known.get(regional.region);
    if (!told) known.set(regional.region, (told = new Map()));
    for (const name of [...regional.eks.state.clusters.keys(), ...told.keys()]) {
      const compute = regional.eks.compute(name);
      const active = compute && (compute.status === 'ACTIVE' || compute.status === 'UPDATING');
      let seen = told.get(name);
      if (!active) {
        if (seen && !compute) {
          regionKube.removeCluster(name);
          told.delete(name);
        }
        continue;
      }
      if (!seen) {
        regionKube.addCluster(name, { region: regional.region, kubernetesVersion: regional.eks.state.cluster(name).version, ...(compute.autoMode ? { autoMode: compute.autoMode } : {}) });
        told.set(name, (seen = { nodegroups: new Map(), addons: new Set() }));
      }
      passOnCompute(regionKube, name, compute, seen);
      passOnSelfManagedNodes(regional, regionKube, name, seen);
    }
  };
  // Self-managed nodes: each Auto Scaling group's InService instances whose user data joins this
  // cluster become its nodes, with the labels, taints and OS their bootstrap registers.
  const passOnSelfManagedNodes = (regional: SimulatedAws, kube: SimKube, cluster: string, seen: Seen) => {
    const told = (seen.autoScalingGroups ??= new Map());
    const joining = new Set<string>();
    for (const group of regional.autoscaling.nodes()) {
      const join = nodeJoinOf(group.launchTemplate.userData);
      if (!join || join.cluster !== cluster) continue;
      joining.add(group.group);
      const os = group.image?.os ?? join.os;
      const shape = JSON.stringify([group.inService, group.minSize, group.maxSize, join.labels, join.taints, os]);
      if (told.get(group.group) === shape) continue;
      told.set(group.group, shape);
      kube.setNodegroup(cluster, group.group, {
        desiredSize: group.inService, minSize: group.minSize, maxSize: group.maxSize, labels: join.labels, taints: join.taints, asgTags: group.tags,
        instanceType: group.launchTemplate.instanceType, selfManaged: true, os, ...(group.image ? { arch: group.image.arch } : {}),
      });
    }
    for (const name of [...told.keys()]) {
      if (joining.has(name)) continue;
      kube.removeNodegroup(cluster, name);
      told.delete(name);
    }
  };
  const passOnCompute = (kube: SimKube, cluster: string, compute: ClusterCompute, seen: Seen) => {
    // Fargate takes the pods its ACTIVE profiles select from then on.
    const profiles = compute.fargateProfiles.filter((p) => p.status === 'ACTIVE').map((p) => ({ name: p.name, selectors: p.selectors }));
    const fargate = JSON.stringify(profiles);
    if (seen.fargate !== fargate) {
      seen.fargate = fargate;
      kube.setFargateProfiles(cluster, profiles);
    }
    for (const group of compute.nodegroups) {
      // A group has nodes while it exists and is not being created or deleted.
      const desired = group.status === 'ACTIVE' || group.status === 'UPDATING' || group.status === 'DEGRADED' ? group.desiredSize : 0;
      const shape = JSON.stringify([desired, group.minSize, group.maxSize, group.labels, group.capacityType, group.taints]);
      if (seen.nodegroups.get(group.name) === shape) continue;
      seen.nodegroups.set(group.name, shape);
      kube.setNodegroup(cluster, group.name, {
        desiredSize: desired, minSize: group.minSize, maxSize: group.maxSize, labels: group.labels, capacityType: group.capacityType === 'SPOT' ? 'SPOT' : 'ON_DEMAND',
        ...(group.instanceTypes[0] ? { instanceType: group.instanceTypes[0] } : {}),
        taints: group.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: kubernetesEffect(t.effect) })),
      });
    }
    for (const name of [...seen.nodegroups.keys()]) {
      if (compute.nodegroups.some((g) => g.name === name)) continue;
      kube.removeNodegroup(cluster, name);
      seen.nodegroups.delete(name);
    }
    for (const addon of compute.addons) {
      if (addon.status !== 'ACTIVE' && addon.status !== 'CREATING' && addon.status !== 'DEGRADED') continue;
      if (seen.addons.has(addon.name)) continue;
      const store = kube.cluster(cluster)?.store;
      if (!store) continue;
      // EKS deploys a managed add-on's workloads, namespace and all, as soon as it accepts it;
      // they become ready with the nodes.
      const objects = managedAddonObjects(addon.name, addon.version);
      const namespaces = [...new Set(objects.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : [])))];
      applyObjects(store, [...namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })), ...inInstallOrder(objects)], [], 'eks');
      seen.addons.add(addon.name);
    }
  };
  const timer = setInterval(() => {
    try {
      sync();
    } catch (error) {
      // The next tick tries again; a simulation must not take the worker down with it.
      process.emitWarning(`simulated cloud: ${(error as Error).message}`);
    }
  }, options.syncMs ?? 20);
  timer.unref();

  const region = (name: string): SimulatedRegion => ({ aws: aws.forRegion(name), kube: kube.inRegion(name) });
  // Made once per region and kept, as the SDK clients are: each activity reaches its own region's.
  const current = perRegion(aws.region, (name) => {
    const regional = region(name);
    return { ...regional.aws.apis(), kube: regional.kube.access, helm: createSimHelm(regional.kube) };
  });
  const deps: ActivityDeps = {
    eks: delegating(() => current().eks), iam: delegating(() => current().iam), ecr: delegating(() => current().ecr),
    network: delegating(() => current().network), vpc: delegating(() => current().vpc), logs: delegating(() => current().logs),
    selfManagedNodes: delegating(() => current().selfManagedNodes!),
    nodeLaunch: delegating(() => current().nodeLaunch),
    kms: delegating(() => current().kms!),
    kube: delegating(() => current().kube),
    karpenter: delegating(() => current().karpenter!),
    sts: delegating(() => current().sts!),
    // The run's pre-flight looks the spec's own IDs and ARNs up here as the worker does on AWS.
    givenResources: delegating(() => current().givenResources!),
    // The copier finds the region in the registry's host name.
    copier: simulatedImageCopier(aws),
    // image.build: contexts read from the same upload store the API writes (npm start runs both).
    builder: simulatedImageBuilder(aws),
    ...(options.buildContextDir ? { buildContextDir: options.buildContextDir } : {}),
    helm: delegating<HelmApi>(() => current().helm),
    timeScale: speedup,
  };
  return {
    aws, kube, speedup, deps, region,
    async close() {
      clearInterval(timer);
      await kube.close();
    },
  };
}

const kubernetesEffect = (effect: string): 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' =>
  effect === 'NO_EXECUTE' ? 'NoExecute' : effect === 'PREFER_NO_SCHEDULE' ? 'PreferNoSchedule' : 'NoSchedule';
