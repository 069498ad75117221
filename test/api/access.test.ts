import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify, { type HTTPMethods, type RouteOptions } from 'fastify';
import app from '../../src/api/app';
import { sha256 } from '../../src/api/auth/tokens';
import auth, { servePublicly } from '../../src/api/plugins/auth';
import security from '../../src/api/plugins/security';
import { loadConfig } from '../../src/config';
import { apiFor, apiWithoutTemporalPerFile, callers, metricsToken } from '../support/api';

// Who may call what, and what an unknown caller costs. No request here reaches Temporal: the
// client points nowhere, and every answer below is given before it would be called.

const noTemporal = apiWithoutTemporalPerFile();

const tokenTable = Object.values(callers).map((c) => c.entry).join(',');

test('every route the API registers needs a token unless it is marked public: each of the others answers 401 without one', async (t) => {
  const api = Fastify({ logger: { level: 'error' } });
  const registered: RouteOptions[] = [];
  // On the root, before the app: it sees every route the app and its plugins register. It
  // runs before the app's own onRoute hooks, so each route's config is read once all have run.
  api.addHook('onRoute', (route) => void registered.push(route));
  const config = loadConfig({ EKSFLOW_API_TOKENS: tokenTable, EKSFLOW_METRICS_TOKEN_SHA256: sha256(metricsToken).toString('hex'), API_UNAUTHENTICATED_RATE_LIMIT: '100000' });
  await api.register(app, { temporal: noTemporal.temporal, config });
  await api.ready();
  t.after(() => api.close());
  const routes = registered.flatMap((route) => [route.method].flat().map((method: HTTPMethods) => ({ method, url: route.url, isPublic: route.config?.public === true })));

  const isDocs = (url: string) => url === '/docs' || url.startsWith('/docs/');
  const publicRoutes = routes.filter((r) => r.isPublic);
  const guarded = routes.filter((r) => !r.isPublic);
  // A new public route must be added here on purpose.
  assert.deepEqual(publicRoutes.filter((r) => !isDocs(r.url)).map((r) => `${r.method} ${r.url}`).sort(), ['GET /healthz', 'GET /readyz', 'HEAD /healthz', 'HEAD /readyz']);
  assert.ok(publicRoutes.some((r) => r.url === '/docs/json'), 'the document is public');
  assert.ok(!guarded.some((r) => isDocs(r.url)), 'every /docs route is public');
  for (const expected of ['GET /v1/environments', 'POST /v1/environments', 'GET /v1/environments/:name', 'DELETE /v1/environments/:name', 'GET /v1/environments/:name/events', 'POST /v1/environments/:name/scale', 'POST /v1/plans', 'GET /metrics']) {
    assert.ok(guarded.some((r) => `${r.method} ${r.url}` === expected), `${expected} is registered and guarded`);
  }

  const concrete = (url: string) => url.replace(/:[A-Za-z]+/g, 'enumerated').replace('*', 'x');
  for (const { method, url } of guarded) {
    for (const headers of [{}, { authorization: 'Bearer eksf_not-a-real-token' }, { authorization: `Basic ${Buffer.from('team-a:x').toString('base64')}` }]) {
      const response = await api.inject({ method, url: concrete(url), headers: { ...headers, 'content-type': 'application/json' }, payload: method === 'GET' || method === 'HEAD' ? undefined : '{}' });
      assert.equal(response.statusCode, 401, `${method} ${url} with ${JSON.stringify(headers)}: ${response.body}`);
      assert.match(String(response.headers['www-authenticate']), /^Bearer realm="eksflow"/);
    }
  }
  for (const { method, url } of publicRoutes) {
    const response = await api.inject({ method, url: concrete(url) });
    assert.notEqual(response.statusCode, 401, `${method} ${url} is public`);
  }
});

test('a route that says neither access nor public, or both, is refused when it is registered', async (t) => {
  const api = Fastify();
  t.after(() => api.close());
  await api.register(security, { requestsPerMinute: 10 });
  await api.register(auth, { tokens: [], unauthenticatedPerMinute: 10 });
  assert.throws(() => api.get('/forgotten', async () => 'open to all'), /GET \/forgotten declares neither config\.access .* nor config\.public/);
  assert.throws(() => api.post('/confused', { config: { access: 'write', public: true } }, async () => 'x'), /declares both/);
  api.get('/declared', { config: { access: 'read' } }, async () => 'guarded');
  api.get('/open', { config: { public: true } }, async () => 'open');
  await api.register(async (scope) => {
    servePublicly(scope);
    scope.get('/scoped', async () => 'open too');
    assert.throws(() => scope.get('/scoped-guarded', { config: { access: 'read' } }, async () => 'x'), /inside a public scope/);
  });
  assert.equal((await api.inject({ method: 'GET', url: '/declared' })).statusCode, 401);
  assert.equal((await api.inject({ method: 'GET', url: '/open' })).statusCode, 200);
  assert.equal((await api.inject({ method: 'GET', url: '/scoped' })).statusCode, 200);
  assert.equal((await api.inject({ method: 'GET', url: '/forgotten' })).statusCode, 404, 'never registered');
});

test('requests without a valid token spend their client address\'s budget: past it, 429 with Retry-After, while a token is still served', async (t) => {
  const limited = await apiFor(noTemporal.temporal, { API_UNAUTHENTICATED_RATE_LIMIT: '5' });
  t.after(() => limited.api.close());
  const from = (remoteAddress: string, url: string, authorization?: string) =>
    limited.api.inject({ method: 'GET', url, remoteAddress, headers: authorization ? { authorization } : {} });

  const attempts = [
    from('203.0.113.7', '/v1/environments', 'Bearer eksf_guess-1'), from('203.0.113.7', '/v1/environments/a', 'Bearer eksf_guess-2'),
    from('203.0.113.7', '/v1/environments/b/events'), from('203.0.113.7', '/metrics', 'Bearer eksf_guess-3'), from('203.0.113.7', '/v1/environments', 'Basic eA=='),
  ];
  for (const attempt of attempts) assert.equal((await attempt).statusCode, 401);
  const refused = await from('203.0.113.7', '/v1/environments', 'Bearer eksf_guess-4');
  assert.equal(refused.statusCode, 429, refused.body);
  const retryAfter = Number(refused.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60, `Retry-After is seconds: ${refused.headers['retry-after']}`);
  const body = refused.json<{ error: string; message: string }>();
  assert.equal(body.error, 'TooManyRequests');
  assert.match(body.message, /more than 5 requests a minute without a valid token from this address; retry in \d+ s, with a token/);
  assert.equal((await from('203.0.113.7', '/v1/environments')).statusCode, 429, 'no token at all is limited too');

  assert.equal((await from('198.51.100.1', '/v1/environments', 'Bearer eksf_guess-5')).statusCode, 401, 'another address has its own budget');
  const known = await limited.api.inject({ method: 'GET', url: '/healthz', remoteAddress: '203.0.113.7' });
  assert.equal(known.statusCode, 200, 'the probes are still answered');
  const withToken = await limited.api.inject({
    method: 'POST', url: '/v1/plans', remoteAddress: '203.0.113.7',
    headers: { authorization: `Bearer ${callers.teamA.token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ name: 'x', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] }, nodeGroups: [{ name: 'g', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 1 }] }),
  });
  assert.equal(withToken.statusCode, 200, 'a caller with a token from that address is served');
});

test('/metrics answers only the metrics token: not anonymous callers, not tenants (its labels name every tenant)', async (t) => {
  const anonymous = await noTemporal.bed.api.inject({ method: 'GET', url: '/metrics' });
  assert.equal(anonymous.statusCode, 401);
  const tenant = await noTemporal.bed.as('teamA', { method: 'GET', url: '/metrics' });
  assert.equal(tenant.statusCode, 403);
  assert.match(tenant.json<{ message: string }>().message, /a tenant's token may not read it/);
  assert.equal((await noTemporal.bed.api.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer eksf_not-the-metrics-token' } })).statusCode, 401);
  for (const refused of [anonymous, tenant]) assert.doesNotMatch(refused.body, /eksflow_environment_runs_started_total|http_requests_total/);
  const scraped = await noTemporal.bed.scrape();
  assert.equal(scraped.statusCode, 200);
  assert.match(scraped.body, /^# TYPE eksflow_environment_runs_started_total counter$/m, 'the series labelled by tenant');
  assert.equal((await noTemporal.bed.api.inject({ method: 'GET', url: '/v1/environments', headers: { authorization: `Bearer ${metricsToken}` } })).statusCode, 401, 'the metrics token is no tenant\'s');

  // Without a metrics token configured, nobody reads /metrics.
  const unset = Fastify();
  await unset.register(app, { temporal: noTemporal.temporal, config: loadConfig({ EKSFLOW_API_TOKENS: tokenTable }) });
  t.after(() => unset.close());
  assert.equal((await unset.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${metricsToken}` } })).statusCode, 401);
  assert.equal((await unset.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${callers.teamA.token}` } })).statusCode, 403);
});

test('an image import from the worker\'s disk is refused with 400 naming the field, why, and what to do instead', async () => {
  const spec = {
    name: 'local-image', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
    image: { import: { source: 'oci-archive:/var/lib/eksflow/secrets.tar', repository: 'team/app' } },
  };
  for (const url of ['/v1/plans', '/v1/environments']) {
    const response = await noTemporal.bed.as('teamA', { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(spec) });
    assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
    const body = response.json<{ error: string; errors: { path: string; message: string }[] }>();
    assert.equal(body.error, 'InvalidSpec');
    assert.deepEqual(body.errors.map((e) => e.path), ['/image/import/source']);
    assert.match(body.errors[0]!.message, /^oci-archive: reads an image from the worker's own disk or daemon, which a request may not name; push the image to a registry and give its reference/);
  }
  const fromRegistry = { ...spec, image: { import: { source: 'docker://public.ecr.aws/nginx/nginx:1.27', repository: 'team/app' } } };
  assert.equal((await noTemporal.bed.as('teamA', { method: 'POST', url: '/v1/plans', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(fromRegistry) })).statusCode, 200);
});
