import { AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1Deployment } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../domain/errors';
import { kubeCall, kubeOrUndefined } from './kube-calls';
import type { KubeAccess } from './nodes-ready';
import { paceFor, type Pace } from './pace';

/** The annotation EKS's Fargate admission reads: `ec2` keeps a pod off Fargate even where a profile selects it. */
export const computeTypeAnnotation = 'eks.amazonaws.com/compute-type';
const namespace = 'kube-system';
const name = 'coredns';
/** Fargate registers one node per pod, named `fargate-ip-…`; eksctl checks CoreDNS's pods by that prefix. */
const fargateNodePrefix = 'fargate-';

export interface CorednsOnFargate {
  /** Whether this call changed the pod template (false: it already said fargate). */
  patched: boolean;
  replicas: number;
  ready: number;
  /** CoreDNS pods Running on a Fargate node. */
  onFargate: number;
  pods: number;
}

const pollIntervalMs = 5_000;

export function createCorednsFargateActivities(kube: KubeAccess, pace: Pace = paceFor()) {
  /**
   * Makes CoreDNS run on Fargate and waits until it does, as eksctl does for a cluster without
   * node groups (pkg/fargate/coredns; catalog entry 31): EKS creates Deployment
   * kube-system/coredns with its pod template annotated `eks.amazonaws.com/compute-type: ec2`,
   * so Fargate's admission leaves its pods to the default scheduler and, with no EC2 node, they
   * stay Pending for ever. A merge patch sets the annotation to `fargate`; changing the template
   * rolls the Deployment, whose new pods Fargate takes. Ready when readyReplicas equals
   * replicas and every CoreDNS pod is Running on a `fargate-` node. Safe to repeat;
   * heartbeats each look; ends early when cancelled.
   */
  async function runCorednsOnFargate(input: { cluster: string }): Promise<CorednsOnFargate> {
    const config = await kube.forCluster(input.cluster);
    const apps = config.makeApiClient(AppsV1Api);
    const core = config.makeApiClient(CoreV1Api);
    const read = () => kubeOrUndefined(`read Deployment ${namespace}/${name}`, () => apps.readNamespacedDeployment({ name, namespace }));
    const found = await read();
    if (!found) throw ApplicationFailure.retryable(`Deployment ${namespace}/${name} does not exist yet: EKS makes it with the cluster`, 'KubernetesApiError');
    let patched = false;
    if (templateComputeType(found) !== 'fargate') {
      const objects = KubernetesObjectApi.makeApiClient(config);
      const result = await kubeCall(`patch Deployment ${namespace}/${name} to run on Fargate`, () => objects.patch(
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { template: { metadata: { annotations: { [computeTypeAnnotation]: 'fargate' } } } } } as KubernetesObject,
        undefined, undefined, 'eksflow', undefined, PatchStrategy.MergePatch,
      ));
      // As eksctl does: the patched object must say fargate, or something (a webhook, another
      // manager) undid it, and waiting would never end.
      if (templateComputeType(result as V1Deployment) !== 'fargate') {
        throw ApplicationFailure.nonRetryable(`the patch of Deployment ${namespace}/${name} did not take: its pod template says ${computeTypeAnnotation}=${templateComputeType(result as V1Deployment) ?? '(none)'}`, errorTypes.resourceFailed);
      }
      patched = true;
    }
    const context = Context.current();
    for (;;) {
      const deployment = await read();
      if (!deployment) throw ApplicationFailure.nonRetryable(`Deployment ${namespace}/${name} was deleted while moving it to Fargate`, errorTypes.resourceFailed);
      const selector = Object.entries(deployment.spec?.selector?.matchLabels ?? { 'k8s-app': 'kube-dns' }).map(([k, v]) => `${k}=${v}`).join(',');
      const pods = (await kubeCall(`list CoreDNS pods`, () => core.listNamespacedPod({ namespace, labelSelector: selector }))).items.filter((pod) => !pod.metadata?.deletionTimestamp);
      const onFargate = pods.filter((pod) => pod.status?.phase === 'Running' && (pod.spec?.nodeName ?? '').startsWith(fargateNodePrefix)
        && pod.metadata?.annotations?.[computeTypeAnnotation] === 'fargate').length;
      const progress = { patched, replicas: deployment.spec?.replicas ?? 1, ready: deployment.status?.readyReplicas ?? 0, onFargate, pods: pods.length };
      context.heartbeat(progress);
      if (progress.ready === progress.replicas && onFargate === pods.length && pods.length >= progress.replicas) return progress;
      await context.sleep(pace(pollIntervalMs));
    }
  }

  return { runCorednsOnFargate };
}

const templateComputeType = (deployment: V1Deployment) => deployment.spec?.template?.metadata?.annotations?.[computeTypeAnnotation];
