import type { SimClock } from '../clock';
import type { SimOperation } from '../profile';

/** One finished transition and the first Describe that showed it. */
export interface Detection {
  operation: SimOperation;
  /** The resource, e.g. `demo` or `demo/general`. */
  key: string;
  /** Simulated epoch ms when the transition finished. */
  finishedAt: number;
  /** Simulated epoch ms when a Describe first returned its outcome. */
  seenAt: number;
}

/**
 * How late a poller noticed each transition, measured inside the cloud: from the moment a
 * resource left CREATING, UPDATING or DELETING to the first Describe that said so. This is
 * the waiters' own measure (what an SDK waiter's 30 s delay costs), free of the orchestrator's
 * bookkeeping around the call.
 */
export class DetectionLog {
  private readonly pending = new Map<string, { operation: SimOperation; finishedAt: number }>();
  private readonly log: Detection[] = [];

  constructor(private readonly clock: SimClock) {}

  /** `operation` on `resource` (kind and key, e.g. `nodegroup demo/general`) finished at `at`. */
  finished(resource: string, operation: SimOperation, at: number): void {
    this.pending.set(resource, { operation, finishedAt: at });
  }

  /** A Describe of `resource` answered with `status` (`NOT_FOUND` once deleted). */
  described(resource: string, key: string, status: string): void {
    const pending = this.pending.get(resource);
    if (!pending || /ING$/.test(status)) return;
    this.pending.delete(resource);
    this.log.push({ ...pending, key, seenAt: this.clock.now() });
  }

  detections(): readonly Detection[] {
    return this.log;
  }
}
