import { addonCatalog, type ReadinessGate } from '../../../domain/addon-catalog';
import type { AddonName } from '../../../domain/environment-spec';
import { defaultKubernetesVersion } from '../../../domain/environment-spec';

/**
 * The Deployments whose availability switches a simulated controller on, named by the add-on
 * catalog's own readiness gates so the two cannot drift apart.
 */
function deploymentGate(addon: AddonName): { namespace: string; name: string } {
  const gate = addonCatalog.get(addon)?.resolve({}, defaultKubernetesVersion).readiness
    .find((g): g is Extract<ReadinessGate, { kind: 'deployment-available' }> => g.kind === 'deployment-available');
  if (!gate) throw new Error(`the add-on catalog names no Deployment for ${addon}`);
  return { namespace: gate.namespace, name: gate.name };
}

/** The AWS Load Balancer Controller: load balancers are made only while it runs. */
export const loadBalancerController = deploymentGate('aws-load-balancer-controller');

/** cluster-autoscaler: its status report and scale-ups exist only while it runs. */
export const clusterAutoscaler = deploymentGate('cluster-autoscaler');

/** The aggregated metrics API the HPA controller reads, which metrics-server serves. */
export const metricsApiService = 'v1beta1.metrics.k8s.io';
