import { accessPolicyArn, partitionOf, type AccessPolicySpec } from '../domain/access-entries';
import { capabilityLedgerName, type CapabilitySpec } from '../domain/capabilities';
import { clientRequestToken } from '../domain/names';
import { ownershipTags, type Owner } from '../domain/ownership';
import type { EksApi } from './aws/eks';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse, deleteIfOurs, type DeleteOutcome, type DeleteOwner } from './ownership-check';

export interface EnsureCapabilityInput {
  owner: Owner;
  region: string;
  cluster: string;
  capability: Pick<CapabilitySpec, 'name' | 'type' | 'argoCd' | 'tags'>;
  /** The capability's role: the spec's roleArn, or the one the run made. */
  roleArn: string;
  /** The environment's tags; the capability's own go beside them. */
  tags?: Record<string, string>;
}

export function createCapabilityActivities(eks: EksApi) {
  /**
   * Creates the capability (CreateCapability, deletePropagationPolicy RETAIN), or adopts it when it
   * is already this environment's; one of another owner under the name is refused. Returns at
   * once: the workflow polls `describeCapability` until ACTIVE. A role made seconds ago that EKS
   * cannot assume yet is asked again within the IAM propagation budget (src/activities/aws/not-yet.ts).
   */
  async function ensureCapability(input: EnsureCapabilityInput): Promise<EnsuredResource & { status: string }> {
    const { owner, cluster, capability } = input;
    const ref = (arn?: string) => ({ kind: 'eks-capability' as const, name: capabilityLedgerName(cluster, capability.name), region: input.region, ...(arn ? { arn } : {}) });
    const existing = await eks.describeCapability(cluster, capability.name);
    if (existing) {
      const { madeByThisRun } = adoptOrRefuse(`EKS capability ${capability.name} of cluster ${cluster}`, existing.tags, owner);
      return { ref: ref(existing.arn), made: madeByThisRun, status: existing.status };
    }
    const created = await eks.createCapability({
      cluster, capability, roleArn: input.roleArn, tags: ownershipTags(owner, { ...input.tags, ...capability.tags }),
      clientRequestToken: clientRequestToken(owner.runId, `capability-${cluster}-${capability.name}`),
    });
    return { ref: ref(created.arn), made: true, status: created.status };
  }

  /** One look for the workflow's poll: CREATING, ACTIVE, …, or NOT_FOUND once it is gone; with its health issues. */
  async function describeCapability(input: { cluster: string; name: string }): Promise<{ status: string; issues: string[] }> {
    const found = await eks.describeCapability(input.cluster, input.name);
    return found ? { status: found.status, issues: found.issues } : { status: 'NOT_FOUND', issues: [] };
  }

  /**
   * Associates the capability's access policies to the access entry EKS makes for its role, once
   * that entry is there (eksctl waits for it, then calls AssociateAccessPolicy per policy:
   * pkg/actions/capability/creator.go). Not there yet: WAITING, for the workflow to look again.
   * AssociateAccessPolicy is a put, so asking twice is harmless. The entry is EKS's: eksflow does
   * not ledger or delete it; it goes with the capability.
   */
  async function associateCapabilityAccessPolicies(input: { cluster: string; principalArn: string; policies: AccessPolicySpec[] }): Promise<{ status: 'WAITING' | 'ASSOCIATED'; policies: string[] }> {
    const entry = await eks.describeAccessEntry(input.cluster, input.principalArn);
    if (!entry) return { status: 'WAITING', policies: [] };
    const done: string[] = [];
    for (const policy of input.policies) {
      const policyArn = accessPolicyArn(policy.policy, partitionOf(input.principalArn));
      await eks.associateAccessPolicy(input.cluster, input.principalArn, {
        policyArn, scope: policy.scope === 'namespace' ? { type: 'namespace', namespaces: [...(policy.namespaces ?? [])] } : { type: 'cluster' },
      });
      done.push(`${policy.policy} on ${policy.scope === 'namespace' ? `namespaces ${(policy.namespaces ?? []).join(', ')}` : 'the cluster'}`);
    }
    return { status: 'ASSOCIATED', policies: done };
  }

  /** Starts deleting the capability, only when it carries this environment's tag; DELETING already is done. */
  async function deleteCapability(input: DeleteOwner & { cluster: string; name: string }): Promise<DeleteOutcome> {
    const found = await eks.describeCapability(input.cluster, input.name);
    return deleteIfOurs(found, input, () => (found?.status === 'DELETING' ? Promise.resolve() : eks.deleteCapability(input.cluster, input.name)));
  }

  return { ensureCapability, describeCapability, associateCapabilityAccessPolicies, deleteCapability };
}
