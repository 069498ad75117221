import type { WorkflowExecutionDescription } from '@temporalio/client';
import { ChangeRefusedError, describeChangePlan, planChange, type ChangePlan } from '../../domain/change-plan';
import type { EnvironmentSpec } from '../../domain/environment-spec';
import { formatDuration } from '../../domain/latency';
import { InvalidPlanError } from '../../domain/planner';
import type { TemporalAccess } from '../plugins/temporal';
import type { RunMemo } from './identity';
import { describe } from './request';
import { queryProgress } from './view';

/** A running environment as a change sees it: the spec it stands on and its replaced node groups' EKS names. */
export interface LiveEnvironment {
  description: WorkflowExecutionDescription;
  spec: EnvironmentSpec;
  nodegroupNames: Record<string, string>;
  fargateProfileNames: Record<string, string>;
}

/** The tenant's running environment under `workflowId`, or why there is none to change. */
export async function liveEnvironment(temporal: TemporalAccess, workflowId: string): Promise<LiveEnvironment | 'not-found' | 'ended'> {
  const description = await describe(temporal, workflowId);
  if (!description) return 'not-found';
  if (description.status.name !== 'RUNNING') return 'ended';
  const progress = await queryProgress(temporal, description);
  // The run's own answer first; its memo (kept by each change) when it cannot answer now.
  const spec = (progress?.spec ?? (description.memo as Partial<RunMemo> | undefined)?.spec) as EnvironmentSpec;
  return { description, spec, nodegroupNames: progress?.nodegroupNames ?? {}, fargateProfileNames: progress?.fargateProfileNames ?? {} };
}

export type ChangePreview =
  | { ok: true; plan: ChangePlan }
  | { ok: false; error: 'ChangeRefused' | 'InvalidPlan'; message: string; problems: { path: string; message: string }[] };

/** The change plan from the live spec to `wanted`, or the refusal with each problem at its path. */
export function previewChange(live: LiveEnvironment, wanted: EnvironmentSpec): ChangePreview {
  try {
    return { ok: true, plan: planChange(live.spec, wanted, { nodegroupNames: live.nodegroupNames, fargateProfileNames: live.fargateProfileNames }) };
  } catch (error) {
    if (error instanceof ChangeRefusedError) return { ok: false, error: 'ChangeRefused', message: error.message, problems: error.problems };
    if (error instanceof InvalidPlanError) return { ok: false, error: 'InvalidPlan', message: error.message, problems: error.problems };
    throw error;
  }
}

/** A change plan as the API answers it: the same fields as a creation plan's, each step with its action. */
export function changePlanBody(plan: ChangePlan) {
  return {
    kind: 'change' as const,
    environment: plan.environment, region: plan.region, kubernetesVersion: plan.kubernetesVersion,
    steps: plan.steps.map(({ id, kind, title, dependsOn, estimateSeconds, action, change, irreversible }) => ({ id, kind, title, dependsOn, estimateSeconds, action, change, ...(irreversible ? { irreversible } : {}) })),
    waves: plan.waves, criticalPath: plan.criticalPath, criticalPathSeconds: plan.criticalPathSeconds,
    estimate: formatDuration(plan.criticalPathSeconds), unchanged: plan.unchanged, tree: describeChangePlan(plan),
  };
}
