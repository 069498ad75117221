import { keyedRandom } from './random';

/**
 * Fault injection for the simulated cloud: transient faults at a rate (what a real API does
 * under load) and a named step made to fail for good (what the rollback tests need).
 */
export interface FaultOptions {
  /** Probability that one request is throttled. @default 0 */
  throttleRate?: number;
  /** Probability that one request fails on the provider's side (5xx). @default 0 */
  serverErrorRate?: number;
  /** Seeds the coin flips, so a run's faults are reproducible. @default 1 */
  seed?: string | number;
}

export interface FailStepOptions {
  /**
   * Only calls about this resource: a name, or one segment of a `cluster/name` key, so
   * `spot` matches node group `demo/spot`. @default every call of the operation
   */
  resource?: string;
  /** before: the call never takes effect; after: it does, and its response is lost. @default 'before' */
  when?: 'before' | 'after';
  /** How many matching calls fail; later ones succeed. @default every one */
  times?: number;
  /** How many matching calls succeed before the failing ones, so the n-th call of an API can be hit. @default 0 */
  skip?: number;
}

export interface FailStep extends Required<Omit<FailStepOptions, 'resource'>> {
  /** An interface method (`createNodegroup`) or an API request (`CreateSubnet`, `ec2:CreateSubnet`). */
  operation: string;
  resource?: string;
}

export type TransientFault = 'throttle' | 'server-error';

/** What an EKS resource settles into instead of ACTIVE, as EKS reports it. */
export interface FailedOutcome {
  /** FAILED (a cluster), CREATE_FAILED or DEGRADED (a node group, an add-on), CREATE_FAILED (a Fargate profile). */
  status: string;
  /** EKS's health issues, "code: message", e.g. "NodeCreationFailure: Instances failed to join the kubernetes cluster". */
  issues: string[];
  /** For an update's errors: what each is about (the nodes a PodEvictionFailure could not drain). @default none */
  resourceIds?: string[];
}

/**
 * The resources whose creation can end in a failed state: EKS's own, as DescribeX reports them;
 * and the updates that can end Failed or Cancelled, as DescribeUpdate reports them.
 */
export type SettlingKind = 'cluster' | 'nodegroup' | 'fargate-profile' | 'addon' | 'cluster-update' | 'nodegroup-update' | 'addon-update';

const matchesResource = (wanted: string | undefined, resource: string | undefined) =>
  wanted === undefined || (resource !== undefined && (resource === wanted || resource.split('/').includes(wanted)));

export class FaultInjector {
  throttleRate: number;
  serverErrorRate: number;
  private readonly seed: string | number;
  private readonly requests = new Map<string, number>();
  private steps: FailStep[] = [];
  private readonly outcomes = new Map<string, FailedOutcome>();

  constructor({ throttleRate = 0, serverErrorRate = 0, seed = 1 }: FaultOptions = {}) {
    for (const [name, rate] of Object.entries({ throttleRate, serverErrorRate })) {
      if (!(rate >= 0 && rate <= 1)) throw new RangeError(`${name} must be a probability between 0 and 1, got ${rate}`);
    }
    this.throttleRate = throttleRate;
    this.serverErrorRate = serverErrorRate;
    this.seed = seed;
  }

  /**
   * Makes an operation fail non-retryably: every matching call, or the first `times`. Names are
   * matched exactly: `createNodegroup` is the interface method, `CreateNodegroup` the API request.
   */
  failStep(operation: string, { resource, when = 'before', times = Number.POSITIVE_INFINITY, skip = 0 }: FailStepOptions = {}): void {
    this.steps.push({ operation, resource, when, times, skip });
  }

  clearFailSteps(): void {
    this.steps = [];
    this.outcomes.clear();
  }

  /**
   * Makes a resource's creation settle into a failed state rather than ACTIVE, after its usual
   * latency, as real EKS does (a node group CREATE_FAILED with NodeCreationFailure ~20 min in).
   * `resource` is the cluster name, or `cluster/name` for what belongs to a cluster.
   */
  failOutcome(kind: SettlingKind, resource: string, outcome: FailedOutcome): void {
    this.outcomes.set(`${kind}:${resource}`, { status: outcome.status, issues: [...outcome.issues], ...(outcome.resourceIds ? { resourceIds: [...outcome.resourceIds] } : {}) });
  }

  /** The failed state a creation settles into, if one was asked for. */
  outcomeOf(kind: SettlingKind, resource: string): FailedOutcome | undefined {
    return this.outcomes.get(`${kind}:${resource}`);
  }

  /**
   * The step that makes this call fail, if any, counted down. `names` are what the call
   * answers to (a method name, or an API's bare and service-qualified names).
   */
  failing(names: string[], resource: string | undefined, when: 'before' | 'after'): FailStep | undefined {
    const step = this.steps.find((s) => s.times > 0 && s.when === when && names.includes(s.operation) && matchesResource(s.resource, resource));
    if (!step) return undefined;
    if (step.skip > 0) {
      step.skip -= 1;
      return undefined;
    }
    step.times -= 1;
    return step;
  }

  /** Whether this request meets a transient fault: drawn per API and request number, so reproducible per seed. */
  transient(api: string): TransientFault | undefined {
    if (this.throttleRate === 0 && this.serverErrorRate === 0) return undefined;
    const n = this.requests.get(api) ?? 0;
    this.requests.set(api, n + 1);
    const draw = keyedRandom(this.seed, 'fault', api, n)();
    if (draw < this.throttleRate) return 'throttle';
    if (draw < this.throttleRate + this.serverErrorRate) return 'server-error';
    return undefined;
  }
}
