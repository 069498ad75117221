import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { ownershipTagKeys } from '../../src/domain/ownership';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { waitFor } from '../support/process';
import { simWorkerBed } from '../support/sim-worker-bed';
import { openSshPublicKey } from '../support/ssh-keys';

// Managed node groups beyond size and instance types, in whole runs on the simulated cloud:
// the seed's launch-template group (13.3.2: a template the team made, passed through and never
// touched), a group eksflow makes a launch template for (volume, maxPodsPerNode, an SSH key,
// tags, updateConfig, node repair, one zone), and a GPU group on the NVIDIA AMI. The teardown
// removes eksflow's template and key pair after the groups, and leaves the team's template.

const taskQueue = 'managed-node-groups-on-sim';
const bed = simWorkerBed({ speedup: 100, seed: 'managed-node-groups', taskQueue });

const publicKey = openSshPublicKey();

function specOf(name: string, launchTemplateName: string): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({
    name, region: 'us-east-1', network: { vpc: { natGateway: 'none', availabilityZones: 2 } },
    nodeGroups: [
      { name: 'templated', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2, launchTemplate: { name: launchTemplateName, version: '1' } },
      {
        name: 'tuned', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 3, diskSize: 50,
        volume: { type: 'gp3', iops: 4000, encrypted: true }, maxPodsPerNode: 58, ssh: { publicKey }, tags: { team: 'web' },
        updateConfig: { maxUnavailablePercentage: 50 }, nodeRepair: { enabled: true }, availabilityZones: ['us-east-1a'],
        iam: { withAddonPolicies: ['autoScaler', 'cloudWatch'], attachPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] },
      },
      { name: 'gpu', instanceTypes: ['g5.xlarge'], minSize: 0, desiredSize: 1, maxSize: 1, privateNetworking: false },
    ],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

const start = (spec: EnvironmentSpec) => bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
  taskQueue, workflowId: `team-a.${spec.name}`, args: [{ environmentId: `team-a/${spec.name}`, spec }],
});

/** The team's own template, made in the simulated EC2 as a team would (eksflow never changes nor deletes it). */
async function teamTemplate(name: string): Promise<string> {
  const made = await bed.cloud.aws.nodeLaunch.createLaunchTemplate({ name, data: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' } }, tags: { team: 'platform' }, clientToken: name });
  return made.id;
}

test('the seed\'s launch-template group, a tuned group with eksflow\'s template and key, and a GPU group provision and tear down', async () => {
  const name = 'lt-groups';
  const teamLaunchTemplate = await teamTemplate('team-nodes');
  const handle = await start(specOf(name, 'team-nodes'));
  await waitFor('the environment to be ready', async () => (await handle.query(progressQuery)).phase === 'ready', { timeoutMs: 240_000, intervalMs: 200 });
  const progress = await handle.query(progressQuery);
  const { state } = bed.cloud.aws.eks;

  // The team's template, passed through by ID at the version asked for; no disk size beside it.
  const templated = state.nodegroup(name, 'templated');
  assert.deepEqual(templated.launchTemplate, { id: teamLaunchTemplate, version: '1' });
  assert.equal(templated.diskSize, undefined);
  assert.equal(templated.remoteAccess, undefined);
  assert.match(progress.steps.find((s) => s.id === 'eks:nodegroup/templated')!.detail!, /launch template team-nodes \(lt-[0-9a-f]+\) version 1, given/);

  // eksflow's own template for the tuned group: the disk, the key, maxPods in a NodeConfig part.
  const tuned = state.nodegroup(name, 'tuned');
  const own = bed.cloud.aws.nodeLaunch.launchTemplate({ name: `eksflow-${name}-tuned` })!;
  assert.deepEqual(tuned.launchTemplate, { id: own.id, version: '1' });
  assert.equal(tuned.diskSize, undefined, 'EKS refuses diskSize with a launch template: it is in the template');
  assert.equal(tuned.remoteAccess, undefined, 'EKS refuses remoteAccess with a launch template: the key is in the template');
  assert.deepEqual(own.data.blockDeviceMappings, [{ deviceName: '/dev/xvda', ebs: { volumeSize: 50, volumeType: 'gp3', deleteOnTermination: true, iops: 4000, encrypted: true } }]);
  assert.equal(own.data.keyName, `eksflow-${name}-tuned`);
  assert.match(Buffer.from(own.data.userData!, 'base64').toString(), /kind: NodeConfig\nspec:\n {2}kubelet:\n {4}config:\n {6}maxPods: 58/);
  assert.equal(own.tags[ownershipTagKeys.environment], `team-a/${name}`);
  assert.deepEqual(bed.cloud.aws.nodeLaunch.keyPair(`eksflow-${name}-tuned`)?.name, `eksflow-${name}-tuned`);
  assert.deepEqual(tuned.updateConfig, { maxUnavailablePercentage: 50 });
  assert.deepEqual(tuned.nodeRepair, { enabled: true });
  assert.equal(tuned.tags.team, 'web');
  assert.deepEqual(tuned.subnetIds.map((id) => bed.cloud.aws.vpc.subnet(id)!.zone), ['us-east-1a'], 'only its zone');
  // Its own node role, with the add-on policies; the other groups keep the shared one.
  const { iam } = bed.cloud.aws.apis();
  assert.equal(tuned.nodeRoleArn, (await iam.getRole(`${name}-node-tuned`))!.arn);
  assert.deepEqual((await iam.attachedPolicies(`${name}-node-tuned`)).sort(), [
    'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly', 'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy', 'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
    'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy',
  ]);
  assert.equal(templated.nodeRoleArn, (await iam.getRole(`${name}-node`))!.arn);

  // The GPU group: the NVIDIA AMI, in the public subnets.
  const gpu = state.nodegroup(name, 'gpu');
  assert.equal(gpu.amiType, 'AL2023_x86_64_NVIDIA');
  assert.equal(gpu.diskSize, 20);
  const publicSubnets = bed.cloud.aws.vpc.parts().subnets.filter((s) => s.tags['kubernetes.io/role/elb'] === '1').map((s) => s.id).sort();
  assert.deepEqual([...gpu.subnetIds].sort(), publicSubnets);

  assert.deepEqual(progress.ledger.filter((e) => e.kind.startsWith('ec2-')).map((e) => [e.kind, e.name, e.state]), [
    ['ec2-key-pair', `eksflow-${name}-tuned`, 'confirmed'], ['ec2-launch-template', `eksflow-${name}-tuned`, 'confirmed'],
  ]);

  await handle.signal('teardown', { reason: 'done with it' });
  const result = await handle.result();
  assert.deepEqual(result.ledger.filter((e) => e.kind.startsWith('ec2-')).map((e) => e.state), ['deleted', 'deleted']);
  assert.equal(bed.cloud.aws.nodeLaunch.launchTemplate({ name: `eksflow-${name}-tuned` }), undefined);
  assert.equal(bed.cloud.aws.nodeLaunch.keyPair(`eksflow-${name}-tuned`), undefined);
  assert.equal(bed.cloud.aws.nodeLaunch.launchTemplate({ id: teamLaunchTemplate })?.name, 'team-nodes', 'the team\'s template is never deleted');
  assert.equal(await iam.getRole(`${name}-node-tuned`), undefined, 'the group\'s own role went too');
});

test('a launch template that does not exist fails the group\'s step for good, naming it, and the run rolls back', async () => {
  const name = 'lt-missing';
  const handle = await start(specOf(name, 'nobody-made-this'));
  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, `the run failed: ${String(error)}`);
  assert.match(error.cause!.message, /launch template nobody-made-this does not exist in us-east-1/);
  const progress = await handle.query(progressQuery);
  assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
  const step = progress.steps.find((s) => s.id === 'eks:nodegroup/templated')!;
  assert.equal(step.state, 'failed');
  assert.equal(step.attempts, 1);
  assert.equal(bed.cloud.aws.nodeLaunch.launchTemplate({ name: `eksflow-${name}-tuned` }), undefined, 'eksflow\'s own template, if made, was rolled back');
  assert.equal(bed.cloud.aws.nodeLaunch.keyPair(`eksflow-${name}-tuned`), undefined);
});
