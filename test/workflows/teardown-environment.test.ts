import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CoreV1Api } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { parseEnvironmentSpec } from '../../src/domain/environment-spec';
import type { Owner } from '../../src/domain/ownership';
import { assumedBy, serviceRoles, type ServiceRole } from '../../src/domain/service-roles';
import type { teardownEnvironment } from '../../src/workflows';
import { workflowWorkerOptions } from '../../worker';
import { testActivityDeps } from '../support/activity-deps';
import { awsInventory } from '../support/aws-inventory';
import { moto, type Moto } from '../support/moto';
import { timeSkippingEnv } from '../support/temporal';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { playLoadBalancerController } from '../support/played-load-balancer-controller';
import { waitFor } from '../support/process';

let env: TestWorkflowEnvironment;
let aws: Moto;
let activities: ReturnType<typeof createActivities>;
let cluster: KubeControlPlane;
before(async () => {
  [env, aws, cluster] = await Promise.all([timeSkippingEnv(), moto(), kubeControlPlane({ nodes: 1 })]);
  activities = createActivities(testActivityDeps({ aws, kubeconfigPath: cluster.kubeconfigPath }));
});
afterEach(() => aws.reset());
after(async () => {
  await Promise.all([env?.teardown(), aws?.stop(), cluster?.stop()]);
});

const region = 'us-east-1';
const owner: Owner = { environmentId: 'team-a/orphan', runId: 'lost-run' };

/** An environment whose provisioning history is gone: only its tags say what is whose. */
async function leaveAnOrphanedEnvironment() {
  const role = async (which: ServiceRole) => activities.ensureRole({
    owner, region, name: serviceRoles[which].name('orphan'), description: which, trustPolicy: assumedBy(serviceRoles[which].service), managedPolicyArns: [...serviceRoles[which].policies],
  });
  const [clusterRole, nodeRole, fargateRole] = [await role('cluster'), await role('node'), await role('fargate')];
  const parsed = parseEnvironmentSpec({ name: 'orphan', region, network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] }, nodeGroups: [{ name: 'ng', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }] });
  if (!parsed.ok) throw new Error('bad fixture');
  const subnetIds = parsed.spec.network.subnetIds!;
  await activities.ensureCluster({ owner, spec: parsed.spec, roleArn: clusterRole.arn, subnetIds, securityGroupIds: [] });
  await activities.ensureNodegroup({ owner, region, cluster: 'orphan', group: parsed.spec.nodeGroups[0]!, nodeRoleArn: nodeRole.arn, subnetIds });
  await activities.ensureFargateProfile({ owner, region, cluster: 'orphan', profile: { name: 'fp', selectors: [{ namespace: 'default' }] }, podExecutionRoleArn: fargateRole.arn, subnetIds });
  const { oidcIssuer } = await activities.describeCluster('orphan');
  const provider = await activities.ensureOidcProvider({ owner, region, issuerUrl: oidcIssuer! });
  await activities.ensureRole({ owner, region, name: 'orphan-kube-system-lbc', description: 'IRSA', managedPolicyArns: [], trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: provider.arn }, Action: 'sts:AssumeRoleWithWebIdentity' }] } });
  await activities.ensureEcrRepository({ owner, region, name: 'orphan/app' });

  // What the cluster's own controllers made: an NLB and target group, a security group and an ENI.
  const ec2 = new EC2Client(aws.clientConfig);
  const elbv2 = new ElasticLoadBalancingV2Client(aws.clientConfig);
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
  const subnets = [
    (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.20.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!,
    (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.20.2.0/24', AvailabilityZone: 'us-east-1b' }))).Subnet!.SubnetId!,
  ];
  const k8sTag = { Key: 'kubernetes.io/cluster/orphan', Value: 'owned' };
  await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'k8s-orphan-node', Description: 'made by the cluster', VpcId: vpc, TagSpecifications: [{ ResourceType: 'security-group', Tags: [k8sTag] }] }));
  await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'someone-else', Description: 'not the environment\'s', VpcId: vpc }));
  await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnets[0], TagSpecifications: [{ ResourceType: 'network-interface', Tags: [k8sTag] }] }));
  const lbTags = [{ Key: 'elbv2.k8s.aws/cluster', Value: 'orphan' }];
  await elbv2.send(new CreateLoadBalancerCommand({ Name: 'k8s-default-web', Type: 'network', Subnets: subnets, Tags: lbTags }));
  await elbv2.send(new CreateTargetGroupCommand({ Name: 'k8s-default-web-tg', Protocol: 'TCP', Port: 80, VpcId: vpc, TargetType: 'ip', Tags: lbTags }));
  // Log groups that outlive the cluster: EKS's control-plane logs and Container Insights', untagged;
  // one of the same name tagged by another environment, and another cluster's, which stay.
  const logs = new CloudWatchLogsClient(aws.clientConfig);
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/eks/orphan/cluster' }));
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/containerinsights/orphan/performance' }));
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/containerinsights/orphan/application', tags: { 'eksflow.io/environment': 'team-b/other' } }));
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/eks/orphan-2/cluster' }));
  // A neighbour's role, which teardown must not touch.
  await activities.ensureRole({ owner: { environmentId: 'team-b/other', runId: 'x' }, region, name: 'other-cluster', description: 'x', trustPolicy: assumedBy('eks.amazonaws.com'), managedPolicyArns: [] });
  return { ec2, elbv2, vpc };
}

async function runTeardown(keepImages = false) {
  const taskQueue = `teardown-${keepImages}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...workflowWorkerOptions, activities });
  return worker.runUntil(env.client.workflow.execute<typeof teardownEnvironment>('teardownEnvironment', {
    taskQueue, workflowId: `teardown-orphan-${keepImages}`, args: [{ environmentId: 'team-a/orphan', region, cluster: 'orphan', keepImages }],
  }));
}

test('teardown finds an environment by its tags alone, deletes it and what its cluster made, and reports no leftovers', async () => {
  const { ec2, elbv2, vpc } = await leaveAnOrphanedEnvironment();
  const report = await runTeardown();
  assert.deepEqual(report.leftovers, []);
  assert.deepEqual(report.failed, []);
  const kinds = report.deleted.map((ref) => ref.kind);
  for (const kind of ['eks-nodegroup', 'eks-fargate-profile', 'eks-cluster', 'iam-role', 'oidc-provider', 'ecr-repository', 'load-balancer', 'target-group', 'network-interface', 'security-group', 'log-group']) {
    assert.ok(kinds.includes(kind as never), `deleted a ${kind}`);
  }
  // Dependents first: the node group before the cluster, the IRSA role before the OIDC provider, service roles after both.
  const at = (name: string) => report.deleted.findIndex((ref) => ref.name === name);
  assert.ok(at('orphan/ng') < at('orphan') && at('orphan-kube-system-lbc') < report.deleted.findIndex((r) => r.kind === 'oidc-provider'));
  assert.ok(report.deleted.findIndex((r) => r.kind === 'oidc-provider') < at('orphan-cluster'));

  const inventory = await awsInventory(aws.clientConfig);
  assert.deepEqual(inventory, {
    clusters: [], nodegroups: [], fargateProfiles: [], roles: ['other-cluster'], oidcProviders: [], repositories: [], vpcs: [vpc],
    logGroups: ['/aws/containerinsights/orphan/application', '/aws/eks/orphan-2/cluster'], // a neighbour's, and another cluster's
  });
  assert.deepEqual((await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers, []);
  assert.deepEqual((await elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups, []);
  assert.deepEqual((await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'tag-key', Values: ['kubernetes.io/cluster/orphan'] }] }))).NetworkInterfaces, []);
  const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc] }] }))).SecurityGroups!.map((g) => g.GroupName).sort();
  assert.deepEqual(groups, ['default', 'someone-else'], 'only what the cluster tagged was swept');
});

test('the app\'s load-balanced Services go first, while the cluster and its controller still run, and teardown waits for their load balancers', async (t) => {
  await leaveAnOrphanedEnvironment();
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  // The AWS Load Balancer Controller, played beside the apiserver: it takes the Service with its
  // finalizer and holds it until it has deleted the NLB, which the test lets it do only once it
  // has seen the teardown delete the Service while the cluster is still there.
  const may = { provision: true, deprovision: false };
  const stop = playLoadBalancerController(cluster, { cluster: 'orphan', gate: (step) => may[step] });
  t.after(stop);
  await core.createNamespace({ body: { metadata: { name: 'web' } } });
  await core.createNamespacedService({ namespace: 'web', body: {
    metadata: { name: 'web' }, spec: { type: 'LoadBalancer', loadBalancerClass: 'service.k8s.aws/nlb', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 5000 as never }] },
  } });
  await core.createNamespacedService({ namespace: 'web', body: { metadata: { name: 'internal' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } });
  await waitFor('the controller\'s NLB for the Service', async () => Boolean((await core.readNamespacedService({ name: 'web', namespace: 'web' })).status?.loadBalancer?.ingress?.length), { intervalMs: 100 });

  const teardown = runTeardown();
  await waitFor('the Service to be deleted', async () => (await core.readNamespacedService({ name: 'web', namespace: 'web' })).metadata?.deletionTimestamp !== undefined, { intervalMs: 100 });
  assert.deepEqual((await awsInventory(aws.clientConfig)).clusters, ['orphan'], 'the cluster is still there while its load balancers go');
  may.deprovision = true;
  const report = await teardown;
  assert.deepEqual(report.failed, []);
  assert.deepEqual(report.leftovers, []);
  assert.deepEqual((await core.listNamespacedService({ namespace: 'web' })).items.map((svc) => svc.metadata?.name), ['internal']);
});

test('keepImages keeps the ECR repository and everything else still goes', async () => {
  await leaveAnOrphanedEnvironment();
  const report = await runTeardown(true);
  assert.deepEqual(report.leftovers, []);
  const inventory = await awsInventory(aws.clientConfig);
  assert.deepEqual(inventory.repositories, ['orphan/app']);
  assert.deepEqual(inventory.clusters, []);
});
