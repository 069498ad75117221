import { invalid } from './api-errors';
import { deepEqual, isPlainObject, type KubeObject } from './objects';
import type { ResourceType } from './resource-types';
import { matchesLabelSelector } from './selectors';

// Defaulting and the validations eksflow could trip over, as the apiserver does them on
// every write. Not the whole of Kubernetes' validation: names, Service ports and class,
// Deployment selectors.

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
// RBAC names are path segments: `system:controller:x` is fine.
const pathSegment = /^[^/%]+$/;

function nameProblem(type: ResourceType, name: string): string | undefined {
  if (type.group === 'rbac.authorization.k8s.io') return pathSegment.test(name) ? undefined : 'may not contain \'/\' or \'%\'';
  if (type.kind === 'Service') return name.length <= 63 && dns1035Label.test(name) ? undefined : 'a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character';
  if (type.kind === 'Namespace') return name.length <= 63 && dns1123Label.test(name) ? undefined : 'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character';
  return name.length <= 253 && dns1123Subdomain.test(name) ? undefined : 'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character';
}

export interface Allocators {
  clusterIp(): string;
}

/** Fills what the apiserver fills on every write: replica counts, Service IPs and port defaults, namespace finalizers. */
export function applyDefaults(type: ResourceType, object: KubeObject, allocate: Allocators): void {
  const spec = (object.spec ??= {}) as Record<string, unknown>;
  switch (type.kind) {
    case 'Namespace':
      spec.finalizers ??= ['kubernetes'];
      object.status = { ...object.status, phase: object.metadata.deletionTimestamp ? 'Terminating' : 'Active' };
      break;
    case 'Deployment':
      spec.replicas ??= 1;
      spec.progressDeadlineSeconds ??= 600;
      spec.revisionHistoryLimit ??= 10;
      spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
      break;
    case 'DaemonSet':
      spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
      break;
    case 'HorizontalPodAutoscaler':
      spec.minReplicas ??= 1;
      break;
    case 'Service': {
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      if (spec.type !== 'ExternalName' && spec.clusterIP === undefined) {
        spec.clusterIP = allocate.clusterIp();
        spec.clusterIPs = [spec.clusterIP];
      }
      if (Array.isArray(spec.ports)) {
        spec.ports = spec.ports.map((port: unknown) => (isPlainObject(port) ? { protocol: 'TCP', targetPort: port.port, ...port } : port));
      }
      break;
    }
    default:
      if (Object.keys(spec).length === 0) delete object.spec;
  }
}

/** Refuses what the apiserver would refuse (422), comparing with the live object on updates. */
export function validate(type: ResourceType, object: KubeObject, old?: KubeObject): void {
  const problems: { field: string; message: string }[] = [];
  const name = object.metadata.name;
  const nameIssue = nameProblem(type, name);
  if (nameIssue) problems.push({ field: 'metadata.name', message: `Invalid value: "${name}": ${nameIssue}` });
  const spec = object.spec ?? {};
  if (type.kind === 'Service') {
    const ports = Array.isArray(spec.ports) ? spec.ports : [];
    ports.forEach((port: unknown, i) => {
      const number = isPlainObject(port) ? port.port : undefined;
      if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 65535) {
        problems.push({ field: `spec.ports[${i}].port`, message: `Invalid value: ${JSON.stringify(number ?? null)}: must be between 1 and 65535, inclusive` });
      }
    });
    if (ports.length === 0 && spec.type !== 'ExternalName' && spec.clusterIP !== 'None') problems.push({ field: 'spec.ports', message: 'Required value' });
    const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
    if (!types.includes(String(spec.type))) problems.push({ field: 'spec.type', message: `Unsupported value: "${String(spec.type)}": supported values: ${types.map((t) => `"${t}"`).join(', ')}` });
    const oldClass = old?.spec?.loadBalancerClass;
    if (old && oldClass !== undefined && !deepEqual(oldClass, spec.loadBalancerClass)) {
      problems.push({ field: 'spec.loadBalancerClass', message: `Invalid value: ${JSON.stringify(spec.loadBalancerClass ?? null)}: may not change once set` });
    }
  }
  if (type.kind === 'Deployment' || type.kind === 'DaemonSet') {
    const selector = isPlainObject(spec.selector) ? spec.selector : undefined;
    const template = isPlainObject(spec.template) ? spec.template : {};
    const labels = isPlainObject(template.metadata) ? (template.metadata.labels as Record<string, string> | undefined) : undefined;
    if (!selector) problems.push({ field: 'spec.selector', message: 'Required value' });
    else if (!matchesLabelSelector(selector, labels)) problems.push({ field: 'spec.template.metadata.labels', message: `Invalid value: ${JSON.stringify(labels ?? {})}: \`selector\` does not match template \`labels\`` });
    if (old && selector && !deepEqual(old.spec?.selector, selector)) problems.push({ field: 'spec.selector', message: `Invalid value: ${JSON.stringify(selector)}: field is immutable` });
  }
  if (problems.length > 0) throw invalid(type.kind, type, name, problems);
}
