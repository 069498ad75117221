import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { completeClusterConfig } from '../../src/cli/cluster-config-local';
import { CliError } from '../../src/cli/exit-codes';

const home = mkdtempSync(join(tmpdir(), 'eksflow-cli-home-'));
mkdirSync(join(home, '.ssh'));
writeFileSync(join(home, '.ssh', 'team.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf0xmp2ewVo5EJOc6l1yJD0GPk1ZPxPpBrXdXsCgeSq team@laptop\n');
after(() => rmSync(home, { recursive: true, force: true }));

const config = (ssh: string) => `apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: { name: demo, region: eu-west-1, version: "1.29" }
# the team's key
managedNodeGroups:
  - name: general
    ssh: ${ssh}
`;

test('the CLI reads a key named by path on the user\'s machine and sends it inline, comments kept', async () => {
  const { text, keysRead } = await completeClusterConfig(config('{ allow: true, publicKeyPath: ~/.ssh/team.pub }'), { home });
  const sent = parse(text) as { managedNodeGroups: { ssh: Record<string, unknown> }[] };
  assert.deepEqual(sent.managedNodeGroups[0]!.ssh, { allow: true, publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf0xmp2ewVo5EJOc6l1yJD0GPk1ZPxPpBrXdXsCgeSq team@laptop' });
  assert.deepEqual(keysRead, ['managedNodeGroups[0] ~/.ssh/team.pub']);
  assert.match(text, /# the team's key/);
});

test('a key that cannot be read is refused before anything is sent, with the way out', async () => {
  await assert.rejects(completeClusterConfig(config('{ allow: true }'), { home }), (error: unknown) => {
    assert.ok(error instanceof CliError);
    assert.match(error.message, /managedNodeGroups\[0\]\.ssh: cannot read the public key ~\/\.ssh\/id_rsa\.pub \(no such file\); give ssh\.publicKey or ssh\.publicKeyName instead/);
    return true;
  });
});

test('--kubernetes-version replaces metadata.version; a config with nothing to read is sent as it is', async () => {
  const { text } = await completeClusterConfig(config('{ publicKeyName: dev }'), { home, kubernetesVersion: '1.33' });
  assert.equal((parse(text) as { metadata: { version: string } }).metadata.version, '1.33');
  const untouched = config('{ publicKeyName: dev }');
  assert.equal((await completeClusterConfig(untouched, { home })).text, untouched);
});
