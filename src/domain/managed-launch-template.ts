import type { NetworkSpec, NodeGroupSpec } from './environment-spec';
import { isWindowsAmiType } from './node-group-settings';

/**
 * A managed node group's launch template, as eksflow makes one for what CreateNodegroup cannot
 * take directly (eksctl does the same: pkg/cfn/builder/managed_launch_template.go
 * makeLaunchTemplateData), and the rules a managed group's settings must keep. Pure: the
 * activity (src/activities/managed-launch-template.ts) adds what only the cluster knows.
 */

/** Settings only a launch template can carry for a managed group: any of them makes eksflow make one. */
export const ownLaunchTemplateSettings = ['volume', 'maxPodsPerNode', 'securityGroupIds', 'instanceMetadata', 'ami', 'preBootstrapCommands'] as const;

type ManagedGroup = Pick<NodeGroupSpec, 'name' | 'amiType' | 'diskSize' | 'instanceTypes'> & Partial<Pick<NodeGroupSpec,
  'volume' | 'maxPodsPerNode' | 'securityGroupIds' | 'instanceMetadata' | 'ami' | 'preBootstrapCommands' | 'launchTemplate' | 'ssh' | 'sshPublicKey' | 'tags'
  | 'updateConfig' | 'nodeRepair' | 'privateNetworking' | 'availabilityZones' | 'subnetIds' | 'kind'>>;

export const needsOwnLaunchTemplate = (group: ManagedGroup): boolean => ownLaunchTemplateSettings.some((key) => group[key] !== undefined);

/** The launch template and key pair eksflow makes for a group: one name for both, found again by it. */
export const managedLaunchTemplateName = (environment: string, group: string): string => `eksflow-${environment}-${group}`.slice(0, 128);
export const nodeKeyPairName = managedLaunchTemplateName;

/** The public key the group's nodes take: ssh.publicKey, or the older sshPublicKey; none when ssh.allow is false. */
export function nodePublicKey(group: ManagedGroup): string | undefined {
  if (group.ssh?.allow === false) return undefined;
  return group.ssh?.publicKey ?? group.sshPublicKey;
}

/**
 * Whether the group takes anything the first version of the node group step did not: such a
 * group goes through the launch template, key pair and placement path. Groups without any (all
 * specs written before) are made exactly as before.
 */
export const usesManagedNodeSettings = (group: ManagedGroup): boolean => needsOwnLaunchTemplate(group) || [
  group.launchTemplate, group.ssh, group.sshPublicKey, group.tags, group.updateConfig, group.nodeRepair, group.privateNetworking, group.availabilityZones, group.subnetIds,
].some((value) => value !== undefined);

/** What the cluster contributes to a node's bootstrap and its launch template. */
export interface ClusterFacts {
  name: string;
  endpoint: string;
  /** Base64 PEM, as DescribeCluster gives it. */
  certificateAuthority: string;
  serviceIpv4Cidr: string;
  /** EKS's cluster security group: named with any others, or EKS would not add it (launch template docs). */
  clusterSecurityGroupId?: string;
}

/** The launch template's content before EC2's encoding (user data as text). */
export interface ManagedLaunchTemplate {
  imageId?: string;
  keyName?: string;
  userData?: string;
  securityGroupIds?: string[];
  blockDeviceMappings: {
    deviceName: string;
    ebs: { volumeSize: number; volumeType: string; iops?: number; throughput?: number; encrypted?: boolean; kmsKeyId?: string; deleteOnTermination: boolean };
  }[];
  metadataOptions?: { httpTokens: string; httpPutResponseHopLimit: number; httpEndpoint: 'enabled' };
  instanceTags: Record<string, string>;
}

const boundary = 'EKSFLOW-BOUNDARY';
const isBottlerocket = (group: ManagedGroup) => group.amiType.startsWith('BOTTLEROCKET_') || group.ami?.family === 'Bottlerocket';

/**
 * The launch template for a managed group. The disk goes in it (EKS refuses diskSize with a
 * launch template), as the root volume: /dev/xvda, or on Bottlerocket its data volume /dev/xvdb,
 * which holds images and pods (eksctl's choice too). Security groups are the cluster's plus the
 * group's (EKS adds its own only when the template names none: launch template docs).
 */
export function managedLaunchTemplate(group: ManagedGroup, cluster: ClusterFacts, keyName?: string, sshSecurityGroupId?: string): ManagedLaunchTemplate {
  const volume = group.volume;
  const volumeType = volume?.type ?? 'gp3';
  const template: ManagedLaunchTemplate = {
    blockDeviceMappings: [{
      deviceName: volume?.name ?? (isBottlerocket(group) ? '/dev/xvdb' : '/dev/xvda'),
      ebs: {
        volumeSize: group.diskSize, volumeType, deleteOnTermination: true,
        ...(volume?.iops !== undefined ? { iops: volume.iops } : {}),
        ...(volume?.throughput !== undefined ? { throughput: volume.throughput } : {}),
        ...(volume?.encrypted ? { encrypted: true } : {}),
        ...(volume?.kmsKeyId ? { kmsKeyId: volume.kmsKeyId } : {}),
      },
    }],
    instanceTags: { Name: `${cluster.name}-${group.name}-Node`, ...group.tags },
  };
  if (group.ami) template.imageId = group.ami.id;
  if (keyName) template.keyName = keyName;
  // The SSH security group eksflow made for the group (src/domain/node-ssh-access.ts) goes beside
  // the cluster's and the group's, as eksctl's "remoteAccess" group does (managed_launch_template.go).
  if (group.securityGroupIds || sshSecurityGroupId) {
    template.securityGroupIds = [...(cluster.clusterSecurityGroupId ? [cluster.clusterSecurityGroupId] : []), ...(group.securityGroupIds ?? []), ...(sshSecurityGroupId ? [sshSecurityGroupId] : [])];
  }
  if (group.instanceMetadata) {
    template.metadataOptions = { httpTokens: group.instanceMetadata.httpTokens, httpPutResponseHopLimit: group.instanceMetadata.httpPutResponseHopLimit, httpEndpoint: 'enabled' };
  }
  const userData = managedUserData(group, cluster);
  if (userData !== undefined) template.userData = userData;
  return template;
}

/**
 * The group's user data, or none when there is nothing to say.
 * - Amazon Linux 2023: MIME multipart. EKS merges a NodeConfig part (application/node.eks.aws)
 *   into its own for an EKS AMI, so only kubelet's maxPods is given; an AMI of one's own gets
 *   the whole NodeConfig (cluster name, endpoint, CA, Service CIDR), as nodeadm needs it
 *   (awslabs amazon-eks-ami, nodeadm NodeConfig API; EKS User Guide "Customizing managed nodes
 *   with launch templates"). preBootstrapCommands are shell parts run before nodeadm; an
 *   overrideBootstrapCommand replaces the NodeConfig.
 * - Bottlerocket: TOML settings ([settings.kubernetes] max-pods; the cluster's own with an AMI
 *   of one's own).
 */
export function managedUserData(group: ManagedGroup, cluster: ClusterFacts): string | undefined {
  const custom = group.ami !== undefined;
  if (isBottlerocket(group)) {
    const lines: string[] = [];
    if (custom) lines.push(`cluster-name = ${toml(cluster.name)}`, `api-server = ${toml(cluster.endpoint)}`, `cluster-certificate = ${toml(cluster.certificateAuthority)}`);
    if (group.maxPodsPerNode !== undefined) lines.push(`max-pods = ${group.maxPodsPerNode}`);
    return lines.length > 0 ? `[settings.kubernetes]\n${lines.join('\n')}\n` : undefined;
  }
  const parts: { type: string; body: string }[] = [];
  for (const command of group.preBootstrapCommands ?? []) parts.push({ type: 'text/x-shellscript; charset="us-ascii"', body: command.startsWith('#!') ? command : `#!/bin/bash\n${command}` });
  if (group.ami?.family === 'AmazonLinux2') {
    // An AL2 AMI of one's own: its /etc/eks/bootstrap.sh, run by the overrideBootstrapCommand
    // the rules require, after the preBootstrapCommands, each a shell part as eksctl writes them
    // (pkg/nodebootstrap managed_al2.go makeCustomAMIUserData). No NodeConfig: AL2 has no nodeadm.
    parts.push({ type: 'text/x-shellscript; charset="us-ascii"', body: group.ami.overrideBootstrapCommand ?? '' });
  } else if (group.ami?.overrideBootstrapCommand !== undefined) {
    parts.push({ type: 'text/x-shellscript; charset="us-ascii"', body: group.ami.overrideBootstrapCommand });
  } else if (custom || group.maxPodsPerNode !== undefined) {
    parts.unshift({ type: 'application/node.eks.aws', body: nodeConfig(group, custom ? cluster : undefined) });
  }
  if (parts.length === 0) return undefined;
  return [
    'MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${boundary}"`, '',
    ...parts.flatMap((part) => [`--${boundary}`, `Content-Type: ${part.type}`, '', part.body, '']),
    `--${boundary}--`, '',
  ].join('\n');
}

function nodeConfig(group: ManagedGroup, cluster: ClusterFacts | undefined): string {
  const lines = ['---', 'apiVersion: node.eks.aws/v1alpha1', 'kind: NodeConfig', 'spec:'];
  if (cluster) {
    lines.push('  cluster:', `    name: ${cluster.name}`, `    apiServerEndpoint: ${cluster.endpoint}`, `    certificateAuthority: ${cluster.certificateAuthority}`, `    cidr: ${cluster.serviceIpv4Cidr}`);
  }
  if (group.maxPodsPerNode !== undefined) lines.push('  kubelet:', '    config:', `      maxPods: ${group.maxPodsPerNode}`);
  return lines.join('\n');
}

const toml = (value: string) => JSON.stringify(value);

/** One refusal, at a path, with its reason. */
interface Problem { path: string; message: string }

/**
 * What a managed group's settings cannot be, each with the reason and the way out: the rules
 * EKS's CreateNodegroup and a launch template impose that the schema does not say. Runs on the
 * request as given: each rule looks only at parts whose shape it can trust.
 */
export function managedNodeGroupProblems(groups: readonly ManagedGroup[], network: Partial<NetworkSpec> | undefined): Problem[] {
  const problems: Problem[] = [];
  groups.forEach((group, i) => {
    if (group.kind === 'self-managed') return;
    const at = (key: string) => `/nodeGroups/${i}/${key}`;
    const own = ownLaunchTemplateSettings.filter((key) => group[key] !== undefined);
    const amiType = typeof group.amiType === 'string' ? group.amiType : '';
    if (typeof group.launchTemplate === 'object' && group.launchTemplate !== null) {
      const { id, name } = group.launchTemplate;
      if ((id === undefined) === (name === undefined)) problems.push({ path: at('launchTemplate'), message: 'give exactly one of id (lt-…) or name of the launch template' });
      if (own.length > 0) {
        problems.push({ path: at('launchTemplate'), message: `eksflow never changes a launch template you give, and ${own.join(', ')} need${own.length === 1 ? 's' : ''} one eksflow makes: put ${own.length === 1 ? 'it' : 'them'} in your template, or leave launchTemplate out` });
      }
      if (nodePublicKey(group) !== undefined || group.ssh?.keyName !== undefined) {
        problems.push({ path: at('ssh'), message: 'EKS takes no remote access with a launch template: put the key pair (KeyName) in your template, or leave launchTemplate out' });
      }
    }
    if (typeof group.updateConfig === 'object' && group.updateConfig !== null && (group.updateConfig.maxUnavailable === undefined) === (group.updateConfig.maxUnavailablePercentage === undefined)) {
      problems.push({ path: at('updateConfig'), message: 'give exactly one of maxUnavailable (nodes) or maxUnavailablePercentage' });
    }
    const ssh = group.ssh;
    if (typeof ssh === 'object' && ssh !== null) {
      if (ssh.allow === false && (ssh.publicKey !== undefined || ssh.keyName !== undefined || ssh.sourceSecurityGroupIds !== undefined)) {
        problems.push({ path: at('ssh/allow'), message: 'is false, yet a key or source security groups are given; remove one of them' });
      }
      if (ssh.publicKey !== undefined && ssh.keyName !== undefined) problems.push({ path: at('ssh'), message: 'give publicKey (eksflow imports it as a key pair) or keyName (an existing key pair), not both' });
      if (ssh.publicKey !== undefined && group.sshPublicKey !== undefined) problems.push({ path: at('sshPublicKey'), message: 'is the older spelling of ssh.publicKey: give only one' });
      if (ssh.sourceSecurityGroupIds !== undefined && ssh.publicKey === undefined && ssh.keyName === undefined && group.sshPublicKey === undefined) {
        problems.push({ path: at('ssh/sourceSecurityGroupIds'), message: 'open SSH to them with a key: give ssh.publicKey or ssh.keyName' });
      }
    }
    if (Array.isArray(group.subnetIds)) {
      if (network?.vpc) problems.push({ path: at('subnetIds'), message: 'names subnets of a VPC eksflow has not made yet; choose them by availabilityZones and privateNetworking instead' });
      else if (Array.isArray(network?.subnetIds)) {
        const outside = group.subnetIds.filter((id) => !network.subnetIds!.includes(id));
        if (outside.length > 0) problems.push({ path: at('subnetIds'), message: `${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not among network.subnetIds; a group's subnets are some of the environment's` });
      }
      if (group.availabilityZones || group.privateNetworking !== undefined) {
        problems.push({ path: at('subnetIds'), message: 'names the subnets itself: leave availabilityZones and privateNetworking out' });
      }
    }
    const zones = network?.vpc?.zones;
    if (Array.isArray(group.availabilityZones) && Array.isArray(zones)) {
      group.availabilityZones.forEach((zone, z) => {
        if (!zones.includes(zone)) problems.push({ path: at(`availabilityZones/${z}`), message: `${zone} is not one of the environment's zones (${zones.join(', ')})` });
      });
    }
    if (typeof group.ami === 'object' && group.ami !== null) {
      if (amiType !== 'CUSTOM') problems.push({ path: at('amiType'), message: `an AMI of your own (ami) makes the group's amiType CUSTOM; leave amiType out` });
      if (!(['AmazonLinux2023', 'Bottlerocket', 'AmazonLinux2'] as string[]).includes(group.ami.family)) {
        problems.push({ path: at('ami/family'), message: `is not available yet for managed groups: eksflow bootstraps AmazonLinux2023 (nodeadm), AmazonLinux2 (bootstrap.sh) and Bottlerocket AMIs of your own; use a self-managed group` });
      }
      // eksctl refuses an AL2 AMI of one's own without the command that joins it (validation.go:
      // "overrideBootstrapCommand is required when using a custom AMI"): an AMI's bootstrap.sh
      // needs the cluster's name, and eksflow does not guess how a custom image was built.
      if (group.ami.family === 'AmazonLinux2' && group.ami.overrideBootstrapCommand === undefined) {
        problems.push({ path: at('ami/overrideBootstrapCommand'), message: 'is required with an AmazonLinux2 AMI of your own (as eksctl requires it): the command that joins the node, e.g. /etc/eks/bootstrap.sh <cluster>' });
      }
      if (group.ami.family === 'Bottlerocket' && group.ami.overrideBootstrapCommand !== undefined) {
        problems.push({ path: at('ami/overrideBootstrapCommand'), message: 'Bottlerocket runs no shell bootstrap: leave it out (eksflow writes its settings)' });
      }
      if (group.ami.overrideBootstrapCommand !== undefined && group.maxPodsPerNode !== undefined) {
        problems.push({ path: at('maxPodsPerNode'), message: 'your overrideBootstrapCommand bootstraps the node: set maxPods in it' });
      }
    } else if (amiType === 'CUSTOM') {
      problems.push({ path: at('amiType'), message: 'CUSTOM needs the AMI: give ami ({ id, family })' });
    }
    if (isWindowsAmiType(amiType) && (group.maxPodsPerNode !== undefined || group.preBootstrapCommands !== undefined)) {
      problems.push({ path: at(group.maxPodsPerNode !== undefined ? 'maxPodsPerNode' : 'preBootstrapCommands'), message: 'is not available yet for managed Windows groups: use a self-managed group (kind: self-managed)' });
    }
    if ((amiType.startsWith('BOTTLEROCKET_') || group.ami?.family === 'Bottlerocket') && group.preBootstrapCommands !== undefined) {
      problems.push({ path: at('preBootstrapCommands'), message: 'Bottlerocket runs no shell before joining: use bottlerocket.settings (bootstrap containers) instead' });
    }
    const volume = typeof group.volume === 'object' && group.volume !== null ? group.volume : undefined;
    if (volume?.iops !== undefined && !['gp3', 'io1', 'io2'].includes(volume.type)) problems.push({ path: at('volume/iops'), message: `${volume.type} volumes take no iops; gp3, io1 and io2 do` });
    if (volume?.throughput !== undefined && volume.type !== 'gp3') problems.push({ path: at('volume/throughput'), message: `${volume.type} volumes take no throughput; gp3 does` });
    if ((volume?.type === 'io1' || volume?.type === 'io2') && volume.iops === undefined) problems.push({ path: at('volume/iops'), message: `${volume.type} volumes need iops` });
    if (volume?.kmsKeyId !== undefined && !volume.encrypted) problems.push({ path: at('volume/kmsKeyId'), message: 'encrypts the volume: set encrypted: true too' });
  });
  return problems;
}

/** The last Kubernetes version EKS publishes Amazon Linux 2 AMIs for. */
export const lastAmazonLinux2Version = '1.32';

/**
 * An AmazonLinux2 AMI of one's own on Kubernetes 1.33 or later: a warning, not a refusal. EKS
 * publishes no AL2 AMIs past 1.32 (EKS User Guide, "Amazon Linux 2 AMI deprecation"), but takes
 * any AMI with amiType CUSTOM, and a kubelet up to three minor versions older than the API server
 * joins it (Kubernetes version skew policy). eksctl refuses amiFamily AmazonLinux2 from 1.33 on
 * (eksctl-io/eksctl#8405: "If a user specifically attempts to create a nodegroup on Kubernetes
 * 1.33 with AL2, throw an error"; defaults_test.go tests it without an AMI of one's own).
 */
export function amazonLinux2VersionWarnings(groups: readonly { ami?: { family?: unknown } }[], kubernetesVersion: string): Problem[] {
  const minor = (v: string) => Number(v.split('.')[1]);
  if (!/^1\.[0-9]+$/.test(kubernetesVersion) || minor(kubernetesVersion) <= minor(lastAmazonLinux2Version)) return [];
  return groups.flatMap((group, i) => (group.ami?.family === 'AmazonLinux2' ? [{
    path: `/nodeGroups/${i}/ami/family`,
    message: `EKS publishes no AmazonLinux2 AMIs past Kubernetes ${lastAmazonLinux2Version}, and this cluster is ${kubernetesVersion}: your AMI's kubelet must be at most three minor versions older, and eksctl refuses AL2 from 1.33 (eksctl#8405); AmazonLinux2023 is the way forward`,
  }] : []));
}
