import type { ResourceRef } from '../domain/ledger';
import { ownershipTags, type Owner } from '../domain/ownership';
import type { IamApi } from './aws/iam';
import { adoptOrRefuse } from './ownership-check';

export interface EnsureRoleInput {
  owner: Owner;
  region: string;
  name: string;
  description: string;
  trustPolicy: object;
  managedPolicyArns: string[];
  tags?: Record<string, string>;
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
      });
    }
    // Attaching is idempotent; doing it on adoption too repairs a run cut off between the two calls.
    const attached = new Set(await iam.attachedPolicies(input.name));
    for (const policy of input.managedPolicyArns) if (!attached.has(policy)) await iam.attachPolicy(input.name, policy);
    return { ref: { kind: 'iam-role', name: input.name, region: input.region, arn: role.arn }, made, arn: role.arn };
  }

  async function deleteRole(name: string): Promise<void> {
    await iam.deleteRole(name);
  }

  return { ensureRole, deleteRole };
}
