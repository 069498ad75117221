import type { KubeAccess } from '../../activities/nodes-ready';
import type { FargateProfileShape, NodegroupShape } from './controllers/context';
import { startKubeHttpServer } from './http-server';
import { simKubeAccess } from './kube-access';
import { SimTiming, type SimKubeOptions } from './options';
import { SimCluster, type SimClusterSpec } from './sim-cluster';

export type { FargateProfileShape, NodegroupShape } from './controllers/context';
export type { LoadBalancedObject, SimKubeLatencies, SimKubeLatency, SimKubeOptions } from './options';
export { SimCluster, type SimClusterSpec } from './sim-cluster';

/**
 * Simulated EKS clusters' Kubernetes side: one apiserver on loopback for all of them. A
 * cluster's name is unique in its region only, as EKS's are: each region has a view of its
 * own (`region`), the one `startSimKube` gives being its home region's.
 */
export interface SimKube {
  /** The region whose clusters this view adds, finds and serves. */
  readonly region: string;
  /** This region's base URL; a cluster's API is at `<url>/clusters/<name>`. */
  readonly url: string;
  readonly timing: SimTiming;
  /** Activities' access to this region's clusters, as `eksTokenAccess` gives it for real ones. */
  readonly access: KubeAccess;
  /** A cluster's API server comes up (EKS: the cluster turned ACTIVE). Adding one that exists returns it. */
  addCluster(name: string, spec?: SimClusterSpec): SimCluster;
  /** The cluster is gone: its API no longer answers. */
  removeCluster(name: string): void;
  cluster(name: string): SimCluster | undefined;
  /** A node group's size and node shape, as the simulated EKS has it; the cluster must exist. */
  setNodegroup(cluster: string, group: string, shape: NodegroupShape): void;
  removeNodegroup(cluster: string, group: string): void;
  /** The cluster's ACTIVE Fargate profiles, as the simulated EKS has them; the cluster must exist. */
  setFargateProfiles(cluster: string, profiles: FargateProfileShape[]): void;
  /** The same apiserver's view of `region`'s clusters. */
  inRegion(region: string): SimKube;
  /** Stops the apiserver: every region's clusters with it. */
  close(): Promise<void>;
}

export async function startSimKube(options: SimKubeOptions = {}): Promise<SimKube> {
  const timing = new SimTiming(options);
  const home = options.region ?? 'us-east-1';
  // By region, then by name.
  const clusters = new Map<string, Map<string, SimCluster>>();
  const regionOf = (region: string) => {
    let named = clusters.get(region);
    if (!named) clusters.set(region, (named = new Map()));
    return named;
  };
  const server = await startKubeHttpServer((name, region) => clusters.get(region ?? home)?.get(name));
  const views = new Map<string, SimKube>();
  const view = (region: string): SimKube => {
    const known = views.get(region);
    if (known) return known;
    const named = regionOf(region);
    const existing = (name: string) => {
      const cluster = named.get(name);
      if (!cluster) throw new Error(`no simulated cluster ${name} in ${region}`);
      return cluster;
    };
    const url = region === home ? server.url : `${server.url}/regions/${encodeURIComponent(region)}`;
    const made: SimKube = {
      region,
      url,
      timing,
      access: simKubeAccess(url, (name) => named.get(name)),
      addCluster(name, spec = {}) {
        let cluster = named.get(name);
        if (!cluster) named.set(name, (cluster = new SimCluster(name, { ...spec, region: spec.region ?? region }, timing, options)));
        return cluster;
      },
      removeCluster(name) {
        named.get(name)?.close();
        named.delete(name);
      },
      cluster: (name) => named.get(name),
      setNodegroup: (cluster, group, shape) => existing(cluster).setNodegroup(group, shape),
      removeNodegroup: (cluster, group) => existing(cluster).removeNodegroup(group),
      setFargateProfiles: (cluster, profiles) => existing(cluster).setFargateProfiles(profiles),
      inRegion: view,
      close,
    };
    views.set(region, made);
    return made;
  };
  async function close() {
    for (const named of clusters.values()) {
      for (const cluster of named.values()) cluster.close();
      named.clear();
    }
    await server.close();
  }
  return view(home);
}
