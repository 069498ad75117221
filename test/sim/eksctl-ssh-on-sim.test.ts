import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { createDiscoveryActivities } from '../../src/activities/discovery';
import { completeClusterConfig } from '../../src/cli/cluster-config-local';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { managedLaunchTemplateName } from '../../src/domain/managed-launch-template';
import { sshSecurityGroupName } from '../../src/domain/node-ssh-access';
import { nodeGroupRoleName } from '../../src/domain/node-group-iam';
import { selfManagedName, selfManagedRoleName } from '../../src/domain/self-managed-nodes';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { repoRoot } from '../support/paths';
import { simWorkerBed, untilReady } from '../support/sim-worker-bed';
import { openSshPublicKey } from '../support/ssh-keys';

// eksctl's 07-ssh-keys and 20-bottlerocket examples (examples/eksctl/ssh-keys.yaml and
// bottlerocket.yaml), read as the CLI sends them, provisioned by the real workflow and
// activities on the simulated cloud, then torn down leaving nothing: the SSH security groups
// (src/domain/node-ssh-access.ts) in the launch templates, SSM on the node roles, a node role's
// permissions boundary.

const speedup = 100;
const taskQueue = 'eksctl-ssh-on-sim';
const bed = simWorkerBed({ speedup, seed: 'eksctl-ssh', taskQueue });
const home = mkdtempSync(join(tmpdir(), 'eksflow-home-'));
mkdirSync(join(home, '.ssh'));
writeFileSync(join(home, '.ssh', 'id_rsa.pub'), `${openSshPublicKey()}\n`);
writeFileSync(join(home, '.ssh', 'id_rsa_tests.pub'), `${openSshPublicKey()}\n`);
after(() => rmSync(home, { recursive: true, force: true }));
afterEach(() => bed.cloud.aws.faults.clearFailSteps());

async function specOf(file: string): Promise<EnvironmentSpec> {
  const { text } = await completeClusterConfig(readFileSync(join(repoRoot, 'examples', 'eksctl', file), 'utf8'), { home });
  const translated = translateClusterConfig(text);
  assert.ok(translated.ok, `${file}: ${JSON.stringify(!translated.ok && translated.errors)}`);
  return translated.spec;
}

async function provisionAndTearDown(spec: EnvironmentSpec, check: () => void | Promise<void>): Promise<void> {
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `team-a.${spec.name}`, args: [{ environmentId: `team-a/${spec.name}`, spec, timeScale: speedup }],
  });
  const ready = await untilReady(handle, spec.name);
  assert.ok(ready.steps.every((s) => s.state === 'done'), JSON.stringify(ready.steps.filter((s) => s.state !== 'done')));
  await check();
  await handle.signal('teardown', { reason: 'done' });
  await handle.result();
  const aws = bed.cloud.aws;
  const left = aws.inventory();
  const ours = Object.fromEntries(Object.entries(left).map(([kind, items]) => [kind, (items as string[]).filter((item) => !item.startsWith('AWSServiceRole'))]));
  assert.ok(Object.values(ours).every((items) => items.length === 0), `teardown left ${JSON.stringify(ours)}`);
  assert.deepEqual(aws.autoscaling.inventory(), { autoScalingGroups: [], launchTemplates: [], instanceProfiles: [] });
  assert.equal(aws.network.counts().securityGroups, 0, 'the SSH security groups are gone');
}

/** The security group of this name: its ID and TCP 22 sources; undefined when there is none. */
async function sshGroup(environment: string, group: string) {
  const [found] = await bed.cloud.aws.nodeLaunch.findSecurityGroups(sshSecurityGroupName(environment, group));
  return found && { id: found.id, sources: (bed.cloud.aws.network.ingressOf(found.id) ?? []).map((rule) => rule.replace(/^tcp 22 /, '')) };
}

/** The security groups of a self-managed group's launch template. */
const templateGroups = (environment: string, group: string) => bed.cloud.aws.autoscaling.nodes().find((nodes) => nodes.group === selfManagedName(environment, group))?.launchTemplate.securityGroupIds ?? [];

test('eksctl\'s 07-ssh-keys: port 22 opened where a group allows SSH (only the VPC for private nodes), SSM on the node role, a managed group\'s template and bounded role', async () => {
  const spec = await specOf('ssh-keys.yaml');
  const aws = bed.cloud.aws;
  // An existing EC2 key pair (ec2_dev_key), as the example expects.
  await aws.nodeLaunch.importKeyPair({ name: 'ec2_dev_key', publicKey: openSshPublicKey(), tags: { owner: 'someone' } });
  await provisionAndTearDown(spec, async () => {
    const vpcCidr = spec.network.vpc!.cidr;
    assert.deepEqual((await sshGroup('ssh-demo', 'ng-1'))?.sources, [vpcCidr]);
    for (const name of ['ng-2', 'ng-3', 'ng-4']) {
      const group = await sshGroup('ssh-demo', name);
      assert.deepEqual(group?.sources.sort(), ['0.0.0.0/0', '::/0'], name);
      assert.ok(templateGroups('ssh-demo', name).includes(group!.id), `${name}'s launch template has its SSH security group: ${templateGroups('ssh-demo', name).join(', ')}`);
    }
    for (const name of ['ng-5', 'ng-6', 'ng-7']) assert.equal(await sshGroup('ssh-demo', name), undefined, `${name} opens no port`);
    const ssm = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
    assert.ok((await aws.iam.attachedPolicies(selfManagedRoleName('ssh-demo', 'ng-6'))).includes(ssm));
    assert.ok(!(await aws.iam.attachedPolicies(selfManagedRoleName('ssh-demo', 'ng-7'))).includes(ssm));
    // The managed group: eksflow's launch template carries the cluster's and the SSH security group; its own role SSM and the boundary.
    const managed = await sshGroup('ssh-demo', 'managed-lt');
    const template = aws.nodeLaunch.launchTemplate({ name: managedLaunchTemplateName('ssh-demo', 'managed-lt') });
    assert.equal(template?.data.keyName, 'ec2_dev_key');
    assert.equal(template?.data.securityGroupIds?.length, 2);
    assert.equal(template?.data.securityGroupIds?.[1], managed!.id);
    const role = nodeGroupRoleName('ssh-demo', 'managed-lt');
    assert.ok((await aws.iam.attachedPolicies(role)).includes(ssm));
    assert.equal((await aws.iam.getRole(role))?.permissionsBoundary, 'arn:aws:iam::aws:policy/ReadOnlyAccess');
  });
  // Someone else's key pair is still there.
  assert.ok(aws.nodeLaunch.keyPair('ec2_dev_key'));
});

test('eksctl\'s 20-bottlerocket: the group reachable over SSH gets port 22 in its template; the other none', async () => {
  const spec = await specOf('bottlerocket.yaml');
  assert.deepEqual(spec.nodeGroups.map((group) => [group.name, group.kind, group.amiType]), [
    ['ng1-public', 'self-managed', 'BOTTLEROCKET_x86_64'], ['ng2-public-ssh', 'self-managed', 'BOTTLEROCKET_x86_64'],
  ]);
  await bed.cloud.aws.nodeLaunch.importKeyPair({ name: 'my-example-keypair', publicKey: openSshPublicKey(), tags: { owner: 'someone' } });
  await provisionAndTearDown(spec, async () => {
    const ssh = await sshGroup('bottlerocket-demo', 'ng2-public-ssh');
    assert.deepEqual(ssh?.sources.sort(), ['0.0.0.0/0', '::/0']);
    assert.ok(templateGroups('bottlerocket-demo', 'ng2-public-ssh').includes(ssh!.id));
    assert.equal(await sshGroup('bottlerocket-demo', 'ng1-public'), undefined);
    // Found by its tags too, for a teardown without the run's ledger: it holds the VPC.
    const found = await createDiscoveryActivities(bed.cloud.deps).discoverEnvironment({ environmentId: 'team-a/bottlerocket-demo', region: 'us-east-1', cluster: 'bottlerocket-demo' });
    assert.deepEqual(found.owned.filter((ref) => ref.kind === 'ssh-security-group').map((ref) => [ref.name, ref.arn]), [[sshSecurityGroupName('bottlerocket-demo', 'ng2-public-ssh'), ssh!.id]]);
  });
});

test('a failed Auto Scaling group rolls back the SSH security groups the run made, after the groups and templates that use them', async () => {
  const name = 'ssh-refused';
  const parsed = parseEnvironmentSpec({
    name, region: 'us-east-1', network: { vpc: { natGateway: 'none', availabilityZones: 2 } },
    nodeGroups: [
      { name: 'managed', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2, maxPodsPerNode: 30, privateNetworking: false, ssh: { publicKey: openSshPublicKey() } },
      { name: 'self', kind: 'self-managed', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2, ssh: { publicKey: openSshPublicKey() } },
    ],
  });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  // Auto Scaling refuses the self-managed group for good, after its SSH security group and launch template are made.
  bed.cloud.aws.faults.failStep('createAutoScalingGroup', { resource: `${name}-self` });
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `team-a.${name}`, args: [{ environmentId: `team-a/${name}`, spec: parsed.spec, timeScale: speedup }],
  });
  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, `the run failed: ${String(error)}`);
  const progress = await handle.query(progressQuery);
  assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
  const groups = progress.ledger.filter((e) => e.kind === 'ssh-security-group');
  assert.deepEqual(groups.map((e) => e.name).sort(), [sshSecurityGroupName(name, 'self')].concat(groups.length === 2 ? [sshSecurityGroupName(name, 'managed')] : []).sort());
  assert.ok(groups.every((e) => e.state === 'compensated'), JSON.stringify(groups));
  // Newest first: each group's security group was made before its launch template, so it is compensated after it.
  const kinds = progress.ledger.map((e) => e.kind);
  assert.ok(kinds.indexOf('ssh-security-group') < kinds.indexOf('launch-template'), JSON.stringify(kinds));
  assert.equal(bed.cloud.aws.network.counts().securityGroups, 0);
  assert.deepEqual(bed.cloud.aws.inventory().vpcs, []);
});
