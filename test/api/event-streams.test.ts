import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { apiFor, callers, type ApiBed, type Caller } from '../support/api';
import { timeSkippingEnv } from '../support/temporal';

// The limits on event streams, against a real Temporal server (the time-skipping one is
// enough: a stream needs a run to describe). No worker polls, so the runs stay open and
// their streams last until their lifetime ends them.

const taskQueue = 'event-streams-nobody-polls';
const lifetimeSeconds = 2;
let env: TestWorkflowEnvironment;
let bed: ApiBed;
before(async () => {
  env = await timeSkippingEnv();
  for (const workflowId of ['team-a.watched', 'team-b.watched']) {
    await env.client.workflow.start('provisionEnvironment', { workflowId, taskQueue, args: [] });
  }
  bed = await apiFor(env.client, {
    EKSFLOW_TASK_QUEUE: taskQueue, API_EVENT_STREAMS_PER_TOKEN: '2', API_EVENT_STREAMS_TOTAL: '3', API_EVENT_STREAM_MAX_SECONDS: String(lifetimeSeconds),
  }, { eventsPollMs: 100 });
});
after(async () => {
  await bed?.api.close();
  await env?.teardown();
});

/** Opens a stream: answers once its headers are sent, so a 200 here is a stream holding its place. */
const open = (caller: Caller, name = 'watched') => bed.api.inject({
  method: 'GET', url: `/v1/environments/${name}/events`, headers: { authorization: `Bearer ${callers[caller].token}` }, payloadAsStream: true,
});

interface Ended { body: string; lastedMs: number }
async function untilEnd(response: LightMyRequestResponse, openedAt: number): Promise<Ended> {
  const body = await text(response.stream());
  return { body, lastedMs: Date.now() - openedAt };
}

async function refusalOf(response: LightMyRequestResponse): Promise<{ error: string; message: string }> {
  assert.equal(response.statusCode, 429);
  assert.equal(response.headers['retry-after'], String(lifetimeSeconds), 'Retry-After: a stream frees its place within its lifetime');
  return JSON.parse(await text(response.stream())) as { error: string; message: string };
}

test('streams are capped per token and in all (429 with Retry-After and what to do), end cleanly after their lifetime, and free their places', async () => {
  const openedAt = Date.now();
  const first = await open('teamA');
  const second = await open('teamA');
  for (const stream of [first, second]) {
    assert.equal(stream.statusCode, 200);
    assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
  }
  const endings = [untilEnd(first, openedAt), untilEnd(second, openedAt)];

  const perToken = await refusalOf(await open('teamA'));
  assert.equal(perToken.error, 'TooManyRequests');
  assert.match(perToken.message, /^this token already has 2 event streams open, the most one token may; close one \(or poll GET \/v1\/environments\/watched\) and retry in 2 s$/);

  // Another token (even of the same tenant) has places of its own, up to the API's total.
  const third = await open('teamAViewer');
  assert.equal(third.statusCode, 200);
  endings.push(untilEnd(third, openedAt));
  const total = await refusalOf(await open('teamB'));
  assert.match(total.message, /^the API has 3 event streams open, the most it serves at once; retry in 2 s, or poll GET \/v1\/environments\/watched meanwhile$/);
  // A stream refused is counted before Temporal is asked: an unknown name is refused the same way, not 404.
  assert.equal((await open('teamB', 'no-such-environment')).statusCode, 429);

  for (const { body, lastedMs } of await Promise.all(endings)) {
    assert.ok(lastedMs >= lifetimeSeconds * 1000, `a stream ended after ${lastedMs} ms, before its lifetime`);
    assert.ok(lastedMs < lifetimeSeconds * 1000 + 15_000, `a stream outlived its lifetime: ${lastedMs} ms`);
    const last = body.trim().split('\n\n').at(-1)!;
    // `retry:` tells EventSource to reconnect a second later.
    assert.match(last, /^retry: 1000\nevent: reconnect\nid: \d+\ndata: /);
    assert.deepEqual(JSON.parse(last.slice(last.indexOf('data: ') + 6)), { message: 'this stream reached its 2 s lifetime; reconnect to keep following the run' });
  }

  // Their places are free again: the refused callers are served now.
  const again = await Promise.all([open('teamA'), open('teamA'), open('teamB')]);
  assert.deepEqual(again.map((r) => r.statusCode), [200, 200, 200]);
  await Promise.all(again.map((r) => text(r.stream())));
});

test('a stream for an environment that does not exist is 404 and holds no place', async () => {
  for (let i = 0; i < 3; i++) {
    const missing = await open('teamA', 'no-such-environment');
    assert.equal(missing.statusCode, 404, `attempt ${i + 1}`);
  }
  const stream = await open('teamA');
  assert.equal(stream.statusCode, 200);
  await text(stream.stream());
});
