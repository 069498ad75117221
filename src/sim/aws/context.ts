import type { NotYetByCall } from '../../activities/aws/not-yet';
import type { FaultInjector } from '../faults';
import type { SimClock } from '../clock';
import type { LatencySampler } from '../profile';
import type { DetectionLog } from './detection-log';
import { seededRandom, type Random } from '../random';

export interface Timer {
  cancel(): void;
}

/**
 * State transitions due at simulated times (CREATING → ACTIVE at t). Nothing runs on a real
 * timer: each request first applies every transition whose time has passed, in time order,
 * so a resource's state depends only on simulated time and no handle is left open.
 */
export class Scheduler {
  private queue: { at: number; seq: number; run: (at: number) => void; cancelled: boolean }[] = [];
  private seq = 0;

  /** Runs `run(at)` once simulated time reaches `at`. */
  at(at: number, run: (at: number) => void): Timer {
    const event = { at, seq: this.seq++, run, cancelled: false };
    // Sorted by time, then by order of scheduling: simultaneous transitions keep their order.
    const index = this.queue.findIndex((e) => e.at > at);
    this.queue.splice(index === -1 ? this.queue.length : index, 0, event);
    return { cancel: () => { event.cancelled = true; } };
  }

  /** Applies every transition due by `now`, including those that become due as others run. */
  settle(now: number): void {
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const event = this.queue.shift()!;
      if (!event.cancelled) event.run(event.at);
    }
  }
}

/** Resource IDs in AWS's formats, drawn from the seed so a replayed run gets the same ones. */
export class IdSource {
  private readonly random: Random;

  constructor(seed: string | number) {
    this.random = seededRandom(`${seed}\u0000ids`);
  }

  hex(length: number): string {
    let text = '';
    while (text.length < length) text += Math.floor(this.random() * 16).toString(16);
    return text;
  }

  /** `vpc-0a1b2c...`: EC2's 17-hex-digit IDs. */
  ec2(prefix: string): string {
    return `${prefix}-${this.hex(17)}`;
  }

  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }
}

/** What a simulated service is given: its account and region; the clock, scheduler, sampler and IDs every region of the account shares. */
export interface SimContext {
  accountId: string;
  region: string;
  clock: SimClock;
  sampler: LatencySampler;
  scheduler: Scheduler;
  ids: IdSource;
  /** How late each finished transition was first seen by a Describe. */
  detections: DetectionLog;
  /** Failed states asked for by tests: what a creation settles into instead of ACTIVE. */
  outcomes?: Pick<FaultInjector, 'outcomeOf'>;
  /** The "not yet" answers each call waits out: the SDK adapters' own lists (src/activities/aws/not-yet.ts). */
  notYet: NotYetByCall;
  /** IAM's eventual consistency and EKS's name release are simulated (aws-fault-catalog 1-3, 6, 14). */
  propagation: boolean;
}

/** Simulated time `seconds` from now, in epoch milliseconds. */
export const after = (context: SimContext, seconds: number) => context.clock.now() + seconds * 1000;
