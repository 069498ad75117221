import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient, DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { EKSClient, ListClustersCommand, ListNodegroupsCommand, ListFargateProfilesCommand } from '@aws-sdk/client-eks';
import { IAMClient, ListOpenIDConnectProvidersCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import type { AwsInventory } from '../../src/sim/aws';
import type { AwsClientConfig } from './moto';

/** The same shape the simulated cloud's inventory has, so leak checks read alike on both. */
export type Inventory = AwsInventory;

/** Everything an environment could leave behind, listed straight from the APIs: what leak checks compare. */
export async function awsInventory(config: AwsClientConfig): Promise<Inventory> {
  const eks = new EKSClient(config);
  const iam = new IAMClient(config);
  const ecr = new ECRClient(config);
  const clusters = (await eks.send(new ListClustersCommand({}))).clusters ?? [];
  const nodegroups: string[] = [];
  const fargateProfiles: string[] = [];
  for (const cluster of clusters) {
    nodegroups.push(...((await eks.send(new ListNodegroupsCommand({ clusterName: cluster }))).nodegroups ?? []).map((n) => `${cluster}/${n}`));
    fargateProfiles.push(...((await eks.send(new ListFargateProfilesCommand({ clusterName: cluster }))).fargateProfileNames ?? []).map((n) => `${cluster}/${n}`));
  }
  return {
    clusters: clusters.sort(),
    nodegroups: nodegroups.sort(),
    fargateProfiles: fargateProfiles.sort(),
    roles: ((await iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName!).sort(),
    oidcProviders: ((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []).map((p) => p.Arn!).sort(),
    repositories: ((await ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? []).map((r) => r.repositoryName!).sort(),
    vpcs: ((await new EC2Client(config).send(new DescribeVpcsCommand({}))).Vpcs ?? []).filter((vpc) => !vpc.IsDefault).map((vpc) => vpc.VpcId!).sort(),
    logGroups: ((await new CloudWatchLogsClient(config).send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((g) => g.logGroupName!).sort(),
  };
}
