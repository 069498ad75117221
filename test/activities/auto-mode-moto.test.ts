import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { autoModeClusterPolicies, autoModeNodePolicies } from '../../src/domain/auto-mode';
import { roleNames } from '../../src/domain/names';
import type { Owner } from '../../src/domain/ownership';
import { assumedBy, serviceRoles } from '../../src/domain/service-roles';
import { motoActivitiesPerFile } from '../support/moto-activities';

// EKS Auto Mode's roles and CreateCluster through the real SDK adapters, against moto: its IAM
// knows the Auto Mode managed policies, so attaching them is checked by a real peer. moto 5.2.5's
// CreateCluster reads no computeConfig, storageConfig or elasticLoadBalancing (moto/eks/responses.py),
// so it accepts the request and answers without Auto Mode: what EKS does with them is the
// simulator's to show (test/sim/aws/auto-mode.test.ts).

const bed = motoActivitiesPerFile();
const region = 'us-east-1';
const owner: Owner = { environmentId: 'team-a/auto', runId: 'run-1' };

test('the Auto Mode cluster and node roles get their managed policies; CreateCluster with Auto Mode is accepted', async () => {
  const clusterRole = await bed.activities.ensureRole({
    owner, region, name: roleNames.cluster('auto'), description: 'EKS control plane', trustPolicy: assumedBy('eks.amazonaws.com'),
    managedPolicyArns: [...serviceRoles.cluster.policies, ...autoModeClusterPolicies],
  });
  const nodeRole = await bed.activities.ensureRole({
    owner, region, name: roleNames.node('auto'), description: 'EKS Auto Mode nodes', trustPolicy: assumedBy('ec2.amazonaws.com'), managedPolicyArns: [...autoModeNodePolicies],
  });
  const iam = new IAMClient(bed.aws.clientConfig);
  const attached = async (role: string) => ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ?? []).map((p) => p.PolicyName).sort();
  assert.deepEqual(await attached('auto-cluster'), ['AmazonEKSBlockStoragePolicy', 'AmazonEKSClusterPolicy', 'AmazonEKSComputePolicy', 'AmazonEKSLoadBalancingPolicy', 'AmazonEKSNetworkingPolicy']);
  assert.deepEqual(await attached('auto-node'), ['AmazonEC2ContainerRegistryPullOnly', 'AmazonEKSWorkerNodeMinimalPolicy']);

  const created = await bed.activities.ensureCluster({
    owner, roleArn: clusterRole.arn, subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: [], autoModeNodeRoleArn: nodeRole.arn,
    spec: { name: 'auto', region, kubernetesVersion: '1.35', controlPlaneLogging: [], autoMode: { nodePools: ['general-purpose', 'system'] } },
  });
  assert.equal(created.made, true);
  assert.equal((await bed.activities.describeCluster('auto')).status, 'ACTIVE');
});
