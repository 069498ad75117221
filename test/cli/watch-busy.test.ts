import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ApiClient } from '../../src/cli/api-client';
import { exitCodes } from '../../src/cli/exit-codes';
import { watchRun } from '../../src/cli/watch';

// The API refuses a new event stream with 429 and Retry-After once its stream caps are reached
// (src/api/routes/environment-events.ts); a watch waits that long and connects again, rather
// than calling the refusal final. A small HTTP server answers as the API does.
test('a watch told 429 waits the Retry-After the API gave and connects again', async (t) => {
  const seen: number[] = [];
  const server = createServer((_request, response) => {
    seen.push(Date.now());
    if (seen.length === 1) {
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      response.end(JSON.stringify({ error: 'TooManyStreams', message: 'this token holds 4 event streams already' }));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(`event: end\ndata: ${JSON.stringify({ status: 'COMPLETED', phase: 'torn-down' })}\n\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const client = new ApiClient({ apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'x' });
  const verdict = await watchRun(client, 'demo', {
    retryMs: 10, show: () => undefined,
    judge: (event) => (event.type === 'end' ? { exitCode: exitCodes.ok, message: 'ended' } : undefined),
  });
  assert.equal(verdict.message, 'ended');
  assert.equal(seen.length, 2);
  assert.ok(seen[1]! - seen[0]! >= 950, `waited the second the API asked for: ${seen[1]! - seen[0]!} ms`);
});
