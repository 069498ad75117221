import {
  CreatePodIdentityAssociationCommand, DeletePodIdentityAssociationCommand, DescribePodIdentityAssociationCommand, ListPodIdentityAssociationsCommand,
  type EKSClient, type PodIdentityAssociation as SdkAssociation,
} from '@aws-sdk/client-eks';
import { aws, awsOrUndefined } from './errors';
import type { NotYetByCall } from './not-yet';
import { allPages } from './pages';

/** An EKS Pod Identity association: pods of that ServiceAccount get the role's credentials. */
export interface PodIdentityAssociation {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  associationId: string;
  associationArn: string;
  tags: Record<string, string>;
  /** The role EKS has `roleArn` assume for the pods (role chaining), when there is one. */
  targetRoleArn?: string;
  /** Set with targetRoleArn: the target role's trust policy names it as sts:ExternalId. */
  externalId?: string;
  /** True when EKS adds no session tags on assuming the role. */
  disableSessionTags?: boolean;
}

export interface CreatePodIdentityAssociationInput {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  tags: Record<string, string>;
  clientRequestToken: string;
  /** @default none */
  targetRoleArn?: string;
  /** @default false */
  disableSessionTags?: boolean;
}

/** ListPodIdentityAssociations' summaries: no role, no tags (DescribePodIdentityAssociation has them). */
export interface PodIdentityAssociationSummary {
  namespace: string;
  serviceAccount: string;
  associationId: string;
}

/** The Pod Identity calls eksflow makes (part of `EksApi`). moto has none of them: the simulated cloud plays them. */
export interface PodIdentityApi {
  createPodIdentityAssociation(input: CreatePodIdentityAssociationInput): Promise<PodIdentityAssociation>;
  /** `undefined` when the association (or its cluster) is not there. */
  describePodIdentityAssociation(cluster: string, associationId: string): Promise<PodIdentityAssociation | undefined>;
  /** The cluster's associations, filtered as the API filters; none when the cluster is gone. */
  listPodIdentityAssociations(cluster: string, filter?: { namespace?: string; serviceAccount?: string }): Promise<PodIdentityAssociationSummary[]>;
  /** Done when it is already gone. */
  deletePodIdentityAssociation(cluster: string, associationId: string): Promise<void>;
}

export const toPodIdentityAssociation = (a: SdkAssociation): PodIdentityAssociation => ({
  cluster: a.clusterName!, namespace: a.namespace!, serviceAccount: a.serviceAccount!, roleArn: a.roleArn!,
  associationId: a.associationId!, associationArn: a.associationArn!, tags: a.tags ?? {},
  ...(a.targetRoleArn ? { targetRoleArn: a.targetRoleArn } : {}), ...(a.externalId ? { externalId: a.externalId } : {}),
  ...(a.disableSessionTags ? { disableSessionTags: true } : {}),
});

/** The SDK-backed calls; `CreatePodIdentityAssociation` waits out a role still propagating (aws-fault-catalog 5). */
export function podIdentityCalls(client: EKSClient, notYet: NotYetByCall): PodIdentityApi {
  return {
    async createPodIdentityAssociation(input) {
      const created = await aws(`CreatePodIdentityAssociation ${input.cluster}/${input.namespace}/${input.serviceAccount}`, () => client.send(new CreatePodIdentityAssociationCommand({
        clusterName: input.cluster, namespace: input.namespace, serviceAccount: input.serviceAccount, roleArn: input.roleArn,
        tags: input.tags, clientRequestToken: input.clientRequestToken,
        ...(input.targetRoleArn ? { targetRoleArn: input.targetRoleArn } : {}), ...(input.disableSessionTags ? { disableSessionTags: true } : {}),
      })), notYet.CreatePodIdentityAssociation);
      return toPodIdentityAssociation(created.association!);
    },
    async describePodIdentityAssociation(cluster, associationId) {
      const found = await awsOrUndefined(`DescribePodIdentityAssociation ${cluster}/${associationId}`, () => client.send(new DescribePodIdentityAssociationCommand({ clusterName: cluster, associationId })));
      return found?.association ? toPodIdentityAssociation(found.association) : undefined;
    },
    listPodIdentityAssociations: (cluster, filter = {}) => allPages(async (nextToken) => {
      const page = await awsOrUndefined(`ListPodIdentityAssociations ${cluster}`, () => client.send(new ListPodIdentityAssociationsCommand({
        clusterName: cluster, namespace: filter.namespace, serviceAccount: filter.serviceAccount, nextToken,
      })));
      return { items: page?.associations?.map((a) => ({ namespace: a.namespace!, serviceAccount: a.serviceAccount!, associationId: a.associationId! })), next: page?.nextToken };
    }),
    async deletePodIdentityAssociation(cluster, associationId) {
      await awsOrUndefined(`DeletePodIdentityAssociation ${cluster}/${associationId}`, () => client.send(new DeletePodIdentityAssociationCommand({ clusterName: cluster, associationId })));
    },
  };
}
