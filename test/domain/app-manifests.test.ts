import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  appliedReplicasOwner, appManifests, appVerticalPodAutoscaler, fieldManagers, labelValue, nlbLoadBalancerClass, replicasHandover,
} from '../../src/domain/app-manifests';
import { appFrom } from '../fixtures/specs';


const image = 'registry.example/web:1';
const environment = { environment: 'team-a/demo' };
const full = appFrom({
  name: 'web', namespace: 'shop', replicas: 3, containerPort: 8080, servicePort: 443, scheme: 'internal',
  requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' }, env: { GREETING: 'hello', MODE: 'demo' },
  healthCheck: { path: '/healthz', port: 9090 }, hpa: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 70 }, vpa: { updateMode: 'Recreate' },
});
const minimal = appFrom({ name: 'api', containerPort: 3000 });

const expectedLabels = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/managed-by': 'eksflow', 'eksflow.io/environment': 'team-a.demo' };

test('the namespace is the spec\'s, or the app\'s name, and carries eksflow\'s labels', () => {
  assert.deepEqual(appManifests(full, image, environment).namespace, {
    apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'app.kubernetes.io/managed-by': 'eksflow', 'eksflow.io/environment': 'team-a.demo' } },
  });
  assert.equal(appManifests(minimal, image, environment).namespace?.metadata.name, 'api');
  for (const object of Object.values(appManifests(minimal, image, environment))) assert.equal(object.metadata.namespace ?? object.metadata.name, 'api');
});

test('a built-in namespace is used but never made, labelled or owned', () => {
  const manifests = appManifests(appFrom({ name: 'api', namespace: 'default', containerPort: 3000 }), image, environment);
  assert.equal(manifests.namespace, undefined);
  assert.equal(manifests.deployment.metadata.namespace, 'default');
});

test('the Deployment runs the image with the ports, resources, env and probes asked for', () => {
  const { deployment } = appManifests(full, image, environment);
  assert.equal(deployment.apiVersion, 'apps/v1');
  assert.equal(deployment.kind, 'Deployment');
  assert.deepEqual(deployment.metadata, { name: 'web', namespace: 'shop', labels: expectedLabels });
  assert.equal(deployment.spec?.replicas, 3);
  assert.deepEqual(deployment.spec?.selector, { matchLabels: { 'app.kubernetes.io/name': 'web' } }, 'the immutable selector holds the name only');
  const template = deployment.spec!.template;
  assert.deepEqual(template.metadata?.labels, expectedLabels);
  assert.deepEqual(template.metadata?.annotations, { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' });
  assert.equal(template.spec?.containers.length, 1);
  const container = template.spec!.containers[0]!;
  assert.equal(container.name, 'web');
  assert.equal(container.image, image);
  assert.deepEqual(container.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  assert.deepEqual(container.resources, { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } });
  assert.deepEqual(container.env, [{ name: 'GREETING', value: 'hello' }, { name: 'MODE', value: 'demo' }]);
  assert.deepEqual(container.readinessProbe?.httpGet, { path: '/healthz', port: 9090 });
  assert.deepEqual(container.livenessProbe?.httpGet, { path: '/healthz', port: 9090 });
});

test('without a health check, limits or env, the container has none, and takes the default requests', () => {
  const container = appManifests(minimal, image, environment).deployment.spec!.template.spec!.containers[0]!;
  assert.deepEqual(container.resources, { requests: { cpu: '250m', memory: '256Mi' } });
  assert.equal(appManifests(minimal, image, environment).deployment.spec?.replicas, 2);
  for (const field of ['env', 'readinessProbe', 'livenessProbe'] as const) assert.equal(container[field], undefined, field);
  const probed = appManifests(appFrom({ name: 'api', containerPort: 3000, healthCheck: { path: '/ready' } }), image, environment);
  assert.deepEqual(probed.deployment.spec!.template.spec!.containers[0]!.readinessProbe?.httpGet, { path: '/ready', port: 3000 }, 'the probe port defaults to the containerPort');
});

test('replicas are left to the HPA on a re-apply, and only when there is an HPA', () => {
  assert.equal(appManifests(full, image, environment, { leaveReplicasToHpa: true }).deployment.spec?.replicas, undefined);
  assert.equal('replicas' in appManifests(full, image, environment, { leaveReplicasToHpa: true }).deployment.spec!, false, 'left out, not set to undefined');
  assert.equal(appManifests(minimal, image, environment, { leaveReplicasToHpa: true }).deployment.spec?.replicas, 2, 'no HPA: eksflow keeps the count');
});

test('the Service is an NLB with IP targets, in the scheme asked for, from servicePort to containerPort', () => {
  const { service } = appManifests(full, image, environment);
  assert.equal(service.apiVersion, 'v1');
  assert.equal(service.kind, 'Service');
  assert.equal(service.metadata.name, 'web');
  assert.deepEqual(service.metadata.labels, expectedLabels);
  assert.deepEqual(service.metadata.annotations, {
    'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
    'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
    'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
    'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'http',
    'service.beta.kubernetes.io/aws-load-balancer-healthcheck-path': '/healthz',
    'service.beta.kubernetes.io/aws-load-balancer-healthcheck-port': '9090',
  });
  assert.equal(service.spec?.type, 'LoadBalancer');
  assert.equal(service.spec?.loadBalancerClass, nlbLoadBalancerClass);
  assert.equal(nlbLoadBalancerClass, 'service.k8s.aws/nlb');
  assert.deepEqual(service.spec?.selector, { 'app.kubernetes.io/name': 'web' });
  assert.deepEqual(service.spec?.ports, [{ name: 'http', protocol: 'TCP', port: 443, targetPort: 8080 }]);

  const plain = appManifests(minimal, image, environment).service;
  assert.equal(plain.metadata.annotations?.['service.beta.kubernetes.io/aws-load-balancer-scheme'], 'internet-facing', 'the default scheme');
  assert.equal(plain.spec?.ports?.[0]?.port, 80, 'the default servicePort');
  assert.equal(Object.keys(plain.metadata.annotations ?? {}).some((key) => key.includes('healthcheck')), false, 'the NLB\'s own TCP check without a healthCheck');
});

test('the HPA is autoscaling/v2 on CPU utilization, with the bounds asked for, and only when asked for', () => {
  const hpa = appManifests(full, image, environment).horizontalPodAutoscaler;
  assert.ok(hpa);
  assert.equal(hpa.apiVersion, 'autoscaling/v2');
  assert.equal(hpa.kind, 'HorizontalPodAutoscaler');
  assert.deepEqual(hpa.metadata, { name: 'web', namespace: 'shop', labels: expectedLabels });
  assert.deepEqual(hpa.spec, {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 2,
    maxReplicas: 6,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
  });
  assert.equal(appManifests(minimal, image, environment).horizontalPodAutoscaler, undefined);
  assert.equal(appFrom({ name: 'api', containerPort: 3000, hpa: { minReplicas: 2, maxReplicas: 4 } }).hpa?.targetCpuUtilization, 50, 'the schema default reaches the HPA');
});

test('the VPA targets the Deployment with the update mode asked for, leaving CPU to an HPA', () => {
  assert.deepEqual(appVerticalPodAutoscaler(full, environment), {
    apiVersion: 'autoscaling.k8s.io/v1',
    kind: 'VerticalPodAutoscaler',
    metadata: { name: 'web', namespace: 'shop', labels: expectedLabels },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      updatePolicy: { updateMode: 'Recreate' },
      resourcePolicy: { containerPolicies: [{ containerName: '*', controlledResources: ['memory'] }] },
    },
  });
  const recommendOnly = appVerticalPodAutoscaler(appFrom({ name: 'api', containerPort: 3000, vpa: {}, hpa: { minReplicas: 2, maxReplicas: 4 } }), environment);
  assert.equal(recommendOnly?.spec.updatePolicy.updateMode, 'Off', 'the schema default');
  assert.equal(recommendOnly?.spec.resourcePolicy, undefined, 'recommending CPU fights no one');
  assert.equal(appVerticalPodAutoscaler(appFrom({ name: 'api', containerPort: 3000, vpa: { updateMode: 'Initial' } }), environment)?.spec.resourcePolicy, undefined, 'no HPA: both resources');
  assert.equal(appVerticalPodAutoscaler(minimal, environment), undefined);
});

test('label values are made label-safe, stably', () => {
  assert.equal(labelValue('demo'), 'demo');
  assert.equal(labelValue('team-a/demo'), 'team-a.demo');
  assert.equal(labelValue('/x y/'), 'x.y');
  const long = labelValue(`tenant/${'a'.repeat(100)}`);
  assert.equal(long.length, 63);
  assert.match(long, /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
  assert.equal(labelValue(`tenant/${'a'.repeat(100)}`), long);
  assert.notEqual(labelValue(`tenant/${'a'.repeat(99)}b`), long);
});

test('the replicas handover is the live count at the live version, and ownership is read from managedFields', () => {
  assert.deepEqual(replicasHandover({ name: 'web', namespace: 'shop', replicas: 4, resourceVersion: '123' }), {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', resourceVersion: '123' }, spec: { replicas: 4 },
  });
  const applied = { manager: fieldManagers.apply, operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:template': {} } } };
  const statusUpdate = { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { 'f:replicas': {} } } };
  assert.equal(appliedReplicasOwner([applied, statusUpdate]), true);
  assert.equal(appliedReplicasOwner([{ ...applied, fieldsV1: { 'f:spec': { 'f:template': {} } } }, statusUpdate]), false);
  assert.equal(appliedReplicasOwner([{ ...applied, manager: 'horizontal-pod-autoscaler', operation: 'Update', subresource: 'scale' }]), false);
  assert.equal(appliedReplicasOwner(undefined), false);
});
