import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { timeSkippingEnv } from '../support/temporal';
import { fixtureWorkflowsPath } from '../support/paths';
import type { sleepFor } from '../fixtures/workflows';

const thirtyDaysMs = 30 * 24 * 60 * 60 * 1000;
let env: TestWorkflowEnvironment;

before(async () => {
  env = await timeSkippingEnv();
});
after(async () => {
  await env?.teardown();
});

test('the time-skipping server runs a 30-day sleep in seconds of wall time', async () => {
  const taskQueue = 'smoke-time-skipping';
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: fixtureWorkflowsPath });
  const envClockBefore = await env.currentTimeMs();
  const wallBefore = Date.now();

  const result = await worker.runUntil(
    env.client.workflow.execute<typeof sleepFor>('sleepFor', { taskQueue, workflowId: 'sleep-30-days', args: [thirtyDaysMs] }),
  );

  const wallElapsed = Date.now() - wallBefore;
  const envClockAdvance = (await env.currentTimeMs()) - envClockBefore;
  assert.ok(result.wokeAt - result.startedAt >= thirtyDaysMs, `workflow clock advanced only ${result.wokeAt - result.startedAt} ms`);
  assert.ok(envClockAdvance >= thirtyDaysMs, `environment clock advanced only ${envClockAdvance} ms`);
  assert.ok(wallElapsed < 10_000, `30 days of workflow time took ${wallElapsed} ms of wall time`);
});
