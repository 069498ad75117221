import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { WorkflowFailedError } from '@temporalio/client';
import { roleArnAnnotation } from '../../src/activities/workload-identity';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { workloadStepIds } from '../../src/domain/workload-identity-plan';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { waitFor } from '../support/process';
import { simWorkerBed } from '../support/sim-worker-bed';

// Workload identity by the real workflow and activities on the simulated cloud: IAM and EKS
// (Pod Identity and the agent add-on included, which moto lacks) played by src/sim/aws, the
// ServiceAccounts and the app by src/sim/kube.

const speedup = 200;
const taskQueue = 'workload-identity-on-sim';
const bed = simWorkerBed({ speedup, seed: 'workload-identity', taskQueue });
afterEach(() => bed.cloud.aws.faults.clearFailSteps());

const reader = { namespace: 'shop', name: 'reader', identity: 'irsa', managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] };
const cache = {
  namespace: 'shop', name: 'cache', identity: 'pod-identity', wellKnownPolicies: ['imageBuilder'],
  inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }] },
};

function specOf(name: string): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({
    name, region: 'us-east-1', network: { vpc: { natGateway: 'none', availabilityZones: 2 } },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
    image: { uri: 'public.ecr.aws/nginx/nginx:1.27' },
    addons: { 'aws-load-balancer-controller': {} },
    app: { name: 'shop', replicas: 1, containerPort: 80, serviceAccount: 'reader' },
    serviceAccounts: [reader, cache],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

const start = (spec: EnvironmentSpec) => bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
  taskQueue, workflowId: `team-a.${spec.name}`, args: [{ environmentId: `team-a/${spec.name}`, spec, timeScale: speedup }],
});
const calls = (api: string) => bed.cloud.aws.calls()[`eks:${api}`] ?? 0;
const rolesOf = (name: string) => bed.cloud.aws.inventory().roles.filter((role) => role.startsWith(`${name}-`));

test('an app running as an IRSA ServiceAccount beside a Pod Identity one comes up ready, and teardown leaves no role, association or ServiceAccount', async () => {
  const spec = specOf('wi');
  const handle = await start(spec);
  const ready = await waitFor('the environment to be ready', async () => {
    const progress = await handle.query(progressQuery);
    if (progress.phase === 'rolled-back' || progress.phase === 'failed') throw new Error(`the run ${progress.phase}: ${JSON.stringify(progress.steps.filter((s) => s.lastError))}`);
    return progress.phase === 'ready' && progress;
  }, { timeoutMs: 240_000, intervalMs: 200 }).catch(async (error: unknown) => {
    const progress = await handle.query(progressQuery).catch(() => undefined);
    throw new Error(`${(error as Error).message}; steps: ${JSON.stringify(progress?.steps.map((s) => [s.id, s.state, s.detail ?? s.lastError ?? '']))}`);
  });
  assert.ok(ready.steps.every((s) => s.state === 'done'), JSON.stringify(ready.steps.filter((s) => s.state !== 'done')));
  for (const id of [workloadStepIds.role(reader), workloadStepIds.role(cache), workloadStepIds.serviceAccount(reader), workloadStepIds.serviceAccount(cache),
    workloadStepIds.association(cache), workloadStepIds.podIdentityAgent]) {
    assert.ok(ready.steps.some((s) => s.id === id), `${id} in the plan`);
  }
  assert.equal(ready.steps.some((s) => s.id === workloadStepIds.association(reader)), false, 'no association for an IRSA ServiceAccount');

  // IAM: both roles, each with the trust of its kind.
  const { iam, eks } = bed.cloud.aws;
  assert.deepEqual(rolesOf('wi').filter((r) => r.startsWith('wi-shop-')), ['wi-shop-cache', 'wi-shop-reader']);
  const readerRole = (await iam.getRole('wi-shop-reader'))!;
  const cacheRole = (await iam.getRole('wi-shop-cache'))!;
  const [provider] = bed.cloud.aws.inventory().oidcProviders;
  const issuer = provider!.replace(/^arn:aws:iam::\d+:oidc-provider\//, '');
  assert.deepEqual(JSON.parse(await iam.trustPolicyOf('wi-shop-reader')).Statement, [{
    Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: { StringEquals: { [`${issuer}:sub`]: 'system:serviceaccount:shop:reader', [`${issuer}:aud`]: 'sts.amazonaws.com' } },
  }]);
  assert.deepEqual(JSON.parse(await iam.trustPolicyOf('wi-shop-cache')).Statement[0].Principal, { Service: 'pods.eks.amazonaws.com' });
  assert.deepEqual(await iam.attachedPolicies('wi-shop-cache'), ['arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser']);
  assert.deepEqual(JSON.parse((await iam.getRolePolicy('wi-shop-cache', 'inline'))!), cache.inlinePolicy);

  // EKS: the association listed, for cache alone and with its role; the agent ACTIVE.
  const associations = await eks.listPodIdentityAssociations('wi');
  assert.deepEqual(associations.map((a) => `${a.namespace}/${a.serviceAccount}`), ['shop/cache']);
  const association = (await eks.describePodIdentityAssociation('wi', associations[0]!.associationId))!;
  assert.equal(association.roleArn, cacheRole.arn);
  assert.equal(association.tags['eksflow.io/environment'], 'team-a/wi');
  assert.equal((await eks.describeAddon('wi', 'eks-pod-identity-agent'))?.status, 'ACTIVE');

  // Kubernetes: the app runs as reader, annotated with its role; cache is there without one.
  const config = await bed.cloud.deps.kube.forCluster('wi');
  const core = config.makeApiClient(CoreV1Api);
  const deployment = await config.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'shop', namespace: 'shop' });
  assert.equal(deployment.spec?.template.spec?.serviceAccountName, 'reader');
  assert.equal((await core.readNamespacedServiceAccount({ name: 'reader', namespace: 'shop' })).metadata?.annotations?.[roleArnAnnotation], readerRole.arn);
  assert.equal((await core.readNamespacedServiceAccount({ name: 'cache', namespace: 'shop' })).metadata?.annotations?.[roleArnAnnotation], undefined);

  const deletesBefore = calls('DeletePodIdentityAssociation');
  await handle.signal('teardown', { reason: 'done' });
  await handle.result();
  assert.equal(calls('DeletePodIdentityAssociation') - deletesBefore, 1, 'the association deleted by itself, not only with its cluster');
  const left = bed.cloud.aws.inventory();
  assert.deepEqual({ clusters: left.clusters, roles: rolesOf('wi'), oidcProviders: left.oidcProviders, vpcs: left.vpcs }, { clusters: [], roles: [], oidcProviders: [], vpcs: [] });
  assert.deepEqual(await eks.listPodIdentityAssociations('wi'), []);
  assert.equal(bed.cloud.kube.cluster('wi'), undefined, 'the cluster, and every ServiceAccount on it, gone');
});

test('a failure right after the pod identity association is made rolls back the roles, the association and the ServiceAccounts', async () => {
  // AWS makes the association, then the answer is lost and the step fails for good.
  bed.cloud.aws.faults.failStep('CreatePodIdentityAssociation', { when: 'after' });
  const spec = specOf('wi-fails');
  const handle = await start(spec);
  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, `the run failed: ${String(error)}`);
  const progress = await handle.query(progressQuery);
  assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
  const entry = (kind: string, name: string) => progress.ledger.find((e) => e.kind === kind && e.name === name);
  for (const [kind, name] of [['iam-role', 'wi-fails-shop-reader'], ['iam-role', 'wi-fails-shop-cache'], ['service-account', 'wi-fails/shop/reader'],
    ['service-account', 'wi-fails/shop/cache'], ['pod-identity-association', 'wi-fails/shop/cache']] as const) {
    assert.equal(entry(kind, name)?.state, 'compensated', `${kind} ${name}: ${JSON.stringify(progress.ledger)}`);
  }
  assert.ok(calls('DeletePodIdentityAssociation') > 0, 'the association made before the failure was deleted');
  const left = bed.cloud.aws.inventory();
  assert.deepEqual({ clusters: left.clusters, roles: rolesOf('wi-fails') }, { clusters: [], roles: [] });
  assert.equal(bed.cloud.kube.cluster('wi-fails'), undefined);
});

// Issue 17 (eksctl parity: examples 13, 17 and 39): a role of the user's own (roleArn) used as it
// is, labels on the ServiceAccount, permission boundaries on every role eksflow makes for these,
// and Pod Identity's cross-account target role and disableSessionTags.
test('roleArn, labels, permission boundaries and a chained association: provisioned, and teardown leaves the user\'s roles as they were', async () => {
  const { iam, eks } = bed.cloud.aws;
  const boundary = 'arn:aws:iam::123456789012:policy/team-boundary';
  iam.addManagedPolicy(boundary);
  const irsaTrust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const userIrsaRole = await iam.createRole({ name: 'users-app-role', trustPolicy: irsaTrust, description: 'the user\'s', tags: { team: 'a' } });
  await iam.attachPolicy('users-app-role', 'arn:aws:iam::aws:policy/ReadOnlyAccess');
  const userPodRole = await iam.createRole({ name: 'users-pod-role', trustPolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] }), description: 'the user\'s', tags: {} });
  const targetRoleArn = 'arn:aws:iam::444455556666:role/role-b';
  const own = { namespace: 'shop', name: 'own', identity: 'irsa', roleArn: userIrsaRole.arn, labels: { 'aws-usage': 'application', 'app.kubernetes.io/managed-by': 'someone-else' } };
  const chained = { namespace: 'shop', name: 'chained', identity: 'pod-identity', roleArn: userPodRole.arn, targetRoleArn, disableSessionTags: true, tags: { team: 'b' } };
  const bounded = { namespace: 'shop', name: 'bounded', identity: 'irsa', managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], permissionsBoundary: boundary, tags: { team: 'c' } };
  const parsed = parseEnvironmentSpec({
    name: 'wib', region: 'us-east-1', network: { vpc: { natGateway: 'none', availabilityZones: 2 } },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
    fargateProfiles: [{ name: 'batch', selectors: [{ namespace: 'batch' }] }],
    permissionsBoundaries: { clusterRole: boundary, fargateRole: boundary },
    serviceAccounts: [own, chained, bounded],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const handle = await start(parsed.spec);
  const ready = await waitFor('the environment to be ready', async () => {
    const progress = await handle.query(progressQuery);
    if (progress.phase === 'rolled-back' || progress.phase === 'failed') throw new Error(`the run ${progress.phase}: ${JSON.stringify(progress.steps.filter((s) => s.lastError))}`);
    return progress.phase === 'ready' && progress;
  }, { timeoutMs: 240_000, intervalMs: 200 });
  assert.deepEqual(ready.steps.map((s) => s.id).filter((id) => id.startsWith('iam:workload-role/')), [workloadStepIds.role(bounded)], 'a role step only for the role eksflow makes');

  // IAM: boundaries on the cluster, Fargate and workload roles; no role made for the user's.
  assert.deepEqual(rolesOf('wib').sort(), ['wib-cluster', 'wib-fargate', 'wib-node', 'wib-shop-bounded']);
  for (const name of ['wib-cluster', 'wib-fargate', 'wib-shop-bounded']) assert.equal((await iam.getRole(name))?.permissionsBoundary, boundary, name);
  assert.equal((await iam.getRole('wib-node'))?.permissionsBoundary, undefined, 'the node role is not bounded by these');
  assert.equal((await iam.getRole('wib-shop-bounded'))?.tags.team, 'c');

  // Kubernetes: the user's role in the annotation; the spec's labels, eksflow's own winning.
  const core = (await bed.cloud.deps.kube.forCluster('wib')).makeApiClient(CoreV1Api);
  const ownAccount = await core.readNamespacedServiceAccount({ name: 'own', namespace: 'shop' });
  assert.equal(ownAccount.metadata?.annotations?.[roleArnAnnotation], userIrsaRole.arn);
  assert.equal(ownAccount.metadata?.labels?.['aws-usage'], 'application');
  assert.equal(ownAccount.metadata?.labels?.['app.kubernetes.io/managed-by'], 'eksflow');

  // EKS: the chained association with the user's role, the target role, no session tags, its tags.
  const [summary] = await eks.listPodIdentityAssociations('wib', { namespace: 'shop', serviceAccount: 'chained' });
  const association = (await eks.describePodIdentityAssociation('wib', summary!.associationId))!;
  assert.deepEqual({ role: association.roleArn, target: association.targetRoleArn, noTags: association.disableSessionTags, team: association.tags.team, hasExternalId: typeof association.externalId },
    { role: userPodRole.arn, target: targetRoleArn, noTags: true, team: 'b', hasExternalId: 'string' });

  await handle.signal('teardown', { reason: 'done' });
  await handle.result();
  assert.deepEqual(rolesOf('wib'), []);
  assert.ok(await iam.getRole('users-app-role'), 'the user\'s IRSA role is left');
  assert.ok(await iam.getRole('users-pod-role'), 'the user\'s Pod Identity role is left');
  assert.deepEqual(await iam.attachedPolicies('users-app-role'), ['arn:aws:iam::aws:policy/ReadOnlyAccess'], 'and untouched');
  assert.equal((await iam.getRole('users-app-role'))?.permissionsBoundary, undefined);
});

test('a rollback after associating a user\'s own role deletes the association and the ServiceAccount, and leaves the role', async () => {
  const { iam } = bed.cloud.aws;
  const userRole = await iam.createRole({ name: 'users-rollback-role', trustPolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] }), description: 'the user\'s', tags: {} });
  bed.cloud.aws.faults.failStep('CreatePodIdentityAssociation', { when: 'after' });
  const parsed = parseEnvironmentSpec({
    name: 'wir', region: 'us-east-1', network: { vpc: { natGateway: 'none', availabilityZones: 2 } },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
    serviceAccounts: [{ namespace: 'shop', name: 'cache', identity: 'pod-identity', roleArn: userRole.arn }],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const handle = await start(parsed.spec);
  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, `the run failed: ${String(error)}`);
  const progress = await handle.query(progressQuery);
  assert.equal(progress.phase, 'rolled-back');
  const entry = (kind: string, name: string) => progress.ledger.find((e) => e.kind === kind && e.name === name);
  assert.equal(entry('pod-identity-association', 'wir/shop/cache')?.state, 'compensated');
  assert.equal(entry('iam-role', 'users-rollback-role'), undefined, 'the user\'s role is in no ledger entry');
  assert.deepEqual(rolesOf('wir'), []);
  assert.ok(await iam.getRole('users-rollback-role'), 'the user\'s role is left');
});
