import type { CreatePodIdentityAssociationInput, PodIdentityAssociation, PodIdentityAssociationSummary } from '../../activities/aws/eks-pod-identity';
import type { SimContext } from './context';
import type { ClusterRecord } from './eks-records';
import { isServing } from './eks-records';
import { eksError } from './errors';
import type { RoleAsSeenByEks } from './iam';

interface AssociationRecord extends PodIdentityAssociation {
  token: string;
}

/**
 * EKS Pod Identity associations, which moto does not implement (moto/eks/responses.py has no
 * pod identity handler). Played after the EKS API reference (CreatePodIdentityAssociation,
 * DescribePodIdentityAssociation, ListPodIdentityAssociations, DeletePodIdentityAssociation):
 * one association per namespace and ServiceAccount (ResourceInUseException for a second), a
 * request token that makes a retried create the same request, the role checked as EKS checks it
 * ("Role provided in the request does not exist" while IAM propagates it, aws-fault-catalog 5),
 * ResourceNotFoundException for an unknown cluster or association, IDs as `a-` and 17
 * characters, and every association gone with its cluster. The exact wording of the
 * ResourceInUseException and not-found messages is not in the catalog: they say what AWS says,
 * not necessarily how. Cross-account role chaining as the API reference has it
 * (CreatePodIdentityAssociation targetRoleArn, disableSessionTags; PodIdentityAssociation
 * externalId): the target role is kept and answered with an `externalId` (a UUID here) for the
 * target role's trust policy; EKS checks the target role only when pods assume it, so the sim
 * takes any. disableSessionTags is kept and answered when true (as the SDK-backed adapter reads it: false and absent alike).
 */
export class PodIdentityState {
  // Per cluster record: a cluster deleted and made again starts with none, as on EKS.
  private readonly byCluster = new WeakMap<ClusterRecord, Map<string, AssociationRecord>>();

  constructor(
    private readonly context: SimContext,
    private readonly clusterOf: (name: string) => ClusterRecord,
    private readonly roleAsSeenByEks: (arn: string) => RoleAsSeenByEks,
  ) {}

  private associations(cluster: string): Map<string, AssociationRecord> {
    const record = this.clusterOf(cluster);
    let map = this.byCluster.get(record);
    if (!map) this.byCluster.set(record, map = new Map());
    return map;
  }

  private find(cluster: string, associationId: string): AssociationRecord {
    const found = this.associations(cluster).get(associationId);
    if (!found) throw eksError.notFound(`No Pod Identity Association found with id: ${associationId}.`);
    return found;
  }

  create(input: CreatePodIdentityAssociationInput): PodIdentityAssociation {
    const record = this.clusterOf(input.cluster);
    const associations = this.associations(input.cluster);
    const existing = [...associations.values()].find((a) => a.namespace === input.namespace && a.serviceAccount === input.serviceAccount);
    if (existing && existing.token === input.clientRequestToken) return view(existing);
    if (existing) throw eksError.resourceInUse(`Association already exists: ${existing.associationId}`);
    if (!isServing(record)) throw eksError.invalidRequest(`Cluster '${input.cluster}' is not in ACTIVE status`);
    if (this.roleAsSeenByEks(input.roleArn) === 'missing' || this.roleAsSeenByEks(input.roleArn) === 'propagating') {
      throw eksError.invalidParameter('Role provided in the request does not exist');
    }
    const associationId = `a-${this.context.ids.hex(17)}`;
    const association: AssociationRecord = {
      cluster: input.cluster, namespace: input.namespace, serviceAccount: input.serviceAccount, roleArn: input.roleArn, associationId,
      associationArn: `arn:aws:eks:${this.context.region}:${this.context.accountId}:podidentityassociation/${input.cluster}/${associationId}`,
      tags: { ...input.tags }, token: input.clientRequestToken,
      ...(input.disableSessionTags ? { disableSessionTags: true } : {}),
      ...(input.targetRoleArn ? { targetRoleArn: input.targetRoleArn, externalId: this.context.ids.uuid() } : {}),
    };
    associations.set(associationId, association);
    return view(association);
  }

  describe(cluster: string, associationId: string): PodIdentityAssociation {
    return view(this.find(cluster, associationId));
  }

  list(cluster: string, filter: { namespace?: string; serviceAccount?: string } = {}): PodIdentityAssociationSummary[] {
    return [...this.associations(cluster).values()]
      .filter((a) => (filter.namespace === undefined || a.namespace === filter.namespace) && (filter.serviceAccount === undefined || a.serviceAccount === filter.serviceAccount))
      .sort((a, b) => a.associationId.localeCompare(b.associationId))
      .map((a) => ({ namespace: a.namespace, serviceAccount: a.serviceAccount, associationId: a.associationId }));
  }

  delete(cluster: string, associationId: string): void {
    this.find(cluster, associationId);
    this.associations(cluster).delete(associationId);
  }
}

const view = ({ token: _token, ...association }: AssociationRecord): PodIdentityAssociation => ({ ...association, tags: { ...association.tags } });
