import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeUse, removedBy, requestedDeprecatedApis } from '../../src/domain/deprecated-apis';

// The exposition format kube-apiserver writes (component-base metrics), with its help lines.
const metrics = `# HELP apiserver_requested_deprecated_apis [STABLE] Gauge of deprecated APIs that have been requested, broken out by API group, version, resource, subresource, and removed_release.
# TYPE apiserver_requested_deprecated_apis gauge
apiserver_requested_deprecated_apis{group="resource.k8s.io",removed_release="1.38",resource="resourceclaims",subresource="",version="v1beta1"} 1
apiserver_requested_deprecated_apis{group="",removed_release="",resource="componentstatuses",subresource="",version="v1"} 1
apiserver_requested_deprecated_apis{group="apps",removed_release="1.36",resource="deployments",subresource="scale",version="v1beta9"} 0
apiserver_request_total{code="200"} 5
`;

test('the gauge is read label by label; only what was requested counts; the core group is "v1"', () => {
  const uses = requestedDeprecatedApis(metrics);
  assert.deepEqual(uses, [
    { groupVersion: 'resource.k8s.io/v1beta1', resource: 'resourceclaims', removedRelease: '1.38' },
    { groupVersion: 'v1', resource: 'componentstatuses' },
  ]);
  assert.deepEqual(uses.map(describeUse), ['resource.k8s.io/v1beta1 resourceclaims (removed in 1.38)', 'v1 componentstatuses']);
});

test('an upgrade is blocked by what its target or an earlier release removes, never by what has no removal date', () => {
  const uses = requestedDeprecatedApis(metrics);
  assert.deepEqual(removedBy(uses, '1.37'), []);
  assert.deepEqual(removedBy(uses, '1.38').map(describeUse), ['resource.k8s.io/v1beta1 resourceclaims (removed in 1.38)']);
  assert.deepEqual(removedBy(uses, '1.40').map((u) => u.resource), ['resourceclaims']);
});
