import { KubeConfig } from '@kubernetes/client-node';
import type { KubeAccess } from './nodes-ready';

/**
 * Cluster access from a kubeconfig (KUBECONFIG or ~/.kube/config): the context named after
 * the cluster if there is one (as `aws eks update-kubeconfig --alias` makes), else the
 * current context. Tests pass the test bed's file. In-process EKS tokens come later.
 */
export function kubeconfigAccess(file?: string): KubeAccess {
  return {
    async forCluster(cluster) {
      const config = new KubeConfig();
      if (file) config.loadFromFile(file);
      else config.loadFromDefault();
      if (config.getContextObject(cluster)) config.setCurrentContext(cluster);
      return config;
    },
  };
}
