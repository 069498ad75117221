import type { HelmInstallInput } from '../../activities/helm';
import { addonCatalog, type ReadinessGate, type ResolvedAddon } from '../../domain/addon-catalog';
import type { AddonsSpec } from '../../domain/environment-spec';
import { defaultKubernetesVersion } from '../../domain/environment-spec';
import { isPlainObject, type ObjectDraft } from '../kube/objects';

/**
 * What a chart would make, as far as eksflow's readiness gates and activities look: derived
 * from the add-on catalog entry the chart belongs to, so a gate and the object it waits for
 * cannot disagree. A Deployment or DaemonSet per gate; a Service (and, for a webhook, its
 * Deployment) per endpoints gate; a Service and an APIService per APIService gate; a Service
 * for every Deployment that has none yet, as charts expose theirs; a CRD per CRD gate; the ServiceAccount the IRSA role is for; and for the Load Balancer Controller its
 * Service-mutating webhook. A chart the catalog does not know makes one Deployment named
 * after the release.
 */

// Options that change how an add-on installs: each is resolved once to find its chart or EKS add-on.
const optionVariants: AddonsSpec[] = [
  {},
  { 'metrics-server': { method: 'helm' } },
  { 'metrics-server': { method: 'eks-addon' } },
  { dashboard: { kind: 'kubernetes-dashboard' } },
  { cloudwatch: { mode: 'observability', method: 'helm', logRetentionDays: 30 } },
  { cloudwatch: { mode: 'observability', method: 'eks-addon', logRetentionDays: 30 } },
];

function findEntry(matches: (addon: ResolvedAddon) => boolean): ResolvedAddon | undefined {
  for (const definition of addonCatalog.values()) {
    for (const options of optionVariants) {
      const resolved = definition.resolve(options, defaultKubernetesVersion);
      if (matches(resolved)) return resolved;
    }
  }
  return undefined;
}

/** The catalog entry whose Helm chart this is, if any. */
export function catalogEntryForChart(chartName: string): ResolvedAddon | undefined {
  return findEntry((addon) => addon.install.method === 'helm' && addon.install.chart.name === chartName);
}

/**
 * What an EKS managed add-on (`metrics-server`, `amazon-cloudwatch-observability`) makes in
 * the cluster once ACTIVE, as its chart would: for the simulated EKS to apply with
 * `applyObjects`. Empty for an add-on the catalog does not install as an EKS add-on.
 */
export function managedAddonObjects(addonName: string, version: string): ObjectDraft[] {
  const addon = findEntry((entry) => entry.install.method === 'eks-addon' && entry.install.addonName === addonName);
  if (!addon) return [];
  const readiness = addon.readiness.filter((gate) => gate.kind !== 'eks-addon-active');
  return addonObjects({ ...addon, readiness }, { release: addonName, namespace: addon.namespace, chart: { name: addonName, version }, values: {} }, 'EKS');
}

/** CRDs the catalog's gates name, with the kind and versions their charts define. */
const knownCrds: Record<string, { kind: string; versions: string[]; scope: 'Namespaced' | 'Cluster' }> = {
  'verticalpodautoscalers.autoscaling.k8s.io': { kind: 'VerticalPodAutoscaler', versions: ['v1', 'v1beta2'], scope: 'Namespaced' },
  // The karpenter chart's crds/ (1.14.1): both cluster-scoped, served at v1.
  'nodepools.karpenter.sh': { kind: 'NodePool', versions: ['v1'], scope: 'Cluster' },
  'ec2nodeclasses.karpenter.k8s.aws': { kind: 'EC2NodeClass', versions: ['v1'], scope: 'Cluster' },
};

/** Webhooks a chart registers that the simulated apiserver plays (see sim/kube/admission.ts). */
function chartWebhooks(addon: ResolvedAddon, values: Record<string, unknown>, labels: Record<string, string>, webhookService: { name: string; namespace: string } | undefined): ObjectDraft[] {
  if (!addon.interceptsServices || !webhookService || values.enableServiceMutatorWebhook === false) return [];
  return [{
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'aws-load-balancer-webhook', labels },
    webhooks: [{
      name: 'mservice.elbv2.k8s.aws', admissionReviewVersions: ['v1beta1'], sideEffects: 'None', failurePolicy: 'Fail', timeoutSeconds: 10,
      clientConfig: { service: { ...webhookService, path: '/mutate-v1-service', port: 443 } },
      // The controller's own Services are left alone, or its webhook Service could never be made.
      objectSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: [labels['app.kubernetes.io/name']!] }] },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['services'] }],
    }],
  }];
}

/**
 * The ServiceAccount a chart's values ask for: `serviceAccount` or `rbac.serviceAccount` with
 * its annotations, or `agent.serviceAccount` by name alone — amazon-cloudwatch-observability
 * 4.3.0 has no `agent.serviceAccount.annotations` (values.yaml, templates/cloudwatch-agent-
 * serviceaccount.yaml), so an annotation given there is ignored, as by the real chart.
 */
function valuesServiceAccount(values: Record<string, unknown>): { name: string; annotations: Record<string, string> } | undefined {
  const annotated = [values.serviceAccount, (values.rbac as Record<string, unknown> | undefined)?.serviceAccount]
    .find((c): c is Record<string, unknown> => isPlainObject(c) && typeof c.name === 'string');
  if (annotated) return { name: annotated.name as string, annotations: (isPlainObject(annotated.annotations) ? annotated.annotations : {}) as Record<string, string> };
  const agent = (values.agent as Record<string, unknown> | undefined)?.serviceAccount;
  return isPlainObject(agent) && typeof agent.name === 'string' ? { name: agent.name, annotations: {} } : undefined;
}

const commonPrefix = (a: string, b: string) => {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i += 1;
  return i;
};

/** The Deployment behind a Service the chart makes: a webhook's admission controller, else the nearest by name. */
function backingDeployment(deployments: string[], service: string): string | undefined {
  return deployments.find((d) => /admission|webhook/.test(d)) ?? [...deployments].sort((a, b) => commonPrefix(b, service) - commonPrefix(a, service))[0];
}

/** What the release of this chart makes: from its catalog entry, or one Deployment for a chart the catalog does not know. */
export function releaseObjects(input: HelmInstallInput): ObjectDraft[] {
  return addonObjects(catalogEntryForChart(input.chart.name), input, 'Helm');
}

type ObjectsInput = Pick<HelmInstallInput, 'release' | 'namespace' | 'values'> & { chart: { name: string; version: string } };

function addonObjects(addon: ResolvedAddon | undefined, input: ObjectsInput, managedBy: 'Helm' | 'EKS'): ObjectDraft[] {
  const chartName = input.chart.name;
  const labels = {
    'app.kubernetes.io/name': chartName, 'app.kubernetes.io/instance': input.release,
    'app.kubernetes.io/version': input.chart.version, 'app.kubernetes.io/managed-by': managedBy, 'helm.sh/chart': `${chartName}-${input.chart.version}`,
  };
  const annotations = { 'meta.helm.sh/release-name': input.release, 'meta.helm.sh/release-namespace': input.namespace };
  const metadata = (name: string, namespace?: string, extra: Record<string, string> = {}) => ({ name, ...(namespace ? { namespace } : {}), labels: { ...labels, ...extra }, annotations });
  const replicas = typeof input.values.replicaCount === 'number' ? input.values.replicaCount : 1;
  const image = typeof input.values.image === 'string' ? input.values.image : `sim.local/${chartName}:${input.chart.version}`;
  const gates: ReadinessGate[] = addon?.readiness ?? [{ kind: 'deployment-available', namespace: input.namespace, name: input.release }];
  const account = valuesServiceAccount(input.values) ?? (addon?.iam ? { name: addon.iam.serviceAccount, annotations: {} } : undefined);
  const objects: ObjectDraft[] = [];
  if (account) objects.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { ...metadata(account.name, input.namespace), annotations: { ...annotations, ...account.annotations } } });

  const deployments = new Map<string, string>(); // name → namespace
  const podLabels = (component: string) => ({ 'app.kubernetes.io/name': chartName, 'app.kubernetes.io/instance': input.release, 'app.kubernetes.io/component': component });
  const workload = (kind: 'Deployment' | 'DaemonSet', name: string, namespace: string): ObjectDraft => ({
    apiVersion: 'apps/v1', kind, metadata: metadata(name, namespace, { 'app.kubernetes.io/component': name }),
    spec: {
      ...(kind === 'Deployment' ? { replicas } : {}),
      selector: { matchLabels: podLabels(name) },
      template: {
        metadata: { labels: { ...labels, ...podLabels(name) } },
        spec: {
          ...(account ? { serviceAccountName: account.name } : {}),
          ...(kind === 'DaemonSet' ? { tolerations: [{ operator: 'Exists' }] } : {}),
          containers: [{ name, image, ports: [{ name: 'https', containerPort: 8443, protocol: 'TCP' }] }],
        },
      },
    },
  });
  for (const gate of gates) {
    if (gate.kind === 'deployment-available') {
      objects.push(workload('Deployment', gate.name, gate.namespace));
      deployments.set(gate.name, gate.namespace);
    }
    if (gate.kind === 'daemonset-ready') objects.push(workload('DaemonSet', gate.name, gate.namespace));
  }
  const service = (name: string, namespace: string): ObjectDraft | undefined => {
    if (objects.some((o) => o.kind === 'Service' && o.metadata.name === name)) return undefined;
    const inNamespace = [...deployments].filter(([, ns]) => ns === namespace).map(([d]) => d);
    let backing = backingDeployment(inNamespace, name);
    if (!backing) {
      objects.push(workload('Deployment', name, namespace));
      backing = name;
    }
    return {
      apiVersion: 'v1', kind: 'Service', metadata: metadata(name, namespace),
      spec: { type: 'ClusterIP', selector: podLabels(backing), ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }] },
    };
  };
  let webhookService: { name: string; namespace: string } | undefined;
  for (const gate of gates) {
    if (gate.kind === 'service-endpoints-ready') {
      const made = service(gate.name, gate.namespace);
      if (made) objects.push(made);
      webhookService ??= { name: gate.name, namespace: gate.namespace };
    }
    if (gate.kind === 'apiservice-available') {
      const [version, ...group] = gate.name.split('.');
      const backing = [...deployments.keys()][0] ?? gate.name.replaceAll('.', '-');
      const namespace = deployments.get(backing) ?? input.namespace;
      const made = service(backing, namespace);
      if (made) objects.push(made);
      objects.push({
        apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: metadata(gate.name),
        spec: { group: group.join('.'), version, service: { name: backing, namespace, port: 443 }, insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 100 },
      });
    }
    if (gate.kind === 'crd-established') {
      const [plural, ...group] = gate.name.split('.');
      const known = knownCrds[gate.name] ?? { kind: plural!.replace(/s$/, '').replace(/^./, (c) => c.toUpperCase()), versions: ['v1'], scope: 'Namespaced' };
      objects.push({
        apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: metadata(gate.name),
        spec: {
          group: group.join('.'), scope: known.scope,
          names: { plural, singular: known.kind.toLowerCase(), kind: known.kind, listKind: `${known.kind}List` },
          versions: known.versions.map((name, i) => ({
            name, served: true, storage: i === 0, subresources: { status: {} },
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          })),
        },
      });
    }
  }
  // Charts expose every Deployment through a Service (metrics, a UI, a webhook); those the
  // gates did not already give one get one named after them.
  for (const [name, namespace] of deployments) {
    const selected = objects.some((o) => o.kind === 'Service' && (o.spec?.selector as Record<string, string> | undefined)?.['app.kubernetes.io/component'] === name);
    const made = selected ? undefined : service(name, namespace);
    if (made) objects.push(made);
  }
  if (addon) objects.push(...chartWebhooks(addon, input.values, labels, webhookService));
  return objects;
}

// helm's install order (pkg/release/util/kind_sorter.go), for the kinds charts here make.
const installOrder = ['Namespace', 'ServiceAccount', 'Secret', 'ConfigMap', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding',
  'Service', 'DaemonSet', 'Pod', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress',
  'APIService', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

/** Objects in the order helm installs them (uninstall goes in reverse). */
export function inInstallOrder(objects: readonly ObjectDraft[]): ObjectDraft[] {
  const rank = (kind: string) => (installOrder.includes(kind) ? installOrder.indexOf(kind) : installOrder.length);
  return [...objects].sort((a, b) => rank(a.kind) - rank(b.kind));
}
