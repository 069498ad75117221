import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateRoleCommand, GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { ApplicationFailure } from '@temporalio/common';
import { iamApi } from '../../src/activities/aws/iam';
import { errorTypes } from '../../src/domain/errors';
import type { Owner } from '../../src/domain/ownership';
import type { ServiceAccountSpec } from '../../src/domain/workload-identity';
import { motoActivitiesPerFile } from '../support/moto-activities';

// Workload identity's roles against moto's IAM: what GetRole gives back is the trust eksflow
// wrote, statement by statement, with the permissions attached and put.
const bed = motoActivitiesPerFile();

const region = 'us-east-1';
const owner: Owner = { environmentId: 'team-a/demo', runId: 'run-1' };
const issuerUrl = 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const issuer = issuerUrl.replace('https://', '');
const readOnly = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const powerUser = 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser';
const getItem = { Version: '2012-10-17' as const, Statement: [{ Effect: 'Allow' as const, Action: 'dynamodb:GetItem', Resource: '*' }] };

const reader: ServiceAccountSpec = { namespace: 'shop', name: 'reader', identity: 'irsa', managedPolicyArns: [readOnly], inlinePolicy: getItem };
const cache: ServiceAccountSpec = { namespace: 'shop', name: 'cache', identity: 'pod-identity', managedPolicyArns: [readOnly], wellKnownPolicies: ['imageBuilder'], inlinePolicy: getItem };

const iam = () => new IAMClient(bed.aws.clientConfig);
const trustOf = async (name: string) => JSON.parse(decodeURIComponent((await iam().send(new GetRoleCommand({ RoleName: name }))).Role!.AssumeRolePolicyDocument!));
const attached = async (name: string) => (await iam().send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies!.map((p) => p.PolicyArn).sort();
const inline = async (name: string) => (await iam().send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames!;

async function irsaRole(who: Owner = owner) {
  const { ensureOidcProvider, ensureWorkloadRole } = bed.activities;
  const provider = await ensureOidcProvider({ owner, region, issuerUrl });
  const role = await ensureWorkloadRole({ owner: who, region, environment: 'demo', serviceAccount: reader, oidcProviderArn: provider.arn, issuerUrl });
  return { provider, role };
}

test('an IRSA workload role: GetRole gives exactly the trust for shop/reader through the cluster\'s OIDC provider, with its managed and inline policies', async () => {
  const { provider, role } = await irsaRole();
  assert.equal(role.made, true);
  assert.deepEqual(role.ref, { kind: 'iam-role', name: 'demo-shop-reader', region, arn: role.arn });

  const trust = await trustOf('demo-shop-reader');
  assert.equal(trust.Statement.length, 1, 'one statement, no other principal');
  const [statement] = trust.Statement;
  assert.deepEqual(statement, {
    Effect: 'Allow',
    Principal: { Federated: provider.arn },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: { StringEquals: { [`${issuer}:sub`]: 'system:serviceaccount:shop:reader', [`${issuer}:aud`]: 'sts.amazonaws.com' } },
  });
  assert.equal(provider.arn, `arn:aws:iam::123456789012:oidc-provider/${issuer}`);

  assert.deepEqual(await attached('demo-shop-reader'), [readOnly]);
  assert.deepEqual(await inline('demo-shop-reader'), ['inline']);
  assert.deepEqual(JSON.parse((await iamApi(iam()).getRolePolicy('demo-shop-reader', 'inline'))!), getItem);
});

test('a Pod Identity workload role trusts pods.eks.amazonaws.com to assume it and tag the session, with the managed, well-known and inline policies', async () => {
  const role = await bed.activities.ensureWorkloadRole({ owner, region, environment: 'demo', serviceAccount: cache });
  assert.equal(role.made, true);
  assert.equal(role.ref.name, 'demo-shop-cache');

  const trust = await trustOf('demo-shop-cache');
  assert.deepEqual(trust.Statement, [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }]);
  assert.deepEqual(await attached('demo-shop-cache'), [readOnly, powerUser].sort(), 'imageBuilder is the managed AmazonEC2ContainerRegistryPowerUser, as eksctl attaches it');
  assert.deepEqual(await inline('demo-shop-cache'), ['inline']);
  assert.deepEqual(JSON.parse((await iamApi(iam()).getRolePolicy('demo-shop-cache', 'inline'))!), getItem);
});

test('a repeat adopts the role and restores its policies; a role of the same name that is not ours is refused on create and left alone on delete', async () => {
  const first = await irsaRole();
  await iamApi(iam()).putRolePolicy('demo-shop-reader', 'inline', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }));
  const again = await irsaRole({ ...owner, runId: 'run-2' });
  assert.equal(again.role.arn, first.role.arn);
  assert.equal(again.role.made, false, 'a later run adopts it, and a rollback of that run leaves it');
  assert.deepEqual(JSON.parse((await iamApi(iam()).getRolePolicy('demo-shop-reader', 'inline'))!), getItem, 'the hand edit undone');
  assert.equal((await trustOf('demo-shop-reader')).Statement[0].Principal.Federated, first.provider.arn);

  // Someone else's role under the name eksflow would give shop/cache.
  await iam().send(new CreateRoleCommand({ RoleName: 'demo-shop-cache', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }));
  await assert.rejects(bed.activities.ensureWorkloadRole({ owner, region, environment: 'demo', serviceAccount: cache }),
    (error: unknown) => error instanceof ApplicationFailure && error.type === errorTypes.resourceNotOwned && /IAM role demo-shop-cache already exists/.test(error.message));
  assert.deepEqual(await attached('demo-shop-cache'), [], 'nothing attached to a role that is not ours');
  assert.deepEqual(await bed.activities.deleteRole({ environmentId: owner.environmentId, name: 'demo-shop-cache' }), { outcome: 'not-ours' });
  assert.ok(await trustOf('demo-shop-cache'), 'still there');
  assert.deepEqual(await bed.activities.deleteRole({ environmentId: 'team-b/demo', name: 'demo-shop-reader' }), { outcome: 'not-ours' }, 'another environment\'s role');

  assert.deepEqual(await bed.activities.deleteRole({ environmentId: owner.environmentId, name: 'demo-shop-reader' }), { outcome: 'deleted' });
  await assert.rejects(iam().send(new GetRoleCommand({ RoleName: 'demo-shop-reader' })), { name: 'NoSuchEntityException' });
  assert.deepEqual(await bed.activities.deleteRole({ environmentId: owner.environmentId, name: 'demo-shop-reader' }), { outcome: 'absent' });
});
