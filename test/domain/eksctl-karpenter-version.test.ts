import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import { karpenterVersion, karpenterVersionOutcome, oldestKarpenterForKubernetes } from '../../src/domain/eksctl-karpenter-version';
import { eksctlExamplesDir } from '../support/paths';

const config = (version: string, kubernetes?: string) => `
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: { name: karpenter-versions, region: us-west-2${kubernetes ? `, version: "${kubernetes}"` : ''} }
karpenter: { version: "${version}" }
managedNodeGroups: [{ name: ng, desiredCapacity: 1 }]
`;

test('karpenter.sh\'s compatibility matrix: the oldest release for each Kubernetes version eksflow builds', () => {
  assert.equal(oldestKarpenterForKubernetes('1.31'), '1.0.5');
  assert.equal(oldestKarpenterForKubernetes('1.33'), '1.5.0');
  assert.equal(oldestKarpenterForKubernetes('1.36'), '1.9.0', 'a version past the table needs at least its last entry');
  assert.equal(karpenterVersionOutcome(`v${karpenterVersion}`, '1.31').outcome, 'installs');
  assert.equal(karpenterVersionOutcome(undefined, '1.31').outcome, 'installs');
  assert.equal(karpenterVersionOutcome('v0.20.0', '1.22').outcome, 'installs', 'an end-of-life Kubernetes version is refused on its own, not here');
  assert.equal(karpenterVersionOutcome('1.0.5', '1.31').outcome, 'refused', 'runs on 1.31: the choice is the user\'s');
  assert.equal(karpenterVersionOutcome('1.0.4', '1.31').outcome, 'replaced');
  assert.equal(karpenterVersionOutcome('1.4.0', '1.33').outcome, 'replaced');
});

test('a karpenter.version that cannot run on the cluster\'s Kubernetes version is replaced by eksflow\'s, with a warning naming the change', () => {
  const replaced = translateClusterConfig(config('v0.20.0', '1.31'));
  assert.ok(replaced.ok, JSON.stringify(!replaced.ok && replaced.errors));
  assert.deepEqual(replaced.warnings, [{
    path: '/karpenter/version',
    message: `karpenter v0.20.0 does not support Kubernetes 1.31 (it needs Karpenter 1.0.5 or newer: karpenter.sh compatibility matrix); eksflow installs ${karpenterVersion}, the release tested with its chart`,
  }]);
  assert.ok(replaced.spec.addons.karpenter, 'Karpenter is installed, the catalog\'s release');

  const exact = translateClusterConfig(config(`v${karpenterVersion}`, '1.31'));
  assert.ok(exact.ok);
  assert.equal(exact.warnings, undefined, 'no warning when nothing was changed');

  const runnable = translateClusterConfig(config('1.12.0', '1.34'));
  assert.ok(!runnable.ok);
  assert.deepEqual(runnable.errors.map((e) => e.path), ['/karpenter/version']);
  assert.match(runnable.errors[0]!.message, /eksflow installs Karpenter 1\.14\.1 .* remove version or set it to 1\.14\.1/);
});

test('eksctl\'s 29-cluster-with-karpenter.yaml: refused only for Kubernetes 1.22; raised to 1.31, accepted with the Karpenter change said', () => {
  const text = readFileSync(join(eksctlExamplesDir, '29-cluster-with-karpenter.yaml'), 'utf8');
  const asWritten = translateClusterConfig(text);
  assert.ok(!asWritten.ok);
  assert.deepEqual(asWritten.errors.map((e) => e.path), ['/metadata/version']);
  const raised = translateClusterConfig(text, { kubernetesVersion: '1.31' });
  assert.ok(raised.ok, JSON.stringify(!raised.ok && raised.errors));
  assert.match(raised.warnings?.[0]?.message ?? '', /^karpenter v0\.20\.0 does not support Kubernetes 1\.31 .* eksflow installs 1\.14\.1, the release tested with its chart$/);
  assert.equal(raised.spec.addons.karpenter?.interruptionQueue, true);
});
