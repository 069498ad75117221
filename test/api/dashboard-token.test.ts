import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { AuthenticationV1Api, KubeConfig } from '@kubernetes/client-node';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import { apiFor, type ApiBed } from '../support/api';
import { devWorkerBedPerFile } from '../support/dev-worker-bed';
import { waitFor } from '../support/process';

// The dashboard's login token over HTTP, against a real run (the real Headlamp chart installed
// on the real control plane) and the real apiserver's TokenRequest API.

const peers = devWorkerBedPerFile({ taskQueue: 'api-dashboard' });
let bed: ApiBed;
const log: string[] = [];
before(async () => {
  await peers.ready;
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  bed = await apiFor(peers.server.env.client, { EKSFLOW_TASK_QUEUE: peers.taskQueue }, { eventsPollMs: 100, clusters: kubeconfigAccess(peers.cluster.kubeconfigPath), log: stream });
});
after(() => bed?.api.close());

const spec = (name: string, addons: Record<string, unknown>) => ({
  name, region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }], addons,
});

async function readyEnvironment(name: string, addons: Record<string, unknown>) {
  const created = await bed.as('teamA', { method: 'POST', url: '/v1/environments', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(spec(name, addons)) });
  assert.equal(created.statusCode, 202, created.body);
  await waitFor(`${name} to be ready`, async () => {
    const view = (await bed.as('teamA', { method: 'GET', url: `/v1/environments/${name}` })).json<{ phase?: string }>();
    assert.notEqual(view.phase, 'rolled-back', `${name} failed`);
    return view.phase === 'ready';
  }, { timeoutMs: 180_000, intervalMs: 500 });
}

const askToken = (caller: 'teamA' | 'teamB' | 'teamAViewer', name: string, body: unknown = {}) =>
  bed.as(caller, { method: 'POST', url: `/v1/environments/${name}/dashboard/token`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

test('a dashboard token: the apiserver accepts it as the admin ServiceAccount, and it is in no history, log line or event stream', async () => {
  await readyEnvironment('dash', { dashboard: { kind: 'headlamp' } });
  const events = bed.as('teamA', { method: 'GET', url: '/v1/environments/dash/events' });

  const answered = await askToken('teamA', 'dash', { expirationSeconds: 900 });
  assert.equal(answered.statusCode, 200, answered.body);
  assert.equal(answered.headers['cache-control'], 'no-store');
  const issued = answered.json<{ token: string; expiresAt: string; username: string; dashboard: { portForward: string; url: string } }>();
  assert.equal(issued.username, 'system:serviceaccount:headlamp:eksflow-dashboard-admin');
  assert.deepEqual(issued.dashboard, { title: 'Headlamp dashboard', namespace: 'headlamp', portForward: 'kubectl --namespace headlamp port-forward service/headlamp 8080:80', url: 'http://127.0.0.1:8080' });
  const lifetime = Date.parse(issued.expiresAt) - Date.now();
  assert.ok(lifetime > 800_000 && lifetime <= 900_000, `lives about 15 minutes, not ${lifetime} ms`);

  // The apiserver takes it, as that ServiceAccount.
  const { server, caData } = peers.cluster.kubeConfig.getCurrentCluster()!;
  const asDashboardUser = new KubeConfig();
  asDashboardUser.loadFromOptions({
    clusters: [{ name: 'c', server, caData }], users: [{ name: 'u', token: issued.token }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c',
  });
  const review = await asDashboardUser.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  assert.equal(review.status?.userInfo?.username, issued.username);

  // Nowhere kept: not in the run's history, not in the API's log, not in the event stream.
  const history = await peers.server.env.client.workflow.getHandle('team-a.dash').fetchHistory();
  assert.ok(!JSON.stringify(history).includes(issued.token), 'the token is not in the run\'s history');
  // Each activity carries a summary the Temporal UI shows in its timeline.
  const summaries = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes && e.userMetadata?.summary?.data)
    .map((e) => JSON.parse(Buffer.from(e.userMetadata!.summary!.data!).toString()) as string);
  assert.ok(summaries.includes('cluster dash: ready yet?'), summaries.join(' | '));
  assert.ok(summaries.includes('helm install add-on dashboard and wait for it'), summaries.join(' | '));
  assert.ok(summaries.includes('nodes of node group general Ready?'), summaries.join(' | '));
  assert.ok(log.join('').includes('/v1/environments/dash/dashboard/token'), 'the log has the request');
  assert.ok(!log.join('').includes(issued.token), 'the token is not in the API\'s log');
  await bed.as('teamA', { method: 'DELETE', url: '/v1/environments/dash' });
  const stream = await events;
  assert.match(stream.body, /event: end/);
  assert.ok(!stream.body.includes(issued.token), 'the token is not in the event stream');
});

test('who may ask, and what is refused with its reason', async () => {
  await readyEnvironment('plain', {});
  assert.equal((await askToken('teamAViewer', 'plain')).statusCode, 403, 'a read token may not');
  assert.equal((await askToken('teamB', 'plain')).statusCode, 404, 'another tenant does not see it');
  const none = await askToken('teamA', 'plain');
  assert.equal(none.statusCode, 409);
  assert.match(none.json<{ message: string }>().message, /has no dashboard add-on; ask for one with addons\.dashboard/);
  const tooLong = await askToken('teamA', 'plain', { expirationSeconds: 86_400 });
  assert.equal(tooLong.statusCode, 400);
  assert.match(tooLong.body, /expirationSeconds/);
  await bed.as('teamA', { method: 'DELETE', url: '/v1/environments/plain' });
});
