import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { kubeconfigFor, type Kubeconfig } from '../../src/domain/kubeconfig';
import { apiFor, type ApiBed, type Caller } from '../support/api';
import { awsInventory } from '../support/aws-inventory';
import { devWorkerBedPerFile } from '../support/dev-worker-bed';
import { waitFor } from '../support/process';

// The API against a real Temporal dev server (visibility, search attributes) and a real
// worker whose activities call moto and a Kubernetes control plane with simulated nodes.

const peers = devWorkerBedPerFile({ taskQueue: 'api-environments' });
let bed: ApiBed;
before(async () => {
  await peers.ready;
  bed = await apiFor(peers.server.env.client, { EKSFLOW_TASK_QUEUE: peers.taskQueue, TEMPORAL_UI_URL: peers.server.uiUrl }, { eventsPollMs: 100 });
});
after(() => bed?.api.close());

const specNamed = (name: string, overrides: Record<string, unknown> = {}) => ({
  name, region: 'us-east-1',
  network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }],
  ...overrides,
});

const create = (caller: Caller, spec: unknown, headers: Record<string, string> = {}) =>
  bed.as(caller, { method: 'POST', url: '/v1/environments', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(spec) });
const get = (caller: Caller, url: string) => bed.as(caller, { method: 'GET', url });

interface View { status: string; phase?: string; progress?: { steps: { id: string; state: string }[]; ledger: unknown[]; nodeGroups: Record<string, { desiredSize: number }> }; spec: { name: string } }

async function untilPhase(caller: Caller, name: string, phase: string): Promise<View> {
  return waitFor(`${name} to be ${phase}`, async () => {
    const view = (await get(caller, `/v1/environments/${name}`)).json<View>();
    return view.phase === phase && view;
  }, { timeoutMs: 60_000, intervalMs: 200 });
}

/** Every workflow run the server knows of, by ID: how a test proves nothing was started. */
async function runsOf(workflowId: string): Promise<number> {
  const { count } = await peers.server.env.client.workflow.count(`WorkflowId = '${workflowId}'`);
  return count;
}

function parseEvents(body: string): { event: string; data: unknown }[] {
  return body.split('\n\n').filter((block) => block.includes('data: ')).map((block) => {
    const lines = block.split('\n');
    return { event: lines.find((l) => l.startsWith('event: '))!.slice(7), data: JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)) };
  });
}

test('an environment\'s life over HTTP: requested (202, Location, UI link), watched, scaled, refused a bad scale, deleted, streamed to its end', async () => {
  const created = await create('teamA', specNamed('life'));
  assert.equal(created.statusCode, 202, created.body);
  assert.equal(created.headers.location, '/v1/environments/life');
  const accepted = created.json<{ workflowId: string; created: boolean; links: { temporalUi: string; events: string } }>();
  assert.equal(accepted.workflowId, 'team-a.life');
  assert.equal(accepted.created, true);
  assert.match(accepted.links.temporalUi, new RegExp(`^${peers.server.uiUrl}/namespaces/default/workflows/team-a.life/`));

  // The stream runs from now until the run closes, alongside everything below.
  const events = get('teamA', '/v1/environments/life/events');

  const ready = await untilPhase('teamA', 'life', 'ready');
  assert.equal(ready.status, 'running');
  assert.equal(ready.spec.name, 'life');
  assert.ok(ready.progress!.steps.every((s) => s.state === 'done'), JSON.stringify(ready.progress!.steps));
  assert.ok(ready.progress!.ledger.length > 0, 'the ledger lists what the run made');

  // Its kubeconfig: the cluster's endpoint and CA as EKS describes them, and a user that runs
  // the caller's own `aws eks get-token`; a read token may ask, another tenant may not.
  const described = await new EKSClient(peers.aws.clientConfig).send(new DescribeClusterCommand({ name: 'life' }));
  const kubeconfig = await get('teamAViewer', '/v1/environments/life/kubeconfig?roleArn=arn:aws:iam::123456789012:role/team-a-dev');
  assert.equal(kubeconfig.statusCode, 200, kubeconfig.body);
  const config = kubeconfig.json<Kubeconfig>();
  assert.equal(config['current-context'], 'life.us-east-1.eksflow');
  assert.deepEqual(config.clusters[0]!.cluster, { server: described.cluster!.endpoint, 'certificate-authority-data': described.cluster!.certificateAuthority!.data });
  assert.deepEqual(config.users[0]!.user.exec.args, ['--region', 'us-east-1', 'eks', 'get-token', '--cluster-name', 'life', '--output', 'json', '--role-arn', 'arn:aws:iam::123456789012:role/team-a-dev']);
  const asYaml = await bed.as('teamA', { method: 'GET', url: '/v1/environments/life/kubeconfig', headers: { accept: 'application/yaml' } });
  assert.match(String(asYaml.headers['content-type']), /^application\/yaml/);
  assert.deepEqual(parseYaml(asYaml.body), { ...config, users: [{ ...config.users[0]!, user: { exec: { ...config.users[0]!.user.exec, args: config.users[0]!.user.exec.args.slice(0, 8) } } }] });
  assert.equal((await get('teamB', '/v1/environments/life/kubeconfig')).statusCode, 404);
  const badRole = await get('teamA', '/v1/environments/life/kubeconfig?roleArn=team-a-dev');
  assert.equal(badRole.statusCode, 400);
  assert.match(badRole.body, /roleArn/);

  const refused = await bed.as('teamA', { method: 'POST', url: '/v1/environments/life/scale', payload: { nodeGroup: 'gpu', desiredSize: 1 } });
  assert.equal(refused.statusCode, 400);
  assert.match(refused.json<{ message: string }>().message, /unknown node group "gpu"; this environment has general/);
  const malformed = await bed.as('teamA', { method: 'POST', url: '/v1/environments/life/scale', payload: { nodeGroup: 'general', desiredSize: -1, extra: true } });
  assert.equal(malformed.statusCode, 400);
  assert.deepEqual(malformed.json<{ errors: { path: string }[] }>().errors.map((e) => e.path).sort(), ['/desiredSize', '/extra']);

  const scaled = await bed.as('teamA', { method: 'POST', url: '/v1/environments/life/scale', payload: { nodeGroup: 'general', desiredSize: 1 } });
  assert.equal(scaled.statusCode, 202, scaled.body);
  await waitFor('the scaling to finish', async () => {
    const view = (await get('teamA', '/v1/environments/life')).json<View>();
    return view.phase === 'ready' && view.progress!.nodeGroups.general!.desiredSize === 1;
  }, { timeoutMs: 60_000, intervalMs: 200 });

  const deleted = await bed.as('teamA', { method: 'DELETE', url: '/v1/environments/life' });
  assert.equal(deleted.statusCode, 202);
  assert.equal(deleted.json<{ action: string }>().action, 'teardown');

  const stream = await events;
  assert.equal(stream.statusCode, 200);
  assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
  const received = parseEvents(stream.body);
  const phases = received.filter((e) => e.event === 'progress').map((e) => (e.data as { phase: string }).phase);
  // Scaling may come and go between two polls; what it changed may not.
  const steady = phases.filter((phase) => phase !== 'scaling');
  const distinct = steady.filter((phase, i) => phase !== steady[i - 1]);
  assert.deepEqual(distinct, ['provisioning', 'ready', 'tearing-down', 'torn-down']);
  assert.ok(received.some((e) => e.event === 'progress' && (e.data as { nodeGroups: { general: { desiredSize: number } } }).nodeGroups.general.desiredSize === 1), 'the scaling shows in the stream');
  assert.deepEqual(received.at(-1), { event: 'end', data: { status: 'completed', phase: 'torn-down' } });

  const closed = (await get('teamA', '/v1/environments/life')).json<View>();
  assert.equal(closed.status, 'completed');
  assert.equal(closed.phase, 'torn-down');
  assert.deepEqual((await awsInventory(peers.aws.clientConfig)).clusters, []);
  const again = await bed.as('teamA', { method: 'DELETE', url: '/v1/environments/life' });
  assert.equal(again.json<{ action: string }>().action, 'none');
});

test('idempotency: the same key and spec are the same environment; another spec under a running name is 409 naming what differs', async () => {
  const spec = specNamed('twice');
  const first = await create('teamA', spec, { 'idempotency-key': 'req-1' });
  assert.equal(first.statusCode, 202, first.body);
  const replay = await create('teamA', spec, { 'idempotency-key': 'req-1' });
  assert.equal(replay.statusCode, 202);
  assert.equal(replay.json<{ runId: string }>().runId, first.json<{ runId: string }>().runId);
  assert.equal(replay.json<{ created: boolean }>().created, false);

  const changed = { ...spec, nodeGroups: [{ ...spec.nodeGroups[0], desiredSize: 3 }], tags: { team: 'x' } };
  const conflict = await create('teamA', changed);
  assert.equal(conflict.statusCode, 409);
  const body = conflict.json<{ message: string; differences: { path: string; existing?: unknown; requested?: unknown }[] }>();
  assert.match(body.message, /already running with a different spec/);
  assert.deepEqual(body.differences.find((d) => d.path === '/nodeGroups/0/desiredSize'), { path: '/nodeGroups/0/desiredSize', existing: 2, requested: 3 });
  assert.ok(body.differences.some((d) => d.path.startsWith('/tags')), JSON.stringify(body.differences));

  const reusedKey = await create('teamA', changed, { 'idempotency-key': 'req-1' });
  assert.equal(reusedKey.statusCode, 422);
  assert.equal(reusedKey.json<{ error: string }>().error, 'IdempotencyKeyReused');
  assert.equal(await runsOf('team-a.twice'), 1, 'one run, however often it was asked for');

  await untilPhase('teamA', 'twice', 'ready');
  await bed.as('teamA', { method: 'DELETE', url: '/v1/environments/twice' });
  await untilPhase('teamA', 'twice', 'torn-down');
  // Once torn down the name is free again, but a retry of the original request is not a new environment.
  const retried = await create('teamA', spec, { 'idempotency-key': 'req-1' });
  assert.equal(retried.json<{ created: boolean }>().created, false);
  const anew = await create('teamA', spec, { 'idempotency-key': 'req-2' });
  assert.equal(anew.json<{ created: boolean }>().created, true);
  await untilPhase('teamA', 'twice', 'ready');
  await bed.as('teamA', { method: 'DELETE', url: '/v1/environments/twice' });
  await untilPhase('teamA', 'twice', 'torn-down');
});

test('auth: no token and a bad token are 401, a read-only token is 403 for changes, and another tenant\'s environment does not exist for you', async () => {
  const noToken = await bed.api.inject({ method: 'GET', url: '/v1/environments/shared' });
  assert.equal(noToken.statusCode, 401);
  assert.equal(noToken.headers['www-authenticate'], 'Bearer realm="eksflow"');
  const badToken = await bed.api.inject({ method: 'GET', url: '/v1/environments/shared', headers: { authorization: 'Bearer eksf_not-a-real-token' } });
  assert.equal(badToken.statusCode, 401);
  assert.match(String(badToken.headers['www-authenticate']), /error="invalid_token"/);
  const notBearer = await bed.api.inject({ method: 'GET', url: '/v1/environments/shared', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
  assert.equal(notBearer.statusCode, 401);

  const viewerCreates = await create('teamAViewer', specNamed('shared'));
  assert.equal(viewerCreates.statusCode, 403);
  assert.match(viewerCreates.json<{ message: string }>().message, /may only read/);
  assert.equal(await runsOf('team-a.shared'), 0);

  assert.equal((await create('teamA', specNamed('shared'))).statusCode, 202);
  await untilPhase('teamA', 'shared', 'ready');
  assert.equal((await get('teamAViewer', '/v1/environments/shared')).statusCode, 200);
  assert.equal((await bed.as('teamAViewer', { method: 'DELETE', url: '/v1/environments/shared' })).statusCode, 403);

  for (const request of [
    { method: 'GET', url: '/v1/environments/shared' }, { method: 'GET', url: '/v1/environments/shared/events' },
    { method: 'DELETE', url: '/v1/environments/shared' }, { method: 'POST', url: '/v1/environments/shared/scale', payload: { nodeGroup: 'general', desiredSize: 3 } },
  ] as const) {
    const response = await bed.as('teamB', request);
    assert.equal(response.statusCode, 404, `${request.method} ${request.url} as team-b`);
  }
  const listedForB = (await get('teamB', '/v1/environments')).json<{ environments: { name: string }[] }>();
  assert.ok(!listedForB.environments.some((e) => e.name === 'shared'), 'team-b does not see team-a\'s environment');
  const stillReady = (await get('teamA', '/v1/environments/shared')).json<View>();
  assert.equal(stillReady.phase, 'ready', 'team-b\'s attempts changed nothing');
  assert.equal(stillReady.progress!.nodeGroups.general!.desiredSize, 2);
  await bed.as('teamA', { method: 'DELETE', url: '/v1/environments/shared' });
  await untilPhase('teamA', 'shared', 'torn-down');
});

test('listing comes from visibility: the tenant\'s own, filtered by phase and state, a page at a time', async () => {
  for (const name of ['list-a', 'list-b', 'list-c']) assert.equal((await create('teamB', specNamed(name))).statusCode, 202);
  for (const name of ['list-a', 'list-b', 'list-c']) await untilPhase('teamB', name, 'ready');
  await bed.as('teamB', { method: 'DELETE', url: '/v1/environments/list-c' });
  await untilPhase('teamB', 'list-c', 'torn-down');

  const ready = await waitFor('visibility to catch up', async () => {
    const page = (await get('teamB', '/v1/environments?phase=ready&state=open')).json<{ environments: { name: string }[] }>();
    return page.environments.length === 2 && page;
  });
  assert.deepEqual(ready.environments.map((e) => e.name).sort(), ['list-a', 'list-b']);

  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const response = await get('teamB', `/v1/environments?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(response.statusCode, 200, response.body);
    const page = response.json<{ environments: { name: string }[]; nextCursor?: string }>();
    assert.ok(page.environments.length <= 1);
    names.push(...page.environments.map((e) => e.name));
    cursor = page.nextCursor;
  } while (cursor);
  assert.deepEqual(names.sort(), ['list-a', 'list-b', 'list-c']);

  assert.equal((await get('teamB', '/v1/environments?cursor=bm90LWEtY3Vyc29y')).statusCode, 400);
  const firstPage = (await get('teamB', '/v1/environments?limit=1')).json<{ nextCursor: string }>();
  assert.equal((await get('teamA', `/v1/environments?limit=1&cursor=${firstPage.nextCursor}`)).statusCode, 400, 'another tenant\'s cursor');
  assert.equal((await get('teamB', `/v1/environments?limit=1&phase=ready&cursor=${firstPage.nextCursor}`)).statusCode, 400, 'another filter\'s cursor');
  assert.equal((await get('teamB', '/v1/environments?phase=sleeping')).statusCode, 400);
  assert.equal((await get('teamB', '/v1/environments?limit=1000')).statusCode, 400);
  for (const name of ['list-a', 'list-b']) await bed.as('teamB', { method: 'DELETE', url: `/v1/environments/${name}` });
  for (const name of ['list-a', 'list-b']) await untilPhase('teamB', name, 'torn-down');
});

test('deleting an environment still provisioning cancels it, and it rolls back what it made', async (t) => {
  // An API on a task queue no worker polls yet: the run waits at its first step, provisioning.
  const stalled = await apiFor(peers.server.env.client, { EKSFLOW_TASK_QUEUE: 'api-stalled', TEMPORAL_UI_URL: peers.server.uiUrl });
  t.after(() => stalled.api.close());
  assert.equal((await stalled.as('teamA', { method: 'POST', url: '/v1/environments', payload: specNamed('early') })).statusCode, 202);
  const deleted = await stalled.as('teamA', { method: 'DELETE', url: '/v1/environments/early' });
  assert.equal(deleted.statusCode, 202);
  assert.equal(deleted.json<{ action: string }>().action, 'rollback');

  const late = await peers.worker('api-stalled');
  await late.runUntil(waitFor('the cancelled run to close', async () => {
    const view = (await stalled.as('teamA', { method: 'GET', url: '/v1/environments/early' })).json<View>();
    return view.status === 'cancelled' && view;
  }, { timeoutMs: 60_000, intervalMs: 200 }));
  assert.ok(!(await awsInventory(peers.aws.clientConfig)).clusters.includes('early'));
});

test('the kubeconfig works as a user\'s kubectl uses it: the client runs its `aws eks get-token` and the API server accepts the token it prints', async (t) => {
  // The user's `aws` is played by a script on PATH: it records how it was called and prints an
  // ExecCredential, as `aws eks get-token --output json` does, holding a token this control
  // plane accepts (a ServiceAccount's, bound to the built-in `view` role).
  const kube = peers.cluster.kubeConfig;
  const core = kube.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'team-a-dev' } } });
  await kube.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({ body: {
    metadata: { name: 'team-a-dev-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'ServiceAccount', name: 'team-a-dev', namespace: 'default' }],
  } });
  const issued = await core.createNamespacedServiceAccountToken({ name: 'team-a-dev', namespace: 'default', body: { spec: { audiences: [], expirationSeconds: 600 } } });
  const bin = mkdtempSync(join(tmpdir(), 'eksflow-aws-'));
  t.after(() => rmSync(bin, { recursive: true, force: true }));
  const credential = { kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1beta1', spec: {}, status: { expirationTimestamp: issued.status!.expirationTimestamp, token: issued.status!.token } };
  writeFileSync(join(bin, 'credential.json'), JSON.stringify(credential));
  writeFileSync(join(bin, 'aws'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${join(bin, 'args')}'\ncat '${join(bin, 'credential.json')}'\n`, { mode: 0o755 });
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  t.after(() => { process.env.PATH = path; });

  const { server, caData } = kube.getCurrentCluster()!;
  const user = new KubeConfig();
  user.loadFromString(stringifyYaml(kubeconfigFor({ cluster: 'life', region: 'eu-west-1', endpoint: server, certificateAuthority: caData!, roleArn: 'arn:aws:iam::123456789012:role/team-a-dev' })));
  const pods = await user.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'kube-system' });
  assert.ok(Array.isArray(pods.items));
  assert.deepEqual(readFileSync(join(bin, 'args'), 'utf8').trim().split('\n'),
    ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'life', '--output', 'json', '--role-arn', 'arn:aws:iam::123456789012:role/team-a-dev']);
  // The identity is the token's, not an admin's: `view` cannot read Secrets.
  await assert.rejects(user.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: 'kube-system' }), (error: { code?: number }) => error.code === 403);
});
