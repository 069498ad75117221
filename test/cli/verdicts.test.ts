import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnvironmentView } from '../../src/api/environments/view';
import { cleanupVerdict } from '../../src/cli/verdicts';

// When `env delete --watch` of an ended run says done: only a completed cleanup that left
// nothing. Leftovers are the one outcome the test bed cannot make on demand, so the verdict
// is checked here on the API's own view shape.

const ended = (cleanup: EnvironmentView['cleanup']): EnvironmentView => ({
  name: 'kept', tenant: 'team-a', workflowId: 'team-a.kept', runId: 'r1', status: 'failed', phase: 'failed',
  startedAt: '2026-12-07T00:00:00.000Z', closedAt: '2026-12-07T00:05:00.000Z', spec: {}, ...(cleanup ? { cleanup } : {}),
});
const cleanupOf = (status: 'running' | 'completed' | 'failed', report?: NonNullable<EnvironmentView['cleanup']>['report']) => ({
  workflowId: 'teardown:team-a/kept', runId: 't1', status, startedAt: '2026-12-07T00:06:00.000Z', ...(report ? { report } : {}),
});

test('a completed cleanup with nothing left exits 0', () => {
  const verdict = cleanupVerdict('kept', ended(cleanupOf('completed', { deleted: [{ kind: 'eks-cluster', name: 'kept', region: 'us-east-1' }], failed: [], leftovers: [] })));
  assert.equal(verdict.exitCode, 0);
  assert.equal(verdict.message, 'kept is cleaned up: the cleanup deleted 1 resource; nothing it made is left');
});

test('leftovers exit 1, each listed with what kept failing', () => {
  const verdict = cleanupVerdict('kept', ended(cleanupOf('completed', {
    deleted: [],
    failed: [{ kind: 'iam-role', name: 'kept-node', region: 'us-east-1', step: 'teardown', state: 'delete-failed', error: 'DeleteConflict: must detach policies first' }],
    leftovers: [{ kind: 'iam-role', name: 'kept-node', region: 'us-east-1' }, { kind: 'log-group', name: '/aws/eks/kept/cluster', region: 'us-east-1' }],
  })));
  assert.equal(verdict.exitCode, 1);
  assert.equal(verdict.message, 'kept is not cleaned up: 2 resources are left');
  assert.deepEqual(verdict.details!.slice(0, 3), [
    'leftover: iam-role kept-node (us-east-1)', 'leftover: log-group /aws/eks/kept/cluster (us-east-1)', 'failed: iam-role kept-node: DeleteConflict: must detach policies first',
  ]);
});

test('a cleanup that failed, or none at all after a failed run, exits 1', () => {
  assert.equal(cleanupVerdict('kept', ended({ ...cleanupOf('failed'), failure: { message: 'terminated' } })).exitCode, 1);
  assert.equal(cleanupVerdict('kept', ended(undefined)).exitCode, 1);
  assert.equal(cleanupVerdict('kept', { ...ended(undefined), status: 'completed', phase: 'torn-down' }).exitCode, 0);
});
