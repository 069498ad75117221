import type { Progress } from '../workflows/messages';
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
    return ended(end, `${name} may not be fully deleted`);
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
