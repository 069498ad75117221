import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { buildContextStore } from '../../src/build-contexts/store';
import { writeTar } from '../../src/build-contexts/tar';
import { apiWithoutTemporalPerFile } from '../support/api';

// Uploads and build logs need no Temporal: the client points nowhere.
const dir = mkdtempSync(join(tmpdir(), 'eksflow-build-contexts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const maxBytes = 64 * 1024;
const noTemporal = apiWithoutTemporalPerFile({ EKSFLOW_BUILD_CONTEXT_DIR: dir, EKSFLOW_BUILD_CONTEXT_MAX_BYTES: String(maxBytes) });

const tarball = gzipSync(writeTar([{ type: 'file', path: 'Dockerfile', data: Buffer.from('FROM scratch\nCOPY . /\n') }]));
const digest = `sha256:${createHash('sha256').update(tarball).digest('hex')}`;
const upload = (caller: 'teamA' | 'teamB' | 'teamAViewer', body: Buffer, contentType = 'application/gzip') =>
  noTemporal.bed.as(caller, { method: 'POST', url: '/v1/build-contexts', headers: { 'content-type': contentType }, payload: body });

test('an upload is stored under the SHA-256 of its bytes for the caller\'s tenant; the same bytes again are the same upload', async () => {
  const first = await upload('teamA', tarball);
  assert.equal(first.statusCode, 201, first.body);
  assert.deepEqual(first.json(), { upload: digest, size: tarball.length, created: true });
  const again = await upload('teamA', tarball);
  assert.equal(again.statusCode, 200);
  assert.equal(again.json<{ created: boolean }>().created, false);
  const store = buildContextStore(dir);
  assert.deepEqual(await store.read('team-a', digest), tarball);
  assert.equal(await store.has('team-b', digest), false, 'another tenant does not see it');
  const plainTar = writeTar([{ type: 'file', path: 'Dockerfile', data: Buffer.from('FROM scratch\n') }]);
  assert.equal((await upload('teamA', plainTar, 'application/x-tar')).statusCode, 201, 'an uncompressed tarball is taken too');
});

test('uploads are refused past the size limit, when not a tarball, with a media type not a tarball\'s, and to a read-only token', async () => {
  const tooLarge = await upload('teamA', Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(maxBytes)]));
  assert.equal(tooLarge.statusCode, 413);
  assert.match(tooLarge.json<{ message: string }>().message, /larger than the API accepts/);
  const notTar = await upload('teamA', Buffer.from('just some text, certainly not a tarball'));
  assert.equal(notTar.statusCode, 400);
  assert.match(notTar.json<{ message: string }>().message, /neither gzip nor a ustar tarball/);
  assert.equal((await upload('teamA', tarball, 'application/json')).statusCode, 400, 'not JSON');
  assert.equal((await upload('teamA', tarball, 'application/zip')).statusCode, 415);
  assert.equal((await upload('teamAViewer', tarball)).statusCode, 403);
});

test('a spec naming an upload its tenant never made is refused at the edge, by path, with the way out', async () => {
  await upload('teamA', tarball);
  const spec = (tenantUpload: string) => ({
    name: 'built', region: 'us-east-1', network: { vpc: {} },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
    image: { build: { context: { upload: tenantUpload }, repository: 'team/app' } },
  });
  const asB = await noTemporal.bed.as('teamB', { method: 'POST', url: '/v1/environments', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(spec(digest)) });
  assert.equal(asB.statusCode, 400, asB.body);
  const body = asB.json<{ errors: { path: string; message: string }[] }>();
  assert.deepEqual(body.errors.map((e) => e.path), ['/image/build/context/upload']);
  assert.match(body.errors[0]!.message, /not a build context this tenant uploaded; upload the directory with `eksflow image build <dir> --env built`/);
  const change = await noTemporal.bed.as('teamB', { method: 'PUT', url: '/v1/environments/built', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(spec(digest)) });
  assert.equal(change.statusCode, 400, change.body);
  // Team A's own upload gets past the check, to Temporal (which is not there: a 5xx, not a 400).
  const asA = await noTemporal.bed.as('teamA', { method: 'POST', url: '/v1/environments', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(spec(digest)) });
  assert.ok(asA.statusCode >= 500, `${asA.statusCode} ${asA.body}`);
});

test('a build\'s log is read by its environment\'s tenant only, whole or its tail', async () => {
  const store = buildContextStore(dir);
  const path = store.logPath('team-a/built', 'b-1');
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, 'STEP 1/2: FROM scratch\nSTEP 2/2: COPY . /\npushed\n');
  const read = (caller: 'teamA' | 'teamB' | 'teamAViewer', url: string) => noTemporal.bed.as(caller, { method: 'GET', url });
  const whole = await read('teamAViewer', '/v1/environments/built/builds/b-1/log');
  assert.equal(whole.statusCode, 200);
  assert.match(whole.headers['content-type'] as string, /^text\/plain/);
  assert.equal(whole.body, 'STEP 1/2: FROM scratch\nSTEP 2/2: COPY . /\npushed\n');
  assert.equal((await read('teamA', '/v1/environments/built/builds/b-1/log?tail=1')).body, 'pushed\n');
  assert.equal((await read('teamB', '/v1/environments/built/builds/b-1/log')).statusCode, 404, 'another tenant\'s environment is not found');
  assert.equal((await read('teamA', '/v1/environments/built/builds/b-2/log')).statusCode, 404);
  assert.equal((await read('teamA', '/v1/environments/built/builds/..%2F..%2Fx/log')).statusCode, 400, 'a build id is letters, digits and "-"');
});
