import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeOciLayout } from '../fixtures/oci-layout';
import { runCommand } from '../support/process';
import { registry, type Registry } from '../support/registry';
import { toolPath } from '../support/tools';

let local: Registry;
const workDir = mkdtempSync(join(tmpdir(), 'eksflow-oci-'));
before(async () => {
  local = await registry();
});
after(async () => {
  await local?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

// No signature policy is configured on a fresh machine, and the registry speaks plain HTTP on loopback.
const skopeo = (...args: string[]) => runCommand(toolPath('skopeo'), ['--insecure-policy', ...args]);
const plainHttp = ['--src-tls-verify=false', '--dest-tls-verify=false'];

async function registryDigest(repository: string, tag: string): Promise<string | null> {
  const response = await fetch(`http://${local.host}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  assert.equal(response.status, 200, `${repository}:${tag} is in the registry`);
  return response.headers.get('docker-content-digest');
}

test('skopeo copies an image between two repositories and the digests match', async () => {
  const image = writeOciLayout(join(workDir, 'layout'));
  await skopeo('copy', '--dest-tls-verify=false', `oci:${join(workDir, 'layout')}:${image.tag}`, `docker://${local.host}/smoke/source:${image.tag}`);
  const digestFile = join(workDir, 'copied.digest');
  await skopeo('copy', ...plainHttp, '--digestfile', digestFile,
    `docker://${local.host}/smoke/source:${image.tag}`, `docker://${local.host}/smoke/copy:${image.tag}`);

  assert.equal(await registryDigest('smoke/source', image.tag), image.manifestDigest);
  assert.equal(await registryDigest('smoke/copy', image.tag), image.manifestDigest);
  const inspected = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${local.host}/smoke/copy:${image.tag}`)) as { Digest: string; Layers: string[] };
  assert.equal(inspected.Digest, image.manifestDigest);
  assert.equal(inspected.Layers.length, 1);
  assert.equal(readFileSync(digestFile, 'utf8').trim(), image.manifestDigest);
});
