import type { ApiClient } from './api-client';
import type { CliContext } from './context';
import { CliError, exitCodes } from './exit-codes';
import { jsonLinesView, type RunView } from './run-view';
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
