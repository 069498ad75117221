import { wellKnownPolicyNames } from './iam-policies/eksctl-well-known';

/**
 * eksctl's `iam.serviceAccounts` (IRSA) and `iam.podIdentityAssociations` (EKS Pod Identity),
 * read as the EnvironmentSpec's serviceAccounts. Field names as eksctl.io/v1alpha5 has them
 * (pkg/apis/eksctl.io/v1alpha5/iam.go ClusterIAMServiceAccount, pod_identity_association.go).
 */

type Fields = Record<string, unknown>;

interface Readers {
  put: (target: string, value: unknown, origin: string) => void;
  fail: (path: string, message: string) => void;
  mapping: (value: unknown, path: string) => Fields | undefined;
  list: (value: unknown, path: string) => unknown[] | undefined;
  flag: (value: unknown, path: string) => boolean | undefined;
}

const sa = '/iam/serviceAccounts/*';
const pia = '/iam/podIdentityAssociations/*';

export const workloadIdentitySupportedPaths = [
  `${sa}/metadata/name`, `${sa}/metadata/namespace`, `${sa}/attachPolicyARNs`, `${sa}/attachPolicy`, `${sa}/wellKnownPolicies`, `${sa}/roleName`, `${sa}/roleOnly`,
  `${pia}/namespace`, `${pia}/serviceAccountName`, `${pia}/roleName`, `${pia}/permissionPolicyARNs`, `${pia}/permissionPolicy`, `${pia}/wellKnownPolicies`, `${pia}/createServiceAccount`,
];

const ownRole = 'eksflow makes each service account\'s role itself, so its trust is bound to that ServiceAccount; give the policies instead (attachPolicyARNs, attachPolicy, wellKnownPolicies)';
export const workloadIdentityRefusals: Record<string, string> = {
  [`${sa}/attachRoleARN`]: ownRole,
  [`${sa}/permissionsBoundary`]: 'permissions boundaries are not supported by eksflow; remove it',
  [`${sa}/metadata/labels`]: 'eksflow labels the ServiceAccounts it makes itself (managed-by, environment); remove labels',
  [`${sa}/metadata/annotations`]: 'eksflow annotates the ServiceAccount with its role itself; remove annotations',
  [`${sa}/tags`]: 'the environment\'s tags (metadata.tags) go on every role eksflow makes; per-role tags are not supported',
  [`${pia}/roleARN`]: ownRole.replace('(attachPolicyARNs, attachPolicy, wellKnownPolicies)', '(permissionPolicyARNs, permissionPolicy, wellKnownPolicies)'),
  [`${pia}/targetRoleARN`]: 'cross-account role chaining (targetRoleARN) is not supported by eksflow; grant the permissions on the association\'s own role',
  [`${pia}/disableSessionTags`]: 'eksflow keeps EKS Pod Identity\'s session tags; remove disableSessionTags',
  [`${pia}/permissionsBoundaryARN`]: 'permissions boundaries are not supported by eksflow; remove it',
  [`${pia}/tags`]: 'the environment\'s tags (metadata.tags) go on every role and association eksflow makes; per-association tags are not supported',
};

function wellKnown(value: unknown, at: string, { mapping, fail }: Readers): string[] | undefined {
  const policies = mapping(value, at);
  if (!policies) return undefined;
  return Object.entries(policies).flatMap(([name, on]) => {
    if (!(wellKnownPolicyNames as readonly string[]).includes(name)) {
      fail(`${at}/${name}`, `is not one of eksctl's well-known policies (${wellKnownPolicyNames.join(', ')}); attach its policy by ARN or inline instead`);
      return [];
    }
    return on === true ? [name] : [];
  });
}

/** Puts `/serviceAccounts` from iam.serviceAccounts (identity irsa) and iam.podIdentityAssociations (identity pod-identity). */
export function translateWorkloadIdentity(config: Fields, read: Readers): void {
  const { put, mapping, list, flag } = read;
  const iam = mapping(config.iam, '/iam');
  const accounts: Fields[] = [];
  (list(iam?.serviceAccounts, '/iam/serviceAccounts') ?? []).forEach((item, i) => {
    const at = `/iam/serviceAccounts/${i}`;
    const entry = mapping(item, at) ?? {};
    const metadata = mapping(entry.metadata, `${at}/metadata`) ?? {};
    if (flag(entry.roleOnly, `${at}/roleOnly`)) read.fail(`${at}/roleOnly`, 'eksflow always applies the ServiceAccount with its role; remove roleOnly or set it to false');
    const to = `/serviceAccounts/${accounts.length}`;
    put(to, undefined, at);
    // eksctl: "if no namespace is set, "default" will be used".
    accounts.push(defined({
      namespace: metadata.namespace ?? 'default', name: metadata.name, identity: 'irsa', roleName: entry.roleName,
      managedPolicyArns: entry.attachPolicyARNs, inlinePolicy: entry.attachPolicy, wellKnownPolicies: wellKnown(entry.wellKnownPolicies, `${at}/wellKnownPolicies`, read),
    }));
    for (const [field, from] of [['namespace', 'metadata/namespace'], ['name', 'metadata/name'], ['roleName', 'roleName'], ['managedPolicyArns', 'attachPolicyARNs'], ['inlinePolicy', 'attachPolicy'], ['wellKnownPolicies', 'wellKnownPolicies']]) {
      put(`${to}/${field}`, undefined, `${at}/${from}`);
    }
  });
  (list(iam?.podIdentityAssociations, '/iam/podIdentityAssociations') ?? []).forEach((item, i) => {
    const at = `/iam/podIdentityAssociations/${i}`;
    const entry = mapping(item, at) ?? {};
    // eksflow applies the ServiceAccount whether or not createServiceAccount asks it to: the app may run as it.
    flag(entry.createServiceAccount, `${at}/createServiceAccount`);
    const to = `/serviceAccounts/${accounts.length}`;
    put(to, undefined, at);
    accounts.push(defined({
      namespace: entry.namespace, name: entry.serviceAccountName, identity: 'pod-identity', roleName: entry.roleName,
      managedPolicyArns: entry.permissionPolicyARNs, inlinePolicy: entry.permissionPolicy, wellKnownPolicies: wellKnown(entry.wellKnownPolicies, `${at}/wellKnownPolicies`, read),
    }));
    for (const [field, from] of [['namespace', 'namespace'], ['name', 'serviceAccountName'], ['roleName', 'roleName'], ['managedPolicyArns', 'permissionPolicyARNs'], ['inlinePolicy', 'permissionPolicy'], ['wellKnownPolicies', 'wellKnownPolicies']]) {
      put(`${to}/${field}`, undefined, `${at}/${from}`);
    }
  });
  if (accounts.length > 0) put('/serviceAccounts', accounts, '/iam');
}

/**
 * A spec error about a translated service account, worded in the ClusterConfig's terms: its
 * permission fields by their eksctl names (IRSA's or Pod Identity's, by where the entry came
 * from), and other entries by their ClusterConfig paths.
 */
export function workloadIdentityInConfigTerms(message: string, origin: string, origins: ReadonlyMap<string, string>): string {
  const pod = origin.startsWith('/iam/podIdentityAssociations');
  if (!pod && !origin.startsWith('/iam/serviceAccounts')) return message;
  return message
    .replace(/\bmanagedPolicyArns\b/g, pod ? 'permissionPolicyARNs' : 'attachPolicyARNs')
    .replace(/\binlinePolicy\b/g, pod ? 'permissionPolicy' : 'attachPolicy')
    .replace(/\/serviceAccounts\/\d+/g, (path) => origins.get(path) ?? path);
}

function defined(fields: Fields): Fields {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
