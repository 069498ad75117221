import { ApplicationFailure } from '@temporalio/common';
import { defaultMaxAttempts } from '../../activities/aws/clients';
import type { FailStep, FaultInjector } from '../faults';
import { SimulatedAwsError, transientError, type AwsService } from './errors';

/** What one interface call is: its method and the resource it is about, for counting and fault matching. */
export interface CallContext {
  service: AwsService;
  method: string;
  resource?: string;
}

/** Makes one API request of the call in progress: counted, maybe faulted, then performed. */
export type Request = <T>(api: string, perform: () => T) => Promise<T>;

const injected = (step: FailStep, what: string, resource: string | undefined) => ApplicationFailure.nonRetryable(
  `injected failure of ${what}${resource ? ` (${resource})` : ''} ${step.when === 'before' ? 'before it took effect' : 'after it took effect: the response was lost'}`,
  'InjectedFault',
);

/**
 * The one door every simulated API request goes through, so each is counted by API name
 * (`eks:DescribeCluster`), lets due state transitions happen first, and can meet a fault.
 * Requests are made in the same order and number as the SDK-backed adapters make them, so
 * the counts are what AWS would have seen.
 */
export class AwsGateway {
  private readonly counts = new Map<string, number>();
  private readonly refusals = new Map<string, number>();
  private readonly transientRefusals = new Map<string, number>();

  constructor(
    private readonly faults: FaultInjector,
    /** Applies every state transition whose time has come. */
    private readonly settle: () => void,
    /** The SDK clients' attempts per request (src/activities/aws/clients.ts, aws-fault-catalog 47): a transient fault is retried within them. */
    private readonly sdkMaxAttempts = defaultMaxAttempts,
  ) {}

  /** Runs one interface call; a fail step on its method name fails it as a whole. */
  async operation<T>(context: CallContext, body: (request: Request) => Promise<T>): Promise<T> {
    const { method, resource } = context;
    const before = this.faults.failing([method], resource, 'before');
    if (before) throw injected(before, method, resource);
    const result = await body((api, perform) => this.request(context, api, perform));
    const after = this.faults.failing([method], resource, 'after');
    if (after) throw injected(after, method, resource);
    return result;
  }

  private async request<T>(context: CallContext, api: string, perform: () => T): Promise<T> {
    const qualified = `${context.service}:${api}`;
    for (let attempt = 1; ; attempt++) {
      this.counts.set(qualified, (this.counts.get(qualified) ?? 0) + 1);
      // A real request is I/O: let other callers interleave, as they would.
      await Promise.resolve();
      this.settle();
      const transient = this.faults.transient(qualified);
      if (transient) {
        const error = transientError(context.service, api, transient);
        this.refused(this.transientRefusals, qualified, error);
        if (attempt < this.sdkMaxAttempts) continue;
        throw error;
      }
      const names = [api, qualified];
      const before = this.faults.failing(names, context.resource, 'before');
      if (before) throw injected(before, api, context.resource);
      let result: T;
      try {
        result = perform();
      } catch (error) {
        if (error instanceof SimulatedAwsError) this.refused(this.refusals, qualified, error);
        throw error;
      }
      const after = this.faults.failing(names, context.resource, 'after');
      if (after) throw injected(after, api, context.resource);
      return result;
    }
  }

  /** Requests made so far by API (`eks:CreateCluster`), SDK retries included, sorted by name. */
  calls(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  resetCalls(): void {
    this.counts.clear();
    this.refusals.clear();
    this.transientRefusals.clear();
  }

  private refused(into: Map<string, number>, qualified: string, error: SimulatedAwsError): void {
    const key = `${qualified} ${error.name}`;
    into.set(key, (into.get(key) ?? 0) + 1);
  }

  /**
   * AWS's error answers so far, by API and error name (`eks:CreateCluster InvalidParameterException`):
   * `transient`, the injected throttling and 5xx (those the SDK retried within its attempts
   * included); `refusals`, every other error the cloud answered ("not yet", not found, in use).
   */
  errorAnswers(): { transient: Record<string, number>; refusals: Record<string, number> } {
    const sorted = (map: Map<string, number>) => Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)));
    return { transient: sorted(this.transientRefusals), refusals: sorted(this.refusals) };
  }
}
