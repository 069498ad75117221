import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type V1DaemonSet } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { parseAllDocuments } from 'yaml';
import type { AddonContext, AddonModule, AddonReadiness, AddonTools } from '../../../src/activities/addons/addon-module';
import {
  cloudwatchAddon, cloudwatchAgentServiceAccount, cloudwatchObservabilityValues, fluentBitConfigFiles, fluentBitImage, fluentBitLogGroups, fluentBitManifests, fluentBitUpstream,
} from '../../../src/activities/addons/cloudwatch';
import { logsApi, type LogsApi } from '../../../src/activities/aws/logs';
import { kubeNotFound } from '../../../src/activities/kube-calls';
import { addonCatalog } from '../../../src/domain/addon-catalog';
import { fieldManagers } from '../../../src/domain/app-manifests';
import type { AddonsSpec } from '../../../src/domain/environment-spec';
import { ownershipTags, type Owner } from '../../../src/domain/ownership';
import { addonBedPerFile } from '../../support/addon-bed';
import { moto, type Moto } from '../../support/moto';
import { repoRoot } from '../../support/paths';
import { waitFor } from '../../support/process';

// The real amazon-cloudwatch-observability 4.3.0 package for the Helm path. Its operator (which
// makes the agent's DaemonSet from the AmazonCloudWatchAgent resource) and its webhooks run in
// no container under KWOK; the webhooks are failurePolicy Ignore, so they hold nothing up, and
// the helm test below plays the operator's one part eksflow gates on, openly.
const bed = addonBedPerFile();
let aws: Moto;
let logs: LogsApi;
before(async () => {
  aws = await moto();
  logs = logsApi(new CloudWatchLogsClient({ ...aws.clientConfig, maxAttempts: 1 }));
});
// The bed's tools exist only once its own `before` has run.
const tools = (): AddonTools => ({ ...bed.tools, logs });
after(() => aws?.stop());

const owner: Owner = { environmentId: 'team-a/demo', runId: 'run-1' };
const roleArn = 'arn:aws:iam::123456789012:role/x';
const namespace = 'amazon-cloudwatch';
const groups = ['/aws/containerinsights/demo/application', '/aws/containerinsights/demo/dataplane', '/aws/containerinsights/demo/host'];

const fluentBitOptions = (logRetentionDays: 14 | 7 = 14): AddonsSpec => ({ cloudwatch: { mode: 'fluent-bit', method: 'eks-addon', logRetentionDays } });
const observabilityOptions = (method: 'helm' | 'eks-addon'): AddonsSpec => ({ cloudwatch: { mode: 'observability', method, logRetentionDays: 30 } });
const context = (options: AddonsSpec, extra: Partial<AddonContext> = {}): AddonContext =>
  ({ cluster: 'demo', region: 'us-east-1', kubernetesVersion: '1.35', owner, options, roleArn, ...extra });
const resolve = (options: AddonsSpec) => addonCatalog.get('cloudwatch')!.resolve(options, '1.35');
const module = (options: AddonsSpec, with_: AddonTools = tools()): AddonModule => cloudwatchAddon(with_, resolve(options));

// helm heartbeats through the activity context, so add-on calls run as an activity would.
const inActivity = <R>(fn: () => Promise<R>) => new MockActivityEnvironment().run(fn) as Promise<R>;
const apps = () => bed.cluster.kubeConfig.makeApiClient(AppsV1Api);
const core = () => bed.cluster.kubeConfig.makeApiClient(CoreV1Api);
const gone = (read: () => Promise<unknown>) => read().then(() => false, (error: unknown) => kubeNotFound(error));

async function readyEventually(addon: AddonModule, ctx: AddonContext): Promise<AddonReadiness> {
  return waitFor('the add-on ready', async () => {
    const readiness = await addon.isReady(ctx);
    return readiness.ready && readiness;
  }, { timeoutMs: 60_000, intervalMs: 250 });
}

test('the observability chart gets the cluster, the region and the agent ServiceAccount name; the IRSA role goes on a ServiceAccount eksflow applies first', () => {
  const resolved = resolve(observabilityOptions('helm'));
  // Chart 4.3.0 has no agent.serviceAccount.annotations or .create value: only the name.
  assert.deepEqual(cloudwatchObservabilityValues(context(observabilityOptions('helm')), resolved), {
    clusterName: 'demo',
    region: 'us-east-1',
    agent: { serviceAccount: { name: 'cloudwatch-agent' } },
  });
  assert.deepEqual(cloudwatchAgentServiceAccount(context(observabilityOptions('helm')), resolved), {
    apiVersion: 'v1', kind: 'ServiceAccount',
    metadata: {
      name: 'cloudwatch-agent', namespace,
      labels: { 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: {
        'meta.helm.sh/release-name': 'amazon-cloudwatch-observability', 'meta.helm.sh/release-namespace': namespace, 'eks.amazonaws.com/role-arn': roleArn,
      },
    },
  });
  assert.equal(cloudwatchAgentServiceAccount(context(observabilityOptions('helm'), { roleArn: undefined }), resolved), undefined, 'no role: the chart\'s own ServiceAccount');
});

test('the Fluent Bit manifests are the tutorial\'s, for this cluster', () => {
  const manifests = fluentBitManifests(context(fluentBitOptions()), namespace);
  assert.deepEqual(Object.values(manifests).map((object) => `${object.kind}/${object.metadata.name}`), [
    'Namespace/amazon-cloudwatch', 'ServiceAccount/fluent-bit', 'ClusterRole/fluent-bit-role', 'ClusterRoleBinding/fluent-bit-role-binding',
    'ConfigMap/fluent-bit-cluster-info', 'ConfigMap/fluent-bit-config', 'DaemonSet/fluent-bit',
  ]);
  assert.deepEqual(manifests.namespace.metadata.labels, { 'app.kubernetes.io/managed-by': 'eksflow', 'eksflow.io/environment': 'team-a.demo' });
  assert.deepEqual(manifests.clusterInfo.data, {
    'cluster.name': 'demo', 'http.server': 'On', 'http.port': '2020', 'read.head': 'Off', 'read.tail': 'On', 'logs.region': 'us-east-1',
  });
  assert.deepEqual(manifests.serviceAccount.metadata.annotations, { 'eks.amazonaws.com/role-arn': roleArn });
  assert.equal(manifests.serviceAccount.metadata.namespace, namespace);
  assert.deepEqual(manifests.clusterRole.rules, [
    { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    { apiGroups: [''], resources: ['namespaces', 'pods', 'pods/logs', 'nodes', 'nodes/proxy'], verbs: ['get', 'list', 'watch'] },
  ]);
  assert.deepEqual(manifests.clusterRoleBinding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'fluent-bit-role' });
  assert.deepEqual(manifests.clusterRoleBinding.subjects, [{ kind: 'ServiceAccount', name: 'fluent-bit', namespace }]);

  const spec = manifests.daemonSet.spec!;
  assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
  assert.deepEqual(spec.selector.matchLabels, { 'k8s-app': 'fluent-bit' });
  const pod = spec.template.spec!;
  assert.equal(pod.serviceAccountName, 'fluent-bit');
  assert.deepEqual(pod.tolerations, [{ operator: 'Exists' }], 'tolerates every taint: it runs on every node');
  assert.deepEqual(pod.nodeSelector, { 'kubernetes.io/os': 'linux' });
  const [container] = pod.containers;
  assert.equal(container?.image, fluentBitImage);
  assert.match(fluentBitImage, /^public\.ecr\.aws\/aws-observability\/aws-for-fluent-bit:\d+\.\d+\.\d+/, 'a pinned tag, never latest or stable');
  assert.deepEqual(container?.resources, { requests: { cpu: '500m', memory: '100Mi' }, limits: { memory: '200Mi' } });
  const mounts = Object.fromEntries(container!.volumeMounts!.map((mount) => [mount.mountPath, mount.readOnly ?? false]));
  assert.equal(mounts['/var/log'], true);
  assert.equal(mounts['/var/lib/docker/containers'], true);
  const hostPaths = Object.fromEntries(pod.volumes!.filter((volume) => volume.hostPath).map((volume) => [volume.name, volume.hostPath!.path]));
  assert.equal(hostPaths.varlog, '/var/log');
  assert.equal(hostPaths.varlibdockercontainers, '/var/lib/docker/containers');
  assert.deepEqual(pod.volumes!.find((volume) => volume.configMap)?.configMap, { name: 'fluent-bit-config' });
  const env = Object.fromEntries(container!.env!.map((variable) => [variable.name, variable.value ?? variable.valueFrom?.configMapKeyRef?.key ?? variable.valueFrom?.fieldRef?.fieldPath]));
  assert.deepEqual(env, {
    AWS_REGION: 'logs.region', CLUSTER_NAME: 'cluster.name', HTTP_SERVER: 'http.server', HTTP_PORT: 'http.port',
    READ_FROM_HEAD: 'read.head', READ_FROM_TAIL: 'read.tail', HOST_NAME: 'spec.nodeName', HOSTNAME: 'metadata.name', CI_VERSION: 'k8s/1.3.43',
  });
  assert.match(spec.template.metadata!.annotations!['eksflow.io/config-hash']!, /^[0-9a-f]{16}$/);
  const otherRegion = fluentBitManifests(context(fluentBitOptions(), { region: 'eu-west-1' }), namespace);
  assert.notEqual(otherRegion.daemonSet.spec!.template.metadata!.annotations!['eksflow.io/config-hash'], spec.template.metadata!.annotations!['eksflow.io/config-hash'],
    'a changed configuration rolls the pods');

  assert.equal(fluentBitManifests(context(fluentBitOptions(), { roleArn: undefined }), namespace).serviceAccount.metadata.annotations?.['eks.amazonaws.com/role-arn'], undefined);
});

test('Fluent Bit ships application, dataplane and host logs to the groups eksflow makes, and never makes its own', () => {
  assert.deepEqual(fluentBitLogGroups('demo'), groups);
  const files = fluentBitConfigFiles('demo');
  assert.deepEqual(Object.keys(files), ['fluent-bit.conf', 'application-log.conf', 'dataplane-log.conf', 'host-log.conf', 'parsers.conf']);
  assert.match(files['fluent-bit.conf']!, /@INCLUDE application-log\.conf\n\n@INCLUDE dataplane-log\.conf\n\n@INCLUDE host-log\.conf/);
  assert.match(files['fluent-bit.conf']!, /HTTP_Port\s+\$\{HTTP_PORT\}/);
  const outputs = Object.values(files).join('\n').split('[OUTPUT]').slice(1).map((section) => Object.fromEntries(
    section.split('\n\n')[0]!.trim().split('\n').map((line) => line.trim().split(/\s+(.*)/).slice(0, 2) as [string, string])));
  assert.deepEqual(outputs.map((output) => [output.Match, output.log_group_name]), [
    ['application.*', groups[0]], ['dataplane.*', groups[1]], ['host.*', groups[2]],
  ]);
  for (const output of outputs) {
    assert.equal(output.Name, 'cloudwatch_logs');
    assert.equal(output.auto_create_group, 'Off');
    assert.equal(output.region, '${AWS_REGION}');
  }
  assert.match(files['application-log.conf']!, /Path\s+\/var\/log\/containers\/\*\.log/);
  assert.match(files['dataplane-log.conf']!, /Systemd_Filter\s+_SYSTEMD_UNIT=kubelet\.service/);
  // Host logs from the journal, as upstream reads them now: no host log file is tailed.
  assert.match(files['host-log.conf']!, /Name\s+systemd\n\s+Tag\s+host\.messages/);
  assert.doesNotMatch(files['host-log.conf']!, /Name\s+tail/);
});

/** The upstream manifests' tarball, beside the repository as /work/shared is (see its README.md). */
const containerInsightsTarball = join(repoRoot, '..', 'shared', 'upstream', 'sources', 'amazon-cloudwatch-container-insights-dfd9611-container-insights-monitoring.tar.gz');

/** Upstream fluent-bit.yaml's objects, read from the tarball as they are. */
function upstreamFluentBitObjects(): { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: V1DaemonSet['spec'] }[] {
  assert.ok(existsSync(containerInsightsTarball),
    `the upstream Container Insights manifests are not at ${containerInsightsTarball}: eksflow's Fluent Bit is compared with them, so this test cannot pass without them`);
  const text = execFileSync('tar', ['-xzOf', containerInsightsTarball, `amazon-cloudwatch-container-insights-${fluentBitUpstream.commit}/${fluentBitUpstream.path}`], { encoding: 'utf8' });
  return parseAllDocuments(text).map((document) => document.toJS() as never);
}

/** A Fluent Bit classic-mode file as its sections, each key and value with runs of blanks made one. */
function fluentBitSections(file: string): [string, ...[string, string][]][] {
  const blocks: [string, ...[string, string][]][] = [];
  for (const raw of file.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header || line.startsWith('@')) {
      blocks.push([header ? header[1]! : line.replace(/\s+/g, ' ')]);
      continue;
    }
    const [key, ...value] = line.split(/\s+/);
    blocks.at(-1)!.push([key!, value.join(' ')]);
  }
  return blocks;
}

test(`Fluent Bit is upstream's ${fluentBitUpstream.path.split('/').at(-1)} at ${fluentBitUpstream.commit}: the same inputs, filters and parsers, the groups written out and never made by Fluent Bit`, () => {
  const upstream = upstreamFluentBitObjects();
  const upstreamConfig = upstream.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'fluent-bit-config')!.data!;
  const ours = fluentBitConfigFiles('demo');
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(upstreamConfig).sort());
  for (const [name, file] of Object.entries(upstreamConfig)) {
    // eksflow's two changes, made to upstream's text: CLUSTER_NAME is the cluster's, and eksflow makes the groups.
    const expected = fluentBitSections(file).map(([kind, ...entries]) => [kind, ...entries.map(([key, value]): [string, string] => kind !== 'OUTPUT' ? [key, value]
      : key === 'log_group_name' ? [key, value.replace('${CLUSTER_NAME}', 'demo')]
        : key === 'auto_create_group' ? [key, 'Off'] : [key, value])]);
    assert.deepEqual(fluentBitSections(ours[name]!), expected, name);
  }
  // The point of matching: host and dataplane logs come from systemd's journal.
  const inputs = fluentBitSections(ours['host-log.conf']!).filter(([kind]) => kind === 'INPUT');
  assert.deepEqual(inputs.map(([, ...entries]) => [entries.find(([key]) => key === 'Name')?.[1], entries.find(([key]) => key === 'Tag')?.[1]]),
    [['systemd', 'host.dmesg'], ['systemd', 'host.messages'], ['systemd', 'host.secure']]);

  const upstreamDaemonSet = upstream.find((object) => object.kind === 'DaemonSet')!.spec!;
  const ourDaemonSet = fluentBitManifests(context(fluentBitOptions()), namespace).daemonSet.spec!;
  const [upstreamContainer] = upstreamDaemonSet.template.spec!.containers;
  const [ourContainer] = ourDaemonSet.template.spec!.containers;
  assert.equal(ourContainer!.image, upstreamContainer!.image, 'the aws-for-fluent-bit image upstream pins');
  assert.match(fluentBitImage, /:3\.\d+\.\d+$/, 'aws-for-fluent-bit 3.x');
  assert.deepEqual(ourContainer!.env, upstreamContainer!.env);
  assert.deepEqual(ourContainer!.volumeMounts, upstreamContainer!.volumeMounts);
  assert.deepEqual(ourContainer!.resources, upstreamContainer!.resources);
  assert.deepEqual(ourDaemonSet.template.spec!.volumes, upstreamDaemonSet.template.spec!.volumes);
  assert.equal(ourDaemonSet.template.spec!.serviceAccountName, upstreamDaemonSet.template.spec!.serviceAccountName);
  assert.equal(ourDaemonSet.template.spec!.hostNetwork, upstreamDaemonSet.template.spec!.hostNetwork);
});

test('fluent-bit: install makes the log groups with retention and ownership tags, then applies the manifests; the DaemonSet becomes ready on both nodes', async () => {
  const ctx = context(fluentBitOptions(14));
  const addon = module(fluentBitOptions(14));
  const installed = await inActivity(() => addon.install(ctx));
  assert.match(installed.summary, /^applied Namespace\/amazon-cloudwatch, .*DaemonSet\/fluent-bit; log groups: created .*\/application, .*\/dataplane, .*\/host \(14 days\)$/);

  const made = await logs.listLogGroups('/aws/containerinsights/demo/');
  assert.deepEqual(made.map((group) => group.name), groups);
  for (const group of made) {
    assert.equal(group.retentionDays, 14);
    assert.deepEqual(group.tags, ownershipTags(owner));
  }

  const clusterInfo = await core().readNamespacedConfigMap({ name: 'fluent-bit-cluster-info', namespace });
  assert.deepEqual(clusterInfo.data, {
    'cluster.name': 'demo', 'http.server': 'On', 'http.port': '2020', 'read.head': 'Off', 'read.tail': 'On', 'logs.region': 'us-east-1',
  });
  const config = await core().readNamespacedConfigMap({ name: 'fluent-bit-config', namespace });
  assert.match(config.data?.['application-log.conf'] ?? '', /log_group_name\s+\/aws\/containerinsights\/demo\/application/);
  const serviceAccount = await core().readNamespacedServiceAccount({ name: 'fluent-bit', namespace });
  assert.equal(serviceAccount.metadata?.annotations?.['eks.amazonaws.com/role-arn'], roleArn);
  const daemonSet = await apps().readNamespacedDaemonSet({ name: 'fluent-bit', namespace });
  assert.equal(daemonSet.spec?.updateStrategy?.type, 'RollingUpdate');
  assert.equal(daemonSet.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, 1);
  assert.ok(daemonSet.metadata?.managedFields?.some((entry) => entry.manager === fieldManagers.apply && entry.operation === 'Apply'), 'server-side applied as eksflow');
  await bed.cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api).readClusterRoleBinding({ name: 'fluent-bit-role-binding' });

  const readiness = await readyEventually(addon, ctx);
  assert.deepEqual(readiness.gates, [{ gate: 'daemonset amazon-cloudwatch/fluent-bit ready', ok: true, detail: '2/2 pods ready' }]);
  const pods = await core().listNamespacedPod({ namespace, labelSelector: 'k8s-app=fluent-bit' });
  assert.deepEqual(pods.items.map((pod) => pod.spec?.nodeName).sort(), [...bed.cluster.nodeNames].sort());
});

test('fluent-bit: installing again changes nothing but what the spec changed (the retention)', async () => {
  const before = await apps().readNamespacedDaemonSet({ name: 'fluent-bit', namespace });
  const again = await inActivity(() => module(fluentBitOptions(7)).install(context(fluentBitOptions(7))));
  assert.match(again.summary, /log groups: kept .*\/application, .*\/dataplane, .*\/host \(7 days\)$/);
  const after = await apps().readNamespacedDaemonSet({ name: 'fluent-bit', namespace });
  assert.equal(after.metadata?.generation, before.metadata?.generation, 'the same DaemonSet: no rollout');
  const made = await logs.listLogGroups('/aws/containerinsights/demo/');
  assert.deepEqual(made.map((group) => [group.name, group.retentionDays]), groups.map((name) => [name, 7]));
  assert.ok(made.every((group) => group.tags['eksflow.io/created-by-run'] === 'run-1'), 'tags untouched');
  assert.equal((await module(fluentBitOptions(7)).isReady(context(fluentBitOptions(7)))).ready, true);
});

test('fluent-bit: uninstall removes the objects and the log groups; a second uninstall removes nothing', async () => {
  const ctx = context(fluentBitOptions(7));
  const addon = module(fluentBitOptions(7));
  assert.deepEqual(await inActivity(() => addon.uninstall(ctx)), { removed: true });
  assert.ok(await gone(() => apps().readNamespacedDaemonSet({ name: 'fluent-bit', namespace })));
  assert.ok(await gone(() => bed.cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api).readClusterRole({ name: 'fluent-bit-role' })));
  assert.ok(await gone(() => bed.cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api).readClusterRoleBinding({ name: 'fluent-bit-role-binding' })));
  assert.deepEqual(await logs.listLogGroups('/aws/containerinsights/demo/'), []);
  assert.deepEqual(await inActivity(() => addon.uninstall(ctx)), { removed: false });
  const readiness = await addon.isReady(ctx);
  assert.deepEqual(readiness, { ready: false, gates: [{ gate: 'daemonset amazon-cloudwatch/fluent-bit ready', ok: false, detail: 'the DaemonSet does not exist yet' }] });
  await waitFor('the namespace gone', () => gone(() => core().readNamespace({ name: namespace })), { timeoutMs: 60_000, intervalMs: 250 });
});

test('fluent-bit: a log group that is not this environment\'s is written to as found, and left alone by uninstall', async () => {
  const client = new CloudWatchLogsClient(aws.clientConfig);
  const stranger = { environmentId: 'team-b/other', runId: 'run-9' };
  await client.send(new CreateLogGroupCommand({ logGroupName: groups[2], tags: ownershipTags(stranger) }));
  const ctx = context(fluentBitOptions(14));
  const installed = await inActivity(() => module(fluentBitOptions(14)).install(ctx));
  assert.match(installed.summary, /created .*\/application, .*\/dataplane \(14 days\); used as found, not this environment's: \/aws\/containerinsights\/demo\/host$/);
  const host = await logs.describeLogGroup(groups[2]!);
  assert.equal(host?.retentionDays, undefined, 'its retention is not ours to set');

  assert.deepEqual(await inActivity(() => module(fluentBitOptions(14)).uninstall(ctx)), { removed: true });
  assert.deepEqual((await logs.listLogGroups('/aws/containerinsights/demo/')).map((group) => group.name), [groups[2]]);
  await logs.deleteLogGroup(groups[2]!);
  await logs.deleteLogGroup(groups[2]!); // already gone: done
  await waitFor('the namespace gone', () => gone(() => core().readNamespace({ name: namespace })), { timeoutMs: 60_000, intervalMs: 250 });
});

test('fluent-bit needs a CloudWatch Logs client, and says so', async () => {
  await assert.rejects(module(fluentBitOptions(), bed.tools).install(context(fluentBitOptions())), (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.nonRetryable, true);
    assert.match(error.message, /CloudWatch Logs client/);
    return true;
  });
});

const agentGroup = { group: 'cloudwatch.aws.amazon.com', version: 'v1alpha1', namespace, plural: 'amazoncloudwatchagents' };

/**
 * What the chart's operator does for the AmazonCloudWatchAgent resource `cloudwatch-agent`, as
 * far as eksflow's gate sees it: a DaemonSet of that name, running as the resource's
 * ServiceAccount and owned by the resource (so it goes when the release takes the resource
 * away). The operator runs in no container under KWOK, so the test stands in for it here.
 */
async function playOperator(): Promise<void> {
  const agent = await bed.cluster.kubeConfig.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...agentGroup, name: 'cloudwatch-agent' }) as {
    metadata: { name: string; uid: string }; spec: { image: string; serviceAccount: string; nodeSelector?: Record<string, string> };
  };
  const labels = { 'app.kubernetes.io/name': 'cloudwatch-agent', 'app.kubernetes.io/managed-by': 'amazon-cloudwatch-agent-operator' };
  const daemonSet: V1DaemonSet = {
    metadata: {
      name: agent.metadata.name, namespace, labels,
      ownerReferences: [{ apiVersion: 'cloudwatch.aws.amazon.com/v1alpha1', kind: 'AmazonCloudWatchAgent', name: agent.metadata.name, uid: agent.metadata.uid, controller: true }],
    },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { serviceAccountName: agent.spec.serviceAccount, nodeSelector: agent.spec.nodeSelector, containers: [{ name: 'otc-container', image: agent.spec.image }] },
      },
    },
  };
  await apps().createNamespacedDaemonSet({ namespace, body: daemonSet });
}

test('observability with helm: the agent\'s ServiceAccount carries the IRSA role, both DaemonSets become ready, and uninstall removes the release', async () => {
  const options = observabilityOptions('helm');
  const ctx = context(options);
  const addon = module(options);
  const installed = await inActivity(() => addon.install(ctx));
  assert.equal(installed.summary, `helm amazon-cloudwatch-observability 4.3.0 revision 1 deployed; ServiceAccount amazon-cloudwatch/cloudwatch-agent bound to ${roleArn}`);
  const roleOf = async () => (await core().readNamespacedServiceAccount({ name: 'cloudwatch-agent', namespace })).metadata?.annotations?.['eks.amazonaws.com/role-arn'];
  assert.equal(await roleOf(), roleArn, 'the IRSA role on the ServiceAccount the agent and Fluent Bit run as');
  // Both run as it: the chart's Fluent Bit DaemonSet, and the agent the operator makes from the resource.
  assert.equal((await apps().readNamespacedDaemonSet({ name: 'fluent-bit', namespace })).spec?.template.spec?.serviceAccountName, 'cloudwatch-agent');
  const agent = await bed.cluster.kubeConfig.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...agentGroup, name: 'cloudwatch-agent' }) as { spec: { serviceAccount: string; config: string } };
  assert.equal(agent.spec.serviceAccount, 'cloudwatch-agent');
  const config = JSON.parse(agent.spec.config) as { agent: { region: string }; logs: { metrics_collected: { kubernetes: { cluster_name: string } } } };
  assert.equal(config.agent.region, 'us-east-1');
  assert.equal(config.logs.metrics_collected.kubernetes.cluster_name, 'demo');

  // No operator, no agent DaemonSet: the gate names the object the operator makes, and waits for it.
  const before = await addon.isReady(ctx);
  assert.equal(before.ready, false);
  assert.deepEqual(before.gates[0], { gate: 'daemonset amazon-cloudwatch/cloudwatch-agent ready', ok: false, detail: 'the DaemonSet does not exist yet' });
  await playOperator();
  const readiness = await readyEventually(addon, ctx);
  assert.deepEqual(readiness.gates, [
    { gate: 'daemonset amazon-cloudwatch/cloudwatch-agent ready', ok: true, detail: '2/2 pods ready' },
    { gate: 'daemonset amazon-cloudwatch/fluent-bit ready', ok: true, detail: '2/2 pods ready' },
  ]);
  assert.equal((await inActivity(() => addon.install(ctx))).summary,
    `helm amazon-cloudwatch-observability 4.3.0 revision 2 deployed; ServiceAccount amazon-cloudwatch/cloudwatch-agent bound to ${roleArn}`);
  assert.equal(await roleOf(), roleArn, 'an upgrade keeps the role');

  // Another role (or a release an older eksflow made, whose role the chart dropped): the pods
  // running as the ServiceAccount got their credentials when made, so they are made again.
  const podsAsAgent = async () => (await core().listNamespacedPod({ namespace, fieldSelector: 'spec.serviceAccountName=cloudwatch-agent' })).items
    .filter((pod) => !pod.metadata?.deletionTimestamp).map((pod) => pod.metadata!.uid!);
  const earlier = await podsAsAgent();
  assert.equal(earlier.length, 4, 'Fluent Bit and the agent, on both nodes');
  const otherRole = 'arn:aws:iam::123456789012:role/y';
  const moved = context(options, { roleArn: otherRole });
  assert.equal((await inActivity(() => addon.install(moved))).summary,
    `helm amazon-cloudwatch-observability 4.3.0 revision 3 deployed; ServiceAccount amazon-cloudwatch/cloudwatch-agent bound to ${otherRole}; restarted 4 pod(s) made before it`);
  assert.equal(await roleOf(), otherRole);
  await readyEventually(addon, moved);
  await waitFor('every pod made again', async () => {
    const now = await podsAsAgent();
    return now.length === 4 && now.every((uid) => !earlier.includes(uid));
  }, { timeoutMs: 60_000, intervalMs: 250 });

  assert.deepEqual(await inActivity(() => addon.uninstall(ctx)), { removed: true });
  assert.ok(await gone(() => core().readNamespacedServiceAccount({ name: 'cloudwatch-agent', namespace })), 'the adopted ServiceAccount went with the release');
  assert.ok(await gone(() => apps().readNamespacedDaemonSet({ name: 'fluent-bit', namespace })));
  await waitFor('the agent DaemonSet gone with its resource', () => gone(() => apps().readNamespacedDaemonSet({ name: 'cloudwatch-agent', namespace })), { timeoutMs: 60_000, intervalMs: 250 });
  assert.deepEqual(await inActivity(() => addon.uninstall(ctx)), { removed: false });
});

test('observability as an EKS add-on: gated on the add-on being ACTIVE as well as on its DaemonSets', async () => {
  const options = observabilityOptions('eks-addon');
  const eks = { ...bed.tools.eks, describeAddon: async (_cluster: string, name: string) => ({ name, status: 'ACTIVE', issues: [], tags: {} }) };
  const readiness = await module(options, { ...tools(), eks }).isReady(context(options));
  assert.equal(readiness.ready, false);
  assert.deepEqual(readiness.gates.map(({ gate, ok }) => [gate, ok]), [
    ['EKS add-on amazon-cloudwatch-observability ACTIVE', true],
    ['daemonset amazon-cloudwatch/cloudwatch-agent ready', false],
    ['daemonset amazon-cloudwatch/fluent-bit ready', false],
  ]);
});
