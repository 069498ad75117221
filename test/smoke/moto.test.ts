import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateClusterCommand, DeleteClusterCommand, DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, GetOpenIDConnectProviderCommand, IAMClient } from '@aws-sdk/client-iam';
import { moto, type Moto } from '../support/moto';

let aws: Moto;
before(async () => {
  aws = await moto();
});
afterEach(async () => {
  await aws.reset();
});
after(async () => {
  await aws?.stop();
});

const assumeEksRole = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'eks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

test('EKS: create, describe and delete a cluster', async () => {
  const iam = new IAMClient(aws.clientConfig);
  const eks = new EKSClient(aws.clientConfig);
  const role = await iam.send(new CreateRoleCommand({ RoleName: 'smoke-cluster-role', AssumeRolePolicyDocument: assumeEksRole }));
  const created = await eks.send(new CreateClusterCommand({
    name: 'smoke',
    version: '1.33',
    roleArn: role.Role?.Arn,
    resourcesVpcConfig: { subnetIds: ['subnet-aaaa', 'subnet-bbbb'] },
    tags: { 'eksflow.io/environment': 'smoke' },
    clientRequestToken: 'smoke-token',
  }));
  assert.equal(created.cluster?.name, 'smoke');

  const described = await eks.send(new DescribeClusterCommand({ name: 'smoke' }));
  assert.equal(described.cluster?.roleArn, role.Role?.Arn);
  assert.equal(described.cluster?.tags?.['eksflow.io/environment'], 'smoke');
  assert.ok(described.cluster?.identity?.oidc?.issuer?.startsWith('https://'), 'the cluster has an OIDC issuer');

  await eks.send(new DeleteClusterCommand({ name: 'smoke' }));
  await assert.rejects(eks.send(new DescribeClusterCommand({ name: 'smoke' })), ResourceNotFoundException);
});

test('ECR: create a repository that scans on push', async () => {
  const ecr = new ECRClient(aws.clientConfig);
  const created = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'smoke/app', imageScanningConfiguration: { scanOnPush: true } }));
  assert.match(created.repository?.repositoryUri ?? '', /\.dkr\.ecr\.us-east-1\.amazonaws\.com\/smoke\/app$/);
  const listed = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['smoke/app'] }));
  assert.equal(listed.repositories?.[0]?.imageScanningConfiguration?.scanOnPush, true);
});

test('IAM: create an OpenID Connect provider for a cluster issuer', async () => {
  const iam = new IAMClient(aws.clientConfig);
  const issuer = 'https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';
  const created = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer, ClientIDList: ['sts.amazonaws.com'] }));
  assert.match(created.OpenIDConnectProviderArn ?? '', /:oidc-provider\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\/0123456789ABCDEF/);
  const fetched = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: created.OpenIDConnectProviderArn }));
  assert.deepEqual(fetched.ClientIDList, ['sts.amazonaws.com']);
});

test('reset drops every emulated resource', async () => {
  const ecr = new ECRClient(aws.clientConfig);
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'smoke/reset' }));
  await aws.reset();
  const listed = await ecr.send(new DescribeRepositoriesCommand({}));
  assert.deepEqual(listed.repositories, []);
});
