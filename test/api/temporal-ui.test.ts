import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { apiFor, type ApiBed } from '../support/api';
import { headlessChromium } from '../support/browser';
import { devWorkerBedPerFile } from '../support/dev-worker-bed';
import { artifactsDir, waitFor } from '../support/process';

// What a person sees: a run requested through the API, open in the Temporal UI at the link
// the API handed back, with its current step in the workflow's details.

// The control plane's simulated nodes belong to "general": a group named otherwise waits for its nodes.
const peers = devWorkerBedPerFile({ taskQueue: 'api-ui', nodes: 1 });
let bed: ApiBed;
before(async () => {
  await peers.ready;
  bed = await apiFor(peers.server.env.client, { EKSFLOW_TASK_QUEUE: peers.taskQueue, TEMPORAL_UI_URL: peers.server.uiUrl });
});
after(() => bed?.api.close());

test('the Temporal UI, opened at the link the API gave, shows the environment\'s run and the step it is on', async (t) => {
  const created = await bed.as('teamA', {
    method: 'POST', url: '/v1/environments',
    payload: {
      name: 'in-the-ui', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
      nodeGroups: [{ name: 'waiting', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }],
    },
  });
  assert.equal(created.statusCode, 202, created.body);
  const { links, workflowId } = created.json<{ workflowId: string; links: { temporalUi: string } }>();
  await waitFor('the run to wait for its nodes', async () => {
    const view = (await bed.as('teamA', { method: 'GET', url: '/v1/environments/in-the-ui' })).json<{ progress?: { steps: { id: string; state: string }[] } }>();
    return view.progress?.steps.some((s) => s.id === 'k8s:nodes-ready/waiting' && s.state === 'running');
  }, { timeoutMs: 60_000, intervalMs: 250 });

  const browser = await headlessChromium();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(links.temporalUi);
  await page.getByText(workflowId).first().waitFor({ timeout: 30_000 });
  // The run's current details: its phase and the step list, the running one marked.
  // The run's summary and current details (its phase and step list, the running step marked),
  // which the UI renders as markdown in frames of their own.
  await page.getByText('User Metadata').first().click();
  const framesSay = (text: string) => waitFor(`the UI to show "${text}"`, async () => {
    for (const frame of page.frames()) {
      if ((await frame.locator('body').innerText().catch(() => '')).includes(text)) return true;
    }
    return false;
  }, { timeoutMs: 30_000, intervalMs: 250 });
  await framesSay('team-a/in-the-ui: EKS 1.35 in us-east-1');
  await framesSay('in-the-ui: provisioning');
  await framesSay('▶ k8s:nodes-ready/waiting');
  await framesSay('✔ eks:nodegroup/waiting — node group ACTIVE');
  mkdirSync(artifactsDir, { recursive: true });
  const screenshot = join(artifactsDir, 'temporal-ui-api-run.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  assert.ok(statSync(screenshot).size > 10_000, 'the screenshot is not empty');

  assert.equal((await bed.as('teamA', { method: 'DELETE', url: '/v1/environments/in-the-ui' })).json<{ action: string }>().action, 'rollback');
  await waitFor('the rollback to finish', async () => {
    const view = (await bed.as('teamA', { method: 'GET', url: '/v1/environments/in-the-ui' })).json<{ status: string; phase?: string }>();
    return view.status === 'cancelled' && view.phase === 'rolled-back';
  }, { timeoutMs: 60_000, intervalMs: 250 });
});
