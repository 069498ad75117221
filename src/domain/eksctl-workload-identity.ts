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
  `${sa}/metadata/name`, `${sa}/metadata/namespace`, `${sa}/metadata/labels`, `${sa}/attachPolicyARNs`, `${sa}/attachPolicy`, `${sa}/wellKnownPolicies`, `${sa}/roleName`, `${sa}/roleOnly`,
  `${sa}/attachRoleARN`, `${sa}/permissionsBoundary`, `${sa}/tags`,
  `${pia}/namespace`, `${pia}/serviceAccountName`, `${pia}/roleName`, `${pia}/permissionPolicyARNs`, `${pia}/permissionPolicy`, `${pia}/wellKnownPolicies`, `${pia}/createServiceAccount`,
  `${pia}/roleARN`, `${pia}/permissionsBoundaryARN`, `${pia}/targetRoleARN`, `${pia}/disableSessionTags`, `${pia}/tags`,
  // translateIamBoundaries
  '/iam/serviceRolePermissionsBoundary', '/iam/fargatePodExecutionRolePermissionsBoundary',
];

export const workloadIdentityRefusals: Record<string, string> = {
  [`${sa}/metadata/annotations`]: 'eksflow annotates the ServiceAccount with its role itself; remove annotations',
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
    // attachRoleARN: eksctl "only annotates the service account" with a role of the user's (ClusterIAMServiceAccount.AttachRoleARN).
    accounts.push(defined({
      namespace: metadata.namespace ?? 'default', name: metadata.name, identity: 'irsa', roleName: entry.roleName,
      managedPolicyArns: entry.attachPolicyARNs, inlinePolicy: entry.attachPolicy, wellKnownPolicies: wellKnown(entry.wellKnownPolicies, `${at}/wellKnownPolicies`, read),
      labels: metadata.labels, roleArn: entry.attachRoleARN, permissionsBoundary: entry.permissionsBoundary, tags: entry.tags,
    }));
    for (const [field, from] of [['namespace', 'metadata/namespace'], ['name', 'metadata/name'], ['roleName', 'roleName'], ['managedPolicyArns', 'attachPolicyARNs'], ['inlinePolicy', 'attachPolicy'], ['wellKnownPolicies', 'wellKnownPolicies'],
      ['labels', 'metadata/labels'], ['roleArn', 'attachRoleARN'], ['permissionsBoundary', 'permissionsBoundary'], ['tags', 'tags']]) {
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
    // disableSessionTags: false is EKS's default, so only true is carried.
    const disableSessionTags = flag(entry.disableSessionTags, `${at}/disableSessionTags`) === true ? true : undefined;
    accounts.push(defined({
      namespace: entry.namespace, name: entry.serviceAccountName, identity: 'pod-identity', roleName: entry.roleName,
      managedPolicyArns: entry.permissionPolicyARNs, inlinePolicy: entry.permissionPolicy, wellKnownPolicies: wellKnown(entry.wellKnownPolicies, `${at}/wellKnownPolicies`, read),
      roleArn: entry.roleARN, permissionsBoundary: entry.permissionsBoundaryARN, targetRoleArn: entry.targetRoleARN, disableSessionTags, tags: entry.tags,
    }));
    for (const [field, from] of [['namespace', 'namespace'], ['name', 'serviceAccountName'], ['roleName', 'roleName'], ['managedPolicyArns', 'permissionPolicyARNs'], ['inlinePolicy', 'permissionPolicy'], ['wellKnownPolicies', 'wellKnownPolicies'],
      ['roleArn', 'roleARN'], ['permissionsBoundary', 'permissionsBoundaryARN'], ['targetRoleArn', 'targetRoleARN'], ['disableSessionTags', 'disableSessionTags'], ['tags', 'tags']]) {
      put(`${to}/${field}`, undefined, `${at}/${from}`);
    }
  });
  if (accounts.length > 0) put('/serviceAccounts', accounts, '/iam');
}

/**
 * Puts `/permissionsBoundaries` from eksctl's iam.serviceRolePermissionsBoundary (the cluster
 * role's) and iam.fargatePodExecutionRolePermissionsBoundary (the Fargate pod execution role's);
 * eksctl sets them as the roles' PermissionsBoundary (pkg/apis/eksctl.io/v1alpha5 ClusterIAM).
 */
export function translateIamBoundaries(config: Fields, read: Pick<Readers, 'put' | 'mapping'>): void {
  const iam = read.mapping(config.iam, '/iam');
  const boundaries = defined({ clusterRole: iam?.serviceRolePermissionsBoundary, fargateRole: iam?.fargatePodExecutionRolePermissionsBoundary });
  if (Object.keys(boundaries).length === 0) return;
  read.put('/permissionsBoundaries', boundaries, '/iam');
  if (boundaries.clusterRole !== undefined) read.put('/permissionsBoundaries/clusterRole', undefined, '/iam/serviceRolePermissionsBoundary');
  if (boundaries.fargateRole !== undefined) read.put('/permissionsBoundaries/fargateRole', undefined, '/iam/fargatePodExecutionRolePermissionsBoundary');
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
    .replace(/\broleArn\b/g, pod ? 'roleARN' : 'attachRoleARN')
    .replace(/\bpermissionsBoundary\b/g, pod ? 'permissionsBoundaryARN' : 'permissionsBoundary')
    .replace(/\btargetRoleArn\b/g, 'targetRoleARN')
    .replace(/\/serviceAccounts\/\d+/g, (path) => origins.get(path) ?? path);
}

function defined(fields: Fields): Fields {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
