import { accessPolicyArn, accessPolicyNameOf, accessPolicyNames, authenticationModes } from './access-entries';
import type { Readers } from './eksctl-cluster-config';

/**
 * eksctl's `accessConfig` (pkg/apis/eksctl.io/v1alpha5/access_entry.go; examples/40-access-entries.yaml)
 * read as the spec's `access`: authenticationMode, bootstrapClusterCreatorAdminPermissions and
 * accessEntries (principalARN, type, kubernetesGroups, accessPolicies[{policyARN, accessScope}]).
 */

const entry = '/accessConfig/accessEntries/*';
export const accessConfigPaths = [
  '/accessConfig/authenticationMode', '/accessConfig/bootstrapClusterCreatorAdminPermissions',
  `${entry}/principalARN`, `${entry}/type`, `${entry}/kubernetesGroups`, `${entry}/username`,
  `${entry}/accessPolicies/*/policyARN`, `${entry}/accessPolicies/*/accessScope/type`, `${entry}/accessPolicies/*/accessScope/namespaces`,
];

export const accessConfigRefusals: Record<string, string> = {};

export function translateAccessConfig(config: Record<string, unknown>, { put, fail, mapping, list, flag }: Readers): void {
  const access = mapping(config.accessConfig, '/accessConfig');
  if (!access) return;
  put('/access', {}, '/accessConfig');
  const mode = access.authenticationMode;
  if (mode === 'CONFIG_MAP') {
    fail('/accessConfig/authenticationMode', `CONFIG_MAP alone cannot hold access entries; use ${authenticationModes.join(' or ')} (API_AND_CONFIG_MAP keeps the aws-auth ConfigMap working)`);
  } else {
    put('/access/authenticationMode', mode, '/accessConfig/authenticationMode');
  }
  // false: no admin entry for the creator (eksctl passes it to CreateCluster as is); eksflow's
  // worker then gives itself an access entry of its own once the cluster is ACTIVE (the plan's worker-access step).
  put('/access/bootstrapClusterCreatorAdminPermissions', flag(access.bootstrapClusterCreatorAdminPermissions, '/accessConfig/bootstrapClusterCreatorAdminPermissions'), '/accessConfig/bootstrapClusterCreatorAdminPermissions');
  put('/access/entries', [], '/accessConfig/accessEntries');
  (list(access.accessEntries, '/accessConfig/accessEntries') ?? []).forEach((item, i) => {
    const at = `/accessConfig/accessEntries/${i}`;
    const to = `/access/entries/${i}`;
    const given = mapping(item, at);
    if (!given) return put(to, item, at);
    put(to, {}, at);
    put(`${to}/principalArn`, given.principalARN, `${at}/principalARN`);
    put(`${to}/type`, given.type, `${at}/type`);
    put(`${to}/kubernetesGroups`, given.kubernetesGroups, `${at}/kubernetesGroups`);
    put(`${to}/username`, given.username, `${at}/username`);
    put(`${to}/accessPolicies`, [], `${at}/accessPolicies`);
    (list(given.accessPolicies, `${at}/accessPolicies`) ?? []).forEach((policy, j) => {
      const pat = `${at}/accessPolicies/${j}`;
      const pto = `${to}/accessPolicies/${j}`;
      const fields = mapping(policy, pat);
      if (!fields) return put(pto, policy, pat);
      put(pto, {}, pat);
      const name = typeof fields.policyARN === 'string' ? accessPolicyNameOf(fields.policyARN) : undefined;
      if (name) put(`${pto}/policy`, name, `${pat}/policyARN`);
      else fail(`${pat}/policyARN`, `must be one of the EKS access policies eksflow grants: ${accessPolicyNames.map((p) => accessPolicyArn(p)).join(', ')}`);
      const scope = mapping(fields.accessScope, `${pat}/accessScope`);
      put(`${pto}/scope`, scope?.type, `${pat}/accessScope/type`);
      put(`${pto}/namespaces`, scope?.namespaces, `${pat}/accessScope/namespaces`);
    });
  });
}
