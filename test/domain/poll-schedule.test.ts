import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyTable } from '../../src/domain/latency';
import { nextPollSeconds, pacedPoll, waitDeadlineSeconds } from '../../src/domain/poll-schedule';

const cluster = latencyTable.cluster;

test('waits poll sparsely early, densely around the median, and give up well past the p90', () => {
  assert.equal(nextPollSeconds(0, cluster), 60);
  assert.equal(nextPollSeconds(500, cluster), 15);
  assert.equal(nextPollSeconds(1_000, cluster), 30);
  assert.equal(waitDeadlineSeconds(cluster), 1_800);
  assert.equal(waitDeadlineSeconds(latencyTable['oidc-provider']), 60, 'never under a minute');
});

test('on AWS the paced schedule is the schedule itself', () => {
  for (const elapsed of [0, 400, 700, 1_000]) assert.deepEqual(pacedPoll(elapsed, cluster), { nextSeconds: nextPollSeconds(elapsed, cluster), overdue: false });
  assert.equal(pacedPoll(1_801, cluster).overdue, true);
});

test('on a cloud 600× faster the same schedule runs in its time: pauses and deadline shrink alike, pauses never under 0.1 s', () => {
  assert.deepEqual(pacedPoll(0, cluster, 600), { nextSeconds: 0.1, overdue: false });
  assert.equal(pacedPoll(500 / 600, cluster, 600).nextSeconds, 0.1);
  assert.equal(pacedPoll(2, cluster, 600).overdue, false, 'two real seconds are 20 simulated minutes: not yet overdue');
  assert.equal(pacedPoll(3.1, cluster, 600).overdue, true, 'past 30 simulated minutes');
  assert.equal(pacedPoll(0, cluster, 10).nextSeconds, 6, 'a slower simulation still scales');
});
