import { CoreV1Api, KubernetesObjectApi, NetworkingV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { deleteIfPresent, kubeCall } from './kube-calls';
import type { KubeAccess } from './nodes-ready';
import { paceFor, type Pace } from './pace';

/** Heartbeat details while load-balanced objects go away: each as namespace/kind/name. */
export interface LoadBalancedObjectsProgress {
  remaining: string[];
  deleted: string[];
}

const pollIntervalMs = 2_000;

interface Observed {
  object: KubernetesObject;
  key: string;
  deleting: boolean;
}

export function createLoadBalancedObjectActivities(kube: KubeAccess, pace: Pace = paceFor()) {
  /**
   * Deletes every Service of type LoadBalancer and every Ingress in the cluster, then waits
   * until they are gone. The AWS Load Balancer Controller holds a finalizer on each
   * (service.k8s.aws/resources, ingress.k8s.aws/resources) until it has deleted the NLB or
   * ALB, so "object gone" means "load balancer gone": the cluster's VPC can then be deleted
   * without load balancers, their ENIs and security groups left behind.
   * Objects made again while we wait (by an operator) are deleted again. Errors, including
   * a cluster that no longer answers, are for the caller.
   */
  async function deleteLoadBalancedObjects(input: { cluster: string }): Promise<{ deleted: string[] }> {
    const config = await kube.forCluster(input.cluster);
    const core = config.makeApiClient(CoreV1Api);
    const networking = config.makeApiClient(NetworkingV1Api);
    const objects = KubernetesObjectApi.makeApiClient(config);
    const context = Context.current();
    const deleted = new Set<string>();
    const observe = async (): Promise<Observed[]> => {
      const [services, ingresses] = await kubeCall('list Services and Ingresses', () => Promise.all([core.listServiceForAllNamespaces(), networking.listIngressForAllNamespaces()]));
      return [
        ...services.items.filter((service) => service.spec?.type === 'LoadBalancer').map((service) => observed('v1', 'Service', service)),
        ...ingresses.items.map((ingress) => observed('networking.k8s.io/v1', 'Ingress', ingress)),
      ];
    };
    for (;;) {
      let present = await observe();
      const undeleted = present.filter((item) => !item.deleting);
      if (undeleted.length > 0) {
        await Promise.all(undeleted.map(async ({ object, key }) => {
          await deleteIfPresent(object, objects);
          deleted.add(key);
        }));
        // Objects without a finalizer are gone at once: look again rather than wait a round.
        present = await observe();
      }
      const progress: LoadBalancedObjectsProgress = { remaining: present.map((item) => item.key), deleted: [...deleted] };
      context.heartbeat(progress);
      if (present.length === 0) return { deleted: progress.deleted };
      // Context.sleep ends early with a CancelledFailure when the workflow cancels this wait.
      await context.sleep(pace(pollIntervalMs));
    }
  }

  return { deleteLoadBalancedObjects };
}

function observed(apiVersion: string, kind: string, item: KubernetesObject): Observed {
  const { name = '', namespace = '' } = item.metadata ?? {};
  return {
    object: { apiVersion, kind, metadata: { name, namespace } },
    key: `${namespace}/${kind}/${name}`,
    deleting: Boolean(item.metadata?.deletionTimestamp),
  };
}
