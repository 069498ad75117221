import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { Config } from '../config';
import { awsActivityDeps } from '../activities/aws/clients';
import { eksTokenAccess, kubeconfigAccess } from '../activities/kube-access';
import type { KubeAccess } from '../activities/nodes-ready';

/**
 * How the API reaches an environment's cluster, for the one call that must not go through a
 * run (a dashboard token would otherwise be kept in its history): as the worker does, with the
 * API's own AWS credentials, or from a kubeconfig. On the simulated cloud the clusters live in
 * the worker's process: `npm start` hands its own in; a stand-alone API has none.
 */
export function clusterAccessFor(config: Config): KubeAccess | undefined {
  if (config.EKSFLOW_CLOUD !== 'aws') return undefined;
  if (config.KUBE_ACCESS === 'kubeconfig') return kubeconfigAccess();
  const { eks } = awsActivityDeps({ region: config.AWS_REGION, ...(config.AWS_ENDPOINT_URL ? { endpoint: config.AWS_ENDPOINT_URL } : {}) });
  return eksTokenAccess(eks, { region: config.AWS_REGION, credentials: defaultProvider() });
}
