import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreatePolicyCommand, GetRoleCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { ApplicationFailure } from '@temporalio/common';
import { iamApi } from '../../src/activities/aws/iam';
import { createIamRoleActivities } from '../../src/activities/iam-roles';
import { createOidcActivities } from '../../src/activities/oidc-provider';
import { errorTypes } from '../../src/domain/errors';
import { awsLoadBalancerControllerPolicy } from '../../src/domain/iam-policies/aws-load-balancer-controller';
import { cloudWatchAgentServerPolicyArn, cloudwatchAgentPolicy, fluentBitPolicy } from '../../src/domain/iam-policies/cloudwatch';
import { clusterAutoscalerPolicy } from '../../src/domain/iam-policies/cluster-autoscaler';
import { roleNames } from '../../src/domain/names';
import type { Owner } from '../../src/domain/ownership';
import { motoActivitiesPerFile } from '../support/moto-activities';

const bed = motoActivitiesPerFile();

const region = 'us-east-1';
const owner: Owner = { environmentId: 'team-a/demo', runId: 'run-1' };
const issuerUrl = 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const issuer = issuerUrl.replace('https://', '');

const policies = {
  'aws-load-balancer-controller': awsLoadBalancerControllerPolicy(),
  'cluster-autoscaler': clusterAutoscalerPolicy('demo'),
  'cloudwatch-agent': cloudwatchAgentPolicy(),
  'fluent-bit': fluentBitPolicy(region, '123456789012', 'demo'),
};

// Built here rather than taken from bed.activities, so these tests need only this file's factory.
function activities() {
  const api = iamApi(new IAMClient(bed.aws.clientConfig));
  return { api, ...createIamRoleActivities(api), ...createOidcActivities(api) };
}

async function loadBalancerControllerRole(who: Owner = owner) {
  const { ensureOidcProvider, ensureIrsaRole } = activities();
  const provider = await ensureOidcProvider({ owner, region, issuerUrl });
  const role = await ensureIrsaRole({
    owner: who, region, environment: 'demo', namespace: 'kube-system', serviceAccount: 'aws-load-balancer-controller',
    oidcProviderArn: provider.arn, issuerUrl, inlinePolicies: { 'aws-load-balancer-controller': policies['aws-load-balancer-controller'] },
  });
  return { provider, role };
}

test('IAM accepts each policy document, as a managed policy and inline on a role', async () => {
  const iam = new IAMClient(bed.aws.clientConfig);
  const { api } = activities();
  for (const [name, document] of Object.entries(policies)) {
    const created = await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: JSON.stringify(document) }));
    assert.match(created.Policy!.Arn!, new RegExp(`:policy/${name}$`));
  }
  const { role } = await loadBalancerControllerRole();
  for (const [name, document] of Object.entries(policies)) {
    await api.putRolePolicy(role.ref.name, name, JSON.stringify(document));
    assert.deepEqual(JSON.parse((await api.getRolePolicy(role.ref.name, name))!), document, name);
  }
  // moto validates documents as IAM does, so the acceptance above means something.
  await assert.rejects(
    api.putRolePolicy(role.ref.name, 'malformed', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'PutLogEvents', Resource: '*' }] })),
    (error: unknown) => error instanceof ApplicationFailure && error.type === errorTypes.awsClientError && /MalformedPolicyDocument/.test(error.message),
  );
  assert.equal(await api.getRolePolicy(role.ref.name, 'no-such-policy'), undefined);
  assert.equal(await api.getRolePolicy('no-such-role', 'fluent-bit'), undefined);
});

test('ensureIrsaRole makes a role only the service account may assume, with its inline policy', async () => {
  const { provider, role } = await loadBalancerControllerRole();
  const name = roleNames.irsa('demo', 'kube-system', 'aws-load-balancer-controller');
  assert.equal(role.made, true);
  assert.deepEqual(role.ref, { kind: 'iam-role', name, region, arn: role.arn });

  const iam = new IAMClient(bed.aws.clientConfig);
  const trust = JSON.parse(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: name }))).Role!.AssumeRolePolicyDocument!));
  assert.equal(trust.Statement[0].Principal.Federated, provider.arn);
  assert.equal(trust.Statement[0].Action, 'sts:AssumeRoleWithWebIdentity');
  assert.deepEqual(trust.Statement[0].Condition.StringEquals, {
    [`${issuer}:sub`]: 'system:serviceaccount:kube-system:aws-load-balancer-controller', [`${issuer}:aud`]: 'sts.amazonaws.com',
  });
  const stored = await activities().api.getRolePolicy(name, 'aws-load-balancer-controller');
  assert.deepEqual(JSON.parse(stored!), policies['aws-load-balancer-controller']);
});

test('ensureIrsaRole twice is idempotent, and a repeat restores an inline policy edited by hand', async () => {
  const first = await loadBalancerControllerRole();
  const { api } = activities();
  await api.putRolePolicy(first.role.ref.name, 'aws-load-balancer-controller', JSON.stringify(clusterAutoscalerPolicy('demo')));
  const again = await loadBalancerControllerRole();
  assert.equal(again.role.arn, first.role.arn);
  assert.equal(again.role.made, true, 'the same run made it');
  assert.equal((await loadBalancerControllerRole({ ...owner, runId: 'run-2' })).role.made, false, 'a later run adopts it');

  const iam = new IAMClient(bed.aws.clientConfig);
  assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: first.role.ref.name }))).PolicyNames, ['aws-load-balancer-controller']);
  assert.deepEqual(JSON.parse((await api.getRolePolicy(first.role.ref.name, 'aws-load-balancer-controller'))!), policies['aws-load-balancer-controller']);
});

test('ensureIrsaRole attaches managed policies too', async () => {
  const { ensureOidcProvider, ensureIrsaRole, api } = activities();
  const provider = await ensureOidcProvider({ owner, region, issuerUrl });
  const role = await ensureIrsaRole({
    owner, region, environment: 'demo', namespace: 'amazon-cloudwatch', serviceAccount: 'cloudwatch-agent',
    oidcProviderArn: provider.arn, issuerUrl, managedPolicyArns: [cloudWatchAgentServerPolicyArn],
  });
  assert.equal(role.ref.name, 'demo-amazon-cloudwatch-cloudwatch-agent');
  assert.deepEqual(await api.attachedPolicies(role.ref.name), [cloudWatchAgentServerPolicyArn]);
});

test('deleteRole removes the role with its inline policy', async () => {
  const { role } = await loadBalancerControllerRole();
  const { deleteRole, api } = activities();
  await deleteRole({ environmentId: owner.environmentId, name: role.ref.name });
  const iam = new IAMClient(bed.aws.clientConfig);
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: role.ref.name })), { name: 'NoSuchEntityException' });
  assert.equal(await api.getRolePolicy(role.ref.name, 'aws-load-balancer-controller'), undefined);
  await deleteRole({ environmentId: owner.environmentId, name: role.ref.name });

  const recreated = await loadBalancerControllerRole();
  assert.equal(recreated.role.made, true);
  assert.deepEqual(JSON.parse((await api.getRolePolicy(role.ref.name, 'aws-load-balancer-controller'))!), policies['aws-load-balancer-controller']);
});

// Permissions boundaries (issue 17: eksctl's iam.serviceAccounts[].permissionsBoundary,
// serviceRolePermissionsBoundary, fargatePodExecutionRolePermissionsBoundary), on moto's IAM:
// CreateRole with PermissionsBoundary, and PutRolePermissionsBoundary on a role of this environment's.
test('a role is made with its permissions boundary, and an own role with another boundary gets the spec\'s', async () => {
  const iam = new IAMClient(bed.aws.clientConfig);
  const { ensureRole, ensureIrsaRole, ensureOidcProvider } = activities();
  const boundaryOf = async (name: string) => (await iam.send(new GetRoleCommand({ RoleName: name }))).Role?.PermissionsBoundary?.PermissionsBoundaryArn;
  const [first, second] = await Promise.all(['boundary-a', 'boundary-b'].map(async (name) => (await iam.send(new CreatePolicyCommand({
    PolicyName: name, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
  }))).Policy!.Arn!));
  const input = {
    owner, region, name: 'demo-cluster-bounded', description: 'EKS control plane of demo', managedPolicyArns: [],
    trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'eks.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
  };
  await ensureRole({ ...input, permissionsBoundary: first });
  assert.equal(await boundaryOf(input.name), first);
  await ensureRole({ ...input, owner: { ...owner, runId: 'run-2' }, permissionsBoundary: second });
  assert.equal(await boundaryOf(input.name), second, 'adopted and given the spec\'s boundary');
  await ensureRole({ ...input, owner: { ...owner, runId: 'run-3' } });
  assert.equal(await boundaryOf(input.name), second, 'a spec with no boundary takes none away');
  await ensureRole({ ...input, name: 'demo-unbounded' });
  assert.equal(await boundaryOf('demo-unbounded'), undefined, 'no boundary asked, none set');

  const provider = await ensureOidcProvider({ owner, region, issuerUrl });
  const irsa = await ensureIrsaRole({
    owner, region, environment: 'demo', namespace: 'shop', serviceAccount: 'reader', oidcProviderArn: provider.arn, issuerUrl,
    managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'], permissionsBoundary: first,
  });
  assert.equal(await boundaryOf(irsa.ref.name), first);
  const api = activities().api;
  assert.equal((await api.getRole(irsa.ref.name))?.permissionsBoundary, first, 'GetRole reads it back');
});
