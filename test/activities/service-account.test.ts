import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import type { AddonTools } from '../../src/activities/addons/addon-module';
import { kubeNotFound } from '../../src/activities/kube-calls';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import { createWorkloadIdentityActivities, roleArnAnnotation } from '../../src/activities/workload-identity';
import { fieldManagers } from '../../src/domain/app-manifests';
import { errorTypes } from '../../src/domain/errors';
import { ownershipTagKeys, type Owner } from '../../src/domain/ownership';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';

// The ServiceAccounts of workload identity on the real apiserver (test/support/kube.ts): applied
// server-side as eksflow, annotated for IRSA, refused when someone else's, deleted only when ours.
let cluster: KubeControlPlane;
let activities: ReturnType<typeof createWorkloadIdentityActivities>;
let core: CoreV1Api;
before(async () => {
  cluster = await kubeControlPlane({ nodes: 1 });
  // Only the kube part of the tools is used by these activities; roles are not made here.
  const noRoles = { ensureRole: () => assert.fail('no roles here'), ensureIrsaRole: () => assert.fail('no roles here') };
  activities = createWorkloadIdentityActivities(noRoles, { kube: kubeconfigAccess(cluster.kubeconfigPath) } as AddonTools);
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
});
after(() => cluster?.stop());

// The test bed's kubeconfig has no context named after the cluster: its current one is used.
const target = 'test-bed';
const region = 'us-east-1';
const owner: Owner = { environmentId: 'team-a/demo', runId: 'run-1' };
const roleArn = 'arn:aws:iam::123456789012:role/demo-shop-reader';
const read = (namespace: string, name: string) => core.readNamespacedServiceAccount({ name, namespace });
const gone = (namespace: string, name: string) => read(namespace, name).then(() => false, (error: unknown) => kubeNotFound(error));

test('an IRSA ServiceAccount is applied as eksflow in a namespace made for it, annotated with its role and this environment\'s ownership', async () => {
  await assert.rejects(core.readNamespace({ name: 'shop' }), (error: unknown) => kubeNotFound(error), 'no namespace yet');
  const applied = await activities.applyServiceAccount({ owner, region, cluster: target, namespace: 'shop', name: 'reader', roleArn });
  assert.deepEqual(applied, { ref: { kind: 'service-account', name: `${target}/shop/reader`, region }, made: true });

  const namespace = await core.readNamespace({ name: 'shop' });
  assert.deepEqual(namespace.metadata?.labels?.['app.kubernetes.io/managed-by'], 'eksflow');
  const serviceAccount = await read('shop', 'reader');
  assert.deepEqual(serviceAccount.metadata?.annotations, {
    [roleArnAnnotation]: roleArn,
    [ownershipTagKeys.managedBy]: 'eksflow', [ownershipTagKeys.environment]: owner.environmentId, [ownershipTagKeys.createdByRun]: owner.runId,
  });
  assert.equal(serviceAccount.metadata?.labels?.['app.kubernetes.io/managed-by'], 'eksflow');
  const managers = serviceAccount.metadata?.managedFields?.map((entry) => `${entry.manager}:${entry.operation}`);
  assert.deepEqual(managers, [`${fieldManagers.apply}:Apply`], 'applied server-side, every field eksflow\'s');

  // Again from the same run, then from a later one: the same object, the first run kept.
  assert.equal((await activities.applyServiceAccount({ owner, region, cluster: target, namespace: 'shop', name: 'reader', roleArn })).made, true);
  const later = await activities.applyServiceAccount({ owner: { ...owner, runId: 'run-2' }, region, cluster: target, namespace: 'shop', name: 'reader', roleArn });
  assert.equal(later.made, false, 'adopted: a rollback of run-2 leaves it');
  assert.equal((await read('shop', 'reader')).metadata?.annotations?.[ownershipTagKeys.createdByRun], 'run-1');
});

test('a Pod Identity ServiceAccount carries no role annotation; one in a built-in namespace makes no namespace', async () => {
  await activities.applyServiceAccount({ owner, region, cluster: target, namespace: 'kube-system', name: 'cache' });
  const serviceAccount = await read('kube-system', 'cache');
  assert.equal(serviceAccount.metadata?.annotations?.[roleArnAnnotation], undefined);
  assert.equal(serviceAccount.metadata?.annotations?.[ownershipTagKeys.environment], owner.environmentId);
  assert.equal((await core.readNamespace({ name: 'kube-system' })).metadata?.labels?.['app.kubernetes.io/managed-by'], undefined, 'kube-system not labelled');
});

test('a ServiceAccount that is not ours is refused and left as it was; removal deletes only ours', async () => {
  await core.createNamespace({ body: { metadata: { name: 'theirs' } } });
  await core.createNamespacedServiceAccount({ namespace: 'theirs', body: { metadata: { name: 'writer', annotations: { 'team.example/owner': 'b' } } } });
  await assert.rejects(activities.applyServiceAccount({ owner, region, cluster: target, namespace: 'theirs', name: 'writer', roleArn }),
    (error: unknown) => error instanceof ApplicationFailure && error.type === errorTypes.resourceNotOwned && /ServiceAccount theirs\/writer already exists and is not this environment's/.test(error.message));
  const untouched = await read('theirs', 'writer');
  assert.deepEqual(untouched.metadata?.annotations, { 'team.example/owner': 'b' });
  assert.ok(!untouched.metadata?.managedFields?.some((entry) => entry.manager === fieldManagers.apply), 'eksflow owns no field of it');

  // Another environment's, by annotation: also not ours.
  await activities.applyServiceAccount({ owner: { environmentId: 'team-b/demo', runId: 'run-9' }, region, cluster: target, namespace: 'theirs', name: 'other' });
  await assert.rejects(activities.applyServiceAccount({ owner, region, cluster: target, namespace: 'theirs', name: 'other' }),
    (error: unknown) => error instanceof ApplicationFailure && error.type === errorTypes.resourceNotOwned);

  const remove = (namespace: string, name: string) => activities.deleteServiceAccount({ environmentId: owner.environmentId, cluster: target, namespace, name });
  assert.deepEqual(await remove('theirs', 'writer'), { outcome: 'not-ours' });
  assert.deepEqual(await remove('theirs', 'other'), { outcome: 'not-ours' });
  assert.equal(await gone('theirs', 'writer'), false);
  assert.equal(await gone('theirs', 'other'), false);

  await activities.applyServiceAccount({ owner, region, cluster: target, namespace: 'theirs', name: 'mine', roleArn });
  assert.deepEqual(await remove('theirs', 'mine'), { outcome: 'deleted' });
  assert.equal(await gone('theirs', 'mine'), true);
  assert.deepEqual(await remove('theirs', 'mine'), { outcome: 'absent' });
  assert.deepEqual(await remove('nowhere', 'mine'), { outcome: 'absent' }, 'a namespace that is gone counts as absent');
});
