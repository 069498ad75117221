import type { KubeAccess } from '../../activities/nodes-ready';
import type { FargateProfileShape, NodegroupShape } from './controllers/context';
import { startKubeHttpServer } from './http-server';
import { simKubeAccess } from './kube-access';
import { SimTiming, type SimKubeOptions } from './options';
import { SimCluster, type SimClusterSpec } from './sim-cluster';

export type { FargateProfileShape, NodegroupShape } from './controllers/context';
export type { LoadBalancedObject, SimKubeLatencies, SimKubeLatency, SimKubeOptions } from './options';
export { SimCluster, type SimClusterSpec } from './sim-cluster';

/** Simulated EKS clusters' Kubernetes side: one apiserver on loopback for all of them. */
export interface SimKube {
  /** The apiserver's base URL; a cluster's API is at `<url>/clusters/<name>`. */
  readonly url: string;
  readonly timing: SimTiming;
  /** Activities' access to the clusters, as `eksTokenAccess` gives it for real ones. */
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
  close(): Promise<void>;
}

export async function startSimKube(options: SimKubeOptions = {}): Promise<SimKube> {
  const timing = new SimTiming(options);
  const clusters = new Map<string, SimCluster>();
  const server = await startKubeHttpServer((name) => clusters.get(name));
  const existing = (name: string) => {
    const cluster = clusters.get(name);
    if (!cluster) throw new Error(`no simulated cluster ${name}`);
    return cluster;
  };
  return {
    url: server.url,
    timing,
    access: simKubeAccess(server.url, (name) => clusters.get(name)),
    addCluster(name, spec = {}) {
      let cluster = clusters.get(name);
      if (!cluster) clusters.set(name, (cluster = new SimCluster(name, spec, timing, options)));
      return cluster;
    },
    removeCluster(name) {
      clusters.get(name)?.close();
      clusters.delete(name);
    },
    cluster: (name) => clusters.get(name),
    setNodegroup: (cluster, group, shape) => existing(cluster).setNodegroup(group, shape),
    removeNodegroup: (cluster, group) => existing(cluster).removeNodegroup(group),
    setFargateProfiles: (cluster, profiles) => existing(cluster).setFargateProfiles(profiles),
    async close() {
      for (const cluster of clusters.values()) cluster.close();
      clusters.clear();
      await server.close();
    },
  };
}
