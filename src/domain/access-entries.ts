import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import type { SpecError } from './environment-spec';
import { AwsAuth } from './aws-auth';

/**
 * Who may use an environment's cluster: EKS access entries (IAM principals, each with EKS access
 * policies scoped to the cluster or to namespaces, and optional Kubernetes groups), and the
 * cluster's authentication mode. The spec's part, its rules, and what the plan and the
 * activities derive from it. Pure.
 *
 * Shaped after eksctl's `accessConfig` (pkg/apis/eksctl.io/v1alpha5/access_entry.go) and the
 * Terraform EKS module's `access_entries`: one entry per principal, its policies beside it.
 */

function literals<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> {
  return Type.Union(values.map((value) => Type.Literal(value)), options) as never;
}

/** The EKS access policies a spec may name (arn:aws:eks::aws:cluster-access-policy/<name>). */
export const accessPolicyNames = ['AmazonEKSClusterAdminPolicy', 'AmazonEKSAdminPolicy', 'AmazonEKSEditPolicy', 'AmazonEKSViewPolicy'] as const;
export type AccessPolicyName = (typeof accessPolicyNames)[number];

/** EKS's authentication modes in which access entries work (CONFIG_MAP alone refuses them). */
export const authenticationModes = ['API', 'API_AND_CONFIG_MAP'] as const;
/**
 * What a cluster is created with when the spec says nothing: eksctl's own default when
 * accessConfig leaves it out (pkg/apis/eksctl.io/v1alpha5/defaults.go SetClusterConfigDefaults),
 * which keeps the aws-auth ConfigMap working beside access entries.
 */
export const defaultAuthenticationMode = 'API_AND_CONFIG_MAP';

/** An IAM user or role ARN, with any path (IAM Identity Center roles live under /aws-reserved/sso.amazonaws.com/). */
export const iamPrincipalArnPattern = '^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::[0-9]{12}:(user|role)/([\\w+=,.@-]+/)*[\\w+=,.@-]{1,128}$';

// A namespace scope takes names, or a prefix ending in "*" (EKS: "dev-*").
const NamespaceName = Type.String({ pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?|[a-z0-9][-a-z0-9]*\\*)$', maxLength: 63, description: 'a namespace name, or a prefix ending in * (dev-*)' });

export const AccessPolicy = Type.Object({
  policy: literals(accessPolicyNames, { description: 'an EKS access policy' }),
  scope: literals(['cluster', 'namespace'] as const, { default: 'cluster', description: 'the whole cluster, or the namespaces listed' }),
  namespaces: Type.Optional(Type.Array(NamespaceName, { minItems: 1, maxItems: 16, uniqueItems: true, description: 'with scope namespace: the namespaces the policy applies in' })),
}, { additionalProperties: false });

export const AccessEntry = Type.Object({
  principalArn: Type.String({ pattern: iamPrincipalArnPattern, maxLength: 2048, description: 'an IAM user or role ARN (arn:aws:iam::111122223333:role/team-admin)' }),
  type: literals(['STANDARD', 'EC2_LINUX', 'EC2_WINDOWS'] as const, { default: 'STANDARD', description: 'STANDARD for people and tools; EC2_* for the role of self-managed nodes' }),
  kubernetesGroups: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9][-A-Za-z0-9_.:@]*$', maxLength: 256 }), {
    maxItems: 16, uniqueItems: true, description: 'Kubernetes groups for RBAC bindings of your own (not system:*)',
  })),
  accessPolicies: Type.Array(AccessPolicy, { maxItems: 4, default: [], description: 'EKS access policies, each scoped to the cluster or to namespaces' }),
  // EKS: a username may not start with system:, eks:, aws:, amazon: or iam: (CreateAccessEntry).
  username: Type.Optional(Type.String({ pattern: '^(?!(system|eks|aws|amazon|iam):)[A-Za-z0-9][-A-Za-z0-9_.:@{}]*$', maxLength: 256, description: 'the Kubernetes username (STANDARD entries; EKS derives one from the principal when left out); not starting with system:, eks:, aws:, amazon: or iam:' })),
}, { additionalProperties: false });

export const Access = Type.Object({
  authenticationMode: literals(authenticationModes, { default: defaultAuthenticationMode, description: 'API, or API_AND_CONFIG_MAP to keep the aws-auth ConfigMap too' }),
  entries: Type.Array(AccessEntry, { maxItems: 50, default: [], description: 'one entry per IAM principal' }),
  awsAuth: Type.Optional(AwsAuth),
  bootstrapClusterCreatorAdminPermissions: Type.Optional(Type.Boolean({
    description: 'false: the cluster is created without EKS\'s admin access entry for its creator; eksflow\'s worker then manages the cluster through an access entry of its own (AmazonEKSClusterAdminPolicy), made once the cluster is ACTIVE and removed at teardown. @default true',
  })),
}, { additionalProperties: false, description: 'who may use the cluster: EKS access entries; eksflow\'s own worker keeps its creator admin access, or with bootstrapClusterCreatorAdminPermissions false an access entry of its own' });

export type AccessEntrySpec = Static<typeof AccessEntry>;
export type AccessPolicySpec = Static<typeof AccessPolicy>;
export type AccessSpec = Static<typeof Access>;

/** An access policy's ARN in the cluster's partition. */
export function accessPolicyArn(policy: AccessPolicyName, partition = 'aws'): string {
  return `arn:${partition}:eks::aws:cluster-access-policy/${policy}`;
}

/** The policy name of an EKS access policy ARN, or undefined when it is not one of the four. */
export function accessPolicyNameOf(arn: string): AccessPolicyName | undefined {
  const name = /^arn:aws[-a-z]*:eks::aws:cluster-access-policy\/(.+)$/.exec(arn)?.[1];
  return (accessPolicyNames as readonly string[]).includes(name ?? '') ? name as AccessPolicyName : undefined;
}

/** The partition of an ARN (aws, aws-cn, aws-us-gov). */
export const partitionOf = (arn: string) => arn.split(':')[1] ?? 'aws';

/** The ledger name of an access entry: "cluster/principalArn" (cluster names have no "/"). */
export const accessEntryLedgerName = (cluster: string, principalArn: string) => `${cluster}/${principalArn}`;
export function accessEntryFromLedgerName(name: string): { cluster: string; principalArn: string } {
  const slash = name.indexOf('/');
  return { cluster: name.slice(0, slash), principalArn: name.slice(slash + 1) };
}

/**
 * The IAM principal an access entry names for a caller STS GetCallerIdentity describes: an IAM
 * user's ARN as it is; a role session's (arn:aws:sts::111122223333:assumed-role/<role>/<session>)
 * as its role's, since EKS takes no STS session principal ("You can't use the STS session
 * principal type with access entries": EKS API reference, CreateAccessEntry principalArn). A role
 * with a path has it in its ARN (access entries take role paths: EKS user guide, "Create access
 * entries"), which the session ARN leaves out: `roleName` is what IAM GetRole needs to find it.
 */
export function principalOfCaller(arn: string): { principalArn: string; roleName?: string } {
  const session = /^arn:(aws[-a-z]*):sts::([0-9]{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  if (!session) return { principalArn: arn };
  const [, partition, account, roleName] = session;
  return { principalArn: `arn:${partition}:iam::${account}:role/${roleName}`, roleName };
}

/** The access entry eksflow's worker gives itself on a cluster created without creator admin. */
export const workerAccessEntry = (principalArn: string): AccessEntrySpec => ({
  principalArn, type: 'STANDARD', accessPolicies: [{ policy: 'AmazonEKSClusterAdminPolicy', scope: 'cluster' }],
});

/** A short, readable account of an entry, for the plan and the step's title. */
export function describeAccessEntry(entry: AccessEntrySpec): string {
  const policies = entry.accessPolicies.map((p) => `${p.policy.replace(/^AmazonEKS|Policy$/g, '')} on ${p.scope === 'cluster' ? 'the cluster' : (p.namespaces ?? []).join(', ')}`);
  const groups = entry.kubernetesGroups?.length ? [`groups ${entry.kubernetesGroups.join(', ')}`] : [];
  const what = [...policies, ...groups];
  return `${entry.principalArn}${entry.type === 'STANDARD' ? '' : ` (${entry.type})`}${what.length ? `: ${what.join('; ')}` : ''}`;
}

/**
 * The rules the schema cannot say, each with its path, its reason and the way out. Looks only
 * at parts whose shape it can trust (it runs beside the schema's own errors).
 */
export function accessProblems(access: unknown): SpecError[] {
  if (!isObject(access) || !Array.isArray(access.entries)) return [];
  const errors: SpecError[] = [];
  // EKS reads aws-auth only in CONFIG_MAP or API_AND_CONFIG_MAP mode (EKS user guide, "Change authentication mode to use access entries").
  if (isObject(access.awsAuth) && access.authenticationMode === 'API') {
    errors.push({ path: '/access/awsAuth', message: 'EKS reads the aws-auth ConfigMap only in authenticationMode API_AND_CONFIG_MAP (API ignores it): set authenticationMode to API_AND_CONFIG_MAP, or remove awsAuth' });
  }
  const firstIndex = new Map<string, number>();
  access.entries.forEach((entry, i) => {
    if (!isObject(entry)) return;
    const at = `/access/entries/${i}`;
    if (typeof entry.principalArn === 'string') {
      const first = firstIndex.get(entry.principalArn);
      if (first !== undefined) errors.push({ path: `${at}/principalArn`, message: `${entry.principalArn} already has an entry at /access/entries/${first}; EKS keeps one access entry per principal: merge their policies and groups into that one` });
      else firstIndex.set(entry.principalArn, i);
      if (/:(user|role)\/aws-service-role\//.test(entry.principalArn)) {
        errors.push({ path: `${at}/principalArn`, message: 'is a service-linked role, which EKS refuses as an access entry principal (aws-fault-catalog 4); name a role or user of your own' });
      }
    }
    const policies = Array.isArray(entry.accessPolicies) ? entry.accessPolicies : [];
    const groups = Array.isArray(entry.kubernetesGroups) ? entry.kubernetesGroups : [];
    if (entry.type === 'STANDARD' || entry.type === undefined) {
      // A username alone is an identity that RBAC of your own binds (as an aws-auth mapping with no groups).
      if (policies.length === 0 && groups.length === 0 && typeof entry.username !== 'string') {
        errors.push({ path: `${at}/accessPolicies`, message: 'the entry grants nothing: give at least one access policy (e.g. { "policy": "AmazonEKSViewPolicy" }), kubernetesGroups or a username bound by RBAC of your own' });
      }
    } else if (policies.length > 0 || groups.length > 0 || entry.username !== undefined) {
      errors.push({ path: `${at}/type`, message: `${String(entry.type)} entries let nodes of that role join the cluster and take no access policies or groups; use type STANDARD for a person or a tool` });
    }
    groups.forEach((group, j) => {
      if (typeof group === 'string' && group.startsWith('system:')) {
        errors.push({ path: `${at}/kubernetesGroups/${j}`, message: 'EKS refuses groups starting with system:; give cluster-wide admin with the policy AmazonEKSClusterAdminPolicy instead' });
      }
    });
    const seenPolicies = new Map<unknown, number>();
    policies.forEach((policy, j) => {
      if (!isObject(policy)) return;
      const pat = `${at}/accessPolicies/${j}`;
      const earlier = seenPolicies.get(policy.policy);
      if (earlier !== undefined) errors.push({ path: `${pat}/policy`, message: `${String(policy.policy)} is already associated at ${at}/accessPolicies/${earlier}; one association per policy: list all its namespaces there` });
      else seenPolicies.set(policy.policy, j);
      const namespaces = Array.isArray(policy.namespaces) ? policy.namespaces : undefined;
      if (policy.scope === 'namespace' && !namespaces?.length) {
        errors.push({ path: `${pat}/namespaces`, message: 'a namespace scope needs the namespaces it applies in: list them in namespaces, or set scope to cluster' });
      }
      if ((policy.scope === 'cluster' || policy.scope === undefined) && namespaces !== undefined) {
        errors.push({ path: `${pat}/namespaces`, message: 'namespaces are only for scope namespace: set scope to namespace, or remove namespaces to grant it on the whole cluster' });
      }
    });
  });
  return errors;
}

/**
 * A tenant's default principals added to a spec, visibly: they become entries of `access`, so
 * the run, its plan and its ledger show them. An entry the request already gives for the same
 * principal is kept as asked (the request says more about that environment).
 */
export function withDefaultEntries<T extends { access?: AccessSpec }>(spec: T, defaults: readonly AccessEntrySpec[]): T {
  if (defaults.length === 0) return spec;
  const access: AccessSpec = spec.access ?? { authenticationMode: defaultAuthenticationMode, entries: [] };
  const named = new Set(access.entries.map((entry) => entry.principalArn));
  const added = defaults.filter((entry) => !named.has(entry.principalArn));
  if (added.length === 0) return spec;
  return { ...spec, access: { ...access, entries: [...access.entries, ...added.map((entry) => structuredClone(entry))] } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
