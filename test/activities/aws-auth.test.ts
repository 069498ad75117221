import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { awsAuthAnnotation, createAwsAuthActivities } from '../../src/activities/aws-auth';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import type { Owner } from '../../src/domain/ownership';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';

// aws-auth entries and EMR on EKS's RBAC against the real kube-apiserver: merged into the
// ConfigMap beside entries that were there before (EKS's own node role mapping, a team's), made
// again without duplicates, and taken out again leaving exactly what others had.

let cluster: KubeControlPlane;
let core: CoreV1Api;
let rbac: RbacAuthorizationV1Api;
let activities: ReturnType<typeof createAwsAuthActivities>;
before(async () => {
  cluster = await kubeControlPlane({ nodes: 0 });
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  rbac = cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  activities = createAwsAuthActivities(kubeconfigAccess(cluster.kubeconfigPath));
});
after(() => cluster?.stop());

const owner: Owner = { environmentId: 'team-a/emr', runId: 'run-1' };
const nodeRole = { rolearn: 'arn:aws:iam::111122223333:role/emr-node', username: 'system:node:{{EC2PrivateDNSName}}', groups: ['system:bootstrappers', 'system:nodes'] };
const awsAuth = { accounts: ['444455556666'], emrContainers: ['emr'] };
const input = { owner, region: 'us-east-1', cluster: 'emr', awsAuth, partition: 'aws', account: '111122223333' };
const emrRole = { rolearn: 'arn:aws:iam::111122223333:role/AWSServiceRoleForAmazonEMRContainers', username: 'emr-containers' };

const awsAuthNow = async () => {
  const map = await core.readNamespacedConfigMap({ name: 'aws-auth', namespace: 'kube-system' });
  return { mapRoles: parse(map.data?.mapRoles ?? '[]') as unknown[], mapAccounts: (parse(map.data?.mapAccounts ?? '[]') as unknown[]).map(String), annotation: map.metadata?.annotations?.[awsAuthAnnotation] };
};

test('entries are merged into aws-auth beside others\', once however often asked, and removed leaving exactly the others\'', async () => {
  await core.createNamespacedConfigMap({ namespace: 'kube-system', body: { metadata: { name: 'aws-auth', namespace: 'kube-system' }, data: { mapRoles: `- rolearn: ${nodeRole.rolearn}\n  username: ${nodeRole.username}\n  groups: [system:bootstrappers, system:nodes]\n` } } });
  const shown = await activities.ensureAwsAuthEntries(input);
  assert.deepEqual(shown, { ref: { kind: 'aws-auth', name: 'emr', region: 'us-east-1' }, made: true, mapRoles: [`${emrRole.rolearn} as emr-containers`], mapAccounts: ['444455556666'] });
  await activities.ensureAwsAuthEntries(input);
  const merged = await awsAuthNow();
  assert.deepEqual(merged.mapRoles, [nodeRole, emrRole], 'the node role kept, EMR\'s role once');
  assert.deepEqual(merged.mapAccounts, ['444455556666']);
  assert.deepEqual(JSON.parse(merged.annotation!), { environment: 'team-a/emr', mapRoles: [emrRole], mapAccounts: ['444455556666'] });

  // Someone adds an entry of their own meanwhile: it stays.
  const map = await core.readNamespacedConfigMap({ name: 'aws-auth', namespace: 'kube-system' });
  map.data!.mapAccounts = `${map.data!.mapAccounts}- "777788889999"\n`;
  await core.replaceNamespacedConfigMap({ name: 'aws-auth', namespace: 'kube-system', body: map });

  assert.deepEqual(await activities.removeAwsAuthEntries({ environmentId: 'team-b/emr', cluster: 'emr' }), { outcome: 'absent' }, 'another environment removes nothing');
  assert.deepEqual(await activities.removeAwsAuthEntries({ environmentId: owner.environmentId, cluster: 'emr' }), { outcome: 'deleted' });
  const left = await awsAuthNow();
  assert.deepEqual(left.mapRoles, [nodeRole]);
  assert.deepEqual(left.mapAccounts, ['777788889999']);
  assert.equal(left.annotation, undefined);
  assert.deepEqual(await activities.removeAwsAuthEntries({ environmentId: owner.environmentId, cluster: 'emr' }), { outcome: 'absent' }, 'twice is done');
});

test('EMR on EKS\'s Role and RoleBinding: eksctl\'s, in a namespace made when missing; deleted only when this environment\'s', async () => {
  assert.equal((await activities.ensureEmrContainersRbac({ owner, region: 'us-east-1', cluster: 'emr', namespace: 'emr' })).namespaceMade, true);
  assert.equal((await activities.ensureEmrContainersRbac({ owner, region: 'us-east-1', cluster: 'emr', namespace: 'emr' })).namespaceMade, false);
  const role = await rbac.readNamespacedRole({ name: 'emr-containers', namespace: 'emr' });
  assert.ok(role.rules?.some((rule) => rule.apiGroups?.includes('batch') && rule.resources?.includes('jobs') && rule.verbs.includes('create')));
  const binding = await rbac.readNamespacedRoleBinding({ name: 'emr-containers', namespace: 'emr' });
  assert.deepEqual(binding.subjects?.map(({ apiGroup, kind, name }) => ({ apiGroup, kind, name })), [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'emr-containers' }]);

  assert.deepEqual(await activities.deleteEmrContainersRbac({ environmentId: 'team-b/emr', cluster: 'emr', namespace: 'emr' }), { outcome: 'not-ours' });
  assert.deepEqual(await activities.deleteEmrContainersRbac({ environmentId: owner.environmentId, cluster: 'emr', namespace: 'emr' }), { outcome: 'deleted' });
  await assert.rejects(rbac.readNamespacedRole({ name: 'emr-containers', namespace: 'emr' }), /404|not found/i);
  assert.deepEqual(await activities.deleteEmrContainersRbac({ environmentId: owner.environmentId, cluster: 'emr', namespace: 'emr' }), { outcome: 'absent' });
});
