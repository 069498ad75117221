import type { AddonVersion } from '../../activities/aws/eks';

/**
 * What the simulated EKS answers to DescribeAddonVersions and DescribeAddonConfiguration for the
 * five core add-ons. moto implements neither (moto/eks/responses.py has no add-on routes), so
 * only the simulator serves them to the tests; on AWS the adapter asks EKS itself.
 *
 * Versions: a SNAPSHOT in AWS's own version strings, taken from the EKS user guide's add-on
 * version tables ("Amazon VPC CNI", "CoreDNS", "kube-proxy", "Amazon EBS CSI driver", "EKS Pod
 * Identity Agent" pages) and `aws eks describe-addon-versions` output seen in public projects
 * (e.g. vpc-cni v1.20.5-eksbuild.1, eks-pod-identity-agent v1.3.10-eksbuild.3,
 * aws-ebs-csi-driver v1.56.0-eksbuild.1). The entries for Kubernetes 1.35 and 1.36 follow AWS's
 * scheme (kube-proxy tracks the minor; coredns a per-minor line) but could not be checked against
 * a published table from this machine: replace them with describe-addon-versions output when
 * refreshing. One default per add-on per minor, as `compatibilities[].defaultVersion` marks it.
 *
 * Schemas: the real ones (DescribeAddonConfiguration's `configurationSchema`) run to hundreds of
 * lines each. These are a faithful SUBSET: the keys eksflow sets and the tests use, with AWS's
 * types, and `additionalProperties: false` where AWS has it (so an unknown key is refused as on
 * AWS). vpc-cni's env values are strings; AWS marks their kind with `format` (boolean, integer),
 * modelled here as patterns so a wrong value is refused.
 */

type Minor = '1.33' | '1.34' | '1.35' | '1.36';
const minors: Minor[] = ['1.33', '1.34', '1.35', '1.36'];

interface CatalogEntry {
  /** Versions offered for each minor, and that minor's default. */
  versions: Record<Minor, { offered: string[]; default: string }>;
  schema: Record<string, unknown>;
}

const same = (offered: string[], defaults: Record<Minor, string>) =>
  Object.fromEntries(minors.map((minor) => [minor, { offered, default: defaults[minor] }])) as Record<Minor, { offered: string[]; default: string }>;

const boolString = { type: 'string', pattern: '^(true|false)$' };
const intString = { type: 'string', pattern: '^[0-9]+$' };
const resources = {
  type: 'object', additionalProperties: false,
  properties: {
    limits: { type: 'object', additionalProperties: false, properties: { cpu: { type: 'string' }, memory: { type: 'string' } } },
    requests: { type: 'object', additionalProperties: false, properties: { cpu: { type: 'string' }, memory: { type: 'string' } } },
  },
};
const tolerations = { type: 'array', items: { type: 'object' } };
const schema = (properties: Record<string, unknown>) => ({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', additionalProperties: false, properties });

export const simulatedAddonCatalog: Record<string, CatalogEntry> = {
  'vpc-cni': {
    versions: same(['v1.19.6-eksbuild.7', 'v1.20.1-eksbuild.3', 'v1.20.4-eksbuild.1', 'v1.20.5-eksbuild.1'], {
      '1.33': 'v1.19.6-eksbuild.7', '1.34': 'v1.20.4-eksbuild.1', '1.35': 'v1.20.5-eksbuild.1', '1.36': 'v1.20.5-eksbuild.1',
    }),
    schema: schema({
      env: {
        type: 'object', additionalProperties: false,
        properties: {
          ENABLE_POD_ENI: boolString, ENABLE_PREFIX_DELEGATION: boolString, WARM_PREFIX_TARGET: intString, WARM_IP_TARGET: intString,
          MINIMUM_IP_TARGET: intString, WARM_ENI_TARGET: intString, AWS_VPC_K8S_CNI_EXTERNALSNAT: boolString, POD_SECURITY_GROUP_ENFORCING_MODE: { type: 'string', enum: ['strict', 'standard'] },
        },
      },
      enableNetworkPolicy: boolString,
      resources,
      tolerations,
    }),
  },
  coredns: {
    versions: {
      '1.33': { offered: ['v1.12.1-eksbuild.2', 'v1.12.2-eksbuild.4'], default: 'v1.12.1-eksbuild.2' },
      '1.34': { offered: ['v1.12.3-eksbuild.1', 'v1.12.4-eksbuild.1'], default: 'v1.12.3-eksbuild.1' },
      '1.35': { offered: ['v1.12.4-eksbuild.1', 'v1.13.1-eksbuild.1'], default: 'v1.12.4-eksbuild.1' },
      '1.36': { offered: ['v1.13.1-eksbuild.1', 'v1.13.2-eksbuild.1'], default: 'v1.13.1-eksbuild.1' },
    },
    schema: schema({
      replicaCount: { type: 'integer', minimum: 1 },
      computeType: { type: 'string' },
      corefile: { type: 'string' },
      nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
      resources,
      tolerations,
    }),
  },
  'kube-proxy': {
    versions: {
      '1.33': { offered: ['v1.33.0-eksbuild.2', 'v1.33.3-eksbuild.4'], default: 'v1.33.0-eksbuild.2' },
      '1.34': { offered: ['v1.34.0-eksbuild.2', 'v1.34.1-eksbuild.2'], default: 'v1.34.0-eksbuild.2' },
      '1.35': { offered: ['v1.35.0-eksbuild.2'], default: 'v1.35.0-eksbuild.2' },
      '1.36': { offered: ['v1.36.0-eksbuild.1'], default: 'v1.36.0-eksbuild.1' },
    },
    schema: schema({
      mode: { type: 'string', enum: ['iptables', 'ipvs', 'nftables'] },
      ipvs: { type: 'object', additionalProperties: false, properties: { scheduler: { type: 'string' } } },
      resources,
    }),
  },
  'aws-ebs-csi-driver': {
    versions: same(['v1.48.0-eksbuild.2', 'v1.50.1-eksbuild.1', 'v1.56.0-eksbuild.1'], {
      '1.33': 'v1.48.0-eksbuild.2', '1.34': 'v1.50.1-eksbuild.1', '1.35': 'v1.56.0-eksbuild.1', '1.36': 'v1.56.0-eksbuild.1',
    }),
    schema: schema({
      controller: {
        type: 'object', additionalProperties: false,
        properties: { replicaCount: { type: 'integer', minimum: 1 }, extraVolumeTags: { type: 'object', additionalProperties: { type: 'string' } }, resources, tolerations },
      },
      node: { type: 'object', additionalProperties: false, properties: { tolerateAllTaints: { type: 'boolean' }, resources, tolerations } },
      defaultStorageClass: { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' } } },
    }),
  },
  'eks-pod-identity-agent': {
    versions: same(['v1.3.8-eksbuild.2', 'v1.3.10-eksbuild.3'], {
      '1.33': 'v1.3.8-eksbuild.2', '1.34': 'v1.3.10-eksbuild.3', '1.35': 'v1.3.10-eksbuild.3', '1.36': 'v1.3.10-eksbuild.3',
    }),
    schema: schema({
      agent: { type: 'object', additionalProperties: false, properties: { additionalArgs: { type: 'object', additionalProperties: { type: 'string' } } } },
      resources,
      tolerations,
    }),
  },
};

/** DescribeAddonVersions for one add-on and minor: empty for a minor or add-on the catalog lacks. */
export function simulatedAddonVersions(name: string, kubernetesVersion: string): AddonVersion[] {
  const offered = simulatedAddonCatalog[name]?.versions[kubernetesVersion as Minor];
  return offered ? offered.offered.map((version) => ({ version, isDefault: version === offered.default })) : [];
}

/** DescribeAddonConfiguration: the schema, for a version offered for some minor. */
export function simulatedAddonConfiguration(name: string, version: string): string | undefined {
  const entry = simulatedAddonCatalog[name];
  if (!entry || !minors.some((minor) => entry.versions[minor].offered.includes(version))) return undefined;
  return JSON.stringify(entry.schema);
}

/** DaemonSet-only add-ons: ACTIVE with zero nodes (nothing is short of replicas). */
export const daemonSetAddons: ReadonlySet<string> = new Set(['vpc-cni', 'kube-proxy', 'eks-pod-identity-agent']);
