import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import type { EnvironmentView } from '../../src/api/environments/view';
import type { ChangeProgress, Progress } from '../../src/workflows/messages';
import { apiFor, type ApiBed } from '../support/api';
import { waitFor } from '../support/process';
import { simWorkerBed } from '../support/sim-worker-bed';

// ServiceAccounts with an AWS identity changed on a live environment through the API, on the
// simulated cloud, as eksctl's create / delete iamserviceaccount and podidentityassociation do:
// added (the Pod Identity agent with the first such one), replaced when changed, removed — the
// role, the ServiceAccount and the association each made and deleted, and teardown leaves none.

const taskQueue = 'apply-workload-identity-on-sim';
const bed = simWorkerBed({ speedup: 100, seed: 'apply-workload-identity', taskQueue });
let api: ApiBed;
test.after(() => api?.api.close());
const get = async (name: string) => (await api.as('teamA', { method: 'GET', url: `/v1/environments/${name}` })).json<EnvironmentView & { progress?: Progress }>();

test('service accounts added, replaced and removed by apply: roles, ServiceAccounts and Pod Identity associations follow the spec', async () => {
  api = await apiFor(bed.server.env.client, { EKSFLOW_TASK_QUEUE: taskQueue });
  const name = 'identities';
  const spec = {
    name, region: 'us-east-1', kubernetesVersion: '1.35',
    network: { vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'single' } },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
  };
  const created = await api.as('teamA', { method: 'POST', url: '/v1/environments', payload: spec });
  assert.equal(created.statusCode, 202, created.body);
  await waitFor(`${name} ready`, async () => (await get(name)).phase === 'ready', { timeoutMs: 180_000, intervalMs: 300 });
  const apply = async (serviceAccounts: unknown[]) => {
    const accepted = await api.as('teamA', { method: 'PUT', url: `/v1/environments/${name}`, payload: { ...spec, serviceAccounts } });
    assert.equal(accepted.statusCode, 202, accepted.body);
    const id = accepted.json<{ changeId: string }>().changeId;
    const change = await waitFor(`change ${id}`, async () => {
      const progress = (await get(name)).progress?.change;
      return progress?.id === id && progress.state !== 'running' && progress;
    }, { timeoutMs: 180_000, intervalMs: 300 }) as ChangeProgress;
    assert.equal(change.state, 'applied', JSON.stringify(change));
    return change.steps.map((step) => step.id);
  };
  const aws = bed.cloud.aws;
  const core = (await bed.cloud.deps.kube.forCluster(name)).makeApiClient(CoreV1Api);
  const annotation = async (sa: string) => (await core.readNamespacedServiceAccount({ name: sa, namespace: 'shop' }).catch(() => undefined))?.metadata?.annotations?.['eks.amazonaws.com/role-arn'];
  const association = async (sa: string) => (await aws.eks.listPodIdentityAssociations(name)).find((a) => a.namespace === 'shop' && a.serviceAccount === sa);
  const irsa = { namespace: 'shop', name: 'orders', identity: 'irsa', managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] };
  const pods = { namespace: 'shop', name: 'payments', identity: 'pod-identity', managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonSQSFullAccess'] };

  assert.deepEqual((await apply([irsa, pods])).sort(), [
    'eks:addon/eks-pod-identity-agent', 'eks:pod-identity-association/shop/payments', 'iam:workload-role/shop/orders', 'iam:workload-role/shop/payments',
    'k8s:service-account/shop/orders', 'k8s:service-account/shop/payments',
  ]);
  const ordersRole = await annotation('orders');
  assert.match(ordersRole ?? '', /^arn:aws:iam::\d{12}:role\//);
  assert.deepEqual(await aws.iam.attachedPolicies(ordersRole!.split('/').pop()!), ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess']);
  assert.ok(await association('payments'), 'payments is associated with its role');

  // orders' policies changed (replaced: removed, made again); payments removed.
  assert.deepEqual(await apply([{ ...irsa, managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3FullAccess'] }]), [
    'k8s:service-account-remove/shop/orders', 'k8s:service-account-remove/shop/payments', 'iam:workload-role/shop/orders', 'k8s:service-account/shop/orders',
  ]);
  assert.deepEqual(await aws.iam.attachedPolicies(ordersRole!.split('/').pop()!), ['arn:aws:iam::aws:policy/AmazonS3FullAccess']);
  assert.equal(await association('payments'), undefined);
  assert.equal(await annotation('payments'), undefined);
  assert.ok(!(aws.iam.roleNames()).some((role) => role.includes('payments')), 'payments\' role deleted');

  assert.equal((await api.as('teamA', { method: 'DELETE', url: `/v1/environments/${name}` })).statusCode, 202);
  await waitFor(`${name} torn down`, async () => (await get(name)).status !== 'running', { timeoutMs: 180_000, intervalMs: 300 });
  assert.deepEqual(aws.iam.roleNames().filter((role) => role.startsWith(name)), []);
});
