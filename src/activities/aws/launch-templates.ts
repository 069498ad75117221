import {
  AuthorizeSecurityGroupIngressCommand, CreateLaunchTemplateCommand, CreateSecurityGroupCommand, DeleteKeyPairCommand, DeleteLaunchTemplateCommand, DeleteSecurityGroupCommand,
  DescribeKeyPairsCommand, DescribeLaunchTemplatesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand,
  GetInstanceTypesFromInstanceRequirementsCommand, ImportKeyPairCommand, type EC2Client, type IpPermission, type LaunchTemplateHttpTokensState, type Tag, type VolumeType,
} from '@aws-sdk/client-ec2';
import type { InstanceRequirementsQuery } from '../../domain/instance-selector';
import { aws, awsOrUndefined } from './errors';

/** An EC2 launch template as DescribeLaunchTemplates gives it. */
export interface LaunchTemplate {
  id: string;
  name: string;
  defaultVersion: number;
  latestVersion: number;
  tags: Record<string, string>;
}

/**
 * What eksflow puts in a managed node group's launch template: only what EKS lets a launch
 * template carry for a managed group (no instance profile, no subnet: EKS sets those;
 * Customizing managed nodes with launch templates, EKS User Guide).
 */
export interface LaunchTemplateData {
  imageId?: string;
  keyName?: string;
  /** Base64, as EC2 takes it. */
  userData?: string;
  securityGroupIds?: string[];
  blockDeviceMappings?: {
    deviceName: string;
    ebs: { volumeSize: number; volumeType: string; iops?: number; throughput?: number; encrypted?: boolean; kmsKeyId?: string; deleteOnTermination: boolean };
  }[];
  metadataOptions?: { httpTokens: string; httpPutResponseHopLimit: number; httpEndpoint: 'enabled' };
  /** Tags of the instances launched from it. */
  instanceTags?: Record<string, string>;
}

export interface KeyPair {
  name: string;
  id: string;
  tags: Record<string, string>;
}

/** The EC2 calls a managed node group's launch template, key pair and placement need, and nothing else. */
export interface NodeLaunchApi {
  /** The template with this ID or name; undefined when EC2 has none. */
  findLaunchTemplate(ref: { id?: string; name?: string }): Promise<LaunchTemplate | undefined>;
  /** Version 1 of a new template, tagged (the template itself) as given; idempotent by clientToken. */
  createLaunchTemplate(input: { name: string; data: LaunchTemplateData; tags: Record<string, string>; clientToken: string }): Promise<LaunchTemplate>;
  deleteLaunchTemplate(id: string): Promise<void>;
  findKeyPair(name: string): Promise<KeyPair | undefined>;
  importKeyPair(input: { name: string; publicKey: string; tags: Record<string, string> }): Promise<KeyPair>;
  deleteKeyPair(name: string): Promise<void>;
  /** Each subnet's Availability Zone, by subnet ID. */
  subnetZones(subnetIds: string[]): Promise<Record<string, string>>;
  /** The security groups carrying this tag, in any VPC: what an environment made, found without its history. */
  securityGroupsTagged(key: string, value: string): Promise<SecurityGroup[]>;
  /** The security groups of this name (GroupName is unique in a VPC), in any VPC. */
  findSecurityGroups(name: string): Promise<SecurityGroup[]>;
  /** A new security group in the VPC, tagged at creation; a name taken in that VPC is InvalidGroup.Duplicate. */
  createSecurityGroup(input: { name: string; description: string; vpcId: string; tags: Record<string, string> }): Promise<SecurityGroup>;
  /** TCP ingress rules on one port; a rule the group already has is left as it is (InvalidPermission.Duplicate). */
  authorizeIngress(groupId: string, port: number, rules: IngressRule[]): Promise<void>;
  /** Deletes it; already gone is done, still used by an instance's ENI is DependencyViolation (retried). */
  deleteSecurityGroup(groupId: string): Promise<void>;
  /** The VPC's primary IPv4 CIDR; undefined when there is no such VPC. */
  vpcCidr(vpcId: string): Promise<string | undefined>;
  /** EC2 GetInstanceTypesFromInstanceRequirements, every page: the region's instance types meeting the query. Read-only. */
  instanceTypesFromRequirements(query: InstanceRequirementsQuery): Promise<string[]>;
}

export interface SecurityGroup {
  id: string;
  name: string;
  vpcId: string;
  tags: Record<string, string>;
}

/** One ingress rule's source: an IPv4 CIDR, an IPv6 CIDR or a security group. */
export interface IngressRule {
  cidrIpv4?: string;
  cidrIpv6?: string;
  sourceSecurityGroupId?: string;
  description: string;
}

const ec2Tags = (tags: Record<string, string>): Tag[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const tagsOf = (tags: Tag[] | undefined): Record<string, string> => Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value!]));

export function nodeLaunchApi(ec2: EC2Client): NodeLaunchApi {
  const toTemplate = (t: { LaunchTemplateId?: string; LaunchTemplateName?: string; DefaultVersionNumber?: number; LatestVersionNumber?: number; Tags?: Tag[] }): LaunchTemplate => ({
    id: t.LaunchTemplateId!, name: t.LaunchTemplateName!, defaultVersion: t.DefaultVersionNumber ?? 1, latestVersion: t.LatestVersionNumber ?? 1, tags: tagsOf(t.Tags),
  });
  return {
    async findLaunchTemplate({ id, name }) {
      const label = id ?? name ?? '';
      // EC2 answers an unknown ID or name with InvalidLaunchTemplateId.NotFound / InvalidLaunchTemplateName.NotFoundException.
      const found = await awsOrUndefined(`DescribeLaunchTemplates ${label}`, () => ec2.send(new DescribeLaunchTemplatesCommand(id ? { LaunchTemplateIds: [id] } : { LaunchTemplateNames: [name!] })));
      const template = found?.LaunchTemplates?.[0];
      return template ? toTemplate(template) : undefined;
    },
    async createLaunchTemplate({ name, data, tags, clientToken }) {
      const created = await aws(`CreateLaunchTemplate ${name}`, () => ec2.send(new CreateLaunchTemplateCommand({
        LaunchTemplateName: name,
        ClientToken: clientToken,
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: ec2Tags(tags) }],
        LaunchTemplateData: {
          ...(data.imageId ? { ImageId: data.imageId } : {}),
          ...(data.keyName ? { KeyName: data.keyName } : {}),
          ...(data.userData ? { UserData: data.userData } : {}),
          ...(data.securityGroupIds ? { SecurityGroupIds: data.securityGroupIds } : {}),
          ...(data.blockDeviceMappings ? {
            BlockDeviceMappings: data.blockDeviceMappings.map(({ deviceName, ebs }) => ({
              DeviceName: deviceName,
              Ebs: {
                VolumeSize: ebs.volumeSize, VolumeType: ebs.volumeType as VolumeType, DeleteOnTermination: ebs.deleteOnTermination,
                ...(ebs.iops !== undefined ? { Iops: ebs.iops } : {}), ...(ebs.throughput !== undefined ? { Throughput: ebs.throughput } : {}),
                ...(ebs.encrypted !== undefined ? { Encrypted: ebs.encrypted } : {}), ...(ebs.kmsKeyId ? { KmsKeyId: ebs.kmsKeyId } : {}),
              },
            })),
          } : {}),
          ...(data.metadataOptions ? {
            MetadataOptions: {
              HttpTokens: data.metadataOptions.httpTokens as LaunchTemplateHttpTokensState, HttpPutResponseHopLimit: data.metadataOptions.httpPutResponseHopLimit, HttpEndpoint: 'enabled',
            },
          } : {}),
          ...(data.instanceTags ? { TagSpecifications: [{ ResourceType: 'instance', Tags: ec2Tags(data.instanceTags) }] } : {}),
        },
      })));
      return toTemplate({ ...created.LaunchTemplate!, Tags: created.LaunchTemplate!.Tags ?? ec2Tags(tags) });
    },
    async deleteLaunchTemplate(id) {
      await awsOrUndefined(`DeleteLaunchTemplate ${id}`, () => ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: id })));
    },
    async findKeyPair(name) {
      const found = await awsOrUndefined(`DescribeKeyPairs ${name}`, () => ec2.send(new DescribeKeyPairsCommand({ KeyNames: [name] })));
      const pair = found?.KeyPairs?.[0];
      return pair ? { name: pair.KeyName!, id: pair.KeyPairId!, tags: tagsOf(pair.Tags) } : undefined;
    },
    async importKeyPair({ name, publicKey, tags }) {
      const imported = await aws(`ImportKeyPair ${name}`, () => ec2.send(new ImportKeyPairCommand({
        KeyName: name, PublicKeyMaterial: new TextEncoder().encode(publicKey), TagSpecifications: [{ ResourceType: 'key-pair', Tags: ec2Tags(tags) }],
      })));
      return { name: imported.KeyName!, id: imported.KeyPairId!, tags: imported.Tags ? tagsOf(imported.Tags) : tags };
    },
    async deleteKeyPair(name) {
      await awsOrUndefined(`DeleteKeyPair ${name}`, () => ec2.send(new DeleteKeyPairCommand({ KeyName: name })));
    },
    async subnetZones(subnetIds) {
      if (subnetIds.length === 0) return {};
      const found = await aws(`DescribeSubnets ${subnetIds.join(',')}`, () => ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds })));
      return Object.fromEntries((found.Subnets ?? []).map((s) => [s.SubnetId!, s.AvailabilityZone!]));
    },
    async securityGroupsTagged(key, value) {
      const found = await aws(`DescribeSecurityGroups tag:${key}`, () => ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: `tag:${key}`, Values: [value] }] })));
      return (found.SecurityGroups ?? []).map((g) => ({ id: g.GroupId!, name: g.GroupName!, vpcId: g.VpcId!, tags: tagsOf(g.Tags) }));
    },
    async findSecurityGroups(name) {
      const found = await aws(`DescribeSecurityGroups ${name}`, () => ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] })));
      return (found.SecurityGroups ?? []).map((g) => ({ id: g.GroupId!, name: g.GroupName!, vpcId: g.VpcId!, tags: tagsOf(g.Tags) }));
    },
    async createSecurityGroup({ name, description, vpcId, tags }) {
      const created = await aws(`CreateSecurityGroup ${name}`, () => ec2.send(new CreateSecurityGroupCommand({
        GroupName: name, Description: description, VpcId: vpcId, TagSpecifications: [{ ResourceType: 'security-group', Tags: ec2Tags(tags) }],
      })));
      return { id: created.GroupId!, name, vpcId, tags: created.Tags ? tagsOf(created.Tags) : tags };
    },
    async authorizeIngress(groupId, port, rules) {
      // One rule a call: EC2 refuses the whole request when any of its rules is already there.
      for (const rule of rules) {
        const permission: IpPermission = {
          IpProtocol: 'tcp', FromPort: port, ToPort: port,
          ...(rule.cidrIpv4 ? { IpRanges: [{ CidrIp: rule.cidrIpv4, Description: rule.description }] } : {}),
          ...(rule.cidrIpv6 ? { Ipv6Ranges: [{ CidrIpv6: rule.cidrIpv6, Description: rule.description }] } : {}),
          ...(rule.sourceSecurityGroupId ? { UserIdGroupPairs: [{ GroupId: rule.sourceSecurityGroupId, Description: rule.description }] } : {}),
        };
        await aws(`AuthorizeSecurityGroupIngress ${groupId}`, () => ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [permission] }))).catch((error: unknown) => {
          if (!/InvalidPermission\.Duplicate/.test((error as Error).message)) throw error;
        });
      }
    },
    async deleteSecurityGroup(groupId) {
      await awsOrUndefined(`DeleteSecurityGroup ${groupId}`, () => ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })));
    },
    async vpcCidr(vpcId) {
      const found = await awsOrUndefined(`DescribeVpcs ${vpcId}`, () => ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })));
      return found?.Vpcs?.[0]?.CidrBlock;
    },
    async instanceTypesFromRequirements(query) {
      const range = ({ min, max }: { min?: number; max?: number }) => ({ ...(min !== undefined ? { Min: min } : {}), ...(max !== undefined ? { Max: max } : {}) });
      const types: string[] = [];
      let token: string | undefined;
      do {
        const page = await aws('GetInstanceTypesFromInstanceRequirements', () => ec2.send(new GetInstanceTypesFromInstanceRequirementsCommand({
          ArchitectureTypes: query.architectureTypes,
          VirtualizationTypes: query.virtualizationTypes,
          InstanceRequirements: {
            VCpuCount: range(query.vCpuCount) as { Min: number },
            MemoryMiB: range(query.memoryMiB) as { Min: number },
            AcceleratorCount: range(query.acceleratorCount),
            ...(query.acceleratorTypes ? { AcceleratorTypes: query.acceleratorTypes } : {}),
            ...(query.acceleratorManufacturers ? { AcceleratorManufacturers: query.acceleratorManufacturers } : {}),
            BurstablePerformance: query.burstablePerformance,
            BareMetal: query.bareMetal,
          },
          ...(token ? { NextToken: token } : {}),
        })));
        types.push(...(page.InstanceTypes ?? []).flatMap((t) => (t.InstanceType ? [t.InstanceType] : [])));
        token = page.NextToken || undefined;
      } while (token);
      return types;
    },
  };
}
