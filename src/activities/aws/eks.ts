import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../../domain/errors';
import type { Static } from '@sinclair/typebox';
import type { NodeRepair } from '../../domain/node-group-settings';
import {
  AssociateEncryptionConfigCommand, CreateAddonCommand, DescribeAddonConfigurationCommand, DescribeAddonVersionsCommand, ListAddonsCommand, CreateClusterCommand, CreateFargateProfileCommand, DeleteAddonCommand, DescribeAddonCommand, CreateNodegroupCommand, DeleteClusterCommand, DeleteFargateProfileCommand, DeleteNodegroupCommand,
  DescribeClusterCommand, DescribeFargateProfileCommand, DescribeNodegroupCommand, ListClustersCommand, ListFargateProfilesCommand, ListNodegroupsCommand,
  DescribeUpdateCommand, TagResourceCommand, UntagResourceCommand, UpdateAddonCommand, UpdateClusterConfigCommand, UpdateClusterVersionCommand, UpdateNodegroupConfigCommand, UpdateNodegroupVersionCommand,
  type Addon as SdkAddon, type AuthenticationMode, type AMITypes, type ProvisionedControlPlaneTier, type SupportType, type CapacityTypes, type Cluster as SdkCluster, type EKSClient, type LogType, type Nodegroup as SdkNodegroup, type TaintEffect, type Update as SdkUpdate, type ResolveConflicts,
} from '@aws-sdk/client-eks';
import type { AutoModeClusterConfig } from '../../domain/auto-mode';
import type { ClusterCreateSettings } from '../../domain/cluster-settings-rules';
import type { EndpointAccessSpec } from '../../domain/cluster-settings';
import { accessEntryApi, type AccessEntryApi } from './eks-access-entries';
import { endpointRequest, endpointUpdateRequest, settingsOf, settingsRequest } from './eks-cluster-settings';
import { identityProviderCalls, type IdentityProviderApi } from './eks-identity-providers';
import { capabilityCalls, type CapabilityApi } from './eks-capabilities';
import { podIdentityCalls, type PodIdentityApi } from './eks-pod-identity';
import { aws, awsOrUndefined } from './errors';
import { defaultPatience, notYetByCall, whileNameHeld, type Patience } from './not-yet';
import { allPages } from './pages';

export interface Cluster {
  name: string;
  arn: string;
  /** CREATING | ACTIVE | DELETING | FAILED | UPDATING | PENDING */
  status: string;
  version?: string;
  endpoint?: string;
  certificateAuthority?: string;
  oidcIssuer?: string;
  /** The VPC of the cluster's subnets. */
  vpcId?: string;
  /** Where the control plane's ENIs are, and the security groups given for them (not the cluster security group EKS makes). */
  subnetIds?: string[];
  securityGroupIds?: string[];
  enabledLogTypes: string[];
  /** EKS's health issues (a FAILED cluster says why here), each as "code: message". */
  health: string[];
  tags: Record<string, string>;
  /** accessConfig.authenticationMode: CONFIG_MAP, API_AND_CONFIG_MAP or API; undefined where the backend does not say (moto). */
  authenticationMode?: string;
  /** EKS Auto Mode's computeConfig, when the cluster has it enabled. */
  autoMode?: { nodePools: string[]; nodeRoleArn?: string; blockStorage: boolean; elasticLoadBalancing: boolean };
  /** The security group EKS makes for the cluster (resourcesVpcConfig.clusterSecurityGroupId); undefined where the backend does not say (moto). */
  clusterSecurityGroupId?: string;
  /** kubernetesNetworkConfig.serviceIpv4Cidr. */
  serviceIpv4Cidr?: string;
  /** The cluster settings DescribeCluster reports (endpoint access, encryption, service network, zonal shift, support, tier). */
  settings?: ClusterCreateSettings;
  /** remoteNetworkConfig (EKS Hybrid Nodes), when the cluster has it. */
  remoteNetwork?: RemoteNetworks;
}

export interface CreateClusterInput {
  name: string;
  version: string;
  roleArn: string;
  subnetIds: string[];
  securityGroupIds: string[];
  logTypes: string[];
  tags: Record<string, string>;
  clientRequestToken: string;
  /** CreateCluster's accessConfig; bootstrapClusterCreatorAdminPermissions is write-only (aws-fault-catalog 35). */
  accessConfig?: { authenticationMode: string; bootstrapClusterCreatorAdminPermissions: boolean };
  /** EKS Auto Mode: computeConfig, storageConfig, kubernetesNetworkConfig.elasticLoadBalancing and bootstrapSelfManagedAddons. @default none: a cluster without it */
  autoMode?: AutoModeClusterConfig;
  /** The cluster settings the spec asks for (src/domain/cluster-settings-rules.ts). @default EKS's own */
  settings?: ClusterCreateSettings;
  /** CreateCluster's remoteNetworkConfig, for EKS Hybrid Nodes. @default none */
  remoteNetwork?: RemoteNetworks;
}

/** EKS Hybrid Nodes' remote networks (RemoteNetworkConfigRequest). */
export interface RemoteNetworks {
  remoteNodeNetworks: { cidrs: string[] }[];
  remotePodNetworks?: { cidrs: string[] }[];
}

export interface Nodegroup {
  cluster: string;
  name: string;
  arn: string;
  /** CREATING | ACTIVE | UPDATING | DELETING | CREATE_FAILED | DELETE_FAILED | DEGRADED */
  status: string;
  scaling: { minSize: number; desiredSize: number; maxSize: number };
  health: string[];
  tags: Record<string, string>;
  /** The Kubernetes labels EKS puts on the group's nodes. */
  labels: Record<string, string>;
  taints: Taint[];
  /** The Kubernetes minor of the group's nodes, e.g. `1.35`. */
  version?: string;
  /** The AMI release version, e.g. `1.35.0-20261201`. */
  releaseVersion?: string;
}

/** A Kubernetes taint of a managed node group's nodes. */
export interface Taint {
  key: string;
  value?: string;
  /** NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE. */
  effect: string;
}

export interface CreateNodegroupInput {
  cluster: string;
  name: string;
  nodeRoleArn: string;
  subnetIds: string[];
  instanceTypes: string[];
  capacityType: string;
  amiType: string;
  /** Left out with a launch template: EKS refuses both (CreateNodegroup API reference, diskSize). */
  diskSize?: number;
  scaling: { minSize: number; desiredSize: number; maxSize: number };
  labels: Record<string, string>;
  taints: Taint[];
  tags: Record<string, string>;
  clientRequestToken: string;
  /** A launch template by ID and version (the group's disk, key and metadata options are then its). @default none */
  launchTemplate?: { id: string; version: string };
  /** SSH access without a launch template. @default none */
  remoteAccess?: { ec2SshKey: string; sourceSecurityGroups?: string[] };
  /** One of the two. @default EKS's: 1 node */
  updateConfig?: { maxUnavailable?: number; maxUnavailablePercentage?: number };
  /** nodeRepairConfig: on or off, its thresholds and overrides. @default EKS's: off */
  nodeRepair?: NodeRepairSpec;
}

type NodeRepairSpec = Static<typeof NodeRepair>;

/** The spec's node repair as EKS's NodeRepairConfig (its overrides are nodeRepairConfigOverrides there). */
function nodeRepairConfig({ overrides, ...rest }: NodeRepairSpec) {
  return { ...rest, ...(overrides ? { nodeRepairConfigOverrides: overrides } : {}) };
}

export interface FargateProfile {
  cluster: string;
  name: string;
  arn: string;
  /** CREATING | ACTIVE | DELETING | CREATE_FAILED | DELETE_FAILED */
  status: string;
  tags: Record<string, string>;
}

export interface CreateFargateProfileInput {
  cluster: string;
  name: string;
  podExecutionRoleArn: string;
  subnetIds: string[];
  selectors: { namespace: string; labels?: Record<string, string> }[];
  tags: Record<string, string>;
  clientRequestToken: string;
}

/** The EKS calls eksflow makes, and nothing else: a simulated cloud implements the same. */
/** An EKS managed add-on, as the add-on steps need it. */
export interface ManagedAddon {
  name: string;
  version?: string;
  /** CREATING, ACTIVE, CREATE_FAILED, UPDATING, DELETING, DELETE_FAILED, DEGRADED, UPDATE_FAILED. */
  status: string;
  /** EKS's health issues, each as "code: message". */
  issues: string[];
  tags: Record<string, string>;
  configurationValues?: string;
  serviceAccountRoleArn?: string;
}

export interface CreateAddonInput {
  cluster: string;
  name: string;
  /** @default the version EKS makes default for the cluster's Kubernetes version */
  version?: string;
  serviceAccountRoleArn?: string;
  /** JSON the add-on's configuration schema accepts (DescribeAddonConfiguration). @default none */
  configurationValues?: string;
  /** What to do with fields a self-managed install set differently. @default 'OVERWRITE' */
  resolveConflicts?: 'OVERWRITE' | 'NONE';
  tags: Record<string, string>;
  clientRequestToken: string;
}

/** One version DescribeAddonVersions lists for an add-on and a Kubernetes minor. */
export interface AddonVersion {
  version: string;
  /** `compatibilities[].defaultVersion` for the minor asked about. */
  isDefault: boolean;
}

/** One of an update's errors (DescribeUpdate's `update.errors[]`). */
export interface UpdateError {
  /** e.g. PodEvictionFailure, NodeCreationFailure, AccessDenied. */
  code: string;
  message: string;
  /** What the error is about: nodes, subnets, roles. */
  resourceIds: string[];
}

/** An EKS update (DescribeUpdate): InProgress, then Successful, Failed or Cancelled (aws-fault-catalog 19). */
export interface Update {
  id: string;
  status: 'InProgress' | 'Failed' | 'Cancelled' | 'Successful';
  /** VersionUpdate, ConfigUpdate, LoggingUpdate, AddonUpdate, ... */
  type: string;
  /** What was asked for: Version, ReleaseVersion, DesiredSize, LabelsToAdd, ... */
  params: { type: string; value: string }[];
  errors: UpdateError[];
}

/** Which update DescribeUpdate is asked about: a cluster's own, or one of its node group's or add-on's. */
/** One cluster setting UpdateClusterConfig changes on its own (src/domain/cluster-settings.ts). */
export type ClusterSettingChange = { zonalShift: boolean } | { supportType: 'STANDARD' | 'EXTENDED' } | { controlPlaneTier: string };

export interface UpdateRef {
  cluster: string;
  updateId: string;
  nodegroup?: string;
  addon?: string;
}

/**
 * UpdateNodegroupConfig's request: one call may carry sizes, labels, taints and updateConfig;
 * labels and taints go as diffs (aws-fault-catalog 26).
 */
export interface NodegroupConfigChange {
  scaling?: Nodegroup['scaling'];
  labels?: { addOrUpdate?: Record<string, string>; remove?: string[] };
  taints?: { addOrUpdate?: Taint[]; remove?: Taint[] };
  /** How many nodes a rolling update may take down at once: a count or a percentage, never both. */
  updateConfig?: { maxUnavailable?: number; maxUnavailablePercentage?: number };
}

/**
 * UpdateNodegroupVersion's request. With neither version nor release version, EKS moves the
 * group to the newest AMI of its current Kubernetes version. Never combined with a config
 * change (aws-fault-catalog 24).
 */
export interface NodegroupVersionChange {
  version?: string;
  releaseVersion?: string;
  /** A group made from a launch template moves to another of its versions: by ID or by name, not both. */
  launchTemplate?: { id?: string; name?: string; version: string };
  /** Replace nodes even where a PodDisruptionBudget keeps their pods from being evicted. @default false */
  force?: boolean;
}

/** UpdateAddon's request. */
export interface AddonChange {
  version?: string;
  configurationValues?: string;
  /** @default 'OVERWRITE' */
  resolveConflicts?: 'OVERWRITE' | 'NONE' | 'PRESERVE';
}

export interface EksApi extends AccessEntryApi, PodIdentityApi, IdentityProviderApi, CapabilityApi {
  describeAddon(cluster: string, name: string): Promise<ManagedAddon | undefined>;
  createAddon(input: CreateAddonInput): Promise<ManagedAddon>;
  deleteAddon(cluster: string, name: string): Promise<void>;
  listAddons(cluster: string): Promise<string[]>;
  /** The versions of an add-on EKS offers for a Kubernetes minor; empty when it offers none (or knows no such add-on). */
  describeAddonVersions(name: string, kubernetesVersion: string): Promise<AddonVersion[]>;
  /** The JSON schema of an add-on version's configurationValues; undefined when EKS knows no such version. */
  describeAddonConfiguration(name: string, version: string): Promise<string | undefined>;
  describeFargateProfile(cluster: string, name: string): Promise<FargateProfile | undefined>;
  createFargateProfile(input: CreateFargateProfileInput): Promise<FargateProfile>;
  deleteFargateProfile(cluster: string, name: string): Promise<void>;
  listFargateProfiles(cluster: string): Promise<string[]>;
  describeNodegroup(cluster: string, name: string): Promise<Nodegroup | undefined>;
  createNodegroup(input: CreateNodegroupInput): Promise<Nodegroup>;
  updateNodegroupScaling(cluster: string, name: string, scaling: Nodegroup['scaling'], clientRequestToken: string): Promise<void>;
  /** Starts a configuration update of a node group (sizes, labels, taints, updateConfig): one update at a time per group. */
  updateNodegroupConfig(cluster: string, name: string, change: NodegroupConfigChange, clientRequestToken: string): Promise<Update>;
  /** Starts a version update of a node group (Kubernetes version, AMI release, launch template version). */
  updateNodegroupVersion(cluster: string, name: string, change: NodegroupVersionChange, clientRequestToken: string): Promise<Update>;
  /** Starts a control-plane upgrade: one minor at a time, once every node group is at the cluster's version. */
  updateClusterVersion(cluster: string, version: string, clientRequestToken: string): Promise<Update>;
  /** Starts an update of a managed add-on (version, configuration). */
  updateAddon(cluster: string, name: string, change: AddonChange, clientRequestToken: string): Promise<Update>;
  /** Adds or overwrites tags of an EKS resource (cluster, node group, Fargate profile, add-on) by ARN. */
  tagResource(arn: string, tags: Record<string, string>): Promise<void>;
  /** Removes tags of an EKS resource by ARN; keys it does not carry are ignored. */
  untagResource(arn: string, keys: string[]): Promise<void>;
  deleteNodegroup(cluster: string, name: string): Promise<void>;
  listNodegroups(cluster: string): Promise<string[]>;
  describeCluster(name: string): Promise<Cluster | undefined>;
  createCluster(input: CreateClusterInput): Promise<Cluster>;
  /** Starts a logging update; EKS runs one cluster update at a time. Resolves with the update's ID. */
  updateClusterLogging(name: string, enabled: string[], disabled: string[], clientRequestToken: string): Promise<string>;
  /**
   * Starts an update of the API endpoint's access: public, private and the public CIDRs together,
   * one UpdateClusterConfig (an EndpointAccessUpdate), as Terraform sends them (aws-fault-catalog 18).
   */
  updateClusterEndpointAccess(name: string, access: EndpointAccessSpec, clientRequestToken: string): Promise<Update>;
  /**
   * Starts an update of the control plane's subnets and security groups (a VpcConfigUpdate), both
   * in one UpdateClusterConfig as eksctl's update-cluster-vpc-config sends them.
   */
  updateClusterVpcConfig(name: string, change: { subnetIds: string[]; securityGroupIds: string[] }, clientRequestToken: string): Promise<Update>;
  /**
   * Starts an update of one cluster setting: zonal shift, the support policy or the control
   * plane's tier, each its own UpdateClusterConfig, as Terraform sends them (aws-fault-catalog 18).
   */
  updateClusterSetting(name: string, setting: ClusterSettingChange, clientRequestToken: string): Promise<Update>;
  /** Starts envelope encryption of Secrets with a KMS key on a cluster without it (AssociateEncryptionConfig); EKS cannot take it off again. */
  associateEncryptionConfig(name: string, keyArn: string, clientRequestToken: string): Promise<Update>;
  /** Where an update stands (InProgress, Successful, Failed, Cancelled), with its errors; undefined when EKS knows no such update. */
  describeUpdate(ref: UpdateRef): Promise<Update | undefined>;
  deleteCluster(name: string): Promise<void>;
  listClusters(): Promise<string[]>;
}

const toCluster = (cluster: SdkCluster): Cluster => ({
  name: cluster.name!,
  arn: cluster.arn!,
  status: cluster.status ?? 'UNKNOWN',
  version: cluster.version,
  endpoint: cluster.endpoint,
  certificateAuthority: cluster.certificateAuthority?.data,
  oidcIssuer: cluster.identity?.oidc?.issuer,
  vpcId: cluster.resourcesVpcConfig?.vpcId,
  ...(cluster.resourcesVpcConfig?.subnetIds ? { subnetIds: cluster.resourcesVpcConfig.subnetIds } : {}),
  ...(cluster.resourcesVpcConfig?.securityGroupIds ? { securityGroupIds: cluster.resourcesVpcConfig.securityGroupIds } : {}),
  enabledLogTypes: (cluster.logging?.clusterLogging ?? []).filter((setup) => setup.enabled).flatMap((setup) => setup.types ?? []),
  health: (cluster.health?.issues ?? []).map((issue) => `${issue.code}: ${issue.message}`),
  tags: cluster.tags ?? {},
  ...(cluster.accessConfig?.authenticationMode ? { authenticationMode: cluster.accessConfig.authenticationMode } : {}),
  ...(cluster.computeConfig?.enabled ? {
    autoMode: {
      nodePools: cluster.computeConfig.nodePools ?? [], ...(cluster.computeConfig.nodeRoleArn ? { nodeRoleArn: cluster.computeConfig.nodeRoleArn } : {}),
      blockStorage: cluster.storageConfig?.blockStorage?.enabled === true, elasticLoadBalancing: cluster.kubernetesNetworkConfig?.elasticLoadBalancing?.enabled === true,
    },
  } : {}),
  ...(cluster.resourcesVpcConfig?.clusterSecurityGroupId ? { clusterSecurityGroupId: cluster.resourcesVpcConfig.clusterSecurityGroupId } : {}),
  ...(cluster.kubernetesNetworkConfig?.serviceIpv4Cidr ? { serviceIpv4Cidr: cluster.kubernetesNetworkConfig.serviceIpv4Cidr } : {}),
  settings: settingsOf(cluster),
  ...(cluster.remoteNetworkConfig?.remoteNodeNetworks?.length ? {
    remoteNetwork: {
      remoteNodeNetworks: cluster.remoteNetworkConfig.remoteNodeNetworks.map((n) => ({ cidrs: n.cidrs ?? [] })),
      ...(cluster.remoteNetworkConfig.remotePodNetworks?.length ? { remotePodNetworks: cluster.remoteNetworkConfig.remotePodNetworks.map((n) => ({ cidrs: n.cidrs ?? [] })) } : {}),
    },
  } : {}),
});

const toAddon = (addon: SdkAddon): ManagedAddon => ({
  name: addon.addonName!,
  version: addon.addonVersion,
  status: addon.status ?? 'UNKNOWN',
  issues: (addon.health?.issues ?? []).map((issue) => `${issue.code}: ${issue.message}`),
  tags: addon.tags ?? {},
  ...(addon.configurationValues ? { configurationValues: addon.configurationValues } : {}),
  ...(addon.serviceAccountRoleArn ? { serviceAccountRoleArn: addon.serviceAccountRoleArn } : {}),
});

const toNodegroup = (group: SdkNodegroup): Nodegroup => ({
  cluster: group.clusterName!,
  name: group.nodegroupName!,
  arn: group.nodegroupArn!,
  status: group.status ?? 'UNKNOWN',
  scaling: { minSize: group.scalingConfig?.minSize ?? 0, desiredSize: group.scalingConfig?.desiredSize ?? 0, maxSize: group.scalingConfig?.maxSize ?? 0 },
  health: (group.health?.issues ?? []).map((issue) => `${issue.code}: ${issue.message}`),
  tags: group.tags ?? {},
  labels: group.labels ?? {},
  taints: (group.taints ?? []).map((t) => ({ key: t.key!, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect ?? 'NO_SCHEDULE' })),
  ...(group.version ? { version: group.version } : {}),
  ...(group.releaseVersion ? { releaseVersion: group.releaseVersion } : {}),
});

const updateStatuses = new Set(['InProgress', 'Failed', 'Cancelled', 'Successful']);

export const toUpdate = (update: SdkUpdate): Update => ({
  id: update.id!,
  status: (updateStatuses.has(update.status ?? '') ? update.status : 'InProgress') as Update['status'],
  type: update.type ?? 'Unknown',
  params: (update.params ?? []).map((p) => ({ type: p.type ?? 'Unknown', value: p.value ?? '' })),
  errors: (update.errors ?? []).map((e) => ({ code: e.errorCode ?? 'Unknown', message: e.errorMessage ?? '', resourceIds: e.resourceIds ?? [] })),
});

const sdkTaints = (taints: Taint[] | undefined) => taints?.map((t) => ({ ...t, effect: t.effect as TaintEffect }));

const toFargateProfile = (cluster: string, profile: { fargateProfileName?: string; fargateProfileArn?: string; status?: string; tags?: Record<string, string> }): FargateProfile => ({
  cluster, name: profile.fargateProfileName!, arn: profile.fargateProfileArn!, status: profile.status ?? 'UNKNOWN', tags: profile.tags ?? {},
});

/** How errors name an update: `cluster[/nodegroup|/addon]/updateId`. */
export const updateLabel = ({ cluster, updateId, nodegroup, addon }: UpdateRef) => [cluster, nodegroup ?? addon, updateId].filter(Boolean).join('/');

/** An update error as one line: "code: message". */
export const updateErrorLine = (error: UpdateError) => `${error.code}: ${error.message}`.trim();

export function eksApi(client: EKSClient, patience: Patience = defaultPatience): EksApi {
  // The "not yet" answers each call waits out (aws-fault-catalog entries 1-3, 14-17, 29); any other refusal is final.
  const notYet = notYetByCall(patience);
  return {
    ...accessEntryApi(client, notYet),
    ...podIdentityCalls(client, notYet),
    ...identityProviderCalls(client),
    ...capabilityCalls(client, notYet),
    async describeFargateProfile(cluster, name) {
      const found = await awsOrUndefined(`DescribeFargateProfile ${cluster}/${name}`, () => client.send(new DescribeFargateProfileCommand({ clusterName: cluster, fargateProfileName: name })));
      return found?.fargateProfile ? toFargateProfile(cluster, found.fargateProfile) : undefined;
    },
    async createFargateProfile(input) {
      const created = await aws(`CreateFargateProfile ${input.cluster}/${input.name}`, () => client.send(new CreateFargateProfileCommand({
        clusterName: input.cluster, fargateProfileName: input.name, podExecutionRoleArn: input.podExecutionRoleArn,
        subnets: input.subnetIds, selectors: input.selectors, tags: input.tags, clientRequestToken: input.clientRequestToken,
      })), notYet.CreateFargateProfile);
      return toFargateProfile(input.cluster, created.fargateProfile!);
    },
    listFargateProfiles: (cluster) => allPages(async (nextToken) => {
      const page = await awsOrUndefined(`ListFargateProfiles ${cluster}`, () => client.send(new ListFargateProfilesCommand({ clusterName: cluster, nextToken })));
      return { items: page?.fargateProfileNames, next: page?.nextToken };
    }),
    async deleteFargateProfile(cluster, name) {
      await awsOrUndefined(`DeleteFargateProfile ${cluster}/${name}`, () => client.send(new DeleteFargateProfileCommand({ clusterName: cluster, fargateProfileName: name })), notYet.DeleteFargateProfile);
    },
    async describeAddon(cluster, name) {
      const found = await awsOrUndefined(`DescribeAddon ${cluster}/${name}`, () => client.send(new DescribeAddonCommand({ clusterName: cluster, addonName: name })));
      return found?.addon ? toAddon(found.addon) : undefined;
    },
    async createAddon(input) {
      const created = await aws(`CreateAddon ${input.cluster}/${input.name}`, () => client.send(new CreateAddonCommand({
        clusterName: input.cluster, addonName: input.name, addonVersion: input.version, serviceAccountRoleArn: input.serviceAccountRoleArn,
        // What a self-managed install left behind is taken over rather than failing the create.
        resolveConflicts: input.resolveConflicts ?? 'OVERWRITE', tags: input.tags, clientRequestToken: input.clientRequestToken,
        ...(input.configurationValues ? { configurationValues: input.configurationValues } : {}),
      })), notYet.CreateAddon);
      return toAddon(created.addon!);
    },
    async deleteAddon(cluster, name) {
      await awsOrUndefined(`DeleteAddon ${cluster}/${name}`, () => client.send(new DeleteAddonCommand({ clusterName: cluster, addonName: name })));
    },
    listAddons: (cluster) => allPages(async (nextToken) => {
      const page = await awsOrUndefined(`ListAddons ${cluster}`, () => client.send(new ListAddonsCommand({ clusterName: cluster, nextToken })));
      return { items: page?.addons, next: page?.nextToken };
    }),
    async describeAddonVersions(name, kubernetesVersion) {
      const infos = await allPages(async (nextToken) => {
        const page = await aws(`DescribeAddonVersions ${name} ${kubernetesVersion}`, () => client.send(new DescribeAddonVersionsCommand({ addonName: name, kubernetesVersion, nextToken })));
        return { items: page.addons, next: page.nextToken };
      });
      return infos.filter((info) => info.addonName === name).flatMap((info) => info.addonVersions ?? []).map((v) => ({
        version: v.addonVersion!,
        isDefault: (v.compatibilities ?? []).some((c) => c.clusterVersion === kubernetesVersion && c.defaultVersion === true),
      }));
    },
    async describeAddonConfiguration(name, version) {
      const found = await awsOrUndefined(`DescribeAddonConfiguration ${name} ${version}`, () => client.send(new DescribeAddonConfigurationCommand({ addonName: name, addonVersion: version })));
      return found?.configurationSchema;
    },
    async describeNodegroup(cluster, name) {
      const found = await awsOrUndefined(`DescribeNodegroup ${cluster}/${name}`, () => client.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: name })));
      return found?.nodegroup ? toNodegroup(found.nodegroup) : undefined;
    },
    async createNodegroup(input) {
      const created = await aws(`CreateNodegroup ${input.cluster}/${input.name}`, () => client.send(new CreateNodegroupCommand({
        clusterName: input.cluster,
        nodegroupName: input.name,
        nodeRole: input.nodeRoleArn,
        subnets: input.subnetIds,
        instanceTypes: input.instanceTypes,
        capacityType: input.capacityType as CapacityTypes,
        amiType: input.amiType as AMITypes,
        diskSize: input.diskSize,
        scalingConfig: input.scaling,
        labels: input.labels,
        taints: input.taints.map((taint) => ({ ...taint, effect: taint.effect as TaintEffect })),
        tags: input.tags,
        clientRequestToken: input.clientRequestToken,
        ...(input.launchTemplate ? { launchTemplate: input.launchTemplate } : {}),
        ...(input.remoteAccess ? { remoteAccess: input.remoteAccess } : {}),
        ...(input.updateConfig ? { updateConfig: input.updateConfig } : {}),
        ...(input.nodeRepair !== undefined ? { nodeRepairConfig: nodeRepairConfig(input.nodeRepair) } : {}),
      })));
      return toNodegroup(created.nodegroup!);
    },
    async updateNodegroupScaling(cluster, name, scaling, clientRequestToken) {
      await this.updateNodegroupConfig(cluster, name, { scaling }, clientRequestToken);
    },
    async updateNodegroupConfig(cluster, name, change, clientRequestToken) {
      const updated = await aws(`UpdateNodegroupConfig ${cluster}/${name}`, () => client.send(new UpdateNodegroupConfigCommand({
        clusterName: cluster, nodegroupName: name, clientRequestToken,
        ...(change.scaling ? { scalingConfig: change.scaling } : {}),
        ...(change.labels ? { labels: { addOrUpdateLabels: change.labels.addOrUpdate, removeLabels: change.labels.remove } } : {}),
        ...(change.taints ? { taints: { addOrUpdateTaints: sdkTaints(change.taints.addOrUpdate), removeTaints: sdkTaints(change.taints.remove) } } : {}),
        ...(change.updateConfig ? { updateConfig: change.updateConfig } : {}),
      })));
      return toUpdate(updated.update!);
    },
    async updateNodegroupVersion(cluster, name, change, clientRequestToken) {
      const updated = await aws(`UpdateNodegroupVersion ${cluster}/${name}`, () => client.send(new UpdateNodegroupVersionCommand({
        clusterName: cluster, nodegroupName: name, clientRequestToken, version: change.version, releaseVersion: change.releaseVersion,
        launchTemplate: change.launchTemplate, force: change.force,
      })));
      return toUpdate(updated.update!);
    },
    async updateClusterVersion(cluster, version, clientRequestToken) {
      // One cluster update at a time: another still running (a logging change) is waited out as "not yet", as for UpdateClusterConfig (aws-fault-catalog 17).
      const updated = await aws(`UpdateClusterVersion ${cluster}`, () => client.send(new UpdateClusterVersionCommand({ name: cluster, version, clientRequestToken })), notYet.UpdateClusterVersion);
      return toUpdate(updated.update!);
    },
    async updateAddon(cluster, name, change, clientRequestToken) {
      const updated = await aws(`UpdateAddon ${cluster}/${name}`, () => client.send(new UpdateAddonCommand({
        clusterName: cluster, addonName: name, clientRequestToken, addonVersion: change.version, configurationValues: change.configurationValues,
        resolveConflicts: (change.resolveConflicts ?? 'OVERWRITE') as ResolveConflicts,
      })));
      return toUpdate(updated.update!);
    },
    async tagResource(arn, tags) {
      await aws(`TagResource ${arn}`, () => client.send(new TagResourceCommand({ resourceArn: arn, tags })));
    },
    async untagResource(arn, keys) {
      await aws(`UntagResource ${arn}`, () => client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: keys })));
    },
    async deleteNodegroup(cluster, name) {
      await awsOrUndefined(`DeleteNodegroup ${cluster}/${name}`, () => client.send(new DeleteNodegroupCommand({ clusterName: cluster, nodegroupName: name })));
    },
    listNodegroups: (cluster) => allPages(async (nextToken) => {
      const page = await awsOrUndefined(`ListNodegroups ${cluster}`, () => client.send(new ListNodegroupsCommand({ clusterName: cluster, nextToken })));
      return { items: page?.nodegroups, next: page?.nextToken };
    }),
    async describeCluster(name) {
      const found = await awsOrUndefined(`DescribeCluster ${name}`, () => client.send(new DescribeClusterCommand({ name })));
      return found?.cluster ? toCluster(found.cluster) : undefined;
    },
    async createCluster(input) {
      const create = () => client.send(new CreateClusterCommand({
        name: input.name,
        version: input.version,
        roleArn: input.roleArn,
        resourcesVpcConfig: { subnetIds: input.subnetIds, securityGroupIds: input.securityGroupIds, ...endpointRequest(input.settings) },
        ...settingsRequest(input.settings),
        logging: { clusterLogging: [{ types: input.logTypes as LogType[], enabled: true }] },
        tags: input.tags,
        clientRequestToken: input.clientRequestToken,
        ...(input.accessConfig ? { accessConfig: { ...input.accessConfig, authenticationMode: input.accessConfig.authenticationMode as AuthenticationMode } } : {}),
        ...(input.remoteNetwork ? { remoteNetworkConfig: input.remoteNetwork } : {}),
        ...(input.autoMode ? {
          computeConfig: input.autoMode.computeConfig, storageConfig: input.autoMode.storageConfig,
          kubernetesNetworkConfig: { elasticLoadBalancing: input.autoMode.elasticLoadBalancing }, bootstrapSelfManagedAddons: input.autoMode.bootstrapSelfManagedAddons,
        } : {}),
      }));
      const created = await whileNameHeld(notYet.CreateCluster, (rules) => aws(`CreateCluster ${input.name}`, create, rules), async () => (await this.describeCluster(input.name)) !== undefined);
      return toCluster(created.cluster!);
    },
    async updateClusterLogging(name, enabled, disabled, clientRequestToken) {
      const setups = [{ types: enabled as LogType[], enabled: true }, { types: disabled as LogType[], enabled: false }].filter((s) => s.types.length > 0);
      const updated = await aws(`UpdateClusterConfig ${name}`, () => client.send(new UpdateClusterConfigCommand({ name, logging: { clusterLogging: setups }, clientRequestToken })), notYet.UpdateClusterConfig);
      return updated.update?.id ?? '';
    },
    async updateClusterEndpointAccess(name, access, clientRequestToken) {
      const updated = await aws(`UpdateClusterConfig ${name}`, () => client.send(new UpdateClusterConfigCommand({
        name, clientRequestToken, resourcesVpcConfig: endpointUpdateRequest(access),
      })), notYet.UpdateClusterConfig);
      // EKS answers with the update it started; moto answers with the cluster, changed at once.
      if (!updated.update) throw ApplicationFailure.nonRetryable(`UpdateClusterConfig ${name}: answered without an update to follow (EKS always starts one)`, errorTypes.awsClientError);
      return toUpdate(updated.update);
    },
    async associateEncryptionConfig(name, keyArn, clientRequestToken) {
      const updated = await aws(`AssociateEncryptionConfig ${name}`, () => client.send(new AssociateEncryptionConfigCommand({
        clusterName: name, clientRequestToken, encryptionConfig: [{ resources: ['secrets'], provider: { keyArn } }],
      })), notYet.UpdateClusterConfig);
      if (!updated.update) throw ApplicationFailure.nonRetryable(`AssociateEncryptionConfig ${name}: answered without an update to follow (EKS always starts one)`, errorTypes.awsClientError);
      return toUpdate(updated.update);
    },
    async updateClusterSetting(name, setting, clientRequestToken) {
      const updated = await aws(`UpdateClusterConfig ${name}`, () => client.send(new UpdateClusterConfigCommand({
        name, clientRequestToken,
        ...('zonalShift' in setting ? { zonalShiftConfig: { enabled: setting.zonalShift } } : {}),
        ...('supportType' in setting ? { upgradePolicy: { supportType: setting.supportType as SupportType } } : {}),
        ...('controlPlaneTier' in setting ? { controlPlaneScalingConfig: { tier: setting.controlPlaneTier as ProvisionedControlPlaneTier } } : {}),
      })), notYet.UpdateClusterConfig);
      if (!updated.update) throw ApplicationFailure.nonRetryable(`UpdateClusterConfig ${name}: answered without an update to follow (EKS always starts one)`, errorTypes.awsClientError);
      return toUpdate(updated.update);
    },
    async updateClusterVpcConfig(name, change, clientRequestToken) {
      const updated = await aws(`UpdateClusterConfig ${name}`, () => client.send(new UpdateClusterConfigCommand({
        name, clientRequestToken, resourcesVpcConfig: { subnetIds: change.subnetIds, securityGroupIds: change.securityGroupIds },
      })), notYet.UpdateClusterConfig);
      if (!updated.update) throw ApplicationFailure.nonRetryable(`UpdateClusterConfig ${name}: answered without an update to follow (EKS always starts one)`, errorTypes.awsClientError);
      return toUpdate(updated.update);
    },
    async describeUpdate({ cluster, updateId, nodegroup, addon }) {
      const found = await awsOrUndefined(`DescribeUpdate ${updateLabel({ cluster, updateId, nodegroup, addon })}`, () => client.send(new DescribeUpdateCommand({
        name: cluster, updateId, ...(nodegroup ? { nodegroupName: nodegroup } : {}), ...(addon ? { addonName: addon } : {}),
      })));
      return found?.update ? toUpdate({ id: updateId, ...found.update }) : undefined;
    },
    async deleteCluster(name) {
      await awsOrUndefined(`DeleteCluster ${name}`, () => client.send(new DeleteClusterCommand({ name })), notYet.DeleteCluster);
    },
    listClusters: () => allPages(async (nextToken) => {
      const page = await aws('ListClusters', () => client.send(new ListClustersCommand({ nextToken })));
      return { items: page.clusters, next: page.nextToken };
    }),
  };
}
