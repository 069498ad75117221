import { setTimeout as sleep } from 'node:timers/promises';
import type { EnvironmentView } from '../api/environments/view';
import type { ApiClient } from './api-client';
import type { CliContext } from './context';
import { CliError, exitCodes } from './exit-codes';
import { cleanupSummary } from './render';
import { jsonLinesView, type RunView } from './run-view';
import { cleanupVerdict } from './verdicts';
import { watchRun, type RunEvent, type Verdict } from './watch';

/**
 * Watches a run until `judge` decides, showing it as `view` (or JSON lines with --json), and
 * ends the command the way the verdict says: printed on success, an exit code 1 otherwise.
 */
export async function followRun(context: CliContext, api: ApiClient, name: string, judge: (event: RunEvent) => Verdict | undefined, view: () => RunView): Promise<void> {
  const shown = context.json ? jsonLinesView() : view();
  let verdict: Verdict;
  try {
    verdict = await watchRun(api, name, { judge, show: (event) => shown.show(event) });
  } finally {
    await shown.close();
  }
  if (context.json) context.print(JSON.stringify({ result: verdict }));
  if (verdict.exitCode !== exitCodes.ok) throw new CliError(verdict.message, verdict.exitCode, verdict.details);
  if (!context.json) context.print(verdict.message);
}

/**
 * Follows a cleanup (the teardown a DELETE starts after a run ended without deleting all it
 * made) through GET /v1/environments/:name, a line each time it changes, until it has
 * finished: exit 0 when nothing is left, 1 with each leftover (and each delete that kept
 * failing) listed otherwise. The run has closed, so its event stream has nothing to say.
 */
export async function followCleanup(context: CliContext, api: ApiClient, name: string, { pollMs = 1_000 }: { pollMs?: number } = {}): Promise<void> {
  let last = '';
  for (;;) {
    const view = await api.get<EnvironmentView>(`/v1/environments/${encodeURIComponent(name)}`);
    const { cleanup } = view;
    const line = context.json ? JSON.stringify({ event: 'cleanup', data: cleanup ?? null }) : `cleanup: ${cleanup ? cleanupSummary(cleanup) : 'not started'}`;
    if (line !== last) context.print(line);
    last = line;
    if (view.status === 'running' || cleanup?.status === 'running') {
      await sleep(pollMs);
      continue;
    }
    const verdict = cleanupVerdict(name, view);
    if (context.json) context.print(JSON.stringify({ result: verdict }));
    if (verdict.exitCode !== exitCodes.ok) throw new CliError(verdict.message, verdict.exitCode, verdict.details);
    if (!context.json) context.print(verdict.message);
    return;
  }
}
