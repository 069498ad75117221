import type { ResourceRef } from '../domain/ledger';
import { roleNames } from '../domain/names';
import { ownershipTags, type Owner } from '../domain/ownership';
import type { IamApi } from './aws/iam';
import { irsaTrustPolicy } from './oidc-provider';
import { podIdentityTrustPolicy } from '../domain/workload-identity';
import { adoptOrRefuse, changeOnlyIfOurs, deleteIfOurs, type DeleteOutcome, type DeleteOwner } from './ownership-check';

export interface EnsureRoleInput {
  owner: Owner;
  region: string;
  name: string;
  description: string;
  trustPolicy: object;
  managedPolicyArns: string[];
  /** Policies written into the role itself, by policy name. @default none */
  inlinePolicies?: Record<string, object>;
  tags?: Record<string, string>;
  /** The role's IAM permissions boundary, a managed policy ARN. @default none */
  permissionsBoundary?: string;
}

export interface EnsureIrsaRoleInput {
  owner: Owner;
  region: string;
  /** The environment's name, which the role's name starts with. */
  environment: string;
  /** The role's name. @default <environment>-<namespace>-<serviceAccount>, bounded to 64 characters */
  name?: string;
  /** The Kubernetes namespace and service account that alone may assume the role. */
  namespace: string;
  serviceAccount: string;
  /** The cluster's IAM OIDC provider, from ensureOidcProvider. */
  oidcProviderArn: string;
  /** The cluster's OIDC issuer, `https://` included or not. */
  issuerUrl: string;
  /** @default none */
  inlinePolicies?: Record<string, object>;
  /** @default none */
  managedPolicyArns?: string[];
  tags?: Record<string, string>;
  /** @default none */
  permissionsBoundary?: string;
}

export interface EnsuredResource {
  ref: ResourceRef;
  /** True when this run created it, so a rollback of this run deletes it. */
  made: boolean;
}

export function createIamRoleActivities(iam: IamApi) {
  /** Creates the role with its policies, or adopts it when this environment already owns it. */
  async function ensureRole(input: EnsureRoleInput): Promise<EnsuredResource & { arn: string }> {
    let role = await iam.getRole(input.name);
    let made = true;
    if (role) {
      made = adoptOrRefuse(`IAM role ${input.name}`, role.tags, input.owner).madeByThisRun;
    } else {
      role = await iam.createRole({
        name: input.name, description: input.description, trustPolicy: JSON.stringify(input.trustPolicy), tags: ownershipTags(input.owner, input.tags),
        ...(input.permissionsBoundary ? { permissionsBoundary: input.permissionsBoundary } : {}),
      });
    }
    // A role of this environment's with another boundary (or none) gets the spec's. One the spec
    // gives none for keeps what it has: old specs name no boundary, and eksflow does not take
    // away one set by hand (IAM CreateRole/PutRolePermissionsBoundary, PermissionsBoundary).
    if (input.permissionsBoundary && role.permissionsBoundary !== input.permissionsBoundary) {
      await iam.putRolePermissionsBoundary(input.name, input.permissionsBoundary);
    }
    // Attaching is idempotent; doing it on adoption too repairs a run cut off between the two calls.
    const attached = new Set(await iam.attachedPolicies(input.name));
    for (const policy of input.managedPolicyArns) if (!attached.has(policy)) await iam.attachPolicy(input.name, policy);
    // Putting replaces a policy of the same name, so it is idempotent too, and on adoption it
    // both completes a cut-off run and restores a policy edited by hand.
    for (const [policyName, document] of Object.entries(input.inlinePolicies ?? {})) await iam.putRolePolicy(input.name, policyName, JSON.stringify(document));
    return { ref: { kind: 'iam-role', name: input.name, region: input.region, arn: role.arn }, made, arn: role.arn };
  }

  /**
   * The role a Kubernetes service account assumes through the cluster's OIDC provider (IRSA),
   * named after the environment, namespace and service account so a repeat finds it.
   */
  async function ensureIrsaRole(input: EnsureIrsaRoleInput): Promise<EnsuredResource & { arn: string }> {
    return ensureRole({
      owner: input.owner,
      region: input.region,
      name: input.name ?? roleNames.irsa(input.environment, input.namespace, input.serviceAccount),
      description: `IRSA role of ${input.namespace}/${input.serviceAccount} in environment ${input.environment}`,
      trustPolicy: irsaTrustPolicy(input.oidcProviderArn, input.issuerUrl, input.namespace, input.serviceAccount),
      managedPolicyArns: input.managedPolicyArns ?? [],
      inlinePolicies: input.inlinePolicies,
      tags: input.tags,
      ...(input.permissionsBoundary ? { permissionsBoundary: input.permissionsBoundary } : {}),
    });
  }

  /**
   * The same service account's role trusting EKS Pod Identity instead (EKS user guide,
   * pod-id-role.html): under the same name, so a repeat finds it; an association binds it.
   */
  async function ensurePodIdentityRole(input: Omit<EnsureIrsaRoleInput, 'oidcProviderArn' | 'issuerUrl'>): Promise<EnsuredResource & { arn: string }> {
    return ensureRole({
      owner: input.owner,
      region: input.region,
      name: input.name ?? roleNames.irsa(input.environment, input.namespace, input.serviceAccount),
      description: `EKS Pod Identity role of ${input.namespace}/${input.serviceAccount} in environment ${input.environment}`,
      trustPolicy: podIdentityTrustPolicy(),
      managedPolicyArns: input.managedPolicyArns ?? [],
      inlinePolicies: input.inlinePolicies,
      tags: input.tags,
      ...(input.permissionsBoundary ? { permissionsBoundary: input.permissionsBoundary } : {}),
    });
  }

  /** Deletes the role with its policies, only when it carries this environment's tag. */
  async function deleteRole(input: DeleteOwner & { name: string }): Promise<DeleteOutcome> {
    return deleteIfOurs(await iam.getRole(input.name), input, () => iam.deleteRole(input.name));
  }

  /**
   * Puts (or replaces) one inline policy on a role of this environment's: a change that needs
   * the cluster role to use a new Secrets key. A role that is not the environment's is refused
   * before anything is sent.
   */
  async function putOwnedRolePolicy(input: { owner: Owner; role: string; policyName: string; document: object }): Promise<void> {
    changeOnlyIfOurs(`IAM role ${input.role}`, await iam.getRole(input.role), input.owner);
    await iam.putRolePolicy(input.role, input.policyName, JSON.stringify(input.document));
  }

  return { ensureRole, ensureIrsaRole, ensurePodIdentityRole, putOwnedRolePolicy, deleteRole };
}
