// The bench's change plans (issue 16): a ready environment taking a changed spec through
// applyChangeUpdate, measured as provisioning is — end-to-end against the critical path.
import { planChange, type ChangePlan } from '../src/domain/change-plan';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../src/domain/environment-spec';
import type { ChangeProgress } from '../src/workflows/messages';

/** The Kubernetes version the tutorial environment (examples/tutorial/environment.json, 1.35) is upgraded to. */
export const upgradeTo = '1.36';

export interface ChangeScenario {
  /** What the change does, as the table names it. */
  title: string;
  /** The spec the environment is provisioned with. */
  live: EnvironmentSpec;
  /** The spec applied to it once ready. */
  next: EnvironmentSpec;
  /** What the workflow will run: planChange, as the Update's handler plans it. */
  plan: ChangePlan;
}

/** A version upgrade: the same spec, one Kubernetes minor up. */
export function versionUpgrade(live: EnvironmentSpec, to: string = upgradeTo): ChangeScenario {
  const parsed = parseEnvironmentSpec({ ...live, kubernetesVersion: to });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return { title: `version upgrade ${live.kubernetesVersion} → ${to}`, live, next: parsed.spec, plan: planChange(live, parsed.spec) };
}

/**
 * A change's end-to-end time in cloud seconds: from the Update's start to its end, as the run
 * recorded them in workflow time, times the speedup the cloud ran at. Only an ended change has one.
 */
export function changeEndToEnd(change: ChangeProgress, speedup: number): number {
  if (change.endedAt === undefined) throw new Error(`change ${change.id} is still ${change.state}: it has no end-to-end time yet`);
  return ((Date.parse(change.endedAt) - Date.parse(change.startedAt)) / 1000) * speedup;
}
