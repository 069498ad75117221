import {
  AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1Deployment, type V1Pod,
} from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  appliedReplicasOwner, appManifests, appNamespace, appSelector, appVerticalPodAutoscaler, builtInNamespaces, fieldManagers, replicasHandover,
} from '../domain/app-manifests';
import { autoModeLoadBalancerClass } from '../domain/auto-mode';
import type { AppSpec } from '../domain/environment-spec';
import { errorTypes } from '../domain/errors';
import { ownershipTagKeys } from '../domain/ownership';
import { appSecurityGroupPolicy } from '../domain/security-group-policy';
import { deleteIfPresent, isApiMissing, kubeCall, kubeConflict, kubeFailure, kubeOrUndefined } from './kube-calls';
import type { KubeAccess } from './nodes-ready';
import { paceFor, type Pace } from './pace';

export interface AppApplied {
  namespace: string;
  /** What was applied, as kind/name. */
  applied: string[];
  /** The Deployment's generation after the apply: unchanged when the apply changed nothing. */
  generation: number;
  /** The Deployment was there before and this run did not make it: the ledger records it adopted. */
  adopted?: boolean;
}

/** One look at the Deployment's rollout, as `kubectl rollout status` judges it. */
export interface AppRollout {
  status: 'progressing' | 'complete' | 'failed';
  generation: number;
  observedGeneration: number;
  /** Desired replicas (spec.replicas, which the HPA may have changed). */
  replicas: number;
  updated: number;
  available: number;
  message: string;
}

/** Where the app answers: `hostname` is the NLB's DNS name (or an IP, for load balancers that give one). */
export type AppEndpoint = { status: 'pending'; message: string } | { status: 'ready'; hostname: string; url: string };

export interface AppDeletion {
  status: 'deleting' | 'gone';
  /**
   * Why the namespace is not gone yet, from its conditions: an aggregated API that does not
   * answer (a broken metrics-server) stalls every namespace deletion in the cluster.
   */
  blockedBy?: string;
}

const vpaMissing = 'the VerticalPodAutoscaler API (autoscaling.k8s.io/v1) is not served by this cluster; the vertical-pod-autoscaler add-on brings it';

/**
 * The app's Kubernetes side. `applyApp` is idempotent; the others are single observations
 * the workflow polls with timers, so each returns at once and never waits.
 */
export function createAppActivities(kube: KubeAccess, pace: Pace = paceFor()) {
  /** Server-side applies the app's objects, as field manager "eksflow", taking fields over with force. */
  async function applyApp(input: {
    cluster: string; environment: string; app: AppSpec; image: string;
    /** The run applying: the Deployment records the run that first made it. */
    runId?: string;
    /** The VerticalPodAutoscaler is left to `applyAppVpa`, a step that waits for its API. */
    vpaSeparately?: boolean;
    /** An EKS Auto Mode cluster: the Service is of Auto Mode's class, eks.amazonaws.com/nlb. @default false */
    autoMode?: boolean;
  }): Promise<AppApplied> {
    const { app } = input;
    const config = await kube.forCluster(input.cluster);
    const objects = KubernetesObjectApi.makeApiClient(config);
    const apps = config.makeApiClient(AppsV1Api);
    const namespace = appNamespace(app);
    const apply = applier(objects, namespace);

    // With an HPA, the replica count is the HPA's after the first apply, and spec.replicas is
    // handed over before eksflow's apply stops listing it (see AppManifestOptions.leaveReplicasToHpa).
    const readLive = () => kubeOrUndefined(`read Deployment ${namespace}/${app.name}`, () => apps.readNamespacedDeployment({ name: app.name, namespace }));
    const before = await readLive();
    const madeByRun = before?.metadata?.annotations?.[ownershipTagKeys.createdByRun];
    const adopted = before !== undefined && (input.runId === undefined || madeByRun !== input.runId);
    let live = app.hpa ? before : undefined;
    for (let attempt = 1; live && appliedReplicasOwner(live.metadata?.managedFields); attempt++) {
      try {
        // Not forced, and pinned to the version read: the handover only co-owns the live value, and must never change it.
        await objects.patch(replicasHandover({ name: app.name, namespace, replicas: live.spec?.replicas ?? 1, resourceVersion: live.metadata?.resourceVersion ?? '' }),
          undefined, undefined, fieldManagers.replicasHandover, false, PatchStrategy.ServerSideApply);
        break;
      } catch (error) {
        // The controllers write the Deployment all the time (its status): read it again and retry.
        if (!kubeConflict(error) || attempt >= 5) throw kubeFailure(error, `hand over replicas of Deployment ${namespace}/${app.name}`);
        live = await readLive();
      }
    }
    // A Deployment already there keeps its maker (or none): stamping ours on it would make a
    // foreign one look like this run's to the next retry, and a rollback would delete it.
    const createdByRun = before ? madeByRun : input.runId;
    const manifests = appManifests(app, input.image, { environment: input.environment }, { leaveReplicasToHpa: live !== undefined, ...(createdByRun ? { createdByRun } : {}), ...(input.autoMode ? { loadBalancerClass: autoModeLoadBalancerClass } : {}) });
    const applied: string[] = [];
    let generation = 0;
    // Before the Deployment: the VPC resource controller gives branch ENIs only to pods created after it.
    const securityGroupPolicy = appSecurityGroupPolicy(app, { environment: input.environment });
    for (const object of [manifests.namespace, securityGroupPolicy, manifests.deployment, manifests.service, manifests.horizontalPodAutoscaler]) {
      if (!object) continue;
      const result = await apply(object as KubernetesObject, object === securityGroupPolicy ? { ifApiMissing: 'the SecurityGroupPolicy API (vpcresources.k8s.aws) is not served yet' } : {});
      if (object === manifests.deployment) generation = result.metadata?.generation ?? 0;
      applied.push(`${object.kind}/${object.metadata.name}`);
    }
    // An autoscaler the spec no longer asks for would keep acting on the Deployment.
    const references = appObjectReferences(app);
    if (!manifests.horizontalPodAutoscaler) await deleteIfPresent(references.horizontalPodAutoscaler, objects);
    const vpa = appVerticalPodAutoscaler(app, { environment: input.environment });
    if (vpa && !input.vpaSeparately) {
      await apply(vpa, { ifApiMissing: vpaMissing });
      applied.push(`${vpa.kind}/${vpa.metadata.name}`);
    } else if (!vpa) {
      await deleteIfPresent(references.verticalPodAutoscaler, objects);
    }
    return { namespace, applied, generation, adopted };
  }

  /** Server-side applies the app's VerticalPodAutoscaler; retried while its API is not served yet. */
  async function applyAppVpa(input: { cluster: string; environment: string; app: AppSpec }): Promise<{ applied: string }> {
    const vpa = appVerticalPodAutoscaler(input.app, { environment: input.environment });
    if (!vpa) throw ApplicationFailure.nonRetryable(`the app ${input.app.name} asks for no VerticalPodAutoscaler`, errorTypes.invalidSpec);
    const config = await kube.forCluster(input.cluster);
    await applier(KubernetesObjectApi.makeApiClient(config), appNamespace(input.app))(vpa, { ifApiMissing: vpaMissing });
    return { applied: `${vpa.kind}/${vpa.metadata.name}` };
  }

  async function appRollout(input: { cluster: string; app: AppSpec }): Promise<AppRollout> {
    const config = await kube.forCluster(input.cluster);
    const namespace = appNamespace(input.app);
    const deployment = await kubeOrUndefined(`read Deployment ${namespace}/${input.app.name}`, () => config.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: input.app.name, namespace }));
    if (!deployment) throw ApplicationFailure.nonRetryable(`Deployment ${namespace}/${input.app.name} does not exist: was the app applied, or deleted since?`, errorTypes.resourceFailed);
    const rollout = rolloutOf(deployment);
    if (rollout.status !== 'progressing' || rollout.available >= rollout.replicas) return rollout;
    // Why pods are not available is on the pods, not the Deployment: say it, so a rollout
    // that cannot be scheduled is visible long before its progress deadline.
    const pods = (await kubeCall(`list pods of ${namespace}/${input.app.name}`, () => config.makeApiClient(CoreV1Api).listNamespacedPod({
      namespace, labelSelector: Object.entries(appSelector(input.app)).map(([key, value]) => `${key}=${value}`).join(','),
    }))).items;
    const unscheduled = pods.map(unschedulableReason).find(Boolean);
    return unscheduled ? { ...rollout, message: `${rollout.message}; a pod cannot be scheduled: ${unscheduled}` } : rollout;
  }

  /** The NLB's address, once the AWS Load Balancer Controller has written it to the Service's status. */
  async function appEndpoint(input: { cluster: string; app: AppSpec }): Promise<AppEndpoint> {
    const config = await kube.forCluster(input.cluster);
    const namespace = appNamespace(input.app);
    const service = await kubeOrUndefined(`read Service ${namespace}/${input.app.name}`, () => config.makeApiClient(CoreV1Api).readNamespacedService({ name: input.app.name, namespace }));
    if (!service) throw ApplicationFailure.nonRetryable(`Service ${namespace}/${input.app.name} does not exist: was the app applied, or deleted since?`, errorTypes.resourceFailed);
    const ingress = service.status?.loadBalancer?.ingress?.[0];
    const hostname = ingress?.hostname ?? ingress?.ip;
    if (!hostname) return { status: 'pending', message: 'the AWS Load Balancer Controller has not yet given the Service a load balancer' };
    const port = input.app.servicePort;
    return { status: 'ready', hostname, url: port === 80 ? `http://${hostname}` : `http://${hostname}:${port}` };
  }

  /**
   * Deletes the app's namespace; call again until "gone". The namespace goes only once all it
   * holds is gone, and the Service only once the controller has deleted the NLB (it holds a
   * finalizer until then), so "gone" means the load balancer is gone too. An app in a
   * built-in namespace has its own objects deleted instead.
   */
  async function deleteApp(input: { cluster: string; app: AppSpec }): Promise<AppDeletion> {
    const config = await kube.forCluster(input.cluster);
    const objects = KubernetesObjectApi.makeApiClient(config);
    const namespace = appNamespace(input.app);
    if (builtInNamespaces.includes(namespace)) {
      const securityGroupPolicy = appSecurityGroupPolicy(input.app, { environment: '' });
      const targets = [...Object.values(appObjectReferences(input.app)), ...(securityGroupPolicy ? [{ apiVersion: securityGroupPolicy.apiVersion, kind: securityGroupPolicy.kind, metadata: { name: securityGroupPolicy.metadata.name, namespace: securityGroupPolicy.metadata.namespace } }] : [])];
      const gone = await Promise.all(targets.map((target) => deleteIfPresent(target, objects)));
      return gone.every(Boolean) ? { status: 'gone' } : { status: 'deleting' };
    }
    // A namespace already terminating is not deleted again: the apiserver answers that with 409 Conflict.
    const core = config.makeApiClient(CoreV1Api);
    let live = await kubeOrUndefined(`read Namespace ${namespace}`, () => core.readNamespace({ name: namespace }));
    if (!live) return { status: 'gone' };
    if (!live.metadata?.deletionTimestamp) {
      if (await deleteIfPresent({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, objects)) return { status: 'gone' };
      live = await kubeOrUndefined(`read Namespace ${namespace}`, () => core.readNamespace({ name: namespace }));
      if (!live) return { status: 'gone' };
    }
    const blocked = live.status?.conditions?.filter((c) => c.status === 'True' && c.type.endsWith('Failure')).map((c) => `${c.type}: ${c.message ?? c.reason ?? ''}`);
    return { status: 'deleting', ...(blocked?.length ? { blockedBy: blocked.join('; ') } : {}) };
  }

  /**
   * Deletes the app and waits, heartbeating, until the namespace controller has emptied its
   * namespace: a wait on Kubernetes' own pace, so it lives in the activity rather than in
   * workflow timers a time-skipping test would compress.
   */
  async function removeApp(input: { cluster: string; app: AppSpec }): Promise<AppDeletion> {
    const context = Context.current();
    for (;;) {
      const deletion = await deleteApp(input);
      context.heartbeat(deletion);
      if (deletion.status === 'gone') return deletion;
      await context.sleep(pace(removePollMs));
    }
  }

  return { applyApp, applyAppVpa, appRollout, appEndpoint, deleteApp, removeApp };
}

const removePollMs = 1_000;

/** Judges a rollout the way `kubectl rollout status` does, from the Deployment alone. */
export function rolloutOf(deployment: V1Deployment): AppRollout {
  const generation = deployment.metadata?.generation ?? 0;
  const status = deployment.status ?? {};
  const observation = {
    generation,
    observedGeneration: status.observedGeneration ?? 0,
    replicas: deployment.spec?.replicas ?? 1,
    updated: status.updatedReplicas ?? 0,
    available: status.availableReplicas ?? 0,
  };
  const { replicas, updated, available } = observation;
  const progressing = (message: string): AppRollout => ({ status: 'progressing', ...observation, message });
  if (observation.observedGeneration < generation) return progressing(`the Deployment controller has not yet seen generation ${generation}`);
  const condition = status.conditions?.find((c) => c.type === 'Progressing');
  if (condition?.reason === 'ProgressDeadlineExceeded') {
    return { status: 'failed', ...observation, message: `rollout passed its progress deadline: ${condition.message ?? 'no message'}` };
  }
  if (updated < replicas) return progressing(`${updated} of ${replicas} replicas updated`);
  const total = status.replicas ?? 0;
  if (total > updated) return progressing(`${total - updated} old replicas pending termination`);
  if (available < replicas) return progressing(`${available} of ${replicas} updated replicas available`);
  if (updated !== replicas || available !== replicas) return progressing(`${updated} updated and ${available} available for ${replicas} replicas`);
  return { status: 'complete', ...observation, message: `${replicas} of ${replicas} replicas updated and available` };
}

function unschedulableReason(pod: V1Pod): string | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  return scheduled?.status === 'False' ? scheduled.message ?? scheduled.reason : undefined;
}

/** Server-side apply as field manager "eksflow", forcing by default; a missing API is retryable with `ifApiMissing` as the reason. */
function applier(objects: KubernetesObjectApi, namespace: string) {
  return <T extends KubernetesObject>(object: T, { manager = fieldManagers.apply as string, force = true, ifApiMissing = '' } = {}) =>
    kubeCall(`apply ${object.kind} ${namespace}/${object.metadata?.name}`, async () => {
      try {
        return await objects.patch(object, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);
      } catch (error) {
        throw ifApiMissing && isApiMissing(error) ? ApplicationFailure.retryable(ifApiMissing, 'KubernetesApiMissing') : error;
      }
    });
}

/** What `applyApp` may have made in the app's namespace, by reference: Deployment, Service, HPA, VPA. */
function appObjectReferences(app: AppSpec) {
  const reference = (apiVersion: string, kind: string): KubernetesObject => ({ apiVersion, kind, metadata: { name: app.name, namespace: appNamespace(app) } });
  return {
    deployment: reference('apps/v1', 'Deployment'),
    service: reference('v1', 'Service'),
    horizontalPodAutoscaler: reference('autoscaling/v2', 'HorizontalPodAutoscaler'),
    verticalPodAutoscaler: reference('autoscaling.k8s.io/v1', 'VerticalPodAutoscaler'),
  };
}
