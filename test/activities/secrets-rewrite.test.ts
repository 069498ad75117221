import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSecretsRewriteActivities, type RewriteSecretsResult } from '../../src/activities/secrets-rewrite';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';

// Against the real kube-apiserver and etcd: Secrets stored unencrypted, then the API server
// starts encrypting Secrets (as EKS does once AssociateEncryptionConfig ends: the test bed with
// an AES-CBC key, EKS with the KMS key), and the old ones stay as they were in etcd until they
// are written again — which is what the rewrite (eksctl's --encrypt-existing-secrets) does. A
// Secret the API server reads with a provider other than the writing one is stale, so its
// replace is written even though nothing in it changed.

let cluster: KubeControlPlane;
let core: CoreV1Api;
const encrypted = (stored: Buffer | undefined) => stored?.subarray(0, 'k8s:enc:aescbc:v1:key1:'.length).toString() === 'k8s:enc:aescbc:v1:key1:';

before(async () => {
  cluster = await kubeControlPlane({ nodes: 0, secretsEncryption: true });
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
});
after(() => cluster?.stop());

test('once the API server encrypts Secrets, every existing one of every namespace is written again, page after page, and is then stored encrypted', async () => {
  const namespaces = ['team-a', 'team-b'];
  for (const namespace of namespaces) await core.createNamespace({ body: { metadata: { name: namespace } } });
  // More than one page of 200: the list's continue token is followed.
  const made = Array.from({ length: 230 }, (_, i) => ({ namespace: namespaces[i % 2]!, name: `s-${i}` }));
  for (const { namespace, name } of made) {
    await core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData: { password: `p-${name}` } } });
  }
  const key = ({ namespace, name }: { namespace: string; name: string }) => `/registry/secrets/${namespace}/${name}`;
  assert.equal(encrypted(await cluster.storedBytes(key(made[0]!))), false, 'written before encryption: stored as it is');

  await cluster.startEncryptingSecrets();
  assert.equal(encrypted(await cluster.storedBytes(key(made[0]!))), false, 'encryption on: the old Secrets are not encrypted until written again');
  const before = new Map((await core.listSecretForAllNamespaces()).items.map((s) => [`${s.metadata!.namespace}/${s.metadata!.name}`, s]));

  const heartbeats: RewriteSecretsResult[] = [];
  const env = new MockActivityEnvironment();
  env.on('heartbeat', (details: RewriteSecretsResult) => heartbeats.push({ ...details }));
  const { rewriteSecrets } = createSecretsRewriteActivities({ forCluster: async () => cluster.kubeConfig });
  const result = await env.run(rewriteSecrets, { cluster: 'demo' });

  assert.deepEqual(result, { rewritten: before.size, gone: 0 });
  assert.ok(before.size >= made.length, `all ${before.size} Secrets`);
  assert.equal(heartbeats.length, before.size, 'a heartbeat per Secret, with the counts so far');
  const notEncrypted = [];
  for (const secret of made) if (!encrypted(await cluster.storedBytes(key(secret)))) notEncrypted.push(key(secret));
  assert.deepEqual(notEncrypted, [], 'every Secret stored encrypted');
  for (const secret of (await core.listSecretForAllNamespaces()).items) {
    const was = before.get(`${secret.metadata!.namespace}/${secret.metadata!.name}`);
    if (was) assert.deepEqual(secret.data, was.data, `${secret.metadata!.name} keeps its data`);
  }
});
