import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvironmentSpec, type SpecError } from '../../src/domain/environment-spec';
import { localImageSources } from '../fixtures/malformed-specs';

const subnets = ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'];
const minimal = {
  name: 'demo',
  region: 'us-east-1',
  network: { subnetIds: subnets },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }],
};

function errorsOf(input: unknown): SpecError[] {
  const result = parseEnvironmentSpec(input);
  assert.equal(result.ok, false, 'the spec was expected to be refused');
  return result.ok ? [] : result.errors;
}
const messageAt = (errors: SpecError[], path: string) => errors.find((e) => e.path === path)?.message ?? `no error at ${path}`;
const paths = (input: unknown) => errorsOf(input).map((error) => error.path);

test('a minimal spec is accepted with every default filled in', () => {
  const result = parseEnvironmentSpec(minimal);
  assert.ok(result.ok);
  assert.deepEqual(result.spec, {
    ...minimal,
    kubernetesVersion: '1.35',
    controlPlaneLogging: [],
    fargateProfiles: [],
    addons: {},
    onFailure: 'rollback',
    nodeGroups: [{ ...minimal.nodeGroups[0], capacityType: 'ON_DEMAND', diskSize: 20, amiType: 'AL2023_x86_64_STANDARD' }],
  });
});

test('parsing does not change the caller\'s object', () => {
  const input = structuredClone(minimal);
  parseEnvironmentSpec(input);
  assert.deepEqual(input, minimal);
});

test('a VPC to create gets its defaults', () => {
  const result = parseEnvironmentSpec({ ...minimal, network: { vpc: {} } });
  assert.ok(result.ok);
  assert.deepEqual(result.spec.network, { vpc: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateway: 'single' } });
});

test('non-objects are refused with one clear error', () => {
  for (const input of [null, 'demo', 42, [minimal]]) {
    assert.deepEqual(errorsOf(input), [{ path: '', message: 'the environment spec must be a JSON object' }]);
  }
});

test('every problem is reported at once, each at its path', () => {
  const found = paths({
    name: 'Not_DNS',
    region: 'moon-1',
    kubernetesVersion: '1.20',
    network: {},
    nodeGroups: [{ name: 'a', instanceTypes: [], minSize: 3, desiredSize: 2, maxSize: 1, colour: 'blue' }],
    extra: true,
  });
  assert.deepEqual(new Set(found), new Set([
    '/name', '/region', '/kubernetesVersion', '/network', '/extra',
    '/nodeGroups/0/instanceTypes', '/nodeGroups/0/colour', '/nodeGroups/0/desiredSize', '/nodeGroups/0/minSize',
  ]));
});

test('messages say what would be accepted', () => {
  const messages = Object.fromEntries(errorsOf({ ...minimal, kubernetesVersion: '1.20', onFailure: 'explode', surprise: 1 }).map((e) => [e.path, e.message]));
  assert.equal(messages['/kubernetesVersion'], 'must be one of 1.31, 1.32, 1.33, 1.34, 1.35, 1.36');
  assert.equal(messages['/onFailure'], 'must be one of rollback, keep');
  assert.match(messages['/surprise'] ?? '', /^is not a known field \(known here: name, region, kubernetesVersion/);
  // A near miss is a typo: the nearest known field is named.
  const typos = Object.fromEntries(errorsOf({ ...minimal, nodeGroup: [], nodeGroups: [{ ...minimal.nodeGroups[0], diskSiz: 30 }] }).map((e) => [e.path, e.message]));
  assert.equal(typos['/nodeGroup'], 'is not a known field: did you mean nodeGroups?');
  assert.equal(typos['/nodeGroups/0/diskSiz'], 'is not a known field: did you mean diskSize?');
});

test('node group sizes must satisfy min ≤ desired ≤ max', () => {
  const group = minimal.nodeGroups[0]!;
  const errors = errorsOf({ ...minimal, nodeGroups: [{ ...group, minSize: 2, desiredSize: 5, maxSize: 4 }] });
  assert.deepEqual(errors, [{ path: '/nodeGroups/0/desiredSize', message: 'desiredSize 5 is above maxSize 4' }]);
  assert.deepEqual(paths({ ...minimal, nodeGroups: [{ ...group, minSize: 3, desiredSize: 2, maxSize: 4 }] }), ['/nodeGroups/0/desiredSize']);
  assert.deepEqual(paths({ ...minimal, nodeGroups: [{ ...group, minSize: -1 }] }), ['/nodeGroups/0/minSize']);
  assert.deepEqual(paths({ ...minimal, nodeGroups: [{ ...group, desiredSize: 2.5 }] }), ['/nodeGroups/0/desiredSize']);
  assert.deepEqual(paths({ ...minimal, nodeGroups: [{ ...group, maxSize: '3' }] }), ['/nodeGroups/0/maxSize']);
});

test('names are DNS-1123 and unique per kind', () => {
  assert.deepEqual(paths({ ...minimal, name: 'a'.repeat(101) }), ['/name']);
  assert.ok(parseEnvironmentSpec({ ...minimal, name: 'a'.repeat(100) }).ok);
  assert.deepEqual(paths({ ...minimal, name: '-leading' }), ['/name']);
  const group = minimal.nodeGroups[0]!;
  const errors = errorsOf({ ...minimal, nodeGroups: [group, { ...group }] });
  assert.deepEqual(errors, [{ path: '/nodeGroups/1/name', message: 'node group name "general" is already used by /nodeGroups/0' }]);
  const profile = { name: 'fp', selectors: [{ namespace: 'default' }] };
  assert.deepEqual(paths({ ...minimal, fargateProfiles: [profile, profile] }), ['/fargateProfiles/1/name']);
});

test('network takes existing subnets or a VPC to create, exactly one', () => {
  assert.deepEqual(paths({ ...minimal, network: { subnetIds: subnets, vpc: {} } }), ['/network']);
  assert.deepEqual(paths({ ...minimal, network: { subnetIds: [subnets[0]] } }), ['/network/subnetIds']);
  assert.deepEqual(paths({ ...minimal, network: { subnetIds: ['subnet-nothex!', subnets[1]] } }), ['/network/subnetIds/0']);
  assert.deepEqual(paths({ ...minimal, network: { vpc: { cidr: '10.0.0.0/8' } } }), ['/network/vpc/cidr']);
  assert.deepEqual(paths({ ...minimal, network: { vpc: { availabilityZones: 1 } } }), ['/network/vpc/availabilityZones']);
  const named = parseEnvironmentSpec({ ...minimal, network: { vpc: { zones: ['us-east-1a', 'us-east-1c', 'us-east-1d'] } } });
  assert.ok(named.ok);
  assert.equal(named.spec.network.vpc?.availabilityZones, 3, 'the count follows the named zones');
  assert.deepEqual(errorsOf({ ...minimal, network: { vpc: { zones: ['us-east-1a', 'eu-west-1b'], availabilityZones: 3 } } }), [
    { path: '/network/vpc/zones/1', message: 'eu-west-1b is not in us-east-1' },
    { path: '/network/vpc/availabilityZones', message: 'is 3 but 2 zones are named; leave it out or make them agree' },
  ]);
});

test('image is a uri or an import, exactly one', () => {
  assert.ok(parseEnvironmentSpec({ ...minimal, image: { uri: 'public.ecr.aws/nginx/nginx:1.27' } }).ok);
  const imported = parseEnvironmentSpec({ ...minimal, image: { import: { source: 'docker.io/library/nginx:1.27', repository: 'team/app' } } });
  assert.ok(imported.ok);
  assert.equal(imported.spec.image?.import?.tag, 'latest');
  assert.deepEqual(paths({ ...minimal, image: {} }), ['/image']);
  assert.deepEqual(paths({ ...minimal, image: { uri: 'a/b:c', import: { source: 'a/b:c', repository: 'team/b' } } }), ['/image']);
  assert.deepEqual(paths({ ...minimal, image: { import: { source: 'a/b:c', repository: 'Upper/Case' } } }), ['/image/import/repository']);
});

test('an image import reads only from a registry: docker:// or a bare reference, never a transport that reads the worker\'s disk', () => {
  const source = (text: string) => ({ ...minimal, image: { import: { source: text, repository: 'team/app' } } });
  for (const accepted of [
    'docker.io/library/nginx:1.27', 'public.ecr.aws/nginx/nginx:1.27', 'nginx', 'nginx:1.27', 'docker:27', 'localhost:5000/team/app:v1', '127.0.0.1:5000/upstream/app:1.0',
    'docker://public.ecr.aws/nginx/nginx:1.27', 'registry.example.com/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  ]) {
    const parsed = parseEnvironmentSpec(source(accepted));
    assert.ok(parsed.ok, `${accepted}: ${JSON.stringify(parsed.ok ? [] : parsed.errors)}`);
    assert.equal(parsed.spec.image?.import?.source, accepted, 'kept as given');
  }
  for (const [refused, reason] of [
    ['dir:/var/lib/eksflow', /dir: reads an image from the worker's own disk/],
    ['dir:///etc', /dir: reads an image from the worker's own disk/],
    ['oci:/tmp/layout:latest', /oci: reads/],
    ['oci-archive:/tmp/image.tar', /oci-archive: reads/],
    ['docker-archive:/tmp/image.tar:app:1', /docker-archive: reads/],
    ['docker-daemon:nginx:1.27', /docker-daemon: reads/],
    ['containers-storage:nginx', /containers-storage: reads/],
    ['OCI-ARCHIVE:/tmp/image.tar', /OCI-ARCHIVE: reads/],
    ['http://example.com/image.tar', /http:\/\/ is not a registry transport/],
    ['docker:///etc/passwd', /what follows docker:\/\/ is not a registry reference/],
    ['docker://', /what follows docker:\/\/ is not a registry reference/],
    ['Team/App:1', /is not a registry reference/],
    ['public.ecr.aws/x/y:tag:more', /is not a registry reference/],
  ] as const) {
    const errors = errorsOf(source(refused));
    assert.deepEqual(errors.map((e) => e.path), ['/image/import/source'], `${refused}: ${JSON.stringify(errors)}`);
    assert.match(errors[0]!.message, reason, refused);
    assert.match(errors[0]!.message, /push the image to a registry and give its reference/, 'the message says what to do instead');
  }
  for (const refused of localImageSources) {
    assert.deepEqual(paths(source(refused)), ['/image/import/source'], refused);
  }
});

test('tags may not use the aws: or eksflow.io/ prefixes', () => {
  assert.ok(parseEnvironmentSpec({ ...minimal, tags: { team: 'platform', 'cost-center': '42' } }).ok);
  assert.deepEqual(paths({ ...minimal, tags: { 'aws:cloudformation': 'x' } }), ['/tags/aws:cloudformation']);
  assert.deepEqual(paths({ ...minimal, tags: { 'eksflow.io/owner': 'x' } }), ['/tags/eksflow.io~1owner'], 'a JSON pointer escapes / as ~1');
});

test('a cluster alone needs no compute; an app or add-ons need node groups, Fargate profiles or Auto Mode', () => {
  // eksctl makes clusters with no node groups (examples/02-custom-vpc-cidr-no-nodes.yaml): groups come later.
  assert.ok(parseEnvironmentSpec({ ...minimal, nodeGroups: [] }).ok);
  const errors = errorsOf({ ...minimal, nodeGroups: [], addons: { 'metrics-server': {} } });
  assert.deepEqual(errors.map((e) => e.path), ['/nodeGroups']);
  assert.match(errors[0]!.message, /add-on metrics-server need somewhere to run pods/);
  assert.ok(parseEnvironmentSpec({ ...minimal, nodeGroups: [], fargateProfiles: [{ name: 'fp', selectors: [{ namespace: 'default' }] }] }).ok);
});

test('an app with add-ons and autoscaling gets its defaults filled', () => {
  const result = parseEnvironmentSpec({
    ...minimal,
    image: { uri: '123456789012.dkr.ecr.us-west-2.amazonaws.com/web:1' },
    app: { name: 'web', containerPort: 5000, hpa: { minReplicas: 2, maxReplicas: 10 } },
    addons: { 'aws-load-balancer-controller': {}, 'metrics-server': {}, cloudwatch: { mode: 'fluent-bit' } },
    autoscaling: {},
  });
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(result.spec.app, {
    name: 'web', containerPort: 5000, replicas: 2, servicePort: 80, scheme: 'internet-facing',
    requests: { cpu: '250m', memory: '256Mi' }, hpa: { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 50 },
  });
  assert.deepEqual(result.spec.addons, {
    'aws-load-balancer-controller': {}, 'metrics-server': { method: 'helm' }, cloudwatch: { mode: 'fluent-bit', method: 'eks-addon', logRetentionDays: 30 },
  });
  assert.deepEqual(result.spec.autoscaling, { verify: 'passive' });
  const bare = parseEnvironmentSpec(minimal);
  assert.ok(bare.ok);
  assert.deepEqual(bare.spec.addons, {});
});

test('app and add-on mistakes are named by path', () => {
  const errors = errorsOf({
    ...minimal,
    app: { name: 'web', containerPort: 70000, replicas: 12, requests: { cpu: 'lots' }, hpa: { minReplicas: 3, maxReplicas: 2 } },
    addons: { 'kube-proxy': {}, cloudwatch: { logRetentionDays: 2 } },
  });
  assert.deepEqual(errors.map((e) => e.path).sort(), [
    '/addons/cloudwatch/logRetentionDays', '/addons/kube-proxy', '/app', '/app/containerPort', '/app/hpa/minReplicas', '/app/requests/cpu',
  ]);
  assert.match(messageAt(errors, '/addons/kube-proxy'), /not an add-on eksflow offers \(aws-load-balancer-controller, metrics-server/);
  assert.match(messageAt(errors, '/app'), /give image.uri, image.import or image.build/);
  assert.match(messageAt(errors, '/app/hpa/minReplicas'), /minReplicas 3 is above maxReplicas 2/);
  assert.match(messageAt(errors, '/addons/cloudwatch/logRetentionDays'), /one of 1, 3, 5, 7/);
  const outside = errorsOf({ ...minimal, image: { uri: 'nginx:1.27' }, app: { name: 'web', containerPort: 80, replicas: 12, hpa: { minReplicas: 1, maxReplicas: 4 } } });
  assert.deepEqual(outside, [{ path: '/app/replicas', message: "replicas 12 is outside the HPA's 1–4" }]);
});

test('spot groups, taints, labels, logging and ttl round-trip', () => {
  const result = parseEnvironmentSpec({
    ...minimal,
    controlPlaneLogging: ['api', 'audit'],
    ttl: '8h',
    nodeGroups: [{
      name: 'spot', instanceTypes: ['m5.large', 'm5a.large'], capacityType: 'SPOT', minSize: 0, desiredSize: 2, maxSize: 6,
      labels: { 'workload/type': 'batch' }, taints: [{ key: 'spot', value: 'true', effect: 'NO_SCHEDULE' }],
      sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkq user@host',
    }],
  });
  assert.ok(result.ok);
  assert.equal(result.spec.nodeGroups[0]?.capacityType, 'SPOT');
  assert.deepEqual(paths({ ...minimal, controlPlaneLogging: ['api', 'api'] }), ['/controlPlaneLogging']);
  assert.deepEqual(paths({ ...minimal, controlPlaneLogging: ['kubelet'] }), ['/controlPlaneLogging/0']);
  assert.deepEqual(paths({ ...minimal, ttl: 'forever' }), ['/ttl']);
});

test('image.build: a git https URL and ref, or an uploaded digest, with a Dockerfile inside the context; refusals say why and what to do', () => {
  const upload = `sha256:${'0123456789abcdef'.repeat(4)}`;
  const build = (b: Record<string, unknown>) => ({ ...minimal, image: { build: { repository: 'team/app', ...b } } });
  const parsed = parseEnvironmentSpec(build({ context: { upload } }));
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  assert.deepEqual(parsed.spec.image?.build, { context: { upload }, dockerfile: 'Dockerfile', repository: 'team/app', tag: 'latest' }, 'Dockerfile and latest by default');
  assert.ok(parseEnvironmentSpec(build({ context: { git: { url: 'https://github.com/example/app.git', ref: 'release/1.2' } }, dockerfile: 'docker/app.Dockerfile', tag: 'v1' })).ok);

  const refusals: [Record<string, unknown>, string, RegExp][] = [
    [{ context: { git: { url: 'http://github.com/example/app.git', ref: 'main' } } }, '/image/build/context/git/url', /is not an https:\/\/ URL.*eksflow image build <dir>/],
    [{ context: { git: { url: 'file:///etc', ref: 'main' } } }, '/image/build/context/git/url', /never file:, ssh: or a path on the worker/],
    [{ context: { git: { url: 'https://user:secret@github.com/x.git', ref: 'main' } } }, '/image/build/context/git/url', /without credentials/],
    [{ context: { git: { url: 'https://github.com/x.git', ref: '--upload-pack=evil' } } }, '/image/build/context/git/ref', /not a branch or tag name/],
    [{ context: { upload: 'sha256:abc' } }, '/image/build/context/upload', /sha256: and 64 lower-case hex digits/],
    [{ context: { upload, git: { url: 'https://github.com/x.git', ref: 'main' } } }, '/image/build/context', /exactly one of git/],
    [{ context: { upload }, dockerfile: '../Dockerfile' }, '/image/build/dockerfile', /inside the build context/],
    [{ context: { upload }, dockerfile: '/etc/Dockerfile' }, '/image/build/dockerfile', /relative/],
  ];
  for (const [given, path, message] of refusals) {
    const result = parseEnvironmentSpec(build(given));
    assert.ok(!result.ok, JSON.stringify(given));
    assert.deepEqual(result.errors.map((e) => e.path), [path], `${JSON.stringify(given)}: ${JSON.stringify(result.errors)}`);
    assert.match(result.errors[0]!.message, message);
  }
  assert.deepEqual(paths({ ...minimal, image: { uri: 'a/b:c', build: { context: { upload }, repository: 'team/b' } } }), ['/image']);
  assert.match(messageAt(errorsOf({ ...minimal, image: {} }), '/image'), /exactly one of uri .*, import .* or build/);
});
