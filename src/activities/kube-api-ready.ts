import { Health } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../domain/errors';
import type { KubeAccess } from './nodes-ready';
import { paceFor, type Pace } from './pace';

export interface KubeApiReadyInput {
  cluster: string;
  /**
   * Answers in a row that make the API ready. eksctl's WaitForControlPlane asks /version every
   * 20 s and is satisfied after the 6th success (pkg/eks/client.go; catalog entry 12).
   * @default 6
   */
  successes?: number;
  /** Between two looks, in AWS time (compressed by the cloud's time scale). @default 20000 */
  intervalMs?: number;
  /** How long to keep trying, in AWS time, before the run fails with the last answer. @default 600000 (10 min) */
  deadlineMs?: number;
}

export interface KubeApiReadyProgress {
  /** Successes in a row so far. */
  inARow: number;
  needed: number;
  /** Looks that failed (not 200, no answer, no endpoint yet), all told. */
  failures: number;
  lastFailure?: string;
}

/** One look at /readyz: one request's worth of waiting at most. */
const lookTimeoutMs = 10_000;

/** How the worker asks: eksctl's cadence unless its test bed says otherwise. */
export type KubeApiReadiness = Pick<KubeApiReadyInput, 'successes' | 'intervalMs' | 'deadlineMs'>;

export function createKubeApiReadyActivities(kube: KubeAccess, pace: Pace = paceFor(), defaults: KubeApiReadiness = {}) {
  /**
   * Waits until the cluster's API server answers /readyz with 200 `successes` times in a row:
   * EKS reports a cluster ACTIVE before its API is stably reachable (the endpoint's DNS, the
   * load balancer in front of the API servers), so one answer proves little (catalog entry 12).
   * A failure starts the count again. Heartbeats each look; ends early when cancelled.
   */
  async function waitForKubeApiReady(input: KubeApiReadyInput): Promise<KubeApiReadyProgress> {
    const { cluster, successes = 6, intervalMs = 20_000, deadlineMs = 600_000 } = { ...defaults, ...input };
    const context = Context.current();
    const deadline = Date.now() + pace(deadlineMs);
    const progress: KubeApiReadyProgress = { inARow: 0, needed: successes, failures: 0 };
    for (;;) {
      const failure = await lookAtReadyz(kube, cluster);
      if (failure === undefined) {
        progress.inARow += 1;
      } else {
        progress.inARow = 0;
        progress.failures += 1;
        progress.lastFailure = failure;
      }
      context.heartbeat(progress);
      if (progress.inARow >= successes) return progress;
      if (Date.now() > deadline) {
        throw ApplicationFailure.nonRetryable(
          `the Kubernetes API of ${cluster} did not answer /readyz ${successes} times in a row (${progress.failures} failed looks; last: ${progress.lastFailure ?? 'none'})`,
          errorTypes.waitTimedOut, progress,
        );
      }
      // Context.sleep ends early with a CancelledFailure when the workflow cancels this wait.
      await context.sleep(pace(intervalMs));
    }
  }

  return { waitForKubeApiReady };
}

/** undefined when /readyz said 200, else why not. */
async function lookAtReadyz(kube: KubeAccess, cluster: string): Promise<string | undefined> {
  try {
    const config = await kube.forCluster(cluster);
    const ready = await new Health(config).readyz({ signal: AbortSignal.timeout(lookTimeoutMs) });
    return ready ? undefined : '/readyz did not answer 200';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
