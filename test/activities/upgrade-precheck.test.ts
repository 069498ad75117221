import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import { createUpgradePrecheckActivities } from '../../src/activities/upgrade-precheck';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';

// The pre-check of a Kubernetes upgrade reads what the real API server counts: a client of a
// deprecated beta (resource.k8s.io/v1beta1, served here by --runtime-config, which kube-apiserver
// 1.36 labels removed_release="1.38") is named before anything changes.
let cluster: KubeControlPlane;
before(async () => {
  cluster = await kubeControlPlane({ nodes: 0, runtimeConfig: ['resource.k8s.io/v1beta1=true'] });
});
after(() => cluster?.stop());

test('deprecated APIs still requested: named when the target removes them, listed as later when it does not, passed with force', async () => {
  const { upgradePrecheck } = createUpgradePrecheckActivities(kubeconfigAccess(cluster.kubeconfigPath));
  const before = await upgradePrecheck({ cluster: 'demo', target: '1.36' });
  assert.equal(before.detail, 'apiserver_requested_deprecated_apis: no deprecated API requested');

  // An old client lists resource claims through the deprecated beta.
  await cluster.kubeConfig.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'resource.k8s.io', version: 'v1beta1', plural: 'resourceclaims' });
  const to136 = await upgradePrecheck({ cluster: 'demo', target: '1.36' });
  assert.equal(to136.detail, 'apiserver_requested_deprecated_apis: 1 deprecated API requested, 0 removed by 1.36');
  assert.deepEqual(to136.later, ['resource.k8s.io/v1beta1 resourceclaims (removed in 1.38)']);

  const blocked = await upgradePrecheck({ cluster: 'demo', target: '1.38' }).then(() => undefined, (error: unknown) => error);
  assert.ok(blocked instanceof ApplicationFailure, String(blocked));
  assert.equal(blocked.type, 'UpgradeBlocked');
  assert.equal(blocked.nonRetryable, true);
  assert.match(blocked.message, /^Kubernetes 1\.38 removes APIs the cluster's clients still request: resource\.k8s\.io\/v1beta1 resourceclaims \(removed in 1\.38\); move those clients/);

  const forced = await upgradePrecheck({ cluster: 'demo', target: '1.38', force: true });
  assert.equal(forced.detail, 'apiserver_requested_deprecated_apis: 1 deprecated API requested, 1 removed by 1.38 (forced)');
});
