import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { creationOnlyProblems } from '../../src/domain/creation-only';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import { controlPlaneLogTypes, type EnvironmentSpec, type SpecError } from '../../src/domain/environment-spec';
import { eksctlExamplesDir } from '../support/paths';

// The eksctl tutorial's cluster, on a Kubernetes version eksflow offers.
const tutorial = `
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig

metadata:
  name: awesomebuilder-container
  region: us-east-1
  version: "1.33"
  tags:
    team: builders

iam:
  withOIDC: true

vpc:
  subnets:
    private:
      us-east-1a: { id: subnet-0aaaaaaaaaaaaaaa1 }
      us-east-1b: { id: subnet-0aaaaaaaaaaaaaaa2 }
    public:
      us-east-1a: { id: subnet-0bbbbbbbbbbbbbbb1 }
      us-east-1b: { id: subnet-0bbbbbbbbbbbbbbb2 }
  securityGroup: sg-0123456789abcdef0

managedNodeGroups:
  - name: on-demand
    instanceType: m5.large
    minSize: 1
    desiredCapacity: 2
    maxSize: 4
    volumeSize: 50
    labels: { role: general }
    ssh:
      allow: true
      publicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7builder builder@example.com
  - name: spot
    instanceTypes: [m5.large, m5a.large, m6i.large]
    spot: true
    minSize: 0
    desiredCapacity: 1
    maxSize: 5
    taints:
      - key: spot
        value: "true"
        effect: NoSchedule
    amiFamily: Bottlerocket

fargateProfiles:
  - name: fp-default
    selectors:
      - namespace: default
      - namespace: kube-system
        labels: { tier: system }

cloudWatch:
  clusterLogging:
    enableTypes: ["*"]
`;

const tutorialSpec: EnvironmentSpec = {
  name: 'awesomebuilder-container',
  region: 'us-east-1',
  kubernetesVersion: '1.33',
  tags: { team: 'builders' },
  network: {
    subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2', 'subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
    publicSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
    securityGroupIds: ['sg-0123456789abcdef0'],
  },
  controlPlaneLogging: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
  nodeGroups: [
    {
      name: 'on-demand', instanceTypes: ['m5.large'], capacityType: 'ON_DEMAND', minSize: 1, desiredSize: 2, maxSize: 4,
      diskSize: 50, amiType: 'AL2023_x86_64_STANDARD', labels: { role: 'general' }, privateNetworking: false,
      ssh: { publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7builder builder@example.com', allow: true },
    },
    {
      name: 'spot', instanceTypes: ['m5.large', 'm5a.large', 'm6i.large'], capacityType: 'SPOT', minSize: 0, desiredSize: 1, maxSize: 5,
      diskSize: 80, amiType: 'BOTTLEROCKET_x86_64', taints: [{ key: 'spot', value: 'true', effect: 'NO_SCHEDULE' }], privateNetworking: false,
    },
  ],
  fargateProfiles: [{ name: 'fp-default', selectors: [{ namespace: 'default' }, { namespace: 'kube-system', labels: { tier: 'system' } }] }],
  addons: {},
  onFailure: 'rollback',
};

/** A small valid ClusterConfig with `extra` YAML lines appended to its one node group. */
const withGroup = (extra: string, top = '') => `
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: { name: demo, region: eu-west-1 }
${top}
managedNodeGroups:
  - name: general
${extra.trim().split('\n').map((line) => `    ${line}`).join('\n')}
`;

function specOf(input: unknown): EnvironmentSpec {
  const result = translateClusterConfig(input);
  assert.ok(result.ok, `expected a spec, got ${JSON.stringify(result.ok ? null : result.errors, null, 2)}`);
  return result.spec;
}

function errorsOf(input: unknown): SpecError[] {
  const result = translateClusterConfig(input);
  assert.equal(result.ok, false, 'the ClusterConfig was expected to be refused');
  return result.ok ? [] : result.errors;
}
const pathsOf = (input: unknown) => errorsOf(input).map((error) => error.path).sort();
const messageAt = (errors: SpecError[], path: string) => errors.find((error) => error.path === path)?.message;

test('the tutorial ClusterConfig translates to the whole expected spec', () => {
  assert.deepEqual(specOf(tutorial), tutorialSpec);
});

test('an already-parsed ClusterConfig translates like its YAML text', () => {
  const parsed: unknown = parse(tutorial);
  const before = structuredClone(parsed);
  assert.deepEqual(specOf(parsed), tutorialSpec);
  assert.deepEqual(parsed, before, 'the caller\'s object is left unchanged');
});

test('version 1.30 stays "1.30" and is refused as past EKS support, with the supported range and the way out', () => {
  for (const version of ['"1.30"', '1.30']) {
    const errors = errorsOf(tutorial.replace('version: "1.33"', `version: ${version}`));
    assert.deepEqual(errors.map((error) => error.path), ['/metadata/version'], `version: ${version}`);
    assert.equal(errors[0]?.message, 'Kubernetes 1.30 is past the end of EKS support (EKS supports 1.31 to 1.36, extended support included); set metadata.version to one of them, or plan with --kubernetes-version 1.31');
  }
  // The way out: the version the user chooses instead, as `--kubernetes-version` sends it.
  assert.equal(translateClusterConfig(tutorial.replace('version: "1.33"', 'version: "1.30"'), { kubernetesVersion: '1.31' }).ok, true);
  // A version past the newest is no end-of-life: the versions on offer are named.
  assert.equal(messageAt(errorsOf(tutorial.replace('version: "1.33"', 'version: "1.40"')), '/metadata/version'), 'must be one of 1.31, 1.32, 1.33, 1.34, 1.35, 1.36 (got "1.40")');
});

test('an unquoted version keeps the digits as written in YAML', () => {
  assert.equal(specOf(tutorial.replace('version: "1.33"', 'version: 1.34')).kubernetesVersion, '1.34');
  // Written as 1.3 it is 1.3, not 1.30.
  assert.match(messageAt(errorsOf(tutorial.replace('version: "1.33"', 'version: 1.3')), '/metadata/version') ?? '', /^Kubernetes 1\.3 is past the end of EKS support/);
});

test('a numeric version in a parsed object keeps its two-digit minor', () => {
  const config = parse(tutorial) as { metadata: Record<string, unknown> };
  config.metadata.version = 1.3;
  assert.match(messageAt(errorsOf(config), '/metadata/version') ?? '', /^Kubernetes 1\.30 is past/);
  config.metadata.version = 1.35;
  assert.equal(specOf(config).kubernetesVersion, '1.35');
});

test('a missing version takes eksflow\'s default', () => {
  assert.equal(specOf(tutorial.replace('  version: "1.33"\n', '')).kubernetesVersion, '1.35');
});

test('a node group with only desiredCapacity gets min = max = desired', () => {
  const [group] = specOf(withGroup('desiredCapacity: 3')).nodeGroups;
  assert.deepEqual([group?.minSize, group?.desiredSize, group?.maxSize], [3, 3, 3]);
});

test('a node group with no sizes gets eksctl\'s defaults', () => {
  const spec = specOf(withGroup(''));
  assert.deepEqual(spec.nodeGroups, [{
    name: 'general', instanceTypes: ['m5.large'], capacityType: 'ON_DEMAND', minSize: 2, desiredSize: 2, maxSize: 2,
    diskSize: 80, amiType: 'AL2023_x86_64_STANDARD', privateNetworking: false,
  }]);
});

test('minSize alone sets desired, and min and max follow it', () => {
  const [group] = specOf(withGroup('minSize: 3\nmaxSize: 6')).nodeGroups;
  assert.deepEqual([group?.minSize, group?.desiredSize, group?.maxSize], [3, 3, 6]);
});

test('without vpc eksflow creates the VPC eksctl would: 192.168.0.0/16 in three zones (two where the region has two)', () => {
  assert.deepEqual(specOf(withGroup('')).network, { vpc: { cidr: '192.168.0.0/16', availabilityZones: 3, natGateway: 'single' } });
  assert.equal(specOf(withGroup('').replace('region: eu-west-1', 'region: us-west-1')).network.vpc?.availabilityZones, 2);
});

test('nat Disable with nodes in private subnets is refused: they would have no route out', () => {
  const errors = errorsOf(withGroup('privateNetworking: true', 'vpc:\n  nat: { gateway: Disable }'));
  assert.deepEqual(errors.map((error) => error.path), ['/vpc/nat/gateway']);
  assert.match(errors[0]!.message, /node group general run in private subnets.*Single or HighlyAvailable/);
  // Public nodes need no NAT gateway.
  assert.equal(specOf(withGroup('', 'vpc:\n  nat: { gateway: Disable }')).network.vpc?.natGateway, 'none');
});

test('vpc.cidr, vpc.nat and availabilityZones describe the VPC to create', () => {
  const top = 'availabilityZones: [eu-west-1a, eu-west-1b, eu-west-1c]\nvpc:\n  cidr: 10.42.0.0/16\n  nat: { gateway: HighlyAvailable }';
  assert.deepEqual(specOf(withGroup('', top)).network, { vpc: { cidr: '10.42.0.0/16', zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'], availabilityZones: 3, natGateway: 'perAz' } });
  assert.equal(specOf(withGroup('', 'vpc:\n  nat: { gateway: Disable }')).network.vpc?.natGateway, 'none');
  assert.equal(specOf(withGroup('', 'vpc:\n  nat: { gateway: Single }')).network.vpc?.natGateway, 'single');
  const errors = errorsOf(withGroup('', 'vpc:\n  nat: { gateway: Double }'));
  assert.deepEqual(errors, [{ path: '/vpc/nat/gateway', message: 'must be one of Single, HighlyAvailable, Disable' }]);
});

test('existing subnets cannot be combined with a VPC to create', () => {
  const top = 'availabilityZones: [eu-west-1a, eu-west-1b]\nvpc:\n  cidr: 10.0.0.0/16\n  subnets:\n    private:\n      eu-west-1a: { id: subnet-0aaaaaaaaaaaaaaa1 }\n      eu-west-1b: { id: subnet-0aaaaaaaaaaaaaaa2 }';
  // vpc.cidr beside existing subnets is eksctl's check of the VPC they are in; zones come from the subnets.
  assert.deepEqual(pathsOf(withGroup('privateNetworking: true', top)), ['/availabilityZones']);
  // Only private subnets given: eksctl's public nodes have nowhere to go (eksctl refuses it too).
  assert.match(messageAt(errorsOf(withGroup('', top.replace('availabilityZones: [eu-west-1a, eu-west-1b]\n', ''))), '/managedNodeGroups/0/privateNetworking') ?? '', /network names none: list them in network\.publicSubnetIds \(vpc\.subnets\.public in a ClusterConfig\)/);
  // A control-plane security group in the VPC eksflow makes: for an apply to the live environment
  // (eksctl utils update-cluster-vpc-config), which a creation plan refuses with that way out.
  const groupOnly = specOf(withGroup('', 'vpc:\n  securityGroup: sg-0123456789abcdef0'));
  assert.deepEqual(groupOnly.network.securityGroupIds, ['sg-0123456789abcdef0']);
  assert.deepEqual(creationOnlyProblems(groupOnly).map((problem) => problem.path), ['/network/securityGroupIds']);
});

test('a subnet without an id in a VPC not named by vpc.id is refused at its Availability Zone', () => {
  const top = 'vpc:\n  subnets:\n    private:\n      eu-west-1a: { id: subnet-0aaaaaaaaaaaaaaa1 }\n      eu-west-1b: { cidr: 10.0.1.0/24 }';
  const errors = errorsOf(withGroup('privateNetworking: true', top));
  assert.deepEqual(errors.map((error) => error.path).sort(), ['/vpc/subnets', '/vpc/subnets/private/eu-west-1b']);
  assert.match(messageAt(errors, '/vpc/subnets/private/eu-west-1b') ?? '', /finds a subnet by its cidr or az only in an existing VPC: give vpc.id/);
  assert.match(messageAt(errors, '/vpc/subnets') ?? '', /greater or equal to 2/, 'one subnet is too few');
});

test('fields eksflow does not support are each refused at their path', () => {
  const config = `
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: demo
  region: eu-west-1
  annotations: { owner: me }
iam:
  withOIDC: true
  serviceAccounts:
    - metadata: { name: s3-reader }
vpc:
  clusterEndpoints: { publicAccess: true, privateAccess: true }
addons:
  - name: vpc-cni
nodeGroups:
  - name: self-managed
karpenter:
  version: "1.12.0" # runs on Kubernetes 1.35, but is not the release eksflow installs
gitops:
  flux: { gitProvider: github }
secretsEncryption:
  keyARN: arn:aws:kms:eu-west-1:123456789012:key/abc
privateCluster:
  enabled: true
managedNodeGroups:
  - name: first
    privateNetworking: true
  - name: second
    iam:
      attachPolicyARNs: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]
      withAddonPolicies: { ebs: true }
    ssh:
      publicKeyPath: ~/.ssh/id_ed25519.pub
fargateProfiles:
  - name: fp
    podExecutionRoleARN: arn:aws:iam::123456789012:role/fargate
    selectors: [{ namespace: default }]
`;
  const errors = errorsOf(config);
  assert.deepEqual(errors.map((error) => error.path).sort(), [
    '/fargateProfiles/0/podExecutionRoleARN',
    '/gitops',
    '/iam/serviceAccounts/0',
    '/karpenter/version',
    '/managedNodeGroups/1/ssh/publicKeyPath',
    '/metadata/annotations',
    '/privateCluster',
  ]);
  // Service accounts are translated now (test/domain/workload-identity.test.ts); one that grants nothing is refused, in eksctl's field names.
  assert.match(messageAt(errors, '/iam/serviceAccounts/0') ?? '', /^grants nothing: give attachPolicyARNs/);
  assert.match(messageAt(errors, '/gitops') ?? '', /git provider's credentials.*flux bootstrap/);
  assert.match(messageAt(errors, '/karpenter/version') ?? '', /eksflow installs Karpenter 1\.14\.1/);
  assert.match(messageAt(errors, '/privateCluster') ?? '', /fully private clusters .* not offered yet; use vpc\.clusterEndpoints/);
  assert.match(messageAt(errors, '/managedNodeGroups/1/ssh/publicKeyPath') ?? '', /the API never reads paths: `eksflow plan -f`/);
  assert.match(messageAt(errors, '/metadata/annotations') ?? '', /configure eksctl itself/);
});

test('a key eksctl does not know either is a typo: the nearest known name is suggested', () => {
  const errors = errorsOf(withGroup('instanceTyp: m5.large\nminsize: 1', 'managedNodeGroup: []\nvpc: { natt: { gateway: Single } }'));
  assert.equal(messageAt(errors, '/managedNodeGroup'), 'is not a ClusterConfig field: did you mean managedNodeGroups?');
  assert.equal(messageAt(errors, '/managedNodeGroups/0/instanceTyp'), 'is not a field of managedNodeGroups/*: did you mean instanceType?');
  assert.equal(messageAt(errors, '/managedNodeGroups/0/minsize'), 'is not a field of managedNodeGroups/*: did you mean minSize?');
  assert.equal(messageAt(errors, '/vpc/natt'), 'is not a field of vpc: did you mean nat?');
  // Far from every name: no guess, the names eksctl has instead.
  assert.match(messageAt(errorsOf(withGroup('', 'zzzzzzzzzz: 1')), '/zzzzzzzzzz') ?? '', /^is not a ClusterConfig field \(eksctl has apiVersion, kind, metadata/);
  // An eksctl setting eksflow does not build is told apart from a typo.
  assert.match(messageAt(errorsOf(withGroup('asgSuspendProcesses: [AZRebalance]')), '/managedNodeGroups/0/asgSuspendProcesses') ?? '', /^is an eksctl setting eksflow does not build yet/);
});

test('YAML merge keys and a trailing document separator are read as eksctl reads them', () => {
  const merged = `
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: { name: demo, region: eu-west-1 }
x-defaults: &defaults
  instanceType: m5.xlarge
  desiredCapacity: 3
managedNodeGroups:
  - <<: *defaults
    name: a
---
`;
  const errors = errorsOf(merged);
  // The anchor's own holder is no ClusterConfig field, but the merge itself is read.
  assert.deepEqual(errors.map((error) => error.path), ['/x-defaults']);
  const spec = specOf(merged.replace(/x-defaults: &defaults\n {2}instanceType: m5.xlarge\n {2}desiredCapacity: 3\n/, '').replace('  - <<: *defaults\n', '  - <<: { instanceType: m5.xlarge, desiredCapacity: 3 }\n'));
  assert.deepEqual([spec.nodeGroups[0]?.instanceTypes, spec.nodeGroups[0]?.desiredSize], [['m5.xlarge'], 3]);
});

test('an unsupported field is refused even when it holds a scalar or sits in a list', () => {
  // (accessConfig was the example here until eksflow took it: test/domain/access-entries.test.ts.)
  assert.deepEqual(pathsOf(withGroup('iam: arn:aws:iam::123456789012:role/node', 'gitops: enabled')), [
    '/gitops', '/managedNodeGroups/0/iam',
  ]);
  const top = 'fargateProfiles:\n  - name: fp\n    selectors:\n      - namespace: default\n        podLabels: { a: b }';
  assert.deepEqual(pathsOf(withGroup('', top)), ['/fargateProfiles/0/selectors/0/podLabels']);
});

test('broken YAML is refused with the reason and the line', () => {
  const errors = errorsOf('apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: { name: demo\n');
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.path, '');
  assert.match(errors[0]?.message ?? '', /^not valid YAML: .+ at line \d+, column \d+$/);
  assert.match(errorsOf('metadata:\n  name: a\n  name: b\n')[0]?.message ?? '', /^not valid YAML: Map keys must be unique at line 3/);
});

test('YAML that is not one ClusterConfig mapping is refused', () => {
  assert.deepEqual(errorsOf(`${withGroup('')}---\n${withGroup('')}`), [{ path: '', message: 'expected one YAML document holding a ClusterConfig, found 2' }]);
  assert.deepEqual(errorsOf(''), [{ path: '', message: 'expected one YAML document holding a ClusterConfig, found 0' }]);
  assert.deepEqual(errorsOf('- a\n- b\n'), [{ path: '', message: 'a ClusterConfig must be a mapping (an object)' }]);
  assert.deepEqual(errorsOf('just text'), [{ path: '', message: 'a ClusterConfig must be a mapping (an object)' }]);
  assert.deepEqual(errorsOf(null), [{ path: '', message: 'a ClusterConfig must be a mapping (an object)' }]);
});

test('a wrong or missing apiVersion and kind are refused', () => {
  const errors = errorsOf(withGroup('').replace('eksctl.io/v1alpha5', 'eksctl.io/v1alpha4').replace('kind: ClusterConfig', 'kind: NodeGroup'));
  assert.deepEqual(errors, [
    { path: '/apiVersion', message: 'must be eksctl.io/v1alpha5, not "eksctl.io/v1alpha4"' },
    { path: '/kind', message: 'must be ClusterConfig, not "NodeGroup"' },
  ]);
  const missing = errorsOf(withGroup('').replace('apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n', ''));
  assert.deepEqual(missing, [
    { path: '/apiVersion', message: 'is missing; expected eksctl.io/v1alpha5' },
    { path: '/kind', message: 'is missing; expected ClusterConfig' },
  ]);
});

test('withOIDC false is refused: eksflow always associates an OIDC provider', () => {
  const errors = errorsOf(withGroup('', 'iam: { withOIDC: false }'));
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.path, '/iam/withOIDC');
  assert.match(errors[0]?.message ?? '', /eksflow always associates an IAM OIDC provider/);
  assert.deepEqual(pathsOf(withGroup('', 'iam: { withOIDC: "yes" }')), ['/iam/withOIDC']);
});

test('AmazonLinux2 and Ubuntu need an AMI of your own; unknown families are refused with the ones eksflow builds', () => {
  assert.deepEqual(errorsOf(withGroup('amiFamily: AmazonLinux2')), [
    { path: '/managedNodeGroups/0/amiFamily', message: 'AmazonLinux2 nodes need an AMI of your own (give ami): EKS publishes no AL2 AMIs past Kubernetes 1.32; or use AmazonLinux2023 or Bottlerocket' },
  ]);
  // An AL2 AMI of your own runs its bootstrap.sh (the overrideBootstrapCommand), managed or self-managed (past 1.32 the plan warns).
  const al2 = 'amiFamily: AmazonLinux2\nami: ami-0e124de4755b2734d\noverrideBootstrapCommand: /etc/eks/bootstrap.sh demo';
  const on132 = (config: string) => config.replace('metadata: { name: demo, region: eu-west-1 }', 'metadata: { name: demo, region: eu-west-1, version: "1.32" }');
  for (const config of [on132(withGroup(al2)), withGroup(al2), withGroup(al2).replace('managedNodeGroups:', 'nodeGroups:')]) {
    const custom = specOf(config).nodeGroups[0];
    assert.deepEqual([custom?.amiType, custom?.ami], ['CUSTOM', { id: 'ami-0e124de4755b2734d', family: 'AmazonLinux2', overrideBootstrapCommand: '/etc/eks/bootstrap.sh demo' }]);
  }
  // eksctl reads any ami starting with "ami-" (IsAMI); EC2 judges it when the run looks it up.
  assert.equal(specOf(on132(withGroup(al2.replace('ami-0e124de4755b2734d', 'ami-custom')))).nodeGroups[0]?.ami?.id, 'ami-custom');
  assert.deepEqual(pathsOf(on132(withGroup(al2.replace('ami-0e124de4755b2734d', 'my-image')))), ['/managedNodeGroups/0/ami/id']);
  assert.match(messageAt(errorsOf(withGroup('amiFamily: Ubuntu2204')), '/managedNodeGroups/0/amiFamily') ?? '', /^Ubuntu2204 nodes need an AMI of your own/);
  assert.match(messageAt(errorsOf(withGroup('amiFamily: Windows')), '/managedNodeGroups/0/amiFamily') ?? '', /^"Windows" is not an AMI family eksflow builds; use one of AmazonLinux2023, Bottlerocket, WindowsServer2019FullContainer/);
  assert.equal(specOf(withGroup('amiFamily: WindowsServer2022CoreContainer')).nodeGroups[0]?.amiType, 'WINDOWS_CORE_2022_x86_64');
});

test('ssh.allow without a public key is refused: only the user\'s machine has the default key', () => {
  assert.deepEqual(errorsOf(withGroup('ssh: { allow: true }')), [
    { path: '/managedNodeGroups/0/ssh/allow', message: 'names no key: eksctl would read ~/.ssh/id_rsa.pub, which only your machine has; `eksflow plan -f` and `eksflow env create -f` read it and send it as ssh.publicKey, or give ssh.publicKey or ssh.publicKeyName' },
  ]);
  // allow false with a key installs the key without opening port 22 (eksctl: the security group rule is not made).
  assert.deepEqual(specOf(withGroup('ssh: { allow: false, publicKey: ssh-ed25519 AAAA }').replace('managedNodeGroups:', 'nodeGroups:')).nodeGroups[0]?.ssh, { publicKey: 'ssh-ed25519 AAAA', allow: false });
  // A managed group's key goes through EKS's remote access, which opens port 22: a key with allow false is a contradiction there.
  assert.match(messageAt(errorsOf(withGroup('ssh: { allow: false, publicKey: ssh-ed25519 AAAA }')), '/managedNodeGroups/0/ssh/allow') ?? '', /is false, yet a key/);
  assert.equal(specOf(withGroup('ssh: { allow: false }')).nodeGroups[0]?.ssh, undefined);
  assert.deepEqual(specOf(withGroup('ssh: { publicKey: ssh-ed25519 AAAA }')).nodeGroups[0]?.ssh, { publicKey: 'ssh-ed25519 AAAA', allow: true });
  // An EC2 key pair installed on self-managed nodes without opening port 22 (eksctl: allow false).
  assert.deepEqual(specOf(withGroup('ssh: { publicKeyName: dev, allow: false }').replace('managedNodeGroups:', 'nodeGroups:')).nodeGroups[0]?.ssh, { keyName: 'dev', allow: false });
  // SSM access is translated: the group's own node role gets AmazonSSMManagedInstanceCore (src/domain/node-ssh-access.ts).
  assert.deepEqual(specOf(withGroup('ssh: { enableSsm: true }')).nodeGroups[0]?.ssh, { enableSsm: true, allow: false });
});

test('AMI types are chosen as eksctl chooses them: Graviton to ARM, GPU families to NVIDIA, Inferentia and Trainium to Neuron', () => {
  const amiType = (extra: string) => specOf(withGroup(extra)).nodeGroups[0]?.amiType;
  assert.equal(amiType('instanceType: m7g.large'), 'AL2023_ARM_64_STANDARD');
  assert.equal(amiType('instanceTypes: [c6gn.xlarge, t4g.medium, r8gd.large]'), 'AL2023_ARM_64_STANDARD');
  assert.equal(amiType('instanceType: t4g.small\namiFamily: Bottlerocket'), 'BOTTLEROCKET_ARM_64');
  assert.equal(amiType('instanceType: g5.xlarge'), 'AL2023_x86_64_NVIDIA', 'g5 is an NVIDIA GPU family, not Graviton');
  assert.equal(amiType('instanceType: p4d.24xlarge'), 'AL2023_x86_64_NVIDIA');
  assert.equal(amiType('instanceType: g5g.xlarge'), 'AL2023_ARM_64_NVIDIA', 'g5g: Graviton with NVIDIA GPUs');
  assert.equal(amiType('instanceType: g4dn.xlarge\namiFamily: Bottlerocket'), 'BOTTLEROCKET_x86_64_NVIDIA');
  assert.equal(amiType('instanceType: inf2.xlarge'), 'AL2023_x86_64_NEURON');
  assert.equal(amiType('instanceType: trn1.2xlarge'), 'AL2023_x86_64_NEURON');
  assert.match(messageAt(errorsOf(withGroup('instanceTypes: [g5.xlarge, m5.large]')), '/managedNodeGroups/0/instanceTypes') ?? '', /mixes NVIDIA and plain instance types/);
  assert.equal(amiType('instanceType: m5.large\namiFamily: AmazonLinux2023'), 'AL2023_x86_64_STANDARD');
  assert.deepEqual(pathsOf(withGroup('instanceTypes: [m7g.large, m5.large]')), ['/managedNodeGroups/0/instanceTypes']);
});

test('instanceType and instanceTypes together are refused', () => {
  assert.deepEqual(pathsOf(withGroup('instanceType: m5.large\ninstanceTypes: [m5a.large]')), ['/managedNodeGroups/0/instanceTypes']);
});

test('every taint effect is translated, and an unknown one is refused', () => {
  const taints = specOf(withGroup('taints:\n  - { key: a, effect: NoSchedule }\n  - { key: b, value: x, effect: NoExecute }\n  - { key: c, effect: PreferNoSchedule }')).nodeGroups[0]?.taints;
  assert.deepEqual(taints, [
    { key: 'a', effect: 'NO_SCHEDULE' },
    { key: 'b', value: 'x', effect: 'NO_EXECUTE' },
    { key: 'c', effect: 'PREFER_NO_SCHEDULE' },
  ]);
  assert.deepEqual(errorsOf(withGroup('taints:\n  - { key: a, effect: NO_SCHEDULE }')), [
    { path: '/managedNodeGroups/0/taints/0/effect', message: 'must be one of NoSchedule, NoExecute, PreferNoSchedule' },
  ]);
});

test('control-plane log types are read by name, and "all" means every type', () => {
  const logging = (types: string) => specOf(withGroup('', `cloudWatch:\n  clusterLogging:\n    enableTypes: ${types}`)).controlPlaneLogging;
  assert.deepEqual(logging('[api, audit]'), ['api', 'audit']);
  assert.deepEqual(logging('[all]'), [...controlPlaneLogTypes]);
  assert.deepEqual(logging('["*"]'), [...controlPlaneLogTypes]);
  assert.deepEqual(errorsOf(withGroup('', 'cloudWatch:\n  clusterLogging:\n    enableTypes: [api, kubelet]')), [
    { path: '/cloudWatch/clusterLogging/enableTypes/1', message: 'must be one of api, audit, authenticator, controllerManager, scheduler, or "*" for all of them' },
  ]);
  assert.equal(specOf(withGroup('', 'cloudWatch:\n  clusterLogging:\n    enableTypes: [api]\n    logRetentionInDays: 7')).controlPlaneLogRetentionDays, 7);
});

test('size rules broken in the spec are reported at the node group\'s own fields', () => {
  const errors = errorsOf(tutorial.replace('minSize: 0', 'minSize: 6'));
  assert.deepEqual(errors, [
    { path: '/managedNodeGroups/1/desiredCapacity', message: 'desiredCapacity 1 is below minSize 6' },
    { path: '/managedNodeGroups/1/minSize', message: 'minSize 6 is above maxSize 5' },
  ]);
});

test('schema errors are reported at the ClusterConfig path the value came from', () => {
  const errors = errorsOf(tutorial
    .replace('name: awesomebuilder-container', 'name: Awesome_Builder')
    .replace('region: us-east-1', 'region: mars-1')
    .replace('subnet-0bbbbbbbbbbbbbbb2', 'subnet_0bbb')
    .replace('instanceType: m5.large', 'instanceType: large')
    .replace('volumeSize: 50', 'volumeSize: 0')
    .replace('- name: spot', '- name: on-demand')
    .replace('namespace: kube-system', 'namespace: Kube_System'));
  assert.deepEqual(errors.map((error) => error.path).sort(), [
    '/fargateProfiles/0/selectors/1/namespace',
    '/managedNodeGroups/0/instanceType',
    '/managedNodeGroups/0/volumeSize',
    '/managedNodeGroups/1/name',
    '/metadata/name',
    '/metadata/region',
    '/vpc/subnets/public/1',
    '/vpc/subnets/public/us-east-1b/id',
  ]);
  assert.match(messageAt(errors, '/metadata/name') ?? '', /DNS-1123.*\(got "Awesome_Builder"\)$/);
  assert.equal(messageAt(errors, '/managedNodeGroups/1/name'), 'node group name "on-demand" is already used by /managedNodeGroups/0');
});

test('translation, unsupported-field and validation errors all come back together', () => {
  const errors = errorsOf(withGroup('desiredCapacity: 5\nmaxSize: 2\namiFamily: AmazonLinux2\nlaunchTemplate: { id: template-1 }', 'addons: [{ name: coredns }]\niam: { withOIDC: false }'));
  assert.deepEqual(errors.map((error) => error.path).sort(), [
    '/iam/withOIDC',
    '/managedNodeGroups/0/amiFamily',
    '/managedNodeGroups/0/desiredCapacity',
    '/managedNodeGroups/0/desiredCapacity',
    '/managedNodeGroups/0/launchTemplate/id',
  ]);
  // minSize was left out, so it follows desiredCapacity, and so does the blame.
  assert.deepEqual(errors.filter((error) => error.path === '/managedNodeGroups/0/desiredCapacity').map((error) => error.message), [
    'desiredCapacity 5 is above maxSize 2',
    'minSize 5 is above maxSize 2',
  ]);
});

test('a cluster with no node groups is accepted, as eksctl makes it; add-ons then need somewhere to run', () => {
  const bare = withGroup('').replace(/managedNodeGroups:[\s\S]*$/, '');
  assert.deepEqual(specOf(bare).nodeGroups, []);
  const errors = errorsOf(`${bare}addons:\n  - name: metrics-server\n`);
  assert.deepEqual(errors.map((error) => error.path), ['/managedNodeGroups']);
  assert.match(errors[0]?.message ?? '', /add-on metrics-server need somewhere to run pods: add a node group or a Fargate profile/);
});

test('wrong shapes are refused where they are read', () => {
  assert.deepEqual(pathsOf(withGroup('', 'vpc: [a]')), ['/vpc']);
  assert.deepEqual(pathsOf(withGroup('spot: "yes"')), ['/managedNodeGroups/0/spot']);
  assert.deepEqual(pathsOf(withGroup('').replace(/managedNodeGroups:[\s\S]*$/, 'managedNodeGroups:\n  - general\nfargateProfiles: []\n')), ['/managedNodeGroups/0']);
});

test('EKS add-ons: the catalog\'s taken as they are (their settings refused); the core five with their settings', () => {
  assert.deepEqual(specOf(withGroup('', 'addons:\n  - name: metrics-server\n  - name: amazon-cloudwatch-observability')).addons, {
    'metrics-server': { method: 'eks-addon' }, cloudwatch: { mode: 'observability', method: 'eks-addon', logRetentionDays: 30 },
  });
  const errors = errorsOf(withGroup('', 'addons:\n  - name: kube-proxy\n  - name: aws-efs-csi-driver\n  - name: metrics-server\n    version: v0.7.2-eksbuild.1\n    serviceAccountRoleARN: arn:aws:iam::123456789012:role/x'));
  assert.deepEqual(errors, [
    { path: '/addons/1/name', message: 'aws-efs-csi-driver is not an add-on eksflow installs; as EKS add-ons it offers vpc-cni, coredns, kube-proxy, aws-ebs-csi-driver, eks-pod-identity-agent, metrics-server, amazon-cloudwatch-observability, and more as environment add-ons' },
    { path: '/addons/2/version', message: 'eksflow pins this add-on\'s version per Kubernetes version; remove version' },
    { path: '/addons/2/serviceAccountRoleARN', message: 'eksflow makes this add-on\'s IRSA role itself' },
  ]);
  const core = specOf(withGroup('', `addons:
  - name: vpc-cni
    version: latest
    attachPolicyARNs: [arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy]
    configurationValues: '{"env":{"ENABLE_PREFIX_DELEGATION":"true"}}'
    resolveConflicts: overwrite
  - name: coredns
    version: v1.12.1-eksbuild.2
    configurationValues: |
      replicaCount: 3
  - name: kube-proxy
    resolveConflicts: none
  - name: aws-ebs-csi-driver
    wellKnownPolicies: { ebsCSIController: true }
  - name: eks-pod-identity-agent
    serviceAccountRoleARN: arn:aws:iam::123456789012:role/agent
    tags: { team: eks }`));
  assert.deepEqual(core.eksAddons, {
    'vpc-cni': { version: 'latest', managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy'], configurationValues: '{"env":{"ENABLE_PREFIX_DELEGATION":"true"}}', resolveConflicts: 'OVERWRITE' },
    coredns: { version: 'v1.12.1-eksbuild.2', configurationValues: 'replicaCount: 3\n', resolveConflicts: 'OVERWRITE' },
    'kube-proxy': { resolveConflicts: 'NONE' },
    'aws-ebs-csi-driver': { resolveConflicts: 'OVERWRITE' },
    'eks-pod-identity-agent': { serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/agent', tags: { team: 'eks' }, resolveConflicts: 'OVERWRITE' },
  });
  assert.deepEqual(errorsOf(withGroup('', `addons:
  - name: coredns
    resolveConflicts: preserve
    wellKnownPolicies: { autoScaler: true }
    podIdentityAssociations: [{ namespace: kube-system, serviceAccountName: coredns, permissionPolicyARNs: [arn:aws:iam::aws:policy/ReadOnlyAccess] }]
    attachPolicy: { Version: '2012-10-17', Statement: [] }
  - name: kube-proxy
    version: recent`)).map((e) => [e.path, e.message]), [
    ['/addons/0/podIdentityAssociations', 'pod identity associations for add-ons are not offered yet: bind the add-on\'s role through IRSA with attachPolicyARNs, wellKnownPolicies or serviceAccountRoleARN'],
    ['/addons/0/wellKnownPolicies/autoScaler', 'well-known policies are not supported for coredns: give managed policies in attachPolicyARNs'],
    ['/addons/0/resolveConflicts', 'EKS takes preserve only when updating an add-on; eksflow creates it: use none or overwrite'],
    // An inline policy is taken (the add-on role's), and checked as IAM takes a document.
    ['/addons/0/attachPolicy/Statement', 'Expected array length to be greater or equal to 1'],
    ['/addons/1/version', `Expected string to match '^(latest|v?[0-9]+\\.[0-9]+\\.[0-9]+(-eksbuild\\.[0-9]+)?)$' (an EKS add-on version as DescribeAddonVersions lists it (v1.20.4-eksbuild.1; v1.20.4 takes its newest build), or latest; the default version for the cluster's Kubernetes minor when left out) (got "recent")`],
  ]);
});

// eksctl's own example configs with `addons:`, read where they are (never copied into the repo).
const eksctlExamples = eksctlExamplesDir;
for (const file of ['25-addons.yaml', '30-vpc-with-ip-family.yaml', '39-pod-identity-association.yaml']) {
  test(`eksctl's ${file}: every addons entry is taken`, () => {
    const text = readFileSync(`${eksctlExamples}/${file}`, 'utf8');
    const result = translateClusterConfig(text);
    const errors = result.ok ? [] : result.errors;
    assert.deepEqual(errors.filter((e) => e.path.startsWith('/addons')), [], 'no addons entry is refused (30\'s inline attachPolicy too)');
  });
}

test('eksctl\'s 25-addons.yaml on a Kubernetes version EKS still offers: the four add-ons, accepted whole', () => {
  // Its metadata.version "1.18" left EKS support years ago: the only thing eksflow refuses in it.
  const text = readFileSync(`${eksctlExamples}/25-addons.yaml`, 'utf8');
  assert.deepEqual(pathsOf(text), ['/metadata/version']);
  const spec = specOf(text.replace('version: "1.18"', 'version: "1.33"'));
  assert.deepEqual(spec.eksAddons, {
    'vpc-cni': { managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy'], resolveConflicts: 'OVERWRITE' },
    coredns: { version: 'latest', resolveConflicts: 'OVERWRITE' },
    'kube-proxy': { version: 'latest', resolveConflicts: 'OVERWRITE' },
    'aws-ebs-csi-driver': { resolveConflicts: 'OVERWRITE' },
  });
});
