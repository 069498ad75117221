import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { AddonContext } from '../../../src/activities/addons/addon-module';
import { createAddonActivities } from '../../../src/activities/addons';
import type { createHelmActivities } from '../../../src/activities/helm';
import { startSimKube, type SimKube } from '../../../src/sim/kube';
import { activeCluster, manualSim, nodegroupInput } from '../../sim/aws/fixtures';

// Catalog entry 32 on the simulated EKS: an EKS managed add-on created before its pods have
// anywhere to run reports DEGRADED with InsufficientNumberOfReplicas, which the nodes mend —
// a state to wait through, as Terraform's waitAddonCreated does, not the failure the SDK's
// waitUntilAddonActive makes of it. CREATE_FAILED is final, and fails with EKS's health issues.

let kube: SimKube;
before(async () => {
  kube = await startSimKube({ speedup: 1000 });
  kube.addCluster('demo');
});
after(() => kube?.close());

const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
const context: AddonContext = {
  cluster: 'demo', region: 'us-east-1', kubernetesVersion: '1.35', owner: { environmentId: 'team/demo', runId: 'run-1' }, options: { 'metrics-server': { method: 'eks-addon' } },
};
const request = { addon: 'metrics-server' as const, context };

function addonActivities(bed: ReturnType<typeof manualSim>) {
  return createAddonActivities({ kube: kube.access, eks: bed.apis.eks, helm: {} as ReturnType<typeof createHelmActivities>, pace: (ms) => ms / 1000 }, async () => assert.fail('no role here'));
}

test('DEGRADED before any node exists is waited through (not failed), and the add-on is ready-able once nodes come', async () => {
  const bed = manualSim();
  const { nodeRole, network } = await activeCluster(bed);
  bed.clock.advance(bed.drawn('addon.api-lag', 'demo'));
  const { installAddon, addonReadiness } = addonActivities(bed);
  assert.match((await inActivity(installAddon, request)).summary, /EKS add-on metrics-server v0\.8\.0-eksbuild\.1 CREATING/);
  bed.clock.advance(bed.drawn('addon.create', 'demo/metrics-server'));
  // As EKS: DEGRADED with the issue until there is somewhere to run.
  const described = await bed.apis.eks.describeAddon('demo', 'metrics-server');
  assert.equal(described?.status, 'DEGRADED');
  assert.match(described?.issues[0] ?? '', /^InsufficientNumberOfReplicas/);
  const degraded = await inActivity(addonReadiness, request);
  assert.equal(degraded.status, 'waiting');
  assert.equal(degraded.failed, undefined);
  assert.equal(degraded.ready, false);
  await bed.apis.eks.createNodegroup(nodegroupInput(nodeRole, network.privateSubnetIds));
  bed.clock.advance(bed.drawn('nodegroup.create', 'demo/general'));
  assert.equal((await bed.apis.eks.describeAddon('demo', 'metrics-server'))?.status, 'ACTIVE', 'capacity mended it');
  assert.equal((await inActivity(addonReadiness, request)).failed, undefined);
});

test('CREATE_FAILED is final: the readiness answers the failed status with EKS\'s health issues, code: message', async () => {
  const bed = manualSim();
  await activeCluster(bed);
  bed.clock.advance(bed.drawn('addon.api-lag', 'demo'));
  bed.sim.faults.failOutcome('addon', 'demo/metrics-server', {
    status: 'CREATE_FAILED', issues: ['ConfigurationConflict: Conflicts found when trying to apply. Will not continue due to resolve conflicts mode.'],
  });
  const { installAddon, addonReadiness } = addonActivities(bed);
  await inActivity(installAddon, request);
  bed.clock.advance(bed.drawn('addon.create', 'demo/metrics-server'));
  const failed = await inActivity(addonReadiness, request);
  assert.equal(failed.status, 'CREATE_FAILED');
  assert.deepEqual(failed.issues, ['ConfigurationConflict: Conflicts found when trying to apply. Will not continue due to resolve conflicts mode.']);
  assert.deepEqual(failed.gates, [{ gate: 'EKS add-on metrics-server created', ok: false, detail: 'CREATE_FAILED: ConfigurationConflict: Conflicts found when trying to apply. Will not continue due to resolve conflicts mode.' }]);
});
