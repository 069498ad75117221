import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvironmentSpec, type NodeGroupSpec, type SpecError } from '../../src/domain/environment-spec';
import { amazonLinux2VersionWarnings, managedLaunchTemplate, managedUserData, needsOwnLaunchTemplate, usesManagedNodeSettings, type ClusterFacts } from '../../src/domain/managed-launch-template';

const cluster: ClusterFacts = { name: 'demo', endpoint: 'https://ABC.gr7.us-east-1.eks.amazonaws.com', certificateAuthority: 'LS0tLS1CRUdJTg==', serviceIpv4Cidr: '172.20.0.0/16', clusterSecurityGroupId: 'sg-0aaaaaaaaaaaaaaaa' };
const vpcSpec = { name: 'demo', region: 'us-east-1', network: { vpc: { zones: ['us-east-1a', 'us-east-1b'] } } };
const withGroup = (group: Record<string, unknown>, base: Record<string, unknown> = vpcSpec) => ({ ...base, nodeGroups: [{ name: 'ng', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2, ...group }] });
function groupOf(group: Record<string, unknown>): NodeGroupSpec {
  const parsed = parseEnvironmentSpec(withGroup(group));
  assert.ok(parsed.ok, JSON.stringify(parsed.ok ? null : parsed.errors));
  return parsed.spec.nodeGroups[0]!;
}
function errorsOf(input: unknown): SpecError[] {
  const parsed = parseEnvironmentSpec(input);
  assert.equal(parsed.ok, false, 'expected a refusal');
  return parsed.ok ? [] : parsed.errors;
}

test('an old group takes none of the new paths', () => {
  const group = groupOf({});
  assert.equal(usesManagedNodeSettings(group), false);
  assert.equal(needsOwnLaunchTemplate(group), false);
});

test('volume, security groups and metadata options go into the launch template with the disk size, and the cluster security group stays', () => {
  const group = groupOf({ diskSize: 80, volume: { type: 'gp3', iops: 4000, throughput: 250, encrypted: true, kmsKeyId: 'alias/nodes' }, securityGroupIds: ['sg-0123456789abcdef0'], instanceMetadata: { httpTokens: 'required', httpPutResponseHopLimit: 1 }, tags: { team: 'a' } });
  assert.equal(needsOwnLaunchTemplate(group), true);
  const template = managedLaunchTemplate(group, cluster, 'eksflow-demo-ng');
  assert.deepEqual(template, {
    blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: 80, volumeType: 'gp3', deleteOnTermination: true, iops: 4000, throughput: 250, encrypted: true, kmsKeyId: 'alias/nodes' } }],
    instanceTags: { Name: 'demo-ng-Node', team: 'a' },
    keyName: 'eksflow-demo-ng',
    securityGroupIds: ['sg-0aaaaaaaaaaaaaaaa', 'sg-0123456789abcdef0'],
    metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' },
  });
});

test('AL2023 user data is MIME multipart: a NodeConfig part with maxPods, then the commands', () => {
  const userData = managedUserData(groupOf({ maxPodsPerNode: 58, preBootstrapCommands: ['echo hello'] }), cluster)!;
  assert.match(userData, /^MIME-Version: 1.0\nContent-Type: multipart\/mixed; boundary="EKSFLOW-BOUNDARY"\n/);
  const parts = userData.split('--EKSFLOW-BOUNDARY').slice(1, -1);
  assert.equal(parts.length, 2);
  assert.match(parts[0]!, /Content-Type: application\/node.eks.aws\n\n---\napiVersion: node.eks.aws\/v1alpha1\nkind: NodeConfig\nspec:\n {2}kubelet:\n {4}config:\n {6}maxPods: 58/);
  assert.doesNotMatch(parts[0]!, /apiServerEndpoint/, 'EKS merges its own cluster settings into an EKS AMI\'s NodeConfig');
  assert.match(parts[1]!, /Content-Type: text\/x-shellscript; charset="us-ascii"\n\n#!\/bin\/bash\necho hello/);
  assert.ok(userData.endsWith('--EKSFLOW-BOUNDARY--\n'));
});

test('a custom AL2023 AMI gets the whole NodeConfig; an override replaces it', () => {
  const custom = groupOf({ ami: { id: 'ami-0123456789abcdef0', family: 'AmazonLinux2023' } });
  assert.equal(custom.amiType, 'CUSTOM');
  const template = managedLaunchTemplate(custom, cluster);
  assert.equal(template.imageId, 'ami-0123456789abcdef0');
  assert.match(template.userData!, /cluster:\n {4}name: demo\n {4}apiServerEndpoint: https:\/\/ABC.gr7.us-east-1.eks.amazonaws.com\n {4}certificateAuthority: LS0tLS1CRUdJTg==\n {4}cidr: 172.20.0.0\/16/);
  const overridden = managedUserData(groupOf({ ami: { id: 'ami-0123456789abcdef0', family: 'AmazonLinux2023', overrideBootstrapCommand: '#!/bin/bash\nnodeadm init -c file:///etc/mine.yaml' } }), cluster)!;
  assert.doesNotMatch(overridden, /NodeConfig/);
  assert.match(overridden, /nodeadm init -c file:\/\/\/etc\/mine.yaml/);
});

test('a custom AmazonLinux2 AMI runs its bootstrap.sh through the overrideBootstrapCommand, after the preBootstrapCommands', () => {
  const al2 = { kubernetesVersion: '1.32' };
  const override = '#!/bin/bash\n/etc/eks/bootstrap.sh demo --kubelet-extra-args \'--node-labels=role=worker\'';
  const parsed = parseEnvironmentSpec(withGroup({ ami: { id: 'ami-0e124de4755b2734d', family: 'AmazonLinux2', overrideBootstrapCommand: override }, preBootstrapCommands: ['echo 0 > /sys/devices/system/cpu/cpu1/online'] }, { ...vpcSpec, ...al2 }));
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  const group = parsed.spec.nodeGroups[0]!;
  const template = managedLaunchTemplate(group, cluster);
  assert.equal(template.imageId, 'ami-0e124de4755b2734d');
  // MIME multi-part, one shell part each, as eksctl's makeCustomAMIUserData writes them; no NodeConfig (AL2 has no nodeadm).
  assert.equal(template.userData, [
    'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="EKSFLOW-BOUNDARY"', '',
    '--EKSFLOW-BOUNDARY', 'Content-Type: text/x-shellscript; charset="us-ascii"', '', '#!/bin/bash\necho 0 > /sys/devices/system/cpu/cpu1/online', '',
    '--EKSFLOW-BOUNDARY', 'Content-Type: text/x-shellscript; charset="us-ascii"', '', override, '',
    '--EKSFLOW-BOUNDARY--', '',
  ].join('\n'));
  // eksctl requires the override with an AL2 AMI of one's own.
  const missing = errorsOf(withGroup({ ami: { id: 'ami-0e124de4755b2734d', family: 'AmazonLinux2' } }, { ...vpcSpec, ...al2 }));
  assert.deepEqual(missing.map((e) => e.path), ['/nodeGroups/0/ami/overrideBootstrapCommand']);
  // Past 1.32 (no EKS AL2 AMIs; eksctl#8405 refuses amiFamily AmazonLinux2) the plan warns, managed or self-managed; not at 1.32.
  assert.deepEqual(amazonLinux2VersionWarnings([group], '1.32'), []);
  const selfManaged: NodeGroupSpec = { ...group, kind: 'self-managed' };
  const later = amazonLinux2VersionWarnings([group, selfManaged, groupOf({})], '1.35');
  assert.deepEqual(later.map((w) => w.path), ['/nodeGroups/0/ami/family', '/nodeGroups/1/ami/family']);
  assert.match(later[0]!.message, /no AmazonLinux2 AMIs past Kubernetes 1.32, and this cluster is 1.35: .* eksctl refuses AL2 from 1.33 \(eksctl#8405\)/);
});

test('Bottlerocket takes TOML settings and its data volume', () => {
  const group = groupOf({ amiType: 'BOTTLEROCKET_x86_64', maxPodsPerNode: 110, volume: { type: 'gp3' } });
  const template = managedLaunchTemplate(group, cluster);
  assert.equal(template.userData, '[settings.kubernetes]\nmax-pods = 110\n');
  assert.equal(template.blockDeviceMappings[0]!.deviceName, '/dev/xvdb');
});

test('a given launch template refuses what needs eksflow\'s own, and keys', () => {
  const errors = errorsOf(withGroup({ launchTemplate: { id: 'lt-0123456789abcdef0' }, volume: { type: 'gp3' }, maxPodsPerNode: 20, ssh: { publicKey: 'ssh-ed25519 AAAAC3Nza me@x' } }));
  assert.deepEqual(errors.map((e) => e.path), ['/nodeGroups/0/launchTemplate', '/nodeGroups/0/ssh']);
  assert.match(errors[0]!.message, /never changes a launch template you give, and volume, maxPodsPerNode need one eksflow makes/);
  assert.match(errors[1]!.message, /put the key pair \(KeyName\) in your template/);
  assert.match(errorsOf(withGroup({ launchTemplate: { id: 'lt-0123456789abcdef0', name: 'mine' } }))[0]!.message, /exactly one of id/);
});

test('updateConfig takes exactly one of its two', () => {
  assert.deepEqual(errorsOf(withGroup({ updateConfig: { maxUnavailable: 1, maxUnavailablePercentage: 20 } })).map((e) => e.path), ['/nodeGroups/0/updateConfig']);
  assert.deepEqual(errorsOf(withGroup({ updateConfig: {} })).map((e) => e.path), ['/nodeGroups/0/updateConfig']);
  assert.deepEqual(groupOf({ updateConfig: { maxUnavailablePercentage: 33 } }).updateConfig, { maxUnavailablePercentage: 33 });
});

test('placement: zones must be the environment\'s, subnetIds its own, public subnets need a VPC eksflow makes', () => {
  assert.match(errorsOf(withGroup({ availabilityZones: ['us-east-1c'] }))[0]!.message, /us-east-1c is not one of the environment's zones \(us-east-1a, us-east-1b\)/);
  assert.match(errorsOf(withGroup({ subnetIds: ['subnet-0123456789abcdef0'] }))[0]!.message, /a VPC eksflow has not made yet/);
  const existing = { name: 'demo', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] } };
  assert.match(errorsOf(withGroup({ subnetIds: ['subnet-0123456789abcdef9'] }, existing))[0]!.message, /subnet-0123456789abcdef9 is not among network.subnetIds/);
  assert.match(errorsOf(withGroup({ privateNetworking: false }, existing))[0]!.message, /false puts nodes in public subnets, and network names none: list them in network.publicSubnetIds/);
  assert.equal(parseEnvironmentSpec(withGroup({ subnetIds: ['subnet-0123456789abcdef1'] }, existing)).ok, true);
});

test('ssh: key and allow disagreeing, SSM, and volumes that take no iops are refused with their reasons', () => {
  assert.match(errorsOf(withGroup({ ssh: { allow: false, keyName: 'mine' } }))[0]!.message, /is false, yet a key/);
  assert.equal(parseEnvironmentSpec(withGroup({ ssh: { keyName: 'mine', enableSsm: true } })).ok, true);
  // With a launch template eksflow makes, source security groups go in its SSH security group (src/domain/node-ssh-access.ts).
  assert.equal(parseEnvironmentSpec(withGroup({ maxPodsPerNode: 20, ssh: { keyName: 'mine', sourceSecurityGroupIds: ['sg-0123456789abcdef0'] } })).ok, true);
  assert.match(errorsOf(withGroup({ volume: { type: 'gp2', iops: 3000 } }))[0]!.message, /gp2 volumes take no iops/);
  assert.match(errorsOf(withGroup({ ami: { id: 'ami-0123456789abcdef0', family: 'Ubuntu' } }))[0]!.message, /not available yet for managed groups/);
});

test('a group\'s iam gives it a node role of its own: the node policies, eksctl\'s add-on statements, AWS managed policies, its own ARNs', async () => {
  const { nodeGroupGrant, nodeGroupRoleName } = await import('../../src/domain/node-group-iam');
  const { planEnvironment } = await import('../../src/domain/planner');
  const group = groupOf({ iam: { withAddonPolicies: ['autoScaler', 'ebs', 'cloudWatch', 'xRay', 'imageBuilder'], attachPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] } });
  const grant = nodeGroupGrant(group.iam!);
  assert.deepEqual(grant.managedPolicyArns, [
    'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy', 'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy', 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
    'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser', 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy', 'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess',
    'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
  ]);
  assert.deepEqual(Object.keys(grant.inlinePolicies), ['PolicyAutoScaling', 'PolicyEBSCSIController']);
  assert.equal(nodeGroupRoleName('demo', 'ng'), 'demo-node-ng');
  const parsed = parseEnvironmentSpec(withGroup({ iam: { withAddonPolicies: ['autoScaler'] } }));
  assert.ok(parsed.ok);
  const plan = planEnvironment(parsed.spec);
  assert.deepEqual(plan.steps.find((s) => s.id === 'eks:nodegroup/ng')!.dependsOn, ['eks:cluster', 'iam:node-role', 'vpc:network', 'iam:node-role/ng']);
  assert.match(plan.steps.find((s) => s.id === 'iam:node-role/ng')!.title, /ensure IAM role demo-node-ng for the nodes of ng \(autoScaler\)/);
  assert.match(errorsOf(withGroup({ iam: { withAddonPolicies: ['appMesh'] } }))[0]!.message, /appMesh: AWS App Mesh reached its end of support/);
  // A permissions boundary or SSM access gives the group a role of its own too, and the plan says so.
  const bounded = parseEnvironmentSpec(withGroup({ iam: { permissionsBoundary: 'arn:aws:iam::123456789012:policy/boundary' }, ssh: { enableSsm: true } }));
  assert.ok(bounded.ok);
  assert.match(planEnvironment(bounded.spec).steps.find((s) => s.id === 'iam:node-role/ng')!.title, /\(AmazonSSMManagedInstanceCore; permissions boundary arn:aws:iam::123456789012:policy\/boundary\)/);
});
