// The AWS fault catalog (../shared/research/aws-fault-catalog.md), injected by a proxy in front
// of moto that answers in each service's own protocol, met by the real SDK v3 adapters. Each
// test shows the activity surviving the fault inside its window and failing, with AWS's code
// and message, once the fault outlasts it. Budgets are the upstream tools' shrunk to 3 s
// (test/support/fault-bed.ts); the windows are shorter than that, the outlasting faults longer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { toTagList } from '../../src/activities/aws/iam';
import { errorTypes } from '../../src/domain/errors';
import { roleNames } from '../../src/domain/names';
import { ownershipTags, type Owner } from '../../src/domain/ownership';
import { assumedBy, serviceRoles } from '../../src/domain/service-roles';
import { faultBedPerFile, testPatience } from '../support/fault-bed';
import type { FaultRule, RequestMatch } from '../support/fault-proxy';

const bed = faultBedPerFile();

const region = 'us-east-1';
const owner: Owner = { environmentId: 'team-a/demo', runId: 'run-1' };
const clusterSpec = { name: 'demo', region, kubernetesVersion: '1.35' as const, tags: {}, controlPlaneLogging: [] };
const subnetIds = ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'];
const account = '123456789012';
const window = 750;

async function rejectsWith(promise: Promise<unknown>, type: string, pattern: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
    assert.equal(error.type, type, error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

/** Runs `work`, and checks it met the fault at least once and took at least `atLeastMs`. */
async function meets<T>(on: RequestMatch, work: () => Promise<T>, atLeastMs = 0): Promise<T> {
  const startedAt = Date.now();
  const result = await work();
  assert.ok(bed.proxy.seen(on).some((request) => request.fault), `${on.operation} never met its fault`);
  assert.ok(Date.now() - startedAt >= atLeastMs, `done in ${Date.now() - startedAt} ms, before the fault's window closed`);
  return result;
}

const faultCount = (on: RequestMatch) => bed.proxy.seen(on).filter((request) => request.fault && request.fault !== 'reply').length;

/** The fault for `window` ms from now, then moto's answer. */
const brief = (rule: FaultRule): FaultRule => ({ forMs: window, ...rule });

const ensureClusterRole = (who = owner, activities = bed.activities) => activities.ensureRole({
  owner: who, region, name: roleNames.cluster('demo'), description: 'EKS control plane', trustPolicy: assumedBy('eks.amazonaws.com'), managedPolicyArns: [...serviceRoles.cluster.policies],
});
const ensureCluster = async (who = owner) => bed.activities.ensureCluster({ owner: who, spec: clusterSpec, roleArn: (await ensureClusterRole(who)).arn, subnetIds, securityGroupIds: [] });
const podRole = () => bed.activities.ensureRole({
  owner, region, name: 'demo-pods', description: 'Fargate pods', trustPolicy: assumedBy('eks-fargate-pods.amazonaws.com'), managedPolicyArns: [],
});
const ensureProfile = async (name: string) => bed.activities.ensureFargateProfile({
  owner, region, cluster: 'demo', profile: { name, selectors: [{ namespace: name }] }, podExecutionRoleArn: (await podRole()).arn, subnetIds,
});

// ---- A. IAM propagation ----------------------------------------------------------------

const createCluster: RequestMatch = { service: 'eks', operation: 'CreateCluster', resource: 'demo' };
const roleMissing = `Role with arn: arn:aws:iam::${account}:role/demo-cluster, does not exist.`;

test('catalog 1: CreateCluster waits out "role does not exist" until the role propagates, for a bounded time', async () => {
  bed.proxy.add({ on: createCluster, error: { code: 'InvalidParameterException', message: roleMissing }, after: { service: 'iam', operation: 'CreateRole', resource: 'demo-cluster' }, forMs: window });
  const created = await meets(createCluster, () => ensureCluster());
  assert.equal(created.made, true);
  assert.ok(faultCount(createCluster) >= 2, 'asked again while the role propagated');
});

test('catalog 1: CreateCluster waits out each of the four other propagation messages', async () => {
  const messages = [
    'Error in role params',
    'Role could not be assumed because the trusted entity is not correct',
    "The provided role doesn't have the Amazon EKS Managed Policies associated with it. Please ensure the following policy is attached: arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
    "IAM role's policy must include the `ec2:DescribeSubnets` action",
  ];
  for (const message of messages) {
    bed.proxy.clear();
    await bed.moto.reset();
    await ensureClusterRole();
    bed.proxy.add(brief({ on: createCluster, error: { code: 'InvalidParameterException', message } }));
    await meets(createCluster, () => ensureCluster(), window);
  }
});

test('catalog 1: past the propagation budget CreateCluster fails with AWS\'s code and message; any other InvalidParameterException at once', async () => {
  bed.proxy.add({ on: createCluster, error: { code: 'InvalidParameterException', message: roleMissing } });
  const startedAt = Date.now();
  await rejectsWith(ensureCluster(), errorTypes.awsClientError, /CreateCluster demo: InvalidParameterException: Role with arn: .*demo-cluster, does not exist\..*gave up after 3 s, aws-fault-catalog 1/);
  assert.ok(Date.now() - startedAt >= testPatience.propagationMs);
  bed.proxy.clear();
  bed.proxy.add({ on: createCluster, error: { code: 'InvalidParameterException', message: 'unsupported Kubernetes version 1.35' } });
  await rejectsWith(ensureCluster(), errorTypes.awsClientError, /CreateCluster demo: InvalidParameterException: unsupported Kubernetes version 1.35$/);
  assert.equal(faultCount(createCluster), 1, 'a refusal that is not propagation is never asked again');
});

const createProfile: RequestMatch = { service: 'eks', operation: 'CreateFargateProfile', resource: 'demo' };
const misconfigured = 'Misconfigured PodExecutionRole Trust Policy; Please add the eks-fargate-pods.amazonaws.com Service Principal';

test('catalog 2: CreateFargateProfile waits out "Misconfigured PodExecutionRole Trust Policy" after the role is made, and fails when it outlasts the budget', async () => {
  await ensureCluster();
  bed.proxy.add({ on: createProfile, error: { code: 'InvalidParameterException', message: misconfigured }, after: { service: 'iam', operation: 'CreateRole', resource: 'demo-pods' }, forMs: window });
  assert.equal((await meets(createProfile, () => ensureProfile('apps'))).made, true);
  bed.proxy.clear();
  bed.proxy.add({ on: createProfile, error: { code: 'InvalidParameterException', message: misconfigured } });
  await rejectsWith(ensureProfile('jobs'), errorTypes.awsClientError, /CreateFargateProfile demo\/jobs: InvalidParameterException: Misconfigured PodExecutionRole Trust Policy; Please add the eks-fargate-pods.amazonaws.com Service Principal \(still so/);
});

const createAddon: RequestMatch = { service: 'eks', operation: 'CreateAddon', resource: 'demo' };
const addonInput = { cluster: 'demo', name: 'aws-ebs-csi-driver', version: 'v1.40.0-eksbuild.1', serviceAccountRoleArn: `arn:aws:iam::${account}:role/demo-ebs`, tags: {}, clientRequestToken: 'token-1' };
// moto has no add-on API: once the fault's window closes, the proxy plays CreateAddon's success
// with the response body of the EKS API reference (CreateAddon → `addon`).
const addonCreated: FaultRule = {
  on: createAddon,
  reply: { status: 200, body: { addon: { addonName: addonInput.name, clusterName: 'demo', status: 'CREATING', addonVersion: addonInput.version, tags: {} } } },
};

test('catalog 3: CreateAddon waits out its role\'s "does not exist" and "CREATE_FAILED", and fails when they outlast the budget', async () => {
  for (const message of [`Role ${addonInput.serviceAccountRoleArn} does not exist`, 'Addon aws-ebs-csi-driver is in CREATE_FAILED state and cannot be created again yet']) {
    bed.proxy.clear();
    bed.proxy.add(brief({ on: createAddon, error: { code: 'InvalidParameterException', message } }));
    bed.proxy.add(addonCreated);
    assert.equal((await meets(createAddon, () => bed.apis.eks.createAddon(addonInput), window)).status, 'CREATING');
  }
  bed.proxy.clear();
  bed.proxy.add({ on: createAddon, error: { code: 'InvalidParameterException', message: `Role ${addonInput.serviceAccountRoleArn} does not exist` } });
  await rejectsWith(bed.apis.eks.createAddon(addonInput), errorTypes.awsClientError, /CreateAddon demo\/aws-ebs-csi-driver: InvalidParameterException: Role .*demo-ebs does not exist \(still so/);
});

// moto has no access-entry API: once a fault's window closes, the proxy plays EKS's success with
// the response body of the API reference (CreateAccessEntry → `accessEntry`; AssociateAccessPolicy
// → `associatedAccessPolicy`), so the SDK adapter's own request, parsing and waiting are what is tested.
const teamRole = `arn:aws:iam::${account}:role/team-admin`;
const createAccessEntry: RequestMatch = { service: 'eks', operation: 'CreateAccessEntry', resource: 'demo' };
const associateAccessPolicy: RequestMatch = { service: 'eks', operation: 'AssociateAccessPolicy', resource: 'team-admin' };
const accessEntryInput = { cluster: 'demo', principalArn: teamRole, type: 'STANDARD', kubernetesGroups: ['team'], tags: { team: 'a' }, clientRequestToken: 'token-ae' };
const accessEntryArn = `arn:aws:eks:us-east-1:${account}:access-entry/demo/role/${account}/team-admin/0123`;
const accessEntryCreated: FaultRule = {
  on: createAccessEntry,
  reply: { status: 200, body: { accessEntry: { clusterName: 'demo', principalArn: teamRole, kubernetesGroups: ['team'], accessEntryArn, type: 'STANDARD', tags: { team: 'a' } } } },
};
const viewPolicy = { policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy', scope: { type: 'namespace' as const, namespaces: ['web'] } };
const policyAssociated: FaultRule = {
  on: associateAccessPolicy,
  reply: { status: 200, body: { clusterName: 'demo', principalArn: teamRole, associatedAccessPolicy: { policyArn: viewPolicy.policyArn, accessScope: { type: 'namespace', namespaces: ['web'] } } } },
};

test('catalog 4: CreateAccessEntry waits out "invalid principal" and AssociateAccessPolicy "could not be found"; both fail once they outlast the budget', async () => {
  bed.proxy.add(brief({ on: createAccessEntry, error: { code: 'InvalidParameterException', message: 'The specified principalArn is invalid: invalid principal' } }));
  bed.proxy.add(accessEntryCreated);
  const created = await meets(createAccessEntry, () => bed.apis.eks.createAccessEntry(accessEntryInput), window);
  assert.deepEqual(created, { cluster: 'demo', principalArn: teamRole, arn: accessEntryArn, type: 'STANDARD', kubernetesGroups: ['team'], tags: { team: 'a' } });
  // What the SDK sent: the principal, its type, groups, tags and token (Terraform's request, access_entry.go).
  assert.deepEqual(JSON.parse(bed.proxy.seen(createAccessEntry).at(-1)!.body), { principalArn: teamRole, type: 'STANDARD', kubernetesGroups: ['team'], tags: { team: 'a' }, clientRequestToken: 'token-ae' });

  bed.proxy.add(brief({ on: associateAccessPolicy, error: { code: 'ResourceNotFoundException', message: "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'." } }));
  bed.proxy.add(policyAssociated);
  await meets(associateAccessPolicy, () => bed.apis.eks.associateAccessPolicy('demo', teamRole, viewPolicy), window);
  assert.deepEqual(JSON.parse(bed.proxy.seen(associateAccessPolicy).at(-1)!.body), { policyArn: viewPolicy.policyArn, accessScope: { type: 'namespace', namespaces: ['web'] } });

  bed.proxy.clear();
  bed.proxy.add({ on: createAccessEntry, error: { code: 'InvalidParameterException', message: 'The specified principalArn is invalid: invalid principal' } });
  await rejectsWith(bed.apis.eks.createAccessEntry(accessEntryInput), errorTypes.awsClientError, /CreateAccessEntry demo\/.*team-admin: InvalidParameterException: The specified principalArn is invalid: invalid principal \(still so .*aws-fault-catalog 4\)/);
  bed.proxy.add({ on: associateAccessPolicy, error: { code: 'ResourceNotFoundException', message: 'The specified principalArn could not be found.' } });
  await rejectsWith(bed.apis.eks.associateAccessPolicy('demo', teamRole, viewPolicy), errorTypes.awsClientError, /AssociateAccessPolicy demo\/.*: ResourceNotFoundException: The specified principalArn could not be found\. \(still so/);
  // Any other refusal is final at once: a second entry for the principal.
  bed.proxy.clear();
  bed.proxy.add({ on: createAccessEntry, error: { code: 'ResourceInUseException', message: 'The specified access entry resource is already in use on this cluster.' } });
  await rejectsWith(bed.apis.eks.createAccessEntry(accessEntryInput), errorTypes.awsClientError, /ResourceInUseException: The specified access entry resource is already in use on this cluster\.$/);
  assert.equal(bed.proxy.seen(createAccessEntry).length, 1, 'asked once');
  // Gone is done: DescribeAccessEntry answers undefined, DeleteAccessEntry succeeds (terraform-provider-aws resourceAccessEntryDelete).
  const notFound = { code: 'ResourceNotFoundException', message: 'The specified access entry resource could not be found.' };
  bed.proxy.add({ on: { service: 'eks', operation: 'DescribeAccessEntry', resource: 'team-admin' }, error: notFound });
  bed.proxy.add({ on: { service: 'eks', operation: 'DeleteAccessEntry', resource: 'team-admin' }, error: notFound });
  assert.equal(await bed.apis.eks.describeAccessEntry('demo', teamRole), undefined);
  await bed.apis.eks.deleteAccessEntry('demo', teamRole);
});

const createIrsaRole: RequestMatch = { service: 'iam', operation: 'CreateRole', resource: 'demo-kube-system-ebs' };
const issuerUrl = 'https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';
const invalidPrincipal = `Invalid principal in policy: "Federated":"arn:aws:iam::${account}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"`;
const ensureIrsaRole = async () => {
  const provider = await bed.activities.ensureOidcProvider({ owner, region, issuerUrl });
  return bed.activities.ensureIrsaRole({ owner, region, environment: 'demo', namespace: 'kube-system', serviceAccount: 'ebs', oidcProviderArn: provider.arn, issuerUrl });
};

test('catalog 6: CreateRole waits out "Invalid principal in policy" after the OIDC provider is made, and fails when it outlasts the budget', async () => {
  bed.proxy.add({
    on: createIrsaRole, error: { code: 'MalformedPolicyDocument', message: invalidPrincipal },
    after: { service: 'iam', operation: 'CreateOpenIDConnectProvider' }, forMs: window,
  });
  assert.equal((await meets(createIrsaRole, ensureIrsaRole)).made, true);
  bed.proxy.clear();
  await bed.moto.reset();
  bed.proxy.add({ on: createIrsaRole, error: { code: 'MalformedPolicyDocument', message: invalidPrincipal } });
  await rejectsWith(ensureIrsaRole(), errorTypes.awsClientError, /CreateRole demo-kube-system-ebs: MalformedPolicyDocumentException: Invalid principal in policy: "Federated"/);
});

test('catalog 6: CreateRole waits out ConcurrentModification', async () => {
  const on: RequestMatch = { service: 'iam', operation: 'CreateRole', resource: 'demo-cluster' };
  bed.proxy.add({ on, error: { code: 'ConcurrentModification', message: 'Rate exceeded for concurrent role modification' }, times: 2 });
  await meets(on, () => ensureClusterRole());
  assert.equal(faultCount(on), 2);
});

test('catalog 8: AttachRolePolicy waits out ConcurrentModification and DeleteRole waits out DeleteConflict; both fail once they outlast the budget', async () => {
  const attach: RequestMatch = { service: 'iam', operation: 'AttachRolePolicy', resource: 'demo-cluster' };
  const concurrent = { code: 'ConcurrentModification', message: 'Cannot perform the operation on a role that is being modified concurrently.' };
  bed.proxy.add({ on: attach, error: concurrent, after: { service: 'iam', operation: 'CreateRole', resource: 'demo-cluster' }, forMs: window });
  await meets(attach, () => ensureClusterRole());

  const remove: RequestMatch = { service: 'iam', operation: 'DeleteRole', resource: 'demo-cluster' };
  const conflict = { code: 'DeleteConflict', message: 'Cannot delete entity, must detach all policies first.' };
  bed.proxy.add(brief({ on: remove, error: conflict }));
  await meets(remove, () => bed.activities.deleteRole({ environmentId: owner.environmentId, name: 'demo-cluster' }), window);
  assert.equal(await bed.apis.iam.getRole('demo-cluster'), undefined);

  bed.proxy.clear();
  await ensureClusterRole();
  bed.proxy.add({ on: remove, error: conflict });
  await rejectsWith(bed.activities.deleteRole({ environmentId: owner.environmentId, name: 'demo-cluster' }), errorTypes.awsClientError, /DeleteRole demo-cluster: DeleteConflictException: Cannot delete entity, must detach all policies first\. \(still so/);
});

/** An activity attempt as Temporal's worker would run it: the first attempt scheduled at `firstScheduledAt`. */
const attempt = (firstScheduledAt: number, startToCloseTimeoutMs: number, heartbeatTimeoutMs?: number) => {
  const environment = new MockActivityEnvironment({
    scheduledTimestampMs: firstScheduledAt, currentAttemptScheduledTimestampMs: Date.now(), startToCloseTimeoutMs, heartbeatTimeoutMs,
  });
  return {
    heartbeats: (listener: (details: unknown) => void) => environment.on('heartbeat', listener),
    run: <T>(work: () => Promise<T>): Promise<T> => environment.run(work),
  };
};

test('catalog 7: after a lost CreateRole response, GetRole not yet showing the role makes the activity run again (AwsPropagation), then it is found as this run\'s; past the budget, permanent', async () => {
  // The first attempt's CreateRole reached IAM and its response was lost.
  await new IAMClient(bed.moto.clientConfig).send(new CreateRoleCommand({
    RoleName: 'demo-cluster', AssumeRolePolicyDocument: JSON.stringify(assumedBy('eks.amazonaws.com')), Tags: toTagList(ownershipTags(owner)),
  }));
  const getRole: RequestMatch = { service: 'iam', operation: 'GetRole', resource: 'demo-cluster' };
  const noSuchEntity = { code: 'NoSuchEntity', message: 'The role with name demo-cluster cannot be found.' };
  bed.proxy.add(brief({ on: getRole, error: noSuchEntity }));
  // A budget of a minute here: the first attempt must hand over inside it, however long a busy
  // machine takes; past the budget is then shown by the last attempt's first scheduled time.
  const patience = { propagationMs: 60_000 };
  const patient = bed.activitiesWith(patience);
  const firstScheduledAt = Date.now();
  await rejectsWith(attempt(firstScheduledAt, 60_000).run(() => ensureClusterRole(owner, patient)), errorTypes.awsPropagation, /CreateRole demo-cluster: EntityAlreadyExistsException: .*demo-cluster.* \(waiting for GetRole to show the role/);
  await new Promise((resolve) => setTimeout(resolve, window));
  assert.equal((await attempt(firstScheduledAt, 60_000).run(() => ensureClusterRole(owner, patient))).made, true, 'found on the next attempt, and this run\'s');

  bed.proxy.clear();
  bed.proxy.add({ on: getRole, error: noSuchEntity });
  await rejectsWith(attempt(Date.now() - patience.propagationMs, 60_000).run(() => ensureClusterRole(owner, patient)), errorTypes.awsClientError, /CreateRole demo-cluster: EntityAlreadyExistsException: .*gave up/);
});

test('a propagation budget holds across Temporal attempts: an attempt near its start-to-close deadline hands over retryably, heartbeating; the budget is counted from the first', async () => {
  await ensureClusterRole();
  bed.proxy.add({ on: createCluster, error: { code: 'InvalidParameterException', message: roleMissing } });
  const firstScheduledAt = Date.now();
  // Start-to-close 6 s: this attempt stops asking 5 s before it, 1 s in, inside the 3 s budget.
  const first = attempt(firstScheduledAt, 6_000, 30_000);
  const heartbeats: unknown[] = [];
  first.heartbeats((details) => heartbeats.push(details));
  await rejectsWith(first.run(() => ensureCluster()), errorTypes.awsPropagation, /CreateCluster demo: InvalidParameterException: Role with arn: .* does not exist\. \(waiting for the cluster role to propagate in IAM, aws-fault-catalog 1; the next attempt goes on\)/);
  assert.ok(Date.now() - firstScheduledAt < testPatience.propagationMs);
  assert.ok(heartbeats.length > 0, 'heartbeats while waiting');
  await rejectsWith(attempt(firstScheduledAt, 60_000).run(() => ensureCluster()), errorTypes.awsClientError, /gave up after 3 s/);
  const total = Date.now() - firstScheduledAt;
  assert.ok(total >= testPatience.propagationMs && total < testPatience.propagationMs + 2_000, `the second attempt stopped at the first's budget (${total} ms)`);
});

// ---- B. Cluster lifecycle --------------------------------------------------------------

test('catalog 14: "ClientException: No cluster found for name" is not found, for describe and delete alike', async () => {
  for (const operation of ['DescribeCluster', 'DeleteCluster']) {
    bed.proxy.add({ on: { service: 'eks', operation, resource: 'demo' }, error: { code: 'ClientException', message: 'No cluster found for name: demo.' } });
  }
  assert.deepEqual(await bed.activities.describeCluster('demo'), { status: 'NOT_FOUND', enabledLogTypes: [] });
  // The ownership-checked delete looks first, and a cluster not found is a delete already done.
  assert.deepEqual(await bed.activities.deleteCluster({ environmentId: owner.environmentId, name: 'demo' }), { outcome: 'absent' });
  await bed.apis.eks.deleteCluster('demo');
  assert.equal(faultCount({ service: 'eks', operation: 'DeleteCluster' }), 1);
});

test('catalog 14: re-creating a just-deleted name waits out "Cluster already exists with name", and fails when the name stays held', async () => {
  await ensureCluster();
  const held = { code: 'ResourceInUseException', message: 'Cluster already exists with name: demo' };
  bed.proxy.add({ on: createCluster, error: held, after: { service: 'eks', operation: 'DeleteCluster', resource: 'demo' }, forMs: window });
  await bed.activities.deleteCluster({ environmentId: owner.environmentId, name: 'demo' });
  const next: Owner = { ...owner, runId: 'run-2' };
  assert.equal((await meets(createCluster, () => ensureCluster(next))).made, true);

  bed.proxy.clear();
  await bed.activities.deleteCluster({ environmentId: owner.environmentId, name: 'demo' });
  bed.proxy.add({ on: createCluster, error: held });
  await rejectsWith(ensureCluster({ ...owner, runId: 'run-3' }), errorTypes.awsClientError, /CreateCluster demo: ResourceInUseException: Cluster already exists with name: demo \(still so.*aws-fault-catalog 14/);
});

const deleteClusterCall: RequestMatch = { service: 'eks', operation: 'DeleteCluster', resource: 'demo' };

test('catalog 15 and 16: DeleteCluster waits out an update in progress and dependents still attached, and fails when they outlast the budget', async () => {
  const busy = [
    'Cannot delete because cluster demo currently has an update in progress',
    'Cluster has nodegroups attached',
    'Cannot delete because cluster demo currently has Fargate profile apps in status DELETING',
  ];
  for (const message of busy) {
    await ensureCluster();
    bed.proxy.clear();
    bed.proxy.add(brief({ on: deleteClusterCall, error: { code: 'ResourceInUseException', message } }));
    await meets(deleteClusterCall, () => bed.activities.deleteCluster({ environmentId: owner.environmentId, name: 'demo' }), window);
    assert.equal((await bed.activities.describeCluster('demo')).status, 'NOT_FOUND');
  }
  await ensureCluster();
  bed.proxy.add({ on: deleteClusterCall, error: { code: 'ResourceInUseException', message: busy[1]! } });
  await rejectsWith(bed.activities.deleteCluster({ environmentId: owner.environmentId, name: 'demo' }), errorTypes.awsClientError, /DeleteCluster demo: ResourceInUseException: Cluster has nodegroups attached \(still so/);
});

test('catalog 17: a logging update waits out the cluster update in progress, and fails when it outlasts the budget', async () => {
  await ensureCluster();
  const update: RequestMatch = { service: 'eks', operation: 'UpdateClusterConfig', resource: 'demo' };
  const inProgress = { code: 'ResourceInUseException', message: 'Cannot LoggingUpdate because cluster demo currently has update 0b4c8f0d-6e8e-4c54-8b43-9d1b2c3a4e5f in progress' };
  bed.proxy.add(brief({ on: update, error: inProgress }));
  assert.equal(await meets(update, () => bed.activities.ensureControlPlaneLogging({ owner, name: 'demo', wanted: ['api'] }), window), true);
  bed.proxy.clear();
  bed.proxy.add({ on: update, error: inProgress });
  await rejectsWith(bed.activities.ensureControlPlaneLogging({ owner, name: 'demo', wanted: ['api', 'audit'] }), errorTypes.awsClientError, /UpdateClusterConfig demo: ResourceInUseException: Cannot LoggingUpdate because cluster demo currently has update .* in progress \(still so/);
});

test('catalog 19: DescribeUpdate Failed or Cancelled comes back with Update.errors as "code: message", for the workflow to fail the step with', async () => {
  await ensureCluster();
  const describeUpdate: RequestMatch = { service: 'eks', operation: 'DescribeUpdate', resource: 'demo' };
  const updateId = '0b4c8f0d-6e8e-4c54-8b43-9d1b2c3a4e5f';
  // moto has no DescribeUpdate: the proxy answers with the EKS API reference's response shape.
  for (const status of ['Failed', 'Cancelled'] as const) {
    bed.proxy.clear();
    bed.proxy.add({ on: describeUpdate, reply: { status: 200, body: { update: {
      id: updateId, status, type: 'LoggingUpdate', params: [], createdAt: 1765000000,
      errors: [{ errorCode: 'AccessDenied', errorMessage: 'The cluster role is not authorized to perform logs:CreateLogGroup', resourceIds: ['demo'] }],
    } } } });
    assert.deepEqual(await bed.activities.describeClusterUpdate({ cluster: 'demo', updateId }), { status, issues: ['AccessDenied: The cluster role is not authorized to perform logs:CreateLogGroup'] });
  }
  bed.proxy.clear();
  bed.proxy.add({ on: describeUpdate, error: { code: 'ResourceNotFoundException', message: `No update found for ID: ${updateId}` } });
  await assert.rejects(bed.activities.describeClusterUpdate({ cluster: 'demo', updateId }), /EKS knows no update/);
});

// ---- D. Fargate ------------------------------------------------------------------------

test('catalog 29: Fargate profile create and delete wait out another profile CREATING or DELETING, and fail when it outlasts the budget', async () => {
  await ensureCluster();
  const creating = { code: 'ResourceInUseException', message: 'Cannot create Fargate Profile jobs because cluster demo currently has Fargate profile apps in status CREATING' };
  const deleting = { code: 'ResourceInUseException', message: 'Cannot delete Fargate Profile jobs because cluster demo currently has Fargate profile apps in status DELETING' };
  bed.proxy.add(brief({ on: createProfile, error: creating }));
  await meets(createProfile, () => ensureProfile('jobs'), window);
  const remove: RequestMatch = { service: 'eks', operation: 'DeleteFargateProfile', resource: 'jobs' };
  bed.proxy.add(brief({ on: remove, error: deleting }));
  await meets(remove, () => bed.activities.deleteFargateProfile({ environmentId: owner.environmentId, cluster: 'demo', name: 'jobs' }), window);

  bed.proxy.clear();
  // Made again, so the ownership-checked delete below finds it and asks EKS to delete it.
  await ensureProfile('jobs');
  bed.proxy.add({ on: createProfile, error: creating });
  await rejectsWith(ensureProfile('more'), errorTypes.awsClientError, /CreateFargateProfile demo\/more: ResourceInUseException: .*in status CREATING \(still so/);
  bed.proxy.add({ on: remove, error: deleting });
  await rejectsWith(bed.activities.deleteFargateProfile({ environmentId: owner.environmentId, cluster: 'demo', name: 'jobs' }), errorTypes.awsClientError, /DeleteFargateProfile demo\/jobs: ResourceInUseException: .*in status DELETING \(still so/);
});

// ---- G. Load balancers and VPC teardown --------------------------------------------------

test('catalog 39: DeleteTargetGroup waits out "currently in use by a listener or a rule", and fails when it outlasts the budget', async () => {
  const arn = `arn:aws:elasticloadbalancing:us-east-1:${account}:targetgroup/k8s-demo-app/0123456789abcdef`;
  const on: RequestMatch = { service: 'elasticloadbalancing', operation: 'DeleteTargetGroup' };
  const inUse = { code: 'ResourceInUse', message: `Target group '${arn}' is currently in use by a listener or a rule` };
  bed.proxy.add(brief({ on, error: inUse }));
  // moto then answers for a target group it never had: not found, which a delete counts as done.
  await meets(on, () => bed.apis.network.deleteTargetGroup(arn), window);
  bed.proxy.clear();
  bed.proxy.add({ on, error: inUse });
  await rejectsWith(bed.apis.network.deleteTargetGroup(arn), errorTypes.awsClientError, /DeleteTargetGroup .*: ResourceInUseException: Target group .* is currently in use by a listener or a rule \(still so/);
});

test('catalog 40-42: EC2 DependencyViolation and InvalidGroup.InUse fail retryably with AWS\'s words, so the workflow asks again', async () => {
  const on: RequestMatch = { service: 'ec2', operation: 'DeleteSecurityGroup' };
  for (const [code, message] of [['DependencyViolation', 'resource sg-0123456789abcdef0 has a dependent object'], ['InvalidGroup.InUse', 'There are active network interfaces in use by the security group sg-0123456789abcdef0']] as const) {
    bed.proxy.clear();
    bed.proxy.add(brief({ on, error: { code, message } }));
    await rejectsWith(bed.apis.network.deleteSecurityGroup('sg-0123456789abcdef0'), errorTypes.awsRetryable, new RegExp(`DeleteSecurityGroup sg-0123456789abcdef0: ${code.replace('.', '\\.')}: ${message}`));
    await new Promise((resolve) => setTimeout(resolve, window));
    // Moto has no such group: not found, which counts as deleted.
    await bed.apis.network.deleteSecurityGroup('sg-0123456789abcdef0');
  }
});

// ---- H. ECR, CloudWatch Logs -------------------------------------------------------------

test('catalog 45: DeleteRepository of a repository with images is sent with force, so RepositoryNotEmptyException never comes', async () => {
  await bed.apis.ecr.createRepository({ name: 'demo/app', scanOnPush: false, tags: {} });
  const on: RequestMatch = { service: 'ecr', operation: 'DeleteRepository', resource: 'demo/app' };
  // What ECR answers for a repository that still holds images, unless asked with force.
  bed.proxy.add({
    on, when: (request) => JSON.parse(request.body).force !== true,
    error: { code: 'RepositoryNotEmptyException', message: `The repository with name 'demo/app' in registry with id '${account}' cannot be deleted because it still contains images` },
  });
  await bed.apis.ecr.deleteRepository('demo/app');
  assert.equal(faultCount(on), 0);
  assert.equal(await bed.apis.ecr.describeRepository('demo/app'), undefined);
  await bed.apis.ecr.deleteRepository('demo/app');
});

test('catalog 46: DeleteLogGroup waits out OperationAbortedException and PutRetentionPolicy the caller\'s own AccessDenied; both fail once they outlast the budget', async () => {
  const name = '/aws/eks/demo/cluster';
  await bed.apis.logs.createLogGroup(name, {});
  const retention: RequestMatch = { service: 'logs', operation: 'PutRetentionPolicy', resource: name };
  const denied = { code: 'AccessDeniedException', message: `User: arn:aws:sts::${account}:assumed-role/eksflow-worker/i-0 is not authorized to perform: logs:PutRetentionPolicy on resource: arn:aws:logs:us-east-1:${account}:log-group:${name} because no identity-based policy allows the logs:PutRetentionPolicy action` };
  bed.proxy.add(brief({ on: retention, error: denied }));
  await meets(retention, () => bed.apis.logs.putRetentionPolicy(name, 7), window);
  assert.equal((await bed.apis.logs.describeLogGroup(name))?.retentionDays, 7);

  const remove: RequestMatch = { service: 'logs', operation: 'DeleteLogGroup', resource: name };
  const aborted = { code: 'OperationAbortedException', message: 'A conflicting operation is currently in progress against this resource. Please try again.' };
  bed.proxy.add(brief({ on: remove, error: aborted }));
  await meets(remove, () => bed.apis.logs.deleteLogGroup(name), window);
  assert.equal(await bed.apis.logs.describeLogGroup(name), undefined);

  bed.proxy.clear();
  await bed.apis.logs.createLogGroup(name, {});
  bed.proxy.add({ on: retention, error: denied });
  await rejectsWith(bed.apis.logs.putRetentionPolicy(name, 7), errorTypes.awsClientError, /PutRetentionPolicy .*: AccessDeniedException: User: .* is not authorized to perform: logs:PutRetentionPolicy/);
  bed.proxy.add({ on: remove, error: aborted });
  await rejectsWith(bed.apis.logs.deleteLogGroup(name), errorTypes.awsClientError, /DeleteLogGroup .*: OperationAbortedException: A conflicting operation .* Please try again\. \(still so/);
});

// ---- I. Throttling, retries --------------------------------------------------------------

test('catalog 47: the SDK rides out throttling and 5xx within 7 attempts, in every protocol', async () => {
  await ensureCluster();
  const cases: [RequestMatch, { code: string; message: string }, () => Promise<unknown>][] = [
    [{ service: 'eks', operation: 'DescribeCluster' }, { code: 'ThrottlingException', message: 'Rate exceeded' }, () => bed.activities.describeCluster('demo')],
    [{ service: 'iam', operation: 'GetRole' }, { code: 'Throttling', message: 'Rate exceeded' }, () => bed.apis.iam.getRole('demo-cluster')],
    [{ service: 'iam', operation: 'GetRole' }, { code: 'ServiceFailure', message: 'Service Failure' }, () => bed.apis.iam.getRole('demo-cluster')],
    [{ service: 'ec2', operation: 'DescribeSecurityGroups' }, { code: 'RequestLimitExceeded', message: 'Request limit exceeded.' }, () => bed.apis.network.securityGroupsTagged('kubernetes.io/cluster/demo')],
    [{ service: 'ecr', operation: 'DescribeRepositories' }, { code: 'ThrottlingException', message: 'Rate exceeded' }, () => bed.apis.ecr.listRepositories()],
    [{ service: 'logs', operation: 'DescribeLogGroups' }, { code: 'ServiceUnavailableException', message: 'The service cannot complete the request.' }, () => bed.apis.logs.listLogGroups('/aws/eks/')],
  ];
  for (const [on, error, call] of cases) {
    bed.proxy.clear();
    // Four faults in a row: more than the SDK's default of 3 attempts could take.
    bed.proxy.add({ on, error, times: 4 });
    await call();
    assert.equal(bed.proxy.seen(on).length, 5, `${on.operation}: four ${error.code} and one success`);
  }
});

test('catalog 47: throttling past the SDK\'s 7 attempts fails retryably with AWS\'s code, for Temporal\'s retry policy to take over', async () => {
  const on: RequestMatch = { service: 'eks', operation: 'DescribeCluster' };
  bed.proxy.add({ on, error: { code: 'ThrottlingException', message: 'Rate exceeded' } });
  await rejectsWith(bed.activities.describeCluster('demo'), errorTypes.awsRetryable, /DescribeCluster demo: ThrottlingException: Rate exceeded/);
  assert.equal(bed.proxy.seen(on).length, 7);
});

test('catalog 47: a whole cluster, Fargate profile included, completes with 20 % of IAM and EKS calls throttled', async () => {
  bed.proxy.add({ on: { service: 'iam' }, error: { code: 'Throttling', message: 'Rate exceeded' }, rate: 0.2 });
  bed.proxy.add({ on: { service: 'eks' }, error: { code: 'ThrottlingException', message: 'Rate exceeded' }, rate: 0.2 });
  assert.equal((await ensureCluster()).made, true);
  assert.equal((await ensureProfile('apps')).made, true);
  const throttled = bed.proxy.seen().filter((request) => request.fault).length;
  assert.ok(throttled >= 0.15 * bed.proxy.seen().length, `${throttled} of ${bed.proxy.seen().length} calls throttled`);
});
