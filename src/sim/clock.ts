import { setTimeout as delay } from 'node:timers/promises';

/**
 * Time in the simulated cloud. Simulated time runs `speedup` times faster than real time, so
 * every sampled latency takes latency ÷ speedup of real time.
 */
export interface SimClock {
  /** Simulated wall-clock time, epoch milliseconds. */
  now(): number;
  /** How many simulated seconds pass per real second. */
  readonly speedup: number;
  /** Resolves once `seconds` of simulated time have passed. */
  sleep(seconds: number): Promise<void>;
}

/**
 * 20×: the tutorial environment's critical path (cluster ~10 min, node group ~2 min, nodes
 * Ready, the Load Balancer Controller, the app, the NLB's ~4.5 min: ~20 min) takes about a
 * minute of real time. Faster would let fixed real-time costs (Temporal round trips, helm
 * processes, the workflow's poll floor of 1–2 s) dominate what the simulation is meant to
 * show, and a run would be over before anyone could watch it in the Temporal UI.
 */
export const defaultSpeedup = 20;

export const speedupVariable = 'EKSFLOW_SIM_SPEEDUP';

/** The speedup from `EKSFLOW_SIM_SPEEDUP`, or the default; anything but a positive number is refused by name. */
export function speedupFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[speedupVariable];
  if (raw === undefined || raw.trim() === '') return defaultSpeedup;
  const speedup = Number(raw);
  if (!Number.isFinite(speedup) || speedup <= 0) throw new Error(`${speedupVariable} must be a positive number (simulated seconds per real second), got "${raw}"`);
  return speedup;
}

/** Simulated time that starts at the real time and runs `speedup` times faster. */
export function scaledClock({ speedup = speedupFromEnv() }: { speedup?: number } = {}): SimClock {
  if (!Number.isFinite(speedup) || speedup <= 0) throw new RangeError(`speedup must be a positive number, got ${speedup}`);
  const simStart = Date.now();
  const realStart = performance.now();
  return {
    speedup,
    now: () => simStart + (performance.now() - realStart) * speedup,
    sleep: (seconds) => delay((seconds * 1000) / speedup),
  };
}

/** A clock that moves only when told: rule tests step through states without waiting. */
export class ManualClock implements SimClock {
  readonly speedup = Number.POSITIVE_INFINITY;
  private current: number;
  private sleepers: { until: number; wake: () => void }[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(seconds: number): Promise<void> {
    return new Promise((wake) => {
      this.sleepers.push({ until: this.current + seconds * 1000, wake });
    });
  }

  /** Moves time on, waking every sleeper whose time has come. */
  advance(seconds: number): void {
    this.current += seconds * 1000;
    const due = this.sleepers.filter((s) => s.until <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.until > this.current);
    for (const sleeper of due) sleeper.wake();
  }
}
