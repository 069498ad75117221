import type { AccessEntry, AssociatedAccessPolicy, CreateAccessEntryInput } from '../../activities/aws/eks-access-entries';
import type { SimContext } from './context';
import type { ClusterRecord } from './eks-records';
import { isServing } from './eks-records';
import { eksError } from './errors';
import type { RoleAsSeenByEks } from './iam';

interface AccessEntryRecord extends AccessEntry {
  token: string;
  policies: Map<string, AssociatedAccessPolicy>;
}

/** How EKS sees an IAM principal: the simulated IAM's roles, propagating or not. */
export interface PrincipalNeighbours {
  roleAsSeenByEks(arn: string): RoleAsSeenByEks;
}

// EC2 is the type of an Auto Mode node role's entry (create-node-class); HYBRID_LINUX a Hybrid
// Nodes role's (EKS user guide, "Prepare cluster access for hybrid nodes").
const entryTypes = new Set(['STANDARD', 'EC2_LINUX', 'EC2_WINDOWS', 'FARGATE_LINUX', 'EC2', 'HYBRID_LINUX']);
const policyArn = /^arn:aws[-a-z]*:eks::aws:cluster-access-policy\/AmazonEKS[A-Za-z]+Policy$/;

/**
 * EKS access entries and their policy associations, as state beside the clusters (moto has no
 * access-entry API; this is what the contract suite's simulator-only cases check). Kept per
 * cluster record, so a cluster deleted and made again under the same name starts with none,
 * as on EKS, where entries go with their cluster. Its rules and words:
 * - the cluster must exist (ResourceNotFoundException), serve requests (InvalidRequestException
 *   while CREATING or DELETING) and be in API or API_AND_CONFIG_MAP authentication mode
 *   (InvalidRequestException; a cluster created without accessConfig through the API is CONFIG_MAP);
 * - a principal of this account must be a role IAM has propagated to EKS: until then, and for
 *   one that does not exist, "The specified principalArn is invalid: invalid principal"
 *   (aws-fault-catalog 4; terraform-provider-aws access_entry.go retries that fragment). The
 *   simulated IAM has no users, and another account's IAM is not modelled: those are accepted;
 * - one entry per principal: a second create is ResourceInUseException, unless it carries the
 *   first one's client request token (the same request);
 * - AssociateAccessPolicy on a principal without an entry is ResourceNotFoundException "The
 *   specified principalArn could not be found" (catalog 4), and replaces the scope of a policy
 *   already associated; the associations go with their entry.
 * Not modelled: the entries EKS makes itself (the cluster creator's, node and Fargate roles'),
 * except an Auto Mode node role's (`addEksEntries`).
 */
export class AccessEntryState {
  private readonly byCluster = new WeakMap<ClusterRecord, Map<string, AccessEntryRecord>>();
  private readonly madeByEks = new WeakSet<ClusterRecord>();

  constructor(private readonly context: SimContext, private readonly neighbours: PrincipalNeighbours, private readonly cluster: (name: string) => ClusterRecord) {}

  private entries(clusterName: string, { mutating = false } = {}): Map<string, AccessEntryRecord> {
    const cluster = this.cluster(clusterName);
    if (mutating && !isServing(cluster)) throw eksError.invalidRequest(`Cluster '${clusterName}' is not in ACTIVE status`);
    if (!['API', 'API_AND_CONFIG_MAP'].includes(cluster.authenticationMode ?? 'CONFIG_MAP')) {
      throw eksError.invalidRequest("The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.");
    }
    let entries = this.byCluster.get(cluster);
    if (!entries) this.byCluster.set(cluster, entries = new Map());
    this.addEksEntries(cluster, entries);
    return entries;
  }

  /**
   * The entry EKS makes itself once an Auto Mode cluster is up: its node role's, of type EC2,
   * with AmazonEKSAutoNodePolicy ("When you create a new auto mode cluster, EKS automatically
   * creates the corresponding Kubernetes permissions using Access entries": EKS user guide,
   * auto-learn-iam; a custom NodeClass's role needs one made by hand, create-node-class). It
   * goes with its cluster.
   */
  private addEksEntries(cluster: ClusterRecord, entries: Map<string, AccessEntryRecord>): void {
    const role = cluster.autoMode?.nodeRoleArn;
    if (!role || cluster.activeAt === undefined || this.madeByEks.has(cluster)) return;
    this.madeByEks.add(cluster);
    const { accountId, region } = this.context;
    const policy = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy';
    entries.set(role, {
      cluster: cluster.name, principalArn: role, type: 'EC2', kubernetesGroups: [], tags: {},
      arn: `arn:aws:eks:${region}:${accountId}:access-entry/${cluster.name}/${role.split(':')[5]}/${this.context.ids.uuid()}`,
      token: '', policies: new Map([[policy, { policyArn: policy, scope: { type: 'cluster' } }]]),
    });
  }

  /**
   * The entry EKS makes for a capability's role (EKS user guide, "Amazon EKS capability IAM role":
   * capabilities reach the cluster "through automatically created access entries"): STANDARD,
   * untagged, so access policies can be associated to it (eksctl does: pkg/actions/capability/creator.go).
   */
  madeForCapability(clusterName: string, principalArn: string): void {
    const entries = this.entries(clusterName);
    if (entries.has(principalArn)) return;
    const { accountId, region } = this.context;
    entries.set(principalArn, {
      cluster: clusterName, principalArn, type: 'STANDARD', kubernetesGroups: [], tags: {}, token: '', policies: new Map(),
      arn: `arn:aws:eks:${region}:${accountId}:access-entry/${clusterName}/${principalArn.split(':')[5]}/${this.context.ids.uuid()}`,
    });
  }

  /** Removes the entry EKS made for a capability once it is gone (with the cluster, there is nothing to remove). */
  goneWithCapability(clusterName: string, principalArn: string): void {
    try {
      this.entries(clusterName).delete(principalArn);
    } catch {
      // The cluster went first: its entries went with it.
    }
  }

  entry(clusterName: string, principalArn: string): AccessEntryRecord {
    const entry = this.entries(clusterName).get(principalArn);
    if (!entry) throw eksError.notFound(`The specified access entry resource could not be found for principal ${principalArn} on cluster ${clusterName}.`);
    return entry;
  }

  list(clusterName: string): string[] {
    return [...this.entries(clusterName).keys()].sort();
  }

  create(input: CreateAccessEntryInput): AccessEntryRecord {
    const entries = this.entries(input.cluster, { mutating: true });
    const existing = entries.get(input.principalArn);
    if (existing && input.clientRequestToken && existing.token === input.clientRequestToken) return existing;
    if (existing) throw eksError.resourceInUse('The specified access entry resource is already in use on this cluster.');
    this.checkPrincipal(input.principalArn);
    if (!entryTypes.has(input.type)) throw eksError.invalidParameter(`The access entry type ${input.type} is not valid.`);
    if (input.type !== 'STANDARD' && input.kubernetesGroups.length > 0) throw eksError.invalidParameter(`Kubernetes groups cannot be specified for access entries of type ${input.type}.`);
    if (input.type !== 'STANDARD' && input.username) throw eksError.invalidParameter(`A username cannot be specified for access entries of type ${input.type}.`);
    const system = input.kubernetesGroups.find((group) => group.startsWith('system:'));
    if (system) throw eksError.invalidParameter(`The kubernetes group ${system} is not allowed: groups cannot start with system:.`);
    const { accountId, region } = this.context;
    const record: AccessEntryRecord = {
      cluster: input.cluster, principalArn: input.principalArn, type: input.type, kubernetesGroups: [...input.kubernetesGroups], tags: { ...input.tags },
      arn: `arn:aws:eks:${region}:${accountId}:access-entry/${input.cluster}/${input.principalArn.split(':')[5]}/${this.context.ids.uuid()}`,
      token: input.clientRequestToken, policies: new Map(),
    };
    entries.set(input.principalArn, record);
    return record;
  }

  delete(clusterName: string, principalArn: string): void {
    const entries = this.entries(clusterName, { mutating: true });
    this.entry(clusterName, principalArn);
    entries.delete(principalArn);
  }

  associate(clusterName: string, principalArn: string, policy: AssociatedAccessPolicy): void {
    this.entries(clusterName, { mutating: true });
    const entry = this.entries(clusterName).get(principalArn);
    if (!entry) throw eksError.notFound("The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.");
    if (entry.type !== 'STANDARD') throw eksError.invalidParameter(`Access policies can only be associated with access entries of type STANDARD, not ${entry.type}.`);
    if (!policyArn.test(policy.policyArn)) throw eksError.invalidParameter(`The policy ${policy.policyArn} is not a valid access policy ARN.`);
    if (policy.scope.type === 'namespace' && !policy.scope.namespaces?.length) throw eksError.invalidParameter('Namespaces must be specified for an access scope of type namespace.');
    if (policy.scope.type === 'cluster' && policy.scope.namespaces?.length) throw eksError.invalidParameter('Namespaces cannot be specified for an access scope of type cluster.');
    entry.policies.set(policy.policyArn, { policyArn: policy.policyArn, scope: { type: policy.scope.type, ...(policy.scope.namespaces ? { namespaces: [...policy.scope.namespaces] } : {}) } });
  }

  associated(clusterName: string, principalArn: string): AssociatedAccessPolicy[] {
    return [...this.entry(clusterName, principalArn).policies.values()].map((p) => ({ policyArn: p.policyArn, scope: { ...p.scope, ...(p.scope.namespaces ? { namespaces: [...p.scope.namespaces] } : {}) } }));
  }

  private checkPrincipal(arn: string): void {
    const [, , , , account, resource = ''] = arn.split(':');
    if (account !== this.context.accountId || !resource.startsWith('role/')) return;
    const seen = this.neighbours.roleAsSeenByEks(arn);
    if (seen === 'missing' || seen === 'propagating') throw eksError.invalidParameter('The specified principalArn is invalid: invalid principal');
  }
}

export const accessEntryView = (entry: AccessEntryRecord): AccessEntry => ({
  cluster: entry.cluster, principalArn: entry.principalArn, arn: entry.arn, type: entry.type, kubernetesGroups: [...entry.kubernetesGroups], tags: { ...entry.tags },
});
