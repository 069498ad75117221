import { accessPolicyArn, accessPolicyNameOf, accessPolicyNames } from './access-entries';
import type { Readers } from './eksctl-cluster-config';
import { defined, quote, type Fields } from './eksctl-values';

/**
 * eksctl's `capabilities` (pkg/apis/eksctl.io/v1alpha5/capability.go; examples 47 and 48) and
 * `remoteNetworkConfig` (userdocs "EKS Hybrid Nodes"; example 43) read as the spec's
 * `capabilities` and `remoteNetwork` (src/domain/capabilities.ts).
 */

const capability = '/capabilities/*';
const argo = `${capability}/configuration/argocd`;
export const capabilityPaths = [
  ...['name', 'type', 'roleArn', 'deletePropagationPolicy', 'attachPolicyARNs', 'tags'].map((field) => `${capability}/${field}`),
  `${capability}/accessPolicies/*/policyARN`, `${capability}/accessPolicies/*/accessScope/type`, `${capability}/accessPolicies/*/accessScope/namespaces`,
  `${argo}/namespace`, `${argo}/awsIdc/idcInstanceArn`, `${argo}/awsIdc/idcRegion`, `${argo}/networkAccess/vpceIds`,
  `${argo}/rbacRoleMappings/*/role`, `${argo}/rbacRoleMappings/*/identities/*/id`, `${argo}/rbacRoleMappings/*/identities/*/type`,
  '/remoteNetworkConfig/remoteNodeNetworks/*/cidrs', '/remoteNetworkConfig/remotePodNetworks/*/cidrs', '/remoteNetworkConfig/iam/provider', '/remoteNetworkConfig/iam/roleARN',
];

export const capabilityRefusals: Record<string, string> = {
  [`${capability}/attachPolicy`]: 'an inline policy for the capability\'s role is not offered: give managed policies in attachPolicyARNs, or your own role in roleArn',
  [`${capability}/permissionsBoundary`]: 'a permissions boundary on the capability\'s role is not offered: give your own role in roleArn',
  '/remoteNetworkConfig/vpcGatewayID': 'attaching the VPC to a transit or virtual private gateway (with routes and security group rules for the remote networks) is not built by eksflow: connect the remote networks to the VPC yourself, as eksctl leaves you to when vpcGatewayID is left out, and remove vpcGatewayID',
  '/remoteNetworkConfig/iam/caBundleCert': 'IAM Roles Anywhere (a trust anchor and profile from caBundleCert) is not built by eksflow: use SSM hybrid activations (provider SSM, the default), or your own role in iam.roleARN',
};

export function translateCapabilities(config: Fields, { put, trace, fail, mapping, list }: Readers): void {
  const given = list(config.capabilities, '/capabilities');
  if (given) {
    put('/capabilities', [], '/capabilities');
    given.forEach((item, i) => {
      const at = `/capabilities/${i}`;
      const to = `/capabilities/${i}`;
      const fields = mapping(item, at);
      if (!fields) return put(to, item, at);
      // CreateCapability takes RETAIN only (EKS API reference, deletePropagationPolicy); eksflow always sends it.
      if (fields.deletePropagationPolicy !== undefined && fields.deletePropagationPolicy !== 'RETAIN') {
        fail(`${at}/deletePropagationPolicy`, `${quote(fields.deletePropagationPolicy)} is not one EKS takes: RETAIN is the only delete propagation policy (what the capability made in the cluster stays); set RETAIN or leave it out`);
      }
      put(to, defined({ name: fields.name, type: fields.type, roleArn: fields.roleArn, attachPolicyArns: fields.attachPolicyARNs, tags: fields.tags }), at);
      for (const [from, field] of [['roleArn', 'roleArn'], ['attachPolicyARNs', 'attachPolicyArns'], ['name', 'name'], ['type', 'type'], ['tags', 'tags']]) trace(`${to}/${field}`, `${at}/${from}`);
      const policies = list(fields.accessPolicies, `${at}/accessPolicies`);
      if (policies) {
        put(`${to}/accessPolicies`, [], `${at}/accessPolicies`);
        policies.forEach((policy, j) => {
          const pat = `${at}/accessPolicies/${j}`;
          const pto = `${to}/accessPolicies/${j}`;
          const entry = mapping(policy, pat);
          if (!entry) return put(pto, policy, pat);
          put(pto, {}, pat);
          const name = typeof entry.policyARN === 'string' ? accessPolicyNameOf(entry.policyARN) : undefined;
          if (name) put(`${pto}/policy`, name, `${pat}/policyARN`);
          else fail(`${pat}/policyARN`, `must be one of the EKS access policies eksflow grants: ${accessPolicyNames.map((p) => accessPolicyArn(p)).join(', ')}`);
          const scope = mapping(entry.accessScope, `${pat}/accessScope`);
          put(`${pto}/scope`, scope?.type, `${pat}/accessScope/type`);
          put(`${pto}/namespaces`, scope?.namespaces, `${pat}/accessScope/namespaces`);
        });
      }
      const argoCd = mapping(mapping(fields.configuration, `${at}/configuration`)?.argocd, `${at}/configuration/argocd`);
      if (argoCd) translateArgoCd(argoCd, `${at}/configuration/argocd`, `${to}/argoCd`, { put, trace, fail, mapping, list } as Readers);
    });
  }

  const remote = mapping(config.remoteNetworkConfig, '/remoteNetworkConfig');
  if (!remote) return;
  const networks = (key: 'remoteNodeNetworks' | 'remotePodNetworks') => list(remote[key], `/remoteNetworkConfig/${key}`)?.map((network, i) => {
    const fields = mapping(network, `/remoteNetworkConfig/${key}/${i}`);
    return fields ? defined({ cidrs: fields.cidrs }) : network;
  });
  const iam = mapping(remote.iam, '/remoteNetworkConfig/iam');
  // eksctl's default provider is SSM (userdocs "EKS Hybrid Nodes"); IRA needs Roles Anywhere, which eksflow does not make.
  const provider = iam?.provider === undefined ? 'SSM' : String(iam.provider);
  if (provider.toUpperCase() !== 'SSM') {
    fail('/remoteNetworkConfig/iam/provider', `${quote(iam!.provider)}: only SSM hybrid activations are built by eksflow (IAM Roles Anywhere's trust anchor and profile are not); use SSM, or give your own role in iam.roleARN`);
  }
  put('/remoteNetwork', defined({ remoteNodeNetworks: networks('remoteNodeNetworks'), remotePodNetworks: networks('remotePodNetworks'), nodeRoleArn: iam?.roleARN }), '/remoteNetworkConfig');
  trace('/remoteNetwork/remoteNodeNetworks', '/remoteNetworkConfig/remoteNodeNetworks');
  trace('/remoteNetwork/remotePodNetworks', '/remoteNetworkConfig/remotePodNetworks');
  trace('/remoteNetwork/nodeRoleArn', '/remoteNetworkConfig/iam/roleARN');
}

function translateArgoCd(argoCd: Fields, at: string, to: string, { put, trace, mapping, list }: Readers): void {
  const idc = mapping(argoCd.awsIdc, `${at}/awsIdc`);
  // A placeholder (the example's "ssoins-<SSO Instance ID>") is read as eksctl reads it; the plan warns (capabilityWarnings).
  const network = mapping(argoCd.networkAccess, `${at}/networkAccess`);
  const mappings = list(argoCd.rbacRoleMappings, `${at}/rbacRoleMappings`);
  put(to, defined({
    namespace: argoCd.namespace, idcInstanceArn: idc?.idcInstanceArn, idcRegion: idc?.idcRegion, vpceIds: network?.vpceIds,
    rbacRoleMappings: mappings?.map((item, i) => {
      const fields = mapping(item, `${at}/rbacRoleMappings/${i}`);
      if (!fields) return item;
      return defined({
        role: fields.role,
        identities: list(fields.identities, `${at}/rbacRoleMappings/${i}/identities`)?.map((identity, j) => {
          const id = mapping(identity, `${at}/rbacRoleMappings/${i}/identities/${j}`);
          return id ? defined({ id: id.id, type: id.type }) : identity;
        }),
      });
    }),
  }), at);
  trace(`${to}/idcInstanceArn`, `${at}/awsIdc/idcInstanceArn`);
  trace(`${to}/idcRegion`, `${at}/awsIdc/idcRegion`);
  trace(`${to}/vpceIds`, `${at}/networkAccess/vpceIds`);
  trace(`${to}/rbacRoleMappings`, `${at}/rbacRoleMappings`);
}
