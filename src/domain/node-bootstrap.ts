import type { NodeGroupSpec } from './environment-spec';
import { isWindowsAmiType } from './node-group-settings';

/**
 * The user data a self-managed node boots with, per AMI family, as eksctl writes it
 * (pkg/nodebootstrap: al2023.go, bottlerocket.go, windows.go, ubuntu.go) and the AWS docs
 * describe it ("Create self-managed Amazon Linux nodes": nodeadm's NodeConfig; "Bottlerocket
 * settings"; "Create self-managed Microsoft Windows nodes": Start-EKSBootstrap.ps1). Pure.
 * Returned as text; EC2 takes it base64-encoded (the activity encodes it).
 */

export type BootstrapFamily = 'AmazonLinux2023' | 'Bottlerocket' | 'Windows' | 'Ubuntu' | 'AmazonLinux2';

/** What a node needs to find and trust its cluster: DescribeCluster's answer. */
export interface ClusterBootstrap {
  name: string;
  /** https://… */
  endpoint: string;
  /** Base64 PEM, as DescribeCluster's certificateAuthority.data. */
  certificateAuthority: string;
  /** The service CIDR (kubernetesNetworkConfig.serviceIpv4Cidr). */
  serviceIpv4Cidr: string;
}

/** The label eksflow puts on every node of a self-managed group (EKS labels only its managed groups' nodes). */
export const selfManagedNodegroupLabel = 'eksflow.io/nodegroup';
/** eksctl's own label for a node group's nodes (pkg/apis/eksctl.io/v1alpha5 NodeGroupNameLabel). */
export const eksctlNodegroupLabel = 'alpha.eksctl.io/nodegroup-name';

/** How the group's nodes bootstrap: its custom AMI's family, or its AMI type's. */
export function bootstrapFamilyOf(group: Pick<NodeGroupSpec, 'amiType' | 'ami'>): BootstrapFamily {
  const family = group.ami?.family;
  if (family) return family.startsWith('WindowsServer') ? 'Windows' : family as BootstrapFamily;
  if (isWindowsAmiType(group.amiType)) return 'Windows';
  if (group.amiType.startsWith('BOTTLEROCKET_')) return 'Bottlerocket';
  return 'AmazonLinux2023';
}

export const isWindowsGroup = (group: Pick<NodeGroupSpec, 'amiType' | 'ami'>): boolean => bootstrapFamilyOf(group) === 'Windows';

/** The labels the kubelet registers the node with: the group's, and the two that name its group. */
export function nodeLabels(group: Pick<NodeGroupSpec, 'name' | 'labels'>): Record<string, string> {
  return { ...group.labels, [selfManagedNodegroupLabel]: group.name, [eksctlNodegroupLabel]: group.name };
}

const kubernetesEffect: Record<string, string> = { NO_SCHEDULE: 'NoSchedule', NO_EXECUTE: 'NoExecute', PREFER_NO_SCHEDULE: 'PreferNoSchedule' };

/** The group's taints as the kubelet's --register-with-taints takes them: key=value:Effect. */
export function kubeletTaints(group: Pick<NodeGroupSpec, 'taints'>): string[] {
  return (group.taints ?? []).map((t) => `${t.key}${t.value !== undefined ? `=${t.value}` : ''}:${kubernetesEffect[t.effect] ?? t.effect}`);
}

/** The kubelet flags every family passes in its own way: labels, then taints when there are any. */
export function kubeletFlags(group: Pick<NodeGroupSpec, 'name' | 'labels' | 'taints'>): string[] {
  const labels = Object.entries(nodeLabels(group)).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',');
  const taints = kubeletTaints(group);
  return [`--node-labels=${labels}`, ...(taints.length > 0 ? [`--register-with-taints=${taints.join(',')}`] : [])];
}

/** The cluster DNS service's address: the tenth of the service CIDR, as EKS assigns it. */
export function clusterDnsIp(serviceIpv4Cidr: string): string {
  const [address] = serviceIpv4Cidr.split('/') as [string];
  const octets = address.split('.').map(Number);
  return `${octets[0]}.${octets[1]}.${octets[2]}.${octets[3]! + 10}`;
}

/**
 * EKS's service CIDR when the cluster is given none: 10.100.0.0/16, or 172.20.0.0/16 when the
 * VPC is in 10.0.0.0/8 (EKS API reference, KubernetesNetworkConfigRequest.serviceIpv4Cidr).
 */
export const defaultServiceIpv4Cidr = (vpcCidr?: string): string => (vpcCidr?.startsWith('10.') ? '172.20.0.0/16' : '10.100.0.0/16');

type BootstrapGroup = Pick<NodeGroupSpec, 'name' | 'labels' | 'taints' | 'amiType' | 'ami' | 'preBootstrapCommands' | 'maxPodsPerNode' | 'bottlerocket'>;

/** The group's user data, as text. */
export function nodeUserData(cluster: ClusterBootstrap, group: BootstrapGroup): string {
  switch (bootstrapFamilyOf(group)) {
    case 'Bottlerocket': return bottlerocketSettings(cluster, group);
    case 'Windows': return windowsUserData(cluster, group);
    // AL2 AMIs (of one's own) have no nodeadm: their /etc/eks/bootstrap.sh takes the same flags
    // as Canonical's (awslabs/amazon-eks-ami AL2 bootstrap.sh; eksctl userdata_al2.go calls it).
    case 'Ubuntu': case 'AmazonLinux2': return ubuntuUserData(cluster, group);
    default: return al2023UserData(cluster, group);
  }
}

// MIME multi-part as cloud-init reads it; nodeadm takes the application/node.eks.aws part
// (awslabs/amazon-eks-ami nodeadm docs, "Configuration"). eksctl uses the boundary "//".
const boundary = '//';

function mimePart(contentType: string, body: string): string {
  return `--${boundary}\nContent-Type: ${contentType}\n\n${body.endsWith('\n') ? body : `${body}\n`}`;
}

/**
 * AL2023: nodeadm's NodeConfig (node.eks.aws/v1alpha1) with the cluster's name, endpoint, CA
 * and service CIDR and the kubelet's flags and maxPods; preBootstrapCommands as a shell part
 * before it. ami.overrideBootstrapCommand replaces the NodeConfig: the command joins the node.
 */
export function al2023UserData(cluster: ClusterBootstrap, group: BootstrapGroup): string {
  const parts: string[] = [];
  if (group.preBootstrapCommands?.length) parts.push(mimePart('text/x-shellscript', `#!/bin/bash\nset -ex\n${group.preBootstrapCommands.join('\n')}`));
  if (group.ami?.overrideBootstrapCommand) {
    parts.push(mimePart('text/x-shellscript', `#!/bin/bash\nset -ex\n${group.ami.overrideBootstrapCommand}`));
  } else {
    const flags = kubeletFlags(group).map((flag) => `        - ${yamlString(flag)}`).join('\n');
    const config = [
      `      clusterDNS:\n        - ${clusterDnsIp(cluster.serviceIpv4Cidr)}`,
      ...(group.maxPodsPerNode !== undefined ? [`      maxPods: ${group.maxPodsPerNode}`] : []),
    ].join('\n');
    parts.push(mimePart('application/node.eks.aws', [
      'apiVersion: node.eks.aws/v1alpha1',
      'kind: NodeConfig',
      'spec:',
      '  cluster:',
      `    apiServerEndpoint: ${cluster.endpoint}`,
      `    certificateAuthority: ${cluster.certificateAuthority}`,
      `    cidr: ${cluster.serviceIpv4Cidr}`,
      `    name: ${cluster.name}`,
      '  kubelet:',
      '    config:',
      config,
      '    flags:',
      flags,
    ].join('\n')));
  }
  return `MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="${boundary}"\n\n${parts.join('')}--${boundary}--\n`;
}

const yamlString = (text: string) => JSON.stringify(text);
const tomlString = (text: string) => JSON.stringify(text);

function tomlValue(value: unknown): string {
  if (typeof value === 'string') return tomlString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(', ')}]`;
  return tomlString(JSON.stringify(value));
}

/** TOML tables for a nested settings object under `prefix`, scalars first, then sub-tables. */
function tomlTables(prefix: string, settings: Record<string, unknown>): string[] {
  const isTable = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  const scalars = Object.entries(settings).filter(([, v]) => !isTable(v));
  const tables = Object.entries(settings).filter(([, v]) => isTable(v)) as [string, Record<string, unknown>][];
  const lines = scalars.length > 0 ? [`[${prefix}]`, ...scalars.map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v)}`), ''] : [];
  for (const [key, table] of tables) lines.push(...tomlTables(`${prefix}.${tomlKey(key)}`, table));
  return lines;
}

const tomlKey = (key: string) => (/^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key));

function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] = typeof value === 'object' && value !== null && !Array.isArray(value) && typeof current === 'object' && current !== null && !Array.isArray(current)
      ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return out;
}

/**
 * Bottlerocket: TOML settings (bottlerocket-os/bottlerocket "Settings": settings.kubernetes
 * cluster-name, api-server, cluster-certificate, cluster-dns-ip, max-pods, node-labels,
 * node-taints as key = ["value:Effect"]), group.bottlerocket.settings merged over eksflow's,
 * enableAdminContainer as settings.host-containers.admin.enabled. preBootstrapCommands have no
 * shell to run in on Bottlerocket (eksctl refuses them too): the rules refuse them.
 */
export function bottlerocketSettings(cluster: ClusterBootstrap, group: BootstrapGroup): string {
  const taints: Record<string, string[]> = {};
  for (const t of group.taints ?? []) (taints[t.key] ??= []).push(`${t.value ?? ''}:${kubernetesEffect[t.effect] ?? t.effect}`);
  const kubernetes: Record<string, unknown> = {
    'cluster-name': cluster.name,
    'api-server': cluster.endpoint,
    'cluster-certificate': cluster.certificateAuthority,
    'cluster-dns-ip': clusterDnsIp(cluster.serviceIpv4Cidr),
    ...(group.maxPodsPerNode !== undefined ? { 'max-pods': group.maxPodsPerNode } : {}),
    'node-labels': nodeLabels(group),
    ...(Object.keys(taints).length > 0 ? { 'node-taints': taints } : {}),
  };
  let settings: Record<string, unknown> = { kubernetes };
  if (group.bottlerocket?.enableAdminContainer !== undefined) settings['host-containers'] = { admin: { enabled: group.bottlerocket.enableAdminContainer } };
  if (group.bottlerocket?.settings) settings = deepMerge(settings, group.bottlerocket.settings as Record<string, unknown>);
  return `${tomlTables('settings', settings).join('\n').trimEnd()}\n`;
}

const powershellString = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * Windows: a <powershell> block running preBootstrapCommands, then the EKS-optimized AMI's
 * Start-EKSBootstrap.ps1 with the cluster's name, endpoint, CA and service CIDR and the
 * kubelet's flags (AWS docs "Create self-managed Microsoft Windows nodes"; eksctl windows.go
 * redirects the script's other streams into its output the same way).
 */
export function windowsUserData(cluster: ClusterBootstrap, group: BootstrapGroup): string {
  const bootstrap = group.ami?.overrideBootstrapCommand ?? [
    '[string]$EKSBootstrapScriptFile = "$env:ProgramFiles\\Amazon\\EKS\\Start-EKSBootstrap.ps1"',
    `& $EKSBootstrapScriptFile -EKSClusterName ${powershellString(cluster.name)} -APIServerEndpoint ${powershellString(cluster.endpoint)} -Base64ClusterCA ${powershellString(cluster.certificateAuthority)}`
      + ` -ServiceCIDR ${powershellString(cluster.serviceIpv4Cidr)} -DNSClusterIP ${powershellString(clusterDnsIp(cluster.serviceIpv4Cidr))}`
      + ` -KubeletExtraArgs ${powershellString([...kubeletFlags(group), ...(group.maxPodsPerNode !== undefined ? [`--max-pods=${group.maxPodsPerNode}`] : [])].join(' '))} 3>&1 4>&1 5>&1 6>&1`,
  ].join('\n');
  return `<powershell>\n${[...(group.preBootstrapCommands ?? []), bootstrap].join('\n')}\n</powershell>\n`;
}

const shellString = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/** Ubuntu (Canonical's EKS AMIs) and Amazon Linux 2: their /etc/eks/bootstrap.sh, as eksctl's ubuntu.go and userdata_al2.go call it. */
export function ubuntuUserData(cluster: ClusterBootstrap, group: BootstrapGroup): string {
  const extra = [...kubeletFlags(group), ...(group.maxPodsPerNode !== undefined ? [`--max-pods=${group.maxPodsPerNode}`] : [])].join(' ');
  const bootstrap = group.ami?.overrideBootstrapCommand ?? `/etc/eks/bootstrap.sh ${shellString(cluster.name)} --apiserver-endpoint ${shellString(cluster.endpoint)} --b64-cluster-ca ${shellString(cluster.certificateAuthority)}`
    + ` --dns-cluster-ip ${clusterDnsIp(cluster.serviceIpv4Cidr)} --kubelet-extra-args ${shellString(extra)}`;
  return `#!/bin/bash\nset -ex\n${[...(group.preBootstrapCommands ?? []), bootstrap].join('\n')}\n`;
}
