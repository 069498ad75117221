import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { createManagedLaunchTemplateActivities } from '../../src/activities/managed-launch-template';
import { createNodegroupActivities } from '../../src/activities/nodegroups';
import { parseEnvironmentSpec, type NodeGroupSpec } from '../../src/domain/environment-spec';
import { errorTypes } from '../../src/domain/errors';
import { ownershipTags, type Owner } from '../../src/domain/ownership';
import { assumedBy } from '../../src/domain/service-roles';
import type { AwsApis } from '../../src/sim/aws';
import { motoBackend, simulatedBackend, type AwsBackend } from '../contract/aws-backends';
import { openSshPublicKey } from '../support/ssh-keys';
import { rejectsAs } from '../sim/aws/fixtures';

// A managed group's launch template, key pair and placement activities, and CreateNodegroup
// with a launch template, on moto (CreateLaunchTemplate, ImportKeyPair, DescribeSubnets, EKS
// CreateNodegroup with launchTemplate and remoteAccess) and on the simulated cloud alike: the
// sim's answers (src/sim/aws/launch-templates.ts, eks-state.ts) are held to moto's here.

const owner: Owner = { environmentId: 'team/demo', runId: 'run-1' };
const laterRun: Owner = { ...owner, runId: 'run-2' };
const stranger: Owner = { environmentId: 'team/other', runId: 'run-9' };
const publicKey = openSshPublicKey();

function groupOf(group: Record<string, unknown>): NodeGroupSpec {
  const parsed = parseEnvironmentSpec({ name: 'demo', region: 'us-east-1', network: { vpc: {} }, nodeGroups: [{ name: 'tuned', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2, ...group }] });
  assert.ok(parsed.ok, JSON.stringify(parsed.ok ? null : parsed.errors));
  return parsed.spec.nodeGroups[0]!;
}


for (const [label, makeBackend] of [['moto', motoBackend], ['the simulated cloud', simulatedBackend]] as const) {
  describe(`on ${label}`, () => {
    let backend: AwsBackend;
    const apis = (): AwsApis => backend.apis as AwsApis;
    before(async () => {
      backend = await makeBackend();
    });
    afterEach(() => backend.reset());
    after(() => backend?.stop());

    /** An ACTIVE cluster in a VPC of two zones, and the node role. */
    async function cluster() {
      const role = async (name: string, service: string) => (await apis().iam.createRole({ name, trustPolicy: JSON.stringify(assumedBy(service)), description: name, tags: {} })).arn;
      const zones = (await apis().vpc.availabilityZones()).slice(0, 2).map((zone) => zone.name);
      const network = await apis().vpc.ensureNetwork({ cidr: '10.0.0.0/16', zones, natGateway: 'none', tags: ownershipTags(owner), cluster: 'demo' });
      await apis().eks.createCluster({
        name: 'demo', version: '1.35', roleArn: await role('demo-cluster', 'eks.amazonaws.com'), subnetIds: network.privateSubnetIds, securityGroupIds: [], logTypes: [], tags: ownershipTags(owner), clientRequestToken: 'c',
      });
      for (let i = 0; i < 200 && (await apis().eks.describeCluster('demo'))?.status !== 'ACTIVE'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      return { network, zones, nodeRole: await role('demo-node', 'ec2.amazonaws.com') };
    }
    const activities = () => ({ ...createManagedLaunchTemplateActivities(apis().nodeLaunch, apis().eks), ...createNodegroupActivities(apis().eks) });

    test('eksflow\'s launch template is made once, adopted by a later run, refused to another environment, deleted only by its own', async () => {
      await cluster();
      const lt = activities();
      const group = groupOf({ volume: { type: 'gp3', iops: 3000 }, maxPodsPerNode: 30 });
      const made = await lt.ensureManagedLaunchTemplate({ owner, region: 'us-east-1', environment: 'demo', cluster: 'demo', group, keyName: 'eksflow-demo-tuned' });
      assert.deepEqual({ kind: made.ref.kind, name: made.ref.name, made: made.made, version: made.version }, { kind: 'ec2-launch-template', name: 'eksflow-demo-tuned', made: true, version: '1' });
      assert.match(made.id, /^lt-[0-9a-f]+$/);
      const again = await lt.ensureManagedLaunchTemplate({ owner: laterRun, region: 'us-east-1', environment: 'demo', cluster: 'demo', group });
      assert.deepEqual({ id: again.id, made: again.made }, { id: made.id, made: false });
      await rejectsAs(lt.ensureManagedLaunchTemplate({ owner: stranger, region: 'us-east-1', environment: 'demo', cluster: 'demo', group }), {
        type: errorTypes.resourceNotOwned, message: /launch template eksflow-demo-tuned already exists and is not this environment's/, nonRetryable: true,
      });
      assert.deepEqual(await lt.deleteManagedLaunchTemplate({ environmentId: stranger.environmentId, name: 'eksflow-demo-tuned' }), { outcome: 'not-ours' });
      assert.deepEqual(await lt.deleteManagedLaunchTemplate({ environmentId: owner.environmentId, name: 'eksflow-demo-tuned' }), { outcome: 'deleted' });
      assert.equal(await apis().nodeLaunch.findLaunchTemplate({ name: 'eksflow-demo-tuned' }), undefined);
      assert.deepEqual(await lt.deleteManagedLaunchTemplate({ environmentId: owner.environmentId, name: 'eksflow-demo-tuned' }), { outcome: 'absent' });
    });

    test('a given launch template is found by name or ID; a missing one fails for good, naming it', async () => {
      const lt = activities();
      const team = await apis().nodeLaunch.createLaunchTemplate({ name: 'team-nodes', data: {}, tags: { team: 'platform' }, clientToken: 'team' });
      assert.deepEqual(await lt.checkLaunchTemplate({ region: 'us-east-1', launchTemplate: { name: 'team-nodes' } }), { id: team.id, name: 'team-nodes', version: '1' });
      assert.deepEqual(await lt.checkLaunchTemplate({ region: 'us-east-1', launchTemplate: { id: team.id, version: '$Latest' } }), { id: team.id, name: 'team-nodes', version: '$Latest' });
      await rejectsAs(lt.checkLaunchTemplate({ region: 'us-east-1', launchTemplate: { name: 'nobody-made-this' } }), {
        type: errorTypes.launchTemplateNotFound, message: /^launch template nobody-made-this does not exist in us-east-1/, nonRetryable: true,
      });
      await rejectsAs(lt.checkLaunchTemplate({ region: 'us-east-1', launchTemplate: { id: 'lt-0123456789abcdef0' } }), { type: errorTypes.launchTemplateNotFound, message: /lt-0123456789abcdef0/ });
    });

    test('a public key becomes an ownership-tagged key pair, adopted again, deleted only by its own', async () => {
      const lt = activities();
      const made = await lt.ensureNodeKeyPair({ owner, region: 'us-east-1', name: 'eksflow-demo-tuned', publicKey });
      assert.deepEqual({ kind: made.ref.kind, keyName: made.keyName, made: made.made }, { kind: 'ec2-key-pair', keyName: 'eksflow-demo-tuned', made: true });
      assert.equal((await lt.ensureNodeKeyPair({ owner: laterRun, region: 'us-east-1', name: 'eksflow-demo-tuned', publicKey })).made, false);
      assert.deepEqual(await lt.deleteNodeKeyPair({ environmentId: stranger.environmentId, name: 'eksflow-demo-tuned' }), { outcome: 'not-ours' });
      assert.deepEqual(await lt.deleteNodeKeyPair({ environmentId: owner.environmentId, name: 'eksflow-demo-tuned' }), { outcome: 'deleted' });
      assert.equal(await apis().nodeLaunch.findKeyPair('eksflow-demo-tuned'), undefined);
      await assert.rejects(lt.ensureNodeKeyPair({ owner, region: 'us-east-1', name: 'eksflow-demo-bad', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5vdC1hLXJlYWwta2V5 me@example' }),
        /ImportKeyPair eksflow-demo-bad: InvalidKeyPair.Format/);
    });

    test('subnets are narrowed to the group\'s zones; a zone without one is refused, naming what there is', async () => {
      const { network, zones } = await cluster();
      const lt = activities();
      const { subnetIds } = await lt.nodegroupSubnets({ subnetIds: network.privateSubnetIds, zones: [zones[1]!] });
      assert.equal(subnetIds.length, 1);
      assert.deepEqual(await apis().nodeLaunch.subnetZones(subnetIds), { [subnetIds[0]!]: zones[1] });
      await rejectsAs(lt.nodegroupSubnets({ subnetIds: network.privateSubnetIds, zones: ['us-east-1f'] }), { type: errorTypes.invalidSpec, message: /not in us-east-1f: change availabilityZones/, nonRetryable: true });
    });

    test('CreateNodegroup takes a launch template without diskSize, a key as remote access, updateConfig and node repair; EKS refuses diskSize beside a template', async () => {
      const { network, nodeRole } = await cluster();
      const lt = activities();
      const template = await lt.ensureManagedLaunchTemplate({ owner, region: 'us-east-1', environment: 'demo', cluster: 'demo', group: groupOf({ volume: { type: 'gp3' } }) });
      const withTemplate = await lt.ensureNodegroup({
        owner, region: 'us-east-1', cluster: 'demo', group: groupOf({ volume: { type: 'gp3' }, updateConfig: { maxUnavailable: 2 }, nodeRepair: { enabled: true } }), nodeRoleArn: nodeRole, subnetIds: network.privateSubnetIds,
        launchTemplate: { id: template.id, version: template.version },
      });
      assert.equal(withTemplate.made, true);
      await lt.ensureNodeKeyPair({ owner, region: 'us-east-1', name: 'eksflow-demo-keyed', publicKey });
      const keyed = await lt.ensureNodegroup({
        owner, region: 'us-east-1', cluster: 'demo', group: { ...groupOf({}), name: 'keyed' }, nodeRoleArn: nodeRole, subnetIds: network.privateSubnetIds, remoteAccess: { ec2SshKey: 'eksflow-demo-keyed' },
      });
      assert.equal(keyed.made, true);
      await assert.rejects(apis().eks.createNodegroup({
        cluster: 'demo', name: 'both', nodeRoleArn: nodeRole, subnetIds: network.privateSubnetIds, instanceTypes: ['m5.large'], capacityType: 'ON_DEMAND', amiType: 'AL2023_x86_64_STANDARD',
        diskSize: 20, scaling: { minSize: 1, desiredSize: 1, maxSize: 1 }, labels: {}, taints: [], tags: {}, clientRequestToken: 'both', launchTemplate: { id: template.id, version: '1' },
      }), /CreateNodegroup demo\/both: InvalidParameterException: Disk size must be specified within the launch template/);
      await assert.rejects(apis().eks.createNodegroup({
        cluster: 'demo', name: 'both', nodeRoleArn: nodeRole, subnetIds: network.privateSubnetIds, instanceTypes: ['m5.large'], capacityType: 'ON_DEMAND', amiType: 'AL2023_x86_64_STANDARD',
        scaling: { minSize: 1, desiredSize: 1, maxSize: 1 }, labels: {}, taints: [], tags: {}, clientRequestToken: 'both', launchTemplate: { id: template.id, version: '1' }, remoteAccess: { ec2SshKey: 'eksflow-demo-keyed' },
      }), /InvalidParameterException: Remote access configuration cannot be specified with a launch template/);
    });
  });
}
