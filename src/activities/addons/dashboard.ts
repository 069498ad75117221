import {
  CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1ClusterRoleBinding, type V1ServiceAccount,
} from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import type { ResolvedAddon } from '../../domain/addon-catalog';
import { appLabelKeys, fieldManagers, labelValue, type Manifest } from '../../domain/app-manifests';
import { errorTypes } from '../../domain/errors';
import { deleteIfPresent, kubeCall, kubeNotFound, kubeFailure } from '../kube-calls';
import type { KubeAccess } from '../nodes-ready';
import type { AddonContext, AddonFactory, AddonTools } from './addon-module';
import { helmAddon } from './helm-addon';

/**
 * The cluster dashboard: Headlamp, or the archived Kubernetes Dashboard as a legacy choice,
 * whichever the catalog resolved. Either is only a UI: it acts with the token the person signs
 * in with, so eksflow makes one admin ServiceAccount for that and hands out short-lived
 * tokens for it (`createDashboardTokenActivity`), never a Secret that holds one forever.
 */

/** The ServiceAccount people sign in to the dashboard as, and its ClusterRoleBinding to cluster-admin. */
export const dashboardAdminName = 'eksflow-dashboard-admin';

/** Failure types of the dashboard's token call, for the API layer to map to a response. */
export const dashboardErrorTypes = {
  /** No admin ServiceAccount in that namespace: the dashboard add-on is not installed there (or not yet). */
  notInstalled: 'DashboardNotInstalled',
} as const;

/** Values for the Headlamp chart. */
export interface HeadlampValues {
  /**
   * The chart binds Headlamp's own ServiceAccount, the one its pod runs as, to cluster-admin
   * by default: the pod would hold a cluster-admin token it never needs, since Headlamp acts
   * with the token people sign in with. eksflow binds the ServiceAccount they sign in as instead.
   */
  clusterRoleBinding: { create: false };
  /** Reached by `kubectl port-forward`, never through a load balancer. */
  service: { type: 'ClusterIP' };
}

/** Values for the Kubernetes Dashboard chart (7.x, where Kong fronts the UI and API). */
export interface KubernetesDashboardValues {
  /** As for Headlamp: the Kong proxy, the dashboard's only entrance, stays inside the cluster. */
  kong: { proxy: { type: 'ClusterIP' } };
}

/** The release's values for the dashboard the catalog chose; both charts grant nothing by themselves. */
export function dashboardValues(addon: Pick<ResolvedAddon, 'name' | 'install'>): HeadlampValues | KubernetesDashboardValues {
  const chart = addon.install.method === 'helm' ? addon.install.chart.name : undefined;
  if (chart === 'headlamp') return { clusterRoleBinding: { create: false }, service: { type: 'ClusterIP' } };
  if (chart === 'kubernetes-dashboard') return { kong: { proxy: { type: 'ClusterIP' } } };
  throw ApplicationFailure.nonRetryable(`no dashboard values for ${addon.name} installed as ${chart ? `chart ${chart}` : addon.install.method}`, errorTypes.invalidPlan);
}

export interface DashboardAdminManifests {
  serviceAccount: Manifest<V1ServiceAccount>;
  clusterRoleBinding: Manifest<V1ClusterRoleBinding>;
}

/** The admin ServiceAccount in the dashboard's namespace and its binding to cluster-admin, labelled as eksflow's. */
export function dashboardAdminManifests(namespace: string, environmentId: string): DashboardAdminManifests {
  const labels = { [appLabelKeys.managedBy]: 'eksflow', [appLabelKeys.environment]: labelValue(environmentId) };
  return {
    serviceAccount: {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: dashboardAdminName, namespace, labels },
      // No pod runs as it: a pod naming it by mistake should not get a cluster-admin token mounted.
      automountServiceAccountToken: false,
    },
    clusterRoleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: dashboardAdminName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: dashboardAdminName, namespace }],
    },
  };
}

/** Makes (or leaves as they are) the admin ServiceAccount and binding, by server-side apply as "eksflow". */
async function applyDashboardAdmin(tools: AddonTools, context: AddonContext, addon: ResolvedAddon): Promise<string> {
  const objects = KubernetesObjectApi.makeApiClient(await tools.kube.forCluster(context.cluster));
  const { serviceAccount, clusterRoleBinding } = dashboardAdminManifests(addon.namespace, context.owner.environmentId);
  // The ServiceAccount first, so the binding never names a subject that is not there.
  for (const object of [serviceAccount, clusterRoleBinding] as KubernetesObject[]) {
    await kubeCall(`apply ${object.kind} ${[object.metadata?.namespace, object.metadata?.name].filter(Boolean).join('/')}`,
      () => objects.patch(object, undefined, undefined, fieldManagers.apply, true, PatchStrategy.ServerSideApply));
  }
  return `admin ServiceAccount ${addon.namespace}/${dashboardAdminName} bound to cluster-admin`;
}

/** Removes the admin binding, then its ServiceAccount; either may be gone already. */
async function deleteDashboardAdmin(tools: AddonTools, context: AddonContext, addon: ResolvedAddon): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(await tools.kube.forCluster(context.cluster));
  const { serviceAccount, clusterRoleBinding } = dashboardAdminManifests(addon.namespace, context.owner.environmentId);
  // The grant goes first, so nothing is ever left bound to cluster-admin.
  await deleteIfPresent(clusterRoleBinding, objects);
  await deleteIfPresent(serviceAccount, objects);
}

/** The dashboard add-on: the chart the catalog resolved, plus eksflow's admin ServiceAccount and binding. */
export const dashboard: AddonFactory = helmAddon({
  values: (_context, addon) => ({ ...dashboardValues(addon) }),
  afterInstall: applyDashboardAdmin,
  beforeUninstall: deleteDashboardAdmin,
});

/** How long a dashboard sign-in token may live. */
export const dashboardTokenLifetime = {
  /** When the caller names none. */
  defaultSeconds: 3_600,
  /** The apiserver's own floor for a TokenRequest. */
  minSeconds: 600,
  /** A working day: a token that outlives it is a standing credential. */
  maxSeconds: 12 * 3_600,
} as const;

export interface DashboardLoginTokenInput {
  cluster: string;
  /** The dashboard add-on's namespace, as the catalog resolved it (headlamp or kubernetes-dashboard). */
  namespace: string;
  /** The token's lifetime, between 10 minutes and 12 hours. @default 3600 */
  expirationSeconds?: number;
}

export interface DashboardLoginToken {
  /** A bearer token for the admin ServiceAccount. A secret: see `dashboardLoginToken`. */
  token: string;
  /** When the apiserver stops accepting it, as an ISO 8601 time. */
  expiresAt: string;
  /** Who the token signs in as: system:serviceaccount:<namespace>:eksflow-dashboard-admin. */
  username: string;
}

/**
 * Sign-in tokens for the dashboard, for the API layer to call directly. Not a workflow
 * activity, though shaped like one: whatever an activity returns is written to the workflow's
 * history, where a token would stay readable long after it was handed out.
 */
export function createDashboardTokenActivity(kube: KubeAccess) {
  /**
   * A short-lived token for the dashboard's admin ServiceAccount, from the TokenRequest API
   * (`kubectl create token`): signed by the apiserver, bound to nothing stored, valid until
   * `expiresAt`. No Secret is made, so nothing holds the token but the caller.
   *
   * The token is a cluster-admin credential. Never log it, never put it in an error, a
   * heartbeat, a workflow input or result, or anything else that is kept; hand it to the
   * person who asked and forget it.
   */
  async function dashboardLoginToken(input: DashboardLoginTokenInput): Promise<DashboardLoginToken> {
    const expirationSeconds = input.expirationSeconds ?? dashboardTokenLifetime.defaultSeconds;
    if (!Number.isInteger(expirationSeconds) || expirationSeconds < dashboardTokenLifetime.minSeconds || expirationSeconds > dashboardTokenLifetime.maxSeconds) {
      throw ApplicationFailure.nonRetryable(
        `a dashboard token lives between ${dashboardTokenLifetime.minSeconds} and ${dashboardTokenLifetime.maxSeconds} seconds, not ${expirationSeconds}`,
        errorTypes.invalidSpec,
      );
    }
    const config = await kube.forCluster(input.cluster);
    const where = `${input.namespace}/${dashboardAdminName}`;
    const requested = await config.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
      name: dashboardAdminName,
      namespace: input.namespace,
      // No audiences: the apiserver's own, so the token is good for the Kubernetes API the dashboard calls.
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds } },
    }).catch((error: unknown) => {
      throw kubeNotFound(error)
        ? ApplicationFailure.nonRetryable(`there is no ServiceAccount ${where}: the dashboard add-on is not installed in ${input.namespace}`, dashboardErrorTypes.notInstalled)
        : kubeFailure(error, `request a token for ServiceAccount ${where}`);
    });
    const { token, expirationTimestamp } = requested.status ?? {};
    if (!token || !expirationTimestamp) throw ApplicationFailure.retryable(`the apiserver answered the TokenRequest for ${where} without a token`, 'KubernetesApiError');
    return { token, expiresAt: new Date(expirationTimestamp).toISOString(), username: `system:serviceaccount:${input.namespace}:${dashboardAdminName}` };
  }

  return { dashboardLoginToken };
}
