import type { CreateCapabilityInput, EksCapability } from '../../activities/aws/eks-capabilities';
import { capabilityTypes } from '../../domain/capabilities';
import { after, type SimContext, type Timer } from './context';
import type { ClusterRecord } from './eks-records';
import { isServing } from './eks-records';
import { eksError } from './errors';
import type { RoleAsSeenByEks } from './iam';

interface CapabilityRecord extends EksCapability {
  token: string;
  timer?: Timer;
}

/** What a capability needs of its neighbours: how EKS sees its role, and the access entry EKS makes for that role. */
export interface CapabilityNeighbours {
  roleAsSeenByEks(arn: string): RoleAsSeenByEks;
  /** EKS makes the role's access entry (STANDARD, no access policy of the user's) once the capability is ACTIVE. */
  entryMade(cluster: string, principalArn: string): void;
  /** …and removes it with the capability, unless another capability of the cluster uses the same role. */
  entryGone(cluster: string, principalArn: string): void;
}

/**
 * EKS capabilities, beside the clusters (moto 5.2.5 has no such API). Kept per cluster record,
 * so they go with their cluster. Rules and words, from the EKS API reference (CreateCapability,
 * DescribeCapability, DeleteCapability) and user guide ("Amazon EKS capability IAM role"):
 * - the cluster must exist and serve requests (InvalidRequestException while CREATING or DELETING),
 *   and hold access entries (API or API_AND_CONFIG_MAP): a capability reaches the cluster through
 *   an access entry EKS makes for its role (an assumption: the guide says the entries are made
 *   automatically, not what a CONFIG_MAP cluster answers);
 * - a name is one capability per cluster: a second create is ResourceInUseException unless it
 *   carries the first one's client request token (the same request);
 * - the role must exist and be assumable (it trusts capabilities.eks.amazonaws.com): until IAM
 *   shows it to EKS, InvalidParameterException (the simulation's words);
 * - deletePropagationPolicy takes RETAIN only; ARGOCD needs configuration.argoCd.awsIdc, and the
 *   other types take no Argo CD configuration;
 * - a capability is CREATING, then ACTIVE after the `capability.create` latency, when EKS makes
 *   the role's access entry (eksctl waits for that entry before associating access policies:
 *   pkg/actions/capability/creator.go); deleting makes it DELETING, then gone after
 *   `capability.delete`, taking the entry with it (an assumption: EKS made it).
 */
export class CapabilityState {
  private readonly byCluster = new WeakMap<ClusterRecord, Map<string, CapabilityRecord>>();

  constructor(private readonly context: SimContext, private readonly cluster: (name: string) => ClusterRecord, private readonly neighbours: CapabilityNeighbours) {}

  private capabilities(clusterName: string, { mutating = false } = {}): Map<string, CapabilityRecord> {
    const cluster = this.cluster(clusterName);
    if (mutating && !isServing(cluster)) throw eksError.invalidRequest(`Cluster '${clusterName}' is not in ACTIVE status`);
    let capabilities = this.byCluster.get(cluster);
    if (!capabilities) this.byCluster.set(cluster, capabilities = new Map());
    return capabilities;
  }

  private seconds(operation: 'capability.create' | 'capability.delete', key: string): number {
    return after(this.context, this.context.sampler.sample(operation, key));
  }

  capability(clusterName: string, name: string): EksCapability {
    const found = this.capabilities(clusterName).get(name);
    if (!found) throw eksError.notFound(`No capability found with name: ${name} for cluster: ${clusterName}`);
    const { cluster, name: capabilityName, arn, type, roleArn, status, issues, tags } = found;
    return { cluster, name: capabilityName, arn, type, roleArn, status, issues: [...issues], tags: { ...tags } };
  }

  create(input: CreateCapabilityInput & { deletePropagationPolicy: string; argoCdIdc?: string }): EksCapability {
    const capabilities = this.capabilities(input.cluster, { mutating: true });
    const mine = capabilities.get(input.capability.name);
    if (mine && mine.token === input.clientRequestToken) return this.capability(input.cluster, input.capability.name);
    if (mine) throw eksError.resourceInUse(`Capability ${input.capability.name} already exists for cluster ${input.cluster}`);
    const cluster = this.cluster(input.cluster);
    if (!['API', 'API_AND_CONFIG_MAP'].includes(cluster.authenticationMode ?? 'CONFIG_MAP')) {
      throw eksError.invalidRequest("The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.");
    }
    if (!(capabilityTypes as readonly string[]).includes(input.capability.type)) throw eksError.invalidParameter(`Invalid capability type: ${input.capability.type}`);
    if (input.deletePropagationPolicy !== 'RETAIN') throw eksError.invalidParameter('deletePropagationPolicy must be RETAIN');
    if (input.capability.type === 'ARGOCD' && !input.argoCdIdc) throw eksError.invalidParameter('configuration.argoCd.awsIdc is required for an ARGOCD capability');
    if (input.capability.type !== 'ARGOCD' && input.capability.argoCd) throw eksError.invalidParameter(`configuration.argoCd is only for ARGOCD capabilities, not ${input.capability.type}`);
    const seen = this.neighbours.roleAsSeenByEks(input.roleArn);
    if (seen === 'missing' || seen === 'propagating') {
      throw eksError.invalidParameter(`Role with arn: ${input.roleArn}, could not be assumed because it does not exist or the trusted entity is not correct`);
    }
    const { accountId, region } = this.context;
    const key = `${input.cluster}/${input.capability.name}`;
    const record: CapabilityRecord = {
      cluster: input.cluster, name: input.capability.name, type: input.capability.type, roleArn: input.roleArn, status: 'CREATING', issues: [],
      arn: `arn:aws:eks:${region}:${accountId}:capability/${input.cluster}/${input.capability.type.toLowerCase()}/${input.capability.name}/${this.context.ids.uuid()}`,
      tags: { ...input.tags }, token: input.clientRequestToken,
    };
    record.timer = this.context.scheduler.at(this.seconds('capability.create', key), (at) => {
      record.status = 'ACTIVE';
      this.neighbours.entryMade(input.cluster, input.roleArn);
      this.context.detections.finished(`capability ${key}`, 'capability.create', at);
    });
    capabilities.set(input.capability.name, record);
    return this.capability(input.cluster, input.capability.name);
  }

  list(clusterName: string): string[] {
    return [...this.capabilities(clusterName).keys()].sort();
  }

  delete(clusterName: string, name: string): void {
    const capabilities = this.capabilities(clusterName, { mutating: true });
    const record = capabilities.get(name);
    if (!record) throw eksError.notFound(`No capability found with name: ${name} for cluster: ${clusterName}`);
    if (record.status === 'DELETING') return;
    if (record.status === 'CREATING') throw eksError.resourceInUse(`Capability ${name} is being created; try again once it is ACTIVE`);
    record.timer?.cancel();
    record.status = 'DELETING';
    record.timer = this.context.scheduler.at(this.seconds('capability.delete', `${clusterName}/${name}`), () => {
      capabilities.delete(name);
      if (![...capabilities.values()].some((other) => other.roleArn === record.roleArn)) this.neighbours.entryGone(clusterName, record.roleArn);
    });
  }
}
