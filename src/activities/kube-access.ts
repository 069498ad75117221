import { KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../domain/errors';
import type { EksApi } from './aws/eks';
import { eksBearerToken, type EksTokenOptions } from './eks-token';
import type { KubeAccess } from './nodes-ready';
import { regionOfCall } from './region-scope';

/**
 * Cluster access the way EKS intends: endpoint and CA from DescribeCluster, and a fresh
 * in-process bearer token per call, so no kubeconfig or aws CLI is needed on the worker.
 */
export function eksTokenAccess(eks: EksApi, token: EksTokenOptions): KubeAccess {
  return {
    async forCluster(cluster) {
      const described = await eks.describeCluster(cluster);
      if (!described?.endpoint || !described.certificateAuthority) {
        throw ApplicationFailure.retryable(`cluster ${cluster} has no endpoint yet (${described?.status ?? 'not found'})`, errorTypes.awsRetryable);
      }
      const config = new KubeConfig();
      config.loadFromOptions({
        clusters: [{ name: cluster, server: described.endpoint, caData: described.certificateAuthority, skipTLSVerify: false }],
        // Signed for the cluster's region: the activity's (its environment's), else the worker's.
        users: [{ name: 'eksflow', token: await eksBearerToken(cluster, { ...token, region: regionOfCall(token.region) }) }],
        contexts: [{ name: cluster, cluster, user: 'eksflow' }],
        currentContext: cluster,
      });
      return config;
    },
  };
}

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
