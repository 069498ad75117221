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
      // The chart makes the webhook's certificate and its MutatingWebhookConfiguration, so
      // helm owns them and `helm uninstall` removes them; the controller registering itself
      // would leave a webhook behind that points at nothing.
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
