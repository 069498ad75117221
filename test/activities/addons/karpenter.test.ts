import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { AddonContext } from '../../../src/activities/addons/addon-module';
import { inlinePolicyFor } from '../../../src/activities/addons';
import { karpenterAddon, karpenterValues } from '../../../src/activities/addons/karpenter';
import { addonCatalog } from '../../../src/domain/addon-catalog';
import { parseEnvironmentSpec, type AddonsSpec } from '../../../src/domain/environment-spec';
import { planEnvironment } from '../../../src/domain/planner';
import { addonBedPerFile, isGone, readinessUntil } from '../../support/addon-bed';

// The upstream packaged chart the catalog pins (tools/charts.lock), not a stand-in. The test
// bed's nodes are KWOK's: the controller's pods are scheduled and reported Running, but no
// Karpenter process runs in them; what is checked is what the chart and eksflow make.
// The chart's pods spread over zones (topologySpreadConstraints, DoNotSchedule): the nodes have one.
const bed = addonBedPerFile({ nodes: 2, nodeLabels: { 'topology.kubernetes.io/zone': 'us-east-1a' } });

const defaults = (karpenter: Record<string, unknown> = {}): AddonsSpec => {
  const parsed = parseEnvironmentSpec({ name: 'demo', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] }, nodeGroups: [{ name: 'system', instanceTypes: ['m5.large'], minSize: 1, maxSize: 2, desiredSize: 1 }], addons: { karpenter } });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  return parsed.spec.addons;
};
const roleArn = 'arn:aws:iam::123456789012:role/demo-kube-system-karpenter';
const context = (options: AddonsSpec = defaults()): AddonContext => ({
  cluster: 'demo', region: 'us-east-1', kubernetesVersion: '1.35', owner: { environmentId: 'team-a/demo', runId: 'run-1' }, options, roleArn,
});
const resolved = addonCatalog.get('karpenter')!.resolve(defaults(), '1.35');
const inActivity = <R>(fn: () => Promise<R>) => new MockActivityEnvironment().run(fn) as Promise<R>;
const custom = () => bed.cluster.kubeConfig.makeApiClient(CustomObjectsApi);

test('the chart values: the cluster, its interruption queue, the IRSA role on the chart\'s ServiceAccount, two replicas', () => {
  assert.deepEqual(karpenterValues(context(), resolved), {
    settings: { clusterName: 'demo', interruptionQueue: 'demo-karpenter' },
    serviceAccount: { create: true, name: 'karpenter', annotations: { 'eks.amazonaws.com/role-arn': roleArn } },
    replicas: 2,
  });
  // Without the queue, the chart turns interruption handling off (settings.interruptionQueue empty).
  assert.deepEqual((karpenterValues(context(defaults({ interruptionQueue: false })), resolved).settings), { clusterName: 'demo' });
});

test('the controller\'s policy: the template\'s statements, scoped to the cluster, the node role and the queue; none for a queue it does not have', () => {
  const policy = inlinePolicyFor(resolved.iam!, context(), '123456789012').karpenter!;
  assert.deepEqual(policy.Statement.map((s) => s.Sid), [
    'AllowScopedEC2InstanceAccessActions', 'AllowScopedEC2LaunchTemplateAccessActions', 'AllowScopedEC2InstanceActionsWithTags', 'AllowScopedResourceCreationTagging',
    'AllowScopedResourceTagging', 'AllowScopedDeletion', 'AllowRegionalReadActions', 'AllowSSMReadActions', 'AllowPricingReadActions', 'AllowInterruptionQueueActions',
    'AllowPassingInstanceRole', 'AllowScopedInstanceProfileCreationActions', 'AllowScopedInstanceProfileTagActions', 'AllowScopedInstanceProfileActions',
    'AllowInstanceProfileReadActions', 'AllowAPIServerEndpointDiscovery',
  ]);
  const statement = (sid: string) => policy.Statement.find((s) => s.Sid === sid)!;
  assert.equal(statement('AllowPassingInstanceRole').Resource, 'arn:aws:iam::123456789012:role/demo-karpenter-node');
  assert.equal(statement('AllowInterruptionQueueActions').Resource, 'arn:aws:sqs:us-east-1:123456789012:demo-karpenter');
  assert.deepEqual(statement('AllowScopedDeletion').Condition, { StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/demo': 'owned' }, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' } });
  assert.equal(statement('AllowAPIServerEndpointDiscovery').Resource, 'arn:aws:eks:us-east-1:123456789012:cluster/demo');
  const withoutQueue = inlinePolicyFor(resolved.iam!, context(defaults({ interruptionQueue: false })), '123456789012').karpenter!;
  assert.ok(!withoutQueue.Statement.some((s) => s.Sid === 'AllowInterruptionQueueActions'));
});

test('install renders the real chart: its CRDs, the Deployment with the cluster and queue, the IRSA annotation; then eksflow\'s EC2NodeClass and NodePool', async () => {
  const installed = await inActivity(() => karpenterAddon(bed.tools, resolved).install(context()));
  assert.equal(installed.summary, 'helm karpenter 1.14.1 revision 1 deployed; EC2NodeClass default and NodePool default applied');

  const deployment = await bed.cluster.kubeConfig.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'karpenter', namespace: 'kube-system' });
  assert.equal(deployment.metadata?.labels?.['helm.sh/chart'], 'karpenter-1.14.1', 'the upstream chart itself');
  assert.equal(deployment.spec?.replicas, 2);
  const env = Object.fromEntries((deployment.spec?.template.spec?.containers[0]?.env ?? []).map(({ name, value }) => [name, value]));
  assert.equal(env.CLUSTER_NAME, 'demo');
  assert.equal(env.INTERRUPTION_QUEUE, 'demo-karpenter');
  assert.equal(deployment.spec?.template.spec?.serviceAccountName, 'karpenter');
  const serviceAccount = await bed.cluster.kubeConfig.makeApiClient(CoreV1Api).readNamespacedServiceAccount({ name: 'karpenter', namespace: 'kube-system' });
  assert.equal(serviceAccount.metadata?.annotations?.['eks.amazonaws.com/role-arn'], roleArn);

  // Accepted by the chart's own CRDs' schemas (karpenter.k8s.aws/v1, karpenter.sh/v1), as applied.
  const nodeClass = await custom().getClusterCustomObject({ group: 'karpenter.k8s.aws', version: 'v1', plural: 'ec2nodeclasses', name: 'default' }) as { spec: Record<string, unknown>; metadata: { labels: Record<string, string> } };
  assert.deepEqual(nodeClass.spec.role, 'demo-karpenter-node');
  assert.deepEqual(nodeClass.spec.amiSelectorTerms, [{ alias: 'al2023@latest' }]);
  assert.deepEqual(nodeClass.spec.subnetSelectorTerms, [{ tags: { 'karpenter.sh/discovery': 'demo' } }]);
  assert.deepEqual(nodeClass.spec.securityGroupSelectorTerms, [{ tags: { 'karpenter.sh/discovery': 'demo' } }]);
  assert.equal(nodeClass.metadata.labels['app.kubernetes.io/managed-by'], 'eksflow');
  const pool = await custom().getClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodepools', name: 'default' }) as { spec: { template: { spec: { nodeClassRef: unknown; requirements: { key: string; values: string[] }[] } }; disruption: Record<string, unknown> } };
  assert.deepEqual(pool.spec.template.spec.nodeClassRef, { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' });
  assert.deepEqual(pool.spec.template.spec.requirements.find((r) => r.key === 'karpenter.sh/capacity-type')?.values, ['on-demand']);
  assert.equal(pool.spec.disruption.consolidateAfter, '1m');

  const seen = await readinessUntil(() => karpenterAddon(bed.tools, resolved).isReady(context()), (r) => r.ready);
  assert.deepEqual(seen.at(-1)!.gates.map((g) => [g.gate, g.ok]), [
    ['CRD nodepools.karpenter.sh established', true], ['CRD ec2nodeclasses.karpenter.k8s.aws established', true], ['deployment kube-system/karpenter available', true],
  ]);
});

test('uninstall removes eksflow\'s NodePool and EC2NodeClass, then the release; again is a no-op', async () => {
  assert.deepEqual(await inActivity(() => karpenterAddon(bed.tools, resolved).uninstall(context())), { removed: true });
  assert.ok(await isGone(custom().getClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodepools', name: 'default' })));
  assert.ok(await isGone(custom().getClusterCustomObject({ group: 'karpenter.k8s.aws', version: 'v1', plural: 'ec2nodeclasses', name: 'default' })));
  assert.deepEqual(await inActivity(() => karpenterAddon(bed.tools, resolved).uninstall(context())), { removed: false });
});

test('a spec with both autoscalers is refused, naming the pair', () => {
  const parsed = parseEnvironmentSpec({ name: 'demo', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] }, nodeGroups: [{ name: 'system', instanceTypes: ['m5.large'], minSize: 1, maxSize: 2, desiredSize: 1 }], addons: { karpenter: {}, 'cluster-autoscaler': {} } });
  assert.ok(parsed.ok);
  assert.throws(() => planEnvironment(parsed.spec), /\/addons\/cluster-autoscaler: cluster-autoscaler conflicts with karpenter: both would scale the nodes; choose one/);
});
