import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyTable, type Latency } from '../../src/domain/latency';
import { density, erfc, fitLognormal, survival } from '../../src/domain/lognormal';
import { nextPollSeconds, pacedPoll, waitDeadlineSeconds } from '../../src/domain/poll-schedule';

const cluster = latencyTable.cluster;
const nodegroup = latencyTable.nodegroup;

/** Poll times from 0 until the deadline, as pollUntil would look. */
function lookTimes(latency: Latency, next: (elapsed: number) => number): number[] {
  const times = [0];
  while (times.at(-1)! < waitDeadlineSeconds(latency)) times.push(times.at(-1)! + next(times.at(-1)!));
  return times;
}

/**
 * Expected detection lag and Describe calls of a poll schedule, the completion time being
 * lognormal with the wait's median and p90: integrated numerically over completion times.
 */
function expected(latency: Latency, times: number[]): { lag: number; calls: number } {
  const fit = fitLognormal({ median: latency.medianSeconds, p90: latency.p90Seconds });
  let lag = 0;
  let calls = 0;
  let look = 0;
  const dt = 0.25;
  for (let done = dt / 2; done < waitDeadlineSeconds(latency); done += dt) {
    while (times[look]! < done) look++;
    const weight = density(done, fit) * dt;
    lag += weight * (times[look]! - done);
    calls += weight * (look + 1);
  }
  return { lag, calls };
}

const sdkWaiter = () => 30;

test('the lognormal helpers agree with known values', () => {
  assert.ok(Math.abs(erfc(0) - 1) < 1e-7);
  assert.ok(Math.abs(erfc(1) - 0.157299207) < 1e-7);
  assert.ok(Math.abs(erfc(-1) - 1.842700793) < 1e-7);
  const fit = fitLognormal({ median: 600, p90: 900 });
  assert.ok(Math.abs(survival(600, fit) - 0.5) < 1e-7);
  assert.ok(Math.abs(survival(900, fit) - 0.1) < 1e-6);
});

test("the tutorial's AWS waits notice completion ≤ 5 s late on average with ≤ 1.5× the SDK waiters' calls", () => {
  // The tutorial waits for one control plane and two node groups.
  const waits = [cluster, nodegroup, nodegroup];
  const ours = waits.map((latency) => expected(latency, lookTimes(latency, (t) => nextPollSeconds(t, latency))));
  const waiter = waits.map((latency) => expected(latency, lookTimes(latency, sdkWaiter)));
  const meanLag = (xs: { lag: number }[]) => xs.reduce((a, x) => a + x.lag, 0) / xs.length;
  const calls = (xs: { calls: number }[]) => xs.reduce((a, x) => a + x.calls, 0);
  assert.ok(meanLag(ours) <= 5, `mean lag ${meanLag(ours).toFixed(2)} s`);
  assert.ok(calls(ours) <= 1.5 * calls(waiter), `${calls(ours).toFixed(1)} calls vs the waiters' ${calls(waiter).toFixed(1)}`);
  assert.ok(meanLag(waiter) > 14, `a 30 s waiter is ~15 s late: ${meanLag(waiter).toFixed(2)} s`);
});

test('waits look sparsely early, densely around the median, never more than 2 min apart, and give up well past the p90', () => {
  assert.equal(nextPollSeconds(0, cluster), 120, 'a control plane is not done in its first minutes');
  assert.equal(nextPollSeconds(0, nodegroup), 60);
  assert.ok(nextPollSeconds(600, cluster) < 15, `dense at the median: ${nextPollSeconds(600, cluster)}`);
  assert.ok(nextPollSeconds(120, nodegroup) < 8, `dense at the median: ${nextPollSeconds(120, nodegroup)}`);
  assert.ok(nextPollSeconds(2, latencyTable['oidc-provider']) >= 1, 'never under a second');
  for (const latency of [cluster, latencyTable.network]) {
    const deadline = waitDeadlineSeconds(latency);
    const late = survival(deadline, fitLognormal({ median: latency.medianSeconds, p90: latency.p90Seconds }));
    assert.ok(Math.abs(late - 1e-4) < 1e-6, `a wait gives up when 1 in 10,000 would still come: ${late}`);
  }
  assert.equal(Math.round(waitDeadlineSeconds(cluster)), 1_946, 'a control plane: 32 min');
  // A node group's 99.99th percentile is ~6.5 min, but EKS declares one whose nodes never join
  // CREATE_FAILED only after ~21-23 min (aws-fault-catalog 22): the wait outlasts that, to report why.
  assert.ok(Math.exp(fitLognormal({ median: nodegroup.medianSeconds, p90: nodegroup.p90Seconds }).mu + 3.72 * fitLognormal({ median: nodegroup.medianSeconds, p90: nodegroup.p90Seconds }).sigma) < 400);
  assert.equal(waitDeadlineSeconds(nodegroup), 25 * 60, 'a node group: 25 min, past EKS\'s own verdict');
  assert.equal(Math.round(waitDeadlineSeconds(latencyTable.network)), 897, 'NAT gateways, of wide spread: 15 min, not 2 × p90 = 8');
  assert.equal(waitDeadlineSeconds(latencyTable['app-vpa']), 60, 'never under a minute');
  assert.equal(waitDeadlineSeconds({ medianSeconds: 100, p90Seconds: 101 }), 202, 'never under 2 × p90');
});

test('on AWS the paced schedule is the schedule itself', () => {
  for (const elapsed of [0, 400, 700, 1_000]) assert.deepEqual(pacedPoll(elapsed, cluster), { nextSeconds: nextPollSeconds(elapsed, cluster), overdue: false });
  assert.equal(pacedPoll(1_900, cluster).overdue, false);
  assert.equal(pacedPoll(1_947, cluster).overdue, true);
});

test('on a cloud 600× faster the same schedule runs in its time: pauses and deadline shrink alike, pauses never under 0.1 s', () => {
  assert.deepEqual(pacedPoll(0, cluster, 600), { nextSeconds: 0.2, overdue: false });
  assert.equal(pacedPoll(600 / 600, cluster, 600).nextSeconds, 0.1);
  assert.equal(pacedPoll(3.2, cluster, 600).overdue, false, '3.2 real seconds are 32 simulated minutes: not yet overdue');
  assert.equal(pacedPoll(3.25, cluster, 600).overdue, true, 'past 32.4 simulated minutes');
  assert.equal(pacedPoll(0, cluster, 10).nextSeconds, 12, 'a slower simulation still scales');
});

test("an SDK waiter's fixed interval replaces the schedule, paced the same way", () => {
  assert.deepEqual(pacedPoll(600, cluster, 1, 30), { nextSeconds: 30, overdue: false });
  assert.equal(pacedPoll(1, cluster, 20, 30).nextSeconds, 1.5);
  assert.equal(pacedPoll(1_947, cluster, 1, 30).overdue, true, 'the deadline is the same');
});
