import {
  type AutoScalingClient, CreateAutoScalingGroupCommand, DeleteAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, EnableMetricsCollectionCommand, UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand, DeleteLaunchTemplateCommand, DescribeLaunchTemplatesCommand, type EC2Client, type RequestLaunchTemplateData, type VolumeType,
} from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, DeleteInstanceProfileCommand, GetInstanceProfileCommand, ListInstanceProfileTagsCommand, RemoveRoleFromInstanceProfileCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { aws, awsOrUndefined, isNotFound } from './errors';
import { fromTagList, toTagList } from './iam';

/** An EC2 launch template as the self-managed steps see it. */
export interface LaunchTemplate {
  id: string;
  name: string;
  latestVersion: number;
  tags: Record<string, string>;
}

/** The launch template's data, in eksflow's words (EC2 RequestLaunchTemplateData's fields eksflow sets). */
export interface LaunchTemplateData {
  imageId: string;
  instanceType: string;
  /** Base64, as EC2 takes it. */
  userData: string;
  instanceProfileArn: string;
  securityGroupIds: string[];
  rootVolume: { deviceName: string; sizeGiB: number; type: string; iops?: number; throughput?: number; encrypted: boolean; kmsKeyId?: string };
  metadata: { httpTokens: 'required' | 'optional'; httpPutResponseHopLimit: number };
  keyName?: string;
  /** Tags the instances and their volumes get at launch. */
  instanceTags: Record<string, string>;
}

export interface InstanceProfile {
  name: string;
  arn: string;
  roles: string[];
  tags: Record<string, string>;
}

export interface AutoScalingInstance {
  id: string;
  /** Pending, InService, Terminating, ... */
  lifecycleState: string;
}

export interface AutoScalingGroup {
  name: string;
  arn: string;
  minSize: number;
  desiredSize: number;
  maxSize: number;
  instances: AutoScalingInstance[];
  /** "Delete in progress" while being deleted (DescribeAutoScalingGroups' Status). */
  status?: string;
  tags: Record<string, string>;
  launchTemplate?: { id?: string; name?: string; version?: string };
  mixedInstanceTypes?: string[];
  targetGroupArns: string[];
  loadBalancerNames: string[];
  subnetIds: string[];
  enabledMetrics: string[];
}

export interface MixedInstances {
  instanceTypes: string[];
  onDemandBaseCapacity: number;
  onDemandPercentageAboveBaseCapacity: number;
  spotAllocationStrategy?: string;
  spotInstancePools?: number;
  maxPrice?: number;
}

export interface CreateAutoScalingGroupInput {
  name: string;
  launchTemplateId: string;
  minSize: number;
  desiredSize: number;
  maxSize: number;
  subnetIds: string[];
  /** A mixed instances policy instead of the launch template's one instance type. */
  mixedInstances?: MixedInstances;
  capacityRebalance?: boolean;
  targetGroupArns?: string[];
  loadBalancerNames?: string[];
  /** EnableMetricsCollection after the create: 1Minute, the metrics (all when empty). */
  metricsCollection?: { granularity: string; metrics?: string[] };
  /** Propagated to the instances at launch. */
  tags: Record<string, string>;
}

/**
 * The EC2, Auto Scaling, IAM instance profile and SSM calls self-managed node groups make,
 * and nothing else: the simulated cloud implements the same (src/sim/aws/autoscaling.ts).
 */
export interface SelfManagedNodesApi {
  /**
   * What nodes need from the cluster beyond its endpoint and CA: its service CIDR and the
   * security group EKS made for it (DescribeCluster kubernetesNetworkConfig, resourcesVpcConfig).
   */
  clusterNetworking(cluster: string): Promise<{ serviceIpv4Cidr?: string; clusterSecurityGroupId?: string }>;
  /** A public SSM parameter's value (an EKS-optimized AMI ID); undefined when there is no such parameter. */
  parameter(name: string): Promise<string | undefined>;
  describeLaunchTemplate(name: string): Promise<LaunchTemplate | undefined>;
  createLaunchTemplate(input: { name: string; data: LaunchTemplateData; tags: Record<string, string>; clientToken: string }): Promise<LaunchTemplate>;
  /** Done when already gone. */
  deleteLaunchTemplate(name: string): Promise<void>;
  describeInstanceProfile(name: string): Promise<InstanceProfile | undefined>;
  createInstanceProfile(name: string, tags: Record<string, string>): Promise<InstanceProfile>;
  addRoleToInstanceProfile(name: string, role: string): Promise<void>;
  /** Removes its roles, then deletes it; done when already gone. */
  deleteInstanceProfile(name: string): Promise<void>;
  describeAutoScalingGroup(name: string): Promise<AutoScalingGroup | undefined>;
  createAutoScalingGroup(input: CreateAutoScalingGroupInput): Promise<void>;
  updateAutoScalingGroupSize(name: string, size: { minSize: number; desiredSize: number; maxSize: number }): Promise<void>;
  /** ForceDelete: its instances are terminated with it. Done when already gone. */
  deleteAutoScalingGroup(name: string): Promise<void>;
}

export const toLaunchTemplateData = (data: LaunchTemplateData): RequestLaunchTemplateData => ({
  ImageId: data.imageId,
  InstanceType: data.instanceType as RequestLaunchTemplateData['InstanceType'],
  UserData: data.userData,
  IamInstanceProfile: { Arn: data.instanceProfileArn },
  SecurityGroupIds: data.securityGroupIds,
  BlockDeviceMappings: [{
    DeviceName: data.rootVolume.deviceName,
    Ebs: {
      VolumeSize: data.rootVolume.sizeGiB, VolumeType: data.rootVolume.type as VolumeType, Encrypted: data.rootVolume.encrypted, DeleteOnTermination: true,
      ...(data.rootVolume.iops !== undefined ? { Iops: data.rootVolume.iops } : {}), ...(data.rootVolume.throughput !== undefined ? { Throughput: data.rootVolume.throughput } : {}),
      ...(data.rootVolume.kmsKeyId ? { KmsKeyId: data.rootVolume.kmsKeyId } : {}),
    },
  }],
  MetadataOptions: { HttpTokens: data.metadata.httpTokens, HttpPutResponseHopLimit: data.metadata.httpPutResponseHopLimit, HttpEndpoint: 'enabled' },
  ...(data.keyName ? { KeyName: data.keyName } : {}),
  TagSpecifications: (['instance', 'volume'] as const).map((ResourceType) => ({ ResourceType, Tags: toTagList(data.instanceTags) })),
});

/** The SDK-backed API: EC2 launch templates, Auto Scaling groups, IAM instance profiles, SSM parameters. */
export function selfManagedNodesApi(clients: { ec2: EC2Client; autoscaling: AutoScalingClient; iam: IAMClient; ssm: SSMClient; eks: EKSClient }): SelfManagedNodesApi {
  const { ec2, autoscaling, iam, ssm, eks } = clients;
  const describeLaunchTemplate = (name: string) => awsOrUndefined(`DescribeLaunchTemplates ${name}`, async () => {
    const found = (await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] }))).LaunchTemplates?.[0];
    // EC2 answers an unknown name with InvalidLaunchTemplateName.NotFoundException: undefined, by isNotFound.
    return found ? toTemplate(found) : undefined;
  });
  const describeInstanceProfile = async (name: string): Promise<InstanceProfile | undefined> => {
    const profile = await awsOrUndefined(`GetInstanceProfile ${name}`, async () => (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile);
    if (!profile) return undefined;
    // GetInstanceProfile carries Tags, but not every backend fills them: ask for them as well.
    const tags = profile.Tags?.length ? profile.Tags : await awsOrUndefined(`ListInstanceProfileTags ${name}`, async () => (await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: name }))).Tags);
    return { name: profile.InstanceProfileName!, arn: profile.Arn!, roles: (profile.Roles ?? []).map((r) => r.RoleName!), tags: fromTagList(tags) };
  };
  return {
    async clusterNetworking(cluster) {
      const found = await awsOrUndefined(`DescribeCluster ${cluster}`, async () => (await eks.send(new DescribeClusterCommand({ name: cluster }))).cluster);
      const cidr = found?.kubernetesNetworkConfig?.serviceIpv4Cidr;
      const sg = found?.resourcesVpcConfig?.clusterSecurityGroupId;
      return { ...(cidr ? { serviceIpv4Cidr: cidr } : {}), ...(sg ? { clusterSecurityGroupId: sg } : {}) };
    },
    async parameter(name) {
      return awsOrUndefined(`GetParameter ${name}`, async () => (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value);
    },
    describeLaunchTemplate,
    async createLaunchTemplate({ name, data, tags, clientToken }) {
      const created = await aws(`CreateLaunchTemplate ${name}`, () => ec2.send(new CreateLaunchTemplateCommand({
        LaunchTemplateName: name, ClientToken: clientToken, LaunchTemplateData: toLaunchTemplateData(data),
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: toTagList(tags) }],
      })));
      return toTemplate(created.LaunchTemplate!);
    },
    async deleteLaunchTemplate(name) {
      try {
        await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: name }));
      } catch (error) {
        if (!isNotFound(error) && !/NotFound/.test((error as Error).name)) await aws(`DeleteLaunchTemplate ${name}`, () => Promise.reject(error));
      }
    },
    describeInstanceProfile,
    async createInstanceProfile(name, tags) {
      const created = await aws(`CreateInstanceProfile ${name}`, () => iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: toTagList(tags) })));
      return { name, arn: created.InstanceProfile!.Arn!, roles: [], tags };
    },
    async addRoleToInstanceProfile(name, role) {
      await aws(`AddRoleToInstanceProfile ${name}`, () => iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: role })));
    },
    async deleteInstanceProfile(name) {
      const profile = await describeInstanceProfile(name);
      if (!profile) return;
      for (const role of profile.roles) {
        await awsOrUndefined(`RemoveRoleFromInstanceProfile ${name}`, () => iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: role })));
      }
      await awsOrUndefined(`DeleteInstanceProfile ${name}`, () => iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name })));
    },
    async describeAutoScalingGroup(name) {
      const group = await aws(`DescribeAutoScalingGroups ${name}`, async () => (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0]);
      if (!group) return undefined;
      const spec = group.LaunchTemplate ?? group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
      return {
        name: group.AutoScalingGroupName!, arn: group.AutoScalingGroupARN ?? '', minSize: group.MinSize ?? 0, desiredSize: group.DesiredCapacity ?? 0, maxSize: group.MaxSize ?? 0,
        instances: (group.Instances ?? []).map((i) => ({ id: i.InstanceId!, lifecycleState: i.LifecycleState ?? 'Pending' })),
        ...(group.Status ? { status: group.Status } : {}),
        tags: Object.fromEntries((group.Tags ?? []).map((t) => [t.Key!, t.Value ?? ''])),
        ...(spec ? { launchTemplate: { ...(spec.LaunchTemplateId ? { id: spec.LaunchTemplateId } : {}), ...(spec.LaunchTemplateName ? { name: spec.LaunchTemplateName } : {}), ...(spec.Version ? { version: spec.Version } : {}) } } : {}),
        ...(group.MixedInstancesPolicy ? { mixedInstanceTypes: (group.MixedInstancesPolicy.LaunchTemplate?.Overrides ?? []).map((o) => o.InstanceType!) } : {}),
        targetGroupArns: group.TargetGroupARNs ?? [], loadBalancerNames: group.LoadBalancerNames ?? [],
        subnetIds: (group.VPCZoneIdentifier ?? '').split(',').filter(Boolean),
        enabledMetrics: (group.EnabledMetrics ?? []).map((m) => m.Metric!),
      };
    },
    async createAutoScalingGroup(input) {
      const launchTemplate = { LaunchTemplateId: input.launchTemplateId, Version: '$Latest' };
      const mixed = input.mixedInstances;
      await aws(`CreateAutoScalingGroup ${input.name}`, () => autoscaling.send(new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: input.name, MinSize: input.minSize, MaxSize: input.maxSize, DesiredCapacity: input.desiredSize,
        VPCZoneIdentifier: input.subnetIds.join(','),
        ...(mixed ? {
          MixedInstancesPolicy: {
            LaunchTemplate: { LaunchTemplateSpecification: launchTemplate, Overrides: mixed.instanceTypes.map((InstanceType) => ({ InstanceType })) },
            InstancesDistribution: {
              OnDemandBaseCapacity: mixed.onDemandBaseCapacity, OnDemandPercentageAboveBaseCapacity: mixed.onDemandPercentageAboveBaseCapacity,
              ...(mixed.spotAllocationStrategy ? { SpotAllocationStrategy: mixed.spotAllocationStrategy } : {}),
              ...(mixed.spotInstancePools !== undefined ? { SpotInstancePools: mixed.spotInstancePools } : {}),
              ...(mixed.maxPrice !== undefined ? { SpotMaxPrice: String(mixed.maxPrice) } : {}),
            },
          },
        } : { LaunchTemplate: launchTemplate }),
        ...(input.capacityRebalance !== undefined ? { CapacityRebalance: input.capacityRebalance } : {}),
        ...(input.targetGroupArns?.length ? { TargetGroupARNs: input.targetGroupArns } : {}),
        ...(input.loadBalancerNames?.length ? { LoadBalancerNames: input.loadBalancerNames } : {}),
        Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value, PropagateAtLaunch: true, ResourceId: input.name, ResourceType: 'auto-scaling-group' })),
      })));
      if (input.metricsCollection) {
        const { granularity, metrics } = input.metricsCollection;
        await aws(`EnableMetricsCollection ${input.name}`, () => autoscaling.send(new EnableMetricsCollectionCommand({
          AutoScalingGroupName: input.name, Granularity: granularity, ...(metrics?.length ? { Metrics: metrics } : {}),
        })));
      }
    },
    async updateAutoScalingGroupSize(name, size) {
      await aws(`UpdateAutoScalingGroup ${name}`, () => autoscaling.send(new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: name, MinSize: size.minSize, DesiredCapacity: size.desiredSize, MaxSize: size.maxSize,
      })));
    },
    async deleteAutoScalingGroup(name) {
      try {
        await autoscaling.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true }));
      } catch (error) {
        // Auto Scaling says "not found" as a ValidationError naming the group.
        if (/not found|does not exist/i.test((error as Error).message ?? '')) return;
        await aws(`DeleteAutoScalingGroup ${name}`, () => Promise.reject(error));
      }
    },
  };
}

function toTemplate(t: { LaunchTemplateId?: string; LaunchTemplateName?: string; LatestVersionNumber?: number; Tags?: { Key?: string; Value?: string }[] }): LaunchTemplate {
  return { id: t.LaunchTemplateId!, name: t.LaunchTemplateName!, latestVersion: t.LatestVersionNumber ?? 1, tags: Object.fromEntries((t.Tags ?? []).map((tag) => [tag.Key!, tag.Value ?? ''])) };
}


