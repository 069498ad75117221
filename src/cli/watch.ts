import { setTimeout as sleep } from 'node:timers/promises';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { Phase, Progress } from '../workflows/messages';
import { ApiError, type ApiClient } from './api-client';
import { CliError, exitCodes } from './exit-codes';

/** How a run closed, as the `end` event tells it. */
export interface RunEnd {
  status: string;
  phase?: Phase;
  failure?: { type?: string; message: string };
}

export type RunEvent = { type: 'progress'; progress: Progress } | { type: 'end'; end: RunEnd };

/** Where a watch stopped: 0 when what was asked for happened, 1 when it cannot any more. */
export interface Verdict {
  exitCode: typeof exitCodes.ok | typeof exitCodes.failed;
  message: string;
  details?: string[];
}

export interface WatchOptions {
  /** Decides from each event whether the watch is over; undefined keeps watching. */
  judge(event: RunEvent): Verdict | undefined;
  /** Shows each event as it comes. */
  show(event: RunEvent): void;
  /** How long to wait between reconnections. @default 1000 */
  retryMs?: number;
  /** Reconnections in a row without an event before giving up. @default 5 */
  maxRetries?: number;
  /** After a failing verdict, how long to keep reading for the run's own account of its failure. @default 15000 */
  endGraceMs?: number;
}

/**
 * Follows GET /v1/environments/:name/events until `judge` gives a verdict. A dropped stream
 * (or an `error` event: the API lost Temporal for a moment) is reconnected; the API sends the
 * current progress to every new connection, so nothing is missed but intermediate states.
 */
export async function watchRun(client: ApiClient, name: string, options: WatchOptions): Promise<Verdict> {
  const { retryMs = 1_000, maxRetries = 5, endGraceMs = 15_000 } = options;
  const path = `/v1/environments/${encodeURIComponent(name)}/events`;
  let failing: Verdict | undefined;
  let graceOver = false;
  let graceTimer: NodeJS.Timeout | undefined;
  let connection = new AbortController();
  let retries = 0;
  let lastProblem = 'the stream closed';
  let waitMs = retryMs;
  try {
    for (;;) {
      if (failing && graceOver) return failing;
      connection = new AbortController();
      try {
        const response = await client.stream(path, connection.signal);
        for await (const message of messages(response)) {
          retries = 0;
          if (message.event === 'error') {
            lastProblem = (parse(message.data) as { message?: string } | undefined)?.message ?? 'the stream failed';
            continue;
          }
          const event = toRunEvent(message.event, message.data);
          if (!event) continue;
          options.show(event);
          if (failing) {
            if (event.type === 'end') return withEnd(failing, event.end);
            continue;
          }
          const verdict = options.judge(event);
          if (verdict && (verdict.exitCode === exitCodes.ok || event.type === 'end')) return verdict;
          if (verdict) {
            // The run closes right after a failed or rolled-back phase; its end carries the reason.
            failing = verdict;
            graceTimer = setTimeout(() => {
              graceOver = true;
              connection.abort();
            }, endGraceMs);
          }
        }
      } catch (error) {
        // Too many streams open (429): the API says when a place frees up; waiting is the cure.
        const busy = error instanceof ApiError && error.status === 429;
        // Refused outright (404, 401): reconnecting will not change that.
        if (!graceOver && !busy && error instanceof ApiError && error.exitCode === exitCodes.refused) throw error;
        lastProblem = error instanceof Error ? error.message : String(error);
        if (busy) waitMs = (error.retryAfterSeconds ?? retryMs / 1000) * 1000;
      } finally {
        connection.abort();
      }
      if (++retries > maxRetries) {
        if (failing) return failing;
        throw new CliError(`lost the event stream of "${name}": ${lastProblem}`, exitCodes.unreachable, [`\`eksflow env get ${name}\` shows where it is`]);
      }
      await sleep(waitMs);
      waitMs = retryMs;
    }
  } finally {
    clearTimeout(graceTimer);
  }
}

async function* messages(response: Response) {
  if (!response.body) return;
  yield* response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
}

function toRunEvent(type: string | undefined, data: string): RunEvent | undefined {
  const body = parse(data);
  if (!body) return undefined;
  if (type === 'progress') return { type, progress: body as Progress };
  if (type === 'end') return { type, end: body as RunEnd };
  return undefined;
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

const withEnd = (verdict: Verdict, end: RunEnd): Verdict =>
  end.failure ? { ...verdict, details: [...(verdict.details ?? []), end.failure.message] } : verdict;
