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

test('on the time-skipping server (no visibility, no search attributes) runs start without them, are read back, and listing says why it cannot', async (t) => {
  const { api, as } = await apiFor(env.client, { EKSFLOW_TASK_QUEUE: 'no-worker-here' });
  t.after(() => api.close());
  const spec = {
    name: 'skipping', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
  };
  const created = await as('teamA', { method: 'POST', url: '/v1/environments', payload: spec });
  assert.equal(created.statusCode, 202, created.body);
  const view = await as('teamA', { method: 'GET', url: '/v1/environments/skipping' });
  assert.equal(view.statusCode, 200);
  assert.equal(view.json<{ status: string }>().status, 'running');
  assert.equal(view.json<{ spec: { nodeGroups: { diskSize: number }[] } }>().spec.nodeGroups[0]!.diskSize, 20, 'the spec as accepted, defaults filled');
  const list = await as('teamA', { method: 'GET', url: '/v1/environments' });
  assert.equal(list.statusCode, 501);
  assert.match(list.json<{ message: string }>().message, /visibility/);
  const deleted = await as('teamA', { method: 'DELETE', url: '/v1/environments/skipping' });
  assert.equal(deleted.json<{ action: string }>().action, 'rollback');
  await env.client.workflow.getHandle('team-a.skipping').terminate('nothing more to see');
});

test('a route that needs Temporal answers 503 with Retry-After when it is unreachable, never a 500', async (t) => {
  const connection = await Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 });
  t.after(() => connection.close());
  const { api, as } = await apiFor(new Client({ connection }));
  t.after(() => api.close());
  const response = await as('teamA', { method: 'GET', url: '/v1/environments/anything' });
  assert.equal(response.statusCode, 503, response.body);
  assert.equal(response.headers['retry-after'], '5');
  assert.deepEqual(response.json(), { error: 'Unavailable', message: 'Temporal is unreachable; try again shortly' });
});
