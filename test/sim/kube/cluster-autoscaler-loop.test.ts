import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parseAutoscalerStatus } from '../../../src/activities/addons/cluster-autoscaler';
import { clusterAutoscalerImageTags } from '../../../src/domain/addon-catalog';
import {
  discoveredGroups, initializingReport, lastUpdateFormat, nodeCounts, planScaleUp, recordedEvent, scaledUpGroup, statusConfigMap, statusReport,
  statusYaml, triggeredScaleUp, type PlayedNodeGroup,
} from '../../../src/sim/kube/controllers/cluster-autoscaler-loop';

const now = new Date('2026-01-05T10:00:00.120Z');
const before = new Date('2026-01-05T09:50:00Z');
const report = statusReport({
  health: 'Healthy', counts: nodeCounts(3, 2), now, since: (key) => (key === 'health' ? before : undefined),
  groups: [{ id: 'eks-general-1234', minSize: 1, maxSize: 3, targetSize: 3, health: 'Healthy', counts: nodeCounts(3, 2), scaleUp: 'InProgress' }],
});

test('the status report up to 1.34 is gopkg.in/yaml.v2 of ClusterAutoscalerStatus: declared field order, zero structs left out, times in RFC 3339 with fractions, quoted', () => {
  assert.equal(statusYaml(report, '1.34'), `time: 2026-01-05 10:00:00.12 +0000 UTC
autoscalerStatus: Running
clusterWide:
  health:
    status: Healthy
    nodeCounts:
      registered:
        total: 3
        ready: 2
        notStarted: 1
      longUnregistered: 0
      unregistered: 0
    lastProbeTime: "2026-01-05T10:00:00.12Z"
    lastTransitionTime: "2026-01-05T09:50:00Z"
  scaleUp:
    status: InProgress
    lastProbeTime: "2026-01-05T10:00:00.12Z"
    lastTransitionTime: "2026-01-05T10:00:00.12Z"
  scaleDown:
    status: NoCandidates
    lastProbeTime: "2026-01-05T10:00:00.12Z"
    lastTransitionTime: "2026-01-05T10:00:00.12Z"
nodeGroups:
- name: eks-general-1234
  health:
    status: Healthy
    nodeCounts:
      registered:
        total: 3
        ready: 2
        notStarted: 1
      longUnregistered: 0
      unregistered: 0
    cloudProviderTarget: 3
    minSize: 1
    maxSize: 3
    lastProbeTime: "2026-01-05T10:00:00.12Z"
    lastTransitionTime: "2026-01-05T10:00:00.12Z"
  scaleUp:
    status: InProgress
    lastProbeTime: "2026-01-05T10:00:00.12Z"
    lastTransitionTime: "2026-01-05T10:00:00.12Z"
  scaleDown:
    status: NoCandidates
    lastProbeTime: "2026-01-05T10:00:00.12Z"
    lastTransitionTime: "2026-01-05T10:00:00.12Z"
`);
});

test('from 1.35 it is sigs.k8s.io/yaml: keys sorted, zero structs kept, times in whole seconds', () => {
  const text = statusYaml(report, '1.35');
  assert.match(text, /^autoscalerStatus: Running\nclusterWide:\n {2}health:\n {4}lastProbeTime: "2026-01-05T10:00:00Z"\n {4}lastTransitionTime: "2026-01-05T09:50:00Z"\n {4}nodeCounts:\n {6}longUnregistered: 0\n {6}registered:\n {8}notStarted: 1\n {8}ready: 2\n {8}total: 3\n {8}unready:\n {10}resourceUnready: 0\n {10}total: 0\n/);
  assert.match(text, /\nnodeGroups:\n- health:\n/);
  assert.match(text, /\ntime: 2026-01-05 10:00:00.12 \+0000 UTC\n$/);
  // Both read back to the same report.
  assert.deepEqual(parse(text).clusterWide.health.nodeCounts.registered, { notStarted: 1, ready: 2, total: 3, unready: { resourceUnready: 0, total: 0 } });
  assert.equal(parse(statusYaml(initializingReport(now, '1.35'), '1.35')).clusterWide.health.lastProbeTime, null);
  assert.equal(statusYaml(initializingReport(now, '1.34'), '1.34'), 'time: 2026-01-05 10:00:00.12 +0000 UTC\nautoscalerStatus: Initializing\n');
});

test('eksflow reads the report of every pinned version; the pre-1.30 text and the Initializing report are not healthy', () => {
  for (const tag of new Set(Object.values(clusterAutoscalerImageTags))) {
    const minor = tag.replace(/^v(\d+\.\d+).*/, '$1');
    assert.deepEqual(parseAutoscalerStatus(statusYaml(report, minor)), { healthy: true, summary: 'health Healthy (ready=2 registered=3); scale-up InProgress; scale-down NoCandidates' }, minor);
    assert.deepEqual(parseAutoscalerStatus(statusYaml(initializingReport(now, minor), minor)), { healthy: false, summary: 'autoscaler Initializing: no cluster-wide health yet' }, minor);
  }
  const unhealthy = statusReport({ health: 'Unhealthy', counts: nodeCounts(3, 0), now, groups: [] });
  assert.equal(parseAutoscalerStatus(statusYaml(unhealthy, '1.35')).healthy, false);
  assert.equal(parseAutoscalerStatus('Cluster-autoscaler status at 2023-11-24 04:28:19 +0000 UTC:\nCluster-wide:\n  Health:      Healthy (ready=7)\n').healthy, false);
});

test('the ConfigMap carries the last-updated annotation in Go\'s ConfigMapLastUpdateFormat', () => {
  const configMap = statusConfigMap('kube-system', report, '1.35', now);
  assert.deepEqual(configMap.metadata, { name: 'cluster-autoscaler-status', namespace: 'kube-system', annotations: { 'cluster-autoscaler.kubernetes.io/last-updated': '2026-01-05 10:00:00.12 +0000 UTC' } });
  assert.equal(lastUpdateFormat(new Date('2026-01-05T10:00:00Z')), '2026-01-05 10:00:00 +0000 UTC');
});

const group = (id: string, over: Partial<PlayedNodeGroup> = {}): PlayedNodeGroup => ({
  id, minSize: 1, maxSize: 3, targetSize: 2, allocatable: { cpuMillis: 4000, memoryBytes: 8 * 2 ** 30 },
  tags: { 'k8s.io/cluster-autoscaler/enabled': 'true', 'k8s.io/cluster-autoscaler/demo': 'owned' }, ...over,
});
const pod = (name: string, cpuMillis: number) => ({ namespace: 'shop', name, uid: `uid-${name}`, cpuMillis, memoryBytes: 2 ** 20 });

test('scale-up: only groups with both discovery tags and room below max; nodes by first-fit; the least waste wins; capped at max', () => {
  const untagged = group('eks-untagged', { tags: { 'k8s.io/cluster-autoscaler/enabled': 'true' } });
  const other = group('eks-other-cluster', { tags: { 'k8s.io/cluster-autoscaler/enabled': 'true', 'k8s.io/cluster-autoscaler/prod': 'owned' } });
  assert.deepEqual(discoveredGroups([untagged, other, group('eks-general')], 'demo').map((g) => g.id), ['eks-general']);
  const fits = () => true;
  assert.equal(planScaleUp([pod('a', 2400)], [untagged, other, group('full', { targetSize: 3 })], 'demo', fits), undefined, 'no discovered group with room');
  assert.deepEqual(planScaleUp([pod('a', 2400)], [group('big', { allocatable: { cpuMillis: 16000, memoryBytes: 2 ** 35 } }), group('eks-general')], 'demo', fits),
    { group: 'eks-general', currentSize: 2, newSize: 3, maxSize: 3, pods: [pod('a', 2400)] });
  // Three pods of 2.4 CPU need three 4-CPU nodes; the group has room for one.
  assert.deepEqual(planScaleUp([pod('a', 2400), pod('b', 2400), pod('c', 2400)], [group('eks-general', { maxSize: 3, targetSize: 2 })], 'demo', fits)?.newSize, 3);
  assert.equal(planScaleUp([pod('huge', 5000)], [group('eks-general')], 'demo', fits), undefined, 'a pod no new node can take');
  assert.equal(planScaleUp([pod('a', 100)], [group('eks-general')], 'demo', () => false), undefined, 'a pod the group\'s labels or taints keep out');
  // A pod that fits a node already asked for triggers nothing more, in that group or another.
  assert.equal(planScaleUp([pod('a', 2400)], [group('eks-general', { upcoming: 1 }), group('eks-spot')], 'demo', fits), undefined);
  assert.deepEqual(planScaleUp([pod('a', 2400), pod('b', 2400)], [group('eks-general', { upcoming: 1, maxSize: 5 })], 'demo', fits)?.pods, [pod('b', 2400)]);
});

test('the events: TriggeredScaleUp on the pod and ScaledUpGroup on the status ConfigMap, from cluster-autoscaler, in upstream\'s words', () => {
  const info = { group: 'eks-general-1234', currentSize: 2, newSize: 3, maxSize: 3 };
  assert.deepEqual(triggeredScaleUp([info]), { type: 'Normal', reason: 'TriggeredScaleUp', message: 'pod triggered scale-up: [{eks-general-1234 2->3 (max: 3)}]' });
  assert.deepEqual(scaledUpGroup(info), { type: 'Normal', reason: 'ScaledUpGroup', message: 'Scale-up: setting group eks-general-1234 size to 3 instead of 2 (max: 3)' });
  const event = recordedEvent({ kind: 'Pod', namespace: 'shop', name: 'web-1', uid: 'u1' }, triggeredScaleUp([info]), now);
  assert.equal(event.metadata.name, `web-1.${(BigInt(now.getTime()) * 1_000_000n).toString(16)}`);
  assert.deepEqual({ source: event.source, involvedObject: event.involvedObject, count: event.count, firstTimestamp: event.firstTimestamp },
    { source: { component: 'cluster-autoscaler' }, involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'web-1', uid: 'u1' }, count: 1, firstTimestamp: '2026-01-05T10:00:00Z' });
});
