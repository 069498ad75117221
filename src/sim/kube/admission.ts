import { request } from 'node:https';
import { internalError, KubeApiError } from './api-errors';
import { mutateServiceOnCreate } from './controllers/load-balancers';
import { isPlainObject, type KubeObject } from './objects';
import type { AdmissionHook, AdmissionReview, ObjectStore } from './object-store';
import { matchesLabelSelector } from './selectors';

/**
 * Admission webhooks. Those reached through a Service are played without calling anything: a
 * webhook whose rules match is "reachable" exactly when its Service has a ready endpoint. One that is not,
 * with failurePolicy Fail, refuses the request with the apiserver's own 500, which is what
 * EKS users see while the AWS Load Balancer Controller's pods are starting. A reachable
 * webhook's effect, where it matters to eksflow, is played by a mutator named after it.
 * Validating webhooks reached by URL are really called (`callUrlWebhooks`).
 */

interface WebhookClientService {
  name: string;
  namespace: string;
  path?: string;
  port?: number;
}

interface Webhook {
  name: string;
  clientConfig?: { service?: WebhookClientService; url?: string; caBundle?: string };
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

/** The webhooks of every configuration whose rules and selectors take this request. */
function* matchingWebhooks(store: ObjectStore, review: AdmissionReview, kinds: string[]): Generator<Webhook> {
  for (const configuration of kinds.flatMap((kind) => store.items(store.typeOf(kind, 'admissionregistration.k8s.io')))) {
    for (const webhook of (configuration.webhooks ?? []) as Webhook[]) {
      if (!ruleMatches(webhook, review)) continue;
      const labels = review.object.metadata.labels;
      if (!matchesLabelSelector(webhook.objectSelector, labels) && !matchesLabelSelector(webhook.objectSelector, review.oldObject?.metadata.labels)) continue;
      if (review.type.namespaced && !matchesLabelSelector(webhook.namespaceSelector, namespaceLabels(store, review.object.metadata.namespace))) continue;
      yield webhook;
    }
  }
}

const callFailed = (webhook: Webhook, url: string, problem: string) =>
  internalError(`failed calling webhook "${webhook.name}": failed to call webhook: Post "${url}": ${problem}`);

export function webhookAdmission(store: ObjectStore): AdmissionHook {
  return (review) => {
    for (const webhook of matchingWebhooks(store, review, ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'])) {
      const service = webhook.clientConfig?.service;
      const problem = service && unreachable(store, service);
      if (problem && service) {
        if (webhook.failurePolicy === 'Ignore') continue;
        throw callFailed(webhook, `https://${service.name}.${service.namespace}.svc:${service.port ?? 443}${service.path ?? ''}?timeout=${webhook.timeoutSeconds ?? 10}s`, problem);
      }
      mutators[webhook.name]?.(review.object);
    }
  };
}

/** Whether any validating webhook is reached by URL: only then does a write wait on {@link callUrlWebhooks}. */
export const hasUrlWebhooks = (store: ObjectStore) => store.items(store.typeOf('ValidatingWebhookConfiguration', 'admissionregistration.k8s.io'))
  .some((configuration) => ((configuration.webhooks ?? []) as Webhook[]).some((webhook) => webhook.clientConfig?.url));

/**
 * Validating webhooks reached by `clientConfig.url` are really called, as kube-apiserver calls
 * them (an AdmissionReview v1 POSTed over HTTPS, trusting `caBundle`), and refuse as it does:
 * a denial with the webhook's status code (400 if none) and "admission webhook … denied the
 * request: …"; a webhook that cannot be called fails closed with 500 unless failurePolicy is Ignore.
 */
export async function callUrlWebhooks(store: ObjectStore, review: AdmissionReview): Promise<void> {
  for (const webhook of matchingWebhooks(store, review, ['ValidatingWebhookConfiguration'])) {
    const base = webhook.clientConfig?.url;
    if (!base) continue;
    const timeoutSeconds = webhook.timeoutSeconds ?? 10;
    const url = `${base}${base.includes('?') ? '&' : '?'}timeout=${timeoutSeconds}s`;
    const body = {
      apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
      request: {
        uid: store.uid(), kind: { group: review.type.group, version: review.object.apiVersion.split('/').at(-1), kind: review.type.kind },
        resource: { group: review.type.group, version: review.object.apiVersion.split('/').at(-1), resource: review.type.plural },
        name: review.object.metadata.name, namespace: review.object.metadata.namespace, operation: review.operation,
        object: review.object, oldObject: review.oldObject ?? null, dryRun: false,
      },
    };
    let answer: { response?: { allowed?: boolean; status?: { code?: number; reason?: string; message?: string } } };
    try {
      answer = JSON.parse(await postJson(url, body, webhook.clientConfig?.caBundle, timeoutSeconds * 1000)) as typeof answer;
    } catch (error) {
      if (webhook.failurePolicy === 'Ignore') continue;
      throw callFailed(webhook, url, goDialError(error));
    }
    if (answer.response?.allowed) continue;
    const status = answer.response?.status ?? {};
    const deniedBy = `admission webhook "${webhook.name}" denied the request`;
    throw new KubeApiError(status.code || 400, status.reason ?? '', status.message ? `${deniedBy}: ${status.message}` : deniedBy);
  }
}

function postJson(url: string, body: unknown, caBundle: string | undefined, timeoutMs: number): Promise<string> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const call = request(url, {
      method: 'POST', timeout: timeoutMs, ...(caBundle ? { ca: Buffer.from(caBundle, 'base64') } : {}),
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
    }, (response) => {
      let answer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (answer += chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(answer) : reject(new Error(`the server responded with status ${response.statusCode}`))));
    });
    call.on('timeout', () => call.destroy(new Error('context deadline exceeded')));
    call.on('error', reject);
    call.end(text);
  });
}

/** Node's connection errors in the words of Go's net package, which the apiserver's message carries. */
function goDialError(error: unknown): string {
  const { code, address, port, message } = error as { code?: string; address?: string; port?: number; message?: string };
  if (code === 'ECONNREFUSED') return `dial tcp ${address}:${port}: connect: connection refused`;
  return message ?? String(error);
}
