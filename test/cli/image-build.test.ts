import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { specWithUpload } from '../../src/cli/commands/image';
import { extractTar } from '../../src/build-contexts/tar';

// `eksflow image build` as a person runs it (bin/eksflow.js, a subprocess) against a stand-in
// for the API's three routes it calls, answering as they do (test/api/build-contexts.test.ts
// covers the real upload route): what goes over the wire is what is checked here.

const bin = join(import.meta.dirname, '..', '..', 'bin', 'eksflow.js');
const work = mkdtempSync(join(tmpdir(), 'eksflow-cli-image-'));
const live = {
  name: 'web-env', region: 'us-east-1', network: { vpc: {} },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
  image: { uri: 'nginx:1.27' }, app: { name: 'web', containerPort: 8080 }, addons: { 'aws-load-balancer-controller': {} },
};
const seen: { method: string; url: string; contentType?: string; body: Buffer }[] = [];
async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  seen.push({ method: request.method!, url: request.url!, contentType: request.headers['content-type'], body });
  const json = (status: number, value: unknown) => void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  if (request.method === 'GET' && request.url === '/v1/environments/web-env') return json(200, { name: 'web-env', status: 'running', phase: 'ready', spec: live });
  if (request.method === 'POST' && request.url === '/v1/build-contexts') return json(201, { upload: `sha256:${createHash('sha256').update(body).digest('hex')}`, size: body.length, created: true });
  if (request.method === 'PUT' && request.url === '/v1/environments/web-env') return json(202, { name: 'web-env', action: 'change', changeId: 'c-1', plan: { tree: 'change plan for environment "web-env"', estimate: '3m' } });
  return json(404, { error: 'NotFound', message: 'no such route' });
}
const server = createServer((request, response) => void answer(request, response));
let apiUrl: string;
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

const eksflow = (...args: string[]) => promisify(execFile)(process.execPath, [bin, ...args], { env: { ...process.env, EKSFLOW_API_URL: apiUrl, EKSFLOW_TOKEN: 'test-token' } })
  .then(({ stdout }) => ({ code: 0, stdout, stderr: '' }), (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }));

test('image build packs the directory, uploads it, and applies the live spec with image.build.context.upload set to it', async () => {
  const dir = join(work, 'app');
  mkdirSync(join(dir, 'docker'), { recursive: true });
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(join(dir, 'docker', 'app.Dockerfile'), 'FROM scratch\nCOPY index.html /\n');
  writeFileSync(join(dir, 'index.html'), '<h1>hello</h1>\n');
  const result = await eksflow('image', 'build', dir, '--env', 'web-env', '--dockerfile', 'docker/app.Dockerfile', '--tag', 'v2');
  assert.equal(result.code, 0, result.stderr);
  const upload = seen.find((r) => r.method === 'POST')!;
  assert.equal(upload.contentType, 'application/gzip');
  const digest = `sha256:${createHash('sha256').update(upload.body).digest('hex')}`;
  assert.match(result.stdout, new RegExp(`uploaded .*app \\(\\d+ bytes gzipped\\) as ${digest}`));
  assert.match(result.stdout, /change plan for environment "web-env"\nweb-env: change c-1 accepted \(~3m\)/);
  const out = join(work, 'unpacked');
  await extractTar(upload.body, out);
  assert.equal(readFileSync(join(out, 'index.html'), 'utf8'), '<h1>hello</h1>\n');
  assert.throws(() => readFileSync(join(out, '.git', 'HEAD')), /ENOENT/, '.git stays on the user\'s machine');
  const applied = JSON.parse(seen.find((r) => r.method === 'PUT')!.body.toString()) as typeof live & { image: unknown };
  assert.deepEqual(applied.image, { build: { context: { upload: digest }, dockerfile: 'docker/app.Dockerfile', repository: 'web', tag: 'v2' } }, 'the app\'s name is the repository');
  assert.deepEqual({ ...applied, image: live.image }, live, 'the rest of the spec is the live one');
});

test('a missing Dockerfile is refused on the user\'s machine (exit 2) before anything is sent', async () => {
  const dir = join(work, 'empty');
  mkdirSync(dir);
  const before = seen.length;
  const result = await eksflow('image', 'build', dir, '--env', 'web-env');
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Dockerfile does not exist: give --dockerfile/);
  assert.ok(!seen.slice(before).some((r) => r.method !== 'GET'), 'nothing uploaded or applied');
});

test('specWithUpload keeps the build\'s Dockerfile, repository and tag unless told otherwise', () => {
  const upload = `sha256:${'a'.repeat(64)}`;
  const built = { ...live, image: { build: { context: { git: { url: 'https://x.example/a.git', ref: 'main' } }, dockerfile: 'Dockerfile.prod', repository: 'team/web', tag: '7' } } };
  assert.deepEqual(specWithUpload(built, upload, {}).image, { build: { context: { upload }, dockerfile: 'Dockerfile.prod', repository: 'team/web', tag: '7' } });
  assert.deepEqual(specWithUpload({ ...live, image: { import: { source: 'nginx:1', repository: 'team/imported', tag: '1' } } }, upload, { tag: '2' }).image,
    { build: { context: { upload }, dockerfile: 'Dockerfile', repository: 'team/imported', tag: '2' } });
  assert.throws(() => specWithUpload({ ...live, app: undefined }, upload, {}), /give --repository/);
});
