import { KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import type { KubeAccess } from '../../activities/nodes-ready';
import { errorTypes } from '../../domain/errors';
import type { SimCluster } from './sim-cluster';

/**
 * KubeAccess for simulated clusters: a kubeconfig pointing at the simulated apiserver, with
 * the cluster's token. A cluster that is not registered fails as EKS access does for a
 * cluster without an endpoint yet.
 */
export function simKubeAccess(url: string, clusterNamed: (name: string) => SimCluster | undefined): KubeAccess {
  return {
    async forCluster(name) {
      const cluster = clusterNamed(name);
      if (!cluster) throw ApplicationFailure.retryable(`cluster ${name} has no endpoint yet (not found)`, errorTypes.awsRetryable);
      const config = new KubeConfig();
      config.loadFromOptions({
        // Plain HTTP on loopback: the client allows it only with skipTLSVerify.
        clusters: [{ name, server: `${url}/clusters/${encodeURIComponent(name)}`, skipTLSVerify: true }],
        users: [{ name: 'eksflow', token: cluster.token }],
        contexts: [{ name, cluster: name, user: 'eksflow' }],
        currentContext: name,
      });
      return config;
    },
  };
}
