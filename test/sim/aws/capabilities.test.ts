import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorTypes } from '../../../src/domain/errors';
import { assumedBy } from '../../../src/domain/service-roles';
import { createCluster, manualSim, prerequisites, rejectsAs, tags, type ManualSim } from './fixtures';

// The simulated EKS's capabilities (CreateCapability, DescribeCapability, DeleteCapability) and
// CreateCluster's remoteNetworkConfig. moto 5.2.5 has no capability API, and takes
// remoteNetworkConfig without checking it: these rules are the simulator's (src/sim/aws/eks-capabilities.ts,
// src/sim/aws/eks-remote-network.ts), after the EKS API reference.

const client = (code: string, message: RegExp) => ({ type: errorTypes.awsClientError, nonRetryable: true, message: new RegExp(`${code}: .*${message.source}`) });

async function apiCluster(bed: ManualSim) {
  const made = await prerequisites(bed);
  await bed.apis.eks.createCluster({
    name: 'demo', version: '1.35', roleArn: made.clusterRole, subnetIds: made.network.privateSubnetIds, securityGroupIds: [], logTypes: [], tags, clientRequestToken: 'demo-token',
    accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
  });
  bed.clock.advance(bed.drawn('cluster.create', 'demo'));
  const role = (await bed.apis.iam.createRole({ name: 'demo-capability-kro', trustPolicy: JSON.stringify(assumedBy('capabilities.eks.amazonaws.com')), description: 'kro', tags })).arn;
  bed.clock.advance(120_000); // past IAM propagation
  return { ...made, role };
}

test('a capability is CREATING, then ACTIVE with the access entry EKS makes for its role; DELETING, then gone with that entry', async () => {
  const bed = manualSim();
  const { role } = await apiCluster(bed);
  const input = { cluster: 'demo', capability: { name: 'kro', type: 'KRO' as const }, roleArn: role, tags, clientRequestToken: 'cap-1' };
  const created = await bed.apis.eks.createCapability(input);
  assert.deepEqual([created.status, created.type, created.roleArn], ['CREATING', 'KRO', role]);
  assert.equal((await bed.apis.eks.createCapability(input)).arn, created.arn, 'the same request token is the same request');
  await rejectsAs(bed.apis.eks.createCapability({ ...input, clientRequestToken: 'cap-2' }), client('ResourceInUseException', /Capability kro already exists/));
  await rejectsAs(bed.apis.eks.deleteCapability('demo', 'kro'), client('ResourceInUseException', /is being created/));
  assert.equal(await bed.apis.eks.describeAccessEntry('demo', role), undefined, 'no entry before ACTIVE');

  bed.clock.advance(bed.drawn('capability.create', 'demo/kro') * 1000 + 1);
  assert.equal((await bed.apis.eks.describeCapability('demo', 'kro'))?.status, 'ACTIVE');
  const entry = (await bed.apis.eks.describeAccessEntry('demo', role))!;
  assert.deepEqual([entry.type, entry.tags], ['STANDARD', {}], 'EKS\'s entry: STANDARD, not eksflow\'s');
  await bed.apis.eks.associateAccessPolicy('demo', role, { policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy', scope: { type: 'cluster' } });

  await bed.apis.eks.deleteCapability('demo', 'kro');
  assert.equal((await bed.apis.eks.describeCapability('demo', 'kro'))?.status, 'DELETING');
  bed.clock.advance(bed.drawn('capability.delete', 'demo/kro') * 1000 + 1);
  assert.equal(await bed.apis.eks.describeCapability('demo', 'kro'), undefined);
  assert.equal(await bed.apis.eks.describeAccessEntry('demo', role), undefined, 'the entry went with the capability');
});

test('CreateCapability\'s rules: access entries on the cluster, Argo CD\'s Identity Center for ARGOCD only', async () => {
  const configMap = manualSim();
  const made = await createCluster(configMap);
  configMap.clock.advance(configMap.drawn('cluster.create', 'demo'));
  await rejectsAs(configMap.apis.eks.createCapability({ cluster: 'demo', capability: { name: 'kro', type: 'KRO' }, roleArn: made.clusterRole, tags, clientRequestToken: 't' }),
    client('InvalidRequestException', /authentication mode must be set/));

  const bed = manualSim();
  const { role } = await apiCluster(bed);
  await rejectsAs(bed.apis.eks.createCapability({ cluster: 'demo', capability: { name: 'argo', type: 'ARGOCD' }, roleArn: role, tags, clientRequestToken: 'a' }),
    client('InvalidParameterException', /configuration\.argoCd\.awsIdc is required/));
  await rejectsAs(bed.apis.eks.createCapability({ cluster: 'demo', capability: { name: 'ack', type: 'ACK', argoCd: { idcInstanceArn: 'arn:aws:sso:::instance/ssoins-7223a8f9b2c6e0d1' } }, roleArn: role, tags, clientRequestToken: 'b' }),
    client('InvalidParameterException', /configuration\.argoCd is only for ARGOCD capabilities, not ACK/));
  const argo = await bed.apis.eks.createCapability({ cluster: 'demo', capability: { name: 'argo', type: 'ARGOCD', argoCd: { idcInstanceArn: 'arn:aws:sso:::instance/ssoins-7223a8f9b2c6e0d1' } }, roleArn: role, tags, clientRequestToken: 'c' });
  assert.equal(argo.status, 'CREATING');
});

test('CreateCluster\'s remoteNetworkConfig: private blocks outside the VPC and apart from each other, given back by DescribeCluster', async () => {
  const bed = manualSim();
  const made = await prerequisites(bed);
  const input = { name: 'demo', version: '1.35', roleArn: made.clusterRole, subnetIds: made.network.privateSubnetIds, securityGroupIds: [], logTypes: [], tags, clientRequestToken: 't' };
  await rejectsAs(bed.apis.eks.createCluster({ ...input, remoteNetwork: { remoteNodeNetworks: [{ cidrs: ['52.1.0.0/16'] }] } }), client('InvalidParameterException', /within an RFC-1918 range/));
  await rejectsAs(bed.apis.eks.createCluster({ ...input, remoteNetwork: { remoteNodeNetworks: [{ cidrs: ['10.0.200.0/24'] }] } }), client('InvalidParameterException', /overlaps the VPC CIDR 10\.0\.0\.0\/16/));
  await rejectsAs(bed.apis.eks.createCluster({ ...input, remoteNetwork: { remoteNodeNetworks: [{ cidrs: ['10.80.0.0/16'] }], remotePodNetworks: [{ cidrs: ['10.80.1.0/24'] }] } }), client('InvalidParameterException', /overlap/));
  assert.deepEqual(bed.sim.inventory().clusters, [], 'nothing made by a refused request');
  const remoteNetwork = { remoteNodeNetworks: [{ cidrs: ['10.80.146.0/24'] }], remotePodNetworks: [{ cidrs: ['10.86.30.0/23'] }] };
  await bed.apis.eks.createCluster({ ...input, remoteNetwork });
  assert.deepEqual((await bed.apis.eks.describeCluster('demo'))?.remoteNetwork, remoteNetwork);
});
