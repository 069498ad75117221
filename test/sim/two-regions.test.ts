import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import { test } from 'node:test';
import { inRegion } from '../../src/activities/region-scope';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import type { provisionEnvironment } from '../../src/workflows';
import { simulatedImageCopier } from '../../src/sim/image-copier';
import { progressQuery, teardownSignal, type Progress } from '../../src/workflows/messages';
import { waitFor } from '../support/process';
import { simWorkerBed } from '../support/sim-worker-bed';

// One simulated account, two regions, as AWS has them: an environment's cluster, network,
// node groups and log group are made in its spec's region's services, its roles in the
// account's one IAM. Before the simulated cloud had regions, the eu-west-1 environment was
// built in the home region (us-east-1) whatever its spec said, so `cloud.region('eu-west-1')`
// (which did not exist either) saw nothing of it.

const speedup = 200;
const taskQueue = 'two-regions-on-sim';
const bed = simWorkerBed({ speedup, seed: 'two-regions', taskQueue });

function specOf(name: string, region: string): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({
    name, region, network: { vpc: { natGateway: 'none', availabilityZones: 2 } }, controlPlaneLogging: ['api', 'audit'],
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

const ready = (name: string, handle: { query: (q: typeof progressQuery) => Promise<Progress> }) => waitFor(`${name} to be ready`, async () => {
  const progress = await handle.query(progressQuery);
  if (progress.phase === 'rolled-back' || progress.phase === 'failed') throw new Error(`the run ${progress.phase}: ${JSON.stringify(progress.steps.filter((s) => s.lastError))}`);
  return progress.phase === 'ready' && progress;
}, { timeoutMs: 180_000, intervalMs: 200 });

const emptyRegion = { clusters: [], nodegroups: [], fargateProfiles: [], oidcProviders: [], repositories: [], vpcs: [], logGroups: [] };
const regionalOnly = ({ roles: _roles, ...rest }: ReturnType<typeof bed.cloud.aws.inventory>) => rest;

test('two environments in two regions: each built in its own region\'s services, roles in the one IAM, both torn down to nothing', async () => {
  const east = bed.cloud.region('us-east-1');
  const west = bed.cloud.region('eu-west-1');
  assert.equal(east.aws, bed.cloud.aws, 'the home region is the cloud\'s own');
  assert.equal(west.aws.iam, east.aws.iam, 'IAM is global');
  assert.notEqual(west.aws.eks, east.aws.eks);

  const start = (name: string, region: string) => bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `team-a.${name}`, args: [{ environmentId: `team-a/${name}`, spec: specOf(name, region), timeScale: speedup }],
  });
  const [atlantic, euro] = await Promise.all([start('atlantic', 'us-east-1'), start('euro', 'eu-west-1')]);
  const [atlanticReady, euroReady] = await Promise.all([ready('atlantic', atlantic), ready('euro', euro)]);
  assert.ok(atlanticReady.steps.every((s) => s.state === 'done') && euroReady.steps.every((s) => s.state === 'done'));

  // Each region holds its own environment and nothing of the other's.
  const inWest = west.aws.inventory();
  const inEast = east.aws.inventory();
  assert.deepEqual(inWest.clusters, ['euro']);
  assert.deepEqual(inWest.nodegroups, ['euro/general']);
  assert.deepEqual(inWest.logGroups, ['/aws/eks/euro/cluster']);
  assert.equal(inWest.vpcs.length, 1);
  assert.deepEqual(inEast.clusters, ['atlantic']);
  assert.deepEqual(inEast.nodegroups, ['atlantic/general']);
  assert.deepEqual(inEast.logGroups, ['/aws/eks/atlantic/cluster']);
  assert.equal(inEast.vpcs.length, 1);
  assert.ok(!inEast.vpcs.includes(inWest.vpcs[0]!));
  assert.match(west.aws.eks.state.cluster('euro').arn, /^arn:aws:eks:eu-west-1:/);
  const euroCluster = west.aws.eks.state.cluster('euro');
  assert.ok(euroCluster.subnetIds.length > 0 && euroCluster.subnetIds.every((id) => west.aws.vpc.subnet(id)?.zone.startsWith('eu-west-1')), 'its subnets are eu-west-1\'s');
  // Roles are the account's: every region lists both environments' the same.
  assert.deepEqual(inWest.roles, inEast.roles);
  assert.ok(inWest.roles.some((r) => r.startsWith('euro-')) && inWest.roles.some((r) => r.startsWith('atlantic-')), JSON.stringify(inWest.roles));
  assert.deepEqual(inWest.oidcProviders, inEast.oidcProviders);
  assert.ok(inWest.oidcProviders.some((arn) => arn.includes('oidc.eks.eu-west-1.amazonaws.com')), JSON.stringify(inWest.oidcProviders));

  // The ledger names the region each resource was made in.
  const regions = (progress: Progress) => [...new Set(progress.ledger.map((e) => e.region))];
  assert.deepEqual(regions(euroReady), ['eu-west-1']);
  assert.deepEqual(regions(atlanticReady), ['us-east-1']);
  const arnRegions = euroReady.ledger.flatMap((e) => (e.arn?.split(':')[3] ? [e.arn.split(':')[3]] : []));
  assert.deepEqual([...new Set(arnRegions)], ['eu-west-1'], JSON.stringify(euroReady.ledger));

  // Each region's Kubernetes side serves its own cluster, nodes named for the region.
  assert.equal(bed.cloud.kube.cluster('euro'), undefined);
  assert.equal(west.kube.cluster('atlantic'), undefined);
  const nodes = (await (await bed.cloud.deps.kube.forCluster('atlantic')).makeApiClient(CoreV1Api).listNode()).items;
  assert.equal(nodes[0]?.metadata?.labels?.['topology.kubernetes.io/region'], 'us-east-1');
  const westNodes = (await (await west.kube.access.forCluster('euro')).makeApiClient(CoreV1Api).listNode()).items;
  assert.equal(westNodes.length, 1);
  assert.equal(westNodes[0]?.metadata?.labels?.['topology.kubernetes.io/region'], 'eu-west-1');

  await Promise.all([atlantic.signal(teardownSignal, { reason: 'test over' }), euro.signal(teardownSignal, { reason: 'test over' })]);
  await Promise.all([atlantic.result(), euro.result()]);
  for (const region of [east, west]) assert.deepEqual(regionalOnly(region.aws.inventory()), emptyRegion, region.aws.region);
  assert.deepEqual(east.aws.inventory().roles.filter((r) => !r.startsWith('AWSServiceRole')), []);
});

test('one cluster name in two regions: two clusters, each region\'s own API server', async () => {
  const west = bed.cloud.region('eu-west-1').kube;
  const home = bed.cloud.kube;
  const here = home.addCluster('twin');
  const there = west.addCluster('twin');
  try {
    assert.notEqual(here, there);
    assert.equal(here.region, 'us-east-1');
    assert.equal(there.region, 'eu-west-1');
    const namespaces = async (access: typeof home.access) => (await (await access.forCluster('twin')).makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name);
    here.store.create(here.store.typeOf('Namespace'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'only-here' } });
    assert.ok((await namespaces(home.access)).includes('only-here'));
    assert.ok(!(await namespaces(west.access)).includes('only-here'));
  } finally {
    home.removeCluster('twin');
    west.removeCluster('twin');
  }
  assert.ok(there && west.cluster('twin') === undefined);
});

test('the account\'s regions: made on first use for any AWS region name, refused for anything else; an image pushed to a region\'s registry lands in that region\'s ECR', async () => {
  const west = bed.cloud.region('eu-west-1').aws;
  assert.equal(bed.cloud.aws.forRegion('eu-west-1'), west, 'made once and kept');
  assert.equal(bed.cloud.region('ap-southeast-4').aws.region, 'ap-southeast-4');
  assert.ok(bed.cloud.aws.regions().some((r) => r.region === 'ap-southeast-4'));
  assert.throws(() => bed.cloud.region('moon-base'), /not an AWS region: "moon-base"/);

  // The deps reach the calling activity's region, as the real clients do.
  const { uri } = await inRegion('eu-west-1', () => bed.cloud.deps.ecr.createRepository({ name: 'euro/app', scanOnPush: false, tags: {} }));
  assert.match(uri, /\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/euro\/app$/);
  assert.deepEqual(west.ecr.repositoryNames(), ['euro/app']);
  assert.deepEqual(bed.cloud.aws.ecr.repositoryNames(), []);
  const { digest } = await simulatedImageCopier(bed.cloud.aws).copy({ source: 'docker.io/library/nginx:1.27', target: `${uri}:v1`, login: undefined, signal: new AbortController().signal });
  assert.equal(await west.ecr.imageDigest('euro/app', 'v1'), digest);
  await inRegion('eu-west-1', () => bed.cloud.deps.ecr.deleteRepository('euro/app'));
  assert.deepEqual(west.ecr.repositoryNames(), []);
});
