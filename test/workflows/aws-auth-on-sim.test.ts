import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { eksctlExamplesDir } from '../support/paths';
import { waitFor } from '../support/process';
import { simWorkerBed } from '../support/sim-worker-bed';

// eksctl's examples/35-iamidentitymappings.yaml in a whole run on the simulated cloud: its arn
// mappings become access entries, its EMR on EKS and account mappings go in aws-auth (the
// cluster in API_AND_CONFIG_MAP), with EMR's Role and RoleBinding in namespace emr; all ledgered,
// and the teardown takes out exactly eksflow's aws-auth entries.

const taskQueue = 'aws-auth-on-sim';
const bed = simWorkerBed({ speedup: 100, seed: 'aws-auth', taskQueue });

test('35-iamidentitymappings: EMR on EKS and an account mapped in aws-auth, EMR\'s RBAC made, all ledgered and removed at teardown', async () => {
  const translated = translateClusterConfig(readFileSync(join(eksctlExamplesDir, '35-iamidentitymappings.yaml'), 'utf8'));
  assert.ok(translated.ok, JSON.stringify(!translated.ok && translated.errors));
  // The example's own placeholder account: the simulated IAM knows its roles by the sim's account.
  const spec = { ...translated.spec, region: 'us-east-1', access: { ...translated.spec.access!, entries: [] } };
  const name = spec.name;
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `team-a.${name}`, args: [{ environmentId: `team-a/${name}`, spec }],
  });
  await waitFor('the environment to be ready', async () => (await handle.query(progressQuery)).phase === 'ready', { timeoutMs: 300_000, intervalMs: 200 });
  const progress = await handle.query(progressQuery);
  const step = progress.steps.find((s) => s.id === 'k8s:aws-auth')!;
  assert.equal(step.state, 'done');
  assert.match(step.detail ?? '', /mapRoles arn:aws:iam::123456789012:role\/AWSServiceRoleForAmazonEMRContainers as emr-containers; mapAccounts 000000000000; namespaces made: emr/);
  assert.deepEqual(progress.ledger.filter((e) => e.kind === 'aws-auth').map((e) => [e.name, e.state]), [[`${name}/emr-containers/emr`, 'confirmed'], [name, 'confirmed']]);
  assert.equal((await bed.cloud.aws.apis().eks.describeCluster(name))?.authenticationMode, 'API_AND_CONFIG_MAP');

  const kube = await bed.cloud.deps.kube.forCluster(name);
  const core = kube.makeApiClient(CoreV1Api);
  const awsAuth = await core.readNamespacedConfigMap({ name: 'aws-auth', namespace: 'kube-system' });
  assert.ok((parse(awsAuth.data!.mapRoles!) as { username: string }[]).some((r) => r.username === 'emr-containers'));
  assert.deepEqual((parse(awsAuth.data!.mapAccounts!) as unknown[]).map(String), ['000000000000']);
  const rbac = kube.makeApiClient(RbacAuthorizationV1Api);
  assert.equal((await rbac.readNamespacedRoleBinding({ name: 'emr-containers', namespace: 'emr' })).roleRef.name, 'emr-containers');

  await handle.signal('teardown', { reason: 'done with it' });
  const result = await handle.result();
  assert.deepEqual(result.ledger.filter((e) => e.kind === 'aws-auth').map((e) => e.state), ['deleted', 'deleted']);
  assert.equal(await bed.cloud.aws.apis().eks.describeCluster(name), undefined);
});
