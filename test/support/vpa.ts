import { KubernetesObjectApi, loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import type { KubeControlPlane } from './kube';
import { freePort, startProcess, waitForPeer, type Started } from './process';
import { toolPath } from './tools';

/**
 * The Vertical Pod Autoscaler's real recommender (tools/install-vpa.sh builds it from the Go
 * module proxy), run beside the test bed's control plane as metrics-server is: it reads pod
 * usage from metrics.k8s.io (KWOK's emulated kubelets, through metrics-server) and writes each
 * VerticalPodAutoscaler's status.recommendation. The release's own CRDs are applied first
 * (already there, as a chart leaves them, is fine). The cluster needs `metrics: true`.
 */
export async function vpaRecommender(cluster: KubeControlPlane, { intervalSeconds = 10 } = {}): Promise<Started> {
  const objects = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  for (const crd of loadAllYaml(readFileSync(toolPath('vpaCrds'), 'utf8')) as KubernetesObject[]) {
    try {
      await objects.create(crd);
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }
  const port = await freePort();
  const recommender = startProcess('vpa-recommender', toolPath('vpaRecommender'), [
    `--kubeconfig=${cluster.kubeconfigPath}`, `--address=127.0.0.1:${port}`,
    // Its default loop is a minute; the first recommendation needs one loop after the first samples.
    `--recommender-interval=${intervalSeconds}s`, '--v=2',
  ]);
  await waitForPeer(recommender, 'the VPA recommender to serve its metrics', async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).ok, { timeoutMs: 60_000 });
  return recommender;
}
