import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeOverlay, readConfigurationValues, schemaProblems } from '../../src/activities/eks-addon-configuration';
import { chooseAddonVersion, clusterRoleExtraPolicies, configurationOverlay, coreAddonRole } from '../../src/domain/eks-addons';
import { coreAddonStepIds } from '../../src/domain/eks-addons-plan';
import { parseEnvironmentSpec, type EnvironmentSpec } from '../../src/domain/environment-spec';
import { planEnvironment, stepIds } from '../../src/domain/planner';
import { appSecurityGroupPolicy } from '../../src/domain/security-group-policy';
import { simulatedAddonCatalog } from '../../src/sim/aws/eks-addon-catalog';

const base = {
  name: 'core', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
  nodeGroups: [{ name: 'general', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 2, maxSize: 3 }],
};

function spec(overrides: Record<string, unknown> = {}): EnvironmentSpec {
  const result = parseEnvironmentSpec({ ...base, ...overrides });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.spec;
}

const allFive = { 'vpc-cni': {}, coredns: {}, 'kube-proxy': {}, 'aws-ebs-csi-driver': {}, 'eks-pod-identity-agent': {} };

test('eksAddons: none by default; an entry defaults resolveConflicts to OVERWRITE and takes JSON, YAML or an object', () => {
  assert.equal(spec().eksAddons, undefined);
  const parsed = spec({ eksAddons: { coredns: { configurationValues: 'replicaCount: 3' }, 'kube-proxy': { configurationValues: { mode: 'ipvs' } } } });
  assert.equal(parsed.eksAddons?.coredns?.resolveConflicts, 'OVERWRITE');
  assert.equal(parsed.eksAddons?.['kube-proxy']?.resolveConflicts, 'OVERWRITE');
});

test('eksAddons: bad input is refused at its path, with the reason and the way out', () => {
  const result = parseEnvironmentSpec({
    ...base,
    eksAddons: {
      'aws-efs-csi-driver': {},
      coredns: { version: '1.12' },
      'vpc-cni': { serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/cni', managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy'] },
      'kube-proxy': { resolveConflicts: 'PRESERVE' },
    },
  });
  assert.equal(result.ok, false);
  const errors = result.ok ? [] : result.errors;
  const at = (path: string) => errors.find((e) => e.path === path)?.message ?? '';
  assert.match(at('/eksAddons/aws-efs-csi-driver'), /not a core EKS add-on eksflow installs \(vpc-cni, coredns, kube-proxy, aws-ebs-csi-driver, eks-pod-identity-agent\)/);
  assert.match(at('/eksAddons/coredns/version'), /v1\.20\.4-eksbuild\.1; v1\.20\.4 takes its newest build\), or latest/);
  assert.match(at('/eksAddons/vpc-cni/managedPolicyArns'), /serviceAccountRoleArn .* or managedPolicyArns .*, not both/);
  assert.equal(at('/eksAddons/kube-proxy/resolveConflicts'), 'must be one of OVERWRITE, NONE');
});

test('app.securityGroupIds need security groups for pods in the VPC CNI, and become a SecurityGroupPolicy for the app\'s pods', () => {
  const app = { name: 'web', containerPort: 80, securityGroupIds: ['sg-0123456789abcdef0'] };
  const refused = parseEnvironmentSpec({ ...base, image: { uri: 'nginx:1.27' }, app });
  assert.deepEqual(refused.ok ? [] : refused.errors, [{
    path: '/app/securityGroupIds',
    message: 'security groups for pods need the VPC CNI to give pods their own ENIs: set eksAddons.vpc-cni.podSecurityGroups to true, or remove securityGroupIds',
  }]);
  const accepted = spec({ image: { uri: 'nginx:1.27' }, app, eksAddons: { 'vpc-cni': { podSecurityGroups: true } } });
  assert.deepEqual(appSecurityGroupPolicy(accepted.app!, { environment: 'team-a/core' }), {
    apiVersion: 'vpcresources.k8s.aws/v1beta1', kind: 'SecurityGroupPolicy',
    metadata: { name: 'web', namespace: 'web', labels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/managed-by': 'eksflow', 'eksflow.io/environment': 'team-a.core' } },
    spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } }, securityGroups: { groupIds: ['sg-0123456789abcdef0'] } },
  });
});

test('a version: the minor\'s default when left out, the newest for latest, a listed one as given, else refused with the list', () => {
  const listed = [
    { version: 'v1.20.4-eksbuild.1', isDefault: false }, { version: 'v1.19.6-eksbuild.7', isDefault: true }, { version: 'v1.20.10-eksbuild.2', isDefault: false },
  ];
  assert.deepEqual(chooseAddonVersion(undefined, listed, '1.33'), { version: 'v1.19.6-eksbuild.7' });
  assert.deepEqual(chooseAddonVersion('latest', listed, '1.33'), { version: 'v1.20.10-eksbuild.2' }, 'numerically newest, not by text');
  assert.deepEqual(chooseAddonVersion('v1.20.4-eksbuild.1', listed, '1.33'), { version: 'v1.20.4-eksbuild.1' });
  assert.deepEqual(chooseAddonVersion('1.20.10', listed, '1.33'), { version: 'v1.20.10-eksbuild.2' }, 'as eksctl: "v" added, the newest build taken');
  const refused = chooseAddonVersion('v1.18.0-eksbuild.1', listed, '1.33');
  assert.ok('problem' in refused);
  assert.equal(refused.problem, 'version v1.18.0-eksbuild.1 is not offered: for Kubernetes 1.33 EKS lists v1.20.10-eksbuild.2, v1.20.4-eksbuild.1, v1.19.6-eksbuild.7 (default); give one of them, latest, or leave version out for the default');
  assert.deepEqual(chooseAddonVersion(undefined, [], '1.36'), { problem: 'EKS lists no version of it for Kubernetes 1.36' });
});

test('vpc-cni options become its env; the cluster role gets the VPC resource controller for security groups for pods', () => {
  assert.deepEqual(configurationOverlay('vpc-cni', { resolveConflicts: 'OVERWRITE', podSecurityGroups: true, prefixDelegation: { warmPrefixTarget: 2 } }), {
    env: { ENABLE_POD_ENI: 'true', ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '2' },
  });
  assert.deepEqual(configurationOverlay('vpc-cni', { resolveConflicts: 'OVERWRITE' }), {});
  assert.deepEqual(configurationOverlay('coredns', { resolveConflicts: 'OVERWRITE' }, { corednsOnFargate: true }), { computeType: 'Fargate' });
  assert.deepEqual(clusterRoleExtraPolicies({ 'vpc-cni': { resolveConflicts: 'OVERWRITE', podSecurityGroups: true } }, 'us-east-1'), ['arn:aws:iam::aws:policy/AmazonEKSVPCResourceController']);
  assert.deepEqual(clusterRoleExtraPolicies({ 'vpc-cni': { resolveConflicts: 'OVERWRITE' } }, 'us-east-1'), []);
  const merged = mergeOverlay({ env: { WARM_IP_TARGET: '5', ENABLE_POD_ENI: 'false' } }, { env: { ENABLE_POD_ENI: 'true', ENABLE_PREFIX_DELEGATION: 'true' } });
  assert.deepEqual(merged.merged, { env: { WARM_IP_TARGET: '5', ENABLE_POD_ENI: 'false', ENABLE_PREFIX_DELEGATION: 'true' } });
  assert.deepEqual(merged.conflicts, ['/env/ENABLE_POD_ENI is "false" but eksflow\'s options set it to "true"']);
});

test('the EBS CSI driver gets an IRSA role with AmazonEBSCSIDriverPolicy bound to ebs-csi-controller-sa; a given role means none', () => {
  assert.deepEqual(coreAddonRole('aws-ebs-csi-driver', { resolveConflicts: 'OVERWRITE' }, 'us-gov-west-1'), {
    namespace: 'kube-system', serviceAccount: 'ebs-csi-controller-sa', managedPolicyArns: ['arn:aws-us-gov:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy'],
  });
  assert.equal(coreAddonRole('aws-ebs-csi-driver', { resolveConflicts: 'OVERWRITE', serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/ebs' }, 'us-east-1'), undefined);
  assert.equal(coreAddonRole('coredns', { resolveConflicts: 'OVERWRITE' }, 'us-east-1'), undefined);
  assert.equal(coreAddonRole('vpc-cni', { resolveConflicts: 'OVERWRITE', managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy'] }, 'us-east-1')?.serviceAccount, 'aws-node');
});

test('configurationValues: JSON or YAML text, checked against the schema with its own messages', () => {
  assert.deepEqual(readConfigurationValues('{"replicaCount": 3}'), { values: { replicaCount: 3 } });
  assert.deepEqual(readConfigurationValues('replicaCount: 3\n'), { values: { replicaCount: 3 } });
  assert.deepEqual(readConfigurationValues('- 1\n- 2\n'), { problem: 'must be a JSON or YAML object (a mapping of settings)' });
  const coredns = JSON.stringify(simulatedAddonCatalog.coredns!.schema);
  assert.deepEqual(schemaProblems(coredns, { replicaCount: 2, computeType: 'Fargate' }), []);
  assert.deepEqual(schemaProblems(coredns, { replicaCount: 'three', replicas: 2 }), ['/ must NOT have additional properties (replicas)', '/replicaCount must be integer']);
});

test('the plan: no core add-on steps unless asked; asked, a check before anything, DaemonSets beside the nodes, Deployments after them', () => {
  const without = planEnvironment(spec());
  assert.ok(!without.steps.some((s) => s.kind === 'eks-addons-check' || s.kind === 'eks-addon'), 'specs without eksAddons plan as before');

  const plan = planEnvironment(spec({ eksAddons: allFive, image: { uri: 'public.ecr.aws/nginx/nginx:1.27' }, app: { name: 'web', containerPort: 80 }, addons: { 'aws-load-balancer-controller': {} } }));
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  assert.deepEqual(plan.waves[0], [coreAddonStepIds.check], 'the check is the only first step');
  for (const root of [stepIds.clusterRole, stepIds.nodeRole]) assert.deepEqual(byId.get(root)!.dependsOn, [coreAddonStepIds.check]);
  for (const daemonSet of ['vpc-cni', 'kube-proxy', 'eks-pod-identity-agent']) {
    assert.deepEqual(byId.get(coreAddonStepIds.addon(daemonSet))!.dependsOn, [stepIds.cluster, coreAddonStepIds.check], daemonSet);
  }
  assert.deepEqual(byId.get(coreAddonStepIds.addon('coredns'))!.dependsOn, [stepIds.cluster, coreAddonStepIds.check, stepIds.nodesReady('general')]);
  assert.deepEqual(byId.get(coreAddonStepIds.addon('aws-ebs-csi-driver'))!.dependsOn,
    [stepIds.cluster, coreAddonStepIds.check, coreAddonStepIds.role('aws-ebs-csi-driver'), stepIds.nodesReady('general')]);
  assert.deepEqual(byId.get(coreAddonStepIds.role('aws-ebs-csi-driver'))!.dependsOn, [stepIds.oidcProvider]);
  for (const name of Object.keys(allFive)) assert.ok(byId.get(stepIds.app)!.dependsOn.includes(coreAddonStepIds.addon(name)), `the app waits for ${name}`);
});

test('on a Fargate-only cluster CoreDNS\'s add-on waits for CoreDNS to be moved onto Fargate', () => {
  const plan = planEnvironment(spec({ nodeGroups: [], fargateProfiles: [{ name: 'system', selectors: [{ namespace: 'kube-system' }, { namespace: 'default' }] }], eksAddons: { coredns: {} } }));
  assert.ok(plan.steps.find((s) => s.id === coreAddonStepIds.addon('coredns'))!.dependsOn.includes(stepIds.corednsOnFargate));
});
