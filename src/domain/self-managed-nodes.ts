import type { NodeGroupSpec, SpecError } from './environment-spec';
import { boundedName } from './names';
import { bootstrapFamilyOf, isWindowsGroup, nodeLabels, selfManagedNodegroupLabel } from './node-bootstrap';
import { managedOnly, selfManagedOnly, type AmiType } from './node-group-settings';

/**
 * Self-managed node groups (kind: self-managed): an EC2 launch template and an Auto Scaling
 * group eksflow makes, as eksctl's unmanaged node groups are (pkg/cfn/builder/nodegroup.go).
 * Names, the EKS-optimized AMI's public SSM parameter, the Auto Scaling group's tags, and the
 * rules a spec with such groups must keep. Pure.
 */

export const isSelfManaged = (group: Pick<NodeGroupSpec, 'kind'>): boolean => group.kind === 'self-managed';

/** The launch template's and the Auto Scaling group's name, eksctl-like: `<env>-<group>` (both take up to 128 and 255 characters). */
export const selfManagedName = (environment: string, group: string): string => boundedName([environment, group], 128);
/** The group's own node role (eksctl gives each node group its own instance role) and its instance profile, under one name. */
export const selfManagedRoleName = (environment: string, group: string): string => boundedName([environment, group, 'node'], 64);

/**
 * The public SSM parameter holding the EKS-optimized AMI for an AMI type and Kubernetes
 * version, as eksctl resolves it (pkg/ami/ssm_resolver.go) and the AWS docs list them
 * ("Retrieve recommended Amazon Linux AMI IDs", "Retrieve recommended Bottlerocket AMI
 * IDs", "Retrieve recommended Microsoft Windows AMI IDs"). undefined for CUSTOM.
 */
export function amiParameterName(amiType: AmiType, kubernetesVersion: string): string | undefined {
  const al2023 = (arch: string, variant: string) => `/aws/service/eks/optimized-ami/${kubernetesVersion}/amazon-linux-2023/${arch}/${variant}/recommended/image_id`;
  const bottlerocket = (suffix: string, arch: string) => `/aws/service/bottlerocket/aws-k8s-${kubernetesVersion}${suffix}/${arch}/latest/image_id`;
  const windows = (edition: 'Core' | 'Full', year: string) => `/aws/service/ami-windows-latest/Windows_Server-${year}-English-${edition}-EKS_Optimized-${kubernetesVersion}/image_id`;
  const byType: Record<AmiType, string | undefined> = {
    AL2023_x86_64_STANDARD: al2023('x86_64', 'standard'),
    AL2023_ARM_64_STANDARD: al2023('arm64', 'standard'),
    AL2023_x86_64_NVIDIA: al2023('x86_64', 'nvidia'),
    AL2023_ARM_64_NVIDIA: al2023('arm64', 'nvidia'),
    AL2023_x86_64_NEURON: al2023('x86_64', 'neuron'),
    BOTTLEROCKET_x86_64: bottlerocket('', 'x86_64'),
    BOTTLEROCKET_ARM_64: bottlerocket('', 'arm64'),
    BOTTLEROCKET_x86_64_NVIDIA: bottlerocket('-nvidia', 'x86_64'),
    BOTTLEROCKET_ARM_64_NVIDIA: bottlerocket('-nvidia', 'arm64'),
    BOTTLEROCKET_x86_64_FIPS: bottlerocket('-fips', 'x86_64'),
    BOTTLEROCKET_ARM_64_FIPS: bottlerocket('-fips', 'arm64'),
    WINDOWS_CORE_2019_x86_64: windows('Core', '2019'),
    WINDOWS_FULL_2019_x86_64: windows('Full', '2019'),
    WINDOWS_CORE_2022_x86_64: windows('Core', '2022'),
    WINDOWS_FULL_2022_x86_64: windows('Full', '2022'),
    WINDOWS_CORE_2025_x86_64: windows('Core', '2025'),
    WINDOWS_FULL_2025_x86_64: windows('Full', '2025'),
    CUSTOM: undefined,
  };
  return byType[amiType];
}

/** The tags cluster-autoscaler reads from a group scaled to zero (cluster-autoscaler FAQ, "node-template" tags on the ASG). */
export const nodeTemplateLabelTag = (key: string) => `k8s.io/cluster-autoscaler/node-template/label/${key}`;
export const nodeTemplateTaintTag = (key: string) => `k8s.io/cluster-autoscaler/node-template/taint/${key}`;

/**
 * The Auto Scaling group's tags, eksctl's: the cluster's `kubernetes.io/cluster/<cluster>=owned`
 * (propagated to instances: the AWS cloud provider and the VPC CNI find the cluster's nodes by
 * it), cluster-autoscaler's auto-discovery tags, and with propagateAsgTags the node-template
 * tags for the group's labels and taints (eksctl pkg/cfn/builder/nodegroup.go
 * generateClusterAutoscalerTags), then the group's own tags. Ownership tags are added by the activity.
 */
export function autoScalingGroupTags(cluster: string, group: Pick<NodeGroupSpec, 'name' | 'labels' | 'taints' | 'tags' | 'propagateAsgTags'>): Record<string, string> {
  const tags: Record<string, string> = {
    ...group.tags,
    Name: `${cluster}-${group.name}-Node`,
    [`kubernetes.io/cluster/${cluster}`]: 'owned',
    // Which group it is, so a teardown without the spec can find (and drain) its nodes.
    [selfManagedNodegroupLabel]: group.name,
    'k8s.io/cluster-autoscaler/enabled': 'true',
    [`k8s.io/cluster-autoscaler/${cluster}`]: 'owned',
  };
  if (group.propagateAsgTags) {
    for (const [key, value] of Object.entries(nodeLabels(group))) tags[nodeTemplateLabelTag(key)] = value;
    const effect: Record<string, string> = { NO_SCHEDULE: 'NoSchedule', NO_EXECUTE: 'NoExecute', PREFER_NO_SCHEDULE: 'PreferNoSchedule' };
    for (const t of group.taints ?? []) tags[nodeTemplateTaintTag(t.key)] = `${t.value ?? ''}:${effect[t.effect] ?? t.effect}`;
  }
  return tags;
}

export const windowsNeedsLinux = 'Windows nodes need a Linux node group for CoreDNS and the VPC resource controller (AWS docs, "Deploy Windows nodes on EKS clusters"): add a managed or self-managed Linux group';

/** What a spec's self-managed groups cannot be and the schema does not say. Each rule trusts only what it checks. */
export function selfManagedRuleErrors(nodeGroups: readonly Partial<NodeGroupSpec>[]): SpecError[] {
  const errors: SpecError[] = [];
  const typed = (g: Partial<NodeGroupSpec>): g is NodeGroupSpec => typeof g.amiType === 'string' && typeof g.name === 'string';
  nodeGroups.forEach((group, i) => {
    const selfManaged = group.kind === 'self-managed';
    const refused = selfManaged ? managedOnly : selfManagedOnly;
    for (const [key, reason] of Object.entries(refused)) {
      if ((group as Record<string, unknown>)[key] !== undefined) errors.push({ path: `/nodeGroups/${i}/${key}`, message: reason });
    }
    // Managed groups get Bottlerocket settings through a launch template of their own, not built yet.
    if (!selfManaged && group.bottlerocket !== undefined) errors.push({ path: `/nodeGroups/${i}/bottlerocket`, message: 'bottlerocket settings are honoured for self-managed groups (kind: self-managed) only, for now' });
    if (!selfManaged || !typed(group)) return;
    // SSH: eksflow opens port 22 in a security group of the group's own (src/domain/node-ssh-access.ts).
    if (group.ssh?.sourceSecurityGroupIds !== undefined && (group.ssh.allow === false || (group.ssh.publicKey === undefined && group.ssh.keyName === undefined))) {
      errors.push({ path: `/nodeGroups/${i}/ssh/sourceSecurityGroupIds`, message: 'opens SSH to them only with a key and allow not false: give ssh.publicKey or ssh.keyName, or remove it' });
    }
    if (group.amiType === 'CUSTOM' && !group.ami) errors.push({ path: `/nodeGroups/${i}/ami`, message: 'amiType CUSTOM needs ami (its id and family)' });
    const family = bootstrapFamilyOf(group);
    if (family === 'Bottlerocket' && group.preBootstrapCommands?.length) {
      errors.push({ path: `/nodeGroups/${i}/preBootstrapCommands`, message: 'Bottlerocket has no shell to run bootstrap commands in: use bottlerocket.settings (bootstrap containers) instead' });
    }
    if (group.bottlerocket && family !== 'Bottlerocket') errors.push({ path: `/nodeGroups/${i}/bottlerocket`, message: 'bottlerocket settings need a Bottlerocket AMI (amiType BOTTLEROCKET_*)' });
  });
  const windows = nodeGroups.findIndex((g) => g.kind === 'self-managed' && typed(g) && isWindowsGroup(g));
  const linux = nodeGroups.some((g) => typed(g) && !isWindowsGroup(g));
  if (windows !== -1 && !linux) errors.push({ path: `/nodeGroups/${windows}/amiType`, message: windowsNeedsLinux });
  return errors;
}
