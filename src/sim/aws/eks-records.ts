import type { Cluster, CreateFargateProfileInput, CreateNodegroupInput, FargateProfile, ManagedAddon, Nodegroup, RemoteNetworks, Update } from '../../activities/aws/eks';
import type { ClusterCreateSettings } from '../../domain/cluster-settings-rules';
import type { Timer } from './context';

/** One update (a logging change, a scaling change, a version change) as DescribeUpdate gives it, and the token that asked for it. */
export interface UpdateRecord extends Update {
  token: string;
}

/** What takes updates one at a time: a cluster, a node group, an add-on. */
export interface Updatable {
  /** The update in progress, if any. */
  update?: UpdateRecord;
  /** Update tokens already served: the same token again is the same update. */
  updateTokens: Map<string, string>;
  /** Every update by ID, kept for DescribeUpdate. */
  updates: Map<string, UpdateRecord>;
}

/** What a create asked for (its token kept as `token`), and where the resource stands. */
interface Created {
  arn: string;
  status: string;
  /** EKS's health issues once a creation failed: "code: message". */
  issues?: string[];
  timer?: Timer;
  token: string;
}

export interface NodegroupRecord extends Omit<CreateNodegroupInput, 'clientRequestToken'>, Created, Updatable {
  /** The Kubernetes minor of its nodes: the cluster's at creation. */
  version: string;
  /** Its AMI release: `<version>.<patch>-<date>`. */
  releaseVersion: string;
}

export type FargateProfileRecord = Omit<CreateFargateProfileInput, 'clientRequestToken'> & Created;

export interface AddonRecord extends Updatable {
  cluster: string;
  name: string;
  arn: string;
  version: string;
  status: string;
  timer?: Timer;
  token: string;
  serviceAccountRoleArn?: string;
  configurationValues?: string;
  tags: Record<string, string>;
  issues: string[];
  /** Its pods are waiting for a node or a Fargate profile to run on. */
  waitingForCapacity: boolean;
}

export interface ClusterRecord extends Updatable {
  name: string;
  arn: string;
  status: string;
  issues?: string[];
  timer?: Timer;
  token: string;
  version: string;
  roleArn: string;
  subnetIds: string[];
  securityGroupIds: string[];
  vpcId?: string;
  tags: Record<string, string>;
  endpoint: string;
  certificateAuthority: string;
  oidcIssuer: string;
  enabledLogTypes: Set<string>;
  /** accessConfig.authenticationMode: CONFIG_MAP when CreateCluster gave none, as the EKS API's default. */
  authenticationMode?: string;
  /** EKS Auto Mode, as CreateCluster enabled it: its built-in node pools and their role. */
  autoMode?: { nodePools: string[]; nodeRoleArn?: string };
  /** remoteNetworkConfig (EKS Hybrid Nodes), as CreateCluster set it. */
  remoteNetwork?: RemoteNetworks;
  /** The cluster settings as DescribeCluster reports them: what CreateCluster asked, EKS's defaults for the rest. */
  settings: ClusterCreateSettings;
  /** When it first turned ACTIVE, in simulated epoch ms. */
  activeAt?: number;
  /** Before this time CreateAddon refuses: EKS's add-on API lags behind ACTIVE. */
  addonApiReadyAt?: number;
  /** When a node group or Fargate profile first became ACTIVE: add-on pods can run from then. */
  capacitySince?: number;
  nodegroups: Map<string, NodegroupRecord>;
  fargateProfiles: Map<string, FargateProfileRecord>;
  addons: Map<string, AddonRecord>;
}

/** The control plane serves requests: ACTIVE, or ACTIVE with a configuration update running. */
/** The cluster security group EKS makes with a cluster: its ID, derived from the cluster's ARN so it is stable. */
export const clusterSecurityGroupIdOf = (cluster: Pick<ClusterRecord, 'arn'>) => `sg-${cluster.arn.replace(/[^0-9a-f]/g, '').slice(-17).padStart(17, '0')}`;

export const isServing = (cluster: ClusterRecord) => cluster.status === 'ACTIVE' || cluster.status === 'UPDATING';

export const clusterView = (cluster: ClusterRecord): Cluster => {
  // EKS fills the endpoint, CA and issuer in once the control plane is up.
  const up = cluster.activeAt !== undefined;
  return {
    name: cluster.name,
    arn: cluster.arn,
    status: cluster.status,
    version: cluster.version,
    ...(up ? { endpoint: cluster.endpoint, certificateAuthority: cluster.certificateAuthority, oidcIssuer: cluster.oidcIssuer } : {}),
    ...(cluster.vpcId ? { vpcId: cluster.vpcId } : {}),
    subnetIds: [...cluster.subnetIds],
    securityGroupIds: [...cluster.securityGroupIds],
    enabledLogTypes: [...cluster.enabledLogTypes].sort(),
    health: [...(cluster.issues ?? [])],
    tags: { ...cluster.tags },
    ...(cluster.authenticationMode ? { authenticationMode: cluster.authenticationMode } : {}),
    ...(cluster.autoMode ? { autoMode: { nodePools: [...cluster.autoMode.nodePools], ...(cluster.autoMode.nodeRoleArn ? { nodeRoleArn: cluster.autoMode.nodeRoleArn } : {}), blockStorage: true, elasticLoadBalancing: true } } : {}),
    // EKS makes the cluster security group with the cluster (eks-cluster-sg-<name>-<id>) and,
    // without a kubernetesNetworkConfig, picks 172.20.0.0/16 for Services when the VPC is in
    // 10.0.0.0/8 (CreateCluster API reference, serviceIpv4Cidr).
    clusterSecurityGroupId: clusterSecurityGroupIdOf(cluster),
    serviceIpv4Cidr: '172.20.0.0/16',
    settings: structuredClone(cluster.settings),
    ...(cluster.remoteNetwork ? { remoteNetwork: structuredClone(cluster.remoteNetwork) } : {}),
  };
};

export const nodegroupView = (group: NodegroupRecord): Nodegroup => ({
  cluster: group.cluster, name: group.name, arn: group.arn, status: group.status, scaling: { ...group.scaling }, health: [...(group.issues ?? [])], tags: { ...group.tags },
  labels: { ...group.labels }, taints: group.taints.map((t) => ({ ...t })), version: group.version, releaseVersion: group.releaseVersion,
});

/** DescribeUpdate's answer: a copy, so later changes to the record do not show through. */
export const updateView = ({ id, status, type, params, errors }: UpdateRecord): Update => ({
  id, status, type, params: params.map((p) => ({ ...p })), errors: errors.map((e) => ({ ...e, resourceIds: [...e.resourceIds] })),
});

export const fargateProfileView = (profile: FargateProfileRecord): FargateProfile => ({
  cluster: profile.cluster, name: profile.name, arn: profile.arn, status: profile.status, tags: { ...profile.tags },
});

export const addonView = (addon: AddonRecord): ManagedAddon => ({
  name: addon.name, version: addon.version, status: addon.status, issues: [...addon.issues], tags: { ...addon.tags },
  ...(addon.configurationValues ? { configurationValues: addon.configurationValues } : {}),
  ...(addon.serviceAccountRoleArn ? { serviceAccountRoleArn: addon.serviceAccountRoleArn } : {}),
});
