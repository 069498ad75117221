import { aws, awsOrUndefined } from '../../activities/aws/errors';
import type { IngressRule, KeyPair, LaunchTemplate, LaunchTemplateData, NodeLaunchApi } from '../../activities/aws/launch-templates';
import { tableTypesMeeting, type InstanceRequirementsQuery } from '../../domain/instance-selector';
import type { SimContext } from './context';
import { ec2Error, SimulatedAwsError } from './errors';
import type { SimulatedNetworkLeftovers } from './network-leftovers';
import type { AwsGateway, Request } from './gateway';

interface LaunchTemplateRecord extends LaunchTemplate {
  data: LaunchTemplateData;
  clientToken: string;
}

const ec2Refusal = (name: string, message: string) => new SimulatedAwsError(name, message, 400);

/**
 * Whether EC2's ImportKeyPair would take the key: OpenSSH's one-line form, whose base64 blob
 * starts with its own type name as an SSH string (RFC 4253 section 6.6), as moto checks too.
 */
function isOpenSshPublicKey(key: string): boolean {
  const [type, blob] = key.split(' ');
  if (!type || !blob || !/^(ssh-(rsa|ed25519)|ecdsa-sha2-nistp(256|384|521))$/.test(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return false;
  const bytes = Buffer.from(blob, 'base64');
  if (bytes.length < 4) return false;
  const length = bytes.readUInt32BE(0);
  if (bytes.subarray(4, 4 + length).toString() !== type) return false;
  // Then the key itself, whole: an ed25519 key is one 32-byte string (RFC 8709 section 4).
  const rest = bytes.subarray(4 + length);
  if (rest.length < 4) return false;
  const keyLength = rest.readUInt32BE(0);
  return rest.length >= 4 + keyLength && (type !== 'ssh-ed25519' || keyLength === 32);
}

/**
 * EC2's launch templates and key pairs behind `NodeLaunchApi`, with the answers the EC2 API
 * reference documents: a template name is unique in the region (CreateLaunchTemplate answers
 * InvalidLaunchTemplateName.AlreadyExistsException, or the same template again for the same
 * ClientToken: "Ensuring idempotency"), an unknown ID is InvalidLaunchTemplateId.NotFound and
 * an unknown name InvalidLaunchTemplateName.NotFoundException (DescribeLaunchTemplates), a
 * key pair's name is unique (ImportKeyPair: InvalidKeyPair.Duplicate) and DeleteKeyPair of an
 * absent one succeeds. Subnet zones come from the simulated VPC.
 */
export class SimulatedNodeLaunch implements NodeLaunchApi {
  private readonly templates = new Map<string, LaunchTemplateRecord>();
  private readonly keyPairs = new Map<string, KeyPair & { publicKey: string }>();

  constructor(
    private readonly context: SimContext, private readonly gateway: AwsGateway, private readonly subnet: (id: string) => { zone: string } | undefined,
    /** EC2's security groups (kept with the cluster's own, so a VPC holding one is not deleted) and VPCs. @default none: those calls fail */
    private readonly ec2?: { securityGroups: SimulatedNetworkLeftovers; vpcCidr: (id: string) => string | undefined },
  ) {}

  private groups(): SimulatedNetworkLeftovers {
    if (!this.ec2) throw new Error('this simulated EC2 was made without security groups');
    return this.ec2.securityGroups;
  }

  private call<T>(method: string, resource: string | undefined, body: (request: Request) => Promise<T>): Promise<T> {
    return this.gateway.operation({ service: 'ec2', method, resource }, body);
  }

  /** A template as EKS sees it, for CreateNodegroup's check; undefined when there is none. */
  launchTemplate(ref: { id?: string; name?: string }): (LaunchTemplate & { data: LaunchTemplateData }) | undefined {
    const found = ref.id ? this.templates.get(ref.id) : [...this.templates.values()].find((t) => t.name === ref.name);
    return found && { ...this.view(found), data: structuredClone(found.data) };
  }

  keyPair(name: string): KeyPair | undefined {
    const found = this.keyPairs.get(name);
    return found && { name: found.name, id: found.id, tags: { ...found.tags } };
  }

  /** Every template and key pair, for tests that count what is left. */
  parts() {
    return { launchTemplates: [...this.templates.values()].map((t) => this.view(t)), keyPairs: [...this.keyPairs.values()].map((k) => ({ name: k.name, id: k.id, tags: { ...k.tags } })) };
  }

  private view(t: LaunchTemplateRecord): LaunchTemplate {
    return { id: t.id, name: t.name, defaultVersion: t.defaultVersion, latestVersion: t.latestVersion, tags: { ...t.tags } };
  }

  findLaunchTemplate(ref: { id?: string; name?: string }) {
    const label = ref.id ?? ref.name ?? '';
    return this.call('findLaunchTemplate', label, (request) => awsOrUndefined(`DescribeLaunchTemplates ${label}`, () => request('DescribeLaunchTemplates', () => {
      const found = this.launchTemplate(ref);
      if (found) return { id: found.id, name: found.name, defaultVersion: found.defaultVersion, latestVersion: found.latestVersion, tags: found.tags };
      throw ref.id
        ? ec2Refusal('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${ref.id}, does not exist.`)
        : ec2Refusal('InvalidLaunchTemplateName.NotFoundException', `At least one of the launch templates specified in the request does not exist.`);
    })));
  }

  createLaunchTemplate(input: { name: string; data: LaunchTemplateData; tags: Record<string, string>; clientToken: string }) {
    return this.call('createLaunchTemplate', input.name, (request) => aws(`CreateLaunchTemplate ${input.name}`, () => request('CreateLaunchTemplate', () => {
      const existing = [...this.templates.values()].find((t) => t.name === input.name);
      if (existing && existing.clientToken === input.clientToken) return this.view(existing);
      if (existing) throw ec2Refusal('InvalidLaunchTemplateName.AlreadyExistsException', `Launch template name already in use.`);
      // EC2 requires a userData to be base64 (CreateLaunchTemplate: RequestLaunchTemplateData.UserData).
      if (input.data.userData !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(input.data.userData)) throw ec2Refusal('InvalidUserData.Malformed', 'User data must be base64 encoded.');
      const record: LaunchTemplateRecord = {
        id: this.context.ids.ec2('lt'), name: input.name, defaultVersion: 1, latestVersion: 1, tags: { ...input.tags }, data: structuredClone(input.data), clientToken: input.clientToken,
      };
      this.templates.set(record.id, record);
      return this.view(record);
    })));
  }

  deleteLaunchTemplate(id: string) {
    return this.call('deleteLaunchTemplate', id, async (request) => {
      await awsOrUndefined(`DeleteLaunchTemplate ${id}`, () => request('DeleteLaunchTemplate', () => {
        if (!this.templates.delete(id)) throw ec2Refusal('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`);
      }));
    });
  }

  findKeyPair(name: string) {
    return this.call('findKeyPair', name, (request) => awsOrUndefined(`DescribeKeyPairs ${name}`, () => request('DescribeKeyPairs', () => {
      const found = this.keyPair(name);
      if (!found) throw ec2Refusal('InvalidKeyPair.NotFound', `The key pair '${name}' does not exist`);
      return found;
    })));
  }

  importKeyPair(input: { name: string; publicKey: string; tags: Record<string, string> }) {
    return this.call('importKeyPair', input.name, (request) => aws(`ImportKeyPair ${input.name}`, () => request('ImportKeyPair', () => {
      if (this.keyPairs.has(input.name)) throw ec2Refusal('InvalidKeyPair.Duplicate', `The keypair already exists`);
      if (!isOpenSshPublicKey(input.publicKey)) throw ec2Refusal('InvalidKeyPair.Format', 'Key is not in valid OpenSSH public key format');
      const pair = { name: input.name, id: this.context.ids.ec2('key'), tags: { ...input.tags }, publicKey: input.publicKey };
      this.keyPairs.set(input.name, pair);
      return { name: pair.name, id: pair.id, tags: { ...pair.tags } };
    })));
  }

  deleteKeyPair(name: string) {
    return this.call('deleteKeyPair', name, async (request) => {
      // EC2 answers DeleteKeyPair of an absent key pair with success.
      await request('DeleteKeyPair', () => void this.keyPairs.delete(name));
    });
  }

  securityGroupsTagged(key: string, value: string) {
    return this.call('securityGroupsTagged', value, (request) => aws(`DescribeSecurityGroups tag:${key}`, () => request('DescribeSecurityGroups', () => this.groups().securityGroupsWithTag(key, value))));
  }

  findSecurityGroups(name: string) {
    return this.call('findSecurityGroups', name, (request) => aws(`DescribeSecurityGroups ${name}`, () => request('DescribeSecurityGroups', () => this.groups().securityGroupsNamed(name))));
  }

  /** CreateSecurityGroup with TagSpecifications: the VPC must exist (InvalidVpcID.NotFound). */
  createSecurityGroup(input: { name: string; description: string; vpcId: string; tags: Record<string, string> }) {
    return this.call('createSecurityGroup', input.name, (request) => aws(`CreateSecurityGroup ${input.name}`, () => request('CreateSecurityGroup', () => {
      if (this.ec2?.vpcCidr(input.vpcId) === undefined) throw ec2Error.vpcNotFound(`The vpc ID '${input.vpcId}' does not exist`);
      // The adapter always sends TagSpecifications; EC2 (and moto) refuse one without tags.
      if (Object.keys(input.tags).length === 0) throw ec2Error.invalidParameterValue('Tag specification must have at least one tag');
      const id = this.groups().addSecurityGroup(input);
      return { id, name: input.name, vpcId: input.vpcId, tags: { ...input.tags } };
    })));
  }

  /** One AuthorizeSecurityGroupIngress a rule, as the SDK-backed adapter makes them; a rule already there is left as it is. */
  authorizeIngress(groupId: string, port: number, rules: IngressRule[]) {
    return this.call('authorizeIngress', groupId, async (request) => {
      for (const rule of rules) {
        const source = rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.sourceSecurityGroupId;
        if (!source) throw ec2Error.invalidParameterValue('an ingress rule needs a CIDR or a source security group');
        await aws(`AuthorizeSecurityGroupIngress ${groupId}`, () => request('AuthorizeSecurityGroupIngress', () => {
          // A source group EC2 does not know is refused (AuthorizeSecurityGroupIngress: InvalidGroup.NotFound).
          if (rule.sourceSecurityGroupId && this.groups().ingressOf(rule.sourceSecurityGroupId) === undefined) {
            throw ec2Error.groupNotFound(`The security group '${rule.sourceSecurityGroupId}' does not exist`);
          }
          this.groups().authorize(groupId, `tcp ${port} ${source}`);
        })).catch((error: unknown) => {
          if (!/InvalidPermission\.Duplicate/.test((error as Error).message)) throw error;
        });
      }
    });
  }

  deleteSecurityGroup(groupId: string) {
    return this.call('deleteSecurityGroup', groupId, async (request) => {
      await awsOrUndefined(`DeleteSecurityGroup ${groupId}`, () => request('DeleteSecurityGroup', () => this.groups().removeSecurityGroup(groupId)));
    });
  }

  vpcCidr(vpcId: string) {
    return this.call('vpcCidr', vpcId, (request) => awsOrUndefined(`DescribeVpcs ${vpcId}`, () => request('DescribeVpcs', () => {
      const cidr = this.ec2?.vpcCidr(vpcId);
      if (cidr === undefined) throw ec2Error.vpcNotFound(`The vpc ID '${vpcId}' does not exist`);
      return cidr;
    })));
  }

  subnetZones(subnetIds: string[]) {
    return this.call('subnetZones', subnetIds.join(','), async (request) => {
      if (subnetIds.length === 0) return {};
      return aws(`DescribeSubnets ${subnetIds.join(',')}`, () => request('DescribeSubnets', () => Object.fromEntries(subnetIds.map((id) => {
        const subnet = this.subnet(id);
        if (!subnet) throw ec2Refusal('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
        return [id, subnet.zone];
      }))));
    });
  }

  /**
   * EC2 GetInstanceTypesFromInstanceRequirements over the shipped instance table (the VPC CNI's
   * types with DescribeInstanceTypes' attributes, src/domain/data/eni-limits.json), as the EC2
   * API reference documents it: every given attribute must hold, any of several values of one;
   * VCpuCount and MemoryMiB are required and a range's Min may not exceed its Max
   * (InvalidParameterValue). moto 5.2.5 does not implement this action (its EC2 responses have
   * no handler for it), so the simulated cloud plays it.
   */
  instanceTypesFromRequirements(query: InstanceRequirementsQuery) {
    return this.call('instanceTypesFromRequirements', undefined, (request) => aws('GetInstanceTypesFromInstanceRequirements', () => request('GetInstanceTypesFromInstanceRequirements', () => {
      for (const [name, range] of [['VCpuCount', query.vCpuCount], ['MemoryMiB', query.memoryMiB], ['AcceleratorCount', query.acceleratorCount]] as const) {
        if (range.min !== undefined && range.max !== undefined && range.min > range.max) throw ec2Refusal('InvalidParameterValue', `The ${name} Min value (${range.min}) cannot be greater than its Max value (${range.max}).`);
      }
      if (query.architectureTypes.length === 0 || (query.virtualizationTypes as string[]).length === 0) throw ec2Refusal('MissingParameter', 'ArchitectureTypes and VirtualizationTypes are required.');
      return tableTypesMeeting(query);
    })));
  }
}
