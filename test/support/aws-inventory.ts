import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient, DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { EKSClient, ListClustersCommand, ListNodegroupsCommand, ListFargateProfilesCommand } from '@aws-sdk/client-eks';
import { IAMClient, ListOpenIDConnectProvidersCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import type { AwsClientConfig } from './moto';

export interface Inventory {
  clusters: string[];
  nodegroups: string[];
  fargateProfiles: string[];
  roles: string[];
  oidcProviders: string[];
  repositories: string[];
  /** Every VPC but the account's default one. */
  vpcs: string[];
  logGroups: string[];
}

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
