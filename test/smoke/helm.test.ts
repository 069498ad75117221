import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AppsV1Api } from '@kubernetes/client-node';
import { helmFor, type Helm } from '../support/helm';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { appChartsDir } from '../support/paths';

let cluster: KubeControlPlane;
let helm: Helm;
before(async () => {
  cluster = await kubeControlPlane({ nodes: 2 });
  helm = helmFor(cluster.kubeconfigPath);
});
after(async () => {
  helm?.cleanup();
  await cluster?.stop();
});

const chart = join(appChartsDir, 'smoke-web');

test('helm installs a chart and waits for it, reports it deployed, and uninstalls it', async () => {
  const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  await helm('install', 'smoke', chart, '--namespace', 'default', '--set', 'replicaCount=3', '--wait', '--timeout', '90s');

  // --wait returned, so the rollout it waited for must already be complete.
  const deployment = await apps.readNamespacedDeployment({ name: 'smoke', namespace: 'default' });
  assert.equal(deployment.status?.availableReplicas, 3);

  const status = JSON.parse(await helm('status', 'smoke', '--namespace', 'default', '-o', 'json')) as { info: { status: string }; version: number };
  assert.equal(status.info.status, 'deployed');
  assert.equal(status.version, 1);

  await helm('uninstall', 'smoke', '--namespace', 'default', '--wait', '--timeout', '60s');
  const releases = JSON.parse(await helm('list', '--namespace', 'default', '-o', 'json')) as unknown[];
  assert.deepEqual(releases, []);
  await assert.rejects(apps.readNamespacedDeployment({ name: 'smoke', namespace: 'default' }), /404|not found/i);
});
