import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { workflowIdFor } from '../../src/api/environments/identity';
import { apiFor, type ApiBed } from '../support/api';
import { devServer, type DevServer } from '../support/temporal';

// A tenant's default principals (EKSFLOW_TENANT_ACCESS) join every environment it requests,
// visibly: in the plan, in the spec the run starts with and GET shows; another tenant's
// requests are untouched; bad access input is a 400 naming the field, the reason and the way out.
// The Temporal dev server is real; no worker polls its queue, so a started run waits, unchanged.

const platformAdmin = 'arn:aws:iam::111122223333:role/team-a-platform-admin';
const auditor = 'arn:aws:iam::111122223333:user/audit/bob';
const tenantAccess = JSON.stringify({
  'team-a': [
    { principalArn: platformAdmin, accessPolicies: [{ policy: 'AmazonEKSClusterAdminPolicy' }] },
    { principalArn: auditor, accessPolicies: [{ policy: 'AmazonEKSViewPolicy', scope: 'namespace', namespaces: ['web', 'dev-*'] }] },
  ],
});

let server: DevServer;
let bed: ApiBed;
before(async () => {
  server = await devServer();
  bed = await apiFor(server.env.client, { EKSFLOW_TENANT_ACCESS: tenantAccess, EKSFLOW_TASK_QUEUE: 'tenant-access-no-worker' });
});
after(async () => {
  await bed?.api.close();
  await server?.teardown();
});

const specNamed = (name: string, overrides: Record<string, unknown> = {}) => ({
  name, region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }], ...overrides,
});
const post = (caller: 'teamA' | 'teamB' | 'teamAViewer', url: string, spec: unknown) =>
  bed.as(caller, { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(spec) });
const accessSteps = (plan: { steps: { id: string; kind: string; title: string }[] }) => plan.steps.filter((s) => s.kind === 'access-entry').map((s) => s.title);

test('a tenant\'s default principals are in the plan of every environment it asks for; another tenant\'s plans are untouched', async () => {
  const planned = await post('teamAViewer', '/v1/plans', specNamed('defaults'));
  assert.equal(planned.statusCode, 200, planned.body);
  assert.deepEqual(accessSteps(planned.json()), [`grant ${platformAdmin}: ClusterAdmin on the cluster`, `grant ${auditor}: View on web, dev-*`]);

  const other = await post('teamB', '/v1/plans', specNamed('defaults'));
  assert.equal(other.statusCode, 200, other.body);
  assert.deepEqual(accessSteps(other.json()), []);

  // The request's own entry for a default principal is kept as asked; its other principals are added to.
  const own = await post('teamAViewer', '/v1/plans', specNamed('defaults', {
    access: { entries: [{ principalArn: auditor, accessPolicies: [{ policy: 'AmazonEKSEditPolicy', scope: 'namespace', namespaces: ['web'] }] }, { principalArn: 'arn:aws:iam::111122223333:role/web-dev', kubernetesGroups: ['web-devs'] }] },
  }));
  assert.equal(own.statusCode, 200, own.body);
  assert.deepEqual(accessSteps(own.json()), [`grant ${auditor}: Edit on web`, 'grant arn:aws:iam::111122223333:role/web-dev: groups web-devs', `grant ${platformAdmin}: ClusterAdmin on the cluster`]);
});

test('the run starts with the defaults in its spec, and GET shows them', async () => {
  const created = await post('teamA', '/v1/environments', specNamed('granted'));
  assert.equal(created.statusCode, 202, created.body);
  const view = (await bed.as('teamA', { method: 'GET', url: '/v1/environments/granted' })).json<{ spec: { access?: { authenticationMode: string; entries: { principalArn: string }[] } } }>();
  assert.equal(view.spec.access?.authenticationMode, 'API_AND_CONFIG_MAP');
  assert.deepEqual(view.spec.access?.entries.map((e) => e.principalArn), [platformAdmin, auditor]);
  // The same request again is the same environment (the defaults are applied the same way), not a conflict.
  const again = await post('teamA', '/v1/environments', specNamed('granted'));
  assert.equal(again.statusCode, 202, again.body);
  assert.equal(again.json<{ created: boolean }>().created, false);
  await server.env.client.workflow.getHandle(workflowIdFor('team-a', 'granted')).terminate('test done');
});

test('bad access input is a 400 naming the field, the reason and the way out', async () => {
  const response = await post('teamA', '/v1/environments', specNamed('bad-access', {
    access: {
      entries: [
        { principalArn: 'arn:aws:iam::111122223333:group/admins', accessPolicies: [{ policy: 'AmazonEKSViewPolicy' }] },
        { principalArn: platformAdmin, accessPolicies: [{ policy: 'AmazonEKSRootPolicy' }] },
        { principalArn: auditor, accessPolicies: [{ policy: 'AmazonEKSViewPolicy', scope: 'namespace' }] },
      ],
    },
  }));
  assert.equal(response.statusCode, 400, response.body);
  const body = response.json<{ error: string; errors: { path: string; message: string }[] }>();
  assert.equal(body.error, 'InvalidSpec');
  const at = Object.fromEntries(body.errors.map((e) => [e.path, e.message]));
  assert.match(at['/access/entries/0/principalArn']!, /an IAM user or role ARN \(arn:aws:iam::111122223333:role\/team-admin\)/);
  assert.match(at['/access/entries/1/accessPolicies/0/policy']!, /must be one of AmazonEKSClusterAdminPolicy, AmazonEKSAdminPolicy, AmazonEKSEditPolicy, AmazonEKSViewPolicy/);
  assert.match(at['/access/entries/2/accessPolicies/0/namespaces']!, /a namespace scope needs the namespaces it applies in: list them in namespaces, or set scope to cluster/);
  const { count } = await server.env.client.workflow.count(`WorkflowId = '${workflowIdFor('team-a', 'bad-access')}'`);
  assert.equal(count, 0, 'nothing was started');
});

test('a bad EKSFLOW_TENANT_ACCESS stops the API from starting, naming the tenant and the field', async () => {
  await assert.rejects(apiFor(server.env.client, { EKSFLOW_TENANT_ACCESS: JSON.stringify({ 'team-a': [{ principalArn: platformAdmin, accessPolicies: [{ policy: 'AmazonEKSViewPolicy', scope: 'namespace' }] }] }) }),
    /EKSFLOW_TENANT_ACCESS: \/team-a\/0\/accessPolicies\/0\/namespaces a namespace scope needs the namespaces/);
  await assert.rejects(apiFor(server.env.client, { EKSFLOW_TENANT_ACCESS: '{"team-a": [{"principalArn": "nobody"}]}' }), /EKSFLOW_TENANT_ACCESS: \/team-a\/0\/principalArn/);
  await assert.rejects(apiFor(server.env.client, { EKSFLOW_TENANT_ACCESS: 'team-a=arn' }), /EKSFLOW_TENANT_ACCESS is not JSON/);
});
