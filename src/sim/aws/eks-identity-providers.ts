import type { AssociateIdentityProviderInput, IdentityProviderConfig } from '../../activities/aws/eks-identity-providers';
import { after, type SimContext, type Timer } from './context';
import type { ClusterRecord } from './eks-records';
import { isServing } from './eks-records';
import { eksError } from './errors';

interface ConfigRecord extends IdentityProviderConfig {
  token: string;
  timer?: Timer;
}

/**
 * EKS's OIDC identity provider configs, beside the clusters (moto has no such API). Kept per
 * cluster record, so they go with their cluster. Rules and words, from the EKS API reference
 * (AssociateIdentityProviderConfig) and user guide ("Authenticate users for your cluster from
 * an OpenID Connect identity provider"):
 * - the cluster must exist and serve requests (InvalidRequestException while CREATING or DELETING);
 * - one OIDC provider per cluster: a second, under any name, is ResourceInUseException unless it
 *   carries the first one's client request token (the same request);
 * - a config is CREATING, then ACTIVE after the `identity-provider.associate` latency (15–30 min
 *   in the user guide); disassociating makes it DELETING, then gone after `identity-provider.disassociate`.
 */
export class IdentityProviderState {
  private readonly byCluster = new WeakMap<ClusterRecord, Map<string, ConfigRecord>>();

  constructor(private readonly context: SimContext, private readonly cluster: (name: string) => ClusterRecord) {}

  private configs(clusterName: string, { mutating = false } = {}): Map<string, ConfigRecord> {
    const cluster = this.cluster(clusterName);
    if (mutating && !isServing(cluster)) throw eksError.invalidRequest(`Cluster '${clusterName}' is not in ACTIVE status`);
    let configs = this.byCluster.get(cluster);
    if (!configs) this.byCluster.set(cluster, configs = new Map());
    return configs;
  }

  private seconds(operation: 'identity-provider.associate' | 'identity-provider.disassociate', key: string): number {
    return after(this.context, this.context.sampler.sample(operation, key));
  }

  config(clusterName: string, name: string): IdentityProviderConfig {
    const config = this.configs(clusterName).get(name);
    if (!config) throw eksError.notFound(`Identity provider config ${name} not found for cluster ${clusterName}`);
    const { cluster, name: configName, status, issuerUrl, clientId, tags } = config;
    return { cluster, name: configName, status, issuerUrl, clientId, tags: { ...tags } };
  }

  associate(input: AssociateIdentityProviderInput): void {
    const configs = this.configs(input.cluster, { mutating: true });
    const mine = configs.get(input.provider.name);
    if (mine && mine.token === input.clientRequestToken) return;
    if (configs.size > 0) throw eksError.resourceInUse(`Cluster ${input.cluster} already has an OIDC identity provider config associated`);
    if (!/^https:\/\//.test(input.provider.issuerUrl)) throw eksError.invalidParameter('issuerUrl must be an https URL');
    const record: ConfigRecord = {
      cluster: input.cluster, name: input.provider.name, status: 'CREATING', issuerUrl: input.provider.issuerUrl, clientId: input.provider.clientId,
      tags: { ...input.tags }, token: input.clientRequestToken,
    };
    const key = `${input.cluster}/${input.provider.name}`;
    record.timer = this.context.scheduler.at(this.seconds('identity-provider.associate', key), (at) => {
      record.status = 'ACTIVE';
      this.context.detections.finished(`identity provider ${key}`, 'identity-provider.associate', at);
    });
    configs.set(input.provider.name, record);
  }

  disassociate(clusterName: string, name: string): void {
    const configs = this.configs(clusterName, { mutating: true });
    const record = configs.get(name);
    if (!record) throw eksError.notFound(`Identity provider config ${name} not found for cluster ${clusterName}`);
    if (record.status === 'DELETING') return;
    if (record.status === 'CREATING') throw eksError.invalidRequest(`Identity provider config ${name} is being associated; try again once it is ACTIVE`);
    record.timer?.cancel();
    record.status = 'DELETING';
    record.timer = this.context.scheduler.at(this.seconds('identity-provider.disassociate', `${clusterName}/${name}`), () => configs.delete(name));
  }
}
