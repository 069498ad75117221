import { isPlainObject, type KubeObject } from './objects';

export type Subresource = 'status' | 'scale' | 'token' | 'finalize' | 'eviction';

/** One resource the simulated apiserver serves, as discovery describes it. */
export interface ResourceType {
  /** '' for the core group. */
  group: string;
  /** Served versions; the first is the one objects are stored (and usually asked for) at. */
  versions: string[];
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  subresources: Subresource[];
  /** metadata.generation is kept and bumped on every change outside metadata and status. */
  generation: boolean;
  shortNames?: string[];
}

const type = (group: string, version: string, kind: string, plural: string, namespaced: boolean, extra: Partial<ResourceType> = {}): ResourceType => ({
  group, versions: [version], plural, singular: kind.toLowerCase(), kind, namespaced, subresources: [], generation: false, ...extra,
});
const withStatus = { subresources: ['status'] as Subresource[], generation: true };

/** What eksflow's activities, the add-ons' charts and the controllers here touch; nothing more. */
export const builtinTypes: readonly ResourceType[] = [
  type('', 'v1', 'Namespace', 'namespaces', false, { subresources: ['status', 'finalize'], shortNames: ['ns'] }),
  type('', 'v1', 'Node', 'nodes', false, { subresources: ['status'], shortNames: ['no'] }),
  type('', 'v1', 'Pod', 'pods', true, { subresources: ['status', 'eviction'], shortNames: ['po'] }),
  type('', 'v1', 'Service', 'services', true, { subresources: ['status'], shortNames: ['svc'] }),
  type('', 'v1', 'Endpoints', 'endpoints', true, { singular: 'endpoints', shortNames: ['ep'] }),
  type('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  type('', 'v1', 'Secret', 'secrets', true),
  type('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { subresources: ['token'], shortNames: ['sa'] }),
  type('', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  type('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, { subresources: ['status'], shortNames: ['pvc'] }),
  type('apps', 'v1', 'Deployment', 'deployments', true, { subresources: ['status', 'scale'], generation: true, shortNames: ['deploy'] }),
  type('apps', 'v1', 'DaemonSet', 'daemonsets', true, { ...withStatus, shortNames: ['ds'] }),
  type('apps', 'v1', 'ReplicaSet', 'replicasets', true, { subresources: ['status', 'scale'], generation: true, shortNames: ['rs'] }),
  type('apps', 'v1', 'StatefulSet', 'statefulsets', true, { subresources: ['status', 'scale'], generation: true, shortNames: ['sts'] }),
  type('batch', 'v1', 'Job', 'jobs', true, withStatus),
  type('batch', 'v1', 'CronJob', 'cronjobs', true, withStatus),
  type('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
  type('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, { ...withStatus, shortNames: ['hpa'] }),
  type('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { ...withStatus, shortNames: ['pdb'] }),
  type('apiregistration.k8s.io', 'v1', 'APIService', 'apiservices', false, { subresources: ['status'] }),
  type('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, { ...withStatus, shortNames: ['crd', 'crds'] }),
  type('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  type('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  type('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  type('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  type('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, { ...withStatus, shortNames: ['ing'] }),
  type('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false),
  type('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, { shortNames: ['netpol'] }),
  type('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  type('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false, { generation: true }),
  type('admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false, { generation: true }),
  type('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, { shortNames: ['sc'] }),
  type('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, { shortNames: ['pc'] }),
];

/** The types a CRD adds, as the apiserver serves them once it has accepted the CRD's names. */
export function customResourceType(crd: KubeObject): ResourceType | undefined {
  const spec = crd.spec;
  const names = spec?.names;
  const versions = spec?.versions;
  if (!spec || !isPlainObject(names) || !Array.isArray(versions) || typeof spec.group !== 'string') return undefined;
  const served = versions.filter((v): v is Record<string, unknown> => isPlainObject(v) && v.served !== false && typeof v.name === 'string');
  if (served.length === 0 || typeof names.plural !== 'string' || typeof names.kind !== 'string') return undefined;
  // The storage version first: objects are kept at it.
  served.sort((a, b) => Number(b.storage === true) - Number(a.storage === true));
  return {
    group: spec.group,
    versions: served.map((v) => v.name as string),
    plural: names.plural,
    singular: typeof names.singular === 'string' ? names.singular : names.kind.toLowerCase(),
    kind: names.kind,
    namespaced: spec.scope !== 'Cluster',
    subresources: served.some((v) => isPlainObject(v.subresources) && v.subresources.status !== undefined) ? ['status'] : [],
    // Custom resources always carry a generation.
    generation: true,
    ...(Array.isArray(names.shortNames) ? { shortNames: names.shortNames as string[] } : {}),
  };
}

export const apiVersionOf = (group: string, version: string) => (group ? `${group}/${version}` : version);

const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update'];
const subresourceVerbs: Record<Subresource, string[]> = { status: ['get', 'patch', 'update'], scale: ['get', 'patch', 'update'], token: ['create'], finalize: ['update'], eviction: ['create'] };

/** GET /api/v1 or /apis/<group>/<version>: an APIResourceList (watch is not offered: the simulator does not serve it). */
export function resourceList(types: readonly ResourceType[], group: string, version: string): Record<string, unknown> {
  const resources = types.filter((t) => t.group === group && t.versions.includes(version)).flatMap((t) => [
    { name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs, ...(t.shortNames ? { shortNames: t.shortNames } : {}) },
    ...t.subresources.map((sub) => ({
      name: `${t.plural}/${sub}`, singularName: '', namespaced: t.namespaced,
      kind: sub === 'scale' ? 'Scale' : sub === 'token' ? 'TokenRequest' : sub === 'eviction' ? 'Eviction' : t.kind,
      ...(sub === 'scale' ? { group: 'autoscaling', version: 'v1' } : sub === 'token' ? { group: 'authentication.k8s.io', version: 'v1' } : sub === 'eviction' ? { group: 'policy', version: 'v1' } : {}),
      verbs: subresourceVerbs[sub],
    })),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

/** The non-core groups served, each with its versions, the first preferred. */
export function groupsOf(types: readonly ResourceType[]): { name: string; versions: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const t of types) {
    if (!t.group) continue;
    const versions = groups.get(t.group) ?? [];
    for (const v of t.versions) if (!versions.includes(v)) versions.push(v);
    groups.set(t.group, versions);
  }
  return [...groups].map(([name, versions]) => ({ name, versions }));
}

export function apiGroup(group: { name: string; versions: string[] }): Record<string, unknown> {
  const versions = group.versions.map((version) => ({ groupVersion: `${group.name}/${version}`, version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group.name, versions, preferredVersion: versions[0] };
}
