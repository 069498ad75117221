import {
  CreateClusterCommand, DeleteClusterCommand, DescribeClusterCommand, ListClustersCommand, UpdateClusterConfigCommand,
  type Cluster as SdkCluster, type EKSClient, type LogType,
} from '@aws-sdk/client-eks';
import { aws, awsOrUndefined } from './errors';

export interface Cluster {
  name: string;
  arn: string;
  /** CREATING | ACTIVE | DELETING | FAILED | UPDATING | PENDING */
  status: string;
  version?: string;
  endpoint?: string;
  certificateAuthority?: string;
  oidcIssuer?: string;
  enabledLogTypes: string[];
  tags: Record<string, string>;
}

export interface CreateClusterInput {
  name: string;
  version: string;
  roleArn: string;
  subnetIds: string[];
  securityGroupIds: string[];
  logTypes: string[];
  tags: Record<string, string>;
  clientRequestToken: string;
}

/** The EKS calls eksflow makes, and nothing else: a simulated cloud implements the same. */
export interface EksApi {
  describeCluster(name: string): Promise<Cluster | undefined>;
  createCluster(input: CreateClusterInput): Promise<Cluster>;
  /** Starts a logging update; EKS runs one cluster update at a time. */
  updateClusterLogging(name: string, enabled: string[], disabled: string[], clientRequestToken: string): Promise<string>;
  deleteCluster(name: string): Promise<void>;
  listClusters(): Promise<string[]>;
}

const toCluster = (cluster: SdkCluster): Cluster => ({
  name: cluster.name!,
  arn: cluster.arn!,
  status: cluster.status ?? 'UNKNOWN',
  version: cluster.version,
  endpoint: cluster.endpoint,
  certificateAuthority: cluster.certificateAuthority?.data,
  oidcIssuer: cluster.identity?.oidc?.issuer,
  enabledLogTypes: (cluster.logging?.clusterLogging ?? []).filter((setup) => setup.enabled).flatMap((setup) => setup.types ?? []),
  tags: cluster.tags ?? {},
});

export function eksApi(client: EKSClient): EksApi {
  return {
    async describeCluster(name) {
      const found = await awsOrUndefined(`DescribeCluster ${name}`, () => client.send(new DescribeClusterCommand({ name })));
      return found?.cluster ? toCluster(found.cluster) : undefined;
    },
    async createCluster(input) {
      const created = await aws(`CreateCluster ${input.name}`, () => client.send(new CreateClusterCommand({
        name: input.name,
        version: input.version,
        roleArn: input.roleArn,
        resourcesVpcConfig: { subnetIds: input.subnetIds, securityGroupIds: input.securityGroupIds },
        logging: { clusterLogging: [{ types: input.logTypes as LogType[], enabled: true }] },
        tags: input.tags,
        clientRequestToken: input.clientRequestToken,
      })));
      return toCluster(created.cluster!);
    },
    async updateClusterLogging(name, enabled, disabled, clientRequestToken) {
      const setups = [{ types: enabled as LogType[], enabled: true }, { types: disabled as LogType[], enabled: false }].filter((s) => s.types.length > 0);
      const updated = await aws(`UpdateClusterConfig ${name}`, () => client.send(new UpdateClusterConfigCommand({ name, logging: { clusterLogging: setups }, clientRequestToken })));
      return updated.update?.id ?? '';
    },
    async deleteCluster(name) {
      await awsOrUndefined(`DeleteCluster ${name}`, () => client.send(new DeleteClusterCommand({ name })));
    },
    async listClusters() {
      const names: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await aws('ListClusters', () => client.send(new ListClustersCommand({ nextToken })));
        names.push(...(page.clusters ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return names;
    },
  };
}
