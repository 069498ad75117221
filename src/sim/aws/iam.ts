import { aws, awsOrUndefined } from '../../activities/aws/errors';
import type { IamApi, OidcProvider, Role } from '../../activities/aws/iam';
import { cloudWatchAgentServerPolicyArn } from '../../domain/iam-policies/cloudwatch';
import { awsManagedPolicyArn } from '../../domain/iam-policies/policy-document';
import { autoModeClusterPolicies, autoModeNodePolicies } from '../../domain/auto-mode';
import { serviceRoles } from '../../domain/service-roles';
import { after, type SimContext } from './context';
import { iamError } from './errors';
import type { AwsGateway, Request } from './gateway';
import { paged, slicePage } from './pages';

interface RoleRecord {
  name: string;
  arn: string;
  path: string;
  trustPolicy: string;
  description: string;
  tags: Record<string, string>;
  attached: Set<string>;
  inline: Map<string, string>;
  permissionsBoundary?: string;
  /** Simulated time from which EKS can assume the role (aws-fault-catalog 1-3); unset: at once. */
  settlesAt?: number;
  /** Simulated time from which EKS sees the policies last attached (aws-fault-catalog 1). */
  policiesSettleAt?: number;
}

/** How EKS sees a role: not at all, made but not yet assumable, assumable without its latest policies, or settled. */
export type RoleAsSeenByEks = 'missing' | 'propagating' | 'policies-propagating' | 'settled';

interface ProviderRecord {
  arn: string;
  url: string;
  clientIds: string[];
  tags: Record<string, string>;
  /** Simulated time from which a trust policy may name it (aws-fault-catalog 6); unset: at once. */
  settlesAt?: number;
}

/**
 * AWS-managed policies exist in every account; attaching any other ARN is NoSuchEntity, as in
 * IAM. The ones eksflow attaches come from the domain, so adding one there needs no change here.
 */
const managedPolicies = new Set<string>([
  ...Object.values(serviceRoles).flatMap((role) => role.policies),
  ...autoModeClusterPolicies, ...autoModeNodePolicies,
  cloudWatchAgentServerPolicyArn,
  ...['AmazonEKSServicePolicy', 'AmazonEKSVPCResourceController', 'AmazonSSMManagedInstanceCore', 'AdministratorAccess', 'ReadOnlyAccess',
    'AmazonEC2ContainerRegistryPowerUser', 'AmazonEC2ContainerRegistryFullAccess', 'ElasticLoadBalancingFullAccess', 'CloudWatchAgentAdminPolicy',
    'service-role/AmazonEBSCSIDriverPolicy',
    // Node groups' withAddonPolicies (src/domain/node-group-iam.ts).
    'AWSXRayDaemonWriteAccess', 'AmazonFSxFullAccess', 'AmazonS3ReadOnlyAccess',
    // Common ones workloads are given (serviceAccounts' managedPolicyArns), as IAM lists them.
    'AmazonS3FullAccess', 'AmazonSQSFullAccess', 'AmazonSQSReadOnlyAccess', 'AmazonSNSFullAccess', 'AmazonDynamoDBFullAccess', 'AmazonDynamoDBReadOnlyAccess',
    'SecretsManagerReadWrite', 'CloudWatchReadOnlyAccess', 'AmazonRoute53FullAccess'].map((name) => awsManagedPolicyArn(name)),
]);

/** The `Federated` principals (OIDC providers) a trust policy names. */
function federatedPrincipals(trustPolicy: string): string[] {
  const { Statement } = JSON.parse(trustPolicy) as { Statement?: { Principal?: { Federated?: string | string[] } }[] | { Principal?: { Federated?: string | string[] } } };
  const statements = Array.isArray(Statement) ? Statement : Statement ? [Statement] : [];
  return statements.flatMap((statement) => [statement.Principal?.Federated ?? []].flat());
}

const parsesAsJson = (document: string) => {
  try {
    JSON.parse(document);
    return true;
  } catch {
    return false;
  }
};

/**
 * IAM roles with their policies, and OIDC providers: instant, and, with `propagation` on,
 * eventually consistent as IAM is: for a sampled window after CreateRole, AttachRolePolicy or
 * CreateOpenIDConnectProvider, EKS and IAM's own trust-policy check answer as if it had not
 * happened yet (aws-fault-catalog 1, 2, 3, 6).
 */
export class SimulatedIam implements IamApi {
  private readonly roles = new Map<string, RoleRecord>();
  private readonly providers = new Map<string, ProviderRecord>();
  private readonly extraPolicies = new Set<string>();

  constructor(private readonly context: SimContext, private readonly gateway: AwsGateway) {}

  private call<T>(method: string, resource: string | undefined, body: (request: Request) => Promise<T>): Promise<T> {
    return this.gateway.operation({ service: 'iam', method, resource }, body);
  }

  private role(name: string): RoleRecord {
    const role = this.roles.get(name);
    if (!role) throw iamError.noSuchEntity(`The role with name ${name} cannot be found.`);
    return role;
  }

  private view = (role: RoleRecord): Role => ({
    name: role.name, arn: role.arn, tags: { ...role.tags }, ...(role.permissionsBoundary ? { permissionsBoundary: role.permissionsBoundary } : {}),
  });

  /**
   * A permissions boundary must be a managed policy that exists: IAM answers NoSuchEntity
   * otherwise (CreateRole and PutRolePermissionsBoundary, IAM API reference: "NoSuchEntity",
   * the same words as AttachRolePolicy's).
   */
  private boundary(policyArn: string): string {
    if (!this.hasPolicy(policyArn)) throw iamError.noSuchEntity(`Policy ${policyArn} does not exist or is not attachable.`);
    return policyArn;
  }

  // --- what the simulated cloud's other services and tests ask of IAM directly

  /** A customer-managed policy, or an AWS-managed one not in the built-in list, made attachable. */
  addManagedPolicy(arn: string): void {
    this.extraPolicies.add(arn);
  }

  /** How EKS sees the role of this ARN now: it refuses to create with one it cannot assume yet. */
  roleAsSeenByEks(arn: string): RoleAsSeenByEks {
    const role = [...this.roles.values()].find((candidate) => candidate.arn === arn);
    if (!role) return 'missing';
    const now = this.context.clock.now();
    if (role.settlesAt !== undefined && now < role.settlesAt) return 'propagating';
    if (role.policiesSettleAt !== undefined && now < role.policiesSettleAt) return 'policies-propagating';
    return 'settled';
  }

  /** When what was just done to `key` becomes visible elsewhere; unset when propagation is not simulated. */
  private propagatedAt(key: string): number | undefined {
    return this.context.propagation ? after(this.context, this.context.sampler.sample('iam.propagation', key)) : undefined;
  }

  /**
   * IAM's check of a trust policy's principals: an OIDC provider made seconds ago is not a
   * valid principal yet (aws-fault-catalog 6: MalformedPolicyDocumentException "Invalid
   * principal in policy", which terraform-provider-aws's retryCreateRole waits out for 2 min).
   */
  private checkPrincipals(trustPolicy: string): void {
    const now = this.context.clock.now();
    for (const arn of federatedPrincipals(trustPolicy)) {
      const provider = this.providers.get(arn);
      if (provider?.settlesAt !== undefined && now < provider.settlesAt) throw iamError.malformedPolicy(`Invalid principal in policy: "Federated":"${arn}"`);
    }
  }

  /** IAM's DeleteRole alone, which refuses while policies remain (the adapter detaches them first). */
  deleteRoleOnly(name: string): Promise<void> {
    return this.call('deleteRoleOnly', name, (request) => request('DeleteRole', () => this.deleteRoleRecord(name)));
  }

  /** GetRole's AssumeRolePolicyDocument, as IAM stores it (the contract suite reads trust policies raw). */
  trustPolicyOf(name: string): Promise<string> {
    return this.call('trustPolicyOf', name, (request) => request('GetRole', () => this.role(name).trustPolicy));
  }

  /** Whether GetPolicy finds the policy: an AWS-managed one the simulated IAM knows, or one added (addManagedPolicy). */
  hasPolicy(arn: string): boolean {
    return managedPolicies.has(arn) || this.extraPolicies.has(arn);
  }

  roleNames(): string[] {
    return [...this.roles.keys()].sort();
  }

  providerArns(): string[] {
    return [...this.providers.keys()].sort();
  }

  private deleteRoleRecord(name: string): void {
    const role = this.role(name);
    if (role.attached.size > 0) throw iamError.deleteConflict('Cannot delete entity, must detach all policies first.');
    if (role.inline.size > 0) throw iamError.deleteConflict('Cannot delete entity, must delete policies first.');
    this.roles.delete(name);
  }

  // --- IamApi, making the same requests as the SDK-backed adapter

  getRole(name: string) {
    return this.call('getRole', name, (request) => awsOrUndefined(`GetRole ${name}`, () => request('GetRole', () => this.view(this.role(name)))));
  }

  createRole({ name, trustPolicy, description, tags, permissionsBoundary }: { name: string; trustPolicy: string; description: string; tags: Record<string, string>; permissionsBoundary?: string }) {
    return this.call('createRole', name, (request) => aws(`CreateRole ${name}`, () => request('CreateRole', () => {
      if (this.roles.has(name)) throw iamError.entityAlreadyExists(`Role with name ${name} already exists.`);
      if (!parsesAsJson(trustPolicy)) throw iamError.malformedPolicy('This policy contains invalid Json');
      this.checkPrincipals(trustPolicy);
      if (permissionsBoundary) this.boundary(permissionsBoundary);
      const settlesAt = this.propagatedAt(name);
      const role: RoleRecord = {
        name, arn: `arn:aws:iam::${this.context.accountId}:role/${name}`, path: '/', trustPolicy, description, tags: { ...tags }, attached: new Set(), inline: new Map(),
        ...(settlesAt !== undefined ? { settlesAt } : {}), ...(permissionsBoundary ? { permissionsBoundary } : {}),
      };
      this.roles.set(name, role);
      return this.view(role);
    }), this.context.notYet.CreateRole));
  }

  putRolePermissionsBoundary(role: string, policyArn: string) {
    return this.call('putRolePermissionsBoundary', role, (request) => aws(`PutRolePermissionsBoundary ${role}`, () => request('PutRolePermissionsBoundary', () => {
      const record = this.role(role);
      record.permissionsBoundary = this.boundary(policyArn);
    })));
  }

  listRoles(pathPrefix?: string) {
    return this.call('listRoles', undefined, async (request) => {
      const all = () => [...this.roles.values()].filter((role) => role.path.startsWith(pathPrefix ?? '/')).map((role) => role.name);
      const names = await paged((index) => aws('ListRoles', () => request('ListRoles', () => slicePage(all(), index, 100))));
      // ListRoles returns no tags: the adapter asks ListRoleTags for each role.
      return Promise.all(names.map((name) => aws(`ListRoleTags ${name}`, () => request('ListRoleTags', () => this.view(this.role(name))))));
    });
  }

  attachedPolicies(role: string) {
    return this.call('attachedPolicies', role, (request) => aws(`ListAttachedRolePolicies ${role}`, () => request('ListAttachedRolePolicies', () => [...this.role(role).attached])));
  }

  attachPolicy(role: string, policyArn: string) {
    return this.call('attachPolicy', role, (request) => aws(`AttachRolePolicy ${role} ${policyArn}`, () => request('AttachRolePolicy', () => {
      const record = this.role(role);
      if (!managedPolicies.has(policyArn) && !this.extraPolicies.has(policyArn)) throw iamError.noSuchEntity(`Policy ${policyArn} does not exist or is not attachable.`);
      record.attached.add(policyArn);
      const settlesAt = this.propagatedAt(`${role} policies`);
      if (settlesAt !== undefined) record.policiesSettleAt = Math.max(record.policiesSettleAt ?? 0, settlesAt);
    }), this.context.notYet.AttachRolePolicy));
  }

  putRolePolicy(role: string, name: string, document: string) {
    return this.call('putRolePolicy', role, (request) => aws(`PutRolePolicy ${role} ${name}`, () => request('PutRolePolicy', () => {
      const record = this.role(role);
      if (!parsesAsJson(document)) throw iamError.malformedPolicy('Syntax errors in policy.');
      record.inline.set(name, document);
    })));
  }

  getRolePolicy(role: string, name: string) {
    return this.call('getRolePolicy', role, (request) => awsOrUndefined(`GetRolePolicy ${role} ${name}`, () => request('GetRolePolicy', () => {
      const document = this.role(role).inline.get(name);
      if (document === undefined) throw iamError.noSuchEntity(`The role policy with name ${name} cannot be found.`);
      return document;
    })));
  }

  deleteRole(name: string) {
    return this.call('deleteRole', name, async (request) => {
      const attached = await awsOrUndefined(`ListAttachedRolePolicies ${name}`, () => request('ListAttachedRolePolicies', () => [...this.role(name).attached]));
      if (!attached) return;
      for (const policy of attached) {
        await awsOrUndefined(`DetachRolePolicy ${name}`, () => request('DetachRolePolicy', () => {
          if (!this.role(name).attached.delete(policy)) throw iamError.noSuchEntity(`Policy ${policy} was not found.`);
        }), this.context.notYet.DetachRolePolicy);
      }
      const inline = await awsOrUndefined(`ListRolePolicies ${name}`, () => request('ListRolePolicies', () => [...this.role(name).inline.keys()]));
      for (const policyName of inline ?? []) {
        await awsOrUndefined(`DeleteRolePolicy ${name}`, () => request('DeleteRolePolicy', () => {
          if (!this.role(name).inline.delete(policyName)) throw iamError.noSuchEntity(`The role policy with name ${policyName} cannot be found.`);
        }));
      }
      await awsOrUndefined(`DeleteRole ${name}`, () => request('DeleteRole', () => this.deleteRoleRecord(name)), this.context.notYet.DeleteRole);
    });
  }

  listOidcProviders() {
    return this.call('listOidcProviders', undefined, async (request) => {
      const arns = await aws('ListOpenIDConnectProviders', () => request('ListOpenIDConnectProviders', () => [...this.providers.keys()]));
      const providers: OidcProvider[] = [];
      for (const arn of arns) {
        const provider = await awsOrUndefined(`GetOpenIDConnectProvider ${arn}`, () => request('GetOpenIDConnectProvider', () => this.provider(arn)));
        if (provider) providers.push({ arn, url: provider.url, tags: { ...provider.tags } });
      }
      return providers;
    });
  }

  createOidcProvider({ url, clientIds, tags }: { url: string; clientIds: string[]; tags: Record<string, string> }) {
    return this.call('createOidcProvider', url, (request) => aws(`CreateOpenIDConnectProvider ${url}`, () => request('CreateOpenIDConnectProvider', () => {
      const bare = url.replace(/^https:\/\//, '');
      const arn = `arn:aws:iam::${this.context.accountId}:oidc-provider/${bare}`;
      if (this.providers.has(arn)) throw iamError.entityAlreadyExists(`Provider with url ${url} already exists.`);
      const settlesAt = this.propagatedAt(arn);
      this.providers.set(arn, { arn, url: bare, clientIds: [...clientIds], tags: { ...tags }, ...(settlesAt !== undefined ? { settlesAt } : {}) });
      return { arn, url: bare, tags: { ...tags } };
    })));
  }

  deleteOidcProvider(arn: string) {
    return this.call('deleteOidcProvider', arn, async (request) => {
      await awsOrUndefined(`DeleteOpenIDConnectProvider ${arn}`, () => request('DeleteOpenIDConnectProvider', () => {
        this.provider(arn);
        this.providers.delete(arn);
      }));
    });
  }

  private provider(arn: string): ProviderRecord {
    const provider = this.providers.get(arn);
    if (!provider) throw iamError.noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
    return provider;
  }
}
