import { Type, type Static } from '@sinclair/typebox';

/**
 * What EKS access entries cannot say, kept where eksctl keeps it: the aws-auth ConfigMap
 * (kube-system/aws-auth), which a cluster in API_AND_CONFIG_MAP authentication mode still reads.
 * Two of eksctl's iamIdentityMappings need it (pkg/authconfigmap):
 * - `account`: every IAM principal of an account maps to its own ARN as username (mapAccounts);
 *   an access entry names one principal only;
 * - `serviceName: emr-containers` + `namespace`: EMR on EKS's service-linked role
 *   (AWSServiceRoleForAmazonEMRContainers) mapped to the user emr-containers (mapRoles), with a
 *   Role and RoleBinding named emr-containers in the namespace (pkg/authconfigmap/service_access.go,
 *   assets/emr-containers-rbac.yaml). EKS refuses service-linked roles as access entry principals.
 * Pure.
 */

const Account = Type.String({ pattern: '^[0-9]{12}$', description: 'an AWS account ID' });
const Namespace = Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63, description: 'a namespace name' });

export const AwsAuth = Type.Object({
  accounts: Type.Optional(Type.Array(Account, { minItems: 1, maxItems: 16, uniqueItems: true, description: 'accounts whose every IAM principal may authenticate (mapAccounts); they get no permissions but what RBAC binds to their ARNs' })),
  emrContainers: Type.Optional(Type.Array(Namespace, { minItems: 1, maxItems: 16, uniqueItems: true, description: 'namespaces EMR on EKS may run jobs in: its service-linked role mapped to the user emr-containers, bound to eksctl\'s emr-containers Role there (the namespace made when missing)' })),
}, { additionalProperties: false, description: 'entries of the aws-auth ConfigMap, for what access entries cannot hold (needs authenticationMode API_AND_CONFIG_MAP); removed at teardown, others\' entries kept' });
export type AwsAuthSpec = Static<typeof AwsAuth>;

/** One mapRoles item (aws-auth's own field names). */
export interface MapRole { rolearn: string; username: string; groups?: string[] }

/**
 * Ledger names (kind aws-auth): the cluster's name for its aws-auth entries,
 * "<cluster>/emr-containers/<namespace>" for EMR's Role and RoleBinding in a namespace.
 */
export const emrRbacLedgerName = (cluster: string, namespace: string) => `${cluster}/emr-containers/${namespace}`;
export function awsAuthLedgerTarget(name: string): { cluster: string; namespace?: string } {
  const [cluster, , namespace] = name.split('/');
  return { cluster: cluster!, ...(namespace ? { namespace } : {}) };
}

/** The user EMR on EKS's service-linked role is mapped to, and the name of its Role and RoleBinding. */
export const emrContainersUser = 'emr-containers';

/** EMR on EKS's service-linked role, as aws-auth takes it: no path (aws-auth ARNs cannot have one: EKS user guide, "Create access entries"). */
export const emrContainersRoleArn = (partition: string, account: string) => `arn:${partition}:iam::${account}:role/AWSServiceRoleForAmazonEMRContainers`;

/** The step's title part: what is mapped. */
export function describeAwsAuth(awsAuth: AwsAuthSpec): string {
  return [
    ...(awsAuth.emrContainers?.length ? [`EMR on EKS (AWSServiceRoleForAmazonEMRContainers as ${emrContainersUser}, its Role and RoleBinding in ${awsAuth.emrContainers.join(', ')})`] : []),
    ...(awsAuth.accounts?.length ? [`every principal of account${awsAuth.accounts.length > 1 ? 's' : ''} ${awsAuth.accounts.join(', ')}`] : []),
  ].join('; ') || 'nothing';
}

/** What eksflow puts in aws-auth for a spec: mapRoles and mapAccounts. */
export function awsAuthEntries(awsAuth: AwsAuthSpec, partition: string, account: string): { mapRoles: MapRole[]; mapAccounts: string[] } {
  return {
    mapRoles: (awsAuth.emrContainers?.length ? [{ rolearn: emrContainersRoleArn(partition, account), username: emrContainersUser }] : []),
    mapAccounts: [...(awsAuth.accounts ?? [])],
  };
}

/** eksctl's emr-containers Role and RoleBinding for one namespace (pkg/authconfigmap/assets/emr-containers-rbac.yaml). */
export function emrContainersRbac(namespace: string, labels: Record<string, string>) {
  const all = ['get', 'list', 'watch', 'describe', 'create', 'edit', 'delete', 'annotate', 'patch', 'label'];
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: emrContainersUser, namespace, labels },
    rules: [
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
      { apiGroups: [''], resources: ['serviceaccounts', 'services', 'configmaps', 'events', 'pods', 'pods/log'], verbs: [...all.slice(0, 7), 'deletecollection', ...all.slice(7)] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'patch', 'delete', 'watch'] },
      { apiGroups: ['apps'], resources: ['statefulsets', 'deployments'], verbs: all },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: all },
      { apiGroups: ['extensions'], resources: ['ingresses'], verbs: all },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: [...all.slice(0, 7), 'deletecollection', ...all.slice(7)] },
      { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['create', 'list', 'delete'] },
    ],
  };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: emrContainersUser, namespace, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: emrContainersUser },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: emrContainersUser }],
  };
  return { role, binding };
}
