import type { Latency } from './latency';

/**
 * When to look again while waiting for AWS. SDK waiters poll at a fixed 30 s (120 s for some),
 * noticing completion ~60 s late on average. We poll sparsely while completion is unlikely,
 * densely around the expected time, and moderately past the p90 — until the deadline.
 */
export function nextPollSeconds(elapsedSeconds: number, latency: Latency): number {
  const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
  if (elapsedSeconds < 0.6 * latency.medianSeconds) return clamp(0.2 * latency.medianSeconds, 2, 60);
  if (elapsedSeconds < latency.p90Seconds) return clamp(0.03 * latency.medianSeconds, 1, 15);
  return clamp(0.1 * latency.medianSeconds, 2, 30);
}

/** How long a wait may run before it is a failure: well past the p90, never under a minute. */
export function waitDeadlineSeconds(latency: Latency): number {
  return Math.max(60, 2 * latency.p90Seconds);
}

/**
 * Polling for a cloud that runs `speedup` times faster than AWS (the simulated one): the same
 * schedule in its time, with each pause shrunk to match, but never under a tenth of a second
 * of real time, since each look is a workflow task.
 */
export function pacedPoll(elapsedRealSeconds: number, latency: Latency, speedup = 1): { nextSeconds: number; overdue: boolean } {
  const elapsed = elapsedRealSeconds * speedup;
  return { nextSeconds: Math.max(speedup === 1 ? 0 : 0.1, nextPollSeconds(elapsed, latency) / speedup), overdue: elapsed > waitDeadlineSeconds(latency) };
}
