import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyTable } from '../../../src/domain/latency';
import { ManualClock, defaultSpeedup, scaledClock, speedupFromEnv } from '../../../src/sim/clock';
import { LatencySampler, defaultLatencyProfile, latencyProfile } from '../../../src/sim/profile';
import { fitLognormal, seededRandom } from '../../../src/sim/random';

const quantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;

test('cluster-create latencies are drawn from the profile: 2000 samples have its median and p90 within 5%', () => {
  const sampler = new LatencySampler(defaultLatencyProfile, 'latency-test');
  const samples = Array.from({ length: 2000 }, (_, i) => sampler.sample('cluster.create', `cluster-${i}`)).sort((a, b) => a - b);
  const median = quantile(samples, 0.5);
  const p90 = quantile(samples, 0.9);
  assert.ok(Math.abs(median / 600 - 1) < 0.05, `median ${median.toFixed(0)} s, expected ~600 s`);
  assert.ok(Math.abs(p90 / 900 - 1) < 0.05, `p90 ${p90.toFixed(0)} s, expected ~900 s`);
});

test('the same seed draws the same latencies, whatever else was drawn in between', () => {
  const first = new LatencySampler(defaultLatencyProfile, 42);
  const second = new LatencySampler(defaultLatencyProfile, 42);
  second.sample('nodegroup.create', 'other/group');
  assert.equal(first.sample('cluster.create', 'demo'), second.sample('cluster.create', 'demo'));
  assert.equal(first.sample('cluster.create', 'demo'), second.sample('cluster.create', 'demo'), 'the second draw for demo matches too');
  assert.notEqual(new LatencySampler(defaultLatencyProfile, 43).sample('cluster.create', 'demo'), new LatencySampler(defaultLatencyProfile, 42).sample('cluster.create', 'demo'));
  assert.deepEqual(first.draws().map((d) => [d.operation, d.key, d.occurrence]), [['cluster.create', 'demo', 0], ['cluster.create', 'demo', 1]]);
});

test('the profile takes the planner\'s figures where it has them, and overrides where given', () => {
  assert.equal(defaultLatencyProfile['cluster.create'], latencyTable.cluster);
  assert.equal(defaultLatencyProfile['fargate-profile.create'], latencyTable['fargate-profile']);
  assert.equal(defaultLatencyProfile['load-balancer.provision'], latencyTable.nlb);
  const quick = latencyProfile({ 'cluster.create': { medianSeconds: 1, p90Seconds: 1 } });
  assert.equal(quick['cluster.create'].medianSeconds, 1);
  assert.equal(quick['nodegroup.create'], latencyTable.nodegroup);
  assert.ok(Math.abs(new LatencySampler(quick).sample('cluster.create', 'x') - 1) < 1e-9, 'median = p90 is a fixed latency');
});

test('a lognormal is fitted to a median and p90, and refuses a p90 below the median', () => {
  const { mu, sigma } = fitLognormal({ median: 600, p90: 900 });
  assert.equal(mu, Math.log(600));
  assert.ok(Math.abs(sigma - (Math.log(900) - Math.log(600)) / 1.2816) < 1e-4);
  assert.throws(() => fitLognormal({ median: 600, p90: 500 }), RangeError);
  const random = seededRandom('uniform');
  const draws = Array.from({ length: 1000 }, random);
  assert.ok(draws.every((u) => u >= 0 && u < 1));
  assert.ok(Math.abs(draws.reduce((a, b) => a + b, 0) / 1000 - 0.5) < 0.05);
});

test('EKSFLOW_SIM_SPEEDUP sets the speedup; the default is 20×; anything else is refused by name', () => {
  assert.equal(defaultSpeedup, 20);
  assert.equal(speedupFromEnv({}), 20);
  assert.equal(speedupFromEnv({ EKSFLOW_SIM_SPEEDUP: '600' }), 600);
  assert.equal(speedupFromEnv({ EKSFLOW_SIM_SPEEDUP: '0.5' }), 0.5);
  for (const bad of ['0', '-3', 'fast', 'Infinity']) assert.throws(() => speedupFromEnv({ EKSFLOW_SIM_SPEEDUP: bad }), /EKSFLOW_SIM_SPEEDUP must be a positive number/);
});

test('a scaled clock runs `speedup` times faster than real time; a manual one only when advanced', async () => {
  const clock = scaledClock({ speedup: 1000 });
  const realStart = performance.now();
  const simStart = clock.now();
  await clock.sleep(50);
  const realMs = performance.now() - realStart;
  assert.ok(realMs >= 45 && realMs < 500, `50 simulated seconds took ${realMs.toFixed(0)} ms of real time`);
  assert.ok(clock.now() - simStart >= 49_000, 'and the simulated clock moved ~50 s');

  const manual = new ManualClock(0);
  let woke = false;
  const sleeping = manual.sleep(10).then(() => { woke = true; });
  manual.advance(9);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(woke, false);
  manual.advance(1);
  await sleeping;
  assert.equal(manual.now(), 10_000);
});
