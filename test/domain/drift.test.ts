import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeDrift, driftOf, type ObservedEnvironment } from '../../src/domain/drift';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';

function spec(overrides: Record<string, unknown> = {}): EnvironmentSpec {
  const parsed = parseEnvironmentSpec({
    name: 'demo', region: 'us-east-1', kubernetesVersion: '1.35', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
    nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }],
    image: { uri: 'registry.example.com/app:1' },
    app: { name: 'web', replicas: 2, containerPort: 8080 },
    ...overrides,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

const asBuilt: ObservedEnvironment = {
  cluster: { status: 'ACTIVE', version: '1.35' },
  nodegroups: { general: { status: 'ACTIVE', scaling: { minSize: 1, desiredSize: 2, maxSize: 3 }, version: '1.35' } },
  app: { image: 'registry.example.com/app:1', replicas: 2 },
};

test('an environment as built has no drift; one changed by hand has, item by item', () => {
  assert.deepEqual(driftOf(spec(), { scaling: {} }, asBuilt), []);
  const byHand: ObservedEnvironment = {
    cluster: { status: 'ACTIVE', version: '1.35' },
    nodegroups: { general: { status: 'ACTIVE', scaling: { minSize: 1, desiredSize: 5, maxSize: 6 }, version: '1.34' } },
    app: { image: 'registry.example.com/app:2', replicas: 2 },
  };
  assert.deepEqual(driftOf(spec(), { scaling: {} }, byHand).map(describeDrift), [
    'node group general: maxSize 3, found 6',
    'node group general: desiredSize 2, found 5',
    'node group general: kubernetesVersion 1.35, found 1.34',
    'app web: image registry.example.com/app:1, found registry.example.com/app:2',
  ]);
});

test('sizes are compared with the last scale, not the spec; an autoscaler owns desired; an HPA owns replicas', () => {
  const scaled = { scaling: { general: { minSize: 1, desiredSize: 3, maxSize: 3 } } };
  const observed = { ...asBuilt, nodegroups: { general: { status: 'ACTIVE', scaling: { minSize: 1, desiredSize: 3, maxSize: 3 } } } };
  assert.deepEqual(driftOf(spec(), scaled, observed), [], 'a scale through eksflow is not drift');
  const autoscaled = spec({ addons: { 'cluster-autoscaler': {} } });
  assert.deepEqual(driftOf(autoscaled, { scaling: {} }, observed), [], 'cluster-autoscaler moved desired within min..max');
  const withHpa = spec({ app: { name: 'web', replicas: 2, containerPort: 8080, hpa: { minReplicas: 2, maxReplicas: 5, targetCpuUtilization: 50 } } });
  assert.deepEqual(driftOf(withHpa, { scaling: {} }, { ...asBuilt, app: { image: 'registry.example.com/app:1', replicas: 4 } }), []);
});

test('what is gone is drift too: the cluster, a node group, the app\'s Deployment', () => {
  assert.deepEqual(driftOf(spec(), { scaling: {} }, { nodegroups: {} }).map(describeDrift), ['cluster: status ACTIVE, found missing']);
  assert.deepEqual(driftOf(spec(), { scaling: {} }, { ...asBuilt, nodegroups: { general: undefined }, app: null }).map(describeDrift), [
    'node group general: status ACTIVE, found missing', 'app web: Deployment present, found missing',
  ]);
  // The image pinned by digest at import is what the app should run.
  const pinned = 'registry.example.com/app@sha256:' + 'a'.repeat(64);
  assert.deepEqual(driftOf(spec(), { scaling: {}, imageUri: pinned }, asBuilt).map((d) => d.field), ['image']);
});
