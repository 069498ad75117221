import { AppsV1Api } from '@kubernetes/client-node';
import type { EksApi } from './aws/eks';
import type { ObservedEnvironment } from '../domain/drift';
import type { AppSpec } from '../domain/environment-spec';
import { appNamespace } from '../domain/app-manifests';
import { kubeOrUndefined } from './kube-calls';
import type { KubeAccess } from './nodes-ready';

export interface ObserveInput {
  cluster: string;
  /** The node groups to look at: spec name → EKS name. */
  nodegroups: Record<string, string>;
  app?: AppSpec;
}

/**
 * What drift detection compares with the spec (src/domain/drift.ts): the cluster's status and
 * version (DescribeCluster), each node group's status, sizes and version (DescribeNodegroup),
 * and the app's Deployment (its first container's image and its replicas). Read-only.
 */
export function createDriftActivities(eks: EksApi, kube: KubeAccess) {
  async function observeEnvironment({ cluster, nodegroups, app }: ObserveInput): Promise<ObservedEnvironment> {
    const described = await eks.describeCluster(cluster);
    if (!described) return { nodegroups: {} };
    const groups = await Promise.all(Object.entries(nodegroups).map(async ([name, eksName]) => [name, await eks.describeNodegroup(cluster, eksName)] as const));
    const observed: ObservedEnvironment = {
      cluster: { status: described.status, ...(described.version ? { version: described.version } : {}) },
      nodegroups: Object.fromEntries(groups.map(([name, group]) => [name, group && {
        status: group.status, scaling: group.scaling, ...((group as { version?: string }).version ? { version: (group as { version?: string }).version } : {}),
      }])),
    };
    if (app && described.status === 'ACTIVE') {
      const namespace = appNamespace(app);
      const config = await kube.forCluster(cluster);
      const deployment = await kubeOrUndefined(`read Deployment ${namespace}/${app.name}`, () => config.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: app.name, namespace }));
      observed.app = deployment
        ? { ...(deployment.spec?.template.spec?.containers[0]?.image ? { image: deployment.spec.template.spec.containers[0].image } : {}), ...(deployment.spec?.replicas !== undefined ? { replicas: deployment.spec.replicas } : {}) }
        : null;
    }
    return observed;
  }
  return { observeEnvironment };
}
