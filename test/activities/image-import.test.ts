import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DescribeRepositoriesCommand, ECRClient, ListTagsForResourceCommand } from '@aws-sdk/client-ecr';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { errorTypes } from '../../src/domain/errors';
import { ownershipTagKeys, type Owner } from '../../src/domain/ownership';
import { writeOciLayout, type WrittenImage } from '../fixtures/oci-layout';
import { testActivityDeps } from '../support/activity-deps';
import { moto, type Moto } from '../support/moto';
import { runCommand } from '../support/process';
import { registry, type Registry } from '../support/registry';
import { toolPath } from '../support/tools';

let aws: Moto;
let images: Registry;
let activities: ReturnType<typeof createActivities>;
let upstream: WrittenImage;
const work = mkdtempSync(join(tmpdir(), 'eksflow-image-import-'));

before(async () => {
  [aws, images] = await Promise.all([moto(), registry()]);
  activities = createActivities(testActivityDeps({ aws, registry: images }));
  // The "upstream" image the tutorial would pull from a public registry, served locally.
  upstream = writeOciLayout(join(work, 'layout'));
  await runCommand(toolPath('skopeo'), ['--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${join(work, 'layout')}:${upstream.tag}`, `docker://${images.host}/upstream/app:${upstream.tag}`]);
});
after(async () => {
  await Promise.all([aws?.stop(), images?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

const owner: Owner = { environmentId: 'team-a/demo', runId: 'run-1' };
const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;

test('the ECR repository scans on push, carries ownership tags, is adopted by its owner and refused to others', async () => {
  const created = await activities.ensureEcrRepository({ owner, region: 'us-east-1', name: 'team/app', tags: { team: 'a' } });
  assert.equal(created.made, true);
  assert.match(created.uri, /\.dkr\.ecr\.us-east-1\.amazonaws\.com\/team\/app$/);
  const ecr = new ECRClient(aws.clientConfig);
  const described = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['team/app'] }))).repositories![0]!;
  assert.equal(described.imageScanningConfiguration?.scanOnPush, true);
  const tags = Object.fromEntries(((await ecr.send(new ListTagsForResourceCommand({ resourceArn: described.repositoryArn }))).tags ?? []).map((t) => [t.Key, t.Value]));
  assert.equal(tags[ownershipTagKeys.environment], 'team-a/demo');
  assert.equal(tags.team, 'a');
  assert.equal((await activities.ensureEcrRepository({ owner, region: 'us-east-1', name: 'team/app' })).made, true);
  await assert.rejects(activities.ensureEcrRepository({ owner: { environmentId: 'team-b/x', runId: 'r' }, region: 'us-east-1', name: 'team/app' }),
    (error: unknown) => error instanceof ApplicationFailure && error.type === errorTypes.resourceNotOwned);
});

test('an image is copied into the repository and pinned by the digest the registry holds', async () => {
  await activities.ensureEcrRepository({ owner, region: 'us-east-1', name: 'team/web' });
  const imported = await inActivity(activities.importImage, { source: `${images.host}/upstream/app:${upstream.tag}`, repository: 'team/web', tag: '1.0' });
  assert.equal(imported.digest, upstream.manifestDigest, 'a faithful copy keeps the manifest digest');
  assert.match(imported.imageUri, new RegExp(`\\.dkr\\.ecr\\.us-east-1\\.amazonaws\\.com/team/web@${upstream.manifestDigest}$`));
  const held = await fetch(`http://${images.host}/v2/team/web/manifests/1.0`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(held.headers.get('docker-content-digest'), upstream.manifestDigest);
});

test('a source that does not exist fails for good, naming it', async () => {
  await activities.ensureEcrRepository({ owner, region: 'us-east-1', name: 'team/missing' });
  await assert.rejects(inActivity(activities.importImage, { source: `${images.host}/upstream/nope:v9`, repository: 'team/missing', tag: '1' }), (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, errorTypes.resourceFailed);
    assert.match(error.message, /copying .*upstream\/nope:v9 to .*team\/missing:1 failed/);
    return true;
  });
  await assert.rejects(inActivity(activities.importImage, { source: `${images.host}/upstream/app:v1`, repository: 'team/never-made', tag: '1' }), /ECR repository team\/never-made does not exist/);
});

test('a delete by another environment leaves the repository, images included: it never proves ownership', async () => {
  await activities.ensureEcrRepository({ owner, region: 'us-east-1', name: 'prod/api' });
  await inActivity(activities.importImage, { source: `${images.host}/upstream/app:${upstream.tag}`, repository: 'prod/api', tag: '1.0' });
  assert.deepEqual(await activities.deleteEcrRepository({ environmentId: 'team-b/demo', name: 'prod/api' }), { outcome: 'not-ours' });
  const ecr = new ECRClient(aws.clientConfig);
  const kept = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['prod/api'] }))).repositories ?? [];
  assert.equal(kept.length, 1, 'the repository is still there');
  const held = await fetch(`http://${images.host}/v2/prod/api/manifests/1.0`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(held.status, 200, 'and so is its image');
});

test('a source that reads the worker\'s own disk is refused by the activity too, whoever started the run', async () => {
  await activities.ensureEcrRepository({ owner, region: 'us-east-1', name: 'team/local' });
  for (const source of ['dir:/etc', 'oci-archive:/tmp/x.tar', 'docker-archive:/tmp/y.tar']) {
    await assert.rejects(inActivity(activities.importImage, { source, repository: 'team/local', tag: '1' }), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.type, errorTypes.invalidSpec);
      assert.match(error.message, /worker's own disk/);
      return true;
    });
  }
});

test('deleting the repository takes its images with it', async () => {
  await activities.ensureEcrRepository({ owner, region: 'us-east-1', name: 'team/gone' });
  assert.deepEqual(await activities.deleteEcrRepository({ environmentId: owner.environmentId, name: 'team/gone' }), { outcome: 'deleted' });
  assert.deepEqual(await activities.deleteEcrRepository({ environmentId: owner.environmentId, name: 'team/gone' }), { outcome: 'absent' });
  const ecr = new ECRClient(aws.clientConfig);
  const names = ((await ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? []).map((r) => r.repositoryName);
  assert.ok(!names.includes('team/gone'));
});
