import type { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import { nodegroupLabel } from '../../src/activities/nodegroups';
import type { KubeAccess } from '../../src/activities/nodes-ready';
import { startSimKube } from '../../src/sim/kube';
import { kubeControlPlane } from '../support/kube';

/** A Kubernetes API eksflow's activities can be pointed at, with what the contract suite needs around it. */
export interface KubeBackend {
  /** The cluster name the activities are given. */
  cluster: string;
  /** As the worker hands it to the activities. */
  access: KubeAccess;
  /** The same cluster, for the suite's own calls. */
  kubeConfig: KubeConfig;
  /** Every node, in node group {@link contractNodegroup}. */
  nodes: number;
  stop(): Promise<void>;
}

export const contractNodegroup = 'general';
const nodes = 2;

/**
 * The reference: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and KWOK's
 * nodes and pods, as every real-cluster test starts them (test/support/kube.ts).
 */
export async function realKubeBackend(): Promise<KubeBackend> {
  // HPAs looked at every 2 s rather than 15: the suite waits on the HPA controller twice.
  const plane = await kubeControlPlane({ nodes, nodeLabels: { [nodegroupLabel]: contractNodegroup }, hpaSyncSeconds: 2 });
  return { cluster: 'test-bed', access: kubeconfigAccess(plane.kubeconfigPath), kubeConfig: plane.kubeConfig, nodes, stop: () => plane.stop() };
}

/**
 * The simulated apiserver over HTTP, as the sim worker reaches it (`SimKube.access`), 1000×
 * faster than the durations it plays: an HPA sync period is 15 ms.
 */
export async function simulatedKubeBackend(): Promise<KubeBackend> {
  const kube = await startSimKube({ speedup: 1000 });
  const cluster = 'contract';
  kube.addCluster(cluster);
  kube.setNodegroup(cluster, contractNodegroup, { desiredSize: nodes });
  return { cluster, access: kube.access, kubeConfig: await kube.access.forCluster(cluster), nodes, stop: () => kube.close() };
}
