import { ApplicationFailure } from '@temporalio/common';
import { accessPolicyArn, accessEntryLedgerName, partitionOf, type AccessEntrySpec } from '../domain/access-entries';
import { clientRequestToken } from '../domain/names';
import { ownershipTags, type Owner } from '../domain/ownership';
import type { EksApi } from './aws/eks';
import type { AssociatedAccessPolicy } from './aws/eks-access-entries';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse, deleteIfOurs, type DeleteOutcome, type DeleteOwner } from './ownership-check';

export interface EnsureAccessEntryInput {
  owner: Owner;
  region: string;
  cluster: string;
  /** A spec's entry, or a node role's of a type the spec does not offer (HYBRID_LINUX: the Hybrid Nodes role). */
  entry: AccessEntrySpec | (Omit<AccessEntrySpec, 'type'> & { type: 'HYBRID_LINUX' });
  tags?: Record<string, string>;
}

/** What the step shows: the entry's ARN in the ref, and each policy as associated. */
export interface EnsuredAccessEntry extends EnsuredResource {
  policies: string[];
}

/** The policy associations an entry asks for, as EKS takes them. */
export function wantedPolicies(entry: Pick<AccessEntrySpec, 'accessPolicies' | 'principalArn'>): AssociatedAccessPolicy[] {
  return entry.accessPolicies.map((policy) => ({
    policyArn: accessPolicyArn(policy.policy, partitionOf(entry.principalArn)),
    scope: policy.scope === 'namespace' ? { type: 'namespace', namespaces: [...(policy.namespaces ?? [])] } : { type: 'cluster' },
  }));
}

export function createAccessEntryActivities(eks: EksApi) {
  /**
   * One principal's access: its access entry (created with the environment's ownership tags, or
   * adopted when it is already this environment's) and then each of its policy associations.
   * Idempotent: the entry carries a client request token, and AssociateAccessPolicy is a put.
   * An entry of that principal that is not this environment's (made by hand, by EKS itself, or
   * by another tenant) is refused, never adopted, changed or deleted.
   * A principal made seconds ago is waited out (InvalidParameterException "invalid principal",
   * ResourceNotFoundException "could not be found": aws-fault-catalog 4, the fragments and 2-minute
   * budget of terraform-provider-aws access_entry.go and access_policy_association.go).
   */
  async function ensureAccessEntry(input: EnsureAccessEntryInput): Promise<EnsuredAccessEntry> {
    const { owner, cluster, entry } = input;
    const what = `access entry of ${entry.principalArn} on cluster ${cluster}`;
    const ref = (arn: string) => ({ kind: 'eks-access-entry' as const, name: accessEntryLedgerName(cluster, entry.principalArn), region: input.region, arn });
    let made = true;
    let existing = await eks.describeAccessEntry(cluster, entry.principalArn);
    if (!existing) {
      try {
        existing = await eks.createAccessEntry({
          cluster, principalArn: entry.principalArn, type: entry.type, kubernetesGroups: entry.kubernetesGroups ?? [], ...(entry.username ? { username: entry.username } : {}), tags: ownershipTags(owner, input.tags),
          clientRequestToken: clientRequestToken(owner.runId, `access-${cluster}-${entry.principalArn}`),
        });
      } catch (error) {
        // Made meanwhile by someone else, or by this environment in an attempt whose answer was
        // lost: whose it is decides (eksctl treats "already exists" as done, pkg/cfn/manager/nodegroup.go;
        // eksflow only when the tags say it is its own).
        if (!(error instanceof ApplicationFailure && /ResourceInUseException/.test(error.message))) throw error;
        existing = await eks.describeAccessEntry(cluster, entry.principalArn);
        if (!existing) throw error;
        made = adoptOrRefuse(what, existing.tags, owner).madeByThisRun;
      }
    } else {
      made = adoptOrRefuse(what, existing.tags, owner).madeByThisRun;
    }
    const policies: string[] = [];
    for (const policy of wantedPolicies(entry)) {
      await eks.associateAccessPolicy(cluster, entry.principalArn, policy);
      policies.push(`${policy.policyArn.split('/').pop()} on ${policy.scope.type === 'cluster' ? 'the cluster' : `namespaces ${policy.scope.namespaces!.join(', ')}`}`);
    }
    return { ref: ref(existing.arn), made, policies };
  }

  /** What an entry holds now, for the run's step detail and for tests: its groups and associated policies. */
  async function describeAccessEntry(input: { cluster: string; principalArn: string }): Promise<{ status: 'ACTIVE' | 'NOT_FOUND'; kubernetesGroups: string[]; policies: AssociatedAccessPolicy[] }> {
    const entry = await eks.describeAccessEntry(input.cluster, input.principalArn);
    if (!entry) return { status: 'NOT_FOUND', kubernetesGroups: [], policies: [] };
    return { status: 'ACTIVE', kubernetesGroups: entry.kubernetesGroups, policies: await eks.listAssociatedAccessPolicies(input.cluster, input.principalArn) };
  }

  /**
   * Deletes the entry, with its policy associations, only when it carries this environment's
   * tag. Gone already (the entry, or its whole cluster) is done: ResourceNotFoundException
   * (terraform-provider-aws access_entry.go resourceAccessEntryDelete).
   */
  async function deleteAccessEntry(input: DeleteOwner & { cluster: string; principalArn: string }): Promise<DeleteOutcome> {
    let found;
    try {
      found = await eks.describeAccessEntry(input.cluster, input.principalArn);
    } catch (error) {
      // A cluster in CONFIG_MAP mode (one adopted from before eksflow set accessConfig) holds no
      // access entries: EKS refuses to look (InvalidRequestException), and there is nothing to delete.
      if (error instanceof ApplicationFailure && /InvalidRequestException: The cluster's authentication mode must be set/.test(error.message)) return { outcome: 'absent' };
      throw error;
    }
    return deleteIfOurs(found, input, () => eks.deleteAccessEntry(input.cluster, input.principalArn));
  }

  return { ensureAccessEntry, describeAccessEntry, deleteAccessEntry };
}
