import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coreAddonRole, vpcCniIpv6Policy } from '../../src/domain/eks-addons';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import type { EnvironmentSpec, SpecError } from '../../src/domain/environment-spec';
import { planEnvironment } from '../../src/domain/planner';
import { eksctlExamplesDir } from '../support/paths';

const example = (file: string) => readFileSync(join(eksctlExamplesDir, file), 'utf8');
const accepted = (text: string, kubernetesVersion?: string): EnvironmentSpec => {
  const result = translateClusterConfig(text, kubernetesVersion ? { kubernetesVersion } : {});
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.spec;
};
const refusals = (text: string): SpecError[] => {
  const result = translateClusterConfig(text, { kubernetesVersion: '1.33' });
  assert.equal(result.ok, false, 'expected a refusal');
  return result.ok ? [] : result.errors;
};
const at = (errors: SpecError[], path: string) => errors.filter((e) => e.path === path).map((e) => e.message).join(' | ') || `nothing at ${path}: ${errors.map((e) => e.path).join(', ')}`;

const ipv6Cluster = `
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: { name: six, region: us-west-2, version: "1.33" }
kubernetesNetworkConfig: { ipFamily: IPv6 }
addons: [{ name: vpc-cni }, { name: coredns }, { name: kube-proxy }]
iam: { withOIDC: true }
managedNodeGroups: [{ name: mng-1, instanceType: m5.large, desiredCapacity: 2 }]
`;

test('example 30: an IPv6 cluster in a dual-stack VPC eksctl-style, vpc-cni\'s attachPolicy inline on its IRSA role; only its end-of-life version is refused', () => {
  const spec = accepted(example('30-vpc-with-ip-family.yaml'), '1.33');
  assert.deepEqual(spec.kubernetesNetwork, { ipFamily: 'ipv6' });
  assert.equal(spec.network.vpc?.ipv6, true, 'eksctl makes an IPv6 cluster\'s VPC dual stack without being asked');
  assert.deepEqual(spec.eksAddons?.['vpc-cni']?.inlinePolicy?.Statement[0]?.Action, ['ec2:AssignIpv6Addresses', 'ec2:DescribeInstances', 'ec2:DescribeTags', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeInstanceTypes']);
  const roleStep = planEnvironment(spec).steps.find((s) => s.id === 'iam:irsa/vpc-cni');
  assert.match(roleStep?.title ?? 'no role step', /kube-system\/aws-node \(IRSA\) with inline policy inline$/);
  const refused = translateClusterConfig(example('30-vpc-with-ip-family.yaml'));
  assert.deepEqual(!refused.ok && refused.errors.map((e) => e.path), ['/metadata/version']);
});

test('example 02: autoAllocateIPv6 on an IPv4 cluster is network.vpc.ipv6', () => {
  const spec = accepted(example('02-custom-vpc-cidr-no-nodes.yaml'));
  assert.equal(spec.network.vpc?.ipv6, true);
  assert.equal(spec.network.vpc?.cidr, '10.10.0.0/16');
  assert.equal(spec.kubernetesNetwork, undefined);
});

test('an IPv6 cluster without policies for vpc-cni gets the VPC CNI\'s IPv6 policy, as eksctl gives it', () => {
  const spec = accepted(ipv6Cluster);
  assert.equal(spec.eksAddons?.['vpc-cni']?.inlinePolicy, undefined);
  const role = coreAddonRole('vpc-cni', spec.eksAddons!['vpc-cni']!, spec.region, 'ipv6');
  assert.deepEqual(role?.inlinePolicies, { 'vpc-cni-ipv6': vpcCniIpv6Policy('us-west-2') });
  assert.equal(vpcCniIpv6Policy('cn-north-1').Statement[1]!.Resource, 'arn:aws-cn:ec2:*:*:network-interface/*');
  assert.equal(coreAddonRole('vpc-cni', {} as never, 'us-west-2', 'ipv4'), undefined, 'an IPv4 cluster\'s vpc-cni keeps the node role');
  assert.equal(coreAddonRole('vpc-cni', { serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/mine' } as never, 'us-west-2', 'ipv6'), undefined, 'a role given is used as it is');
  const managedOnly = coreAddonRole('vpc-cni', { managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy'] } as never, 'us-west-2', 'ipv6');
  assert.equal(managedOnly?.inlinePolicies, undefined, 'policies given replace the default, as eksctl\'s hasPoliciesSet');
});

test('an add-on\'s attachPolicy becomes the inline policy of its IRSA role beside attachPolicyARNs; a catalog add-on\'s is refused', () => {
  const spec = accepted(`
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: { name: four, region: us-east-1, version: "1.33" }
addons:
  - name: aws-ebs-csi-driver
    attachPolicyARNs: [arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy]
    attachPolicy:
      Version: "2012-10-17"
      Statement: [{ Effect: Allow, Action: ["kms:Decrypt"], Resource: "*" }]
managedNodeGroups: [{ name: ng, instanceType: m5.large }]
`);
  const role = coreAddonRole('aws-ebs-csi-driver', spec.eksAddons!['aws-ebs-csi-driver']!, 'us-east-1');
  assert.deepEqual(role?.managedPolicyArns, ['arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy']);
  assert.deepEqual(role?.inlinePolicies?.inline?.Statement, [{ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: '*' }]);
  const catalog = refusals(`
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: { name: four, region: us-east-1 }
addons: [{ name: metrics-server, attachPolicy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: ["s3:*"], Resource: "*" }] } }]
`);
  assert.match(at(catalog, '/addons/0/attachPolicy'), /permissions its catalog entry names/);
  const malformed = refusals(`
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: { name: four, region: us-east-1 }
addons: [{ name: coredns, attachPolicy: { Version: "2012-10-17", Statement: [{ Effect: Maybe, Action: ["s3:*"], Resource: "*" }] } }]
`);
  assert.ok(malformed.some((e) => e.path.startsWith('/addons/0/attachPolicy')), JSON.stringify(malformed));
});

test('what eksctl refuses beside IPv6 is refused, with eksctl\'s reason', () => {
  assert.match(at(refusals(`${ipv6Cluster}vpc: { autoAllocateIPv6: true }\n`), '/vpc/autoAllocateIPv6'), /auto allocate ipv6 is not supported with IPv6/);
  assert.match(at(refusals(`${ipv6Cluster}vpc: { nat: { gateway: Single } }\n`), '/vpc/nat'), /setting NAT is not supported with IPv6/);
  assert.match(at(refusals(ipv6Cluster.replace('iam: { withOIDC: true }', '')), '/kubernetesNetworkConfig/ipFamily'), /oidc needs to be enabled/);
  assert.match(at(refusals(ipv6Cluster.replace('{ ipFamily: IPv6 }', '{ ipFamily: IPv6, serviceIPv4CIDR: 172.20.0.0/16 }')), '/kubernetesNetworkConfig/serviceIPv4CIDR'), /EKS picks an IPv6 cluster's Service range/);
  assert.match(at(refusals(ipv6Cluster.replace('{ name: coredns }, ', '')), '/kubernetesNetworkConfig/ipFamily'), /coredns/);
  const unmanaged = refusals(`${ipv6Cluster}nodeGroups: [{ name: ng, instanceType: m5.large }]\n`);
  assert.ok(unmanaged.some((e) => e.path.startsWith('/nodeGroups') && /not offered in an ipv6 cluster/.test(e.message)), JSON.stringify(unmanaged));
});
