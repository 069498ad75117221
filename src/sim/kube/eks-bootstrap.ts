import type { CoreTypes } from './controllers/context';
import type { ObjectStore } from './object-store';
import type { ObjectDraft } from './objects';

const meta = (name: string, namespace?: string, labels?: Record<string, string>) => ({ name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) });

function systemWorkload(kind: 'Deployment' | 'DaemonSet', name: string, app: string, image: string, extra: Record<string, unknown> = {}, annotations?: Record<string, string>): ObjectDraft {
  const labels = { 'k8s-app': app };
  return {
    apiVersion: 'apps/v1', kind, metadata: meta(name, 'kube-system', { ...labels, 'eks.amazonaws.com/component': name }),
    spec: {
      ...extra,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: { ...labels, 'eks.amazonaws.com/component': name }, ...(annotations ? { annotations } : {}) },
        spec: {
          priorityClassName: kind === 'DaemonSet' ? 'system-node-critical' : 'system-cluster-critical',
          tolerations: kind === 'DaemonSet' ? [{ operator: 'Exists' }] : [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
          containers: [{ name, image, resources: { requests: kind === 'Deployment' ? { cpu: '100m', memory: '70Mi' } : { cpu: '25m' } } }],
        },
      },
    },
  };
}

/**
 * What EKS puts in every new cluster: the four namespaces, the `kubernetes` Service, CoreDNS
 * (two replicas, which stay unavailable until a node is Ready: EKS reports the coredns add-on
 * DEGRADED then), and the aws-node and kube-proxy DaemonSets. CoreDNS's pod template is
 * annotated `eks.amazonaws.com/compute-type: ec2`, as EKS makes it: Fargate's admission
 * leaves such pods alone, so on Fargate alone they stay Pending until the annotation says
 * fargate (catalog entry 31; eksctl pkg/fargate/coredns). And the SecurityGroupPolicy CRD the VPC
 * resource controller serves on every EKS cluster (vpcresources.k8s.aws, from
 * aws/amazon-vpc-resource-controller-k8s config/crd/bases; its schema left open here).
 */
export function bootstrapEksCluster(store: ObjectStore, types: CoreTypes, kubernetesVersion: string, { selfManagedAddons = true } = {}): void {
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    store.put(types.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: meta(name, undefined, { 'kubernetes.io/metadata.name': name }) });
  }
  store.put(types.service, {
    apiVersion: 'v1', kind: 'Service', metadata: meta('kubernetes', 'default', { component: 'apiserver', provider: 'kubernetes' }),
    spec: { type: 'ClusterIP', clusterIP: '10.100.0.1', clusterIPs: ['10.100.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 443 }] },
  });
  // bootstrapSelfManagedAddons false (an EKS Auto Mode cluster): no CoreDNS, aws-node or kube-proxy
  // workloads; Auto Mode runs them on each node (automode-get-started-cli). The kube-dns Service stays.
  if (selfManagedAddons) store.put(types.deployment, systemWorkload('Deployment', 'coredns', 'kube-dns', `602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/coredns:v1.11.4-eksbuild.2`, { replicas: 2 }, { 'eks.amazonaws.com/compute-type': 'ec2' }));
  store.put(types.service, {
    apiVersion: 'v1', kind: 'Service', metadata: meta('kube-dns', 'kube-system', { 'k8s-app': 'kube-dns', 'eks.amazonaws.com/component': 'kube-dns' }),
    spec: {
      type: 'ClusterIP', clusterIP: '10.100.0.10', clusterIPs: ['10.100.0.10'], selector: { 'k8s-app': 'kube-dns' },
      ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }],
    },
  });
  if (selfManagedAddons) store.put(types.daemonSet, systemWorkload('DaemonSet', 'aws-node', 'aws-node', '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19.2-eksbuild.1'));
  store.put(store.typeOf('CustomResourceDefinition', 'apiextensions.k8s.io'), {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: meta('securitygrouppolicies.vpcresources.k8s.aws'),
    spec: {
      group: 'vpcresources.k8s.aws', scope: 'Namespaced',
      names: { plural: 'securitygrouppolicies', singular: 'securitygrouppolicy', kind: 'SecurityGroupPolicy', listKind: 'SecurityGroupPolicyList', shortNames: ['sgp'] },
      versions: [{ name: 'v1beta1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  });
  if (selfManagedAddons) store.put(types.daemonSet, systemWorkload('DaemonSet', 'kube-proxy', 'kube-proxy', `602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy:v${kubernetesVersion}.0-minimal-eksbuild.1`));
}
