import {
  AssociateAccessPolicyCommand, CreateAccessEntryCommand, DeleteAccessEntryCommand, DescribeAccessEntryCommand, ListAccessEntriesCommand, ListAssociatedAccessPoliciesCommand,
  type AccessScopeType, type EKSClient,
} from '@aws-sdk/client-eks';
import { aws, awsOrUndefined } from './errors';
import type { NotYetByCall } from './not-yet';
import { allPages } from './pages';

/** An EKS access entry, as eksflow needs to see it. */
export interface AccessEntry {
  cluster: string;
  principalArn: string;
  arn: string;
  /** STANDARD, EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, EC2, HYBRID_LINUX, HYPERPOD_LINUX. */
  type: string;
  kubernetesGroups: string[];
  tags: Record<string, string>;
}

export interface CreateAccessEntryInput {
  cluster: string;
  principalArn: string;
  type: string;
  kubernetesGroups: string[];
  username?: string;
  tags: Record<string, string>;
  clientRequestToken: string;
}

export interface AccessScope {
  type: 'cluster' | 'namespace';
  namespaces?: string[];
}

export interface AssociatedAccessPolicy {
  policyArn: string;
  scope: AccessScope;
}

/**
 * The access-entry calls of EKS (part of `EksApi`). moto has none of them: the simulated cloud
 * (src/sim/aws/eks-access-entries.ts) models them, and the contract suite says so.
 */
export interface AccessEntryApi {
  /** undefined when the cluster has no entry for the principal (or no such cluster). */
  describeAccessEntry(cluster: string, principalArn: string): Promise<AccessEntry | undefined>;
  createAccessEntry(input: CreateAccessEntryInput): Promise<AccessEntry>;
  /** Done when the entry (or the cluster) is already gone: ResourceNotFoundException (terraform-provider-aws access_entry.go resourceAccessEntryDelete). */
  deleteAccessEntry(cluster: string, principalArn: string): Promise<void>;
  listAccessEntries(cluster: string): Promise<string[]>;
  /** Associates (or re-scopes) one policy: AssociateAccessPolicy is a put, the same call twice is one association. */
  associateAccessPolicy(cluster: string, principalArn: string, policy: AssociatedAccessPolicy): Promise<void>;
  listAssociatedAccessPolicies(cluster: string, principalArn: string): Promise<AssociatedAccessPolicy[]>;
}

const toEntry = (entry: { clusterName?: string; principalArn?: string; accessEntryArn?: string; type?: string; kubernetesGroups?: string[]; tags?: Record<string, string> }): AccessEntry => ({
  cluster: entry.clusterName!, principalArn: entry.principalArn!, arn: entry.accessEntryArn!, type: entry.type ?? 'STANDARD',
  kubernetesGroups: entry.kubernetesGroups ?? [], tags: entry.tags ?? {},
});

/** The SDK-backed half of `EksApi` for access entries, waiting out the same "not yet" answers as the simulated one. */
export function accessEntryApi(client: EKSClient, notYet: NotYetByCall): AccessEntryApi {
  return {
    async describeAccessEntry(cluster, principalArn) {
      const found = await awsOrUndefined(`DescribeAccessEntry ${cluster}/${principalArn}`, () => client.send(new DescribeAccessEntryCommand({ clusterName: cluster, principalArn })));
      return found?.accessEntry ? toEntry(found.accessEntry) : undefined;
    },
    async createAccessEntry(input) {
      const created = await aws(`CreateAccessEntry ${input.cluster}/${input.principalArn}`, () => client.send(new CreateAccessEntryCommand({
        clusterName: input.cluster, principalArn: input.principalArn, type: input.type,
        ...(input.kubernetesGroups.length > 0 ? { kubernetesGroups: input.kubernetesGroups } : {}),
        ...(input.username ? { username: input.username } : {}),
        tags: input.tags, clientRequestToken: input.clientRequestToken,
      })), notYet.CreateAccessEntry);
      return toEntry(created.accessEntry!);
    },
    async deleteAccessEntry(cluster, principalArn) {
      await awsOrUndefined(`DeleteAccessEntry ${cluster}/${principalArn}`, () => client.send(new DeleteAccessEntryCommand({ clusterName: cluster, principalArn })));
    },
    listAccessEntries: (cluster) => allPages(async (nextToken) => {
      const page = await awsOrUndefined(`ListAccessEntries ${cluster}`, () => client.send(new ListAccessEntriesCommand({ clusterName: cluster, nextToken })));
      return { items: page?.accessEntries, next: page?.nextToken };
    }),
    async associateAccessPolicy(cluster, principalArn, { policyArn, scope }) {
      // `aws`, not `awsOrUndefined`: its ResourceNotFoundException "could not be found" is the
      // principal not yet propagated, waited out (aws-fault-catalog 4), not a thing that is gone.
      await aws(`AssociateAccessPolicy ${cluster}/${principalArn} ${policyArn}`, () => client.send(new AssociateAccessPolicyCommand({
        clusterName: cluster, principalArn, policyArn, accessScope: { type: scope.type as AccessScopeType, ...(scope.namespaces ? { namespaces: scope.namespaces } : {}) },
      })), notYet.AssociateAccessPolicy);
    },
    listAssociatedAccessPolicies: async (cluster, principalArn) => (await allPages(async (nextToken) => {
      const page = await awsOrUndefined(`ListAssociatedAccessPolicies ${cluster}/${principalArn}`, () => client.send(new ListAssociatedAccessPoliciesCommand({ clusterName: cluster, principalArn, nextToken })));
      return { items: page?.associatedAccessPolicies, next: page?.nextToken };
    })).map((policy) => ({
      policyArn: policy.policyArn!, scope: { type: policy.accessScope?.type === 'namespace' ? 'namespace' as const : 'cluster' as const, ...(policy.accessScope?.namespaces?.length ? { namespaces: policy.accessScope.namespaces } : {}) },
    })),
  };
}
