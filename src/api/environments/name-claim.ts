import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { TemporalAccess } from '../plugins/temporal';
import { aftermathOf } from './cleanup';
import { describe } from './request';

// AWS names come from the environment's name alone: its EKS cluster is `<name>`, its IAM roles
// `<name>-cluster` and `<name>-node` (IAM is account-wide), its log group `/aws/eks/<name>/…`.
// Two tenants may each call an environment `demo`, but only one `demo` can exist in an
// account, so the second is refused before its run starts. The refusal says nothing of who
// holds the name: tenants must not learn of each other.
//
// Who holds a name is found in Temporal visibility (the EksflowTenant and EksflowEnvironment
// search attributes every run is started with): another tenant's run under the name that is
// still going, or that ended without deleting everything it made and has not been cleaned up.
//
// Visibility alone cannot settle two requests at the same moment: each would look, see
// nothing, and start. So each request first takes a claim on the name: a workflow whose ID is
// the name, which Temporal lets only one execution hold at a time (a strongly consistent
// check, unlike visibility). The claim is held from before the look until the new run shows in
// visibility, so a request that takes the claim next is sure to see that run. Two tenants at
// once: one gets the claim, the other a 409. The claim workflow is never executed (no worker
// polls its task queue): it only holds the ID, and expires by itself if the API dies holding it.
//
// Without eksflow's search attributes (`temporal.searchable()` false, e.g. the time-skipping
// test server) no other tenant's run can be found, so nothing is refused here: the run itself
// refuses any resource that exists without its ownership tags, and never deletes one.

export const nameTakenMessage = (name: string) =>
  `the name "${name}" is already used by another environment in this eksflow installation; pick another name`;

export interface NameClaim {
  /**
   * Lets the next request for the name look. Given the run this request started, first waits
   * until visibility shows it; if it does not in time, the claim is left to expire by itself.
   */
  release(started?: { workflowId: string; runId: string }): Promise<void>;
}

/** How long a claim lives if nobody releases it. */
const claimTimeout = '1 minute';
/** How long a release waits for visibility to show the new run. */
const visibleWithinMs = 10_000;
const deadlineMs = 10_000;

const claimWorkflowId = (name: string) => `name-claim:${name}`;
const unclaimed: NameClaim = { release: async () => undefined };

/** Takes the name for `tenant`, or answers `taken` when another tenant holds it (or is asking for it right now). */
export async function claimName(temporal: TemporalAccess, tenant: string, name: string): Promise<NameClaim | 'taken'> {
  if (!(await temporal.searchable())) return unclaimed;
  const workflowId = claimWorkflowId(name);
  let claimRunId: string | undefined;
  let sameTenant = false;
  for (let attempt = 0; attempt < 3 && claimRunId === undefined && !sameTenant; attempt++) {
    try {
      const handle = await temporal.client.connection.withDeadline(Date.now() + deadlineMs, () => temporal.client.workflow.start('eksflowNameClaim', {
        taskQueue: `${temporal.taskQueue}.name-claims`, workflowId, args: [],
        memo: { tenant },
        workflowExecutionTimeout: claimTimeout,
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: `holds the name "${name}" while one request for it looks whether it is free; never runs`,
      }));
      claimRunId = handle.firstExecutionRunId;
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const holder = await describe(temporal, workflowId);
      if (holder?.status.name !== 'RUNNING') continue; // released in between: try again
      if ((holder.memo as { tenant?: string } | undefined)?.tenant !== tenant) return 'taken';
      // The same tenant asking twice at once: the environment's own workflow ID decides between them.
      sameTenant = true;
    }
  }
  if (claimRunId === undefined && !sameTenant) return 'taken';
  const claim: NameClaim = {
    async release(started) {
      if (claimRunId === undefined) return;
      try {
        if (started && !(await visible(temporal, started))) return;
        await temporal.client.workflow.getHandle(workflowId, claimRunId).terminate('released: the request has looked, and its run (if any) shows in visibility');
      } catch {
        // Expired already, or Temporal did not answer: the claim ends by itself within its timeout.
      }
    },
  };
  try {
    if (await heldByAnotherTenant(temporal, tenant, name)) {
      await claim.release();
      return 'taken';
    }
  } catch (error) {
    await claim.release();
    throw error;
  }
  return claim;
}

/**
 * Whether another tenant's environment holds the name: a run that is still going, or one that
 * ended having perhaps left something (failed, kept, terminated, half rolled back) and has not
 * been cleaned up since. Completed runs left nothing, so visibility is not asked for them.
 */
async function heldByAnotherTenant(temporal: TemporalAccess, tenant: string, name: string): Promise<boolean> {
  // Both come validated (the name by the spec's pattern, the tenant from the token table): no quotes to escape.
  const query = `WorkflowType = 'provisionEnvironment' AND EksflowEnvironment = '${name}' AND EksflowTenant != '${tenant}'`
    + ` AND ExecutionStatus != 'Completed' AND ExecutionStatus != 'ContinuedAsNew'`;
  return temporal.client.connection.withDeadline(Date.now() + deadlineMs, async () => {
    const seen = new Set<string>();
    for await (const execution of temporal.client.workflow.list({ query, pageSize: 100 })) {
      if (seen.has(execution.workflowId)) continue;
      seen.add(execution.workflowId);
      // The latest run decides: a failed run later followed by a clean teardown holds nothing.
      const latest = await describe(temporal, execution.workflowId);
      if (latest && (await aftermathOf(temporal, latest)).state !== 'clean') return true;
    }
    return false;
  });
}

async function visible(temporal: TemporalAccess, run: { workflowId: string; runId: string }): Promise<boolean> {
  const until = Date.now() + visibleWithinMs;
  const query = `WorkflowId = '${run.workflowId}' AND RunId = '${run.runId}'`;
  while (Date.now() < until) {
    if ((await temporal.client.workflow.count(query)).count > 0) return true;
    await sleep(100);
  }
  return false;
}
