import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { apiFor } from '../support/api';
import { freePort } from '../support/process';
import { timeSkippingEnv } from '../support/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await timeSkippingEnv();
});
after(async () => {
  await env?.teardown();
});

async function apiWith(temporal: Client) {
  return (await apiFor(temporal)).api;
}

test('/healthz answers without Temporal and /readyz once Temporal answers', async (t) => {
  const api = await apiWith(env.client);
  t.after(() => api.close());
  const health = await api.inject({ method: 'GET', url: '/healthz' });
  assert.equal(health.statusCode, 200);
  const ready = await api.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), { status: 'ready' });
});

test('/readyz is 503 with Retry-After when Temporal is unreachable', async (t) => {
  const connection = await Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 });
  t.after(() => connection.close());
  const api = await apiWith(new Client({ connection }));
  t.after(() => api.close());
  const ready = await api.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 503);
  assert.equal(ready.headers['retry-after'], '5');
  assert.equal(ready.json().reason, 'Temporal is unreachable');
});
