import { ApplicationFailure } from '@temporalio/common';

export interface Fault {
  activity: string;
  /** before: the call never reaches AWS; after: it does, and its response is "lost". */
  when: 'before' | 'after';
  /** Only calls whose first argument matches fail; others run normally. */
  matches?: (input: unknown) => boolean;
}

/**
 * Real activities with one of them made to fail permanently: how the rollback tests break
 * a run at a chosen step, including the lost-response case where AWS did the work.
 */
export function withFault<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T, fault: Fault | undefined): T {
  if (!fault) return activities;
  const original = activities[fault.activity];
  if (!original) throw new Error(`no activity named ${fault.activity}`);
  const failing = async (...args: never[]) => {
    const hit = fault.matches?.(args[0]) ?? true;
    if (hit && fault.when === 'before') throw ApplicationFailure.nonRetryable(`injected failure before ${fault.activity}`, 'InjectedFault');
    const result = await original(...args);
    if (hit) throw ApplicationFailure.nonRetryable(`injected failure after ${fault.activity} (response lost)`, 'InjectedFault');
    return result;
  };
  return { ...activities, [fault.activity]: failing };
}
