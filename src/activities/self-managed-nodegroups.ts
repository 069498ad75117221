import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import type { NodeGroupSpec } from '../domain/environment-spec';
import { errorTypes } from '../domain/errors';
import { clientRequestToken } from '../domain/names';
import { bootstrapFamilyOf, defaultServiceIpv4Cidr, nodeUserData, selfManagedNodegroupLabel } from '../domain/node-bootstrap';
import { ownershipTagKeys, ownershipTags, type Owner } from '../domain/ownership';
import { amiParameterName, autoScalingGroupTags } from '../domain/self-managed-nodes';
import type { AutoScalingGroup, LaunchTemplateData, MixedInstances, SelfManagedNodesApi } from './aws/autoscaling';
import type { EksApi } from './aws/eks';
import type { EnsuredResource } from './iam-roles';
import { kubeCall, kubeOrUndefined } from './kube-calls';
import type { KubeAccess } from './nodes-ready';
import { adoptOrRefuse, changeOnlyIfOurs, deleteIfOurs, type DeleteOutcome, type DeleteOwner } from './ownership-check';

/** What the workflow's wait on an Auto Scaling group sees. */
export interface AutoScalingGroupStatus {
  /** ACTIVE, DELETING (Auto Scaling's "Delete in progress") or NOT_FOUND. */
  status: string;
  desired: number;
  inService: number;
  instances: number;
}

export interface EnsureLaunchTemplateInput {
  owner: Owner;
  region: string;
  cluster: string;
  kubernetesVersion: string;
  /** The launch template's name (`<env>-<group>`). */
  name: string;
  group: NodeGroupSpec;
  instanceProfileArn: string;
  /** The environment's own node security groups (network.securityGroupIds), beside the cluster's and the group's. */
  securityGroupIds?: string[];
  /** The VPC's CIDR, when the run made it: EKS's default service CIDR follows it. */
  vpcCidr?: string;
  tags?: Record<string, string>;
}

/** The root device of each family's AMIs (eksctl pkg/cfn/builder/block_device_mapping.go): Bottlerocket's data volume is its second. */
const rootDevice = { AmazonLinux2023: '/dev/xvda', AmazonLinux2: '/dev/xvda', Bottlerocket: '/dev/xvdb', Windows: '/dev/sda1', Ubuntu: '/dev/sda1' } as const;

/** Without instanceMetadata: IMDSv2 only and a hop limit of 2 (eksctl's defaults, pod access to IMDS through the node). */
const defaultMetadata = { httpTokens: 'required', httpPutResponseHopLimit: 2 } as const;

/** A mixed instances policy when the group asks for several types, spot, or a distribution; otherwise none. */
export function mixedInstancesOf(group: NodeGroupSpec): MixedInstances | undefined {
  const distribution = group.instancesDistribution;
  if (!distribution && group.instanceTypes.length === 1 && group.capacityType !== 'SPOT') return undefined;
  const spot = group.capacityType === 'SPOT';
  return {
    instanceTypes: [...group.instanceTypes],
    onDemandBaseCapacity: distribution?.onDemandBaseCapacity ?? 0,
    onDemandPercentageAboveBaseCapacity: distribution?.onDemandPercentageAboveBaseCapacity ?? (spot ? 0 : 100),
    ...(distribution?.spotAllocationStrategy ? { spotAllocationStrategy: distribution.spotAllocationStrategy } : spot ? { spotAllocationStrategy: 'price-capacity-optimized' } : {}),
    ...(distribution?.spotInstancePools !== undefined ? { spotInstancePools: distribution.spotInstancePools } : {}),
    ...(distribution?.maxPrice !== undefined ? { maxPrice: distribution.maxPrice } : {}),
  };
}

const statusOf = (group: AutoScalingGroup | undefined): AutoScalingGroupStatus => (group
  ? {
    status: group.status && /delete/i.test(group.status) ? 'DELETING' : 'ACTIVE', desired: group.desiredSize,
    inService: group.instances.filter((i) => i.lifecycleState === 'InService').length, instances: group.instances.length,
  }
  : { status: 'NOT_FOUND', desired: 0, inService: 0, instances: 0 });

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Self-managed node groups: the node role's instance profile, an EC2 launch template, an Auto
 * Scaling group, as eksctl makes an unmanaged node group (pkg/cfn/builder/nodegroup.go), each
 * created idempotently under the environment's ownership tags and deleted only when they say
 * it is this environment's. `api` is optional in the worker's dependencies: a worker without it
 * refuses such steps, naming what it lacks.
 */
export function createSelfManagedNodegroupActivities(api: SelfManagedNodesApi | undefined, eks: EksApi, kube: KubeAccess) {
  const calls = (): SelfManagedNodesApi => {
    if (!api) throw ApplicationFailure.nonRetryable('this worker has no EC2 Auto Scaling and SSM clients: self-managed node groups cannot be made by it', errorTypes.resourceFailed);
    return api;
  };

  /**
   * The AMI a group's nodes boot: ami.id when given, else the EKS-optimized AMI for its AMI type
   * and the cluster's Kubernetes version, read from AWS's public SSM parameter (eksctl
   * pkg/ami/ssm_resolver.go). A version AWS publishes no AMI for fails for good, naming the parameter.
   */
  async function resolveNodeAmi(input: { amiType: NodeGroupSpec['amiType']; kubernetesVersion: string; amiId?: string }): Promise<{ imageId: string; parameter?: string }> {
    if (input.amiId) return { imageId: input.amiId };
    const parameter = amiParameterName(input.amiType, input.kubernetesVersion);
    if (!parameter) throw ApplicationFailure.nonRetryable(`amiType ${input.amiType} names no EKS-optimized AMI: give ami.id`, errorTypes.invalidSpec);
    const imageId = await calls().parameter(parameter);
    if (!imageId) throw ApplicationFailure.nonRetryable(`AWS publishes no ${input.amiType} AMI for Kubernetes ${input.kubernetesVersion}: SSM parameter ${parameter} does not exist`, errorTypes.invalidSpec);
    return { imageId, parameter };
  }

  /** The node role's instance profile (same name), made and given the role, or adopted when it is already this environment's. */
  async function ensureNodeInstanceProfile(input: { owner: Owner; region: string; name: string; roleName: string; tags?: Record<string, string> }): Promise<EnsuredResource & { arn: string }> {
    const aws = calls();
    let profile = await aws.describeInstanceProfile(input.name);
    let made = true;
    if (profile) made = adoptOrRefuse(`instance profile ${input.name}`, profile.tags, input.owner).madeByThisRun;
    else profile = await aws.createInstanceProfile(input.name, ownershipTags(input.owner, input.tags));
    // An instance profile holds one role; adding it again on adoption completes a run cut off between the calls.
    if (!profile.roles.includes(input.roleName)) await aws.addRoleToInstanceProfile(input.name, input.roleName);
    return { ref: { kind: 'instance-profile', name: input.name, region: input.region, arn: profile.arn }, made, arn: profile.arn };
  }

  /**
   * The group's launch template: its AMI, first instance type, user data (src/domain/node-bootstrap.ts),
   * instance profile, security groups (the cluster's, the environment's, the group's), root
   * volume, metadata options and key pair, tagging instances and volumes at launch.
   */
  async function ensureNodeLaunchTemplate(input: EnsureLaunchTemplateInput): Promise<EnsuredResource & { launchTemplateId: string; imageId: string }> {
    const aws = calls();
    const { group, owner } = input;
    const ref = (id: string) => ({ kind: 'launch-template' as const, name: input.name, region: input.region, arn: id });
    const existing = await aws.describeLaunchTemplate(input.name);
    if (existing) {
      const { madeByThisRun } = adoptOrRefuse(`launch template ${input.name}`, existing.tags, owner);
      return { ref: ref(existing.id), made: madeByThisRun, launchTemplateId: existing.id, imageId: '' };
    }
    const cluster = await eks.describeCluster(input.cluster);
    if (!cluster?.endpoint || !cluster.certificateAuthority) throw ApplicationFailure.retryable(`cluster ${input.cluster} has no endpoint and CA yet`, errorTypes.awsRetryable);
    const networking = await aws.clusterNetworking(input.cluster);
    const { imageId } = await resolveNodeAmi({ amiType: group.amiType, kubernetesVersion: input.kubernetesVersion, ...(group.ami?.id ? { amiId: group.ami.id } : {}) });
    const userData = nodeUserData({
      name: input.cluster, endpoint: cluster.endpoint, certificateAuthority: cluster.certificateAuthority,
      serviceIpv4Cidr: networking.serviceIpv4Cidr ?? defaultServiceIpv4Cidr(input.vpcCidr),
    }, group);
    const family = bootstrapFamilyOf(group);
    const volume = group.volume;
    const data: LaunchTemplateData = {
      imageId,
      instanceType: group.instanceTypes[0]!,
      userData: Buffer.from(userData).toString('base64'),
      instanceProfileArn: input.instanceProfileArn,
      securityGroupIds: [...new Set([...(networking.clusterSecurityGroupId ? [networking.clusterSecurityGroupId] : []), ...(input.securityGroupIds ?? []), ...(group.securityGroupIds ?? [])])],
      rootVolume: {
        deviceName: volume?.name ?? rootDevice[family], sizeGiB: group.diskSize, type: volume?.type ?? 'gp3', encrypted: volume?.encrypted ?? false,
        ...(volume?.iops !== undefined ? { iops: volume.iops } : {}), ...(volume?.throughput !== undefined ? { throughput: volume.throughput } : {}),
        ...(volume?.kmsKeyId ? { kmsKeyId: volume.kmsKeyId } : {}),
      },
      metadata: { ...defaultMetadata, ...group.instanceMetadata },
      ...(group.ssh?.keyName ? { keyName: group.ssh.keyName } : {}),
      instanceTags: ownershipTags(owner, { ...input.tags, ...group.tags, Name: `${input.cluster}-${group.name}-Node`, [`kubernetes.io/cluster/${input.cluster}`]: 'owned' }),
    };
    const created = await aws.createLaunchTemplate({
      name: input.name, data, tags: ownershipTags(owner, { ...input.tags, ...group.tags }), clientToken: clientRequestToken(owner.runId, `lt-${input.name}`),
    });
    return { ref: ref(created.id), made: true, launchTemplateId: created.id, imageId };
  }

  /**
   * The group's Auto Scaling group over the launch template: its sizes and subnets, a mixed
   * instances policy for several types or spot, target groups and Classic Load Balancers,
   * metrics collection, and eksctl's tags (autoScalingGroupTags) propagated to its instances.
   * Auto Scaling takes no client token: an existing group of the name is adopted when it is this environment's.
   */
  async function ensureAutoScalingGroup(input: {
    owner: Owner; region: string; cluster: string; name: string; group: NodeGroupSpec; launchTemplateId: string; subnetIds: string[]; tags?: Record<string, string>;
  }): Promise<EnsuredResource & AutoScalingGroupStatus> {
    const aws = calls();
    const { group, owner } = input;
    const ref = (arn: string) => ({ kind: 'autoscaling-group' as const, name: input.name, region: input.region, ...(arn ? { arn } : {}) });
    const existing = await aws.describeAutoScalingGroup(input.name);
    if (existing) {
      const { madeByThisRun } = adoptOrRefuse(`Auto Scaling group ${input.name}`, existing.tags, owner);
      return { ref: ref(existing.arn), made: madeByThisRun, ...statusOf(existing) };
    }
    const mixed = mixedInstancesOf(group);
    try {
      await aws.createAutoScalingGroup({
        name: input.name, launchTemplateId: input.launchTemplateId, minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize, subnetIds: input.subnetIds,
        ...(mixed ? { mixedInstances: mixed } : {}),
        ...(group.instancesDistribution?.capacityRebalance !== undefined ? { capacityRebalance: group.instancesDistribution.capacityRebalance } : {}),
        ...(group.targetGroupArns ? { targetGroupArns: group.targetGroupArns } : {}),
        ...(group.classicLoadBalancerNames ? { loadBalancerNames: group.classicLoadBalancerNames } : {}),
        ...(group.asgMetricsCollection?.[0] ? { metricsCollection: group.asgMetricsCollection[0] } : {}),
        tags: ownershipTags(owner, { ...input.tags, ...autoScalingGroupTags(input.cluster, group) }),
      });
    } catch (error) {
      // Made by an attempt whose answer was lost (AlreadyExists): ours if the tags say so.
      if (!(error instanceof ApplicationFailure && /AlreadyExists/.test(error.message))) throw error;
    }
    const created = await aws.describeAutoScalingGroup(input.name);
    if (!created) throw ApplicationFailure.retryable(`Auto Scaling group ${input.name} is not visible yet`, errorTypes.awsRetryable);
    const { madeByThisRun } = adoptOrRefuse(`Auto Scaling group ${input.name}`, created.tags, owner);
    return { ref: ref(created.arn), made: madeByThisRun, ...statusOf(created) };
  }

  async function describeAutoScalingGroup(input: { name: string }): Promise<AutoScalingGroupStatus> {
    return statusOf(await calls().describeAutoScalingGroup(input.name));
  }

  /** The cluster an Auto Scaling group's nodes join and the selector that finds them, from its tags (autoScalingGroupTags). */
  async function autoScalingGroupNodes(input: { name: string }): Promise<{ cluster?: string; selector?: string }> {
    const found = await calls().describeAutoScalingGroup(input.name);
    const clusterTag = Object.keys(found?.tags ?? {}).find((key) => key.startsWith('kubernetes.io/cluster/'));
    const group = found?.tags[selfManagedNodegroupLabel];
    return { ...(clusterTag ? { cluster: clusterTag.slice('kubernetes.io/cluster/'.length) } : {}), ...(group ? { selector: `${selfManagedNodegroupLabel}=${group}` } : {}) };
  }

  /** UpdateAutoScalingGroup's sizes, only on a group that is this environment's. */
  async function scaleAutoScalingGroup(input: DeleteOwner & { name: string; scaling: { minSize: number; desiredSize: number; maxSize: number } }): Promise<AutoScalingGroupStatus> {
    const aws = calls();
    changeOnlyIfOurs(`Auto Scaling group ${input.name}`, await aws.describeAutoScalingGroup(input.name), input);
    await aws.updateAutoScalingGroupSize(input.name, input.scaling);
    return statusOf(await aws.describeAutoScalingGroup(input.name));
  }

  /**
   * Sets the group to 0, then deletes it with ForceDelete (its instances go with it), only when
   * it is this environment's; a group already being deleted is left to finish. The caller waits
   * until it is gone before deleting its launch template.
   */
  async function deleteAutoScalingGroup(input: DeleteOwner & { name: string }): Promise<DeleteOutcome> {
    const aws = calls();
    const found = await aws.describeAutoScalingGroup(input.name);
    if (found && statusOf(found).status === 'DELETING' && ownershipTagsSay(found.tags, input)) return { outcome: 'deleted' };
    return deleteIfOurs(found, input, async () => {
      await aws.updateAutoScalingGroupSize(input.name, { minSize: 0, desiredSize: 0, maxSize: Math.max(found!.maxSize, 1) });
      await aws.deleteAutoScalingGroup(input.name);
    });
  }

  async function deleteNodeLaunchTemplate(input: DeleteOwner & { name: string }): Promise<DeleteOutcome> {
    const aws = calls();
    return deleteIfOurs(await aws.describeLaunchTemplate(input.name), input, () => aws.deleteLaunchTemplate(input.name));
  }

  async function deleteNodeInstanceProfile(input: DeleteOwner & { name: string }): Promise<DeleteOutcome> {
    const aws = calls();
    return deleteIfOurs(await aws.describeInstanceProfile(input.name), input, () => aws.deleteInstanceProfile(input.name));
  }

  /**
   * Windows IPAM on the VPC CNI: `enable-windows-ipam: "true"` in kube-system's amazon-vpc-cni
   * ConfigMap (AWS docs, "Enable Windows support for your Amazon EKS cluster"), made with that
   * key when EKS has not made it yet. A merge patch: safe to repeat, other keys kept.
   */
  async function enableWindowsIpam(input: { cluster: string }): Promise<{ changed: boolean }> {
    const core = (await kube.forCluster(input.cluster)).makeApiClient(CoreV1Api);
    const namespace = 'kube-system';
    const name = 'amazon-vpc-cni';
    const found = await kubeOrUndefined(`read ConfigMap ${namespace}/${name}`, () => core.readNamespacedConfigMap({ name, namespace }));
    if (found?.data?.['enable-windows-ipam'] === 'true') return { changed: false };
    if (!found) {
      await kubeCall(`create ConfigMap ${namespace}/${name}`, () => core.createNamespacedConfigMap({ namespace, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { 'enable-windows-ipam': 'true' } } }));
    } else {
      await kubeCall(`patch ConfigMap ${namespace}/${name}`, () => core.patchNamespacedConfigMap({ name, namespace, body: { data: { 'enable-windows-ipam': 'true' } } }, mergePatch));
    }
    return { changed: true };
  }

  return {
    resolveNodeAmi, ensureNodeInstanceProfile, ensureNodeLaunchTemplate, ensureAutoScalingGroup, describeAutoScalingGroup, autoScalingGroupNodes, scaleAutoScalingGroup,
    deleteAutoScalingGroup, deleteNodeLaunchTemplate, deleteNodeInstanceProfile, enableWindowsIpam,
  };
}

const ownershipTagsSay = (tags: Record<string, string>, { environmentId }: DeleteOwner) => tags[ownershipTagKeys.environment] === environmentId;
