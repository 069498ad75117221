import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

/**
 * Plays cluster-autoscaler's loop, which the test bed cannot run (its Go module is refused by
 * the module proxy here): writes its status report, in its classic text form.
 */
export async function writeAutoscalerStatus(kubeConfig: KubeConfig, health: 'Healthy' | 'Unhealthy'): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const body = {
    metadata: { name: 'cluster-autoscaler-status', namespace: 'kube-system' },
    data: { status: `Cluster-autoscaler status at 2026-11-24 19:00:00 +0000 UTC:\nCluster-wide:\n  Health:      ${health} (ready=2 unready=0 notStarted=0 longNotStarted=0 registered=2 longUnregistered=0)\n  ScaleUp:     NoActivity (ready=2 registered=2)\n  ScaleDown:   NoCandidates (candidates=0)\n` },
  };
  await core.replaceNamespacedConfigMap({ name: body.metadata.name, namespace: 'kube-system', body }).catch(() => core.createNamespacedConfigMap({ namespace: 'kube-system', body }));
}
