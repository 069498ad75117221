import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { CreateRoleCommand, GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRoleTagsCommand } from '@aws-sdk/client-iam';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../src/activities';
import { awsActivityDeps } from '../../src/activities/aws/clients';
import { irsaTrustPolicy } from '../../src/activities/oidc-provider';
import { errorTypes } from '../../src/domain/errors';
import { roleNames } from '../../src/domain/names';
import { assumedBy, serviceRoles } from '../../src/domain/service-roles';
import { ownershipTagKeys, type Owner } from '../../src/domain/ownership';
import { testActivityDeps } from '../support/activity-deps';
import { motoActivitiesPerFile } from '../support/moto-activities';
import { freePort } from '../support/process';

const bed = motoActivitiesPerFile();

const region = 'us-east-1';
const owner: Owner = { environmentId: 'team-a/demo', runId: 'run-1' };
const laterRun: Owner = { ...owner, runId: 'run-2' };
const stranger: Owner = { environmentId: 'team-b/demo', runId: 'run-9' };
const clusterSpec = { name: 'demo', region, kubernetesVersion: '1.35' as const, tags: { team: 'a' }, controlPlaneLogging: [] };

async function rejectsWith(promise: Promise<unknown>, type: string, pattern: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
    assert.equal(error.type, type);
    assert.match(error.message, pattern);
    return true;
  });
}

const ensureClusterRole = (who: Owner) => bed.activities.ensureRole({
  owner: who, region, name: roleNames.cluster('demo'), description: 'EKS control plane', trustPolicy: assumedBy('eks.amazonaws.com'), managedPolicyArns: [...serviceRoles.cluster.policies],
});

test('ensureRole creates a tagged role with its policies, and adopts it on a repeat', async () => {
  const first = await ensureClusterRole(owner);
  assert.equal(first.made, true);
  assert.deepEqual(first.ref, { kind: 'iam-role', name: 'demo-cluster', region, arn: first.arn });

  const iam = new IAMClient(bed.aws.clientConfig);
  const tags = (await iam.send(new ListRoleTagsCommand({ RoleName: 'demo-cluster' }))).Tags ?? [];
  assert.deepEqual(Object.fromEntries(tags.map((t) => [t.Key, t.Value])), {
    [ownershipTagKeys.managedBy]: 'eksflow', [ownershipTagKeys.environment]: 'team-a/demo', [ownershipTagKeys.createdByRun]: 'run-1',
  });
  const trust = JSON.parse(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: 'demo-cluster' }))).Role!.AssumeRolePolicyDocument!));
  assert.equal(trust.Statement[0].Principal.Service, 'eks.amazonaws.com');

  const again = await ensureClusterRole(owner);
  assert.equal(again.made, true, 'the same run made it, so its rollback still owns it');
  assert.equal(again.arn, first.arn);
  const adopted = await ensureClusterRole(laterRun);
  assert.equal(adopted.made, false, 'a later run adopts it and must not roll it back');
});

test('ensureRole refuses a role of that name that is not this environment\'s', async () => {
  await ensureClusterRole(stranger);
  await rejectsWith(ensureClusterRole(owner), errorTypes.resourceNotOwned, /IAM role demo-cluster already exists and is not this environment's/);
  const iam = new IAMClient(bed.aws.clientConfig);
  await iam.send(new CreateRoleCommand({ RoleName: 'untagged-node', AssumeRolePolicyDocument: JSON.stringify(assumedBy('ec2.amazonaws.com')) }));
  await rejectsWith(
    bed.activities.ensureRole({ owner, region, name: 'untagged-node', description: 'x', trustPolicy: assumedBy('ec2.amazonaws.com'), managedPolicyArns: [] }),
    errorTypes.resourceNotOwned, /untagged-node already exists and is not this environment's/,
  );
});

test('deleteRole removes the role and its attachments, and is done when it is already gone', async () => {
  await ensureClusterRole(owner);
  assert.deepEqual(await bed.activities.deleteRole({ environmentId: owner.environmentId, name: 'demo-cluster' }), { outcome: 'deleted' });
  const iam = new IAMClient(bed.aws.clientConfig);
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: 'demo-cluster' })), { name: 'NoSuchEntityException' });
  assert.deepEqual(await bed.activities.deleteRole({ environmentId: owner.environmentId, name: 'demo-cluster' }), { outcome: 'absent' });
});

test('deleteRole leaves a role it cannot prove is this environment\'s: another tenant\'s, or one without tags', async () => {
  await ensureClusterRole(owner);
  const stranger = { environmentId: 'team-b/demo' };
  assert.deepEqual(await bed.activities.deleteRole({ ...stranger, name: 'demo-cluster' }), { outcome: 'not-ours' });
  const iam = new IAMClient(bed.aws.clientConfig);
  assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'demo-cluster' }))).Role?.RoleName, 'demo-cluster', 'team A\'s role is still there');
  assert.ok(((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'demo-cluster' }))).AttachedPolicies ?? []).length > 0, 'with its policies');
  await iam.send(new CreateRoleCommand({ RoleName: 'hand-made', AssumeRolePolicyDocument: JSON.stringify(assumedBy('ec2.amazonaws.com')) }));
  assert.deepEqual(await bed.activities.deleteRole({ ...owner, name: 'hand-made' }), { outcome: 'not-ours' });
  assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'hand-made' }))).Role?.RoleName, 'hand-made');
});

test('ensureCluster creates, adopts its own, and refuses a foreign cluster', async () => {
  const role = await ensureClusterRole(owner);
  const input = { owner, spec: clusterSpec, roleArn: role.arn, subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: [] };
  const created = await bed.activities.ensureCluster(input);
  assert.equal(created.made, true);
  assert.equal(created.ref.kind, 'eks-cluster');
  assert.match(created.ref.arn ?? '', /:cluster\/demo$/);

  assert.equal((await bed.activities.ensureCluster(input)).made, true);
  assert.equal((await bed.activities.ensureCluster({ ...input, owner: laterRun })).made, false);
  await rejectsWith(bed.activities.ensureCluster({ ...input, owner: stranger }), errorTypes.resourceNotOwned, /EKS cluster demo in us-east-1 already exists and is not this environment's/);
  // The refusal names no other tenant: tenants never learn of each other.
  await assert.rejects(bed.activities.ensureCluster({ ...input, owner: stranger }), (error: Error) => !error.message.includes('team-a'));
  assert.deepEqual(await bed.activities.deleteCluster({ environmentId: stranger.environmentId, name: 'demo' }), { outcome: 'not-ours' });
  assert.equal((await bed.activities.describeCluster('demo')).status, 'ACTIVE', 'the other tenant\'s delete left it');

  const eks = new EKSClient(bed.aws.clientConfig);
  await eks.send(new CreateClusterCommand({ name: 'hand-made', roleArn: role.arn, resourcesVpcConfig: { subnetIds: input.subnetIds } }));
  await rejectsWith(bed.activities.ensureCluster({ ...input, spec: { ...clusterSpec, name: 'hand-made' } }), errorTypes.resourceNotOwned, /hand-made in us-east-1 already exists and is not this environment's/);
  assert.deepEqual(await bed.activities.deleteCluster({ environmentId: owner.environmentId, name: 'hand-made' }), { outcome: 'not-ours' });
});

test('describeCluster reports the status, issuer and CA, and NOT_FOUND for a missing cluster', async () => {
  const role = await ensureClusterRole(owner);
  await bed.activities.ensureCluster({ owner, spec: clusterSpec, roleArn: role.arn, subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: [] });
  const status = await bed.activities.describeCluster('demo');
  assert.equal(status.status, 'ACTIVE', 'moto makes every cluster ACTIVE at once (the workflow tests cover CREATING)');
  assert.match(status.oidcIssuer ?? '', /^https:\/\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\//);
  assert.ok(status.endpoint);
  assert.deepEqual(await bed.activities.describeCluster('nope'), { status: 'NOT_FOUND', enabledLogTypes: [] });
});

test('ensureControlPlaneLogging changes only what differs', async () => {
  const role = await ensureClusterRole(owner);
  await bed.activities.ensureCluster({ owner, spec: clusterSpec, roleArn: role.arn, subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: [] });
  assert.equal(await bed.activities.ensureControlPlaneLogging({ owner, name: 'demo', wanted: ['api', 'audit'] }), true);
  assert.deepEqual((await bed.activities.describeCluster('demo')).enabledLogTypes.sort(), ['api', 'audit']);
  assert.equal(await bed.activities.ensureControlPlaneLogging({ owner, name: 'demo', wanted: ['audit', 'api'] }), false);
});

test('the OIDC provider is made once per issuer, without a thumbprint, and an IRSA role trusts one service account', async () => {
  const role = await ensureClusterRole(owner);
  await bed.activities.ensureCluster({ owner, spec: clusterSpec, roleArn: role.arn, subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: [] });
  const { oidcIssuer } = await bed.activities.describeCluster('demo');
  const provider = await bed.activities.ensureOidcProvider({ owner, region, issuerUrl: oidcIssuer! });
  assert.equal(provider.made, true);
  assert.equal(provider.ref.name, oidcIssuer!.replace('https://', ''));
  assert.equal((await bed.activities.ensureOidcProvider({ owner, region, issuerUrl: oidcIssuer! })).arn, provider.arn);
  await rejectsWith(bed.activities.ensureOidcProvider({ owner: stranger, region, issuerUrl: oidcIssuer! }), errorTypes.resourceNotOwned, /OIDC provider/);

  const trust = irsaTrustPolicy(provider.arn, oidcIssuer!, 'kube-system', 'aws-load-balancer-controller');
  const irsa = await bed.activities.ensureRole({ owner, region, name: roleNames.irsa('demo', 'kube-system', 'aws-load-balancer-controller'), description: 'IRSA', trustPolicy: trust, managedPolicyArns: [] });
  const iam = new IAMClient(bed.aws.clientConfig);
  const stored = JSON.parse(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: irsa.ref.name }))).Role!.AssumeRolePolicyDocument!));
  const issuer = oidcIssuer!.replace('https://', '');
  assert.deepEqual(stored.Statement[0].Condition.StringEquals, { [`${issuer}:sub`]: 'system:serviceaccount:kube-system:aws-load-balancer-controller', [`${issuer}:aud`]: 'sts.amazonaws.com' });
  assert.equal(stored.Statement[0].Principal.Federated, provider.arn);

  assert.deepEqual(await bed.activities.deleteOidcProvider({ environmentId: stranger.environmentId, url: oidcIssuer! }), { outcome: 'not-ours' }, 'another environment cannot delete it');
  assert.deepEqual(await bed.activities.deleteOidcProvider({ environmentId: owner.environmentId, url: oidcIssuer! }), { outcome: 'deleted' });
  assert.equal((await bed.activities.ensureOidcProvider({ owner, region, issuerUrl: oidcIssuer! })).made, true, 'recreated after deletion');
});

test('AWS errors become permanent or retryable failures', async () => {
  await rejectsWith(
    bed.activities.ensureRole({ owner, region, name: 'demo-x', description: 'x', trustPolicy: assumedBy('ec2.amazonaws.com'), managedPolicyArns: ['arn:aws:iam::aws:policy/NoSuchPolicy'] }),
    errorTypes.awsClientError, /AttachRolePolicy demo-x arn:aws:iam::aws:policy\/NoSuchPolicy: NoSuchEntityException/,
  );
  const unreachable = createActivities({ ...testActivityDeps({ aws: bed.aws }), ...awsActivityDeps({ ...bed.aws.clientConfig, endpoint: `http://127.0.0.1:${await freePort()}` }) });
  await rejectsWith(unreachable.describeCluster('demo'), errorTypes.awsRetryable, /DescribeCluster demo/);
});
