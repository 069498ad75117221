import { fitLognormal, hazard } from './lognormal';
import type { Latency } from './latency';

/**
 * How much chance of completion each pause may cover: the pause from t lasts until
 * ∫ √h(u) du reaches this, h being the hazard of the lognormal fitted to the wait's median and
 * p90. Pauses ∝ 1/√h minimise the expected detection lag for a given number of Describe calls
 * (the Lagrangian of ∫f·Δ/2 against ∫S/Δ); this constant trades the two. At 0.8 the tutorial's
 * waits (a control plane, two node groups) notice completion ~4.5 s late on average with
 * ~1.46× the calls of the SDK's 30 s waiters, which are ~15 s late (test/domain/poll-schedule).
 */
const hazardPerPause = 0.8;
/** Never look more often than this: the floor for waits whose hazard spikes. */
const shortestPauseSeconds = 1;
/** Never look less often than this, so a failure early in a long wait is still seen soon. */
const longestPauseSeconds = (latency: Latency) => Math.min(120, latency.medianSeconds / 2);

/**
 * When to look again while waiting for AWS, `elapsedSeconds` into the wait: sparsely while
 * completion is unlikely, densely where it is most likely, and less often again in the tail.
 * SDK waiters poll at a fixed 30 s (120 s for some), noticing completion ~15 s late on average
 * — more where CloudFormation stands between (eksctl).
 */
export function nextPollSeconds(elapsedSeconds: number, latency: Latency): number {
  const fit = fitLognormal({ median: latency.medianSeconds, p90: latency.p90Seconds });
  const longest = Math.max(shortestPauseSeconds, longestPauseSeconds(latency));
  const step = Math.min(1, latency.medianSeconds / 200);
  let covered = 0;
  let pause = 0;
  while (pause < longest && covered < hazardPerPause) {
    covered += Math.sqrt(hazard(elapsedSeconds + pause + step / 2, fit)) * step;
    pause += step;
  }
  return Math.min(longest, Math.max(shortestPauseSeconds, pause));
}

/** The standard normal's 99.99th percentile. */
const z9999 = 3.719016485455709;

/**
 * How long a wait may run before it is a failure: until what it waits for has less than a
 * 1-in-10,000 chance of still coming (the fitted lognormal's 99.99th percentile), never under
 * 2 × p90 or a minute, nor before AWS would itself declare a failure (`failureSurfacesSeconds`). A flat 2 × p90 fails too many healthy waits of wide spread: a NAT gateway
 * (median 2 min, p90 4) outlasts 8 min once in 200.
 */
export function waitDeadlineSeconds(latency: Latency): number {
  const { mu, sigma } = fitLognormal({ median: latency.medianSeconds, p90: latency.p90Seconds });
  return Math.max(60, 2 * latency.p90Seconds, Math.exp(mu + sigma * z9999), latency.failureSurfacesSeconds ?? 0);
}

/**
 * Polling for a cloud that runs `speedup` times faster than AWS (the simulated one): the same
 * schedule in its time, with each pause shrunk to match, but never under a tenth of a second
 * of real time, since each look is a workflow task. `everySeconds` replaces the schedule with a
 * fixed interval, as an SDK waiter polls.
 */
export function pacedPoll(elapsedRealSeconds: number, latency: Latency, speedup = 1, everySeconds?: number): { nextSeconds: number; overdue: boolean } {
  const elapsed = elapsedRealSeconds * speedup;
  const pause = everySeconds ?? nextPollSeconds(elapsed, latency);
  return { nextSeconds: Math.max(speedup === 1 ? 0 : 0.1, pause / speedup), overdue: elapsed > waitDeadlineSeconds(latency) };
}
