import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { AddonTools } from '../../src/activities/addons/addon-module';
import { createWorkloadIdentityActivities } from '../../src/activities/workload-identity';
import { errorTypes } from '../../src/domain/errors';
import { ownershipTags, type Owner } from '../../src/domain/ownership';
import { podIdentityTrustPolicy } from '../../src/domain/workload-identity';
import { activeCluster, manualSim, tags } from '../sim/aws/fixtures';

// ensurePodIdentityAssociation and deletePodIdentityAssociation on the simulated EKS: moto has no
// Pod Identity API (test/contract/aws.contract.test.ts proves it), so the simulator is the only
// backend these activities meet before AWS.

const owner: Owner = { environmentId: 'team-a/demo', runId: 'run-1' };
const region = 'us-east-1';

async function bed() {
  const sim = manualSim();
  await activeCluster(sim);
  const roleArn = (await sim.apis.iam.createRole({ name: 'demo-shop-cache', trustPolicy: JSON.stringify(podIdentityTrustPolicy()), description: 'Pod Identity', tags })).arn;
  const noRoles = { ensureRole: () => assert.fail('no roles here'), ensureIrsaRole: () => assert.fail('no roles here') };
  const activities = createWorkloadIdentityActivities(noRoles, { eks: sim.apis.eks } as AddonTools);
  return { sim, roleArn, activities };
}

test('an association is made once: the same run again gets the same one, a later run adopts it, and a delete by its environment removes it', async () => {
  const { sim, roleArn, activities } = await bed();
  const input = { owner, region, cluster: 'demo', namespace: 'shop', serviceAccount: 'cache', roleArn };
  const made = await activities.ensurePodIdentityAssociation(input);
  assert.equal(made.made, true);
  assert.deepEqual(made.ref, { kind: 'pod-identity-association', name: 'demo/shop/cache', region, arn: `arn:aws:eks:${region}:123456789012:podidentityassociation/demo/${made.associationId}` });
  assert.deepEqual((await activities.ensurePodIdentityAssociation(input)).associationId, made.associationId);
  const later = await activities.ensurePodIdentityAssociation({ ...input, owner: { ...owner, runId: 'run-2' } });
  assert.deepEqual({ id: later.associationId, made: later.made }, { id: made.associationId, made: false }, 'adopted: a rollback of run-2 leaves it');
  assert.equal((await sim.apis.eks.listPodIdentityAssociations('demo')).length, 1);

  assert.deepEqual(await activities.deletePodIdentityAssociation({ environmentId: 'team-b/demo', cluster: 'demo', namespace: 'shop', serviceAccount: 'cache' }), { outcome: 'not-ours' });
  assert.deepEqual(await activities.deletePodIdentityAssociation({ environmentId: owner.environmentId, cluster: 'demo', namespace: 'shop', serviceAccount: 'cache' }), { outcome: 'deleted' });
  assert.deepEqual(await sim.apis.eks.listPodIdentityAssociations('demo'), []);
  assert.deepEqual(await activities.deletePodIdentityAssociation({ environmentId: owner.environmentId, cluster: 'demo', namespace: 'shop', serviceAccount: 'cache' }), { outcome: 'absent' });
  assert.deepEqual(await activities.deletePodIdentityAssociation({ environmentId: owner.environmentId, cluster: 'gone', namespace: 'shop', serviceAccount: 'cache' }), { outcome: 'absent' }, 'gone with its cluster');
});

test('someone else\'s association for the ServiceAccount is refused by its ID, and left alone', async () => {
  const { sim, roleArn, activities } = await bed();
  const theirs = await sim.apis.eks.createPodIdentityAssociation({
    cluster: 'demo', namespace: 'shop', serviceAccount: 'cache', roleArn, tags: ownershipTags({ environmentId: 'team-b/demo', runId: 'x' }), clientRequestToken: 'theirs',
  });
  await assert.rejects(activities.ensurePodIdentityAssociation({ owner, region, cluster: 'demo', namespace: 'shop', serviceAccount: 'cache', roleArn }),
    (error: unknown) => error instanceof ApplicationFailure && error.type === errorTypes.resourceNotOwned && error.message.includes(`the pod identity association ${theirs.associationId} of shop/cache already exists`));
  assert.deepEqual(await activities.deletePodIdentityAssociation({ environmentId: owner.environmentId, cluster: 'demo', namespace: 'shop', serviceAccount: 'cache' }), { outcome: 'not-ours' });
  assert.deepEqual((await sim.apis.eks.listPodIdentityAssociations('demo')).map((a) => a.associationId), [theirs.associationId]);
});

// CreatePodIdentityAssociation's targetRoleArn and disableSessionTags (EKS API reference): the
// association answers them, with an externalId for the target role's trust policy.
test('a chained association carries its target role, an external ID and disableSessionTags; a plain one neither', async () => {
  const { sim, roleArn, activities } = await bed();
  const targetRoleArn = 'arn:aws:iam::444455556666:role/role-b';
  const chained = await activities.ensurePodIdentityAssociation({ owner, region, cluster: 'demo', namespace: 'shop', serviceAccount: 'cross', roleArn, targetRoleArn, disableSessionTags: true });
  assert.match(chained.externalId ?? '', /^[0-9a-f-]{36}$/);
  const described = await sim.apis.eks.describePodIdentityAssociation('demo', chained.associationId);
  assert.deepEqual({ target: described?.targetRoleArn, externalId: described?.externalId, disable: described?.disableSessionTags, role: described?.roleArn },
    { target: targetRoleArn, externalId: chained.externalId, disable: true, role: roleArn });
  const plain = await activities.ensurePodIdentityAssociation({ owner, region, cluster: 'demo', namespace: 'shop', serviceAccount: 'plain', roleArn });
  const plainDescribed = await sim.apis.eks.describePodIdentityAssociation('demo', plain.associationId);
  assert.deepEqual([plain.externalId, plainDescribed?.targetRoleArn, plainDescribed?.externalId, plainDescribed?.disableSessionTags], [undefined, undefined, undefined, undefined]);
  const adopted = await activities.ensurePodIdentityAssociation({ owner: { ...owner, runId: 'run-2' }, region, cluster: 'demo', namespace: 'shop', serviceAccount: 'cross', roleArn, targetRoleArn });
  assert.equal(adopted.externalId, chained.externalId, 'a later run adopting it reads the same external ID');
});
