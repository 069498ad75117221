import { ApiextensionsV1Api, KubernetesObjectApi, loadYaml, type KubernetesObject, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeControlPlane } from './kube';
import { freePort, startProcess, waitFor, waitForPeer, type Started } from './process';
import { toolPath } from './tools';
import { karpenterNodePool, karpenterNodePoolName, type KarpenterOptions as EksflowKarpenterOptions } from '../../src/domain/karpenter';

type KarpenterNodePoolOptions = EksflowKarpenterOptions['nodePool'];

export interface KarpenterOptions {
  /**
   * The pool eksflow applies for addons.karpenter (src/domain/karpenter.ts `karpenterNodePool`),
   * from these options. On the test bed only the instance types differ: the KWOK provider's own
   * (`c-4x-amd64-linux`…, from its built-in list), as EC2's do not exist here.
   * @default on-demand, every linux/amd64 KWOK type, consolidation after 5s
   */
  nodePool?: KarpenterNodePoolOptions;
}

/**
 * Karpenter core with its KWOK cloud provider (tools/install-karpenter.sh builds it from the Go
 * module proxy), run beside the test bed's control plane: it sees pods the scheduler marks
 * Unschedulable, launches NodeClaims from the NodePool, and its KWOK provider creates the Node
 * objects, annotated `kwok.x-k8s.io/node: fake` — the annotation the test bed's KWOK manages,
 * so they turn Ready and renew their leases like the hand-made ones. Empty or underutilized
 * nodes are consolidated (deleted) after `consolidateAfter`. The release's own CRDs are applied
 * first (already there is fine), then a KWOKNodeClass and eksflow's NodePool `default`.
 */
export async function karpenter(cluster: KubeControlPlane, options: KarpenterOptions = {}): Promise<Started> {
  await applyCrds(cluster);
  const objects = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  for (const object of [kwokNodeClass(karpenterNodePoolName), nodePool(options.nodePool)]) {
    try {
      await objects.create(object);
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const peer = startProcess('karpenter', toolPath('karpenterKwok'), [], {
    env: {
      // controller-runtime's GetConfig reads KUBECONFIG; Karpenter parses its own flag set, with no --kubeconfig.
      KUBECONFIG: cluster.kubeconfigPath,
      // Leader election out of a cluster needs a namespace it cannot infer, and one replica needs none.
      DISABLE_LEADER_ELECTION: 'true',
      // Its defaults (8080, 8081) would collide with other test files' peers: ports of our own.
      METRICS_PORT: String(metricsPort),
      HEALTH_PROBE_PORT: String(healthPort),
      // Pods Pending within 1s of each other form one batch; a batch waits at most 2s (not 10s),
      // so a test's pending pod gets its NodeClaim within seconds.
      BATCH_IDLE_DURATION: '1s',
      BATCH_MAX_DURATION: '2s',
      // Its decisions (NodeClaims computed, launched, registered, consolidated) are logged at debug.
      LOG_LEVEL: 'debug',
      // Left unset, as nothing here needs them: MEMORY_LIMIT and CPU_REQUESTS (the chart passes
      // its pod's; they only size Go's GC limit and the scheduling workers, 1 by default), and
      // SYSTEM_NAMESPACE and KARPENTER_SERVICE, which v1.15's code no longer reads (no webhooks).
      // Its default FEATURE_GATES leave NodeRepair, StaticCapacity and CapacityBuffer off.
    },
  });
  // /readyz also checks the NodePool and NodeClaim kinds map and the caches synced: it is ready to provision.
  await waitForPeer(peer, 'Karpenter ready', async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).ok, { timeoutMs: 60_000, intervalMs: 250 });
  return peer;
}

async function applyCrds(cluster: KubeControlPlane): Promise<void> {
  const extensions = cluster.kubeConfig.makeApiClient(ApiextensionsV1Api);
  const dir = toolPath('karpenterCrds');
  const crds = readdirSync(dir).filter((file) => file.endsWith('.yaml'))
    .map((file) => loadYaml<V1CustomResourceDefinition>(readFileSync(join(dir, file), 'utf8')));
  for (const crd of crds) {
    try {
      await extensions.createCustomResourceDefinition({ body: crd });
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }
  // The NodePool below can only be created once its kind is served.
  await waitFor('Karpenter CRDs Established', async () => {
    const established = await Promise.all(crds.map(async (crd) => (await extensions.readCustomResourceDefinition({ name: crd.metadata!.name! }))
      .status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')));
    return established.every(Boolean);
  }, { timeoutMs: 30_000 });
}

function kwokNodeClass(name: string): KubernetesObject {
  // The KWOK provider's node class has no settings; the NodePool must still name one.
  return { apiVersion: 'karpenter.kwok.sh/v1alpha1', kind: 'KWOKNodeClass', metadata: { name } };
}

/**
 * eksflow's own NodePool, as the add-on applies it, with one substitution this test bed needs
 * and says openly: its nodeClassRef names the KWOK provider's KWOKNodeClass instead of the
 * EC2NodeClass (the KWOK provider launches no EC2 instances and serves no EC2NodeClass). When
 * no instance types are given, every linux/amd64 KWOK type is allowed instead of EC2's c, m, r
 * families (labels KWOK's types do not carry).
 */
function nodePool(options: KarpenterNodePoolOptions = { capacityTypes: ['on-demand'], consolidateAfter: '5s' }): KubernetesObject {
  const pool = karpenterNodePool(options, { nodeClassRef: { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: karpenterNodePoolName } });
  if (!options.instanceTypes) {
    const template = (pool.spec.template as { spec: { requirements: { key: string }[] } }).spec;
    template.requirements = template.requirements.filter((r) => !r.key.startsWith('karpenter.k8s.aws/'));
  }
  return pool as KubernetesObject;
}
