import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { requestedAddons } from '../../src/domain/addon-catalog';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import { addonNames, parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { planEnvironment, stepIds } from '../../src/domain/planner';
import { repoRoot } from '../support/paths';

// examples/tutorial/: the tutorial's environment twice, as an EnvironmentSpec and as the eksctl
// ClusterConfig of its cluster. Both must stay valid, and describe the same cluster.

const read = (name: string) => readFileSync(join(repoRoot, 'examples', 'tutorial', name), 'utf8');

function tutorialSpec(): EnvironmentSpec {
  const parsed = parseEnvironmentSpec(JSON.parse(read('environment.json')));
  assert.ok(parsed.ok, `environment.json is refused: ${parsed.ok ? '' : JSON.stringify(parsed.errors)}`);
  return parsed.spec;
}

function translatedClusterConfig(): EnvironmentSpec {
  const translated = translateClusterConfig(read('cluster-config.yaml'));
  assert.ok(translated.ok, `cluster-config.yaml is refused: ${translated.ok ? '' : JSON.stringify(translated.errors)}`);
  return translated.spec;
}

test('environment.json is the tutorial\'s environment', () => {
  const spec = tutorialSpec();
  assert.equal(spec.name, 'awesomebuilder-container');
  assert.equal(spec.region, 'us-east-1');
  assert.equal(spec.kubernetesVersion, '1.35');
  assert.equal(spec.network.vpc?.availabilityZones, 2);
  assert.deepEqual(spec.controlPlaneLogging, ['api', 'audit', 'authenticator']);
  assert.deepEqual(spec.nodeGroups.map(({ name, capacityType, instanceTypes, minSize, desiredSize, maxSize }) => ({ name, capacityType, instanceTypes, minSize, desiredSize, maxSize })), [
    { name: 'on-demand', capacityType: 'ON_DEMAND', instanceTypes: ['m5.large'], minSize: 2, desiredSize: 2, maxSize: 4 },
    { name: 'spot', capacityType: 'SPOT', instanceTypes: ['m5.large', 'm5a.large', 'm4.large'], minSize: 1, desiredSize: 2, maxSize: 5 },
  ]);
  assert.equal(spec.image?.import?.repository, 'awesomebuilder');
  assert.equal(spec.app?.name, 'awesomebuilder');
  assert.equal(spec.app?.containerPort, 5000);
  assert.equal(spec.app?.servicePort, 80);
  assert.equal(spec.app?.scheme, 'internet-facing');
  assert.ok(spec.app?.requests.cpu, 'the app has no CPU request, which the HPA measures against');
  assert.deepEqual(spec.app?.hpa, { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 50 });
  assert.deepEqual(spec.app?.vpa, { updateMode: 'Off' });
  assert.deepEqual(Object.keys(spec.addons).sort(), addonNames.filter((name) => name !== 'karpenter').sort(), 'every add-on but karpenter');
  assert.equal(spec.addons.dashboard?.kind, 'headlamp');
  assert.equal(spec.addons.cloudwatch?.mode, 'observability');
  assert.equal(spec.autoscaling?.verify, 'active');
});

test('environment.json plans: the network, the cluster, both node groups, the image, every add-on, the app and the check', () => {
  const spec = tutorialSpec();
  const plan = planEnvironment(spec);
  const steps = new Set(plan.steps.map((step) => step.id));
  const expected = [
    stepIds.network, stepIds.cluster, stepIds.clusterLogging, stepIds.oidcProvider, stepIds.ecrRepository, stepIds.imageImport,
    ...spec.nodeGroups.flatMap((group) => [stepIds.nodegroup(group.name), stepIds.nodesReady(group.name)]),
    ...requestedAddons(spec).flatMap((addon) => [stepIds.addon(addon.name), ...(addon.iam ? [stepIds.irsaRole(addon.name)] : [])]),
    stepIds.app, stepIds.appVpa, stepIds.appLoadBalancer, stepIds.autoscalingCheck,
  ];
  for (const id of expected) assert.ok(steps.has(id), `the plan has no ${id}`);
  assert.equal(requestedAddons(spec).length, addonNames.length - 1);
  assert.ok(!steps.has(stepIds.addon('karpenter')));
  assert.equal(plan.environment, 'awesomebuilder-container');
  const dependsOn = (id: string) => plan.steps.find((step) => step.id === id)?.dependsOn ?? [];
  for (const id of [stepIds.imageImport, stepIds.addon('aws-load-balancer-controller')]) {
    assert.ok(dependsOn(stepIds.app).includes(id), `the app does not wait for ${id}`);
  }
  assert.deepEqual(dependsOn(stepIds.appVpa), [stepIds.app, stepIds.addon('vertical-pod-autoscaler')]);
  for (const id of [stepIds.app, stepIds.addon('cluster-autoscaler'), stepIds.addon('metrics-server')]) {
    assert.ok(dependsOn(stepIds.autoscalingCheck).includes(id), `the autoscaling check does not wait for ${id}`);
  }
});

test('cluster-config.yaml translates cleanly into the same cluster as environment.json', () => {
  const fromJson = tutorialSpec();
  const fromYaml = translatedClusterConfig();
  assert.equal(fromYaml.name, fromJson.name);
  assert.equal(fromYaml.region, fromJson.region);
  assert.equal(fromYaml.kubernetesVersion, fromJson.kubernetesVersion);
  assert.deepEqual(fromYaml.tags, fromJson.tags);
  assert.deepEqual(fromYaml.network, fromJson.network);
  assert.deepEqual(fromYaml.controlPlaneLogging, fromJson.controlPlaneLogging);
  // Names, capacity types, instance types, sizes, disks, AMIs and labels: the groups entire.
  assert.deepEqual(fromYaml.nodeGroups, fromJson.nodeGroups);
  assert.deepEqual(fromYaml.fargateProfiles, []);
});

test('the add-ons cluster-config.yaml names are installed as environment.json installs them; the rest are JSON-only', () => {
  const fromJson = tutorialSpec();
  const fromYaml = translatedClusterConfig();
  assert.deepEqual(Object.keys(fromYaml.addons).sort(), ['cloudwatch', 'metrics-server']);
  for (const [name, options] of Object.entries(fromYaml.addons)) {
    assert.deepEqual(options, fromJson.addons[name as keyof typeof fromJson.addons], name);
  }
  // What eksctl cannot say, and so the ClusterConfig leaves out.
  assert.equal(fromYaml.app, undefined);
  assert.equal(fromYaml.image, undefined);
  // It still plans, as far as it goes.
  assert.ok(planEnvironment(fromYaml).steps.some((step) => step.id === stepIds.addon('cloudwatch')));
});
