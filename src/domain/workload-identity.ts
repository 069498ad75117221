import { Type, type Static } from '@sinclair/typebox';
import { IamPolicyArn, IamRoleArn } from './aws-ids';
import { wellKnownGrant, wellKnownPolicyNames, type WellKnownPolicyName } from './iam-policies/eksctl-well-known';
import { policySize, policySizeLimits, type PolicyDocument } from './iam-policies/policy-document';
import { roleNames } from './names';

/**
 * Workload identity: Kubernetes ServiceAccounts whose pods get AWS permissions, through IRSA (a
 * role trusting the cluster's OIDC provider for exactly that ServiceAccount, named in the
 * ServiceAccount's `eks.amazonaws.com/role-arn` annotation) or EKS Pod Identity (a role trusting
 * pods.eks.amazonaws.com, bound by a pod identity association). Pure: the schema, the trust
 * policies and the permissions, shared by the API, the planner, the workflow and the activities.
 */

// The descriptions end up in the API's 400s after TypeBox's own words, so each says what is accepted.
const label = 'a DNS-1123 label: lower-case letters, digits and dashes, ≤ 63 characters';
const Name = Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', minLength: 1, maxLength: 63, description: label });
const PolicyArn = IamPolicyArn;
/** An IAM role ARN (a role of the user's own, or a cross-account target role). */
export const RoleArn = IamRoleArn;
/** A permissions boundary: a managed policy ARN, as IAM's CreateRole PermissionsBoundary takes one. */
export const PermissionsBoundaryArn = Type.String({ ...PolicyArn, description: `${PolicyArn.description}; the most the role may ever be allowed (an IAM permissions boundary)` });
// Kubernetes label syntax (apimachinery's validation: an optional DNS prefix and "/", a name of ≤ 63; values ≤ 63, may be empty), as the spec's other labels.
const Labels = Type.Record(
  Type.String({ minLength: 1, maxLength: 253, pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$' }),
  Type.String({ maxLength: 63, pattern: '^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$' }),
  { additionalProperties: false, maxProperties: 50, description: 'Kubernetes labels on the ServiceAccount (keys [prefix/]name, values ≤ 63 characters); eksflow\'s own labels (app.kubernetes.io/managed-by, eksflow.io/environment) win over these' },
);
const Tags = Type.Record(
  Type.String({ minLength: 1, maxLength: 128, pattern: '^(?!aws:)(?!eksflow\\.io/)[A-Za-z0-9 _.:/=+\\-@]+$' }),
  Type.String({ maxLength: 256 }),
  { additionalProperties: false, maxProperties: 40, description: 'AWS tags on the role eksflow makes for this ServiceAccount and on its pod identity association, over the environment\'s tags (keys not starting with aws: or eksflow.io/)' },
);
const OneOrMore = Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })]);

/** An identity-based policy document, as IAM takes one (no Principal: the role is the principal). */
export const InlinePolicy = Type.Object({
  Version: Type.Literal('2012-10-17'),
  Id: Type.Optional(Type.String()),
  Statement: Type.Array(Type.Object({
    Sid: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]*$' })),
    Effect: Type.Union([Type.Literal('Allow'), Type.Literal('Deny')]),
    Action: Type.Optional(OneOrMore),
    NotAction: Type.Optional(OneOrMore),
    Resource: Type.Optional(OneOrMore),
    NotResource: Type.Optional(OneOrMore),
    Condition: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Union([Type.String(), Type.Boolean(), Type.Array(Type.String())])))),
  }, { additionalProperties: false }), { minItems: 1 }),
}, { additionalProperties: false, description: 'an IAM policy document, attached inline to the role' });

export const ServiceAccount = Type.Object({
  namespace: Type.String({ ...Name, description: `${label}; made if missing` }),
  name: Type.String({ ...Name, description: `${label}; the ServiceAccount eksflow applies (and annotates, for IRSA)` }),
  identity: Type.Union([Type.Literal('irsa'), Type.Literal('pod-identity')], {
    description: 'irsa: a role trusting the cluster\'s OIDC provider for this ServiceAccount; pod-identity: a role trusting pods.eks.amazonaws.com and a pod identity association (brings the eks-pod-identity-agent add-on)',
  }),
  managedPolicyArns: Type.Optional(Type.Array(PolicyArn, { maxItems: 10, uniqueItems: true, description: 'attached to the role (IAM allows 10 per role by default)' })),
  inlinePolicy: Type.Optional(InlinePolicy),
  wellKnownPolicies: Type.Optional(Type.Array(Type.Union(wellKnownPolicyNames.map((n) => Type.Literal(n))), {
    uniqueItems: true, description: `eksctl's well-known policies, as eksctl attaches them: ${wellKnownPolicyNames.join(', ')}`,
  })),
  roleName: Type.Optional(Type.String({ pattern: '^[\\w+=,.@-]{1,64}$', description: 'the IAM role\'s name, 1 to 64 letters, digits and +=,.@_-; <environment>-<namespace>-<name> when left out' })),
  labels: Type.Optional(Labels),
  roleArn: Type.Optional(Type.String({
    ...RoleArn,
    // eksflow then makes no role: it annotates the ServiceAccount with this one (irsa) or
    // associates it (pod-identity), and never changes or deletes it (serviceAccountProblems).
    description: `${RoleArn.description}: a role of your own, which eksflow uses and never changes`,
  })),
  permissionsBoundary: Type.Optional(PermissionsBoundaryArn),
  tags: Type.Optional(Tags),
  targetRoleArn: Type.Optional(Type.String({
    ...RoleArn,
    description: `${RoleArn.description}, in this or another account: pod-identity only; EKS has the association's role assume it (role chaining) and hands the pods its credentials`,
  })),
  disableSessionTags: Type.Optional(Type.Boolean({ description: 'pod-identity only: EKS Pod Identity adds no session tags (cluster, namespace, ServiceAccount…) when it assumes the role. @default false' })),
}, { additionalProperties: false });

export type ServiceAccountSpec = Static<typeof ServiceAccount>;

/** The EKS add-on Pod Identity needs on every node: it hands pods their credentials. */
export const podIdentityAgentAddon = 'eks-pod-identity-agent';

/** The EKS service principal a Pod Identity role trusts. */
export const podIdentityPrincipal = 'pods.eks.amazonaws.com';

export const serviceAccountKey = (sa: Pick<ServiceAccountSpec, 'namespace' | 'name'>) => `${sa.namespace}/${sa.name}`;

/** The role of a service account: its roleName, or one named after the environment, namespace and name (as add-ons' IRSA roles are). */
export const workloadRoleName = (environment: string, sa: Pick<ServiceAccountSpec, 'namespace' | 'name' | 'roleName'>) =>
  sa.roleName ?? roleNames.irsa(environment, sa.namespace, sa.name);

/**
 * The trust policy of a Pod Identity role, as the EKS user guide gives it (pod-id-role.html):
 * the EKS Pod Identity service principal may assume it and tag the session.
 */
export function podIdentityTrustPolicy() {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: podIdentityPrincipal }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
  };
}

export const partitionOf = (region: string) => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

/** Every permission the spec grants a service account: managed ARNs, eksctl's well-known policies, and the inline document (as "inline"). */
export function workloadPermissions(sa: ServiceAccountSpec, region: string): { managedPolicyArns: string[]; inlinePolicies: Record<string, PolicyDocument> } {
  const grant = wellKnownGrant((sa.wellKnownPolicies ?? []) as WellKnownPolicyName[], partitionOf(region));
  return {
    managedPolicyArns: [...new Set([...(sa.managedPolicyArns ?? []), ...grant.managedPolicyArns])],
    inlinePolicies: { ...grant.inlinePolicies, ...(sa.inlinePolicy ? { inline: sa.inlinePolicy as PolicyDocument } : {}) },
  };
}

/** The spec's service-account rules a schema cannot say, each at its path. */
export function serviceAccountProblems(serviceAccounts: readonly ServiceAccountSpec[], region: string): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const seen = new Map<string, number>();
  serviceAccounts.forEach((sa, i) => {
    if (typeof sa !== 'object' || sa === null || typeof sa.namespace !== 'string' || typeof sa.name !== 'string') return;
    const key = serviceAccountKey(sa);
    const first = seen.get(key);
    if (first !== undefined) problems.push({ path: `/serviceAccounts/${i}/name`, message: `${key} is already listed at /serviceAccounts/${first}; one entry per ServiceAccount` });
    else seen.set(key, i);
    const grants = (['managedPolicyArns', 'inlinePolicy', 'wellKnownPolicies'] as const).filter((field) => sa[field] !== undefined);
    if (sa.roleArn !== undefined) {
      // The role is the user's: eksflow would not change a role it does not own, so it neither
      // attaches policies to it, names it, bounds it nor tags it.
      for (const field of [...grants, 'roleName', 'permissionsBoundary'] as const) {
        if (sa[field] !== undefined) problems.push({ path: `/serviceAccounts/${i}/${field}`, message: `goes on the role eksflow makes, and with roleArn it makes none (eksflow would not change a role it does not own); remove ${field}, or roleArn to have eksflow make the role` });
      }
      if (sa.tags !== undefined && sa.identity === 'irsa') problems.push({ path: `/serviceAccounts/${i}/tags`, message: 'go on the role eksflow makes (and a pod identity association), and with roleArn and irsa there is neither; remove tags' });
    } else if (!sa.managedPolicyArns?.length && !sa.inlinePolicy && !sa.wellKnownPolicies?.length) {
      problems.push({ path: `/serviceAccounts/${i}`, message: 'grants nothing: give managedPolicyArns, inlinePolicy or wellKnownPolicies, or roleArn (a role of your own)' });
    }
    if (sa.identity === 'irsa') {
      for (const field of ['targetRoleArn', 'disableSessionTags'] as const) {
        if (sa[field] !== undefined) problems.push({ path: `/serviceAccounts/${i}/${field}`, message: 'is an EKS Pod Identity setting; use identity pod-identity, or remove it' });
      }
    }
    if (Array.isArray(sa.wellKnownPolicies) || Array.isArray(sa.inlinePolicy?.Statement)) {
      const inline = Object.values(workloadPermissions(sa, region).inlinePolicies).reduce((sum, d) => sum + policySize(d), 0);
      if (inline > policySizeLimits.roleInline) {
        problems.push({ path: `/serviceAccounts/${i}/inlinePolicy`, message: `the role's inline policies come to ${inline} characters, over IAM's ${policySizeLimits.roleInline}; attach a managed policy instead` });
      }
    }
  });
  return problems;
}
