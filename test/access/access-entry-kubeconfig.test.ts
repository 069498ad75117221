import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { binaryHelm } from '../../src/activities/helm';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import type { Kubeconfig } from '../../src/domain/kubeconfig';
import { startSimulatedCloud, type SimulatedCloud } from '../../src/sim/cloud';
import { workflowWorkerOptions } from '../../worker';
import { apiFor, type ApiBed } from '../support/api';
import { awsCliDir } from '../support/aws-cli';
import { realChartArgs } from '../support/charts';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { moto, type Moto } from '../support/moto';
import { playEksAuthenticator, type PlayedEksAuthenticator } from '../support/played-eks-authenticator';
import { waitFor } from '../support/process';
import { repoRoot } from '../support/paths';
import { devServer, type DevServer } from '../support/temporal';
import { toolPath } from '../support/tools';

// The tutorial environment, requested with two team roles in its access list, is built on the
// simulated cloud (moto has no access-entry API) whose cluster is the test control plane: EKS
// describes the control plane's endpoint and CA, the run's Kubernetes steps act on it, and the
// control plane asks a played EKS authenticator (test/support/played-eks-authenticator.ts)
// who a bearer token is and what its access policies allow. The roles' kubeconfigs are the
// API's, used by @kubernetes/client-node through the `aws eks get-token` exec plugin the test
// supplies, with STS (AssumeRole, GetCallerIdentity) on moto.
const name = 'awesomebuilder-container';
const account = '123456789012';
const platformRole = `arn:aws:iam::${account}:role/platform-team`;
const viewerRole = `arn:aws:iam::${account}:role/app-viewers`;
const strangerRole = `arn:aws:iam::${account}:role/not-in-the-list`;
const taskQueue = 'access-entries';

let server: DevServer;
let aws: Moto;
let cloud: SimulatedCloud;
let authenticator: PlayedEksAuthenticator;
let cluster: KubeControlPlane;
let worker: Worker;
let running: Promise<void>;
let bed: ApiBed;
let cli: string;

before(async () => {
  [server, aws] = await Promise.all([devServer(), moto()]);
  // EKS describes the control plane this test starts next; nothing asks before a run does.
  cloud = await startSimulatedCloud({
    speedup: 100,
    endpointOf: () => ({ endpoint: cluster.server, certificateAuthority: cluster.kubeConfig.getCurrentCluster()!.caData! }),
  });
  authenticator = await playEksAuthenticator({ eks: cloud.deps.eks, sts: aws.clientConfig });
  cluster = await kubeControlPlane({ nodes: 0, webhooks: authenticator });
  await cluster.addNodes(['on-demand-0', 'on-demand-1'], { 'eks.amazonaws.com/nodegroup': 'on-demand' });
  await cluster.addNodes(['spot-0', 'spot-1'], { 'eks.amazonaws.com/nodegroup': 'spot' });
  authenticator.serve({ name, kubeConfig: cluster.kubeConfig });
  // The team roles exist in IAM: the simulated account's, which EKS checks an entry's principal
  // against, and moto's, whose STS the users assume them through.
  const iam = new IAMClient(aws.clientConfig);
  for (const role of [platformRole, viewerRole, strangerRole]) {
    const roleName = role.split('/').pop()!;
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }] });
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trust }));
    await cloud.deps.iam.createRole({ name: roleName, trustPolicy: trust, description: 'a team role', tags: {} });
  }
  iam.destroy();
  const kube = kubeconfigAccess(cluster.kubeconfigPath);
  worker = await Worker.create({
    connection: server.env.nativeConnection, taskQueue, ...workflowWorkerOptions,
    activities: createActivities({ ...cloud.deps, kube, helm: binaryHelm({ kube, binary: toolPath('helm'), chartArgs: realChartArgs }), kubeApiReadiness: { successes: 2, intervalMs: 100 } }),
  });
  running = worker.run();
  bed = await apiFor(server.env.client, { EKSFLOW_TASK_QUEUE: taskQueue });
  cli = awsCliDir();
});

after(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await bed?.api.close();
  await Promise.all([server?.teardown(), aws?.stop(), cloud?.close(), cluster?.stop(), authenticator?.stop()]);
  if (cli) rmSync(cli, { recursive: true, force: true });
});

/** The tutorial's environment (examples/tutorial/environment.json): its cluster, network and node groups, with the teams' access list. */
function tutorialWithAccess(): Record<string, unknown> {
  const tutorial = JSON.parse(readFileSync(`${repoRoot}/examples/tutorial/environment.json`, 'utf8')) as Record<string, unknown>;
  // Its image, app and add-ons are left out: this file is about who reaches the cluster, and
  // each of those has its own test on the control plane.
  for (const part of ['image', 'app', 'addons', 'autoscaling']) delete tutorial[part];
  return {
    ...tutorial,
    access: {
      authenticationMode: 'API',
      entries: [
        { principalArn: platformRole, accessPolicies: [{ policy: 'AmazonEKSClusterAdminPolicy' }] },
        { principalArn: viewerRole, accessPolicies: [{ policy: 'AmazonEKSViewPolicy', scope: 'namespace', namespaces: ['awesomebuilder'] }] },
      ],
    },
  };
}

/** The API's kubeconfig for `roleArn`, with the user's own credentials beside it, as an AWS profile would give them. */
async function kubeconfigAs(roleArn: string): Promise<KubeConfig> {
  const response = await bed.as('teamA', { method: 'GET', url: `/v1/environments/${name}/kubeconfig?roleArn=${encodeURIComponent(roleArn)}` });
  assert.equal(response.statusCode, 200, response.body);
  const served = response.json<Kubeconfig>();
  const { accessKeyId, secretAccessKey } = aws.clientConfig.credentials;
  const user = served.users[0]!.user as unknown as { exec: Record<string, unknown> };
  user.exec.env = [
    { name: 'PATH', value: `${cli}:${process.env.PATH}` },
    { name: 'AWS_ACCESS_KEY_ID', value: accessKeyId }, { name: 'AWS_SECRET_ACCESS_KEY', value: secretAccessKey },
    { name: 'AWS_ENDPOINT_URL_STS', value: aws.endpoint },
  ];
  const config = new KubeConfig();
  config.loadFromString(JSON.stringify(served));
  return config;
}

const statusOf = (call: Promise<unknown>) => call.then(() => 200, (error: { code?: number }) => error.code ?? 0);

test('the tutorial environment with two team roles in its access list: each reaches the cluster with its kubeconfig, as far as its policies go', async () => {
  const created = await bed.as('teamA', { method: 'POST', url: '/v1/environments', payload: tutorialWithAccess() });
  assert.equal(created.statusCode, 202, created.body);
  await waitFor(`${name} ready`, async () => (await bed.as('teamA', { method: 'GET', url: `/v1/environments/${name}` })).json<{ phase: string }>().phase === 'ready', { timeoutMs: 120_000, intervalMs: 500 });

  const platform = await kubeconfigAs(platformRole);
  assert.equal(platform.getCurrentCluster()?.server, cluster.server, 'the endpoint EKS describes');
  assert.deepEqual(platform.getCurrentUser()?.exec?.args?.slice(-2), ['--role-arn', platformRole]);
  const asPlatform = platform.makeApiClient(CoreV1Api);
  const nodes = (await asPlatform.listNode()).items.map((node) => node.metadata?.name).sort();
  assert.deepEqual(nodes, ['on-demand-0', 'on-demand-1', 'spot-0', 'spot-1'], 'the cluster-admin policy lists the nodes');
  await asPlatform.createNamespace({ body: { metadata: { name: 'awesomebuilder' } } });
  await asPlatform.createNamespacedConfigMap({ namespace: 'awesomebuilder', body: { metadata: { name: 'made-by-platform' }, data: { team: 'platform' } } });
  const platformReview = authenticator.decisions.find((d) => d.review === 'token' && d.authenticated);
  assert.equal(platformReview?.review === 'token' && platformReview.username, `arn:aws:sts::${account}:assumed-role/platform-team/EKSGetTokenAuth`, 'EKS\'s default username for a role');

  // The viewers' policy is View, in the app's namespace only.
  const asViewer = (await kubeconfigAs(viewerRole)).makeApiClient(CoreV1Api);
  assert.deepEqual((await asViewer.listNamespacedConfigMap({ namespace: 'awesomebuilder' })).items.map((c) => c.metadata?.name).filter((n) => n === 'made-by-platform'), ['made-by-platform']);
  assert.equal(await statusOf(asViewer.createNamespacedConfigMap({ namespace: 'awesomebuilder', body: { metadata: { name: 'by-viewer' } } })), 403, 'view cannot create');
  assert.equal(await statusOf(asViewer.listNamespacedPod({ namespace: 'default' })), 403, 'outside its namespace the policy grants nothing');
  assert.equal(await statusOf(asViewer.listNode()), 403, 'a namespace-scoped policy grants nothing cluster-wide');
  assert.equal(await statusOf(asViewer.readNamespacedSecret({ name: 'x', namespace: 'awesomebuilder' })), 403, 'view does not read secrets');

  // A role of the same account with no entry is not let in at all.
  const asStranger = (await kubeconfigAs(strangerRole)).makeApiClient(CoreV1Api);
  assert.equal(await statusOf(asStranger.listNamespace()), 401);
  assert.ok(authenticator.decisions.some((d) => d.review === 'token' && !d.authenticated && d.reason === `ARN is not mapped: ${strangerRole}`));

  // Teardown removes the cluster and its entries with it: the platform role's next token is refused.
  const deleted = await bed.as('teamA', { method: 'DELETE', url: `/v1/environments/${name}` });
  assert.equal(deleted.statusCode, 202, deleted.body);
  await waitFor(`${name} torn down`, async () => (await cloud.deps.eks.describeCluster(name)) === undefined, { timeoutMs: 120_000, intervalMs: 500 });
  // Refused either way: 401 when the API server asks the authenticator again (no entry any
  // more), or 403 when it answers from its own record of this token (kube-apiserver 1.36 does
  // so at times here, even with a webhook cache TTL of 0) and the authorizer finds no policy.
  const after = await statusOf(asPlatform.listNamespace());
  const reviews = JSON.stringify(authenticator.decisions.slice(-3));
  assert.ok(after === 401 || after === 403, `refused after teardown, not ${after}: ${reviews}`);
  if (after === 403) {
    const last = authenticator.decisions.at(-1);
    assert.ok(last?.review === 'access' && !last.allowed && last.reason === 'no access policy of the entry grants it' && last.username.includes('platform-team'), reviews);
  }
});
