import { internalError } from './api-errors';
import { mutateServiceOnCreate } from './controllers/load-balancers';
import { isPlainObject, type KubeObject } from './objects';
import type { AdmissionHook, AdmissionReview, ObjectStore } from './object-store';
import { matchesLabelSelector } from './selectors';

/**
 * Admission webhooks as the apiserver calls them, without calling anything: a webhook whose
 * rules match is "reachable" exactly when its Service has a ready endpoint. One that is not,
 * with failurePolicy Fail, refuses the request with the apiserver's own 500, which is what
 * EKS users see while the AWS Load Balancer Controller's pods are starting. A reachable
 * webhook's effect, where it matters to eksflow, is played by a mutator named after it.
 */

interface WebhookClientService {
  name: string;
  namespace: string;
  path?: string;
  port?: number;
}

interface Webhook {
  name: string;
  clientConfig?: { service?: WebhookClientService; url?: string };
  rules?: { apiGroups?: string[]; apiVersions?: string[]; operations?: string[]; resources?: string[] }[];
  failurePolicy?: 'Fail' | 'Ignore';
  namespaceSelector?: unknown;
  objectSelector?: unknown;
  timeoutSeconds?: number;
}

/** The load balancer class the controller's Service mutator sets (and eksflow's app sets itself). */
export { nlbLoadBalancerClass } from './controllers/load-balancers';

const mutators: Record<string, (object: KubeObject) => void> = {
  // The AWS Load Balancer Controller's Service mutator (enableServiceMutatorWebhook), played
  // with its upstream source in controllers/load-balancers.ts. The chart registers it for
  // CREATE only (values.yaml serviceMutatorWebhookConfig.operations), as the rules here say.
  'mservice.elbv2.k8s.aws': mutateServiceOnCreate,
};

const listed = (values: string[] | undefined, value: string) => (values ?? []).some((v) => v === '*' || v === value);

function ruleMatches(webhook: Webhook, review: AdmissionReview): boolean {
  const version = review.object.apiVersion.split('/').at(-1)!;
  return (webhook.rules ?? []).some((rule) => listed(rule.apiGroups, review.type.group) && listed(rule.apiVersions, version)
    && listed(rule.operations, review.operation) && (listed(rule.resources, review.type.plural) || listed(rule.resources, `${review.type.plural}/*`)));
}

function namespaceLabels(store: ObjectStore, namespace: string | undefined): Record<string, string> | undefined {
  if (!namespace) return undefined;
  const live = store.find(store.typeOf('Namespace'), undefined, namespace);
  return { ...live?.metadata.labels, 'kubernetes.io/metadata.name': namespace };
}

/** Whether the Service has an EndpointSlice with a ready endpoint. */
export function hasReadyEndpoints(store: ObjectStore, namespace: string, service: string): boolean {
  return store.items(store.typeOf('EndpointSlice', 'discovery.k8s.io'), namespace)
    .filter((slice) => slice.metadata.labels?.['kubernetes.io/service-name'] === service)
    .some((slice) => Array.isArray(slice.endpoints) && slice.endpoints.some((e: unknown) => isPlainObject(e) && isPlainObject(e.conditions) && e.conditions.ready === true));
}

function unreachable(store: ObjectStore, service: WebhookClientService): string | undefined {
  if (!store.find(store.typeOf('Service'), service.namespace, service.name)) return `service "${service.name}" not found`;
  return hasReadyEndpoints(store, service.namespace, service.name) ? undefined : `no endpoints available for service "${service.name}"`;
}

export function webhookAdmission(store: ObjectStore): AdmissionHook {
  return (review) => {
    const configurations = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']
      .flatMap((kind) => store.items(store.typeOf(kind, 'admissionregistration.k8s.io')));
    for (const configuration of configurations) {
      for (const webhook of (configuration.webhooks ?? []) as Webhook[]) {
        if (!ruleMatches(webhook, review)) continue;
        const labels = review.object.metadata.labels;
        if (!matchesLabelSelector(webhook.objectSelector, labels) && !matchesLabelSelector(webhook.objectSelector, review.oldObject?.metadata.labels)) continue;
        if (review.type.namespaced && !matchesLabelSelector(webhook.namespaceSelector, namespaceLabels(store, review.object.metadata.namespace))) continue;
        const service = webhook.clientConfig?.service;
        const problem = service && unreachable(store, service);
        if (problem && service) {
          if (webhook.failurePolicy === 'Ignore') continue;
          const url = `https://${service.name}.${service.namespace}.svc:${service.port ?? 443}${service.path ?? ''}?timeout=${webhook.timeoutSeconds ?? 10}s`;
          throw internalError(`failed calling webhook "${webhook.name}": failed to call webhook: Post "${url}": ${problem}`);
        }
        mutators[webhook.name]?.(review.object);
      }
    }
  };
}
