import { createHash } from 'node:crypto';
import {
  CoreV1Api, KubernetesObjectApi, PatchStrategy,
  type KubernetesObject, type V1ClusterRole, type V1ClusterRoleBinding, type V1ConfigMap, type V1DaemonSet, type V1Namespace, type V1ServiceAccount,
} from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import type { ResolvedAddon } from '../../domain/addon-catalog';
import { appLabelKeys, fieldManagers, labelValue, type Manifest } from '../../domain/app-manifests';
import { containerInsightsLogGroupPrefix } from '../../domain/iam-policies/cloudwatch';
import { ownershipOf, ownershipTags } from '../../domain/ownership';
import type { LogsApi } from '../aws/logs';
import { deleteIfPresent, kubeCall, kubeOrUndefined } from '../kube-calls';
import type { AddonContext, AddonFactory, AddonModule, AddonTools } from './addon-module';
import { eksManagedAddon } from './eks-addon';
import { helmAddon, irsaServiceAccount } from './helm-addon';
import { checkGates } from './readiness';

/**
 * CloudWatch for the cluster, in one of the catalog's three shapes: the Container Insights
 * observability add-on (EKS managed or its Helm chart), or Fluent Bit alone, set up as the
 * AWS tutorial "Set up Fluent Bit as a DaemonSet to send logs to CloudWatch Logs" does it,
 * from manifests made here, its log groups made by eksflow with the spec's retention.
 */

/**
 * Where the tutorial's current manifests live upstream: aws-samples/amazon-cloudwatch-container-insights,
 * k8s-deployment-manifest-templates/deployment-mode/daemonset/container-insights-monitoring/fluent-bit/
 * fluent-bit.yaml (and fluent-bit-configmap.yaml for `fluent-bit-cluster-info`), at commit dfd9611.
 * eksflow's objects follow that file; test/activities/addons/cloudwatch.test.ts compares them with it.
 */
export const fluentBitUpstream = {
  repository: 'aws-samples/amazon-cloudwatch-container-insights',
  commit: 'dfd9611',
  path: 'k8s-deployment-manifest-templates/deployment-mode/daemonset/container-insights-monitoring/fluent-bit/fluent-bit.yaml',
} as const;

/** aws-for-fluent-bit as upstream fluent-bit.yaml pins it (Fluent Bit 3.x), so every attempt runs the same image. */
export const fluentBitImage = 'public.ecr.aws/aws-observability/aws-for-fluent-bit:3.0.1';

/** Upstream's Container Insights version marker, which the image's CloudWatch output reports. */
const containerInsightsVersion = 'k8s/1.3.43';

/** What the tutorial's Fluent Bit writes, one log group each. */
export const fluentBitLogKinds = ['application', 'dataplane', 'host'] as const;

export const fluentBitLogGroups = (cluster: string): string[] => fluentBitLogKinds.map((kind) => `${containerInsightsLogGroupPrefix(cluster)}${kind}`);

/** The spec's retention, in days; CloudWatch Logs' default would keep the logs forever. */
export const logRetentionDays = (context: Pick<AddonContext, 'options'>): number => context.options.cloudwatch?.logRetentionDays ?? 30;

/** The ServiceAccount the IRSA role trusts: the agent's, which the chart's Fluent Bit runs as too. */
const agentServiceAccountName = (addon: Pick<ResolvedAddon, 'iam'>): string => addon.iam?.serviceAccount ?? 'cloudwatch-agent';

/**
 * The amazon-cloudwatch-observability chart's values: the cluster, the region, and the name of
 * the agent's ServiceAccount. Only the name: chart 4.3.0 has no `agent.serviceAccount.create`
 * or `.annotations` (values.yaml's `agent.serviceAccount` holds `name` alone, and
 * templates/cloudwatch-agent-serviceaccount.yaml renders a bare ServiceAccount), so an IRSA
 * annotation given as a value is dropped without a word and the agent and Fluent Bit fall back
 * to the node role. The role is bound by `cloudwatchAgentServiceAccount` instead.
 */
export function cloudwatchObservabilityValues(context: AddonContext, addon: Pick<ResolvedAddon, 'iam'>): Record<string, unknown> {
  return {
    clusterName: context.cluster,
    region: context.region,
    agent: { serviceAccount: { name: agentServiceAccountName(addon) } },
  };
}

/**
 * The agent's ServiceAccount as the chart makes it, plus the IRSA role annotation, for eksflow
 * to apply before helm runs. Before: the EKS pod identity webhook reads the annotation when a
 * pod is created, and the chart's Fluent Bit DaemonSet and the operator's agent DaemonSet
 * (templates/linux/cloudwatch-agent-custom-resource.yaml: `serviceAccount:` of the
 * AmazonCloudWatchAgent resource) both run as this ServiceAccount, so an annotation added after
 * their pods start would reach them only at their next restart. It carries Helm's ownership
 * label and annotations so helm adopts it into the release rather than refusing an object it
 * did not make; helm applies server-side (Helm 4), as field manager `helm`, so the annotation,
 * owned by eksflow's field manager, survives every upgrade, and goes with the release on uninstall.
 */
export function cloudwatchAgentServiceAccount(context: AddonContext, addon: Pick<ResolvedAddon, 'iam' | 'namespace' | 'install'>): Manifest<V1ServiceAccount> | undefined {
  if (!context.roleArn || addon.install.method !== 'helm') return undefined;
  return {
    apiVersion: 'v1', kind: 'ServiceAccount',
    metadata: {
      name: agentServiceAccountName(addon), namespace: addon.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: {
        'meta.helm.sh/release-name': addon.install.release,
        'meta.helm.sh/release-namespace': addon.namespace,
        ...irsaServiceAccount(context, agentServiceAccountName(addon)).annotations,
      },
    },
  };
}

const roleAnnotation = 'eks.amazonaws.com/role-arn';

/**
 * Applies the namespace and the agent's annotated ServiceAccount, before the chart's pods can
 * start. Where the ServiceAccount was already there with another role or none (a release an
 * older eksflow made, whose annotation the chart dropped; a new role), the pods running as it
 * got their credentials when they were made, so they are deleted for their DaemonSets to
 * make again with the role: each node's log and metric shipping pauses for that restart.
 */
async function bindAgentRole(tools: AddonTools, context: AddonContext, addon: ResolvedAddon): Promise<string | undefined> {
  const serviceAccount = cloudwatchAgentServiceAccount(context, addon);
  if (!serviceAccount) return undefined;
  const config = await tools.kube.forCluster(context.cluster);
  const objects = KubernetesObjectApi.makeApiClient(config);
  const core = config.makeApiClient(CoreV1Api);
  const { name } = serviceAccount.metadata;
  const where = `${addon.namespace}/${name}`;
  const before = await kubeOrUndefined(`read ServiceAccount ${where}`, () => core.readNamespacedServiceAccount({ name, namespace: addon.namespace }));
  // helm's --create-namespace would come too late for the ServiceAccount; it leaves an existing one be.
  const namespace: Manifest<V1Namespace> = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: addon.namespace } };
  for (const object of [namespace, serviceAccount] as KubernetesObject[]) {
    await kubeCall(`apply ${object.kind} ${[object.metadata?.namespace, object.metadata?.name].filter(Boolean).join('/')}`,
      () => objects.patch(object, undefined, undefined, fieldManagers.apply, true, PatchStrategy.ServerSideApply));
  }
  const said = `ServiceAccount ${where} bound to ${context.roleArn}`;
  if (!before || before.metadata?.annotations?.[roleAnnotation] === context.roleArn) return said;
  const pods = await kubeCall(`list Pods running as ${where}`, () => core.listNamespacedPod({ namespace: addon.namespace, fieldSelector: `spec.serviceAccountName=${name}` }));
  for (const pod of pods.items) {
    await kubeOrUndefined(`delete Pod ${addon.namespace}/${pod.metadata?.name}`, () => core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: addon.namespace }));
  }
  return pods.items.length ? `${said}; restarted ${pods.items.length} pod(s) made before it` : said;
}

export interface FluentBitManifests {
  namespace: Manifest<V1Namespace>;
  serviceAccount: Manifest<V1ServiceAccount>;
  clusterRole: Manifest<V1ClusterRole>;
  clusterRoleBinding: Manifest<V1ClusterRoleBinding>;
  /** `fluent-bit-cluster-info`: the settings the tutorial passes with `kubectl create configmap --from-literal`. */
  clusterInfo: Manifest<V1ConfigMap>;
  /** `fluent-bit-config`: the Fluent Bit configuration files. */
  config: Manifest<V1ConfigMap>;
  daemonSet: Manifest<V1DaemonSet>;
}

const fluentBit = 'fluent-bit';
const clusterInfoName = 'fluent-bit-cluster-info';
const configName = 'fluent-bit-config';
const configHashAnnotation = 'eksflow.io/config-hash';

/** The tutorial's objects, for this cluster, as eksflow server-side applies them. Pure. */
export function fluentBitManifests(context: AddonContext, namespace: string): FluentBitManifests {
  const labels = { [appLabelKeys.managedBy]: 'eksflow', [appLabelKeys.environment]: labelValue(context.owner.environmentId) };
  const appLabels = { ...labels, 'k8s-app': fluentBit };
  const clusterInfo: Manifest<V1ConfigMap> = {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: clusterInfoName, namespace, labels: appLabels },
    data: {
      'cluster.name': context.cluster,
      'http.server': 'On',
      'http.port': '2020',
      // Start at the end of each file: a new node's old logs are not shipped twice.
      'read.head': 'Off',
      'read.tail': 'On',
      'logs.region': context.region,
    },
  };
  const config: Manifest<V1ConfigMap> = {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: configName, namespace, labels: appLabels }, data: fluentBitConfigFiles(context.cluster),
  };
  const fromClusterInfo = (name: string, key: string) => ({ name, valueFrom: { configMapKeyRef: { name: clusterInfoName, key } } });
  const hostPath = (name: string, path: string) => ({ name, hostPath: { path } });
  const daemonSet: Manifest<V1DaemonSet> = {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: fluentBit, namespace, labels: appLabels },
    spec: {
      selector: { matchLabels: { 'k8s-app': fluentBit } },
      // One node at a time: the others keep shipping while a node's pod is replaced.
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: {
          labels: { ...appLabels, version: 'v1', 'kubernetes.io/cluster-service': 'true' },
          // Fluent Bit reads its files once, at start: a changed configuration rolls the pods.
          annotations: { [configHashAnnotation]: configHash(clusterInfo.data!, config.data!) },
        },
        spec: {
          // Credentials come from the IRSA role on this ServiceAccount, never from the node role.
          serviceAccountName: fluentBit,
          containers: [{
            name: fluentBit,
            image: fluentBitImage,
            imagePullPolicy: 'IfNotPresent',
            env: [
              fromClusterInfo('AWS_REGION', 'logs.region'),
              fromClusterInfo('CLUSTER_NAME', 'cluster.name'),
              fromClusterInfo('HTTP_SERVER', 'http.server'),
              fromClusterInfo('HTTP_PORT', 'http.port'),
              fromClusterInfo('READ_FROM_HEAD', 'read.head'),
              fromClusterInfo('READ_FROM_TAIL', 'read.tail'),
              { name: 'HOST_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              { name: 'HOSTNAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
              { name: 'CI_VERSION', value: containerInsightsVersion },
            ],
            resources: { requests: { cpu: '500m', memory: '100Mi' }, limits: { memory: '200Mi' } },
            volumeMounts: [
              { name: 'fluentbitstate', mountPath: '/var/fluent-bit/state' },
              { name: 'varlog', mountPath: '/var/log', readOnly: true },
              { name: 'varlibdockercontainers', mountPath: '/var/lib/docker/containers', readOnly: true },
              { name: 'fluent-bit-config', mountPath: '/fluent-bit/etc/' },
              { name: 'runlogjournal', mountPath: '/run/log/journal', readOnly: true },
              { name: 'dmesg', mountPath: '/var/log/dmesg', readOnly: true },
            ],
          }],
          terminationGracePeriodSeconds: 10,
          // The tutorial's choice: the kubelet (Use_Kubelet) and IMDS are reached as the node.
          hostNetwork: true,
          dnsPolicy: 'ClusterFirstWithHostNet',
          volumes: [
            hostPath('fluentbitstate', '/var/fluent-bit/state'),
            hostPath('varlog', '/var/log'),
            hostPath('varlibdockercontainers', '/var/lib/docker/containers'),
            { name: 'fluent-bit-config', configMap: { name: configName } },
            hostPath('runlogjournal', '/run/log/journal'),
            hostPath('dmesg', '/var/log/dmesg'),
          ],
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          // Every node's logs matter, tainted or not.
          tolerations: [{ operator: 'Exists' }],
        },
      },
    },
  };
  return {
    namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } },
    serviceAccount: {
      apiVersion: 'v1', kind: 'ServiceAccount',
      metadata: { name: fluentBit, namespace, labels: appLabels, annotations: irsaServiceAccount(context, fluentBit).annotations },
    },
    clusterRole: {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'fluent-bit-role', labels: appLabels },
      rules: [
        { nonResourceURLs: ['/metrics'], verbs: ['get'] },
        { apiGroups: [''], resources: ['namespaces', 'pods', 'pods/logs', 'nodes', 'nodes/proxy'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    clusterRoleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'fluent-bit-role-binding', labels: appLabels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'fluent-bit-role' },
      subjects: [{ kind: 'ServiceAccount', name: fluentBit, namespace }],
    },
    clusterInfo,
    config,
    daemonSet,
  };
}

function configHash(...maps: Record<string, string>[]): string {
  return createHash('sha256').update(JSON.stringify(maps)).digest('hex').slice(0, 16);
}

/**
 * One `[SECTION]` of a Fluent Bit classic-mode file, keys padded as the tutorial's are, and
 * always a blank after the key: `storage.backlog.mem_limit` is longer than the padding, and
 * padding alone ran it into its value (`storage.backlog.mem_limit5M`, a key Fluent Bit does not know).
 */
function section(name: string, entries: [string, string][]): string {
  return [`[${name}]`, ...entries.map(([key, value]) => `    ${key.padEnd(19)} ${value}`)].join('\n');
}

const tail = (entries: [string, string][]) => section('INPUT', [['Name', 'tail'], ...entries]);
const journal = (tag: string, filters: string[], db: string) => section('INPUT', [
  ['Name', 'systemd'], ['Tag', tag], ...filters.map((filter): [string, string] => ['Systemd_Filter', filter]),
  ['DB', `/var/fluent-bit/state/${db}`], ['Path', '/var/log/journal'], ['Read_From_Tail', '${READ_FROM_TAIL}'],
]);

/**
 * The Fluent Bit files of upstream fluent-bit.yaml (`fluentBitUpstream`), section for section,
 * with two changes: the log group names are written out (from the same function that names the
 * groups eksflow makes, where upstream says /aws/containerinsights/${CLUSTER_NAME}/...), and
 * `auto_create_group` is Off, since eksflow makes the groups with their retention and tags, and
 * Fluent Bit's own would have neither. Host logs come from the systemd journal, as upstream
 * reads them now: the kernel's (dmesg), priorities 0-6 (messages) and the authpriv facility
 * (secure). The files /var/log/dmesg, messages and secure an older tutorial tailed are not
 * written on journald-only hosts (Amazon Linux 2023, Bottlerocket), so that host group stayed empty.
 */
export function fluentBitConfigFiles(cluster: string): Record<string, string> {
  const [application, dataplane, host] = fluentBitLogGroups(cluster);
  const output = (match: string, logGroup: string, streamPrefix: string) => section('OUTPUT', [
    ['Name', 'cloudwatch_logs'], ['Match', match], ['region', '${AWS_REGION}'], ['log_group_name', logGroup],
    ['log_stream_prefix', streamPrefix], ['auto_create_group', 'Off'], ['extra_user_agent', 'container-insights'],
  ]);
  const awsMetadata = (match: string) => section('FILTER', [['Name', 'aws'], ['Match', match], ['imds_version', 'v2']]);
  const containerTail = (path: string, db: string, memBufLimit: string, extra: [string, string][] = [], buffered: [string, string][] = []) => tail([
    ['Tag', 'application.*'], ...extra, ['Path', path], ['multiline.parser', 'docker, cri'], ['DB', `/var/fluent-bit/state/${db}`],
    ['Mem_Buf_Limit', memBufLimit], ['Skip_Long_Lines', 'On'], ['Refresh_Interval', '10'], ...buffered, ['Read_from_Head', '${READ_FROM_HEAD}'],
  ]);
  const firstLineParser = (name: string, regex: string) => section('PARSER', [
    ['Name', name], ['Format', 'regex'], ['Regex', regex], ['Time_Key', 'time'], ['Time_Format', '%Y-%m-%dT%H:%M:%S.%LZ'],
  ]);
  const files = {
    'fluent-bit.conf': [
      section('SERVICE', [
        ['Flush', '5'], ['Grace', '30'], ['Log_Level', 'error'], ['Daemon', 'off'], ['Parsers_File', 'parsers.conf'],
        ['HTTP_Server', '${HTTP_SERVER}'], ['HTTP_Listen', '0.0.0.0'], ['HTTP_Port', '${HTTP_PORT}'],
        ['storage.path', '/var/fluent-bit/state/flb-storage/'], ['storage.sync', 'normal'], ['storage.checksum', 'off'], ['storage.backlog.mem_limit', '5M'],
      ]),
      '@INCLUDE application-log.conf',
      '@INCLUDE dataplane-log.conf',
      '@INCLUDE host-log.conf',
    ],
    'application-log.conf': [
      containerTail('/var/log/containers/*.log', 'flb_container.db', '50MB', [
        ['Exclude_Path', '/var/log/containers/cloudwatch-agent*, /var/log/containers/fluent-bit*, /var/log/containers/aws-node*, /var/log/containers/kube-proxy*, /var/log/containers/fluentd*'],
      ], [['Rotate_Wait', '30'], ['storage.type', 'filesystem']]),
      containerTail('/var/log/containers/fluent-bit*', 'flb_log.db', '5MB'),
      containerTail('/var/log/containers/cloudwatch-agent*', 'flb_cwagent.db', '5MB'),
      section('FILTER', [
        ['Name', 'kubernetes'], ['Match', 'application.*'], ['Kube_URL', 'https://kubernetes.default.svc:443'],
        ['Kube_Tag_Prefix', 'application.var.log.containers.'], ['Merge_Log', 'On'], ['Merge_Log_Key', 'log_processed'],
        ['K8S-Logging.Parser', 'On'], ['K8S-Logging.Exclude', 'Off'], ['Labels', 'Off'], ['Annotations', 'Off'],
        ['Use_Kubelet', 'On'], ['Kubelet_Port', '10250'], ['Buffer_Size', '0'],
      ]),
      output('application.*', application!, '${HOST_NAME}-'),
    ],
    'dataplane-log.conf': [
      journal('dataplane.systemd.*', ['_SYSTEMD_UNIT=docker.service', '_SYSTEMD_UNIT=containerd.service', '_SYSTEMD_UNIT=kubelet.service'], 'systemd.db'),
      tail([
        ['Tag', 'dataplane.tail.*'], ['Path', '/var/log/containers/aws-node*, /var/log/containers/kube-proxy*'], ['multiline.parser', 'docker, cri'],
        ['DB', '/var/fluent-bit/state/flb_dataplane_tail.db'], ['Mem_Buf_Limit', '50MB'], ['Skip_Long_Lines', 'On'], ['Refresh_Interval', '10'],
        ['Rotate_Wait', '30'], ['storage.type', 'filesystem'], ['Read_from_Head', '${READ_FROM_HEAD}'],
      ]),
      section('FILTER', [
        ['Name', 'modify'], ['Match', 'dataplane.systemd.*'], ['Rename', '_HOSTNAME hostname'], ['Rename', '_SYSTEMD_UNIT systemd_unit'],
        ['Rename', 'MESSAGE message'], ['Remove_regex', '^((?!hostname|systemd_unit|message).)*$'],
      ]),
      awsMetadata('dataplane.*'),
      output('dataplane.*', dataplane!, '${HOST_NAME}-'),
    ],
    'host-log.conf': [
      journal('host.dmesg', ['_TRANSPORT=kernel'], 'flb_dmesg.db'),
      journal('host.messages', ['0', '1', '2', '3', '4', '5', '6'].map((priority) => `PRIORITY=${priority}`), 'flb_messages.db'),
      // Facility 10 is authpriv: what /var/log/secure held.
      journal('host.secure', ['SYSLOG_FACILITY=10'], 'flb_secure.db'),
      awsMetadata('host.*'),
      // messages leaves out what secure (10) and the mail (2) and cron (9) facilities carry, as syslog did.
      section('FILTER', [['Name', 'grep'], ['Match', 'host.messages'], ['Exclude', 'SYSLOG_FACILITY /^(2|9|10)$/']]),
      section('FILTER', [
        ['Name', 'modify'], ['Match', 'host.*'], ['Rename', '_HOSTNAME host'], ['Rename', 'MESSAGE message'],
        ['Rename', 'SYSLOG_IDENTIFIER ident'], ['Rename', 'SYSLOG_PID pid'], ['Remove_regex', '[A-Z]'],
      ]),
      output('host.*', host!, '${HOST_NAME}.'),
    ],
    'parsers.conf': [
      section('PARSER', [
        ['Name', 'syslog'], ['Format', 'regex'],
        ['Regex', '^(?<time>[^ ]* {1,2}[^ ]* [^ ]*) (?<host>[^ ]*) (?<ident>[a-zA-Z0-9_\\/\\.\\-]*)(?:\\[(?<pid>[0-9]+)\\])?(?:[^\\:]*\\:)? *(?<message>.*)$'],
        ['Time_Key', 'time'], ['Time_Format', '%b %d %H:%M:%S'],
      ]),
      firstLineParser('container_firstline',
        '(?<log>(?<="log":")\\S(?!\\.).*?)(?<!\\\\)".*(?<stream>(?<="stream":").*?)".*(?<time>\\d{4}-\\d{1,2}-\\d{1,2}T\\d{2}:\\d{2}:\\d{2}\\.\\w*).*(?=})'),
      firstLineParser('cwagent_firstline',
        '(?<log>(?<="log":")\\d{4}[\\/-]\\d{1,2}[\\/-]\\d{1,2}[ T]\\d{2}:\\d{2}:\\d{2}(?!\\.).*?)(?<!\\\\)".*(?<stream>(?<="stream":").*?)".*(?<time>\\d{4}-\\d{1,2}-\\d{1,2}T\\d{2}:\\d{2}:\\d{2}\\.\\w*).*(?=})'),
    ],
  };
  return Object.fromEntries(Object.entries(files).map(([name, parts]) => [name, `${parts.join('\n\n')}\n`]));
}

/** The log groups' state after `ensureLogGroups`, for the install summary. */
interface LogGroupsEnsured {
  created: string[];
  /** This environment's already (an earlier attempt or run made them); retention set again. */
  kept: string[];
  /** Not this environment's: written to as they are, their retention and tags left alone. */
  foreign: string[];
}

/**
 * Makes the three log groups, tagged as the environment's, with the spec's retention. Asked
 * group by group, so a retry after a crash between create and retention finishes the job.
 */
async function ensureLogGroups(logs: LogsApi, context: AddonContext): Promise<LogGroupsEnsured> {
  const days = logRetentionDays(context);
  const result: LogGroupsEnsured = { created: [], kept: [], foreign: [] };
  for (const name of fluentBitLogGroups(context.cluster)) {
    const existing = await logs.describeLogGroup(name);
    if (existing && ownershipOf(existing.tags, context.owner) === 'foreign') {
      result.foreign.push(name);
      continue;
    }
    if (!existing) await logs.createLogGroup(name, ownershipTags(context.owner));
    if (existing?.retentionDays !== days) await logs.putRetentionPolicy(name, days);
    (existing ? result.kept : result.created).push(name);
  }
  return result;
}

/** Fluent Bit alone: its manifests applied, its log groups made first, both removed on uninstall. */
function fluentBitAddon(tools: AddonTools, addon: ResolvedAddon): AddonModule {
  const logsApi = (): LogsApi => {
    if (!tools.logs) throw ApplicationFailure.nonRetryable('the worker was built without a CloudWatch Logs client, which Fluent Bit\'s log groups need', 'AddonToolMissing');
    return tools.logs;
  };
  return {
    async install(context) {
      const logs = logsApi();
      const config = await tools.kube.forCluster(context.cluster);
      const objects = KubernetesObjectApi.makeApiClient(config);
      const apply = (object: KubernetesObject) => kubeCall(`apply ${object.kind} ${[object.metadata?.namespace, object.metadata?.name].filter(Boolean).join('/')}`,
        () => objects.patch(object, undefined, undefined, fieldManagers.apply, true, PatchStrategy.ServerSideApply));
      const manifests = fluentBitManifests(context, addon.namespace);
      const { daemonSet, ...before } = manifests;
      for (const object of Object.values(before)) await apply(object);
      // The groups exist before the first pod would write to them (it may not create them).
      const groups = await ensureLogGroups(logs, context);
      await apply(daemonSet);
      const applied = Object.values(manifests).map((object) => `${object.kind}/${object.metadata.name}`).join(', ');
      const days = logRetentionDays(context);
      const said = [
        groups.created.length ? `created ${groups.created.join(', ')} (${days} days)` : '',
        groups.kept.length ? `kept ${groups.kept.join(', ')} (${days} days)` : '',
        groups.foreign.length ? `used as found, not this environment's: ${groups.foreign.join(', ')}` : '',
      ].filter(Boolean).join('; ');
      return { summary: `applied ${applied}; log groups: ${said}` };
    },
    async isReady(context) {
      return checkGates(await tools.kube.forCluster(context.cluster), addon.readiness, tools.eks, context.cluster);
    },
    async uninstall(context) {
      const logs = logsApi();
      const config = await tools.kube.forCluster(context.cluster);
      const objects = KubernetesObjectApi.makeApiClient(config);
      const manifests = fluentBitManifests(context, addon.namespace);
      // The DaemonSet first, so nothing ships to a group about to go.
      const alreadyGone: boolean[] = [];
      for (const object of [manifests.daemonSet, manifests.config, manifests.clusterInfo, manifests.serviceAccount, manifests.clusterRoleBinding, manifests.clusterRole]) {
        alreadyGone.push(await deleteIfPresent(object, objects));
      }
      const ours = new Set(fluentBitLogGroups(context.cluster));
      const deletable = (await logs.listLogGroups(containerInsightsLogGroupPrefix(context.cluster)))
        .filter((group) => ours.has(group.name) && ownershipOf(group.tags, context.owner) !== 'foreign');
      for (const group of deletable) await logs.deleteLogGroup(group.name);
      const namespaceDeleted = await deleteNamespace(config.makeApiClient(CoreV1Api), manifests.namespace, objects);
      return { removed: alreadyGone.some((gone) => !gone) || deletable.length > 0 || namespaceDeleted };
    },
  };
}

/**
 * Deletes the namespace eksflow made; false when it is gone or already going. A second
 * DELETE of a namespace that is still emptying is refused (409), so it is read first.
 */
async function deleteNamespace(core: CoreV1Api, namespace: Manifest<V1Namespace>, objects: KubernetesObjectApi): Promise<boolean> {
  const name = namespace.metadata.name;
  const live = await kubeOrUndefined(`read Namespace ${name}`, () => core.readNamespace({ name }));
  if (!live || live.metadata?.deletionTimestamp) return false;
  return !(await deleteIfPresent(namespace, objects));
}

/** The cloudwatch add-on in the shape its catalog entry was resolved to. */
export const cloudwatchAddon: AddonFactory = (tools, addon) => {
  switch (addon.install.method) {
    case 'eks-addon':
      return eksManagedAddon(tools, addon);
    case 'helm':
      return helmAddon({ values: cloudwatchObservabilityValues, beforeInstall: bindAgentRole })(tools, addon);
    case 'manifests':
      return fluentBitAddon(tools, addon);
  }
};
