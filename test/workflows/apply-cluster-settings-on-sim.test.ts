import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { test } from 'node:test';
import type { EnvironmentView } from '../../src/api/environments/view';
import type { ChangeProgress, Progress } from '../../src/workflows/messages';
import { apiFor, type ApiBed } from '../support/api';
import { waitFor } from '../support/process';
import { eksctlExamplesDir } from '../support/paths';
import { simWorkerBed } from '../support/sim-worker-bed';

// eksctl's example 38 is the input of `eksctl utils update-cluster-vpc-config`: it changes a live
// cluster's endpoint access, public CIDRs, and the control plane's subnets and security groups.
// Here a cluster made from the same ClusterConfig without those lines is changed by applying the
// example itself (its placeholder IDs replaced by the live VPC's), through the API, on the
// simulated cloud: one change, two cluster updates one after the other.

const taskQueue = 'apply-cluster-settings-on-sim';
const bed = simWorkerBed({ speedup: 100, seed: 'apply-cluster-settings', taskQueue });
let api: ApiBed;
const withApi = async () => (api ??= await apiFor(bed.server.env.client, { EKSFLOW_TASK_QUEUE: taskQueue }));
test.after(() => api?.api.close());

const example = readFileSync(join(eksctlExamplesDir, '38-cluster-subnets-sgs.yaml'), 'utf8');
const asYaml = (method: 'POST' | 'PUT', url: string, text: string) => api.as('teamA', { method, url, payload: text, headers: { 'content-type': 'application/yaml' } });
const get = async (name: string) => (await api.as('teamA', { method: 'GET', url: `/v1/environments/${name}` })).json<EnvironmentView & { progress?: Progress }>();

const changeEnded = (name: string, id: string): Promise<ChangeProgress> => waitFor(`change ${id} of ${name} to end`, async () => {
  const change = (await get(name)).progress?.change;
  return change?.id === id && change.state !== 'running' && change;
}, { timeoutMs: 180_000, intervalMs: 300 });

test('eksctl\'s update-cluster-vpc-config example, applied to the live cluster: endpoint access and public CIDRs, then the control plane\'s subnets and security groups; and back, with zonal shift and a control-plane tier', async () => {
  await withApi();
  const name = 'cluster-38';
  // The cluster as it was made: the example without the lines update-cluster-vpc-config changes.
  const made = example.split('\n').filter((line) => !/controlPlane(SubnetIDs|SecurityGroupIDs)|clusterEndpoints|publicAccess|privateAccess|publicAccessCIDRs/.test(line)).join('\n');
  const created = await asYaml('POST', '/v1/environments', made);
  assert.equal(created.statusCode, 202, created.body);
  await waitFor(`${name} ready`, async () => {
    const view = await get(name);
    if (view.phase === 'rolled-back' || view.phase === 'failed') throw new Error(`${name} ${view.phase}`);
    return view.phase === 'ready';
  }, { timeoutMs: 180_000, intervalMs: 300 });

  const aws = bed.cloud.aws.forRegion('us-west-2');
  const cluster = (await aws.eks.describeCluster(name))!;
  assert.deepEqual(cluster.settings?.endpointAccess, { public: true, private: false, publicAccessCidrs: ['0.0.0.0/0'] }, 'EKS\'s defaults at creation');
  // What the example's placeholders stand for: two of the VPC's private subnets (the control plane
  // was made in all of its subnets, as eksctl makes it) and two security groups made in the VPC.
  const subnets = aws.vpc.parts().subnets.filter((subnet) => subnet.vpcId === cluster.vpcId && 'kubernetes.io/role/internal-elb' in subnet.tags).map((subnet) => subnet.id);
  assert.ok(subnets.length >= 2 && cluster.subnetIds!.length > 2, `the control plane is in ${cluster.subnetIds!.join(', ')}; private subnets: ${subnets.join(', ')}`);
  const groups = [aws.network.addSecurityGroup({ name: 'cp-1', vpcId: cluster.vpcId!, tags: {} }), aws.network.addSecurityGroup({ name: 'cp-2', vpcId: cluster.vpcId!, tags: {} })];
  const applied = example.replace('[subnet-1234, subnet-5678]', `[${subnets.slice(0, 2).join(', ')}]`).replace('[sg-1234, sg-5678]', `[${groups.join(', ')}]`);

  const preview = await asYaml('POST', '/v1/plans?change=auto', applied);
  assert.equal(preview.statusCode, 200, preview.body);
  assert.deepEqual(preview.json<{ steps: { id: string }[] }>().steps.map((step) => step.id), ['eks:cluster-endpoint-access', 'eks:cluster-vpc-config']);
  const accepted = await asYaml('PUT', `/v1/environments/${name}`, applied);
  assert.equal(accepted.statusCode, 202, accepted.body);
  const { changeId } = accepted.json<{ changeId: string }>();
  const change = await changeEnded(name, changeId);
  assert.equal(change.state, 'applied', JSON.stringify(change));

  const after = (await aws.eks.describeCluster(name))!;
  assert.deepEqual(after.settings?.endpointAccess, { public: true, private: true, publicAccessCidrs: ['1.1.1.1/32'] });
  assert.deepEqual([after.subnetIds, after.securityGroupIds], [subnets.slice(0, 2), groups]);
  // The same input again: nothing to change.
  const again = await asYaml('PUT', `/v1/environments/${name}`, applied);
  assert.equal(again.statusCode, 200, again.body);

  // Back to the ClusterConfig it was made from: the control plane in the subnets it was created
  // in, with no security groups of the user's, which the user can then delete (a VPC with them
  // in it cannot be: teardown would stop at DeleteVpc's DependencyViolation, naming one).
  // eksctl's zonalShiftConfig and controlPlaneScalingConfig (examples 41, 46) changed in the same apply.
  const reverted = await asYaml('PUT', `/v1/environments/${name}`, `${made}\nzonalShiftConfig:\n  enabled: true\ncontrolPlaneScalingConfig:\n  tier: tier-xl\n`);
  assert.equal(reverted.statusCode, 202, reverted.body);
  const back = await changeEnded(name, reverted.json<{ changeId: string }>().changeId);
  assert.equal(back.state, 'applied', JSON.stringify(back));
  const restored = (await aws.eks.describeCluster(name))!;
  assert.deepEqual([restored.subnetIds, restored.securityGroupIds, restored.settings?.endpointAccess], [cluster.subnetIds, [], cluster.settings?.endpointAccess]);
  assert.deepEqual(back.steps.map((step) => step.id), ['eks:cluster-endpoint-access', 'eks:cluster-vpc-config', 'eks:cluster-setting/zonalShift', 'eks:cluster-setting/controlPlaneTier']);
  assert.deepEqual([restored.settings?.zonalShift, restored.settings?.controlPlaneTier], [true, 'tier-xl']);
  for (const group of groups) aws.network.removeSecurityGroup(group);

  assert.equal((await api.as('teamA', { method: 'DELETE', url: `/v1/environments/${name}` })).statusCode, 202);
  await waitFor(`${name} torn down`, async () => (await get(name)).status !== 'running', { timeoutMs: 180_000, intervalMs: 300 });
  const left = aws.inventory();
  assert.deepEqual([...left.clusters, ...left.vpcs], [], JSON.stringify(left));
});

test('secrets encryption switched on for a live environment (eksctl utils enable-secrets-encryption): eksflow\'s key, the cluster role allowed it, Secrets written again; turning it off is refused', async () => {
  await withApi();
  const name = 'encrypt-later';
  const spec = {
    name, region: 'us-east-1', kubernetesVersion: '1.35',
    network: { vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'single' } },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
  };
  const created = await api.as('teamA', { method: 'POST', url: '/v1/environments', payload: spec });
  assert.equal(created.statusCode, 202, created.body);
  await waitFor(`${name} ready`, async () => (await get(name)).phase === 'ready', { timeoutMs: 180_000, intervalMs: 300 });
  const aws = bed.cloud.aws;
  const core = (await bed.cloud.deps.kube.forCluster(name)).makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'shop' } } });
  for (const secret of ['db', 'api-key']) await core.createNamespacedSecret({ namespace: 'shop', body: { metadata: { name: secret }, stringData: { value: secret } } });
  const secretsBefore = (await core.listSecretForAllNamespaces()).items.length;

  const accepted = await api.as('teamA', { method: 'PUT', url: `/v1/environments/${name}`, payload: { ...spec, secretsEncryption: {} } });
  assert.equal(accepted.statusCode, 202, accepted.body);
  const change = await changeEnded(name, accepted.json<{ changeId: string }>().changeId);
  assert.equal(change.state, 'applied', JSON.stringify(change));
  assert.deepEqual(change.steps.map((step) => step.id), ['kms:secrets-key', 'eks:cluster-encryption']);
  const key = aws.kms.inventory().find((k) => k.aliases.includes(`alias/eksflow/${name}`));
  assert.ok(key, 'eksflow\'s own key, under its alias');
  assert.equal((await aws.eks.describeCluster(name))?.settings?.secretsKeyArn, key.arn);
  assert.match(await aws.iam.getRolePolicy(`${name}-cluster`, 'secrets-encryption') ?? '', new RegExp(`"Resource":"${key.arn}"`), 'the cluster role may use the key');
  assert.equal(change.steps[1]!.detail, `Secrets encrypted with ${key.arn}; ${secretsBefore} existing Secrets written again`);

  // EKS cannot turn it off: refused at its path, with the way out; nothing starts.
  const off = await api.as('teamA', { method: 'PUT', url: `/v1/environments/${name}`, payload: spec });
  assert.equal(off.statusCode, 409, off.body);
  assert.match(off.json<{ errors: { path: string; message: string }[] }>().errors.find((e) => e.path === '/secretsEncryption')?.message ?? '', /cannot turn off envelope encryption/);

  assert.equal((await api.as('teamA', { method: 'DELETE', url: `/v1/environments/${name}` })).statusCode, 202);
  await waitFor(`${name} torn down`, async () => (await get(name)).status !== 'running', { timeoutMs: 180_000, intervalMs: 300 });
  assert.ok(aws.kms.inventory().find((k) => k.keyId === key.keyId)?.deletionDate, 'the key the change made is scheduled for deletion at teardown');
});

test('an OIDC identity provider associated by apply, replaced when it changes (disassociated, then associated again) and disassociated, as eksctl\'s (dis)associate identityprovider', async () => {
  await withApi();
  const name = 'oidc-later';
  const spec = {
    name, region: 'us-east-1', kubernetesVersion: '1.35',
    network: { vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'none' } },
    fargateProfiles: [{ name: 'all', selectors: [{ namespace: 'default' }, { namespace: 'kube-system' }] }],
  };
  const created = await api.as('teamA', { method: 'POST', url: '/v1/environments', payload: spec });
  assert.equal(created.statusCode, 202, created.body);
  await waitFor(`${name} ready`, async () => (await get(name)).phase === 'ready', { timeoutMs: 180_000, intervalMs: 300 });
  const aws = bed.cloud.aws;
  const provider = { name: 'corp', issuerUrl: 'https://idp.example.com', clientId: 'kubernetes', usernameClaim: 'email' };
  const apply = async (identityProviders: unknown[]) => {
    const accepted = await api.as('teamA', { method: 'PUT', url: `/v1/environments/${name}`, payload: { ...spec, identityProviders } });
    assert.equal(accepted.statusCode, 202, accepted.body);
    const change = await changeEnded(name, accepted.json<{ changeId: string }>().changeId);
    assert.equal(change.state, 'applied', JSON.stringify(change));
    return change.steps.map((step) => step.id);
  };
  const describe = async () => aws.eks.describeIdentityProviderConfig(name, 'corp');

  assert.deepEqual(await apply([provider]), ['eks:identity-provider/corp']);
  assert.deepEqual([(await describe())?.status, (await describe())?.clientId], ['ACTIVE', 'kubernetes']);
  assert.deepEqual(await apply([{ ...provider, clientId: 'k8s' }]), ['eks:identity-provider-remove/corp', 'eks:identity-provider/corp']);
  assert.deepEqual([(await describe())?.status, (await describe())?.clientId], ['ACTIVE', 'k8s']);
  assert.deepEqual(await apply([]), ['eks:identity-provider-remove/corp']);
  assert.equal((await describe())?.status ?? 'NOT_FOUND', 'NOT_FOUND');

  assert.equal((await api.as('teamA', { method: 'DELETE', url: `/v1/environments/${name}` })).statusCode, 202);
  await waitFor(`${name} torn down`, async () => (await get(name)).status !== 'running', { timeoutMs: 180_000, intervalMs: 300 });
  assert.deepEqual(aws.inventory().clusters, []);
});
