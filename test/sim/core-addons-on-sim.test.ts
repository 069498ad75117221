import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { WorkflowFailedError } from '@temporalio/client';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { roleNames } from '../../src/domain/names';
import type { provisionEnvironment } from '../../src/workflows';
import { progressQuery, teardownSignal, type Progress } from '../../src/workflows/messages';
import { recordHistory } from '../support/histories';
import { waitFor } from '../support/process';
import { simWorkerBed } from '../support/sim-worker-bed';

// The five core EKS add-ons as EKS managed add-ons, whole runs on the simulated cloud (moto has
// no EKS add-on API): versions chosen per Kubernetes minor by DescribeAddonVersions, their
// configuration checked against DescribeAddonConfiguration's schema before anything is made,
// the EBS CSI driver's IRSA role, security groups for pods and prefix delegation in the VPC CNI's
// configuration, and rollback and teardown deleting them.

const speedup = 200;
const taskQueue = 'core-addons-on-sim';
const bed = simWorkerBed({ speedup, seed: 'core-addons', taskQueue });

function specOf(name: string, overrides: Record<string, unknown> = {}): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({
    name, region: 'us-east-1', network: { vpc: { natGateway: 'none', availabilityZones: 2 } },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
    ...overrides,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

const allFive = {
  'vpc-cni': { podSecurityGroups: true, prefixDelegation: { warmPrefixTarget: 1 } },
  coredns: { configurationValues: 'replicaCount: 3\n' },
  'kube-proxy': {},
  'aws-ebs-csi-driver': {},
  'eks-pod-identity-agent': {},
};

let runs = 0;
const start = (spec: EnvironmentSpec) => bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
  taskQueue, workflowId: `team-a.${spec.name}.${++runs}`, args: [{ environmentId: `team-a/${spec.name}`, spec, timeScale: speedup }],
});

const ready = (name: string, handle: { query: (q: typeof progressQuery) => Promise<Progress> }) => waitFor(`${name} to be ready`, async () => {
  const progress = await handle.query(progressQuery);
  if (progress.phase === 'rolled-back' || progress.phase === 'failed') throw new Error(`the run ${progress.phase}: ${JSON.stringify(progress.steps.filter((s) => s.lastError))}`);
  return progress.phase === 'ready' && progress;
}, { timeoutMs: 240_000, intervalMs: 200 });

const addonsOf = async (cluster: string) => {
  const eks = bed.cloud.aws.eks;
  return Object.fromEntries(await Promise.all((await eks.listAddons(cluster)).map(async (name) => [name, await eks.describeAddon(cluster, name)] as const)));
};
/** What is left of an environment: its cluster, its roles, its VPC (found by its ownership tag). */
const leftOf = async (name: string) => {
  const left = bed.cloud.aws.inventory();
  const mine = (ref: string) => ref === name || ref.startsWith(`${name}/`) || ref.startsWith(`${name}-`);
  const vpc = await bed.cloud.aws.vpc.findVpc('eksflow.io/environment', `team-a/${name}`);
  return { clusters: left.clusters.filter(mine), roles: left.roles.filter(mine), vpc: vpc?.vpcId };
};

test('the five core add-ons install at each minor\'s default versions (1.33 and 1.36), configured, the EBS CSI driver with its IRSA role; teardown deletes them', async () => {
  // The pods' security group is the user's own, made beforehand: the run's pre-flight looks it up (DescribeSecurityGroups).
  const podsGroup = bed.cloud.aws.network.createSecurityGroup({ tags: { team: 'a' } });
  const [old, current] = await Promise.all([
    start(specOf('core-133', {
      kubernetesVersion: '1.33', eksAddons: allFive, addons: { 'aws-load-balancer-controller': {} },
      image: { uri: 'public.ecr.aws/nginx/nginx:1.27' }, app: { name: 'web', containerPort: 80, replicas: 1, securityGroupIds: [podsGroup] },
    })),
    start(specOf('core-136', { kubernetesVersion: '1.36', eksAddons: allFive })),
  ]);
  const [oldReady, currentReady] = await Promise.all([ready('core-133', old), ready('core-136', current)]);
  for (const progress of [oldReady, currentReady]) assert.ok(progress.steps.every((s) => s.state === 'done'), JSON.stringify(progress.steps.filter((s) => s.state !== 'done')));

  // The defaults AWS marks for each minor (the simulator's snapshot of DescribeAddonVersions).
  const versions = (addons: Awaited<ReturnType<typeof addonsOf>>) => Object.fromEntries(Object.entries(addons).map(([name, a]) => [name, `${a?.version} ${a?.status}`]));
  assert.deepEqual(versions(await addonsOf('core-133')), {
    'aws-ebs-csi-driver': 'v1.48.0-eksbuild.2 ACTIVE', coredns: 'v1.12.1-eksbuild.2 ACTIVE', 'eks-pod-identity-agent': 'v1.3.8-eksbuild.2 ACTIVE',
    'kube-proxy': 'v1.33.0-eksbuild.2 ACTIVE', 'vpc-cni': 'v1.19.6-eksbuild.7 ACTIVE',
  });
  assert.deepEqual(versions(await addonsOf('core-136')), {
    'aws-ebs-csi-driver': 'v1.56.0-eksbuild.1 ACTIVE', coredns: 'v1.13.1-eksbuild.1 ACTIVE', 'eks-pod-identity-agent': 'v1.3.10-eksbuild.3 ACTIVE',
    'kube-proxy': 'v1.36.0-eksbuild.1 ACTIVE', 'vpc-cni': 'v1.20.5-eksbuild.1 ACTIVE',
  });
  const check = oldReady.steps.find((s) => s.id === 'eks:addons-check')!;
  assert.equal(check.detail, 'vpc-cni v1.19.6-eksbuild.7 (configured), coredns v1.12.1-eksbuild.2 (configured), kube-proxy v1.33.0-eksbuild.2, aws-ebs-csi-driver v1.48.0-eksbuild.2, eks-pod-identity-agent v1.3.8-eksbuild.2');

  const addons = await addonsOf('core-133');
  // YAML given, JSON sent; eksflow's options as the CNI's environment.
  assert.deepEqual(JSON.parse(addons.coredns!.configurationValues!), { replicaCount: 3 });
  assert.deepEqual(JSON.parse(addons['vpc-cni']!.configurationValues!), { env: { ENABLE_POD_ENI: 'true', ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' } });
  assert.equal(addons['vpc-cni']!.tags['eksflow.io/environment'], 'team-a/core-133', 'tagged for ownership');
  assert.ok((await bed.cloud.aws.iam.attachedPolicies(roleNames.cluster('core-133'))).includes('arn:aws:iam::aws:policy/AmazonEKSVPCResourceController'));

  // Security groups for pods: the app's SecurityGroupPolicy selects its pods.
  const kube = await bed.cloud.deps.kube.forCluster('core-133');
  const policy = await kube.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'vpcresources.k8s.aws', version: 'v1beta1', namespace: 'web', plural: 'securitygrouppolicies', name: 'web' }) as { spec: unknown };
  assert.deepEqual(policy.spec, { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } }, securityGroups: { groupIds: [podsGroup] } });

  // The EBS CSI driver's role: trusted by exactly its controller's ServiceAccount, through the cluster's OIDC provider.
  const ebsRole = roleNames.irsa('core-133', 'kube-system', 'ebs-csi-controller-sa');
  const role = await bed.cloud.aws.iam.getRole(ebsRole);
  assert.equal(addons['aws-ebs-csi-driver']!.serviceAccountRoleArn, role!.arn);
  assert.deepEqual(await bed.cloud.aws.iam.attachedPolicies(ebsRole), ['arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy']);
  const [statement] = (JSON.parse(await bed.cloud.aws.iam.trustPolicyOf(ebsRole)) as { Statement: { Principal: { Federated: string }; Action: string; Condition: { StringEquals: Record<string, string> } }[] }).Statement;
  const issuer = oldReady.cluster.oidcIssuer!.replace(/^https:\/\//, '');
  assert.equal(statement!.Action, 'sts:AssumeRoleWithWebIdentity');
  assert.match(statement!.Principal.Federated, new RegExp(`:oidc-provider/${issuer.replaceAll('.', '\\.')}$`));
  assert.deepEqual(statement!.Condition.StringEquals, { [`${issuer}:sub`]: 'system:serviceaccount:kube-system:ebs-csi-controller-sa', [`${issuer}:aud`]: 'sts.amazonaws.com' });
  // Ledgered: each add-on an eks-addon entry of this run.
  assert.deepEqual(oldReady.ledger.filter((e) => e.kind === 'eks-addon').map((e) => `${e.name} ${e.state}`).sort(),
    ['core-133/aws-ebs-csi-driver', 'core-133/coredns', 'core-133/eks-pod-identity-agent', 'core-133/kube-proxy', 'core-133/vpc-cni'].map((n) => `${n} confirmed`));

  await Promise.all([old.signal(teardownSignal, { reason: 'test over' }), current.signal(teardownSignal, { reason: 'test over' })]);
  const [oldResult] = await Promise.all([old.result(), current.result()]);
  await recordHistory('core-addons-provision-teardown', old);
  assert.deepEqual(oldResult.ledger.filter((e) => e.kind === 'eks-addon').map((e) => e.state), ['deleted', 'deleted', 'deleted', 'deleted', 'deleted']);
  for (const name of ['core-133', 'core-136']) assert.deepEqual(await leftOf(name), { clusters: [], roles: [], vpc: undefined }, name);
});

test('a configurationValues the add-on\'s schema refuses fails the run at its first step, with the schema\'s message, having made nothing', async () => {
  const spec = specOf('bad-config', { eksAddons: { 'kube-proxy': {}, coredns: { configurationValues: '{"replicaCount": "three"}' }, 'vpc-cni': { version: 'v1.2.3-eksbuild.1' } } });
  const handle = await start(spec);
  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, String(error));
  await recordHistory('core-addons-refused-configuration', handle);
  assert.match(error.cause!.message, /\/eksAddons\/coredns\/configurationValues: coredns v1\.12\.4-eksbuild\.1 refuses it: \/replicaCount must be integer/);
  assert.match(error.cause!.message, /\/eksAddons\/vpc-cni\/version: version v1\.2\.3-eksbuild\.1 is not offered: for Kubernetes 1\.35 EKS lists v1\.20\.5-eksbuild\.1 \(default\), v1\.20\.4-eksbuild\.1/);
  assert.match(error.cause!.message, /everything this run made was deleted/);
  const progress = await handle.query(progressQuery);
  assert.deepEqual(progress.ledger, [], 'nothing was made');
  assert.equal(progress.steps.find((s) => s.id === 'eks:addons-check')!.state, 'failed');
  assert.deepEqual(progress.steps.filter((s) => s.id !== 'eks:addons-check').map((s) => s.state).filter((state) => state !== 'skipped'), [], 'no other step started');
  assert.deepEqual(await leftOf('bad-config'), { clusters: [], roles: [], vpc: undefined });
});

test('a core add-on that ends CREATE_FAILED fails its step with EKS\'s issue; the rollback deletes every add-on the run made', async () => {
  const issue = 'ConfigurationConflict: Conflicts found when trying to apply. Will not continue due to resolve conflicts mode.';
  bed.cloud.aws.faults.failOutcome('addon', 'core-fails/coredns', { status: 'CREATE_FAILED', issues: [issue] });
  const handle = await start(specOf('core-fails', { eksAddons: { 'vpc-cni': {}, 'kube-proxy': {}, coredns: {} } }));
  const error = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError, String(error));
  assert.match(error.cause!.message, /eks:addon\/coredns is CREATE_FAILED: ConfigurationConflict/);
  await recordHistory('core-addons-rollback', handle);
  const progress = await handle.query(progressQuery);
  assert.equal(progress.phase, 'rolled-back', JSON.stringify(progress.ledger));
  assert.deepEqual(progress.ledger.filter((e) => e.kind === 'eks-addon').map((e) => `${e.name} ${e.state}`).sort(),
    ['core-fails/coredns compensated', 'core-fails/kube-proxy compensated', 'core-fails/vpc-cni compensated']);
  assert.deepEqual(await leftOf('core-fails'), { clusters: [], roles: [], vpc: undefined });
});

test('on a Fargate-only cluster, CoreDNS\'s add-on comes after CoreDNS moved onto Fargate, configured to stay there', async () => {
  const handle = await start(specOf('core-fargate', {
    nodeGroups: [], fargateProfiles: [{ name: 'system', selectors: [{ namespace: 'kube-system' }] }], eksAddons: { coredns: {}, 'kube-proxy': {} },
  }));
  const progress = await ready('core-fargate', handle);
  const step = (id: string) => progress.steps.find((s) => s.id === id)!;
  assert.ok(Date.parse(step('eks:addon/coredns').startedAt!) >= Date.parse(step('k8s:coredns-on-fargate').endedAt!), 'after CoreDNS is on Fargate');
  const coredns = await bed.cloud.aws.eks.describeAddon('core-fargate', 'coredns');
  assert.equal(coredns?.status, 'ACTIVE');
  assert.deepEqual(JSON.parse(coredns!.configurationValues!), { computeType: 'Fargate' });
  await handle.signal(teardownSignal, { reason: 'test over' });
  await handle.result();
  assert.deepEqual(await leftOf('core-fargate'), { clusters: [], roles: [], vpc: undefined });
});
