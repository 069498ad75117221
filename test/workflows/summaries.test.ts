import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activitySummary } from '../../src/workflows/summaries';

test('each activity gets a summary for the Temporal UI that says what it does or waits for, named by its subject', () => {
  assert.equal(activitySummary('describeCluster', ['awesomebuilder']), 'cluster awesomebuilder: ready yet?');
  assert.equal(activitySummary('describeNodegroup', [{ cluster: 'demo', name: 'spot' }]), 'node group spot: ready yet?');
  assert.equal(activitySummary('ensureFargateProfile', [{ owner: {}, cluster: 'demo', profile: { name: 'fp-batch' } }]), 'make Fargate profile fp-batch (or adopt it if it is already this environment\'s)');
  assert.equal(activitySummary('waitForNodesReady', [{ cluster: 'demo', group: 'spot', desired: 2 }]), 'nodes of node group spot Ready?');
  assert.equal(activitySummary('deleteRole', [{ name: 'demo-node' }]), 'delete IAM role demo-node');
  assert.equal(activitySummary('installAddon', [{ cluster: 'demo', addon: 'metrics-server' }]), 'helm install add-on metrics-server and wait for it');
  // An activity the table does not know still says what it is and what it is about.
  assert.equal(activitySummary('somethingNew', [{ cluster: 'demo' }]), 'somethingNew demo');
  assert.ok(activitySummary('ensureRole', [{ name: 'x'.repeat(300) }]).length <= 120, 'one short line');
});
