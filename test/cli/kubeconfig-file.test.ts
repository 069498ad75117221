import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { kubeconfigPath, writeKubeconfig } from '../../src/cli/kubeconfig-file';
import { kubeconfigFor } from '../../src/domain/kubeconfig';

const life = (endpoint: string) => kubeconfigFor({ cluster: 'life', region: 'us-east-1', endpoint, certificateAuthority: 'Q0E=' });

test('--write merges as eksctl utils write-kubeconfig does: other contexts kept, this cluster\'s entries replaced, made current, owner-only', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'eksflow-kubeconfig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, '.kube', 'config');
  const other = {
    apiVersion: 'v1', kind: 'Config', 'current-context': 'kind-dev',
    clusters: [{ name: 'kind-dev', cluster: { server: 'https://127.0.0.1:6443' } }],
    contexts: [{ name: 'kind-dev', context: { cluster: 'kind-dev', user: 'kind-dev' } }],
    users: [{ name: 'kind-dev', user: { token: 'keep-me' } }],
  };
  writeKubeconfig(life('https://old.example'), file);
  writeFileSync(file, JSON.stringify({ ...other, clusters: [...other.clusters, ...(parse(readFileSync(file, 'utf8')) as typeof other).clusters] }));

  const written = writeKubeconfig(life('https://new.example'), file);
  assert.deepEqual(written, { path: file, context: 'life.us-east-1.eksflow' });
  const merged = parse(readFileSync(file, 'utf8')) as typeof other;
  assert.equal(merged['current-context'], 'life.us-east-1.eksflow');
  assert.deepEqual(merged.clusters.map((c) => [c.name, c.cluster.server]), [['kind-dev', 'https://127.0.0.1:6443'], ['life.us-east-1.eksflow', 'https://new.example']]);
  assert.deepEqual(merged.users.find((u) => u.name === 'kind-dev'), other.users[0]);
  assert.deepEqual(merged.contexts.map((c) => c.name), ['kind-dev', 'life.us-east-1.eksflow']);
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('a file that is not a kubeconfig is refused and left as it was', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'eksflow-kubeconfig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config');
  writeFileSync(file, '- a list\n');
  assert.throws(() => writeKubeconfig(life('https://x.example'), file), /is not a kubeconfig \(not a YAML mapping\); move it aside or point KUBECONFIG elsewhere/);
  assert.equal(readFileSync(file, 'utf8'), '- a list\n');
});

test('the file is the first of $KUBECONFIG, else ~/.kube/config', () => {
  assert.equal(kubeconfigPath({ KUBECONFIG: '/a/one:/b/two', HOME: '/home/u' }), '/a/one');
  assert.equal(kubeconfigPath({ HOME: '/home/u' }), '/home/u/.kube/config');
  assert.equal(kubeconfigPath({ KUBECONFIG: '', HOME: '/home/u' }), '/home/u/.kube/config');
});
