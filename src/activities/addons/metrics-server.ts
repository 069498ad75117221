import type { AddonFactory } from './addon-module';
import { eksManagedAddon } from './eks-addon';
import { helmAddon } from './helm-addon';

/** The chart values eksflow sets for metrics-server; the chart's defaults stand for the rest. */
export interface MetricsServerValues {
  /** The port metrics-server serves on (its --secure-port and containerPort). */
  containerPort: number;
}

/**
 * The release's values. Only the port differs from the chart: 10250 is the kubelet's port,
 * which Fargate reserves, so a pod asking for it there never serves; the EKS managed add-on
 * uses 10251 for the same reason, and both install methods should behave alike. Nothing else
 * is needed on EKS: nodes report an InternalIP, which the chart's default
 * `--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname` tries first, and EKS
 * kubelets serve certificates the cluster CA signed, so `--kubelet-insecure-tls` (which many
 * guides add for kind or minikube) would only throw verification away.
 */
export function metricsServerValues(): MetricsServerValues {
  return { containerPort: 10251 };
}

const metricsServerChart = helmAddon({ values: () => ({ ...metricsServerValues() }) });

/** metrics-server as the catalog resolved it: its Helm chart, or the EKS managed (community) add-on. */
export const metricsServer: AddonFactory = (tools, addon) =>
  addon.install.method === 'eks-addon' ? eksManagedAddon(tools, addon) : metricsServerChart(tools, addon);
