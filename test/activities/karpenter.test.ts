import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createAutoscalingProbeActivities, type ProbeProgress } from '../../src/activities/autoscaling-check';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import { karpenterNodePoolName } from '../../src/domain/karpenter';
import { karpenter } from '../support/karpenter';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { waitFor, type Started } from '../support/process';

// A cluster with an EKS managed node group (the test bed's two nodes carry its
// `eks.amazonaws.com/nodegroup` label) and eksflow's own Karpenter NodePool `default`, the one
// addons.karpenter applies (on its KWOKNodeClass: test/support/karpenter.ts). Karpenter labels its
// nodes `karpenter.sh/nodepool` only, and eksflow's probe counts and targets those as well, as the
// workflow's active check asks for a Karpenter environment.
const group = 'general';
const pool = karpenterNodePoolName;
const groupLabel = { 'eks.amazonaws.com/nodegroup': group };

let cluster: KubeControlPlane;
let autoscaler: Started | undefined;
let karpenterStartMs = 0;
let probe: ReturnType<typeof createAutoscalingProbeActivities>;
before(async () => {
  cluster = await kubeControlPlane({ nodes: 2, nodeLabels: groupLabel });
  const started = Date.now();
  // c-4x: 4 CPUs, as the test bed's nodes, so the probe's pod (60% of a node) fits one new node.
  autoscaler = await karpenter(cluster, { nodePool: { instanceTypes: ['c-4x-amd64-linux'], capacityTypes: ['on-demand'], cpuLimit: '8', consolidateAfter: '5s' } });
  karpenterStartMs = Date.now() - started;
  probe = createAutoscalingProbeActivities(kubeconfigAccess(cluster.kubeconfigPath));
});
after(async () => {
  await autoscaler?.stop();
  await cluster?.stop();
});

const karpenterNodes = async () => (await cluster.kubeConfig.makeApiClient(CoreV1Api).listNode({ labelSelector: `karpenter.sh/nodepool=${pool}` })).items;
const nodeClaims = async () => ((await cluster.kubeConfig.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' })) as {
  items: { metadata: { name: string; labels?: Record<string, string> }; status?: { nodeName?: string } }[];
}).items;

test('real Karpenter launches a KWOK node for eksflow\'s active probe, and consolidates it away once the probe is gone', async (t) => {
  t.diagnostic(`Karpenter ready in ${karpenterStartMs} ms`);
  const activity = new MockActivityEnvironment();
  const seen: ProbeProgress[] = [];
  activity.on('heartbeat', (progress: ProbeProgress) => seen.push(progress));
  // Nobody adds a node by hand here: only Karpenter can make room for the third probe pod.
  const report = await activity.run(probe.probeAutoscaling, { cluster: 'test-bed', nodeGroups: [group], nodePools: [pool], timeoutSeconds: 120 }) as Awaited<ReturnType<typeof probe.probeAutoscaling>>;
  t.diagnostic(`probe: Pending after ${report.pendingAfterSeconds}s, every pod ran after ${report.scheduledAfterSeconds}s`);
  assert.equal(report.nodesBefore, 2);
  assert.equal(report.nodesAfter, 3);
  assert.ok(report.scheduledAfterSeconds >= report.pendingAfterSeconds);
  assert.ok(seen.some((p) => p.stage === 'pending'));
  assert.equal(seen.at(-1)?.stage, 'cleaning-up');

  // The joined node is Karpenter's: a NodeClaim of the pool names it, and it carries the pool's labels.
  const [node] = await karpenterNodes();
  assert.ok(node, 'a node labelled karpenter.sh/nodepool');
  const name = node.metadata!.name!;
  // Karpenter's own label, and not the node group's: the probe counted it as a NodePool's node.
  assert.equal(node.metadata?.labels?.['eks.amazonaws.com/nodegroup'], undefined);
  assert.equal(node.metadata?.labels?.['node.kubernetes.io/instance-type'], 'c-4x-amd64-linux');
  assert.match(node.spec?.providerID ?? '', /^kwok:\/\//);
  const claims = await nodeClaims();
  assert.ok(claims.some((claim) => claim.status?.nodeName === name && claim.metadata.labels?.['karpenter.sh/nodepool'] === pool),
    `a NodeClaim for ${name}: ${JSON.stringify(claims.map((c) => [c.metadata.name, c.status?.nodeName]))}`);

  // The probe deleted its namespace: the node is empty, and consolidation removes node and claim.
  const gone = Date.now();
  await waitFor(`Karpenter to consolidate the empty node ${name}`, async () => (await karpenterNodes()).length === 0 && (await nodeClaims()).length === 0,
    { timeoutMs: 120_000, intervalMs: 1_000, giveUpIf: () => (autoscaler?.alive() ? undefined : 'karpenter exited') });
  t.diagnostic(`empty node consolidated in ${Date.now() - gone} ms`);
  assert.deepEqual((await cluster.kubeConfig.makeApiClient(CoreV1Api).listNode()).items.map((n) => n.metadata?.name).sort(), [...cluster.nodeNames].sort());
});
