import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify, { type LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { register as globalRegistry, Registry } from 'prom-client';
import app from '../../src/api/app';
import { sha256 } from '../../src/api/auth/tokens';
import { loadConfig } from '../../src/config';
import { apiFor, apiWithoutTemporalPerFile, callers, metricsToken } from '../support/api';
import { headlessChromium } from '../support/browser';

// Metrics, headers, docs and rate limits need no Temporal: the client points nowhere, and
// every request here is answered before it would be called.
const noTemporal = apiWithoutTemporalPerFile();

const spec = {
  name: 'platform-check', region: 'us-east-1',
  network: { vpc: { availabilityZones: 2 } },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
};
const plan = { method: 'POST', url: '/v1/plans', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(spec) } as const;

/** Everything a client sees of a response, to look for what must never be in it. */
const visible = (response: LightMyRequestResponse) => `${JSON.stringify(response.headers)}\n${response.body}`;
const allTokens = [...Object.values(callers).map((caller) => caller.token), metricsToken];
function assertNoToken(text: string, where: string) {
  for (const token of allTokens) {
    assert.ok(!text.includes(token), `a bearer token appears in ${where}`);
    assert.ok(!text.includes(sha256(token).toString('hex')), `a token's hash appears in ${where}`);
  }
}

test('/metrics counts requests by route pattern, never by raw URL, in its own registry', async () => {
  const anonymous = await noTemporal.bed.api.inject({ method: 'GET', url: '/v1/environments/secret-project-x' });
  assert.equal(anonymous.statusCode, 401);
  await noTemporal.bed.api.inject({ method: 'GET', url: '/v1/environments/secret-project-y' });
  assert.equal((await noTemporal.bed.as('teamAViewer', plan)).statusCode, 200);
  await noTemporal.bed.api.inject({ method: 'GET', url: '/no/such/route/secret-project-z' });

  const metrics = await noTemporal.bed.scrape();
  assert.equal(metrics.statusCode, 200, metrics.body);
  assert.equal(metrics.headers['content-type'], Registry.PROMETHEUS_CONTENT_TYPE);
  const text = metrics.body;
  assert.match(text, /^http_requests_total\{method="GET",route="\/v1\/environments\/:name",status_code="401"\} 2$/m);
  assert.match(text, /^http_requests_total\{method="POST",route="\/v1\/plans",status_code="200"\} 1$/m);
  assert.match(text, /^http_requests_total\{method="GET",route="unmatched",status_code="404"\} 1$/m);
  assert.match(text, /^http_request_duration_seconds_count\{method="GET",route="\/v1\/environments\/:name",status_code="401"\} 2$/m);
  assert.match(text, /^# TYPE eksflow_environment_runs_started_total counter$/m);
  assert.match(text, /^process_cpu_user_seconds_total \d/m, 'the process metrics');
  assert.ok(!text.includes('secret-project'), 'no raw URL in a label');
  assert.equal(globalRegistry.getSingleMetric('http_requests_total'), undefined, 'prom-client\'s global registry is left alone');

  // Another app has its own registry: its counts start at nothing, and building it does not clash.
  const other = await apiFor(noTemporal.temporal);
  try {
    const fresh = await other.scrape();
    assert.ok(!fresh.body.includes('route="/v1/environments/:name"'));
    assert.match(fresh.body, /^process_cpu_user_seconds_total \d/m);
  } finally {
    await other.api.close();
  }
});

test('API responses carry the security headers, with a policy that loads nothing', async () => {
  for (const response of [await noTemporal.bed.as('teamAViewer', plan), await noTemporal.bed.api.inject({ method: 'GET', url: '/v1/environments' }), await noTemporal.bed.api.inject({ method: 'GET', url: '/healthz' })]) {
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.equal(response.headers['x-frame-options'], 'SAMEORIGIN');
    assert.equal(response.headers['referrer-policy'], 'no-referrer');
    assert.match(String(response.headers['strict-transport-security']), /^max-age=\d+/);
    assert.equal(response.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'");
    assert.equal(response.headers['x-powered-by'], undefined);
  }
});

test('/docs serves the Swagger UI and its OpenAPI document, with a policy that lets the UI load', async () => {
  const page = await noTemporal.bed.api.inject({ method: 'GET', url: '/docs' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(page.body, /<div id="swagger-ui">/);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /script-src 'self';/);
  assert.doesNotMatch(csp, /script-src[^;]*unsafe/, 'scripts stay strict');

  const script = await noTemporal.bed.api.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
  assert.equal(script.statusCode, 200);

  const json = await noTemporal.bed.api.inject({ method: 'GET', url: '/docs/json' });
  assert.equal(json.statusCode, 200);
  const document = json.json<{ openapi: string; info: { title: string }; paths: Record<string, unknown> }>();
  assert.equal(document.openapi, '3.1.0');
  assert.equal(document.info.title, 'eksflow');
  assert.ok(document.paths['/v1/environments']);
});

test('the Swagger UI renders in a browser without a policy violation', async (t) => {
  const api = Fastify();
  await api.register(app, { temporal: noTemporal.temporal });
  t.after(() => api.close());
  const base = await api.listen({ host: '127.0.0.1', port: 0 });
  const browser = await headlessChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
  page.on('pageerror', (error) => void problems.push(String(error)));
  await page.goto(`${base}/docs`);
  await page.getByText('/v1/environments/{name}/scale').first().waitFor({ timeout: 20_000 });
  assert.deepEqual(problems, []);
});

test('past API_RATE_LIMIT a minute a token gets 429 with Retry-After; other tokens and the probes are still served', async (t) => {
  const limited = await apiFor(noTemporal.temporal, { API_RATE_LIMIT: '3' });
  t.after(() => limited.api.close());
  const responses: LightMyRequestResponse[] = [];
  const send = async (response: Promise<LightMyRequestResponse>) => {
    responses.push(await response);
    return responses.at(-1)!;
  };

  for (let i = 0; i < 3; i++) assert.equal((await send(limited.as('teamA', plan))).statusCode, 200);
  const refused = await send(limited.as('teamA', plan));
  assert.equal(refused.statusCode, 429);
  const retryAfter = Number(refused.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60, `Retry-After is seconds: ${refused.headers['retry-after']}`);
  const body = refused.json<{ error: string; message: string }>();
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message']);
  assert.equal(body.error, 'TooManyRequests');
  assert.match(body.message, /more than 3 requests a minute.*retry in/);
  assert.equal(refused.headers['x-content-type-options'], 'nosniff', 'a refusal has the security headers too');

  // Another tenant's token, and another token of the same tenant, each have their own budget.
  assert.equal((await send(limited.as('teamB', plan))).statusCode, 200);
  assert.equal((await send(limited.as('teamAViewer', plan))).statusCode, 200);
  for (let i = 0; i < 5; i++) {
    for (const probe of [await send(limited.api.inject({ method: 'GET', url: '/healthz' })), await send(limited.scrape())]) {
      assert.equal(probe.statusCode, 200, `${probe.body.slice(0, 80)} is never limited`);
      assert.equal(probe.headers['x-ratelimit-limit'], undefined);
    }
  }
  // Without a token, the client address's budget: not the one the tokens spent.
  for (let i = 0; i < 3; i++) assert.equal((await send(limited.api.inject({ method: 'GET', url: '/docs/json' }))).statusCode, 200);
  assert.equal((await send(limited.api.inject({ method: 'GET', url: '/docs/json' }))).statusCode, 429);

  for (const response of responses) assertNoToken(visible(response), `a ${response.statusCode} response`);
});

test('no token reaches the log, even at debug level', async (t) => {
  const lines: string[] = [];
  const api = Fastify({ loggerInstance: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }) });
  const config = loadConfig({ EKSFLOW_API_TOKENS: Object.values(callers).map((c) => c.entry).join(','), API_RATE_LIMIT: '2' });
  await api.register(app, { temporal: noTemporal.temporal, config });
  t.after(() => api.close());
  const as = (token: string) => api.inject({ ...plan, headers: { ...plan.headers, authorization: `Bearer ${token}` } });

  const responses = [await as(callers.teamA.token), await as(callers.teamA.token), await as(callers.teamA.token), await as(callers.teamB.token)];
  assert.deepEqual(responses.map((r) => r.statusCode), [200, 200, 429, 200]);
  const stranger = `eksf_${'x'.repeat(43)}`;
  assert.equal((await as(stranger)).statusCode, 401);
  assert.equal((await api.inject({ method: 'GET', url: '/v1/environments?limit=many', headers: { authorization: `Bearer ${callers.teamAViewer.token}` } })).statusCode, 400);

  const log = lines.join('');
  assert.match(log, /incoming request/, 'the requests were logged');
  assertNoToken(log, 'the log');
  assert.ok(!log.includes(stranger), 'an unknown token is not logged either');
});
