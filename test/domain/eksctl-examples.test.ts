import assert from 'node:assert/strict';
import { test } from 'node:test';
import { examplesTable, translateExamples, type ExampleResult } from '../support/eksctl-examples';

// eksctl's own 49 example configs (eksctl-io/eksctl examples/, ../shared/upstream/eksctl-examples),
// each as the eksflow CLI would send it. Every refusal kept is listed here with the paths it is
// made at, so a regression (or a refusal that goes away) fails this test and shows in the table.
const refused: Record<string, string[]> = {
  // Flux bootstrapping needs the user's git provider credentials (eksctl runs flux bootstrap on the user's machine).
  '12-gitops-toolkit.yaml': ['/gitops'],
  // Outposts, and Kubernetes versions past EKS support (with other refusals beside).
  '35-outposts.yaml': ['/outpost'],
  '36-outposts-vpc.yaml': ['/outpost', '/vpc/subnets'],
  '37-outposts-fully-private.yaml': ['/privateCluster', '/outpost', '/metadata/version'],
};
// eksctl's input to `eksctl utils update-cluster-vpc-config`: control-plane subnets and security
// groups by ID in a VPC eksflow would make, so an apply to the live environment, and a creation
// refused at exactly these paths.
const forApply: Record<string, string[]> = {
  '38-cluster-subnets-sgs.yaml': ['/network/controlPlaneSubnetIds', '/network/securityGroupIds'],
};
// Refused as written only because EKS no longer supports their Kubernetes version.
const versionOnly = new Set(['23-kubeflow-spot-instance.yaml', '25-addons.yaml', '30-vpc-with-ip-family.yaml', '31-override-bootstrap-command-unmanaged-nodegroup.yaml',
  '29-cluster-with-karpenter.yaml', // its karpenter v0.20.0 cannot run on a supported Kubernetes: replaced, with a warning
  '40-access-entries.yaml', // bootstrapClusterCreatorAdminPermissions false: the worker's own access entry instead
]);

let results: ExampleResult[] | undefined;
const translated = async () => (results ??= await translateExamples());

test('eksctl\'s example configs: the per-example table, every refusal expected and at its path', async (t) => {
  const all = await translated();
  t.diagnostic(`\n${examplesTable(all)}`);
  assert.equal(all.length, 49, 'the 49 examples in ../shared/upstream/eksctl-examples');
  for (const result of all) {
    const expected = refused[result.file];
    if (forApply[result.file]) {
      assert.equal(result.outcome, 'accepted-for-apply', `${result.file} is a change to a live environment`);
      assert.deepEqual(result.errors.map((error) => error.path), forApply[result.file]);
    } else if (expected) {
      assert.equal(result.outcome, 'refused', `${result.file} is refused`);
      assert.deepEqual([...new Set(result.errors.map((error) => error.path))].sort(), [...expected].sort(), `${result.file}: refused at exactly these paths`);
    } else if (versionOnly.has(result.file)) {
      assert.equal(result.outcome, 'accepted-with-version', `${result.file}: refused only for its Kubernetes version`);
      assert.deepEqual(result.errors.map((error) => error.path), ['/metadata/version']);
    } else {
      assert.equal(result.outcome, 'accepted', `${result.file} is accepted: ${result.errors.map((error) => `${error.path}: ${error.message}`).join('; ')}`);
    }
  }
});

test('every refusal of an example gives a reason and a way out, and quotes at most a short prefix of a bad value', async () => {
  for (const result of await translated()) {
    for (const error of result.errors) {
      assert.ok(error.path.startsWith('/'), `${result.file}: ${error.message} names its path`);
      assert.doesNotMatch(error.message, /^is not supported by eksflow$/, `${result.file} ${error.path}: a reason, not just "not supported"`);
      assert.ok(error.message.length >= 30, `${result.file} ${error.path}: "${error.message}" says why`);
      for (const quoted of error.message.match(/"[^"]*"/g) ?? []) assert.ok(quoted.length <= 42, `${result.file} ${error.path}: quotes ${quoted}`);
    }
  }
});

test('eksctl\'s repair actions Terminate and Restart (example 44) become EKS\'s Replace and Reboot, and the plan says so at each path', async () => {
  const example = (await translated()).find((result) => result.file === '44-node-repair.yaml')!;
  assert.equal(example.outcome, 'accepted');
  const groups = (example.spec as { nodeGroups: { name: string; nodeRepair?: { overrides?: { repairAction: string; nodeMonitoringCondition: string }[] } }[] }).nodeGroups;
  const actions = (name: string) => groups.find((group) => group.name === name)?.nodeRepair?.overrides?.map((o) => `${o.nodeMonitoringCondition}:${o.repairAction}`);
  assert.deepEqual(actions('gpu-repair-ng'), ['AcceleratedInstanceNotReady:Replace', 'NetworkNotReady:Reboot']);
  assert.deepEqual(actions('critical-repair-ng'), ['NetworkNotReady:Reboot']);
  const at = (group: number, override: number) => `/managedNodeGroups/${group}/nodeRepairConfig/nodeRepairConfigOverrides/${override}/repairAction`;
  assert.deepEqual(example.warnings.map((w) => w.path), [at(3, 0), at(3, 1), at(4, 0)]);
  assert.match(example.warnings[0]!.message, /"Terminate" is eksctl's word, not EKS's \(EKS has Replace, Reboot and NoAction, and refuses others\): taken as Replace/);
});

test('example 38 (eksctl utils update-cluster-vpc-config) names the endpoint access and the control plane\'s subnets and security groups an apply changes', async () => {
  const example = (await translated()).find((result) => result.file === '38-cluster-subnets-sgs.yaml')!;
  const spec = example.spec as { endpointAccess?: unknown; network: { controlPlaneSubnetIds?: string[]; securityGroupIds?: string[]; vpc?: unknown } };
  assert.deepEqual(spec.endpointAccess, { public: true, private: true, publicAccessCidrs: ['1.1.1.1/32'] });
  assert.deepEqual([spec.network.controlPlaneSubnetIds, spec.network.securityGroupIds], [['subnet-1234', 'subnet-5678'], ['sg-1234', 'sg-5678']]);
  assert.ok(spec.network.vpc, 'in the VPC eksflow makes when vpc.subnets is left out, as eksctl does');
});

test('the ssh keys eksctl reads from the user\'s machine are read by the CLI, not the API', async () => {
  const sshExample = (await translated()).find((result) => result.file === '07-ssh-keys.yaml')!;
  // ng-1 names ~/.ssh/id_rsa_tests.pub; ng-2 allows SSH with no key, which means ~/.ssh/id_rsa.pub.
  assert.deepEqual(sshExample.keysRead, ['nodeGroups[0] ~/.ssh/id_rsa_tests.pub', 'nodeGroups[1] ~/.ssh/id_rsa.pub']);
});
