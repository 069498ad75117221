import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { bodyLimitBytes } from '../../src/api/request-spec';
import { EnvironmentSpec } from '../../src/domain/environment-spec';
import { localImageSources, schemaMutations } from '../fixtures/malformed-specs';
import { apiFor, type ApiBed } from '../support/api';
import { devServer, type DevServer } from '../support/temporal';

// Hundreds of bad requests, made from the schema rather than by hand, against the API on a
// real Temporal server: each must be a 4xx a person can act on, none a 5xx, and not one may
// start a workflow. No worker runs: a run started by mistake would sit there to be counted.

let server: DevServer;
let bed: ApiBed;
before(async () => {
  server = await devServer();
  bed = await apiFor(server.env.client, { EKSFLOW_TASK_QUEUE: 'malformed', API_RATE_LIMIT: '100000' });
});
after(async () => {
  await bed?.api.close();
  await server?.teardown();
});

// Two valid requests that between them reach every field: existing subnets and an image by
// URI; a VPC to create and an image to import.
const everyAddon = {
  'aws-load-balancer-controller': {}, 'metrics-server': { method: 'helm' }, dashboard: { kind: 'headlamp' },
  cloudwatch: { mode: 'fluent-bit', method: 'helm', logRetentionDays: 14 }, 'vertical-pod-autoscaler': {}, 'cluster-autoscaler': {},
};
const app = {
  name: 'awesomebuilder', namespace: 'web', replicas: 2, containerPort: 5000, servicePort: 80, scheme: 'internet-facing',
  requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' }, env: { MODE: 'demo' },
  healthCheck: { path: '/health', port: 5000 }, hpa: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 50 }, vpa: { updateMode: 'Off' },
};
const withSubnets = {
  name: 'awesomebuilder-container', region: 'us-east-1', kubernetesVersion: '1.35', tags: { team: 'platform' },
  network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: ['sg-0123456789abcdef0'] },
  controlPlaneLogging: ['api', 'audit'],
  nodeGroups: [
    { name: 'on-demand', instanceTypes: ['m5.large'], capacityType: 'ON_DEMAND', minSize: 1, desiredSize: 2, maxSize: 4, diskSize: 20, amiType: 'AL2023_x86_64_STANDARD',
      labels: { tier: 'web' }, taints: [{ key: 'dedicated', value: 'web', effect: 'NO_SCHEDULE' }], sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5vdC1hLXJlYWwta2V5 me@example' },
  ],
  fargateProfiles: [{ name: 'batch', selectors: [{ namespace: 'batch', labels: { runs: 'fargate' } }] }],
  image: { uri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/awesomebuilder:1' },
  app, addons: everyAddon, autoscaling: { verify: 'passive' }, onFailure: 'rollback', ttl: '8h',
};
const withVpc = {
  ...withSubnets, name: 'vpc-and-import',
  network: { vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, zones: ['us-east-1a', 'us-east-1b'], natGateway: 'single' } },
  image: { import: { source: 'docker.io/library/nginx:1.27', repository: 'team/awesomebuilder', tag: 'v1' } },
};

interface Sent { label: string; status: number; body: string }
const sent: Sent[] = [];

async function send(label: string, options: { method?: 'GET' | 'POST' | 'DELETE'; url?: string; contentType?: string; payload?: string; headers?: Record<string, string> }) {
  const response = await bed.as('teamA', {
    method: options.method ?? 'POST', url: options.url ?? '/v1/environments',
    headers: { ...(options.contentType !== undefined ? { 'content-type': options.contentType } : {}), ...options.headers },
    ...(options.payload !== undefined ? { payload: options.payload } : {}),
  });
  sent.push({ label, status: response.statusCode, body: response.body });
  return response;
}

test('the two base requests are valid: every mutation below breaks exactly what it says', async () => {
  for (const spec of [withSubnets, withVpc]) {
    const response = await send('valid base (planned, not started)', { url: '/v1/plans', contentType: 'application/json', payload: JSON.stringify(spec) });
    assert.equal(response.statusCode, 200, response.body);
  }
  sent.length = 0;
});

test('specs broken one field at a time, as the schema allows: each is a 400 naming the field', async () => {
  const mutations = [...schemaMutations(EnvironmentSpec, withSubnets), ...schemaMutations(EnvironmentSpec, withVpc)];
  assert.ok(mutations.length >= 250, `only ${mutations.length} mutations`);
  const rules = [
    { label: 'minSize above maxSize', spec: { ...withSubnets, nodeGroups: [{ ...withSubnets.nodeGroups[0], minSize: 5, desiredSize: 5, maxSize: 4 }] } },
    { label: 'desiredSize above maxSize', spec: { ...withSubnets, nodeGroups: [{ ...withSubnets.nodeGroups[0], desiredSize: 9 }] } },
    { label: 'desiredSize below minSize', spec: { ...withSubnets, nodeGroups: [{ ...withSubnets.nodeGroups[0], minSize: 2, desiredSize: 1 }] } },
    { label: 'hpa min above max', spec: { ...withSubnets, app: { ...app, hpa: { minReplicas: 9, maxReplicas: 3 } } } },
    { label: 'replicas outside the hpa', spec: { ...withSubnets, app: { ...app, replicas: 20 } } },
    { label: 'subnets and a vpc', spec: { ...withSubnets, network: { ...withSubnets.network, ...withVpc.network } } },
    { label: 'no network at all', spec: { ...withSubnets, network: {} } },
    { label: 'zones outside the region', spec: { ...withVpc, network: { vpc: { zones: ['eu-west-1a', 'eu-west-1b'] } } } },
    { label: 'an image by uri and by import', spec: { ...withSubnets, image: { ...withSubnets.image, ...withVpc.image } } },
    { label: 'an app without an image', spec: { ...withSubnets, image: undefined } },
    { label: 'nowhere to run pods', spec: { ...withSubnets, nodeGroups: [], fargateProfiles: [] } },
    { label: 'two node groups of one name', spec: { ...withSubnets, nodeGroups: [withSubnets.nodeGroups[0], withSubnets.nodeGroups[0]] } },
    { label: 'an unknown add-on', spec: { ...withSubnets, addons: { ...everyAddon, 'nginx-ingress': {} } } },
    { label: 'another unknown add-on', spec: { ...withSubnets, addons: { istio: { version: '1.2' } } } },
    { label: 'conflicting add-ons', spec: { ...withSubnets, addons: { ...everyAddon, karpenter: {} } } },
    { label: 'an add-on without what it needs', spec: { ...withSubnets, addons: { 'vertical-pod-autoscaler': {} }, app: { ...app, hpa: undefined } } },
    { label: 'hpa without metrics-server', spec: { ...withSubnets, addons: { 'aws-load-balancer-controller': {} } } },
    { label: 'an unsupported Kubernetes version', spec: { ...withSubnets, kubernetesVersion: '1.20' } },
    { label: 'the version as a number', spec: { ...withSubnets, kubernetesVersion: 1.35 } },
    { label: 'a ttl without a unit', spec: { ...withSubnets, ttl: '8' } },
    { label: 'a reserved tag', spec: { ...withSubnets, tags: { 'aws:created-by': 'me' } } },
    { label: 'an eksflow tag', spec: { ...withSubnets, tags: { 'eksflow.io/environment': 'other' } } },
    ...localImageSources.map((source) => ({ label: `an image from the worker's disk (${source})`, spec: { ...withVpc, image: { import: { ...withVpc.image.import, source } } } })),
  ];
  const wrong: string[] = [];
  for (const { label, spec } of [...mutations, ...rules]) {
    const response = await send(label, { contentType: 'application/json', payload: JSON.stringify(spec) });
    const body = response.json<{ error: string; message: string; errors?: { path: string; message: string }[] }>();
    if (response.statusCode !== 400 || !['InvalidSpec', 'InvalidPlan'].includes(body.error) || !(body.errors?.length || body.message.length > 10)) {
      wrong.push(`${label}: ${response.statusCode} ${response.body.slice(0, 160)}`);
    }
  }
  assert.deepEqual(wrong, [], 'every broken spec is a 400 saying what is wrong');
});

test('bodies that are not a spec at all: wrong media types, broken JSON, broken or unsupported YAML, oversized', async () => {
  const json = JSON.stringify(withSubnets);
  const transport: [string, string | undefined, string][] = [
    ['text/plain', 'text/plain', json], ['xml', 'application/xml', '<spec/>'], ['form', 'application/x-www-form-urlencoded', 'name=demo'],
    ['multipart', 'multipart/form-data; boundary=x', '--x\r\n\r\n--x--'], ['octet-stream', 'application/octet-stream', json], ['html', 'text/html', '<p>'],
    ['csv', 'text/csv', 'name,region'], ['no content type', undefined, json], ['garbage content type', 'not a type', json],
    ['empty JSON', 'application/json', ''], ['truncated JSON', 'application/json', json.slice(0, 40)], ['trailing comma', 'application/json', '{"name": "x",}'],
    ['two documents', 'application/json', '{}{}'], ['JSON null', 'application/json', 'null'], ['JSON array', 'application/json', '[]'], ['JSON number', 'application/json', '42'],
    ['JSON string', 'application/json', '"awesomebuilder"'], ['JSON true', 'application/json', 'true'], ['single quotes', 'application/json', "{'name': 'x'}"],
    ['a NUL byte', 'application/json', '{"name": "a\u0000b"}'], ['proto pollution', 'application/json', '{"__proto__": {"admin": true}, "name": "x"}'],
    ['constructor pollution', 'application/json', '{"constructor": {"prototype": {"admin": true}}}'], ['deep nesting', 'application/json', `${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['oversized JSON', 'application/json', JSON.stringify({ ...withSubnets, tags: { padding: 'x'.repeat(bodyLimitBytes) } })],
    ['oversized YAML', 'application/yaml', `# ${'x'.repeat(bodyLimitBytes)}\n`],
    ['broken YAML', 'application/yaml', 'apiVersion: [unclosed'], ['bad indentation', 'application/yaml', 'kind: ClusterConfig\n metadata:\nname: x\n'],
    ['tabs', 'application/yaml', 'kind: ClusterConfig\nmetadata:\n\tname: x\n'], ['two YAML documents', 'application/yaml', 'kind: ClusterConfig\n---\nkind: ClusterConfig\n'],
    ['YAML scalar', 'application/yaml', 'just text'], ['YAML list', 'application/yaml', '- a\n- b\n'], ['empty YAML', 'application/yaml', ''],
    ['alias bomb', 'application/yaml', `a: &a [x,x,x,x,x,x,x,x,x]\n${Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`).join('\n')}\n`],
    ['a spec sent as YAML', 'application/yaml', stringify(withSubnets)], ['YAML with a binary tag', 'application/yaml', 'kind: !!binary aGVsbG8=\n'],
    ['JSON sent as YAML media type, not a ClusterConfig', 'text/yaml', json],
  ];
  const clusterConfig = { apiVersion: 'eksctl.io/v1alpha5', kind: 'ClusterConfig', metadata: { name: 'demo', region: 'us-east-1', version: '1.35' }, managedNodeGroups: [{ name: 'general', desiredCapacity: 2 }] };
  const refusedInClusterConfig: [string, unknown][] = [
    ['wrong apiVersion', { ...clusterConfig, apiVersion: 'eksctl.io/v1alpha4' }], ['wrong kind', { ...clusterConfig, kind: 'NodeGroup' }],
    ['no metadata', { ...clusterConfig, metadata: undefined }], ['a bad name', { ...clusterConfig, metadata: { ...clusterConfig.metadata, name: 'Bad_Name' } }],
    ['an unknown version', { ...clusterConfig, metadata: { ...clusterConfig.metadata, version: '1.19' } }],
    ['a Windows group with no Linux one', { ...clusterConfig, managedNodeGroups: undefined, nodeGroups: [{ name: 'x', amiFamily: 'WindowsServer2022FullContainer' }] }], ['gitops', { ...clusterConfig, gitops: { flux: {} } }],
    ['karpenter', { ...clusterConfig, karpenter: { version: '1.12.0' } }], ['iam.serviceAccounts', { ...clusterConfig, iam: { serviceAccounts: [{ metadata: { name: 'a' } }] } }],
    ['secretsEncryption', { ...clusterConfig, secretsEncryption: { keyARN: 'arn:aws:kms:us-east-1:1:key/x' } }], ['privateCluster', { ...clusterConfig, privateCluster: { enabled: true } }],
    ['vpc.id', { ...clusterConfig, vpc: { id: 'vpc-1' } }], ['a launch template that is no lt- ID', { ...clusterConfig, managedNodeGroups: [{ name: 'g', launchTemplate: { id: 'template-1' } }] }],
    ['a custom AMI that is no ami- ID', { ...clusterConfig, managedNodeGroups: [{ name: 'g', ami: 'my-image' }] }], ['an add-on version', { ...clusterConfig, addons: [{ name: 'vpc-cni', version: '1.0' }] }],
    ['autoModeConfig', { ...clusterConfig, autoModeConfig: { enabled: true } }], ['an unknown top-level field', { ...clusterConfig, surprise: true }],
    ['minSize above maxSize', { ...clusterConfig, managedNodeGroups: [{ name: 'g', minSize: 5, maxSize: 2 }] }],
    ['a string for a number', { ...clusterConfig, managedNodeGroups: [{ name: 'g', desiredCapacity: 'two' }] }],
  ];
  for (const [label, contentType, payload] of transport) {
    const response = await send(label, { ...(contentType !== undefined ? { contentType } : {}), payload });
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${label}: ${response.statusCode} ${response.body.slice(0, 200)}`);
  }
  for (const [label, config] of refusedInClusterConfig) {
    const response = await send(`ClusterConfig: ${label}`, { contentType: 'application/yaml', payload: stringify(config) });
    assert.equal(response.statusCode, 400, `${label}: ${response.statusCode} ${response.body.slice(0, 200)}`);
  }
  const oversized = sent.filter((s) => s.label.startsWith('oversized'));
  assert.deepEqual(oversized.map((s) => s.status), [413, 413]);
  assert.ok(sent.filter((s) => ['text/plain', 'xml', 'form', 'csv', 'html'].includes(s.label)).every((s) => s.status === 415));
});

test('bad names in paths, bad query strings, bad headers and bad scale requests are 4xx before they reach a run', async () => {
  const cases: [string, Parameters<typeof send>[1]][] = [
    ['upper-case name', { method: 'GET', url: '/v1/environments/Demo' }], ['underscore name', { method: 'GET', url: '/v1/environments/a_b' }],
    ['dotted name', { method: 'GET', url: '/v1/environments/team-b.demo' }], ['long name', { method: 'GET', url: `/v1/environments/${'a'.repeat(101)}` }],
    ['encoded slash', { method: 'GET', url: '/v1/environments/a%2Fb' }], ['dash first', { method: 'DELETE', url: '/v1/environments/-demo' }],
    ['events of a bad name', { method: 'GET', url: '/v1/environments/NOPE/events' }], ['unknown environment', { method: 'GET', url: '/v1/environments/never-made' }],
    ['limit zero', { method: 'GET', url: '/v1/environments?limit=0' }], ['limit huge', { method: 'GET', url: '/v1/environments?limit=1000' }],
    ['limit text', { method: 'GET', url: '/v1/environments?limit=ten' }], ['unknown phase', { method: 'GET', url: '/v1/environments?phase=sleeping' }],
    ['unknown state', { method: 'GET', url: '/v1/environments?state=half' }], ['unknown parameter', { method: 'GET', url: '/v1/environments?owner=me' }],
    ['garbage cursor', { method: 'GET', url: '/v1/environments?cursor=%%%' }], ['forged cursor', { method: 'GET', url: '/v1/environments?cursor=Zm9yZ2Vk' }],
    ['idempotency key with spaces', { contentType: 'application/json', payload: JSON.stringify(withSubnets), headers: { 'idempotency-key': 'has spaces' } }],
    ['idempotency key too long', { contentType: 'application/json', payload: JSON.stringify(withSubnets), headers: { 'idempotency-key': 'k'.repeat(256) } }],
    ['scale without a body', { url: '/v1/environments/demo/scale', contentType: 'application/json' }],
    ['scale with nothing', { url: '/v1/environments/demo/scale', contentType: 'application/json', payload: '{}' }],
    ['scale negative', { url: '/v1/environments/demo/scale', contentType: 'application/json', payload: '{"nodeGroup":"g","desiredSize":-1}' }],
    ['scale fraction', { url: '/v1/environments/demo/scale', contentType: 'application/json', payload: '{"nodeGroup":"g","desiredSize":1.5}' }],
    ['scale text', { url: '/v1/environments/demo/scale', contentType: 'application/json', payload: '{"nodeGroup":"g","desiredSize":"two"}' }],
    ['scale huge', { url: '/v1/environments/demo/scale', contentType: 'application/json', payload: '{"nodeGroup":"g","desiredSize":100000}' }],
    ['scale maxSize 0', { url: '/v1/environments/demo/scale', contentType: 'application/json', payload: '{"nodeGroup":"g","desiredSize":0,"maxSize":0}' }],
    ['scale extra field', { url: '/v1/environments/demo/scale', contentType: 'application/json', payload: '{"nodeGroup":"g","desiredSize":1,"force":true}' }],
    ['scale as YAML', { url: '/v1/environments/demo/scale', contentType: 'application/yaml', payload: 'nodeGroup: g\ndesiredSize: 1\n' }],
    ['scale of an unknown environment', { url: '/v1/environments/never-made/scale', contentType: 'application/json', payload: '{"nodeGroup":"g","desiredSize":1}' }],
    ['delete an unknown environment', { method: 'DELETE', url: '/v1/environments/never-made' }],
    ['unknown route', { method: 'GET', url: '/v1/clusters' }], ['wrong method', { method: 'DELETE', url: '/v1/plans' }],
  ];
  for (const [label, options] of cases) {
    const response = await send(label, options);
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${label}: ${response.statusCode} ${response.body.slice(0, 200)}`);
  }
});

test('in all: at least 300 bad requests, every one a 4xx with an error and a message and no stack trace, and no workflow started', async () => {
  assert.ok(sent.length >= 300, `only ${sent.length} requests`);
  const fiveHundreds = sent.filter((s) => s.status >= 500);
  assert.deepEqual(fiveHundreds.map((s) => `${s.label}: ${s.status}`), []);
  for (const { label, status, body } of sent) {
    assert.ok(status >= 400 && status < 500, `${label}: ${status}`);
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    assert.ok(typeof parsed.error === 'string' && typeof parsed.message === 'string' && parsed.message.length > 0, `${label}: ${body.slice(0, 200)}`);
    assert.ok(!body.includes('    at '), `${label}: a stack trace`);
  }
  const counts = new Map<number, number>();
  for (const { status } of sent) counts.set(status, (counts.get(status) ?? 0) + 1);
  const byStatus = [...counts].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ');
  process.stdout.write(`# ${sent.length} bad requests: ${byStatus}\n`);
  const { count } = await server.env.client.workflow.count('');
  assert.equal(count, 0, 'no bad request started a workflow');
});
