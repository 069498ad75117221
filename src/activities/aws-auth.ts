import { CoreV1Api, RbacAuthorizationV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { awsAuthEntries, emrContainersRbac, emrContainersUser, emrRbacLedgerName, type AwsAuthSpec, type MapRole } from '../domain/aws-auth';
import type { ResourceRef } from '../domain/ledger';
import { ownershipTagKeys, type Owner } from '../domain/ownership';
import { kubeCall, kubeConflict, kubeNotFound, kubeOrUndefined } from './kube-calls';
import type { KubeAccess } from './nodes-ready';
import type { DeleteOutcome, DeleteOwner } from './ownership-check';

/**
 * The aws-auth ConfigMap's entries eksflow needs where access entries cannot express them
 * (src/domain/aws-auth.ts), and EMR on EKS's RBAC. eksctl merges into the ConfigMap in place
 * (pkg/authconfigmap/authconfigmap.go: AddIdentity / AddAccount, then Save as an update); so does
 * this, keeping every entry it did not put there. Which entries are eksflow's is written on the
 * ConfigMap itself (the annotation `eksflow.io/aws-auth`: the environment and its entries), so a
 * removal takes out exactly those, never an entry someone else had or added.
 */

const namespace = 'kube-system';
const name = 'aws-auth';
/** The annotation on aws-auth that lists this environment's entries. */
export const awsAuthAnnotation = 'eksflow.io/aws-auth';

interface Recorded { environment: string; mapRoles: MapRole[]; mapAccounts: string[] }

const readList = <T>(text: string | undefined): T[] => {
  const parsed: unknown = text ? parse(text) : undefined;
  return Array.isArray(parsed) ? parsed as T[] : [];
};
const sameRole = (a: MapRole, b: MapRole) => a.rolearn === b.rolearn && a.username === b.username;

export interface EnsureAwsAuthInput {
  owner: Owner;
  region: string;
  cluster: string;
  awsAuth: AwsAuthSpec;
  /** The cluster's partition and account (EMR's service-linked role is the cluster account's). */
  partition: string;
  account: string;
}

export function createAwsAuthActivities(kube: KubeAccess) {
  /** Reads, changes and writes aws-auth, again on a conflict (someone else wrote it meanwhile). */
  async function updateAwsAuth(cluster: string, change: (data: Record<string, string>, recorded: Recorded | undefined) => Recorded | undefined): Promise<void> {
    const core = (await kube.forCluster(cluster)).makeApiClient(CoreV1Api);
    for (let attempt = 1; ; attempt++) {
      const existing = await kubeOrUndefined('read kube-system/aws-auth', () => core.readNamespacedConfigMap({ name, namespace }));
      const data = { ...(existing?.data ?? {}) };
      const annotations = { ...(existing?.metadata?.annotations ?? {}) };
      const recorded = annotations[awsAuthAnnotation] ? JSON.parse(annotations[awsAuthAnnotation]) as Recorded : undefined;
      const next = change(data, recorded);
      if (next) annotations[awsAuthAnnotation] = JSON.stringify(next);
      else delete annotations[awsAuthAnnotation];
      const body: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...(existing?.metadata ?? {}), name, namespace, annotations }, data };
      try {
        if (existing) await core.replaceNamespacedConfigMap({ name, namespace, body });
        else if (next) await core.createNamespacedConfigMap({ namespace, body });
        return;
      } catch (error) {
        // Optimistic concurrency (resourceVersion), or made meanwhile: read again and merge again.
        if (kubeConflict(error) && attempt < 5) continue;
        return kubeCall('write kube-system/aws-auth', () => Promise.reject(error));
      }
    }
  }

  /**
   * Adds this environment's mapRoles and mapAccounts entries to aws-auth (making it when the
   * cluster has none), keeping every other entry; an entry already there is left as it is and
   * not recorded as eksflow's. Idempotent.
   */
  async function ensureAwsAuthEntries(input: EnsureAwsAuthInput): Promise<{ ref: ResourceRef; made: boolean; mapRoles: string[]; mapAccounts: string[] }> {
    const wanted = awsAuthEntries(input.awsAuth, input.partition, input.account);
    let shown = { mapRoles: [] as string[], mapAccounts: [] as string[] };
    await updateAwsAuth(input.cluster, (data, recorded) => {
      const ours: Recorded = recorded?.environment === input.owner.environmentId ? recorded : { environment: input.owner.environmentId, mapRoles: [], mapAccounts: [] };
      const roles = readList<MapRole>(data.mapRoles);
      const accounts = readList<string>(data.mapAccounts).map(String);
      for (const role of wanted.mapRoles) {
        if (roles.some((r) => sameRole(r, role))) continue;
        roles.push(role);
        ours.mapRoles.push(role);
      }
      for (const account of wanted.mapAccounts) {
        if (accounts.includes(account)) continue;
        accounts.push(account);
        ours.mapAccounts.push(account);
      }
      if (roles.length > 0) data.mapRoles = stringify(roles);
      if (accounts.length > 0) data.mapAccounts = stringify(accounts);
      shown = { mapRoles: wanted.mapRoles.map((r) => `${r.rolearn} as ${r.username}`), mapAccounts: wanted.mapAccounts };
      return ours;
    });
    return { ref: { kind: 'aws-auth', name: input.cluster, region: input.region }, made: true, ...shown };
  }

  /** Takes out of aws-auth the entries it records as this environment's, and nothing else. Done when there is no aws-auth. */
  async function removeAwsAuthEntries(input: DeleteOwner & { cluster: string }): Promise<DeleteOutcome> {
    let removed = false;
    await updateAwsAuth(input.cluster, (data, recorded) => {
      if (!recorded || recorded.environment !== input.environmentId) return recorded;
      const roles = readList<MapRole>(data.mapRoles).filter((r) => !recorded.mapRoles.some((ours) => sameRole(r, ours)));
      const accounts = readList<string>(data.mapAccounts).map(String).filter((a) => !recorded.mapAccounts.includes(a));
      if (roles.length > 0) data.mapRoles = stringify(roles); else delete data.mapRoles;
      if (accounts.length > 0) data.mapAccounts = stringify(accounts); else delete data.mapAccounts;
      removed = true;
      return undefined;
    });
    return { outcome: removed ? 'deleted' : 'absent' };
  }

  /**
   * eksctl's emr-containers Role and RoleBinding in a namespace, made (or replaced) as
   * eksflow's; the namespace made first when it is missing (eksctl fails there: "the namespace
   * needs to exist", examples/35-iamidentitymappings.yaml).
   */
  async function ensureEmrContainersRbac(input: { owner: Owner; region: string; cluster: string; namespace: string }): Promise<{ ref: ResourceRef; made: boolean; namespaceMade: boolean }> {
    const config = await kube.forCluster(input.cluster);
    const core = config.makeApiClient(CoreV1Api);
    const rbac = config.makeApiClient(RbacAuthorizationV1Api);
    const annotations = { [ownershipTagKeys.environment]: input.owner.environmentId };
    const labels = { 'app.kubernetes.io/managed-by': 'eksflow' };
    let namespaceMade = false;
    if (!await kubeOrUndefined(`read namespace ${input.namespace}`, () => core.readNamespace({ name: input.namespace }))) {
      await kubeCall(`create namespace ${input.namespace}`, () => core.createNamespace({ body: { metadata: { name: input.namespace, labels, annotations } } }).catch((error: unknown) => {
        if (!kubeConflict(error)) throw error;
      }));
      namespaceMade = true;
    }
    const { role, binding } = emrContainersRbac(input.namespace, labels);
    const withOwner = <T extends { metadata: object }>(o: T) => ({ ...o, metadata: { ...o.metadata, annotations } });
    const at = { name: emrContainersUser, namespace: input.namespace };
    await kubeCall(`apply Role ${input.namespace}/${emrContainersUser}`, async () => {
      if (await kubeOrUndefined('read Role', () => rbac.readNamespacedRole(at))) await rbac.replaceNamespacedRole({ ...at, body: withOwner(role) });
      else await rbac.createNamespacedRole({ namespace: input.namespace, body: withOwner(role) });
    });
    await kubeCall(`apply RoleBinding ${input.namespace}/${emrContainersUser}`, async () => {
      if (await kubeOrUndefined('read RoleBinding', () => rbac.readNamespacedRoleBinding(at))) await rbac.replaceNamespacedRoleBinding({ ...at, body: withOwner(binding) });
      else await rbac.createNamespacedRoleBinding({ namespace: input.namespace, body: withOwner(binding) });
    });
    return { ref: { kind: 'aws-auth', name: emrRbacLedgerName(input.cluster, input.namespace), region: input.region }, made: true, namespaceMade };
  }

  /** Deletes the emr-containers Role and RoleBinding of a namespace when they are this environment's; gone already is done. */
  async function deleteEmrContainersRbac(input: DeleteOwner & { cluster: string; namespace: string }): Promise<DeleteOutcome> {
    const rbac = (await kube.forCluster(input.cluster)).makeApiClient(RbacAuthorizationV1Api);
    const at = { name: emrContainersUser, namespace: input.namespace };
    const role = await kubeOrUndefined('read Role', () => rbac.readNamespacedRole(at));
    const binding = await kubeOrUndefined('read RoleBinding', () => rbac.readNamespacedRoleBinding(at));
    if (!role && !binding) return { outcome: 'absent' };
    const ours = (o: { metadata?: { annotations?: Record<string, string> } } | undefined) => !o || o.metadata?.annotations?.[ownershipTagKeys.environment] === input.environmentId;
    if (!ours(role) || !ours(binding)) return { outcome: 'not-ours' };
    const gone = (error: unknown) => { if (!kubeNotFound(error)) throw error; };
    if (binding) await kubeCall('delete RoleBinding', () => rbac.deleteNamespacedRoleBinding(at).then(() => undefined, gone));
    if (role) await kubeCall('delete Role', () => rbac.deleteNamespacedRole(at).then(() => undefined, gone));
    return { outcome: 'deleted' };
  }

  return { ensureAwsAuthEntries, removeAwsAuthEntries, ensureEmrContainersRbac, deleteEmrContainersRbac };
}
