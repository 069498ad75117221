import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ApiException, AppsV1Api, AutoscalingV2Api, CoreV1Api, DiscoveryV1Api, KubernetesObjectApi, PatchStrategy, type KubeConfig, type V1Service,
} from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { autoscalerStatus } from '../../../src/activities/addons/cluster-autoscaler';
import { clusterAutoscalerChartVersions } from '../../../src/domain/addon-catalog';
import { kubeNotFound } from '../../../src/activities/kube-calls';
import { nodegroupLabel } from '../../../src/activities/nodegroups';
import { createSimHelm } from '../../../src/sim/helm';
import { startSimKube, type LoadBalancedObject, type SimKube } from '../../../src/sim/kube';
import { waitFor } from '../../support/process';

let kube: SimKube;
let config: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
const created: LoadBalancedObject[] = [];
const deleted: LoadBalancedObject[] = [];
const cluster = 'controllers';
// The played Load Balancer Controller's steps, held until the test has seen the state before
// them: what it reads must not depend on how quickly the machine lets the controller go on.
const gate = { provision: true, deprovision: true };
// cluster-autoscaler's SetDesiredCapacity calls, held here (as an Auto Scaling group takes its
// time) until the test applies them: the "scale-up InProgress" report is read while one is held.
const scaleUpsAsked: { nodegroup: string; desiredSize: number }[] = [];

before(async () => {
  // 1000×: node Ready in 30 ms, a pod in 60 ms, an NLB in 270 ms.
  kube = await startSimKube({
    speedup: 1000,
    onLoadBalancer: (event) => {
      created.push(event);
      return `nlb-${event.object.metadata.name}.elb.${event.region}.amazonaws.com`;
    },
    onLoadBalancerDeleted: (event) => {
      deleted.push(event);
    },
    loadBalancerGate: (step) => gate[step],
    onScaleUp: ({ nodegroup, desiredSize }) => {
      scaleUpsAsked.push({ nodegroup, desiredSize });
    },
  });
  kube.addCluster(cluster, { region: 'eu-west-1' });
  config = await kube.access.forCluster(cluster);
  core = config.makeApiClient(CoreV1Api);
  apps = config.makeApiClient(AppsV1Api);
});
after(() => kube?.close());

const readyNodes = async (group: string) => (await core.listNode({ labelSelector: `${nodegroupLabel}=${group}` })).items
  .filter((node) => node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
const coredns = () => apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' });
const available = (conditions: { type: string; status: string }[] | undefined) => conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false;

test('a new cluster has EKS\'s own workloads; CoreDNS stays unavailable with its pods Pending while there is no node', async () => {
  await new Promise((resolve) => setTimeout(resolve, 200));
  const deployment = await coredns();
  assert.equal(deployment.spec?.replicas, 2);
  assert.equal(available(deployment.status?.conditions), false);
  assert.equal(deployment.status?.availableReplicas ?? 0, 0);
  const pods = (await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' })).items;
  assert.equal(pods.length, 2);
  const scheduled = pods[0]!.status?.conditions?.find((c) => c.type === 'PodScheduled');
  assert.deepEqual({ status: scheduled?.status, reason: scheduled?.reason, message: scheduled?.message }, { status: 'False', reason: 'Unschedulable', message: 'no nodes available to schedule pods' });
  const kubeProxy = await apps.readNamespacedDaemonSet({ name: 'kube-proxy', namespace: 'kube-system' });
  assert.equal(kubeProxy.status?.desiredNumberScheduled, 0);
});

test('a node group\'s nodes join NotReady, turn Ready, and go when it shrinks; CoreDNS and DaemonSets follow the Ready nodes', async () => {
  kube.setNodegroup(cluster, 'general', { desiredSize: 3, labels: { role: 'general' }, capacityType: 'SPOT' });
  const joined = await waitFor('three nodes', async () => {
    const nodes = (await core.listNode({ labelSelector: `${nodegroupLabel}=general` })).items;
    return nodes.length === 3 ? nodes : undefined;
  });
  assert.equal(joined[0]!.metadata?.labels?.['eks.amazonaws.com/capacityType'], 'SPOT');
  assert.equal(joined[0]!.metadata?.labels?.role, 'general');
  await waitFor('three Ready nodes', async () => (await readyNodes('general')).length === 3);
  const deployment = await waitFor('CoreDNS available', async () => {
    const live = await coredns();
    return available(live.status?.conditions) ? live : undefined;
  });
  assert.equal(deployment.status?.availableReplicas, 2);
  await waitFor('kube-proxy on every Ready node', async () => {
    const status = (await apps.readNamespacedDaemonSet({ name: 'kube-proxy', namespace: 'kube-system' })).status;
    return status?.desiredNumberScheduled === 3 && status.numberReady === 3;
  });
  const slices = await config.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: 'kube-system', labelSelector: 'kubernetes.io/service-name=kube-dns' });
  assert.equal(slices.items[0]?.endpoints.filter((e) => e.conditions?.ready).length, 2);

  kube.setNodegroup(cluster, 'general', { desiredSize: 1, labels: { role: 'general' }, capacityType: 'SPOT' });
  await waitFor('one node left', async () => (await core.listNode({ labelSelector: `${nodegroupLabel}=general` })).items.length === 1);
  await waitFor('kube-proxy on the one node', async () => (await apps.readNamespacedDaemonSet({ name: 'kube-proxy', namespace: 'kube-system' })).status?.desiredNumberScheduled === 1);
  await waitFor('CoreDNS available again on the node left', async () => available((await coredns()).status?.conditions) && (await coredns()).status?.availableReplicas === 2);
});

test('a pod that fits no node stays Pending with the scheduler\'s reason and a FailedScheduling event', async () => {
  await core.createNamespace({ body: { metadata: { name: 'big' } } });
  await apps.createNamespacedDeployment({ namespace: 'big', body: {
    metadata: { name: 'big' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'big' } }, template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'big', image: 'x', resources: { requests: { cpu: '8' } } }] } } },
  } });
  const pod = await waitFor('the pod to be unschedulable', async () => (await core.listNamespacedPod({ namespace: 'big' })).items
    .find((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False')));
  assert.match(pod.status!.conditions!.find((c) => c.type === 'PodScheduled')!.message!, /^0\/1 nodes are available: 1 Insufficient cpu\./);
  const events = await core.listNamespacedEvent({ namespace: 'big', fieldSelector: 'reason=FailedScheduling' });
  assert.equal(events.items[0]?.involvedObject.name, pod.metadata?.name);
  await core.deleteNamespace({ name: 'big' });
});

test('a LoadBalancer Service is refused while the Load Balancer Controller starts, then accepted and given its NLB; deleting it waits for the NLB to go', async () => {
  const helm = createSimHelm(kube);
  const installing = helm.helmUpgradeInstall({
    cluster, release: 'aws-load-balancer-controller', namespace: 'kube-system', timeoutSeconds: 300,
    chart: { repo: 'https://aws.github.io/eks-charts', name: 'aws-load-balancer-controller', version: '1.14.0' },
    values: { clusterName: cluster, replicaCount: 2, enableServiceMutatorWebhook: true },
  });
  await core.createNamespace({ body: { metadata: { name: 'shop' } } });
  const service: V1Service = { metadata: { name: 'web' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } };
  // Until the chart's webhook configuration is there, a Service goes through and is deleted
  // again; a create while that one is still going answers 409 and is tried again. Only the
  // webhook's own refusal ends the wait.
  const refusal = await waitFor('the webhook to refuse a Service', async () => {
    try {
      await core.createNamespacedService({ namespace: 'shop', body: service });
      await core.deleteNamespacedService({ name: 'web', namespace: 'shop' });
      return undefined;
    } catch (error) {
      return error instanceof ApiException && error.code !== 409 ? error : undefined;
    }
  }, { intervalMs: 5 });
  assert.equal(refusal.code, 500);
  const body = JSON.parse(refusal.body as string) as { message: string; reason: string };
  assert.equal(body.reason, 'InternalError');
  assert.equal(body.message, 'Internal error occurred: failed calling webhook "mservice.elbv2.k8s.aws": failed to call webhook: Post '
    + '"https://aws-load-balancer-webhook-service.kube-system.svc:443/mutate-v1-service?timeout=10s": no endpoints available for service "aws-load-balancer-webhook-service"');

  assert.deepEqual(await installing, { release: 'aws-load-balancer-controller', namespace: 'kube-system', revision: 1, status: 'deployed', chartVersion: '1.14.0', adopted: false });
  gate.provision = false;
  gate.deprovision = false;
  const accepted = await core.createNamespacedService({ namespace: 'shop', body: service });
  assert.equal(accepted.spec?.loadBalancerClass, 'service.k8s.aws/nlb', 'the controller\'s mutator set the class');
  // The controller takes the Service with its finalizer first, and publishes the NLB after.
  const taken = await waitFor('the controller\'s finalizer', async () => {
    const live = await core.readNamespacedService({ name: 'web', namespace: 'shop' });
    return live.metadata?.finalizers?.includes('service.k8s.aws/resources') ? live : undefined;
  }, { intervalMs: 10 });
  assert.equal(taken.status?.loadBalancer?.ingress, undefined, 'no hostname while the NLB is provisioned');
  gate.provision = true;
  const ready = await waitFor('the NLB hostname', async () => {
    const live = await core.readNamespacedService({ name: 'web', namespace: 'shop' });
    return live.status?.loadBalancer?.ingress?.[0]?.hostname ? live : undefined;
  }, { intervalMs: 10 });
  assert.equal(ready.status?.loadBalancer?.ingress?.[0]?.hostname, 'nlb-web.elb.eu-west-1.amazonaws.com');
  assert.deepEqual(ready.metadata?.finalizers, ['service.k8s.aws/resources']);
  assert.equal(created.length, 1);
  assert.equal(created[0]!.cluster, cluster);

  // Deleting it: held by the finalizer while the NLB goes, which the gate keeps going until
  // the test has read it so, on any machine.
  await core.deleteNamespacedService({ name: 'web', namespace: 'shop' });
  const held = await core.readNamespacedService({ name: 'web', namespace: 'shop' });
  assert.ok(held.metadata?.deletionTimestamp, 'held while the NLB goes');
  assert.deepEqual(held.metadata?.finalizers, ['service.k8s.aws/resources']);
  assert.equal(held.status?.loadBalancer?.ingress?.[0]?.hostname, 'nlb-web.elb.eu-west-1.amazonaws.com', 'its status still names the NLB');
  assert.equal(deleted.length, 0, 'nothing deleted before the gate opens');
  gate.deprovision = true;
  // Once gone, its NLB was deleted first: the finalizer is released only after.
  let nlbsDeletedWhenGone = -1;
  await waitFor('the Service to go', async () => core.readNamespacedService({ name: 'web', namespace: 'shop' }).then(() => false, (error: unknown) => {
    if (!kubeNotFound(error)) return false;
    nlbsDeletedWhenGone = deleted.length;
    return true;
  }));
  assert.equal(nlbsDeletedWhenGone, 1);
});

test('an HPA reads CPU once metrics-server serves the metrics API, and is held to its minimum', async () => {
  const objects = KubernetesObjectApi.makeApiClient(config);
  await objects.patch({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'x', resources: { requests: { cpu: '100m' } } }] } } },
  }, undefined, undefined, 'eksflow', true, PatchStrategy.ServerSideApply);
  const autoscaling = config.makeApiClient(AutoscalingV2Api);
  await autoscaling.createNamespacedHorizontalPodAutoscaler({ namespace: 'shop', body: {
    metadata: { name: 'api' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 2, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
  } });
  const failing = await waitFor('the HPA controller to look', async () => (await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'api', namespace: 'shop' })).status?.conditions?.find((c) => c.type === 'ScalingActive'));
  assert.equal(failing.status, 'False');
  assert.equal(failing.reason, 'FailedGetResourceMetric');

  await createSimHelm(kube).helmUpgradeInstall({
    cluster, release: 'metrics-server', namespace: 'kube-system', timeoutSeconds: 300,
    chart: { repo: 'https://kubernetes-sigs.github.io/metrics-server/', name: 'metrics-server', version: '3.13.0' }, values: { containerPort: 10251 },
  });
  const hpa = await waitFor('CPU metrics', async () => {
    const live = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'api', namespace: 'shop' });
    return live.status?.currentMetrics?.length ? live : undefined;
  });
  const utilization = hpa.status?.currentMetrics?.[0]?.resource?.current.averageUtilization ?? -1;
  assert.ok(utilization >= 5 && utilization <= 35, String(utilization));
  assert.equal(hpa.status?.conditions?.find((c) => c.type === 'ScalingActive')?.status, 'True');
  const scaled = await apps.readNamespacedDeployment({ name: 'api', namespace: 'shop' });
  assert.equal(scaled.spec?.replicas, 2, 'raised to minReplicas');
  assert.ok(scaled.metadata?.managedFields?.some((e) => e.manager === 'horizontal-pod-autoscaler' && e.subresource === 'scale'));
});

test('cluster-autoscaler reports Healthy once it runs, and grows a node group for a pod that fits a new node, as upstream records it', async () => {
  assert.equal((await autoscalerStatus(kube.access, cluster)).healthy, false);
  // The group's Auto Scaling group may go up to 3 nodes; EKS tags it for auto-discovery.
  kube.setNodegroup(cluster, 'general', { desiredSize: 1, minSize: 1, maxSize: 3, labels: { role: 'general' }, capacityType: 'SPOT' });
  await createSimHelm(kube).helmUpgradeInstall({
    cluster, release: 'cluster-autoscaler', namespace: 'kube-system', timeoutSeconds: 300,
    chart: { repo: 'https://kubernetes.github.io/autoscaler', name: 'cluster-autoscaler', version: clusterAutoscalerChartVersions['1.35'] }, values: {},
  });
  const status = await waitFor('the status report', async () => {
    const report = await autoscalerStatus(kube.access, cluster);
    return report.healthy ? report : undefined;
  });
  assert.match(status.summary, /^health Healthy \(ready=1 registered=1\); scale-up NoActivity; scale-down NoCandidates$/);
  const configMap = await core.readNamespacedConfigMap({ name: 'cluster-autoscaler-status', namespace: 'kube-system' });
  assert.match(configMap.metadata?.annotations?.['cluster-autoscaler.kubernetes.io/last-updated'] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC$/);
  const parsed = parseYaml(configMap.data!.status!) as { nodeGroups: { name: string; health: { minSize: number; maxSize: number; cloudProviderTarget: number } }[] };
  assert.deepEqual(parsed.nodeGroups.map((g) => [g.name, g.health.minSize, g.health.maxSize, g.health.cloudProviderTarget]), [['general', 1, 3, 1]]);

  // 1.5 CPU each: the one node (1930m allocatable) has too little left beside what runs there; a new node has room for one.
  await apps.createNamespacedDeployment({ namespace: 'shop', body: {
    metadata: { name: 'wide' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'wide' } }, template: { metadata: { labels: { app: 'wide' } }, spec: { containers: [{ name: 'wide', image: 'x', resources: { requests: { cpu: '1500m' } } }] } } },
  } });
  const asked = await waitFor('the scale-up asked of the Auto Scaling group', async () => scaleUpsAsked[0], { timeoutMs: 10_000 });
  assert.deepEqual(asked, { nodegroup: 'general', desiredSize: 3 });
  // While the group has not grown, the report says a scale-up is in progress.
  await waitFor('scale-up InProgress in the report', async () => (await autoscalerStatus(kube.access, cluster)).summary.includes('scale-up InProgress'), { timeoutMs: 10_000 });
  kube.setNodegroup(cluster, 'general', { desiredSize: asked.desiredSize, minSize: 1, maxSize: 3, labels: { role: 'general' }, capacityType: 'SPOT' });
  await waitFor('two more nodes', async () => (await readyNodes('general')).length === 3, { timeoutMs: 10_000 });
  await waitFor('both wide pods running', async () => (await apps.readNamespacedDeployment({ name: 'wide', namespace: 'shop' })).status?.availableReplicas === 2, { timeoutMs: 10_000 });
  assert.equal(scaleUpsAsked.length, 1, 'one scale-up for both pods, not one per loop');
  // Two pods that need a node each: one scale-up of two nodes (first-fit), recorded on both pods and on the status ConfigMap.
  const triggered = (await core.listNamespacedEvent({ namespace: 'shop', fieldSelector: 'reason=TriggeredScaleUp' })).items;
  assert.equal(triggered.length, 2);
  for (const event of triggered) {
    assert.deepEqual([event.type, event.source?.component, event.involvedObject.kind, event.message], ['Normal', 'cluster-autoscaler', 'Pod', 'pod triggered scale-up: [{general 1->3 (max: 3)}]']);
  }
  const scaled = (await core.listNamespacedEvent({ namespace: 'kube-system', fieldSelector: 'reason=ScaledUpGroup' })).items;
  assert.deepEqual(scaled.map((e) => [e.involvedObject.kind, e.involvedObject.name, e.message]), [['ConfigMap', 'cluster-autoscaler-status', 'Scale-up: setting group general size to 3 instead of 1 (max: 3)']]);
  await apps.deleteNamespacedDeployment({ name: 'wide', namespace: 'shop' });
});
