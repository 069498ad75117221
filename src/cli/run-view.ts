import { cyan, dim, green, red, yellow } from 'colorette';
import { createLogUpdate } from 'log-update';
import type { Progress, StepProgress, StepState } from '../workflows/messages';
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
 * The run's steps, live: a list redrawn in place on a terminal; elsewhere (a CI log, a test) a line
 * for each step whenever its state or detail changes, and for each change of phase.
 */
/** Which steps a view lists: the run's own, or (for `env apply`) its change's. */
export type StepsOf = (progress: Progress) => readonly StepProgress[];
const runSteps: StepsOf = (progress) => progress.steps;

export const stepListView = (tty = process.stdout.isTTY === true, stepsOf: StepsOf = runSteps): RunView => (tty ? new LiveSteps(stepsOf) : new StepLines(stepsOf));

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
  constructor(private readonly stepsOf: StepsOf) {}
  readonly #phase = phaseView();
  #width = 0;

  show(event: RunEvent): void {
    if (event.type === 'progress') {
      const steps = this.stepsOf(event.progress);
      this.#width ||= Math.max(0, ...steps.map((s) => s.id.length));
      for (const step of this.#changes.changed(steps)) write(`  ${stepLine(step, this.#width)}`);
    }
    this.#phase.show(event);
  }

  async close(): Promise<void> {}
}

/** What a step's line starts with: pending steps wait (no spinner), running ones spin. */
const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const marks: Record<Exclude<StepState, 'running'>, string> = {
  pending: dim('○'), done: green('✔'), failed: red('✖'), compensated: yellow('↺'), skipped: yellow('↓'),
};

/**
 * On a terminal: every step on a line of its own, redrawn in place (log-update) as progress
 * comes: a step waiting on its dependencies shows as pending, dimmed, and only a step that
 * runs spins. Steps run as their dependencies allow, so the list keeps the plan's order and
 * each line changes state on its own.
 */
class LiveSteps implements RunView {
  readonly #draw = createLogUpdate(process.stdout);
  constructor(private readonly stepsOf: StepsOf) {}
  #steps: readonly StepProgress[] = [];
  #frame = 0;
  #timer: NodeJS.Timeout | undefined;

  show(event: RunEvent): void {
    if (event.type !== 'progress') return;
    this.#steps = this.stepsOf(event.progress);
    this.#timer ??= setInterval(() => {
      this.#frame = (this.#frame + 1) % spinner.length;
      this.#render();
    }, 80);
    this.#render();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#render();
    this.#draw.done();
  }

  #render(): void {
    this.#draw(this.#steps.map((step) => stepRow(step, spinner[this.#frame]!)).join('\n'));
  }
}

/** One step's line on a terminal. */
export function stepRow(step: StepProgress, frame = spinner[0]!): string {
  const title = titleOf(step);
  if (step.state === 'running') return `${cyan(frame)} ${title}`;
  if (step.state === 'pending') return `${marks.pending} ${dim(`${title} (pending)`)}`;
  const line = `${marks[step.state]} ${title}`;
  return step.state === 'failed' && step.lastError ? `${line}\n    ${red(step.lastError)}` : line;
}

const titleOf = (step: StepProgress): string => {
  const note = stepNote(step);
  return `${step.title}${note ? ` — ${note}` : ''}`;
};
