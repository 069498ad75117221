import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { awsActivityDeps } from '../../src/activities/aws/clients';
import { createManagedLaunchTemplateActivities } from '../../src/activities/managed-launch-template';
import { errorTypes } from '../../src/domain/errors';
import { ownershipTagKeys, ownershipTags, type Owner } from '../../src/domain/ownership';
import { scaledClock } from '../../src/sim/clock';
import { SimulatedAws, type AwsApis } from '../../src/sim/aws';
import { moto, type Moto } from '../support/moto';
import { rejectsAs } from '../sim/aws/fixtures';

// A node group's SSH security group (src/domain/node-ssh-access.ts) through the activities, on
// moto (CreateSecurityGroup, AuthorizeSecurityGroupIngress, DescribeSecurityGroups, DescribeVpcs,
// DeleteSecurityGroup) and on the simulated cloud alike: the rules each one ends up holding are
// read back and compared, so the sim's answers (src/sim/aws/launch-templates.ts) are held to moto's.

const owner: Owner = { environmentId: 'team/demo', runId: 'run-1' };
const laterRun: Owner = { ...owner, runId: 'run-2' };
const stranger: Owner = { environmentId: 'team/other', runId: 'run-9' };

interface Backend {
  apis: AwsApis;
  /** The group's TCP 22 sources, as EC2 holds them: CIDRs and group IDs, sorted. */
  sourcesOf(groupId: string): Promise<string[]>;
  /** A security group made by someone else in the VPC (a bastion's), to open SSH from. */
  otherGroup(vpcId: string): Promise<string>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function motoBackend(): Promise<Backend> {
  const aws: Moto = await moto();
  const ec2 = new EC2Client(aws.clientConfig);
  const apis = awsActivityDeps({ ...aws.clientConfig }) as AwsApis;
  return {
    apis,
    async sourcesOf(groupId) {
      const found = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
      const permissions = (found.SecurityGroups?.[0]?.IpPermissions ?? []).filter((p) => p.IpProtocol === 'tcp' && p.FromPort === 22 && p.ToPort === 22);
      return permissions.flatMap((p) => [
        ...(p.IpRanges ?? []).map((r) => r.CidrIp!), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6!), ...(p.UserIdGroupPairs ?? []).map((g) => g.GroupId!),
      ]).sort();
    },
    otherGroup: async (vpcId) => (await apis.nodeLaunch.createSecurityGroup({ name: 'bastion', description: 'bastion', vpcId, tags: { team: 'ops' } })).id,
    reset: () => aws.reset(),
    stop: () => aws.stop(),
  };
}

async function simBackend(): Promise<Backend> {
  let sim = new SimulatedAws({ clock: scaledClock({ speedup: 100_000 }), seed: 'ssh-sg' });
  const backend: Backend = {
    apis: sim.apis(),
    sourcesOf: async (groupId) => (sim.network.ingressOf(groupId) ?? []).filter((rule) => rule.startsWith('tcp 22 ')).map((rule) => rule.slice('tcp 22 '.length)).sort(),
    otherGroup: async (vpcId) => sim.network.createSecurityGroup({ vpcId, tags: { team: 'ops' } }),
    async reset() {
      sim = new SimulatedAws({ clock: scaledClock({ speedup: 100_000 }), seed: 'ssh-sg' });
      backend.apis = sim.apis();
    },
    stop: async () => undefined,
  };
  return backend;
}

for (const [label, makeBackend] of [['moto', motoBackend], ['the simulated cloud', simBackend]] as const) {
  describe(`on ${label}`, () => {
    let backend: Backend;
    before(async () => {
      backend = await makeBackend();
    });
    afterEach(() => backend.reset());
    after(() => backend?.stop());

    const vpc = async () => (await backend.apis.vpc.ensureNetwork({ cidr: '10.0.0.0/16', zones: (await backend.apis.vpc.availabilityZones()).slice(0, 2).map((z) => z.name), natGateway: 'none', tags: ownershipTags(owner), cluster: 'demo' })).vpcId;
    const activities = () => createManagedLaunchTemplateActivities(backend.apis.nodeLaunch, backend.apis.eks);

    test('public nodes: port 22 from anywhere over IPv4 and IPv6 (eksctl SSHIPv4/SSHIPv6); made once, adopted, refused to another environment, deleted only by its own', async () => {
      const vpcId = await vpc();
      const ssh = activities();
      const input = { region: 'us-east-1', name: 'eksflow-demo-ng-ssh', vpcId, group: 'ng', access: { privateNetworking: false } };
      const made = await ssh.ensureSshSecurityGroup({ ...input, owner });
      assert.deepEqual({ kind: made.ref.kind, name: made.ref.name, made: made.made }, { kind: 'ssh-security-group', name: 'eksflow-demo-ng-ssh', made: true });
      assert.match(made.groupId, /^sg-[0-9a-f]+$/);
      assert.deepEqual(await backend.sourcesOf(made.groupId), ['0.0.0.0/0', '::/0']);
      // Found by the environment's tag (a teardown without the run's ledger), by no other environment's.
      assert.deepEqual((await backend.apis.nodeLaunch.securityGroupsTagged(ownershipTagKeys.environment, owner.environmentId)).map((g) => [g.id, g.name, g.vpcId]), [[made.groupId, input.name, vpcId]]);
      assert.deepEqual(await backend.apis.nodeLaunch.securityGroupsTagged(ownershipTagKeys.environment, stranger.environmentId), []);
      // A later run adopts it and authorizes the same rules again: EC2's InvalidPermission.Duplicate is no failure.
      const again = await ssh.ensureSshSecurityGroup({ ...input, owner: laterRun });
      assert.deepEqual({ groupId: again.groupId, made: again.made }, { groupId: made.groupId, made: false });
      assert.deepEqual(await backend.sourcesOf(made.groupId), ['0.0.0.0/0', '::/0']);
      await rejectsAs(ssh.ensureSshSecurityGroup({ ...input, owner: stranger }), { type: errorTypes.resourceNotOwned, message: /security group eksflow-demo-ng-ssh already exists and is not this environment's/, nonRetryable: true });
      assert.deepEqual(await ssh.deleteSshSecurityGroup({ environmentId: stranger.environmentId, name: input.name }), { outcome: 'not-ours' });
      assert.deepEqual(await ssh.deleteSshSecurityGroup({ environmentId: owner.environmentId, name: input.name }), { outcome: 'deleted' });
      assert.deepEqual(await backend.apis.nodeLaunch.findSecurityGroups(input.name), []);
      assert.deepEqual(await ssh.deleteSshSecurityGroup({ environmentId: owner.environmentId, name: input.name }), { outcome: 'absent' });
    });

    test('private nodes: only the VPC\'s CIDR; with sourceSecurityGroupIds only those groups', async () => {
      const vpcId = await vpc();
      const ssh = activities();
      const inside = await ssh.ensureSshSecurityGroup({ owner, region: 'us-east-1', name: 'eksflow-demo-private-ssh', vpcId, group: 'private', access: { privateNetworking: true } });
      assert.deepEqual(await backend.sourcesOf(inside.groupId), ['10.0.0.0/16']);
      const bastion = await backend.otherGroup(vpcId);
      const fromBastion = await ssh.ensureSshSecurityGroup({ owner, region: 'us-east-1', name: 'eksflow-demo-bastion-ssh', vpcId, group: 'bastion', access: { privateNetworking: true, sourceSecurityGroupIds: [bastion] } });
      assert.deepEqual(await backend.sourcesOf(fromBastion.groupId), [bastion]);
      // A source group EC2 does not have is refused, for good.
      await rejectsAs(ssh.ensureSshSecurityGroup({ owner, region: 'us-east-1', name: 'eksflow-demo-ghost-ssh', vpcId, group: 'ghost', access: { privateNetworking: false, sourceSecurityGroupIds: ['sg-0123456789abcdef0'] } }), {
        type: errorTypes.awsClientError, message: /InvalidGroup\.NotFound/, nonRetryable: true,
      });
    });
  });
}
