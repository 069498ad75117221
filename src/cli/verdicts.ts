import type { EnvironmentView } from '../api/environments/view';
import type { Progress } from '../workflows/messages';
import { cleanupProblems } from './render';
import { exitCodes } from './exit-codes';
import type { RunEnd, RunEvent, Verdict } from './watch';

// When a watch is over, per command. Each takes the events in order and answers once it knows.

const failedSteps = (progress: Progress): string[] =>
  progress.steps.filter((s) => s.state === 'failed').map((s) => `${s.id}: ${s.lastError ?? 'failed'}`);

const ended = (end: RunEnd, what: string): Verdict => ({
  exitCode: exitCodes.failed,
  message: `${what}: the run ended ${end.status}${end.phase ? ` in phase ${end.phase}` : ''}`,
  details: end.failure ? [end.failure.message] : [],
});

/** `env create --watch`: ready is done; failed, rolled back or ended is not. */
export function provisioned(name: string): (event: RunEvent) => Verdict | undefined {
  return (event) => {
    if (event.type === 'end') return ended(event.end, `${name} was not provisioned`);
    const { progress } = event;
    if (progress.phase === 'ready') {
      return { exitCode: exitCodes.ok, message: `${name} is ready${progress.appUrl ? `; the app answers at ${progress.appUrl}` : ''}` };
    }
    if (progress.phase === 'failed' || progress.phase === 'rolled-back') {
      return { exitCode: exitCodes.failed, message: `${name} was not provisioned (${progress.phase})`, details: failedSteps(progress) };
    }
    return undefined;
  };
}

/** `env delete --watch`: done when the run has closed with nothing left (torn down, or rolled back before it was ready). */
export function deleted(name: string): (event: RunEvent) => Verdict | undefined {
  return (event) => {
    if (event.type === 'progress') return undefined;
    const { end } = event;
    if (end.phase === 'torn-down' || end.phase === 'rolled-back') {
      return { exitCode: exitCodes.ok, message: `${name} is deleted (${end.phase}); nothing it made is left` };
    }
    const verdict = ended(end, `${name} may not be fully deleted`);
    // A run that has ended leaving something gets a cleanup from the next DELETE.
    return { ...verdict, details: [...(verdict.details ?? []), `\`eksflow env delete ${name} --watch\` cleans up what is left`] };
  };
}

/**
 * `env scale --watch`: the run has accepted the update (it is scaling) before the API answers,
 * so the next `ready` is the scale finished; it took if the group now has the size asked for.
 */
export function scaled(name: string, nodeGroup: string, desiredSize: number): (event: RunEvent) => Verdict | undefined {
  return (event) => {
    if (event.type === 'end') return ended(event.end, `${name} was not scaled`);
    const { progress } = event;
    if (progress.phase === 'scaling') return undefined;
    const now = progress.nodeGroups[nodeGroup]?.desiredSize;
    if (progress.phase === 'ready') {
      return now === desiredSize
        ? { exitCode: exitCodes.ok, message: `${name}: node group ${nodeGroup} has ${desiredSize} Ready node${desiredSize === 1 ? '' : 's'}` }
        : { exitCode: exitCodes.failed, message: `${name}: node group ${nodeGroup} was not scaled to ${desiredSize}; it stays at ${now ?? 'unknown'}`, details: [`\`eksflow env get ${name}\` and the run's history in the Temporal UI say why`] };
    }
    return { exitCode: exitCodes.failed, message: `${name} is ${progress.phase}; node group ${nodeGroup} was not scaled`, details: failedSteps(progress) };
  };
}

/**
 * `env delete --watch` of a run that had already ended: done when its cleanup completed and a
 * fresh look found nothing left (or there was nothing to clean up: it had been torn down).
 */
export function cleanupVerdict(name: string, view: EnvironmentView): Verdict {
  const { cleanup } = view;
  if (!cleanup) {
    return view.status === 'completed' || view.phase === 'torn-down'
      ? { exitCode: exitCodes.ok, message: `${name} is deleted (${view.phase ?? view.status}); nothing it made is left` }
      : { exitCode: exitCodes.failed, message: `${name} ended ${view.status} and no cleanup has run`, details: [`\`eksflow env delete ${name}\` starts one`] };
  }
  const left = cleanupProblems(cleanup);
  if (cleanup.status === 'completed' && cleanup.report && cleanup.report.leftovers.length === 0) {
    return { exitCode: exitCodes.ok, message: `${name} is cleaned up: the cleanup deleted ${cleanup.report.deleted.length} resource${cleanup.report.deleted.length === 1 ? '' : 's'}; nothing it made is left` };
  }
  return {
    exitCode: exitCodes.failed,
    message: cleanup.report
      ? `${name} is not cleaned up: ${cleanup.report.leftovers.length} resource${cleanup.report.leftovers.length === 1 ? ' is' : 's are'} left`
      : `${name} is not cleaned up: the cleanup ${cleanup.status}${cleanup.failure ? `: ${cleanup.failure.message}` : ''}`,
    details: [...left, `\`eksflow env delete ${name}\` tries again; the cleanup's history is in the Temporal UI`],
  };
}

/**
 * `env apply --watch` and `env upgrade --watch`: the run has accepted the change (it is
 * changing) before the API answers; done when that change is applied, failed when it was
 * rolled back or stopped part-way (with where things stand), or the run ended.
 */
export function changed(name: string, changeId: string): (event: RunEvent) => Verdict | undefined {
  return (event) => {
    if (event.type === 'end') return ended(event.end, `${name} was not changed`);
    const { change } = event.progress;
    if (change?.id !== changeId || change.state === 'running') return undefined;
    if (change.state === 'applied') return { exitCode: exitCodes.ok, message: `${name}: change ${changeId} applied (${change.summary})` };
    return {
      exitCode: exitCodes.failed, message: `${name}: change ${changeId} ${change.state}`,
      details: [...(change.outcome ? [change.outcome] : []), ...change.steps.filter((s) => s.state === 'failed').map((s) => `${s.id}: ${s.lastError ?? 'failed'}`)],
    };
  };
}
