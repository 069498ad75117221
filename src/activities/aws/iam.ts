import {
  AttachRolePolicyCommand, CreateOpenIDConnectProviderCommand, CreateRoleCommand, DeleteOpenIDConnectProviderCommand, DeleteRoleCommand,
  DeleteRolePolicyCommand, DetachRolePolicyCommand, GetOpenIDConnectProviderCommand, GetRoleCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand, ListRolePoliciesCommand, ListRolesCommand, ListRoleTagsCommand, PutRolePermissionsBoundaryCommand, PutRolePolicyCommand, type IAMClient, type Tag,
} from '@aws-sdk/client-iam';
import { aws, awsOrUndefined } from './errors';
import { defaultPatience, notYetByCall, type Patience } from './not-yet';
import { allPages } from './pages';

export interface Role {
  name: string;
  arn: string;
  tags: Record<string, string>;
  /** The role's permissions boundary (a policy ARN), when it has one. */
  permissionsBoundary?: string;
}

export interface OidcProvider {
  arn: string;
  /** The issuer without its scheme, as IAM stores it. */
  url: string;
  tags: Record<string, string>;
}

/** The IAM calls eksflow makes, and nothing else: a simulated cloud implements the same. */
export interface IamApi {
  getRole(name: string): Promise<Role | undefined>;
  createRole(input: { name: string; trustPolicy: string; description: string; tags: Record<string, string>; permissionsBoundary?: string }): Promise<Role>;
  /** Sets (or replaces) the role's permissions boundary. */
  putRolePermissionsBoundary(role: string, policyArn: string): Promise<void>;
  listRoles(pathPrefix?: string): Promise<Role[]>;
  attachedPolicies(role: string): Promise<string[]>;
  attachPolicy(role: string, policyArn: string): Promise<void>;
  /** Creates or replaces the role's inline policy of that name. */
  putRolePolicy(role: string, name: string, document: string): Promise<void>;
  /** The inline policy's document as JSON text; `undefined` when the role or the policy is not there. */
  getRolePolicy(role: string, name: string): Promise<string | undefined>;
  /** Detaches and deletes every policy, then the role; done when the role is already gone. */
  deleteRole(name: string): Promise<void>;
  listOidcProviders(): Promise<OidcProvider[]>;
  createOidcProvider(input: { url: string; clientIds: string[]; tags: Record<string, string> }): Promise<OidcProvider>;
  deleteOidcProvider(arn: string): Promise<void>;
}

export const toTagList = (tags: Record<string, string>): Tag[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
export const fromTagList = (tags: Tag[] | undefined): Record<string, string> => Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

export function iamApi(client: IAMClient, patience: Patience = defaultPatience): IamApi {
  // IAM's "not yet" answers (aws-fault-catalog 6, 8); any other refusal is final.
  const notYet = notYetByCall(patience);
  const roleTags = async (name: string) => fromTagList((await aws(`ListRoleTags ${name}`, () => client.send(new ListRoleTagsCommand({ RoleName: name })))).Tags);
  return {
    async getRole(name) {
      const found = await awsOrUndefined(`GetRole ${name}`, () => client.send(new GetRoleCommand({ RoleName: name })));
      if (!found?.Role) return undefined;
      // GetRole returns tags on AWS; moto omits them, so ask ListRoleTags when they are missing.
      const tags = found.Role.Tags ? fromTagList(found.Role.Tags) : await roleTags(name);
      const boundary = found.Role.PermissionsBoundary?.PermissionsBoundaryArn;
      return { name, arn: found.Role.Arn!, tags, ...(boundary ? { permissionsBoundary: boundary } : {}) };
    },
    async createRole({ name, trustPolicy, description, tags, permissionsBoundary }) {
      const created = await aws(`CreateRole ${name}`, () => client.send(new CreateRoleCommand({
        RoleName: name, AssumeRolePolicyDocument: trustPolicy, Description: description, Tags: toTagList(tags),
        ...(permissionsBoundary ? { PermissionsBoundary: permissionsBoundary } : {}),
      })), notYet.CreateRole);
      return { name, arn: created.Role!.Arn!, tags, ...(permissionsBoundary ? { permissionsBoundary } : {}) };
    },
    async putRolePermissionsBoundary(role, policyArn) {
      await aws(`PutRolePermissionsBoundary ${role}`, () => client.send(new PutRolePermissionsBoundaryCommand({ RoleName: role, PermissionsBoundary: policyArn })));
    },
    async listRoles(pathPrefix) {
      const roles = await allPages(async (marker) => {
        const page = await aws('ListRoles', () => client.send(new ListRolesCommand({ PathPrefix: pathPrefix, Marker: marker })));
        return { items: page.Roles, next: page.IsTruncated ? page.Marker : undefined };
      });
      // A role deleted between the listing and its tags (another environment's teardown, at
      // the same time in the same account) is simply no longer there, as the providers' listing treats it.
      const listed = await Promise.all(roles.map(async (role): Promise<Role | undefined> => {
        if (role.Tags) return { name: role.RoleName!, arn: role.Arn!, tags: fromTagList(role.Tags) };
        const tags = await awsOrUndefined(`ListRoleTags ${role.RoleName}`, () => client.send(new ListRoleTagsCommand({ RoleName: role.RoleName })));
        return tags ? { name: role.RoleName!, arn: role.Arn!, tags: fromTagList(tags.Tags) } : undefined;
      }));
      return listed.filter((role) => role !== undefined);
    },
    async attachedPolicies(role) {
      const listed = await aws(`ListAttachedRolePolicies ${role}`, () => client.send(new ListAttachedRolePoliciesCommand({ RoleName: role })));
      return (listed.AttachedPolicies ?? []).map((p) => p.PolicyArn!);
    },
    async attachPolicy(role, policyArn) {
      await aws(`AttachRolePolicy ${role} ${policyArn}`, () => client.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: policyArn })), notYet.AttachRolePolicy);
    },
    async putRolePolicy(role, name, document) {
      await aws(`PutRolePolicy ${role} ${name}`, () => client.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: name, PolicyDocument: document })));
    },
    async getRolePolicy(role, name) {
      const found = await awsOrUndefined(`GetRolePolicy ${role} ${name}`, () => client.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: name })));
      // IAM returns policy documents URL-encoded (RFC 3986).
      return found?.PolicyDocument === undefined ? undefined : decodeURIComponent(found.PolicyDocument);
    },
    async deleteRole(name) {
      const attached = await awsOrUndefined(`ListAttachedRolePolicies ${name}`, () => client.send(new ListAttachedRolePoliciesCommand({ RoleName: name })));
      if (!attached) return;
      for (const policy of attached.AttachedPolicies ?? []) {
        await awsOrUndefined(`DetachRolePolicy ${name}`, () => client.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: policy.PolicyArn })), notYet.DetachRolePolicy);
      }
      const inline = await awsOrUndefined(`ListRolePolicies ${name}`, () => client.send(new ListRolePoliciesCommand({ RoleName: name })));
      for (const policyName of inline?.PolicyNames ?? []) {
        await awsOrUndefined(`DeleteRolePolicy ${name}`, () => client.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policyName })));
      }
      await awsOrUndefined(`DeleteRole ${name}`, () => client.send(new DeleteRoleCommand({ RoleName: name })), notYet.DeleteRole);
    },
    async listOidcProviders() {
      const listed = await aws('ListOpenIDConnectProviders', () => client.send(new ListOpenIDConnectProvidersCommand({})));
      const providers: OidcProvider[] = [];
      for (const { Arn } of listed.OpenIDConnectProviderList ?? []) {
        const provider = await awsOrUndefined(`GetOpenIDConnectProvider ${Arn}`, () => client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: Arn })));
        if (provider) providers.push({ arn: Arn!, url: provider.Url!.replace(/^https:\/\//, ''), tags: fromTagList(provider.Tags) });
      }
      return providers;
    },
    async createOidcProvider({ url, clientIds, tags }) {
      // No ThumbprintList: IAM verifies EKS issuers against its own trusted CAs.
      const created = await aws(`CreateOpenIDConnectProvider ${url}`, () => client.send(new CreateOpenIDConnectProviderCommand({
        Url: url, ClientIDList: clientIds, Tags: toTagList(tags),
      })));
      return { arn: created.OpenIDConnectProviderArn!, url: url.replace(/^https:\/\//, ''), tags };
    },
    async deleteOidcProvider(arn) {
      await awsOrUndefined(`DeleteOpenIDConnectProvider ${arn}`, () => client.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })));
    },
  };
}
