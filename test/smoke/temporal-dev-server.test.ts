import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { environmentKey, phaseKey, tenantKey } from '../../src/domain/search-attributes';
import type { waitForFinish } from '../fixtures/workflows';
import { headlessChromium } from '../support/browser';
import { fixtureWorkflowsPath } from '../support/paths';
import { artifactsDir, waitFor } from '../support/process';
import { devServer, type DevServer } from '../support/temporal';

let server: DevServer;
let worker: Worker;
let workerRun: Promise<void>;
const taskQueue = 'smoke-dev-server';

before(async () => {
  server = await devServer();
  worker = await Worker.create({ connection: server.env.nativeConnection, taskQueue, workflowsPath: fixtureWorkflowsPath });
  workerRun = worker.run();
});
after(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun;
  await server?.teardown();
});

test('the dev server lists a workflow by its search attributes and the Web UI shows it', async (t) => {
  const client = server.env.client;
  const environment = `smoke-${Date.now()}`;
  const handle = await client.workflow.start<typeof waitForFinish>('waitForFinish', {
    taskQueue,
    workflowId: `env-${environment}`,
    typedSearchAttributes: [{ key: tenantKey, value: 'smoke-tenant' }, { key: environmentKey, value: environment }],
  });
  t.after(() => handle.terminate('test over').catch(() => undefined));

  // Visibility is eventually consistent: the workflow appears, with the phase it upserted, shortly after.
  const listed = await waitFor('the workflow in visibility with its phase', async () => {
    for await (const execution of client.workflow.list({ query: `EksflowEnvironment = "${environment}" AND EksflowTenant = "smoke-tenant"` })) {
      if (execution.typedSearchAttributes.get(phaseKey) === 'waiting') return execution;
    }
    return undefined;
  }, { timeoutMs: 20_000, intervalMs: 250 });
  assert.equal(listed.workflowId, handle.workflowId);
  assert.equal(listed.type, 'waitForFinish');
  assert.equal(listed.typedSearchAttributes.get(environmentKey), environment);

  const home = await fetch(server.uiUrl);
  assert.equal(home.status, 200);
  const html = await home.text();
  // The UI is a SvelteKit app: the shell page loads its entry chunk.
  assert.match(html, /<div id="svelte">/);
  assert.match(html, /\/_app\/immutable\/entry\/start\.[\w-]+\.js/);

  const browser = await headlessChromium();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${server.uiUrl}/namespaces/default/workflows/${handle.workflowId}`);
  // The workflow page renders the type and the id once the UI has fetched it from the server.
  await page.getByText('waitForFinish').first().waitFor({ timeout: 30_000 });
  await page.getByText(handle.workflowId).first().waitFor({ timeout: 30_000 });
  mkdirSync(artifactsDir, { recursive: true });
  const screenshot = join(artifactsDir, 'temporal-ui-workflow.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  assert.ok(statSync(screenshot).size > 10_000, 'the screenshot is not empty');

  await handle.signal('finish');
  assert.equal(await handle.result(), 'finished');
});
