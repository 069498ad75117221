import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppsV1Api, AuthorizationV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { AddonContext, AddonReadiness } from '../../../src/activities/addons/addon-module';
import {
  autoscalerStatus, autoscalerStatusConfigMap, clusterAutoscalerAddon, clusterAutoscalerValues, parseAutoscalerStatus,
} from '../../../src/activities/addons/cluster-autoscaler';
import { kubeNotFound } from '../../../src/activities/kube-calls';
import { addonCatalog, clusterAutoscalerChartVersions, clusterAutoscalerImageTags, type KubernetesMinor, type ResolvedAddon } from '../../../src/domain/addon-catalog';
import { clusterAutoscalerTags } from '../../../src/domain/iam-policies/cluster-autoscaler';
import { nodeCounts, statusReport, statusYaml } from '../../../src/sim/kube/controllers/cluster-autoscaler-loop';
import { addonBedPerFile } from '../../support/addon-bed';
import { waitFor } from '../../support/process';

// The upstream packaged charts the catalog pins (tools/charts.lock), not stand-ins.
const bed = addonBedPerFile({ nodes: 2 });

const options = { 'cluster-autoscaler': {} };
const roleArn = 'arn:aws:iam::123456789012:role/x';
const context = (kubernetesVersion: KubernetesMinor = '1.35'): AddonContext => ({
  cluster: 'demo', region: 'us-east-1', kubernetesVersion, owner: { environmentId: 'team-a/demo', runId: 'run-1' }, options, roleArn,
});
const resolve = (minor: KubernetesMinor) => addonCatalog.get('cluster-autoscaler')!.resolve(options, minor);
const resolved = resolve('1.35');
const addon = (on: ResolvedAddon = resolved) => clusterAutoscalerAddon(bed.tools, on);
const inActivity = <R>(fn: () => Promise<R>) => new MockActivityEnvironment().run(fn) as Promise<R>;
const deploymentName = 'cluster-autoscaler-aws-cluster-autoscaler';
const readDeployment = () => bed.cluster.kubeConfig.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: deploymentName, namespace: 'kube-system' });

test('the chart values: AWS, ASG auto-discovery by the node groups\' tag keys, the image of the cluster\'s minor, IRSA, and the tutorial\'s flags', () => {
  assert.deepEqual(clusterAutoscalerValues(context('1.35'), resolved), {
    cloudProvider: 'aws',
    awsRegion: 'us-east-1',
    autoDiscovery: { clusterName: 'demo', tags: ['k8s.io/cluster-autoscaler/demo', 'k8s.io/cluster-autoscaler/enabled'] },
    image: { tag: 'v1.35.0' },
    rbac: { serviceAccount: { create: true, name: 'cluster-autoscaler', annotations: { 'eks.amazonaws.com/role-arn': roleArn } } },
    extraArgs: {
      expander: 'least-waste',
      'balance-similar-node-groups': true,
      'skip-nodes-with-local-storage': false,
      'skip-nodes-with-system-pods': false,
    },
    podAnnotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' },
  });
  assert.deepEqual((clusterAutoscalerValues(context('1.35'), resolved).autoDiscovery as { tags: string[] }).tags, Object.keys(clusterAutoscalerTags('demo')));
  for (const minor of Object.keys(clusterAutoscalerImageTags) as KubernetesMinor[]) {
    const tag = (clusterAutoscalerValues(context(minor), resolved).image as { tag: string }).tag;
    assert.ok(tag.startsWith(`v${minor}.`), `${minor} runs ${tag}`);
  }
});

test('the chart follows the minor: 9.52.1 up to 1.34, and from 1.35 (DRA always on) 9.59.0, whose ClusterRole reads resource.k8s.io', () => {
  const versions = Object.fromEntries((Object.keys(clusterAutoscalerImageTags) as KubernetesMinor[]).map((minor) => {
    const { install } = resolve(minor);
    return [minor, install.method === 'helm' ? install.chart.version : install.method];
  }));
  assert.deepEqual(versions, { '1.31': '9.52.1', '1.32': '9.52.1', '1.33': '9.52.1', '1.34': '9.52.1', '1.35': '9.59.0', '1.36': '9.59.0' });
  assert.deepEqual(versions, clusterAutoscalerChartVersions);
});

// What the autoscaler's ServiceAccount may do, asked of the real apiserver's RBAC authorizer.
const serviceAccountUser = 'system:serviceaccount:kube-system:cluster-autoscaler';
async function allowed(resourceAttributes: { group?: string; resource: string; verb: string; namespace?: string; name?: string }): Promise<boolean> {
  const review = await bed.cluster.kubeConfig.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
    body: {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
      spec: { user: serviceAccountUser, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'], resourceAttributes },
    },
  });
  return review.status?.allowed === true;
}
// Cluster Autoscaler 1.35 and later list and watch these at start (its DRA snapshot), cluster-wide.
const draReads = ['resourceslices', 'deviceclasses', 'resourceclaims'].flatMap((resource) => ['list', 'watch'].map((verb) => ({ group: 'resource.k8s.io', resource, verb })));
const draAccess = async () => Object.fromEntries(await Promise.all(draReads.map(async (attrs) => [`${attrs.verb} ${attrs.resource}`, await allowed(attrs)] as const)));

test('install on 1.36 renders the Deployment the readiness gate names, with the flags, the image tag and the pod annotation', async () => {
  const installed = await inActivity(() => addon(resolve('1.36')).install(context('1.36')));
  assert.equal(installed.summary, 'helm cluster-autoscaler 9.59.0 revision 1 deployed');

  const deployment = await readDeployment();
  assert.equal(deployment.metadata?.labels?.['helm.sh/chart'], 'cluster-autoscaler-9.59.0', 'the upstream chart itself');
  const pod = deployment.spec?.template;
  assert.equal(pod?.metadata?.annotations?.['cluster-autoscaler.kubernetes.io/safe-to-evict'], 'false');
  const container = pod?.spec?.containers[0];
  assert.equal(container?.image, 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.0');
  assert.deepEqual(container?.command, [
    './cluster-autoscaler',
    '--cloud-provider=aws',
    '--namespace=kube-system',
    '--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/demo,k8s.io/cluster-autoscaler/enabled',
    // extraArgs, in key order, the chart's own defaults among them.
    '--balance-similar-node-groups=true',
    '--expander=least-waste',
    '--logtostderr=true',
    '--skip-nodes-with-local-storage=false',
    '--skip-nodes-with-system-pods=false',
    '--stderrthreshold=info',
    '--v=4',
  ]);
  // The chart's downward-API variables, then the region eksflow sets.
  assert.deepEqual(container?.env?.map(({ name, value, valueFrom }) => [name, value ?? valueFrom?.fieldRef?.fieldPath]), [
    ['POD_NAMESPACE', 'metadata.namespace'], ['SERVICE_ACCOUNT', 'spec.serviceAccountName'], ['AWS_REGION', 'us-east-1'],
  ]);
  assert.equal(pod?.spec?.serviceAccountName, 'cluster-autoscaler');
  const serviceAccount = await bed.cluster.kubeConfig.makeApiClient(CoreV1Api).readNamespacedServiceAccount({ name: 'cluster-autoscaler', namespace: 'kube-system' });
  assert.equal(serviceAccount.metadata?.annotations?.['eks.amazonaws.com/role-arn'], roleArn);

  const readiness = await waitFor('the autoscaler ready', async () => {
    const seen: AddonReadiness = await addon(resolve('1.36')).isReady(context('1.36'));
    return seen.ready && seen;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  assert.deepEqual(readiness.gates, [{ gate: `deployment kube-system/${deploymentName} available`, ok: true, detail: '1/1 replicas available' }]);
});

test('on 1.36 the chart\'s RBAC lets the autoscaler\'s ServiceAccount list and watch the DRA objects, and write its status ConfigMap', async () => {
  assert.deepEqual(await draAccess(), Object.fromEntries(draReads.map(({ resource, verb }) => [`${verb} ${resource}`, true])));
  // The status report the autoscaler writes after each loop (played in the tests below).
  assert.equal(await allowed({ resource: 'configmaps', verb: 'create', namespace: 'kube-system' }), true);
  assert.equal(await allowed({ resource: 'configmaps', verb: 'update', namespace: 'kube-system', name: 'cluster-autoscaler-status' }), true);
  assert.equal(await allowed({ resource: 'configmaps', verb: 'update', namespace: 'kube-system', name: 'coredns' }), false, 'only its own ConfigMap');
  // What the played loop reads and writes besides (cluster-autoscaler-loop.ts): pending pods, nodes,
  // and its events — TriggeredScaleUp on pods anywhere, ScaledUpGroup on the status ConfigMap.
  for (const [resource, verb] of [['pods', 'list'], ['nodes', 'list'], ['events', 'create'], ['events', 'patch']] as const) {
    assert.equal(await allowed({ resource, verb, namespace: 'shop' }), true, `${verb} ${resource}`);
  }
});

test('the old pin, chart 9.52.1, under a 1.36 autoscaler: the apiserver denies every DRA read, which a 1.36 autoscaler cannot run without', async () => {
  const resolved136 = resolve('1.36');
  const { install } = resolved136;
  assert.ok(install.method === 'helm');
  const oldPin: ResolvedAddon = { ...resolved136, install: { ...install, chart: { ...install.chart, version: '9.52.1' } } };
  const downgraded = await inActivity(() => addon(oldPin).install(context('1.36')));
  assert.equal(downgraded.summary, 'helm cluster-autoscaler 9.52.1 revision 2 deployed');
  assert.equal((await readDeployment()).metadata?.labels?.['helm.sh/chart'], 'cluster-autoscaler-9.52.1');
  assert.deepEqual(await draAccess(), Object.fromEntries(draReads.map(({ resource, verb }) => [`${verb} ${resource}`, false])));
});

test('the chart and the image follow the cluster\'s Kubernetes minor: an environment on 1.31 runs 9.52.1 and v1.31.x', async () => {
  const upgraded = await inActivity(() => addon(resolve('1.31')).install(context('1.31')));
  assert.equal(upgraded.summary, 'helm cluster-autoscaler 9.52.1 revision 3 deployed');
  assert.equal((await readDeployment()).spec?.template.spec?.containers[0]?.image, `registry.k8s.io/autoscaling/cluster-autoscaler:${clusterAutoscalerImageTags['1.31']}`);
  assert.equal(clusterAutoscalerImageTags['1.31'], 'v1.31.3');
});

// The report as the autoscaler of each pinned minor writes it (gopkg.in/yaml.v2 up to 1.34,
// sigs.k8s.io/yaml from 1.35), made by the same code the played autoscaler writes with.
const yamlStatus = (health: 'Healthy' | 'Unhealthy', minor: string) => statusYaml(statusReport({
  health, counts: nodeCounts(2, 2), now: new Date('2026-01-05T10:00:00Z'),
  // A node group's health is its own: it does not make the cluster's.
  groups: [{ id: 'eks-general-1234', minSize: 1, maxSize: 3, targetSize: 2, health: health === 'Healthy' ? 'Unhealthy' : 'Healthy', counts: nodeCounts(2, 2), scaleUp: 'InProgress' }],
}), minor);

test('the status parser reads the YAML report of the pinned versions, from the cluster-wide block only; the text of versions before 1.30 is not read', () => {
  for (const minor of ['1.34', '1.35']) {
    assert.deepEqual(parseAutoscalerStatus(yamlStatus('Healthy', minor)), {
      healthy: true, summary: 'health Healthy (ready=2 registered=2); scale-up InProgress; scale-down NoCandidates',
    }, minor);
    assert.deepEqual(parseAutoscalerStatus(yamlStatus('Unhealthy', minor)), {
      healthy: false, summary: 'health Unhealthy (ready=2 registered=2); scale-up InProgress; scale-down NoCandidates',
    }, minor);
  }
  assert.deepEqual(parseAutoscalerStatus('time: 2026-01-05 10:00:00 +0000 UTC\nautoscalerStatus: Initializing\n'), { healthy: false, summary: 'autoscaler Initializing: no cluster-wide health yet' });
  assert.equal(parseAutoscalerStatus('Cluster-autoscaler status at 2023-11-24 04:28:19 +0000 UTC:\nCluster-wide:\n  Health:      Healthy (ready=7)\n').healthy, false);
  assert.equal(parseAutoscalerStatus('{not yaml').healthy, false);
});

test('autoscalerStatus reads the ConfigMap the autoscaler writes, and says when there is none yet', async () => {
  const kube = bed.tools.kube;
  assert.deepEqual(await autoscalerStatus(kube, 'demo'), {
    healthy: false, summary: 'no status in ConfigMap kube-system/cluster-autoscaler-status yet: the autoscaler has not finished a loop',
  });
  const core = bed.cluster.kubeConfig.makeApiClient(CoreV1Api);
  const { name, namespace } = autoscalerStatusConfigMap;
  const write = (status: string) => core.patchNamespacedConfigMap({ name, namespace, body: { data: { status } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { status: yamlStatus('Healthy', '1.34') } } });
  assert.equal((await autoscalerStatus(kube, 'demo')).healthy, true);
  await write(yamlStatus('Unhealthy', '1.34'));
  assert.match((await autoscalerStatus(kube, 'demo')).summary, /^health Unhealthy \(ready=2/);
  await write(yamlStatus('Healthy', '1.35'));
  assert.deepEqual(await autoscalerStatus(kube, 'demo'), { healthy: true, summary: 'health Healthy (ready=2 registered=2); scale-up InProgress; scale-down NoCandidates' });
  await write(yamlStatus('Unhealthy', '1.35'));
  assert.equal((await autoscalerStatus(kube, 'demo')).healthy, false);
});

test('uninstall removes the Deployment and is idempotent', async () => {
  assert.deepEqual(await inActivity(() => addon().uninstall(context('1.31'))), { removed: true });
  await assert.rejects(readDeployment(), (error: unknown) => kubeNotFound(error));
  assert.deepEqual(await inActivity(() => addon().uninstall(context('1.31'))), { removed: false });
  assert.deepEqual(await addon().isReady(context('1.31')), {
    ready: false, gates: [{ gate: `deployment kube-system/${deploymentName} available`, ok: false, detail: 'the Deployment does not exist yet' }],
  });
});
