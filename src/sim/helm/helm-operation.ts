import { Context } from '@temporalio/activity';
import type { ObjectStore } from '../kube/object-store';

/** The activity this runs in, if any: the simulated Helm also runs outside activities (tests, tools). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/**
 * One helm command's life in the simulation: it heartbeats as the real activity does while
 * it runs, and a cancellation ends its waits with the cancellation, as SIGTERM ends helm.
 */
export class HelmOperation {
  private readonly context = activityContext();
  private readonly started = Date.now();
  private readonly beat: NodeJS.Timeout;

  constructor(private readonly store: ObjectStore, release: string, step: string, heartbeatMs: number) {
    const beat = () => this.context?.heartbeat({ release, step, elapsedSeconds: Math.round((Date.now() - this.started) / 1000) });
    this.beat = setInterval(beat, heartbeatMs);
  }

  get signal(): AbortSignal | undefined {
    return this.context?.cancellationSignal;
  }

  end(): void {
    clearInterval(this.beat);
  }

  /** Waits `ms` real milliseconds, or rejects with the cancellation. */
  pause(ms: number): Promise<void> {
    return this.wake(Date.now() + ms, false);
  }

  /** Waits until `problem()` says nothing is wrong, re-checking on every change; the last problem if the deadline comes first. */
  async until(problem: () => string | undefined, deadline: number): Promise<string | undefined> {
    for (;;) {
      const found = problem();
      if (!found || Date.now() >= deadline) return found;
      await this.wake(deadline, true);
    }
  }

  private wake(deadline: number, onChange: boolean): Promise<void> {
    const signal = this.signal;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        unsubscribe?.();
        signal?.removeEventListener('abort', abort);
      };
      const done = () => {
        cleanup();
        resolve();
      };
      const abort = () => {
        cleanup();
        reject(signal!.reason as Error);
      };
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      // A change is seen after the store's listeners run, so its reconcile may follow first.
      const unsubscribe = onChange ? this.store.onChange(() => setImmediate(done)) : undefined;
      signal?.addEventListener('abort', abort, { once: true });
    });
  }
}
