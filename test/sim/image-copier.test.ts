import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createImageActivities, ecrDestination } from '../../src/activities/image-import';
import { SimulatedAws } from '../../src/sim/aws';
import { scaledClock } from '../../src/sim/clock';
import { simulatedImageCopier } from '../../src/sim/image-copier';

const owner = { environmentId: 'team-a/demo', runId: 'run-1' };
const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;

test('the import activity on the simulated cloud: the copy lands in its ECR, pinned by the digest the registry holds', async () => {
  const sim = new SimulatedAws({ clock: scaledClock({ speedup: 10_000 }) });
  const images = createImageActivities(sim.ecr, ecrDestination(sim.ecr), simulatedImageCopier(sim));
  const repository = await images.ensureEcrRepository({ owner, region: 'us-east-1', name: 'team/awesomebuilder' });
  assert.equal(repository.made, true);
  const imported = await inActivity(images.importImage, { source: 'docker.io/library/nginx:1.27', repository: 'team/awesomebuilder', tag: 'v1' });
  assert.equal(imported.imageUri, `${repository.uri}@${imported.digest}`);
  assert.equal(await sim.ecr.imageDigest('team/awesomebuilder', 'v1'), imported.digest);
  const again = await inActivity(images.importImage, { source: 'docker.io/library/nginx:1.27', repository: 'team/awesomebuilder', tag: 'v1' });
  assert.notEqual(again.digest, imported.digest, 'a push replaces the tag, as a registry does');
  await assert.rejects(inActivity(images.importImage, { source: 'x/y:1', repository: 'missing', tag: 'v1' }), /ECR repository missing does not exist/);
});
