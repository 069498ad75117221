import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createEksAddonActivities } from '../../src/activities/eks-addons';
import { errorTypes } from '../../src/domain/errors';
import { activeCluster, manualSim, nodegroupInput } from '../sim/aws/fixtures';

// The core add-on activities against the simulated EKS (moto has no add-on API): the run's
// check, an idempotent ownership-tagged create, DEGRADED without nodes for coredns (a wait) but
// not for the DaemonSet add-ons, and deletes only of what the environment's tags prove its own.

const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
const owner = { environmentId: 'team/demo', runId: 'run-1' };

async function ready() {
  const bed = manualSim();
  const made = await activeCluster(bed);
  bed.clock.advance(bed.drawn('addon.api-lag', 'demo'));
  return { bed, made, activities: createEksAddonActivities(bed.apis.eks, (ms) => ms / 1000) };
}

test('the check: default, latest and given versions for the cluster\'s minor; configuration merged, validated and sent as JSON', async () => {
  const { activities } = await ready();
  const { resolved } = await activities.checkEksAddons({
    kubernetesVersion: '1.34',
    eksAddons: {
      'vpc-cni': { resolveConflicts: 'OVERWRITE', version: 'latest', podSecurityGroups: true, configurationValues: 'env:\n  WARM_IP_TARGET: "5"\n' },
      'kube-proxy': { resolveConflicts: 'OVERWRITE', version: 'v1.34.1-eksbuild.2' },
      coredns: { resolveConflicts: 'OVERWRITE' },
    },
  });
  assert.deepEqual(resolved, {
    'vpc-cni': { version: 'v1.20.5-eksbuild.1', configurationValues: '{"env":{"WARM_IP_TARGET":"5","ENABLE_POD_ENI":"true"}}' },
    coredns: { version: 'v1.12.3-eksbuild.1' },
    'kube-proxy': { version: 'v1.34.1-eksbuild.2' },
  });
});

test('the check refuses every problem at once, non-retryably, each at its path', async () => {
  const { activities } = await ready();
  await assert.rejects(activities.checkEksAddons({
    kubernetesVersion: '1.33',
    eksAddons: {
      'vpc-cni': { resolveConflicts: 'OVERWRITE', prefixDelegation: { warmPrefixTarget: 1 }, configurationValues: { env: { ENABLE_PREFIX_DELEGATION: 'false', WARM_IP_TARGET: 'five' } } },
      'kube-proxy': { resolveConflicts: 'OVERWRITE', version: 'v1.34.0-eksbuild.2', configurationValues: { mode: 'userspace' } },
      'aws-ebs-csi-driver': { resolveConflicts: 'OVERWRITE', configurationValues: 'controller: [' },
    },
  }), (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, errorTypes.invalidSpec);
    assert.equal(error.nonRetryable, true);
    assert.deepEqual((error.details as { path: string }[]).map((d) => d.path), [
      '/eksAddons/vpc-cni/configurationValues', '/eksAddons/vpc-cni/configurationValues', '/eksAddons/kube-proxy/version', '/eksAddons/aws-ebs-csi-driver/configurationValues',
    ]);
    assert.match(error.message, /\/env\/ENABLE_PREFIX_DELEGATION is "false" but eksflow's options set it to "true": set it in one place/);
    assert.match(error.message, /vpc-cni v1\.19\.6-eksbuild\.7 refuses it: \/env\/WARM_IP_TARGET must match pattern "\^\[0-9\]\+\$"/);
    assert.match(error.message, /version v1\.34\.0-eksbuild\.2 is not offered: for Kubernetes 1\.33 EKS lists v1\.33\.3-eksbuild\.4, v1\.33\.0-eksbuild\.2 \(default\)/);
    assert.match(error.message, /aws-ebs-csi-driver\/configurationValues: is neither JSON nor YAML/);
    return true;
  });
});

test('create: tagged, idempotent within a run, adopted by a later run of the environment, refused for another; DaemonSets ACTIVE without nodes, coredns DEGRADED until nodes come', async () => {
  const { bed, made, activities } = await ready();
  const input = { owner, region: 'us-east-1', cluster: 'demo', resolveConflicts: 'OVERWRITE' as const };
  const proxy = await inActivity(activities.ensureEksAddon, { ...input, name: 'kube-proxy', version: 'v1.35.0-eksbuild.2' });
  assert.deepEqual({ ...proxy, status: undefined }, { ref: { kind: 'eks-addon', name: 'demo/kube-proxy', region: 'us-east-1' }, made: true, status: undefined, version: 'v1.35.0-eksbuild.2', issues: [] });
  assert.equal((await inActivity(activities.ensureEksAddon, { ...input, name: 'kube-proxy', version: 'v1.35.0-eksbuild.2' })).made, true, 'the same run again: its own');
  assert.equal((await inActivity(activities.ensureEksAddon, { ...input, owner: { ...owner, runId: 'run-2' }, name: 'kube-proxy', version: 'v1.35.0-eksbuild.2' })).made, false, 'a later run adopts it');
  await assert.rejects(inActivity(activities.ensureEksAddon, { ...input, owner: { environmentId: 'team/other', runId: 'x' }, name: 'kube-proxy', version: 'v1.35.0-eksbuild.2' }),
    (error: unknown) => error instanceof ApplicationFailure && error.type === errorTypes.resourceNotOwned);
  await inActivity(activities.ensureEksAddon, { ...input, name: 'coredns', version: 'v1.12.4-eksbuild.1', configurationValues: '{"replicaCount":2}' });
  bed.clock.advance(bed.drawn('addon.create', 'demo/kube-proxy') + bed.drawn('addon.create', 'demo/coredns'));
  assert.equal((await activities.describeEksAddon({ cluster: 'demo', name: 'kube-proxy' })).status, 'ACTIVE', 'a DaemonSet with no nodes is not short of replicas');
  const coredns = await activities.describeEksAddon({ cluster: 'demo', name: 'coredns' });
  assert.equal(coredns.status, 'DEGRADED');
  assert.match(coredns.issues[0]!, /^InsufficientNumberOfReplicas/);
  await bed.apis.eks.createNodegroup(nodegroupInput(made.nodeRole, made.network.privateSubnetIds));
  bed.clock.advance(bed.drawn('nodegroup.create', 'demo/general'));
  assert.equal((await activities.describeEksAddon({ cluster: 'demo', name: 'coredns' })).status, 'ACTIVE');
  assert.equal((await bed.apis.eks.describeAddon('demo', 'coredns'))?.tags['eksflow.io/environment'], 'team/demo');
});

test('delete: only with this environment\'s tag; gone after DELETING; absent is done', async () => {
  const { bed, activities } = await ready();
  await bed.apis.eks.createAddon({ cluster: 'demo', name: 'vpc-cni', version: 'v1.20.5-eksbuild.1', tags: { team: 'someone-else' }, clientRequestToken: 'theirs' });
  assert.deepEqual(await activities.deleteEksAddon({ environmentId: 'team/demo', cluster: 'demo', name: 'vpc-cni' }), { outcome: 'not-ours' });
  assert.equal((await activities.describeEksAddon({ cluster: 'demo', name: 'vpc-cni' })).status, 'CREATING', 'left alone');
  await inActivity(activities.ensureEksAddon, { owner, region: 'us-east-1', cluster: 'demo', name: 'eks-pod-identity-agent', version: 'v1.3.10-eksbuild.3', resolveConflicts: 'NONE' });
  assert.deepEqual(await activities.deleteEksAddon({ environmentId: 'team/demo', cluster: 'demo', name: 'eks-pod-identity-agent' }), { outcome: 'deleted' });
  assert.equal((await activities.describeEksAddon({ cluster: 'demo', name: 'eks-pod-identity-agent' })).status, 'DELETING');
  bed.clock.advance(bed.drawn('addon.delete', 'demo/eks-pod-identity-agent'));
  assert.equal((await activities.describeEksAddon({ cluster: 'demo', name: 'eks-pod-identity-agent' })).status, 'NOT_FOUND');
  assert.deepEqual(await activities.deleteEksAddon({ environmentId: 'team/demo', cluster: 'demo', name: 'eks-pod-identity-agent' }), { outcome: 'absent' });
});
