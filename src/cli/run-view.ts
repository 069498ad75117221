import { Listr, type ListrDefaultRenderer, type ListrSimpleRenderer, type ListrTaskWrapper } from 'listr2';
import type { Progress, StepProgress } from '../workflows/messages';
import { stepLine, stepNote } from './render';
import type { RunEvent } from './watch';

/** How a watch shows the run's events as they come. */
export interface RunView {
  show(event: RunEvent): void;
  /** Ends the display (a live list stops redrawing); call once the watch is over. */
  close(): Promise<void>;
}

const write = (line: string) => process.stdout.write(`${line}\n`);

/** --json: one JSON object a line, for a machine to read as it comes. */
export const jsonLinesView = (): RunView => ({
  show: (event) => write(JSON.stringify(event.type === 'progress' ? { event: 'progress', data: event.progress } : { event: 'end', data: event.end })),
  close: async () => undefined,
});

/**
 * A line each time the phase (or `summary` of the progress, e.g. how many resources are
 * deleted) changes: for runs whose step list is not what moves (teardown, scaling).
 */
export function phaseView(summary: (progress: Progress) => string = () => ''): RunView {
  let last = '';
  return {
    show(event) {
      const line = event.type === 'progress'
        ? `phase: ${event.progress.phase}${summary(event.progress) ? ` — ${summary(event.progress)}` : ''}`
        : `the run ended: ${event.end.status}${event.end.phase ? `, phase ${event.end.phase}` : ''}`;
      if (line !== last) write(line);
      last = line;
    },
    close: async () => undefined,
  };
}

/**
 * The run's steps, live: a listr2 task list on a terminal; elsewhere (a CI log, a test) a line
 * for each step whenever its state or detail changes, and for each change of phase.
 */
export const stepListView = (tty = process.stdout.isTTY === true): RunView => (tty ? new ListrSteps() : new StepLines());

/** Which steps differ from what was last seen (all of them the first time). */
class StepChanges {
  readonly #seen = new Map<string, string>();
  changed(steps: readonly StepProgress[]): StepProgress[] {
    return steps.filter((step) => {
      const key = `${step.state}|${stepNote(step)}`;
      if (this.#seen.get(step.id) === key) return false;
      this.#seen.set(step.id, key);
      return true;
    });
  }
}

class StepLines implements RunView {
  readonly #changes = new StepChanges();
  readonly #phase = phaseView();
  #width = 0;

  show(event: RunEvent): void {
    if (event.type === 'progress') {
      this.#width ||= Math.max(...event.progress.steps.map((s) => s.id.length));
      for (const step of this.#changes.changed(event.progress.steps)) write(`  ${stepLine(step, this.#width)}`);
    }
    this.#phase.show(event);
  }

  async close(): Promise<void> {}
}

type StepTask = ListrTaskWrapper<unknown, ListrDefaultRenderer, ListrSimpleRenderer>;

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => [resolve, reject] = [res, rej]);
  // A failed step is shown by listr; nobody else awaits this promise.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

interface LiveStep {
  step: StepProgress;
  settled: Deferred;
  closed: boolean;
  task?: StepTask;
}

/**
 * One listr2 task per step, all started at once (steps run as their dependencies allow, not
 * in listr's order); a task ends when its step does. Steps a rollback undoes after they ended
 * get their title changed, since a finished task cannot run again.
 */
class ListrSteps implements RunView {
  readonly #live = new Map<string, LiveStep>();
  #run: Promise<unknown> | undefined;

  show(event: RunEvent): void {
    if (event.type !== 'progress') return;
    if (!this.#run) this.#start(event.progress.steps);
    for (const step of event.progress.steps) {
      const live = this.#live.get(step.id);
      if (!live) continue;
      live.step = step;
      this.#apply(live);
    }
  }

  async close(): Promise<void> {
    for (const live of this.#live.values()) {
      if (!live.closed) {
        live.task?.skip(`${live.step.state} when the watch ended`);
        live.closed = true;
        live.settled.resolve();
      }
    }
    await this.#run?.catch(() => undefined);
  }

  #start(steps: readonly StepProgress[]): void {
    for (const step of steps) this.#live.set(step.id, { step, settled: deferred(), closed: false });
    const listr = new Listr<unknown, 'default', 'simple'>([...this.#live.values()].map((live) => ({
      title: titleOf(live.step),
      task: (_ctx: unknown, task: StepTask) => {
        live.task = task;
        this.#apply(live);
        return live.settled.promise;
      },
    })), { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } });
    this.#run = listr.run();
  }

  #apply(live: LiveStep): void {
    const { step, task } = live;
    if (!task) return;
    task.title = titleOf(step);
    if (live.closed) return;
    if (step.state === 'done' || step.state === 'compensated') {
      live.closed = true;
      live.settled.resolve();
    } else if (step.state === 'skipped') {
      task.skip(`${step.title}: not run`);
      live.closed = true;
      live.settled.resolve();
    } else if (step.state === 'failed') {
      live.closed = true;
      live.settled.reject(new Error(step.lastError ?? `${step.id} failed`));
    }
  }
}

const titleOf = (step: StepProgress): string => {
  const note = stepNote(step);
  return `${step.title}${note ? ` — ${note}` : ''}`;
};
