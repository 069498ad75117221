import { helmAddon } from './helm-addon';

/**
 * The Vertical Pod Autoscaler from Fairwinds' `vpa` chart: all three components, so a VPA
 * object is not only recommended for (recommender) but acted on, by evicting pods
 * (updater) and setting the requests of the new ones (admission controller's webhook).
 */
export function verticalPodAutoscalerValues(): Record<string, unknown> {
  return {
    recommender: { enabled: true },
    updater: { enabled: true },
    admissionController: {
      enabled: true,
      // The chart makes the MutatingWebhookConfiguration (vpa-webhook-config), so helm owns it
      // and `helm uninstall` removes it; the controller registering itself would leave a
      // webhook behind that points at nothing. The certificate comes from the chart's hook Jobs
      // (kube-webhook-certgen `create` writes the Secret vpa-tls-secret, `patch` sets the
      // webhook's caBundle): that Secret is made through the API, not by helm, so it outlives
      // an uninstall, and a reinstall's `create` finds and reuses it.
      generateCertificate: true,
      registerWebhook: false,
      // While the webhook is down, pods are created with the requests they ask for, rather than refused.
      mutatingWebhookConfiguration: { failurePolicy: 'Ignore' },
    },
    // eksflow's metrics-server add-on (a dependency in the catalog) serves the metrics API, not a second copy.
    'metrics-server': { enabled: false },
  };
}

export const verticalPodAutoscalerAddon = helmAddon({ values: verticalPodAutoscalerValues });
