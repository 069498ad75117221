import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { apiWithoutTemporalPerFile } from '../support/api';

// Bad serviceAccounts entries, refused at the edge: each a 400 that names the field, says what
// is wrong and what to do instead. The Temporal client points nowhere (as in plans.test.ts): a
// request that got past validation to start a run would fail as a 5xx, not a 400.
const noTemporal = apiWithoutTemporalPerFile();

const base = {
  name: 'shop', region: 'us-east-1', network: { vpc: { availabilityZones: 2 } },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
  image: { uri: 'public.ecr.aws/nginx/nginx:1.27' }, addons: { 'aws-load-balancer-controller': {} },
  app: { name: 'shop', containerPort: 80, serviceAccount: 'reader' },
};
const reader = { namespace: 'shop', name: 'reader', identity: 'irsa', managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] };
const post = (url: string, payload: unknown) => noTemporal.bed.as('teamA', {
  method: 'POST', url, headers: { 'content-type': typeof payload === 'string' ? 'application/yaml' : 'application/json' },
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
});

interface Refusal { error: string; message: string; errors: { path: string; message: string }[] }

test('a valid spec with service accounts is planned: the bad ones below break only what they say', async () => {
  const response = await post('/v1/plans', { ...base, serviceAccounts: [reader] });
  assert.equal(response.statusCode, 200, response.body);
});

const cases: { label: string; spec: unknown; error: string; path: string; message: RegExp }[] = [
  { label: 'an unknown identity', spec: { ...base, serviceAccounts: [{ ...reader, identity: 'oidc' }] }, error: 'InvalidSpec',
    path: '/serviceAccounts/0/identity', message: /^must be one of irsa, pod-identity$/ },
  { label: 'no permission at all', spec: { ...base, serviceAccounts: [{ namespace: 'shop', name: 'reader', identity: 'irsa' }] }, error: 'InvalidSpec',
    path: '/serviceAccounts/0', message: /^grants nothing: give managedPolicyArns, inlinePolicy or wellKnownPolicies, or roleArn \(a role of your own\)$/ },
  { label: 'one ServiceAccount twice', spec: { ...base, serviceAccounts: [reader, { ...reader, identity: 'pod-identity' }] }, error: 'InvalidSpec',
    path: '/serviceAccounts/1/name', message: /^shop\/reader is already listed at \/serviceAccounts\/0; one entry per ServiceAccount$/ },
  { label: 'a policy name for a policy ARN', spec: { ...base, serviceAccounts: [{ ...reader, managedPolicyArns: ['ReadOnlyAccess'] }] }, error: 'InvalidSpec',
    path: '/serviceAccounts/0/managedPolicyArns/0', message: /^Expected string to match .*\(an IAM policy ARN, such as arn:aws:iam::aws:policy\/ReadOnlyAccess/ },
  { label: 'a namespace that is no DNS label', spec: { ...base, app: { name: 'shop', containerPort: 80 }, serviceAccounts: [{ ...reader, namespace: 'Shop' }] }, error: 'InvalidSpec',
    path: '/serviceAccounts/0/namespace', message: /\(a DNS-1123 label: lower-case letters, digits and dashes, ≤ 63 characters; made if missing\)$/ },
  { label: 'an eksctl policy eksctl does not have', spec: { ...base, serviceAccounts: [{ ...reader, wellKnownPolicies: ['s3Reader'] }] }, error: 'InvalidSpec',
    path: '/serviceAccounts/0/wellKnownPolicies/0', message: /^must be one of imageBuilder, autoScaler, awsLoadBalancerController, externalDNS, certManager, ebsCSIController, efsCSIController$/ },
  { label: 'an app running as an unlisted ServiceAccount', spec: { ...base, app: { ...base.app, serviceAccount: 'writer' }, serviceAccounts: [reader] }, error: 'InvalidSpec',
    path: '/app/serviceAccount', message: /^shop\/writer is not in serviceAccounts; list it there \(in the app's namespace shop\)$/ },
  { label: 'Pod Identity with Fargate alone', spec: { ...base, nodeGroups: [], fargateProfiles: [{ name: 'apps', selectors: [{ namespace: 'shop' }] }], serviceAccounts: [{ ...reader, identity: 'pod-identity' }] },
    error: 'InvalidPlan', path: '/serviceAccounts/0/identity', message: /^EKS Pod Identity works only on EC2 nodes and this environment has Fargate profiles alone; use irsa, or add a node group$/ },
  { label: 'an add-on\'s own ServiceAccount', spec: { ...base, app: { name: 'shop', containerPort: 80 }, serviceAccounts: [{ ...reader, namespace: 'kube-system', name: 'aws-load-balancer-controller' }] }, error: 'InvalidPlan',
    path: '/serviceAccounts/0/name', message: /^kube-system\/aws-load-balancer-controller is the ServiceAccount of the aws-load-balancer-controller add-on, which eksflow gives its own IRSA role; remove this entry$/ },
];

test('each bad serviceAccounts entry is a 400 naming the field, the reason and the way out, for a plan and for an environment alike', async () => {
  for (const { label, spec, error, path, message } of cases) {
    for (const url of ['/v1/plans', '/v1/environments']) {
      const response = await post(url, spec);
      assert.equal(response.statusCode, 400, `${label} at ${url}: ${response.body}`);
      const body = response.json<Refusal>();
      assert.equal(body.error, error, `${label} at ${url}`);
      const found = body.errors?.find((e) => e.path === path);
      assert.ok(found, `${label} at ${url}: ${path} in ${response.body}`);
      assert.match(found.message, message, label);
      assert.equal(body.errors.length, 1, `${label}: nothing else refused: ${response.body}`);
    }
  }
});

test('in an eksctl ClusterConfig, the same refusals come at its own paths and in its own words', async () => {
  const config = {
    apiVersion: 'eksctl.io/v1alpha5', kind: 'ClusterConfig', metadata: { name: 'demo', region: 'us-east-1', version: '1.35' },
    managedNodeGroups: [{ name: 'general', desiredCapacity: 2 }],
    iam: {
      withOIDC: true,
      serviceAccounts: [{ metadata: { name: 'reader', namespace: 'shop' } }],
      podIdentityAssociations: [
        { namespace: 'shop', serviceAccountName: 'cache', permissionPolicyARNs: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] },
        { namespace: 'shop', serviceAccountName: 'cache', wellKnownPolicies: { imageBuilder: true } },
      ],
    },
  };
  for (const url of ['/v1/plans', '/v1/environments']) {
    const response = await post(url, stringify(config));
    assert.equal(response.statusCode, 400, response.body);
    assert.deepEqual(response.json<Refusal>().errors, [
      { path: '/iam/serviceAccounts/0', message: 'grants nothing: give attachPolicyARNs, attachPolicy or wellKnownPolicies, or attachRoleARN (a role of your own)' },
      { path: '/iam/podIdentityAssociations/1/serviceAccountName', message: 'shop/cache is already listed at /iam/podIdentityAssociations/0; one entry per ServiceAccount (got "cache")' },
    ], url);
  }
});
