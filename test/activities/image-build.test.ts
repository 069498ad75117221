import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { fetchBuildContext } from '../../src/activities/image-build';
import { buildContextStore, type BuildContextStore } from '../../src/build-contexts/store';
import { extractTar, packDirectory, UnsafeTarError, writeTar } from '../../src/build-contexts/tar';
import { errorTypes } from '../../src/domain/errors';
import type { Owner } from '../../src/domain/ownership';
import { testActivityDeps } from '../support/activity-deps';
import { moto, type Moto } from '../support/moto';
import { runCommand } from '../support/process';
import { registry, type Registry } from '../support/registry';

// The real buildah (Debian's, tools/install-apt.sh) builds FROM scratch — no base image can be
// pulled here — and pushes to the test bed's registry; moto keeps the ECR repositories.

let aws: Moto;
let images: Registry;
let activities: ReturnType<typeof createActivities>;
let store: BuildContextStore;
const work = mkdtempSync(join(tmpdir(), 'eksflow-image-build-'));
const storeDir = join(work, 'store');
const owner: Owner = { environmentId: 'team-a/demo', runId: 'run-1' };

before(async () => {
  [aws, images] = await Promise.all([moto(), registry()]);
  activities = createActivities(testActivityDeps({ aws, registry: images, buildContextDir: storeDir, gitProtocols: ['https', 'file'] }));
  store = buildContextStore(storeDir);
  await activities.ensureEcrRepository({ owner, region: 'us-east-1', name: 'team/built' });
});
after(async () => {
  await Promise.all([aws?.stop(), images?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;

/** A directory with a FROM-scratch Dockerfile that copies a file in. */
function contextDir(name: string, dockerfile = 'FROM scratch\nCOPY hello.txt /hello.txt\n', dockerfilePath = 'Dockerfile'): string {
  const dir = join(work, name);
  mkdirSync(join(dir, dockerfilePath, '..'), { recursive: true });
  writeFileSync(join(dir, 'hello.txt'), `hello from ${name}\n`);
  writeFileSync(join(dir, dockerfilePath), dockerfile);
  return dir;
}

async function registryDigest(repository: string, tag: string): Promise<string | null> {
  const held = await fetch(`http://${images.host}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
  });
  return held.headers.get('docker-content-digest');
}

test('an uploaded context is built with buildah, pushed, and pinned by the digest the registry holds; the full log is kept', async () => {
  const { upload } = await store.put('team-a', await packDirectory(contextDir('uploaded', 'FROM scratch\nCOPY hello.txt /hello.txt\nLABEL org.opencontainers.image.title=uploaded\n', 'docker/app.Dockerfile')));
  const built = await inActivity(activities.buildImage, { owner, environmentId: owner.environmentId, buildId: 'b-upload', context: { upload }, dockerfile: 'docker/app.Dockerfile', repository: 'team/built', tag: '1.0' });
  assert.match(built.imageUri, new RegExp(`\\.dkr\\.ecr\\.us-east-1\\.amazonaws\\.com/team/built@${built.digest}$`));
  assert.equal(await registryDigest('team/built', '1.0'), built.digest, 'the digest in imageUri is the one the registry holds');
  assert.equal(built.buildId, 'b-upload');
  assert.ok(built.logTail.some((line) => /COPY hello.txt/.test(line)), built.logTail.join('\n'));
  const log = readFileSync(store.logPath(owner.environmentId, 'b-upload'), 'utf8');
  assert.match(log, /STEP 1\/3: FROM scratch/);
  assert.match(log, /pushed .*team\/built@sha256:/);
  assert.equal(await store.readLog(owner.environmentId, 'b-upload'), log);
});

test('a git context is cloned at its ref (file:// here; the spec allows https only) and built', async () => {
  const repo = contextDir('git-repo');
  const git = (...args: string[]) => runCommand('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
  await git('init', '-q', '-b', 'main');
  await git('add', '.');
  await git('commit', '-q', '-m', 'first');
  await git('tag', 'v1');
  writeFileSync(join(repo, 'hello.txt'), 'changed after v1\n');
  await git('commit', '-q', '-am', 'second');
  const dest = join(work, 'git-clone');
  const lines: string[] = [];
  await fetchBuildContext({ git: { url: `file://${repo}`, ref: 'v1' } }, dest, { store, tenant: 'team-a', log: (text) => lines.push(text), gitProtocols: ['file'] });
  assert.equal(readFileSync(join(dest, 'hello.txt'), 'utf8'), 'hello from git-repo\n', 'the tag, not the branch head');
  assert.ok(!existsSync(join(dest, '.git')), 'the clone\'s .git is not part of the context');
  assert.match(lines.join(''), /commit [0-9a-f]{40}/);
  await assert.rejects(fetchBuildContext({ git: { url: `file://${repo}`, ref: 'v1' } }, join(work, 'refused'), { store, tenant: 'team-a', log: () => undefined }),
    (error: unknown) => error instanceof ApplicationFailure && error.type === errorTypes.invalidSpec && /only https URLs/.test(error.message));

  const built = await inActivity(activities.buildImage, { owner, environmentId: owner.environmentId, buildId: 'b-git', context: { git: { url: `file://${repo}`, ref: 'main' } }, dockerfile: 'Dockerfile', repository: 'team/built', tag: 'git' });
  assert.equal(await registryDigest('team/built', 'git'), built.digest);
});

test('a Dockerfile that does not build fails for good, with the log\'s tail in the message, and the whole log is kept', async () => {
  const { upload } = await store.put('team-a', await packDirectory(contextDir('broken', 'FROM scratch\nCOPY missing-file.txt /x\n')));
  await assert.rejects(inActivity(activities.buildImage, { owner, environmentId: owner.environmentId, buildId: 'b-broken', context: { upload }, dockerfile: 'Dockerfile', repository: 'team/built', tag: 'broken' }), (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, errorTypes.imageBuildFailed);
    assert.equal(error.nonRetryable, true);
    assert.match(error.message, /building Dockerfile failed \(full log: build b-broken\)/);
    assert.match(error.message, /missing-file\.txt/, 'buildah\'s own reason is in the tail');
    return true;
  });
  const log = await store.readLog(owner.environmentId, 'b-broken');
  assert.match(log ?? '', /COPY missing-file\.txt/);
  assert.match(log ?? '', /=== failed: building Dockerfile failed/);
  assert.equal(await registryDigest('team/built', 'broken'), null, 'nothing was pushed');
});

test('a missing Dockerfile, an upload of another tenant and a tarball leaving its directory fail for good, naming why', async () => {
  const { upload } = await store.put('team-a', await packDirectory(contextDir('no-dockerfile')));
  const build = (input: { upload: string; dockerfile?: string; environmentId?: string }) => inActivity(activities.buildImage, {
    owner, environmentId: input.environmentId ?? owner.environmentId, context: { upload: input.upload }, dockerfile: input.dockerfile ?? 'Dockerfile', repository: 'team/built', tag: 'x',
  });
  await assert.rejects(build({ upload, dockerfile: 'build/Dockerfile' }), /the build context has no file build\/Dockerfile \(at its top: Dockerfile, hello.txt\)/);
  await assert.rejects(build({ upload, environmentId: 'team-b/demo' }), /was not uploaded by tenant team-b/);
  const escaping = (await store.put('team-a', gzipSync(writeTar([{ type: 'file', path: '../outside.txt', data: Buffer.from('x') }])))).upload;
  await assert.rejects(build({ upload: escaping }), (error: unknown) => error instanceof ApplicationFailure && error.type === errorTypes.invalidSpec && /has a "\.\." part/.test(error.message));
});

test('tarballs: what packDirectory writes, tar reads back; absolute paths, "..", hard links and escaping links are refused', async () => {
  const dir = contextDir('roundtrip');
  const long = `${'deep/'.repeat(30)}file.txt`;
  mkdirSync(join(dir, long, '..'), { recursive: true });
  writeFileSync(join(dir, long), 'long name\n');
  symlinkSync('hello.txt', join(dir, 'link'));
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, '.git', 'HEAD'), 'x');
  const tarball = await packDirectory(dir);
  const listed = (await runCommand('tar', ['-tzf', writeTemp(tarball)])).split('\n').filter(Boolean);
  assert.ok(listed.includes(long), 'GNU tar reads the PAX long name');
  assert.ok(!listed.some((name) => name.startsWith('.git')), '.git is left out');
  const out = join(work, 'roundtrip-out');
  await extractTar(tarball, out);
  assert.equal(readFileSync(join(out, long), 'utf8'), 'long name\n');
  assert.equal(readFileSync(join(out, 'link'), 'utf8'), 'hello from roundtrip\n');

  const refused = async (entries: Parameters<typeof writeTar>[0], reason: RegExp) => {
    const dest = mkdtempSync(join(work, 'refused-'));
    await assert.rejects(extractTar(writeTar(entries), dest), (error: unknown) => error instanceof UnsafeTarError && reason.test(error.message));
  };
  await refused([{ type: 'file', path: '/etc/passwd', data: Buffer.from('x') }], /absolute path/);
  await refused([{ type: 'file', path: 'a/../../x', data: Buffer.from('x') }], /"\.\." part/);
  await refused([{ type: 'symlink', path: 'out', target: '/etc' }], /outside the build context/);
  await refused([{ type: 'symlink', path: 'out', target: '../..' }], /outside the build context/);
  await refused([{ type: 'symlink', path: 'a', target: '.' }, { type: 'symlink', path: 'a/x', target: '..' }], /linked directory/);
});

function writeTemp(data: Buffer): string {
  const path = join(mkdtempSync(join(work, 'tgz-')), 'context.tgz');
  writeFileSync(path, data);
  return path;
}
