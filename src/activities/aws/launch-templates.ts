import {
  CreateLaunchTemplateCommand, DeleteKeyPairCommand, DeleteLaunchTemplateCommand, DescribeKeyPairsCommand, DescribeLaunchTemplatesCommand, DescribeSubnetsCommand,
  GetInstanceTypesFromInstanceRequirementsCommand, ImportKeyPairCommand, type EC2Client, type LaunchTemplateHttpTokensState, type Tag, type VolumeType,
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
  /** EC2 GetInstanceTypesFromInstanceRequirements, every page: the region's instance types meeting the query. Read-only. */
  instanceTypesFromRequirements(query: InstanceRequirementsQuery): Promise<string[]>;
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
