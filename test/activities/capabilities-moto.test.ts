import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EKSClient } from '@aws-sdk/client-eks';
import { GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { eksApi } from '../../src/activities/aws/eks';
import { capabilityRoleName, hybridNodesRoleName, hybridNodesRolePolicies } from '../../src/domain/capabilities';
import type { Owner } from '../../src/domain/ownership';
import { assumedBy } from '../../src/domain/service-roles';
import { motoActivitiesPerFile } from '../support/moto-activities';

// Hybrid nodes and capability roles through the real SDK adapters, against moto. moto 5.2.5's
// CreateCluster reads remoteNetworkConfig and DescribeCluster gives it back (moto/eks/responses.py
// create_cluster, models.py Cluster.remote_network_config), so the adapter's request and reading are
// checked by a real peer. moto has no capability API (CreateCapability, DescribeCapability,
// DeleteCapability) and no access entries: those are the simulator's (test/sim/capabilities-on-sim.test.ts).

const bed = motoActivitiesPerFile();
const region = 'us-east-1';
const owner: Owner = { environmentId: 'team-a/hybrid', runId: 'run-1' };

test('CreateCluster carries remoteNetworkConfig, and DescribeCluster reads it back', async () => {
  const clusterRole = await bed.activities.ensureRole({ owner, region, name: 'hybrid-cluster', description: 'EKS control plane', trustPolicy: assumedBy('eks.amazonaws.com'), managedPolicyArns: [] });
  const remoteNetwork = { remoteNodeNetworks: [{ cidrs: ['10.80.146.0/24'] }], remotePodNetworks: [{ cidrs: ['10.86.30.0/23'] }] };
  const created = await bed.activities.ensureCluster({
    owner, roleArn: clusterRole.arn, subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: [],
    spec: { name: 'hybrid', region, kubernetesVersion: '1.35', controlPlaneLogging: [], remoteNetwork },
  });
  assert.equal(created.made, true);
  const eks = eksApi(new EKSClient(bed.aws.clientConfig));
  assert.deepEqual((await eks.describeCluster('hybrid'))?.remoteNetwork, remoteNetwork);
});

test('the Hybrid Nodes role trusts SSM with the policies the EKS user guide lists; a capability role trusts capabilities.eks.amazonaws.com', async () => {
  const grant = hybridNodesRolePolicies('aws', region, 'hybrid');
  await bed.activities.ensureRole({
    owner, region, name: hybridNodesRoleName('hybrid'), description: 'hybrid nodes', managedPolicyArns: grant.managedPolicyArns, inlinePolicies: grant.inlinePolicies,
    trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ssm.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
  });
  await bed.activities.ensureRole({
    owner, region, name: capabilityRoleName('hybrid', 'ack'), description: 'ACK capability', trustPolicy: assumedBy('capabilities.eks.amazonaws.com'),
    managedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'],
  });
  const iam = new IAMClient(bed.aws.clientConfig);
  const attached = async (role: string) => ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ?? []).map((p) => p.PolicyName).sort();
  assert.deepEqual(await attached('hybrid-hybrid-nodes'), ['AmazonEC2ContainerRegistryPullOnly', 'AmazonSSMManagedInstanceCore']);
  assert.deepEqual(await attached('hybrid-capability-ack'), ['AdministratorAccess']);
  const trust = (role: string) => iam.send(new GetRoleCommand({ RoleName: role })).then((r) => JSON.parse(decodeURIComponent(r.Role!.AssumeRolePolicyDocument!)));
  assert.deepEqual((await trust('hybrid-capability-ack')).Statement[0].Principal, { Service: 'capabilities.eks.amazonaws.com' });
  assert.deepEqual((await trust('hybrid-hybrid-nodes')).Statement[0].Principal, { Service: 'ssm.amazonaws.com' });
});
