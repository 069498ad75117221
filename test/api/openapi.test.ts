import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, test } from 'node:test';
import { openapiDocument, openapiPath } from '../../scripts/openapi';

interface Operation {
  security?: Record<string, string[]>[];
  responses?: Record<string, { content?: Record<string, unknown> }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: { $ref?: string; type?: string; description?: string } }> };
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme?: string }> };
  security?: unknown;
}

let generated: string;
let document: Document;
before(async () => {
  generated = await openapiDocument();
  document = JSON.parse(generated) as Document;
});

test('the committed openapi.json is what the code generates', async () => {
  const committed = await readFile(openapiPath, 'utf8').catch(() => '');
  assert.ok(committed === generated, 'openapi.json is stale: run npm run openapi');
});

test('every API path is documented; the docs and metrics are not', () => {
  for (const path of ['/v1/environments', '/v1/environments/{name}', '/v1/environments/{name}/events', '/v1/environments/{name}/kubeconfig', '/v1/environments/{name}/scale', '/v1/plans', '/healthz', '/readyz']) {
    assert.ok(document.paths[path], `${path} is documented`);
  }
  for (const path of Object.keys(document.paths)) assert.doesNotMatch(path, /^\/(docs|metrics)\b/);
});

test('the environment requests document both bodies: an EnvironmentSpec as JSON, an eksctl ClusterConfig as YAML', () => {
  const spec = document.components.schemas.EnvironmentSpec as { required: string[] } | undefined;
  assert.ok(spec, 'the spec is a component');
  // What has a default may be left out of a request: the parser fills it.
  assert.deepEqual([...spec.required].sort(), ['name', 'network', 'region']);
  for (const path of ['/v1/environments', '/v1/plans']) {
    const body = document.paths[path]?.post?.requestBody;
    assert.ok(body, `POST ${path} has a requestBody`);
    assert.equal(body.required, true);
    assert.deepEqual(Object.keys(body.content).sort(), ['application/json', 'application/yaml']);
    assert.equal(body.content['application/json']!.schema.$ref, '#/components/schemas/EnvironmentSpec');
    assert.equal(body.content['application/yaml']!.schema.type, 'string');
    assert.match(body.content['application/yaml']!.schema.description ?? '', /eksctl ClusterConfig.*eksctl\.io\/v1alpha5/);
  }
});

test('routes that need a token say so with the bearer scheme; the probes need none', () => {
  assert.deepEqual(document.components.securitySchemes.bearerAuth, { ...document.components.securitySchemes.bearerAuth, type: 'http', scheme: 'bearer' });
  assert.equal(document.security, undefined, 'no document-wide requirement: the probes are public');
  const environmentOperations = Object.entries(document.paths).filter(([path]) => path.startsWith('/v1/')).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as const));
  assert.ok(environmentOperations.length >= 7);
  for (const [name, operation] of environmentOperations) assert.deepEqual(operation.security, [{ bearerAuth: [] }], `${name} needs a bearer token`);
  for (const path of ['/healthz', '/readyz']) assert.equal(document.paths[path]?.get?.security, undefined, `${path} is public`);
});

test('each response is documented with the media type the route really sends: the event stream as text/event-stream, its refusals and the kubeconfig\'s as JSON', () => {
  const types = (path: string, status: string) => Object.keys(document.paths[path]?.get?.responses?.[status]?.content ?? {}).sort();
  assert.deepEqual(types('/v1/environments/{name}/events', '200'), ['text/event-stream']);
  assert.deepEqual(types('/v1/environments/{name}/events', '404'), ['application/json']);
  assert.deepEqual(types('/v1/environments/{name}/events', '429'), ['application/json']);
  assert.deepEqual(types('/v1/environments/{name}/kubeconfig', '200'), ['application/json', 'application/yaml']);
});
