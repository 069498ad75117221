import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoModeClusterConfig } from '../../../src/domain/auto-mode';
import { errorTypes } from '../../../src/domain/errors';
import { manualSim, prerequisites, rejectsAs, tags } from './fixtures';

// The simulated EKS's Auto Mode: CreateCluster's three capabilities together, DescribeCluster's
// answer, and the node role's access entry EKS makes itself. moto 5.2.5 ignores computeConfig,
// storageConfig and elasticLoadBalancing (its CreateCluster reads none of them), so these rules
// are the simulator's alone.

const invalid = (message: RegExp) => ({ type: errorTypes.awsClientError, nonRetryable: true, message });

async function inputs(bed: ReturnType<typeof manualSim>) {
  const made = await prerequisites(bed);
  return {
    made,
    input: {
      name: 'demo', version: '1.35', roleArn: made.clusterRole, subnetIds: made.network.privateSubnetIds, securityGroupIds: [], logTypes: [], tags, clientRequestToken: 't',
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
    },
  };
}

test('compute, block storage and load balancing go together, in EKS\'s words; built-in node pools need a node role', async () => {
  const bed = manualSim();
  const { input, made } = await inputs(bed);
  const config = autoModeClusterConfig({ nodePools: ['general-purpose'] }, made.nodeRole);
  await rejectsAs(bed.apis.eks.createCluster({ ...input, autoMode: { ...config, storageConfig: { blockStorage: { enabled: false } } } }),
    invalid(/InvalidParameterException: For EKS Auto Mode, please ensure that all required configs, including computeConfig, kubernetesNetworkConfig, and blockStorage are all either fully enabled or fully disabled\./));
  await rejectsAs(bed.apis.eks.createCluster({ ...input, autoMode: autoModeClusterConfig({ nodePools: ['general-purpose'] }, undefined) }), invalid(/InvalidParameterException: computeConfig\.nodeRoleArn is required/));
  assert.deepEqual(bed.sim.inventory().clusters, [], 'nothing made by a refused request');
});

test('DescribeCluster answers with Auto Mode; once ACTIVE, EKS has made the node role\'s access entry of type EC2 with AmazonEKSAutoNodePolicy', async () => {
  const bed = manualSim();
  const { input, made } = await inputs(bed);
  const created = await bed.apis.eks.createCluster({ ...input, autoMode: autoModeClusterConfig({ nodePools: ['general-purpose', 'system'] }, made.nodeRole) });
  assert.deepEqual(created.autoMode, { nodePools: ['general-purpose', 'system'], nodeRoleArn: made.nodeRole, blockStorage: true, elasticLoadBalancing: true });
  bed.clock.advance(bed.drawn('cluster.create', 'demo') + 1);
  assert.equal((await bed.apis.eks.describeCluster('demo'))?.status, 'ACTIVE');
  const entry = await bed.apis.eks.describeAccessEntry('demo', made.nodeRole);
  assert.equal(entry?.type, 'EC2');
  assert.deepEqual(await bed.apis.eks.listAssociatedAccessPolicies('demo', made.nodeRole), [{ policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy', scope: { type: 'cluster' } }]);

  // A cluster without Auto Mode says nothing of it, and EKS makes no such entry.
  const plain = await bed.apis.eks.createCluster({ ...input, name: 'plain', clientRequestToken: 'p' });
  assert.equal(plain.autoMode, undefined);
  bed.clock.advance(bed.drawn('cluster.create', 'plain') + 1);
  assert.deepEqual(await bed.apis.eks.listAccessEntries('plain'), []);
});
