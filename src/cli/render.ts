import { describeDrift, type DriftReport } from '../domain/drift';
import type { EnvironmentSummary } from '../api/environments/list';
import type { CleanupView } from '../api/environments/cleanup';
import type { EnvironmentView } from '../api/environments/view';
import type { LedgerEntry } from '../domain/ledger';
import type { StepProgress, StepState } from '../workflows/messages';
import type { CliError } from './exit-codes';

// Everything `eksflow` shows a person. Machine output (--json) is the API's own bodies.

export const stepIcons: Record<StepState, string> = {
  pending: '·', running: '▸', done: '✔', failed: '✖', compensated: '↺', skipped: '-',
};

/** What a step is doing, after its title: the last observation, or why it is being retried or failed. */
export function stepNote(step: StepProgress): string {
  if (step.state === 'failed' && step.lastError) return step.lastError;
  if (step.state === 'running' && step.lastError) return `retrying (attempt ${step.attempts}): ${step.lastError}`;
  if (step.state === 'compensated') return 'rolled back';
  return step.detail ?? '';
}

export function stepLine(step: StepProgress, idWidth = step.id.length): string {
  const note = stepNote(step);
  return `${stepIcons[step.state]} ${step.id.padEnd(idWidth)}  ${step.state.padEnd(11)} ${step.title}${note ? ` — ${note}` : ''}`;
}

export const stepLines = (steps: readonly StepProgress[]): string[] => {
  const width = Math.max(0, ...steps.map((s) => s.id.length));
  return steps.map((step) => stepLine(step, width));
};

export interface PlanBody {
  /** create: a new environment's plan; change: the change plan for the running one of that name. */
  kind?: 'create' | 'change';
  environment: string;
  steps: unknown[];
  estimate: string;
  tree: string;
  /** What the plan says without refusing it (a creation plan's pod capacity). */
  warnings?: { path: string; message: string }[];
}

const warningLines = (plan: PlanBody): string => (plan.warnings ?? []).map((w) => `\nwarning: ${w.path}: ${w.message}`).join('');

export const planText = (plan: PlanBody): string => (plan.kind === 'change'
  ? `${plan.tree}\n\nestimate: ~${plan.estimate} for the change to ${plan.environment} (${plan.steps.length} steps); apply it with \`eksflow env apply -f <file>\``
  : `${plan.tree}\n\nestimate: ~${plan.estimate} until ${plan.environment} is ready (${plan.steps.length} steps, if each takes its usual time)`) + warningLines(plan);

/** Lines of "label  value", aligned. */
export function fields(rows: readonly (readonly [string, string | undefined])[]): string[] {
  const present = rows.filter((row): row is [string, string] => row[1] !== undefined && row[1] !== '');
  const width = Math.max(0, ...present.map(([label]) => label.length));
  return present.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
}

export function ledgerCount(ledger: readonly LedgerEntry[]): string {
  const byState = new Map<string, number>();
  for (const entry of ledger) byState.set(entry.state, (byState.get(entry.state) ?? 0) + 1);
  const states = [...byState].map(([state, n]) => `${n} ${state}`).join(', ');
  return `${ledger.length} resource${ledger.length === 1 ? '' : 's'}${states ? ` (${states})` : ''}`;
}

export function environmentText(view: EnvironmentView & { links?: { temporalUi?: string } }): string {
  const progress = view.progress;
  const groups = Object.entries(progress?.nodeGroups ?? {}).map(([name, s]) => `${name} ${s.minSize} ≤ ${s.desiredSize} ≤ ${s.maxSize}`).join('; ');
  const lines = [
    `${view.name} (tenant ${view.tenant})`,
    ...fields([
      ['status', view.status],
      ['phase', view.phase ?? 'unknown (the run has not answered)'],
      ['app URL', progress?.appUrl],
      ['node groups', groups],
      ['ledger', progress ? ledgerCount(progress.ledger) : undefined],
      ['started', view.startedAt],
      ['closed', view.closedAt],
      ['workflow', view.workflowId],
      ['temporal', view.links?.temporalUi],
      ['failure', view.failure ? `${view.failure.message}${view.failure.type ? ` (${view.failure.type})` : ''}` : undefined],
      ['cleanup', view.cleanup ? cleanupSummary(view.cleanup) : undefined],
      ['change', progress?.change ? `${progress.change.id} ${progress.change.state}: ${progress.change.outcome ?? progress.change.summary}` : undefined],
      ['drift', progress?.drift ? driftSummary(progress.drift) : undefined],
    ]),
    ...(view.cleanup ? cleanupProblems(view.cleanup).map((line) => `  ${line}`) : []),
    ...(progress?.drift?.items ?? []).map((item) => `  ${describeDrift(item)}`),
  ];
  if (progress?.steps.length) lines.push('steps', ...stepLines(progress.steps).map((line) => `  ${line}`));
  if (progress?.change?.state === 'running') lines.push(`change ${progress.change.id}`, ...stepLines(progress.change.steps).map((line) => `  ${line}`));
  return lines.join('\n');
}

export function environmentTable(environments: readonly EnvironmentSummary[]): string {
  if (environments.length === 0) return 'no environments';
  const header = ['NAME', 'STATUS', 'PHASE', 'REGION', 'STARTED', 'CLOSED'];
  const rows = environments.map((e) => [e.name, e.status, e.phase ?? '-', e.region ?? '-', e.startedAt, e.closedAt ?? '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** An error for a person: its message, then each problem on its own line. */
export const errorText = (error: CliError): string =>
  [`error: ${error.message}`, ...error.details.map((detail) => `  ${detail}`)].join('\n');

/** One line for a cleanup: its state and, once it has finished, what it deleted and what is left. */
export function cleanupSummary(cleanup: CleanupView): string {
  const { report } = cleanup;
  if (report) return `${cleanup.status}: deleted ${report.deleted.length}, failed ${report.failed.length}, leftovers ${report.leftovers.length}`;
  return cleanup.failure ? `${cleanup.status}: ${cleanup.failure.message}` : cleanup.status;
}

/** What a cleanup left and what kept failing, a line each. */
export function cleanupProblems(cleanup: CleanupView): string[] {
  return [
    ...(cleanup.report?.leftovers ?? []).map((ref) => `leftover: ${ref.kind} ${ref.name} (${ref.region})`),
    ...(cleanup.report?.failed ?? []).map((entry) => `failed: ${entry.kind} ${entry.name}${entry.error ? `: ${entry.error}` : ''}`),
  ];
}

/** One line for the last drift check: when, and whether the environment still matches its spec. */
function driftSummary(drift: DriftReport & { error?: string }): string {
  if (drift.error) return `could not check at ${drift.checkedAt}: ${drift.error}`;
  if (drift.items.length === 0) return `none (checked ${drift.checkedAt})`;
  return `${drift.items.length} difference${drift.items.length === 1 ? '' : 's'} from the spec (checked ${drift.checkedAt})${drift.corrected?.length ? `; corrected: ${drift.corrected.join('; ')}` : ''}`;
}
