import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isServiceSupported, loadBalancerName, mutateServiceOnCreate, nextServiceStep, PlayedLoadBalancers, targetGroupNames, type PlayedElbv2,
} from '../../../src/sim/kube/controllers/load-balancers';
import type { KubeObject, ObjectMeta } from '../../../src/sim/kube/objects';

// The played AWS Load Balancer Controller's rules, each against the upstream behaviour its
// comment cites (kubernetes-sigs/aws-load-balancer-controller v2.14.0). Hashes were computed
// apart from the code under test: `printf '%s' <parts…> | sha256sum`.

const uid = '6b1a2c3d-0000-4000-8000-000000000001';
type Overrides = { metadata?: Partial<ObjectMeta>; annotations?: Record<string, string>; spec?: Record<string, unknown> };
const service = (overrides: Overrides = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Service',
  metadata: {
    name: 'awesome-builder', namespace: 'awesome-builder', uid, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z',
    annotations: overrides.annotations ?? {}, ...overrides.metadata,
  },
  spec: { type: 'LoadBalancer', loadBalancerClass: 'service.k8s.aws/nlb', ports: [{ port: 80, targetPort: 5000, protocol: 'TCP' }], ...overrides.spec },
});

test('the Service mutator gives a class-less LoadBalancer Service the controller\'s class, and leaves the rest alone', () => {
  const plain = service({ spec: { loadBalancerClass: undefined } });
  mutateServiceOnCreate(plain);
  assert.equal(plain.spec?.loadBalancerClass, 'service.k8s.aws/nlb');
  const empty = service({ spec: { loadBalancerClass: '' } });
  mutateServiceOnCreate(empty);
  assert.equal(empty.spec?.loadBalancerClass, 'service.k8s.aws/nlb', 'an empty class counts as none');
  const other = service({ spec: { loadBalancerClass: 'example.com/lb' } });
  mutateServiceOnCreate(other);
  assert.equal(other.spec?.loadBalancerClass, 'example.com/lb');
  const clusterIp = service({ spec: { type: 'ClusterIP', loadBalancerClass: undefined } });
  mutateServiceOnCreate(clusterIp);
  assert.equal(clusterIp.spec?.loadBalancerClass, undefined);
});

test('the controller takes its class, or no class with the external / nlb-ip annotations, never a Service being deleted', () => {
  assert.equal(isServiceSupported(service()), true);
  assert.equal(isServiceSupported(service({ spec: { loadBalancerClass: 'example.com/lb' } })), false);
  assert.equal(isServiceSupported(service({ spec: { loadBalancerClass: undefined } })), false, 'the in-tree provider\'s');
  const external = { 'service.beta.kubernetes.io/aws-load-balancer-type': 'external', 'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip' };
  assert.equal(isServiceSupported(service({ spec: { loadBalancerClass: undefined }, annotations: external })), true);
  assert.equal(isServiceSupported(service({ spec: { loadBalancerClass: undefined }, annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb-ip' } })), true);
  assert.equal(isServiceSupported(service({ metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } })), false);
});

test('NLB and target group names: k8s-<namespace[:8]>-<name[:8]>-<10 hex of sha256>, punctuation stripped', () => {
  const facing = service({ annotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing' } });
  assert.equal(loadBalancerName('demo', facing), 'k8s-awesomeb-awesomeb-212b9f4283');
  assert.equal(loadBalancerName('demo', service()), 'k8s-awesomeb-awesomeb-9af0b720d3', 'internal unless asked');
  assert.equal(loadBalancerName('demo', service({ annotations: { 'service.beta.kubernetes.io/aws-load-balancer-name': 'my-nlb' } })), 'my-nlb');
  const ip = service({ annotations: {
    'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip', 'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'http',
  } });
  assert.deepEqual(targetGroupNames('demo', ip), [{ port: 80, name: 'k8s-awesomeb-awesomeb-7cf3d1fbca' }]);
});

test('the next step: provision (finalizer, then hostname), nothing once published, deprovision while deleting with the finalizer', () => {
  assert.equal(nextServiceStep(service()), 'provision');
  const held = service({ metadata: { finalizers: ['service.k8s.aws/resources'] } });
  assert.equal(nextServiceStep(held), 'provision', 'no hostname yet');
  assert.equal(nextServiceStep({ ...held, status: { loadBalancer: { ingress: [{ hostname: 'h' }] } } }), 'none');
  assert.equal(nextServiceStep({ ...held, metadata: { ...held.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }), 'deprovision');
  const external = { 'service.beta.kubernetes.io/aws-load-balancer-type': 'external', 'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip' };
  const byAnnotation = service({ spec: { loadBalancerClass: undefined }, annotations: external, metadata: { finalizers: ['service.k8s.aws/resources'] } });
  assert.equal(nextServiceStep({ ...byAnnotation, status: { loadBalancer: { ingress: [{ hostname: 'h' }] } } }), 'none');
  assert.equal(nextServiceStep({ ...byAnnotation, metadata: { ...byAnnotation.metadata, annotations: {} } }), 'deprovision', 'no longer supported: cleaned up');
  assert.equal(nextServiceStep(service({ metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } })), 'none');
});

test('an NLB and its target groups are made by those names and tags, and deleted NLB first', async () => {
  const calls: string[] = [];
  const elbv2: PlayedElbv2 = {
    createLoadBalancer: ({ name, tags }) => {
      calls.push(`create lb ${name} ${tags['service.k8s.aws/stack']} ${tags['service.k8s.aws/resource']}`);
      return { arn: `arn:lb/${name}`, dnsName: `${name}-0123456789abcdef.elb.eu-west-1.amazonaws.com` };
    },
    createTargetGroup: ({ name, tags }) => {
      calls.push(`create tg ${name} ${tags['service.k8s.aws/resource']}`);
      return `arn:tg/${name}`;
    },
    deleteLoadBalancer: async (arn) => void calls.push(`delete ${arn}`),
    deleteTargetGroup: async (arn) => void calls.push(`delete ${arn}`),
  };
  const played = new PlayedLoadBalancers('demo', 'eu-west-1', elbv2);
  const svc = service({ annotations: { 'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip', 'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'http' } });
  assert.equal(played.provision(svc), 'k8s-awesomeb-awesomeb-9af0b720d3-0123456789abcdef.elb.eu-west-1.amazonaws.com');
  await played.deprovision(svc);
  assert.deepEqual(calls, [
    'create lb k8s-awesomeb-awesomeb-9af0b720d3 awesome-builder/awesome-builder LoadBalancer',
    'create tg k8s-awesomeb-awesomeb-7cf3d1fbca awesome-builder/awesome-builder:80',
    'delete arn:lb/k8s-awesomeb-awesomeb-9af0b720d3',
    'delete arn:tg/k8s-awesomeb-awesomeb-7cf3d1fbca',
  ]);
});
