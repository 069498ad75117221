import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvironmentSpec, type NodeGroupSpec } from '../../src/domain/environment-spec';
import { bootstrapFamilyOf, clusterDnsIp, defaultServiceIpv4Cidr, kubeletFlags, nodeUserData } from '../../src/domain/node-bootstrap';
import { amiParameterName, autoScalingGroupTags, selfManagedName, windowsNeedsLinux } from '../../src/domain/self-managed-nodes';
import { planEnvironment, stepIds } from '../../src/domain/planner';
import { nodeJoinOf } from '../../src/sim/node-join';

const cluster = { name: 'dev', endpoint: 'https://ABC.gr7.us-east-1.eks.amazonaws.com', certificateAuthority: 'LS0tLS1CRUdJTg==', serviceIpv4Cidr: '10.100.0.0/16' };

function spec(nodeGroups: Record<string, unknown>[]) {
  return parseEnvironmentSpec({ name: 'dev', region: 'us-east-1', network: { vpc: {} }, nodeGroups });
}
function group(overrides: Record<string, unknown>): NodeGroupSpec {
  // Beside a managed Linux group, so a Windows one is valid too.
  const parsed = spec([{ name: 'managed', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 },
    { name: 'linux', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2, kind: 'self-managed', ...overrides }]);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec.nodeGroups[1]!;
}

test('AL2023: a MIME multi-part user data with nodeadm\'s NodeConfig, the kubelet\'s labels, taints and maxPods, bootstrap commands first', () => {
  const g = group({ labels: { team: 'a' }, taints: [{ key: 'gpu', value: 'yes', effect: 'NO_SCHEDULE' }], maxPodsPerNode: 58, preBootstrapCommands: ['echo hi'] });
  const text = nodeUserData(cluster, g);
  assert.match(text, /^MIME-Version: 1\.0\nContent-Type: multipart\/mixed; boundary="\/\/"/);
  assert.ok(text.indexOf('Content-Type: text/x-shellscript') < text.indexOf('Content-Type: application/node.eks.aws'), 'the shell part first');
  assert.match(text, /echo hi/);
  for (const line of ['apiVersion: node.eks.aws/v1alpha1', 'kind: NodeConfig', `    apiServerEndpoint: ${cluster.endpoint}`, `    certificateAuthority: ${cluster.certificateAuthority}`,
    '    cidr: 10.100.0.0/16', '    name: dev', '      maxPods: 58', '        - 10.100.0.10',
    '        - "--node-labels=alpha.eksctl.io/nodegroup-name=linux,eksflow.io/nodegroup=linux,team=a"', '        - "--register-with-taints=gpu=yes:NoSchedule"']) {
    assert.ok(text.includes(`${line}\n`), line);
  }
  assert.match(text, /--\/\/--\n$/);
  // The simulated cloud reads it back the way the node would.
  const join = nodeJoinOf(Buffer.from(text).toString('base64'));
  assert.deepEqual(join, { cluster: 'dev', os: 'linux', labels: { 'alpha.eksctl.io/nodegroup-name': 'linux', 'eksflow.io/nodegroup': 'linux', team: 'a' }, taints: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }] });
});

test('AL2023: overrideBootstrapCommand replaces the NodeConfig', () => {
  const text = nodeUserData(cluster, group({ amiType: 'CUSTOM', ami: { id: 'ami-0123456789abcdef0', family: 'AmazonLinux2023', overrideBootstrapCommand: 'my-join --cluster dev' } }));
  assert.match(text, /my-join --cluster dev/);
  assert.doesNotMatch(text, /NodeConfig/);
});

test('Bottlerocket: TOML settings with labels, taints, max pods, the admin container and the group\'s settings merged', () => {
  const g = group({
    amiType: 'BOTTLEROCKET_x86_64', labels: { team: 'a' }, taints: [{ key: 'dedicated', value: 'x', effect: 'NO_EXECUTE' }], maxPodsPerNode: 110,
    bottlerocket: { enableAdminContainer: true, settings: { kernel: { lockdown: 'integrity' }, kubernetes: { 'max-pods': 90 } } },
  });
  assert.equal(bootstrapFamilyOf(g), 'Bottlerocket');
  const text = nodeUserData(cluster, g);
  for (const line of ['[settings.kubernetes]', 'cluster-name = "dev"', `api-server = "${cluster.endpoint}"`, `cluster-certificate = "${cluster.certificateAuthority}"`, 'cluster-dns-ip = "10.100.0.10"',
    'max-pods = 90', '[settings.kubernetes.node-labels]', '"eksflow.io/nodegroup" = "linux"', 'team = "a"', '[settings.kubernetes.node-taints]', 'dedicated = ["x:NoExecute"]',
    '[settings.host-containers.admin]', 'enabled = true', '[settings.kernel]', 'lockdown = "integrity"']) {
    assert.ok(text.split('\n').includes(line), line);
  }
  assert.deepEqual(nodeJoinOf(Buffer.from(text).toString('base64'))?.taints, [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }]);
});

test('Windows: PowerShell running the bootstrap commands, then Start-EKSBootstrap.ps1 with the kubelet\'s flags', () => {
  const g = group({ name: 'win', amiType: 'WINDOWS_CORE_2022_x86_64', taints: [{ key: 'os', value: 'windows', effect: 'NO_SCHEDULE' }], preBootstrapCommands: ['Write-Output hello'] });
  const text = nodeUserData(cluster, g);
  assert.match(text, /^<powershell>\nWrite-Output hello\n/);
  assert.match(text, /& \$EKSBootstrapScriptFile -EKSClusterName 'dev' -APIServerEndpoint 'https:\/\/ABC\.gr7\.us-east-1\.eks\.amazonaws\.com' -Base64ClusterCA 'LS0tLS1CRUdJTg=='/);
  assert.match(text, /-KubeletExtraArgs '--node-labels=alpha\.eksctl\.io\/nodegroup-name=win,eksflow\.io\/nodegroup=win --register-with-taints=os=windows:NoSchedule' 3>&1 4>&1 5>&1 6>&1\n<\/powershell>\n$/);
  assert.equal(nodeJoinOf(Buffer.from(text).toString('base64'))?.os, 'windows');
});

test('kubelet flags, DNS IP and the default service CIDR', () => {
  assert.deepEqual(kubeletFlags({ name: 'g', labels: {}, taints: [{ key: 'k', effect: 'PREFER_NO_SCHEDULE' }] }), ['--node-labels=alpha.eksctl.io/nodegroup-name=g,eksflow.io/nodegroup=g', '--register-with-taints=k:PreferNoSchedule']);
  assert.equal(clusterDnsIp('172.20.0.0/16'), '172.20.0.10');
  assert.equal(defaultServiceIpv4Cidr('10.0.0.0/16'), '172.20.0.0/16');
  assert.equal(defaultServiceIpv4Cidr('192.168.0.0/16'), '10.100.0.0/16');
});

test('the EKS-optimized AMI\'s public SSM parameter, per AMI type', () => {
  assert.equal(amiParameterName('AL2023_x86_64_STANDARD', '1.35'), '/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/image_id');
  assert.equal(amiParameterName('AL2023_ARM_64_NVIDIA', '1.34'), '/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/arm64/nvidia/recommended/image_id');
  assert.equal(amiParameterName('AL2023_x86_64_NEURON', '1.35'), '/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/neuron/recommended/image_id');
  assert.equal(amiParameterName('BOTTLEROCKET_x86_64_NVIDIA', '1.35'), '/aws/service/bottlerocket/aws-k8s-1.35-nvidia/x86_64/latest/image_id');
  assert.equal(amiParameterName('BOTTLEROCKET_ARM_64', '1.33'), '/aws/service/bottlerocket/aws-k8s-1.33/arm64/latest/image_id');
  assert.equal(amiParameterName('WINDOWS_FULL_2025_x86_64', '1.35'), '/aws/service/ami-windows-latest/Windows_Server-2025-English-Full-EKS_Optimized-1.35/image_id');
  assert.equal(amiParameterName('CUSTOM', '1.35'), undefined);
});

test('the Auto Scaling group\'s tags: the cluster\'s, cluster-autoscaler\'s, and node templates with propagateAsgTags', () => {
  const tags = autoScalingGroupTags('dev', { name: 'g', labels: { team: 'a' }, taints: [{ key: 'k', value: 'v', effect: 'NO_SCHEDULE' }], propagateAsgTags: true, tags: { cost: 'x' } });
  assert.equal(tags['kubernetes.io/cluster/dev'], 'owned');
  assert.equal(tags['k8s.io/cluster-autoscaler/enabled'], 'true');
  assert.equal(tags['k8s.io/cluster-autoscaler/dev'], 'owned');
  assert.equal(tags['k8s.io/cluster-autoscaler/node-template/label/team'], 'a');
  assert.equal(tags['k8s.io/cluster-autoscaler/node-template/taint/k'], 'v:NoSchedule');
  assert.equal(tags.cost, 'x');
  assert.ok(!('k8s.io/cluster-autoscaler/node-template/label/team' in autoScalingGroupTags('dev', { name: 'g', labels: { team: 'a' } })));
  assert.equal(selfManagedName('dev', 'g'), 'dev-g');
});

test('a self-managed Windows group needs a Linux group beside it, and the plan turns Windows IPAM on before its nodes', () => {
  const windows = { name: 'win', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2, kind: 'self-managed', amiType: 'WINDOWS_CORE_2022_x86_64' };
  const alone = spec([windows]);
  assert.ok(!alone.ok && alone.errors.some((e) => e.path === '/nodeGroups/0/amiType' && e.message === windowsNeedsLinux), JSON.stringify(alone));
  const beside = spec([{ name: 'linux', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }, windows]);
  assert.ok(beside.ok, JSON.stringify(beside));
  const plan = planEnvironment(beside.spec);
  const ready = plan.steps.find((s) => s.id === stepIds.nodesReady('win'))!;
  assert.deepEqual(ready.dependsOn.sort(), [stepIds.kubeApiReady, stepIds.selfManagedNodegroup('win'), stepIds.windowsIpam].sort());
  assert.ok(plan.steps.some((s) => s.id === stepIds.nodegroup('linux')), 'the managed group keeps its step');
  assert.ok(!plan.steps.some((s) => s.id === stepIds.nodegroup('win')));
});

test('settings of the other kind are refused with the reason; a managed-only spec plans as before', () => {
  const mixed = spec([{ name: 'm', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2, targetGroupArns: ['arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789abcdef'] }]);
  assert.ok(!mixed.ok && mixed.errors.some((e) => e.path === '/nodeGroups/0/targetGroupArns' && /self-managed/.test(e.message)));
  const selfManagedOnlyManaged = spec([{ name: 's', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2, kind: 'self-managed', nodeRepair: true }]);
  assert.ok(!selfManagedOnlyManaged.ok && selfManagedOnlyManaged.errors.some((e) => e.path === '/nodeGroups/0/nodeRepair'));
  const plain = spec([{ name: 'm', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }]);
  assert.ok(plain.ok);
  const ids = planEnvironment(plain.spec).steps.map((s) => s.id);
  assert.ok(ids.includes(stepIds.nodeRole) && !ids.includes(stepIds.windowsIpam));
});

test('a change adds, resizes and removes a self-managed group (src/domain/change-plan-self-managed.ts); one its launch template would have to change for is refused with the way out; one that leaves it alone plans nothing for it', async () => {
  const { planChange, ChangeRefusedError } = await import('../../src/domain/change-plan');
  const managed = { name: 'm', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 };
  const selfManaged = { name: 's', kind: 'self-managed', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 };
  const parsed = (groups: Record<string, unknown>[], extra: Record<string, unknown> = {}) => {
    const result = parseEnvironmentSpec({ name: 'dev', region: 'us-east-1', network: { vpc: {} }, nodeGroups: groups, ...extra });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.spec;
  };
  const live = parsed([managed, selfManaged]);
  const kinds = (next: ReturnType<typeof parsed>) => planChange(live, next, {}).steps.map((s) => `${s.kind}:${s.subject}`);
  assert.deepEqual(kinds(parsed([managed])), ['drain:s', 'self-managed-nodegroup-delete:s']);
  assert.deepEqual(kinds(parsed([managed, { ...selfManaged, maxSize: 3 }])), ['self-managed-scale:s']);
  assert.deepEqual(kinds(parsed([managed, selfManaged, { ...selfManaged, name: 't' }])), ['self-managed-nodegroup:t', 'nodes-ready:t']);
  assert.throws(() => planChange(live, parsed([managed, { ...selfManaged, instanceTypes: ['c5.large'] }]), {}),
    (error: unknown) => error instanceof ChangeRefusedError && error.problems.some((p) => /self-managed node group s cannot be changed by apply yet.*add a self-managed group/.test(p.message)));
  const plan = planChange(live, parsed([managed, selfManaged], { controlPlaneLogging: ['api'] }), {});
  assert.ok(!plan.steps.some((s) => s.subject === 's'));
});

test('the simulated node reads bootstrap.sh\'s cluster name unquoted too, as eksctl\'s overrideBootstrapCommand examples write it', () => {
  const override = '#!/bin/bash\nsource /var/lib/cloud/scripts/eksctl/bootstrap.helper.sh\n/etc/eks/bootstrap.sh override-unmanaged-nodegroup-bootstrap --container-runtime containerd --kubelet-extra-args "--node-labels=role=worker"';
  const join = nodeJoinOf(Buffer.from(`MIME-Version: 1.0\n\n--//\nContent-Type: text/x-shellscript\n\n${override}\n--//--\n`).toString('base64'));
  assert.equal(join?.cluster, 'override-unmanaged-nodegroup-bootstrap');
  assert.deepEqual(join?.labels, { role: 'worker' });
  assert.equal(nodeJoinOf(Buffer.from('#!/bin/bash\n/etc/eks/bootstrap.sh --help\n').toString('base64')), undefined);
});

test('a self-managed group on an AmazonLinux2 AMI of one\'s own boots with its bootstrap.sh (AL2 has no nodeadm), or with the override', () => {
  const cluster = { name: 'demo', endpoint: 'https://ABC.eks.amazonaws.com', certificateAuthority: 'LS0t', serviceIpv4Cidr: '10.100.0.0/16' };
  const group = { name: 'ng', labels: { role: 'worker' }, amiType: 'CUSTOM' as const, ami: { id: 'ami-05ecac759c81e0b0c', family: 'AmazonLinux2' as const } };
  const userData = nodeUserData(cluster, group);
  assert.doesNotMatch(userData, /NodeConfig/);
  assert.match(userData, /^#!\/bin\/bash\nset -ex\n\/etc\/eks\/bootstrap.sh 'demo' --apiserver-endpoint 'https:\/\/ABC.eks.amazonaws.com' --b64-cluster-ca 'LS0t' --dns-cluster-ip 10.100.0.10 --kubelet-extra-args '--node-labels=alpha.eksctl.io\/nodegroup-name=ng,eksflow.io\/nodegroup=ng,role=worker'\n$/);
  assert.equal(nodeJoinOf(Buffer.from(userData).toString('base64'))?.cluster, 'demo');
  const overridden = nodeUserData(cluster, { ...group, ami: { ...group.ami, overrideBootstrapCommand: '/etc/eks/bootstrap.sh demo --container-runtime containerd' } });
  assert.match(overridden, /\n\/etc\/eks\/bootstrap.sh demo --container-runtime containerd\n$/);
});
