import type { ClusterCreateSettings } from '../../domain/cluster-settings-rules';
import type { CreateAddonInput, CreateClusterInput, CreateFargateProfileInput, CreateNodegroupInput } from '../../activities/aws/eks';
import type { SimOperation } from '../profile';
import { after, type SimContext } from './context';
import type { AddonRecord, ClusterRecord, FargateProfileRecord, NodegroupRecord } from './eks-records';
import { isServing } from './eks-records';
import { checkScaling, endUpdate, simulatedReleaseVersion, startUpdate } from './eks-updates';
import { eksError } from './errors';
import { remoteNetworkOf } from './eks-remote-network';
import type { SettlingKind } from '../faults';
import type { RoleAsSeenByEks } from './iam';
import { daemonSetAddons, simulatedAddonCatalog, simulatedAddonConfiguration, simulatedAddonVersions } from './eks-addon-catalog';
import { readConfigurationValues, schemaProblems } from '../../activities/eks-addon-configuration';

/** The calls that name a role, each refusing a role EKS cannot assume yet in its own words. */
type RoleUse = 'CreateCluster' | 'CreateNodegroup' | 'CreateFargateProfile' | 'CreateAddon';

/** What EKS checks in the rest of the account: roles exist (and have propagated), subnets exist and where they are. */
export interface EksNeighbours {
  roleAsSeenByEks(arn: string): RoleAsSeenByEks;
  /** Where a subnet is; its VPC's CIDR picks the default Service range. */
  subnet(id: string): { vpcId: string; zone: string; vpcCidr?: string; ipv6Cidr?: string } | undefined;
  /** EKS ships control-plane logs to CloudWatch: the group it makes for them. @default none */
  controlPlaneLogGroup?(cluster: string): void;
  /** EC2's launch template of this ID or name, for CreateNodegroup's check. @default none exist */
  launchTemplate?(ref: { id?: string; name?: string }): { id: string; name: string } | undefined;
  /** EC2's key pair of this name, for remoteAccess's check. @default none exist */
  keyPair?(name: string): { name: string } | undefined;
  /** Whether a security group exists: UpdateClusterConfig checks the control plane's. @default any does */
  securityGroupExists?(id: string): boolean;
  /** Whether a KMS key exists and is enabled: CreateCluster checks the Secrets key. @default any key is */
  kmsKeyUsable?(arn: string): boolean;
}

/** Where a cluster's API server is: the simulated Kubernetes side may point it at a real endpoint. */
export type ClusterEndpoint = (cluster: string) => { endpoint: string; certificateAuthority: string } | undefined;

/**
 * EKS Auto Mode's parameters of a CreateCluster: the three capabilities go together, all enabled
 * or none, in EKS's own words (as the AWS CLI reports it: kubernetes-sigs/cluster-api-provider-aws
 * issue 5278; terraform-provider-aws checks the same before it calls). Built-in node pools
 * launch nodes with the node role, so they need one (eksctl ValidateAutoModeConfig makes one;
 * the wording here is the simulation's, no source quotes EKS's).
 */
function autoModeOf(input: CreateClusterInput): ClusterRecord['autoMode'] {
  const config = input.autoMode;
  if (!config) return undefined;
  const enabled = [config.computeConfig.enabled, config.storageConfig.blockStorage.enabled, config.elasticLoadBalancing.enabled];
  if (enabled.some((on) => on !== enabled[0])) {
    throw eksError.invalidParameter('For EKS Auto Mode, please ensure that all required configs, including computeConfig, kubernetesNetworkConfig, and blockStorage are all either fully enabled or fully disabled.');
  }
  if (!config.computeConfig.enabled) return undefined;
  const nodePools = config.computeConfig.nodePools ?? [];
  const unknown = nodePools.find((pool) => pool !== 'general-purpose' && pool !== 'system');
  if (unknown) throw eksError.invalidParameter(`Unsupported node pool: ${unknown}. Supported node pools are general-purpose and system.`);
  if (nodePools.length > 0 && !config.computeConfig.nodeRoleArn) throw eksError.invalidParameter('computeConfig.nodeRoleArn is required when computeConfig.nodePools is not empty.');
  return { nodePools: [...nodePools], ...(config.computeConfig.nodeRoleArn ? { nodeRoleArn: config.computeConfig.nodeRoleArn } : {}) };
}

/**
 * CreateCluster's checks of the cluster settings, as the CreateCluster API reference states the
 * rules (VpcConfigRequest, KubernetesNetworkConfigRequest); the messages are ours, EKS's exact
 * words not being published.
 */
function checkSettings(settings: ClusterCreateSettings | undefined): void {
  const access = settings?.endpointAccess;
  if (access && !access.public && !access.private) throw eksError.invalidParameter('Cluster endpoint must have public or private access enabled');
  const cidr = settings?.kubernetesNetwork?.serviceIpv4Cidr;
  if (cidr) {
    const bits = Number(cidr.split('/')[1]);
    const inRange = /^(10\.|172\.(1[6-9]|2[0-9]|3[01])\.|192\.168\.)/.test(cidr);
    if (!inRange || bits < 12 || bits > 24) throw eksError.invalidParameter(`The provided serviceIpv4Cidr ${cidr} is invalid: it must be within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, between /12 and /24`);
  }
  if (settings?.secretsKeyArn && !/^arn:aws[a-z-]*:kms:/.test(settings.secretsKeyArn)) throw eksError.invalidParameter(`Invalid KMS key ARN: ${settings.secretsKeyArn}`);
}

/**
 * What DescribeCluster reports: what was asked, EKS's documented defaults for the rest —
 * public endpoint only, open to 0.0.0.0/0; Services in 10.100.0.0/16, or 172.20.0.0/16 when
 * the VPC is in 10.0.0.0/8; IPv4; the EXTENDED support policy (CreateCluster API reference).
 */
function createdSettings(asked: ClusterCreateSettings | undefined, vpcCidr: string | undefined): ClusterCreateSettings {
  const access = asked?.endpointAccess ?? { public: true, private: false };
  return {
    ...asked,
    endpointAccess: { ...access, ...(access.public ? { publicAccessCidrs: access.publicAccessCidrs ?? ['0.0.0.0/0'] } : {}) },
    kubernetesNetwork: {
      ipFamily: asked?.kubernetesNetwork?.ipFamily ?? 'ipv4',
      ...(asked?.kubernetesNetwork?.ipFamily === 'ipv6' ? {} : { serviceIpv4Cidr: asked?.kubernetesNetwork?.serviceIpv4Cidr ?? (vpcCidr?.startsWith('10.') ? '172.20.0.0/16' : '10.100.0.0/16') }),
    },
    supportType: asked?.supportType ?? 'EXTENDED',
  };
}

/** When EKS declares a node group whose nodes never joined CREATE_FAILED (aws-fault-catalog 22). */
const nodegroupFailureSurfacesSeconds = 21 * 60;

const logTypes = new Set(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']);
const busy = (status: string) => status === 'CREATING' || status === 'DELETING';

/**
 * EKS's resources and rules, as state over simulated time: what may be created or deleted
 * when, and what each becomes after its sampled latency. Errors are EKS's, by name and status.
 */
export class EksState {
  readonly clusters = new Map<string, ClusterRecord>();
  /** Names of deleted clusters EKS still holds, until the simulated time given (aws-fault-catalog 14). */
  private readonly heldNames = new Map<string, number>();

  constructor(private readonly context: SimContext, private readonly neighbours: EksNeighbours, private readonly endpointOf: ClusterEndpoint = () => undefined) {}

  private latency(operation: SimOperation, key: string): number {
    return after(this.context, this.context.sampler.sample(operation, key));
  }

  private arn(kind: string, ...path: string[]): string {
    return `arn:aws:eks:${this.context.region}:${this.context.accountId}:${kind}/${path.join('/')}`;
  }

  cluster(name: string): ClusterRecord {
    const cluster = this.clusters.get(name);
    if (!cluster) throw eksError.notFound(`No cluster found for name: ${name}.`);
    return cluster;
  }

  nodegroup(cluster: string, name: string): NodegroupRecord {
    const group = this.cluster(cluster).nodegroups.get(name);
    if (!group) throw eksError.notFound(`No node group found for name: ${name}.`);
    return group;
  }

  fargateProfile(cluster: string, name: string): FargateProfileRecord {
    const profile = this.cluster(cluster).fargateProfiles.get(name);
    if (!profile) throw eksError.notFound(`No Fargate Profile found with name: ${name}.`);
    return profile;
  }

  addon(cluster: string, name: string): AddonRecord {
    const addon = this.cluster(cluster).addons.get(name);
    if (!addon) throw eksError.notFound(`No addon: ${name} found in cluster: ${cluster}`);
    return addon;
  }

  /**
   * EKS assumes the role before it accepts the create. A role made or given policies seconds ago
   * is refused with the catalog's words until IAM has propagated it; the adapters wait those out
   * for terraform-provider-aws's 2 minutes (aws-fault-catalog 1-3).
   */
  private checkRole(arn: string, use: RoleUse): void {
    const seen = this.neighbours.roleAsSeenByEks(arn);
    const cannotAssume = () => eksError.invalidParameter(`Role with arn: ${arn}, could not be assumed because it does not exist or the trusted entity is not correct`);
    if (seen === 'missing') throw cannotAssume();
    if (seen === 'settled') return;
    switch (use) {
      // Catalog 1: before the role propagates, "does not exist"; before its policies do, "doesn't have the Amazon EKS Managed Policies".
      case 'CreateCluster':
        if (seen === 'propagating') throw cannotAssume();
        throw eksError.invalidParameter("The provided role doesn't have the Amazon EKS Managed Policies associated with it. Please ensure the following policy is attached: arn:aws:iam::aws:policy/AmazonEKSClusterPolicy");
      // Catalog 2: the pod execution role's trust policy not yet visible to EKS.
      case 'CreateFargateProfile':
        if (seen === 'propagating') throw eksError.invalidParameter('Misconfigured PodExecutionRole Trust Policy; Please add the eks-fargate-pods.amazonaws.com Service Principal');
        return;
      // Catalog 3 gives the fragment "does not exist", not the whole text.
      case 'CreateAddon':
        if (seen === 'propagating') throw eksError.invalidParameter(`serviceAccountRoleArn, ${arn}, does not exist`);
        return;
      // The catalog's gaps: no source gives CreateNodegroup's answer to a node role still
      // propagating, and terraform-provider-aws does not retry it (catalog 22), so the simulated
      // EKS accepts it rather than invent an error no adapter could know.
      case 'CreateNodegroup':
        return;
    }
  }

  /**
   * UpdateClusterConfig's checks of new control-plane subnets and security groups, as
   * CreateCluster checks its own: they exist, the subnets in two AZs at least and in the
   * cluster's VPC (EKS cannot move a cluster to another VPC).
   */
  checkControlPlaneNetwork(cluster: ClusterRecord, subnetIds: string[], securityGroupIds: string[]): void {
    const subnets = this.subnets(subnetIds);
    if (new Set(subnets.map((s) => s.zone)).size < 2) throw eksError.invalidParameter('Subnets specified must be in at least two different AZs');
    const elsewhere = subnetIds.filter((_, i) => subnets[i]!.vpcId !== cluster.vpcId);
    if (elsewhere.length > 0) throw eksError.invalidParameter(`Subnets ${elsewhere.join(', ')} are not in the cluster's VPC ${cluster.vpcId}`);
    const missing = securityGroupIds.filter((id) => this.neighbours.securityGroupExists?.(id) === false);
    if (missing.length > 0) throw eksError.invalidParameter(`The security group '${missing[0]}' does not exist`);
  }

  /** CreateCluster's and AssociateEncryptionConfig's check of the Secrets key. */
  checkKmsKey(keyArn: string): void {
    if (this.neighbours.kmsKeyUsable && !this.neighbours.kmsKeyUsable(keyArn)) throw eksError.invalidParameter(`The KMS key ${keyArn} does not exist or is not enabled`);
  }

  private subnets(ids: string[]): { vpcId: string; zone: string; vpcCidr?: string; ipv6Cidr?: string }[] {
    return ids.map((id) => {
      const subnet = this.neighbours.subnet(id);
      if (!subnet) throw eksError.invalidParameter(`The subnet ID '${id}' does not exist`);
      return subnet;
    });
  }

  private serving(cluster: ClusterRecord): void {
    if (!isServing(cluster)) throw eksError.invalidRequest(`Cluster '${cluster.name}' is not in ACTIVE status`);
  }

  // --- clusters

  createCluster(input: CreateClusterInput): ClusterRecord {
    const existing = this.clusters.get(input.name);
    // The same request token is the same request: EKS answers with the cluster it made.
    if (existing && input.clientRequestToken && existing.token === input.clientRequestToken) return existing;
    if (existing) throw eksError.resourceInUse(`Cluster already exists with name: ${input.name}`);
    const heldUntil = this.heldNames.get(input.name);
    if (heldUntil !== undefined && this.context.clock.now() < heldUntil) throw eksError.resourceInUse(`Cluster already exists with name: ${input.name}`);
    this.heldNames.delete(input.name);
    this.checkRole(input.roleArn, 'CreateCluster');
    const subnets = this.subnets(input.subnetIds);
    if (new Set(subnets.map((s) => s.zone)).size < 2) throw eksError.invalidParameter('Subnets specified must be in at least two different AZs');
    if (new Set(subnets.map((s) => s.vpcId)).size > 1) throw eksError.invalidParameter('Subnets must all be in the same VPC');
    const autoMode = autoModeOf(input);
    checkSettings(input.settings);
    // An ipv6 cluster's VPC and subnets must have IPv6 blocks as well as IPv4 ones (CreateCluster,
    // KubernetesNetworkConfigRequest ipFamily; EKS user guide "Learn about IPv6 addresses to clusters, Pods, and services").
    const withoutIpv6 = input.subnetIds.filter((_, i) => !subnets[i]!.ipv6Cidr);
    if (input.settings?.kubernetesNetwork?.ipFamily === 'ipv6' && withoutIpv6.length > 0) {
      throw eksError.invalidParameter(`An IPv6 cluster needs subnets with an IPv6 CIDR block; ${withoutIpv6.join(', ')} ${withoutIpv6.length === 1 ? 'has' : 'have'} none`);
    }
    const keyArn = input.settings?.secretsKeyArn;
    if (keyArn) this.checkKmsKey(keyArn);
    const unknownLogs = input.logTypes.filter((type) => !logTypes.has(type));
    if (unknownLogs.length > 0) throw eksError.invalidParameter(`Unknown log types: ${unknownLogs.join(', ')}`);
    const settings = createdSettings(input.settings, subnets[0]?.vpcCidr);
    const remoteNetwork = remoteNetworkOf(input.remoteNetwork, subnets[0]?.vpcCidr, settings.kubernetesNetwork?.serviceIpv4Cidr);
    const { ids, region } = this.context;
    const endpoint = this.endpointOf(input.name) ?? {
      endpoint: `https://${ids.hex(32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
      certificateAuthority: Buffer.from(`-----BEGIN CERTIFICATE-----\nsimulated CA of ${input.name}\n-----END CERTIFICATE-----\n`).toString('base64'),
    };
    const cluster: ClusterRecord = {
      name: input.name, arn: this.arn('cluster', input.name), status: 'CREATING', token: input.clientRequestToken,
      version: input.version, roleArn: input.roleArn, subnetIds: [...input.subnetIds], securityGroupIds: [...input.securityGroupIds],
      ...(subnets[0] ? { vpcId: subnets[0].vpcId } : {}),
      tags: { ...input.tags }, ...endpoint,
      // Each cluster has its own issuer: IRSA trust policies name it.
      oidcIssuer: `https://oidc.eks.${region}.amazonaws.com/id/${ids.hex(32).toUpperCase()}`,
      authenticationMode: input.accessConfig?.authenticationMode ?? 'CONFIG_MAP',
      ...(autoMode ? { autoMode } : {}),
      settings,
      ...(remoteNetwork ? { remoteNetwork } : {}),
      enabledLogTypes: new Set(input.logTypes), updateTokens: new Map(), updates: new Map(), nodegroups: new Map(), fargateProfiles: new Map(), addons: new Map(),
    };
    cluster.timer = this.context.scheduler.at(this.latency('cluster.create', input.name), (at) => {
      if (this.settleFailed(cluster, 'cluster', input.name)) return;
      cluster.status = 'ACTIVE';
      if (cluster.enabledLogTypes.size > 0) this.neighbours.controlPlaneLogGroup?.(input.name);
      cluster.activeAt = at;
      // Auto Mode's general-purpose pool launches nodes for pending pods from now on: add-ons get capacity.
      if (cluster.autoMode?.nodePools.includes('general-purpose')) this.capacityAppeared(cluster, at);
      this.context.detections.finished(`cluster ${input.name}`, 'cluster.create', at);
      cluster.addonApiReadyAt = at + this.context.sampler.sample('addon.api-lag', input.name) * 1000;
    });
    this.clusters.set(input.name, cluster);
    return cluster;
  }

  /** Starts a logging update; EKS runs one cluster update at a time. */
  updateClusterLogging(name: string, enable: string[], disable: string[], token: string): string {
    const cluster = this.cluster(name);
    const served = cluster.updateTokens.get(token);
    if (served) return served;
    if (cluster.update) throw eksError.resourceInUse(`Cannot update because cluster ${name} currently has update ${cluster.update.id} in progress`);
    if (cluster.status !== 'ACTIVE') throw eksError.resourceInUse(`Cluster ${name} is ${cluster.status}: it takes configuration updates only when ACTIVE`);
    const unknown = [...enable, ...disable].filter((type) => !logTypes.has(type));
    if (unknown.length > 0) throw eksError.invalidParameter(`Unknown log types: ${unknown.join(', ')}`);
    if (enable.every((type) => cluster.enabledLogTypes.has(type)) && disable.every((type) => !cluster.enabledLogTypes.has(type))) {
      throw eksError.invalidParameter('No changes needed for the logging config provided');
    }
    const update = startUpdate(this.context, cluster, token, 'LoggingUpdate', [{ type: 'ClusterLogging', value: JSON.stringify({ enable, disable }) }]);
    cluster.status = 'UPDATING';
    cluster.timer = this.context.scheduler.at(this.latency('cluster.update', name), (at) => {
      this.context.detections.finished(`cluster ${name}`, 'cluster.update', at);
      cluster.status = 'ACTIVE';
      // An update asked to fail ends Failed (or Cancelled) with its errors and changes nothing;
      // the cluster is ACTIVE again either way, as on EKS (aws-fault-catalog 19).
      if (endUpdate(this.context, cluster, update, { kind: 'cluster-update', key: name })) return;
      for (const type of enable) cluster.enabledLogTypes.add(type);
      if (cluster.enabledLogTypes.size > 0) this.neighbours.controlPlaneLogGroup?.(name);
      for (const type of disable) cluster.enabledLogTypes.delete(type);
    });
    return update.id;
  }

  deleteCluster(name: string): void {
    const cluster = this.cluster(name);
    if (cluster.status === 'DELETING') return;
    if (cluster.status === 'CREATING') throw eksError.resourceInUse(`Cannot delete because cluster ${name} is still being created`);
    if (cluster.update) throw eksError.resourceInUse(`Cannot delete because cluster ${name} currently has update ${cluster.update.id} in progress`);
    if (cluster.nodegroups.size > 0) throw eksError.resourceInUse('Cluster has nodegroups attached');
    if (cluster.fargateProfiles.size > 0) throw eksError.resourceInUse('Cluster has fargate profiles attached');
    cluster.status = 'DELETING';
    // Managed add-ons go with their cluster.
    for (const addon of cluster.addons.values()) {
      addon.timer?.cancel();
      addon.status = 'DELETING';
    }
    cluster.timer = this.context.scheduler.at(this.latency('cluster.delete', name), (at) => {
      this.clusters.delete(name);
      // Gone from DescribeCluster, its name still held for a while (aws-fault-catalog 14).
      if (this.context.propagation) this.heldNames.set(name, at + this.context.sampler.sample('cluster.name-release', name) * 1000);
      this.context.detections.finished(`cluster ${name}`, 'cluster.delete', at);
    });
  }

  // --- node groups

  createNodegroup(input: CreateNodegroupInput): NodegroupRecord {
    const cluster = this.cluster(input.cluster);
    const existing = cluster.nodegroups.get(input.name);
    if (existing && input.clientRequestToken && existing.token === input.clientRequestToken) return existing;
    if (existing) throw eksError.resourceInUse(`NodeGroup already exists with name ${input.name} and cluster name ${input.cluster}`);
    this.serving(cluster);
    this.checkRole(input.nodeRoleArn, 'CreateNodegroup');
    this.subnets(input.subnetIds);
    checkScaling(input.scaling);
    this.checkNodegroupLaunch(input);
    const key = `${input.cluster}/${input.name}`;
    const group: NodegroupRecord = {
      cluster: input.cluster, name: input.name, arn: this.arn('nodegroup', input.cluster, input.name, this.context.ids.uuid()), status: 'CREATING',
      token: input.clientRequestToken, nodeRoleArn: input.nodeRoleArn, subnetIds: [...input.subnetIds], instanceTypes: [...input.instanceTypes],
      capacityType: input.capacityType, amiType: input.amiType, diskSize: input.diskSize, scaling: { ...input.scaling },
      labels: { ...input.labels }, taints: input.taints.map((taint) => ({ ...taint })), tags: { ...input.tags }, updateTokens: new Map(), updates: new Map(),
      ...(input.launchTemplate ? { launchTemplate: { ...input.launchTemplate } } : {}), ...(input.remoteAccess ? { remoteAccess: structuredClone(input.remoteAccess) } : {}),
      ...(input.updateConfig ? { updateConfig: { ...input.updateConfig } } : {}), ...(input.nodeRepair !== undefined ? { nodeRepair: input.nodeRepair } : {}),
      // A node group is made at its cluster's Kubernetes version (CreateNodegroup API reference), with that version's AMI.
      version: cluster.version, releaseVersion: simulatedReleaseVersion(cluster.version),
    };
    // A group asked to fail is declared so only after EKS has waited ~21 min for its nodes to
    // join (aws-fault-catalog 22: NodeCreationFailure surfaces after ~21-23 min), not at the
    // moment a healthy group would turn ACTIVE.
    const failing = this.context.outcomes?.outcomeOf('nodegroup', key) !== undefined;
    const settlesAt = failing ? after(this.context, nodegroupFailureSurfacesSeconds) : this.latency('nodegroup.create', key);
    group.timer = this.context.scheduler.at(settlesAt, (at) => {
      if (this.settleFailed(group, 'nodegroup', key)) return;
      group.status = 'ACTIVE';
      this.context.detections.finished(`nodegroup ${key}`, 'nodegroup.create', at);
      if (group.scaling.desiredSize > 0) this.capacityAppeared(cluster, at);
    });
    cluster.nodegroups.set(input.name, group);
    return group;
  }

  /**
   * CreateNodegroup's launch template, remote access, update and repair settings, refused as
   * EKS documents (CreateNodegroup API reference): with a launchTemplate "don't specify diskSize
   * or remoteAccess", the template must exist (its ID or name is looked up in EC2) and its
   * version be a number, $Latest or $Default; updateConfig takes maxUnavailable or
   * maxUnavailablePercentage, not both (NodegroupUpdateConfig), 1-100 each; remoteAccess names
   * an EC2 key pair. The words of the refusals are moto's (moto/eks/models.py), the peer
   * the contract suite checks.
   */
  private checkNodegroupLaunch(input: CreateNodegroupInput): void {
    if (input.launchTemplate) {
      if (input.diskSize !== undefined) throw eksError.invalidParameter('Disk size must be specified within the launch template.');
      if (input.remoteAccess) throw eksError.invalidParameter('Remote access configuration cannot be specified with a launch template.');
      const template = this.neighbours.launchTemplate?.({ id: input.launchTemplate.id });
      if (!template) throw eksError.invalidParameter(`Launch template ${input.launchTemplate.id} does not exist`);
      if (!/^([1-9][0-9]*|\$Latest|\$Default)$/.test(input.launchTemplate.version)) throw eksError.invalidParameter(`Launch template version ${input.launchTemplate.version} is not valid`);
    }
    if (input.remoteAccess && !this.neighbours.keyPair?.(input.remoteAccess.ec2SshKey)) {
      throw eksError.invalidParameter(`The key pair '${input.remoteAccess.ec2SshKey}' does not exist`);
    }
    const update = input.updateConfig;
    if (update) {
      const given = [update.maxUnavailable, update.maxUnavailablePercentage].filter((value) => value !== undefined);
      if (given.length !== 1) throw eksError.invalidParameter('Exactly one of maxUnavailable and maxUnavailablePercentage must be specified');
      if (given.some((value) => !Number.isInteger(value) || value! < 1 || value! > 100)) throw eksError.invalidParameter('maxUnavailable and maxUnavailablePercentage must be between 1 and 100');
    }
  }

  deleteNodegroup(clusterName: string, name: string): void {
    const cluster = this.cluster(clusterName);
    const group = this.nodegroup(clusterName, name);
    if (group.status === 'DELETING') return;
    group.timer?.cancel();
    group.update = undefined;
    group.status = 'DELETING';
    group.timer = this.context.scheduler.at(this.latency('nodegroup.delete', `${clusterName}/${name}`), (at) => {
      cluster.nodegroups.delete(name);
      this.context.detections.finished(`nodegroup ${clusterName}/${name}`, 'nodegroup.delete', at);
    });
  }

  // --- Fargate profiles: one create or delete at a time per cluster

  private fargateBusy(cluster: ClusterRecord, name: string): void {
    const other = [...cluster.fargateProfiles.values()].find((profile) => busy(profile.status));
    if (other) {
      throw eksError.resourceInUse(`Cannot create or delete Fargate profile ${name} while Fargate profile ${other.name} of cluster ${cluster.name} is ${other.status}`);
    }
  }

  createFargateProfile(input: CreateFargateProfileInput): FargateProfileRecord {
    const cluster = this.cluster(input.cluster);
    const existing = cluster.fargateProfiles.get(input.name);
    if (existing && input.clientRequestToken && existing.token === input.clientRequestToken) return existing;
    if (existing) throw eksError.resourceInUse('A Fargate Profile already exists with this name in this cluster.');
    this.serving(cluster);
    this.fargateBusy(cluster, input.name);
    this.checkRole(input.podExecutionRoleArn, 'CreateFargateProfile');
    this.subnets(input.subnetIds);
    if (input.selectors.length < 1 || input.selectors.length > 5) throw eksError.invalidParameter('A Fargate Profile needs between 1 and 5 selectors.');
    if (input.selectors.some((selector) => !selector.namespace)) throw eksError.invalidParameter('Every Fargate Profile selector needs a namespace.');
    const profile: FargateProfileRecord = {
      cluster: input.cluster, name: input.name, arn: this.arn('fargateprofile', input.cluster, input.name, this.context.ids.uuid()), status: 'CREATING',
      token: input.clientRequestToken, podExecutionRoleArn: input.podExecutionRoleArn, subnetIds: [...input.subnetIds],
      selectors: input.selectors.map((selector) => ({ ...selector })), tags: { ...input.tags },
    };
    profile.timer = this.context.scheduler.at(this.latency('fargate-profile.create', `${input.cluster}/${input.name}`), (at) => {
      if (this.settleFailed(profile, 'fargate-profile', `${input.cluster}/${input.name}`)) return;
      profile.status = 'ACTIVE';
      this.context.detections.finished(`fargate-profile ${input.cluster}/${input.name}`, 'fargate-profile.create', at);
      this.capacityAppeared(cluster, at);
    });
    cluster.fargateProfiles.set(input.name, profile);
    return profile;
  }

  deleteFargateProfile(clusterName: string, name: string): void {
    const cluster = this.cluster(clusterName);
    const profile = this.fargateProfile(clusterName, name);
    if (profile.status === 'DELETING') return;
    this.fargateBusy(cluster, name);
    profile.status = 'DELETING';
    profile.timer = this.context.scheduler.at(this.latency('fargate-profile.delete', `${clusterName}/${name}`), (at) => {
      cluster.fargateProfiles.delete(name);
      this.context.detections.finished(`fargate-profile ${clusterName}/${name}`, 'fargate-profile.delete', at);
    });
  }

  // --- managed add-ons

  createAddon(input: CreateAddonInput): AddonRecord {
    const cluster = this.cluster(input.cluster);
    const existing = cluster.addons.get(input.name);
    if (existing && input.clientRequestToken && existing.token === input.clientRequestToken) return existing;
    if (existing) throw eksError.resourceInUse(`Addon ${input.name} already exists in cluster ${input.cluster} (${existing.status})`);
    this.serving(cluster);
    if (cluster.addonApiReadyAt !== undefined && this.context.clock.now() < cluster.addonApiReadyAt) {
      throw eksError.invalidRequest(`Cluster ${input.cluster} is not ready for add-ons yet: retry in a few minutes`);
    }
    if (input.serviceAccountRoleArn) this.checkRole(input.serviceAccountRoleArn, 'CreateAddon');
    // Without a version EKS installs the add-on's default for the cluster's Kubernetes version.
    const version = input.version ?? simulatedAddonVersions(input.name, cluster.version).find((v) => v.isDefault)?.version;
    this.checkAddonRequest({ ...input, ...(version ? { version } : {}) }, cluster.version);
    const addon: AddonRecord = {
      cluster: input.cluster, name: input.name, arn: this.arn('addon', input.cluster, input.name, this.context.ids.uuid()),
      // An add-on outside the simulated catalog (metrics-server, observability) without a version: named so.
      version: version ?? 'default',
      status: 'CREATING', token: input.clientRequestToken, tags: { ...input.tags }, issues: [], waitingForCapacity: false, updateTokens: new Map(), updates: new Map(),
      ...(input.serviceAccountRoleArn ? { serviceAccountRoleArn: input.serviceAccountRoleArn } : {}),
      ...(input.configurationValues ? { configurationValues: input.configurationValues } : {}),
    };
    addon.timer = this.context.scheduler.at(this.latency('addon.create', `${input.cluster}/${input.name}`), (at) => {
      if (this.settleFailed(addon, 'addon', `${input.cluster}/${input.name}`)) return;
      // Its pods need somewhere to run: without nodes EKS reports it DEGRADED, short of replicas,
      // until capacity comes (aws-fault-catalog 31, 32: Terraform's waitAddonCreated keeps DEGRADED
      // pending; the SDK's waitUntilAddonActive fails on it).
      if ((cluster.capacitySince !== undefined && cluster.capacitySince <= at) || daemonSetAddons.has(input.name)) {
        addon.status = 'ACTIVE';
      } else {
        addon.status = 'DEGRADED';
        addon.waitingForCapacity = true;
        addon.issues = ["InsufficientNumberOfReplicas: The add-on is unhealthy because it doesn't have the desired number of replicas."];
      }
    });
    cluster.addons.set(input.name, addon);
    return addon;
  }

  /**
   * For the add-ons whose versions and schemas the simulator knows (the core five), EKS's checks
   * at CreateAddon: a version offered for the cluster's minor, and configurationValues its
   * schema accepts, refused as EKS words it ("ConfigurationValue provided in request is not
   * supported: Json schema validation failed..."). Other add-ons (metrics-server,
   * amazon-cloudwatch-observability) are taken as given, as before.
   */
  checkAddonRequest(input: CreateAddonInput, clusterVersion: string): void {
    if (!simulatedAddonCatalog[input.name]) return;
    if (!input.version || !simulatedAddonVersions(input.name, clusterVersion).some((v) => v.version === input.version)) {
      throw eksError.invalidParameter(`Addon version ${input.version} specified is not supported for addon ${input.name} with Kubernetes version ${clusterVersion}`);
    }
    if (input.configurationValues === undefined) return;
    const read = readConfigurationValues(input.configurationValues);
    const problems = 'problem' in read ? [read.problem] : schemaProblems(simulatedAddonConfiguration(input.name, input.version)!, read.values);
    if (problems.length > 0) throw eksError.invalidParameter(`ConfigurationValue provided in request is not supported: Json schema validation failed with error: [${problems.join(', ')}]`);
  }

  addonVersions(name: string, kubernetesVersion: string) {
    return simulatedAddonVersions(name, kubernetesVersion);
  }

  addonConfiguration(name: string, version: string): string {
    const schema = simulatedAddonConfiguration(name, version);
    if (schema === undefined) throw eksError.notFound(`Addon ${name} version ${version} not found`);
    return schema;
  }

  deleteAddon(clusterName: string, name: string): void {
    const cluster = this.cluster(clusterName);
    const addon = this.addon(clusterName, name);
    if (addon.status === 'DELETING') return;
    addon.timer?.cancel();
    addon.update = undefined;
    addon.status = 'DELETING';
    addon.timer = this.context.scheduler.at(this.latency('addon.delete', `${clusterName}/${name}`), () => cluster.addons.delete(name));
  }

  /** A creation asked to fail settles into that state with its issues, and stays there until deleted. */
  private settleFailed(record: { status: string; issues?: string[] }, kind: SettlingKind, key: string): boolean {
    const outcome = this.context.outcomes?.outcomeOf(kind, key);
    if (!outcome) return false;
    record.status = outcome.status;
    record.issues = [...outcome.issues];
    return true;
  }

  /** A node group or Fargate profile became ACTIVE: add-ons short of replicas get them. */
  capacityAppeared(cluster: ClusterRecord, at: number): void {
    cluster.capacitySince ??= at;
    for (const addon of cluster.addons.values()) {
      if (!addon.waitingForCapacity) continue;
      addon.waitingForCapacity = false;
      addon.issues = [];
      addon.status = 'ACTIVE';
    }
  }
}

