import { aws, awsOrUndefined } from '../../activities/aws/errors';
import type {
  AutoScalingGroup, CreateAutoScalingGroupInput, InstanceProfile, LaunchTemplate, LaunchTemplateData, SelfManagedNodesApi,
} from '../../activities/aws/autoscaling';
import { after, type SimContext, type Timer } from './context';
import { iamError, selfManagedError } from './errors';
import type { AwsGateway, Request } from './gateway';
import type { SimulatedImage, SimulatedSsm } from './ssm';

interface LaunchTemplateRecord extends LaunchTemplate {
  data: LaunchTemplateData;
  clientToken: string;
}

interface InstanceRecord {
  id: string;
  /** When it passes from Pending to InService, in simulated epoch ms. */
  inServiceAt: number;
  terminating?: boolean;
}

interface GroupRecord {
  input: CreateAutoScalingGroupInput;
  arn: string;
  minSize: number;
  desiredSize: number;
  maxSize: number;
  instances: InstanceRecord[];
  enabledMetrics: string[];
  deleting?: Timer;
}

/**
 * An instance's time from launch to InService: EC2's pending → running (under a minute for
 * EBS-backed instances, EC2 docs "Instance lifecycle") and Auto Scaling's move to InService
 * once it runs (EC2 Auto Scaling docs "Amazon EC2 Auto Scaling instance lifecycle"). Seconds.
 */
const instanceLaunchSeconds = 45;
/** A deleted group's instances terminate (shutting-down → terminated, about a minute), then the group goes. */
const groupDeleteSeconds = 90;

/** What the simulated EC2 needs from its neighbours: IAM's roles, EC2's subnets. */
export interface AutoScalingNeighbours {
  roleExists(name: string): boolean;
  subnetExists(id: string): boolean;
  /** The cluster's service CIDR and security group, as DescribeCluster gives them. */
  clusterNetworking(cluster: string): { serviceIpv4Cidr?: string; clusterSecurityGroupId?: string };
  /** EC2's security groups and key pairs, which a launch template names. @default every one exists */
  securityGroupExists?(id: string): boolean;
  keyPairExists?(name: string): boolean;
}

/** An Auto Scaling group's nodes as the cloud brings them to the cluster: what the launch template's user data and AMI say. */
export interface SelfManagedNodes {
  group: string;
  inService: number;
  minSize: number;
  maxSize: number;
  launchTemplate: LaunchTemplateData;
  image?: SimulatedImage;
  tags: Record<string, string>;
}

/**
 * EC2 launch templates, IAM instance profiles and EC2 Auto Scaling groups, as self-managed
 * node groups use them, with the public SSM parameters for their AMIs. Documented behaviour
 * followed: CreateLaunchTemplate refuses a taken name (InvalidLaunchTemplateName.AlreadyExistsException)
 * and takes a ClientToken; an instance profile holds one role (LimitExceeded); CreateAutoScalingGroup
 * refuses a taken name (AlreadyExists) and a missing launch template (ValidationError); the group
 * launches instances to its desired capacity, each InService after it boots; DeleteAutoScalingGroup
 * with ForceDelete terminates them, the group showing "Delete in progress" until they are gone.
 */
export class SimulatedAutoScaling implements SelfManagedNodesApi {
  private readonly templates = new Map<string, LaunchTemplateRecord>();
  private readonly profiles = new Map<string, InstanceProfile>();
  private readonly groups = new Map<string, GroupRecord>();

  constructor(private readonly context: SimContext, private readonly gateway: AwsGateway, private readonly ssm: SimulatedSsm, private readonly neighbours: AutoScalingNeighbours) {}

  private call<T>(service: 'ec2' | 'autoscaling' | 'iam' | 'eks', method: string, resource: string | undefined, body: (request: Request) => Promise<T>): Promise<T> {
    return this.gateway.operation({ service, method, resource }, body);
  }

  /** Every group with its instances InService, for the cloud to bring their nodes to the cluster. */
  nodes(): SelfManagedNodes[] {
    return [...this.groups.entries()].flatMap(([name, group]) => {
      const template = [...this.templates.values()].find((t) => t.id === group.input.launchTemplateId);
      if (!template) return [];
      const now = this.context.clock.now();
      const image = this.ssm.image(template.data.imageId);
      return [{
        group: name, inService: group.instances.filter((i) => !i.terminating && i.inServiceAt <= now).length, minSize: group.minSize, maxSize: group.maxSize,
        launchTemplate: template.data, tags: { ...group.input.tags }, ...(image ? { image } : {}),
      }];
    });
  }

  /** An Auto Scaling group placed in the subnet: its instances' ENIs keep the subnet in use (DependencyViolation) until they are terminated. */
  usingSubnet(subnetId: string): string | undefined {
    const found = [...this.groups.entries()].find(([, g]) => g.input.subnetIds.includes(subnetId) && g.instances.length > 0);
    return found && `Auto Scaling group ${found[0]}`;
  }

  /** What is there now: leak checks compare these. */
  inventory(): { autoScalingGroups: string[]; launchTemplates: string[]; instanceProfiles: string[] } {
    return { autoScalingGroups: [...this.groups.keys()].sort(), launchTemplates: [...this.templates.keys()].sort(), instanceProfiles: [...this.profiles.keys()].sort() };
  }

  /** Whether a launch template of this ID is there: EC2 holds these with every other launch template (DescribeLaunchTemplates by ID). */
  hasLaunchTemplate(id: string): boolean {
    return [...this.templates.values()].some((t) => t.id === id);
  }

  clusterNetworking(cluster: string) {
    return this.call('eks', 'clusterNetworking', cluster, async (request) => aws(`DescribeCluster ${cluster}`, () => request('DescribeCluster', () => this.neighbours.clusterNetworking(cluster))));
  }

  parameter(name: string) {
    return this.ssm.parameter(name);
  }

  // --- EC2 launch templates

  describeLaunchTemplate(name: string) {
    return this.call('ec2', 'describeLaunchTemplate', name, (request) => awsOrUndefined(`DescribeLaunchTemplates ${name}`, () => request('DescribeLaunchTemplates', () => {
      const found = this.templates.get(name);
      if (!found) throw selfManagedError.launchTemplateNotFound(`At least one of the launch templates specified in the request does not exist.`);
      return view(found);
    })));
  }

  createLaunchTemplate(input: { name: string; data: LaunchTemplateData; tags: Record<string, string>; clientToken: string }) {
    return this.call('ec2', 'createLaunchTemplate', input.name, (request) => aws(`CreateLaunchTemplate ${input.name}`, () => request('CreateLaunchTemplate', () => {
      const existing = this.templates.get(input.name);
      // The same ClientToken is the same request: its first answer again (EC2 "Ensuring idempotency").
      if (existing && existing.clientToken === input.clientToken) return view(existing);
      if (existing) throw selfManagedError.launchTemplateExists(`Launch template name already in use.`);
      const record: LaunchTemplateRecord = { id: this.context.ids.ec2('lt'), name: input.name, latestVersion: 1, tags: { ...input.tags }, data: structuredClone(input.data), clientToken: input.clientToken };
      this.templates.set(input.name, record);
      return view(record);
    })));
  }

  deleteLaunchTemplate(name: string) {
    return this.call('ec2', 'deleteLaunchTemplate', name, async (request) => {
      await awsOrUndefined(`DeleteLaunchTemplate ${name}`, () => request('DeleteLaunchTemplate', () => {
        if (!this.templates.delete(name)) throw selfManagedError.launchTemplateNotFound(`The specified launch template, with template name ${name}, does not exist.`);
      }));
    });
  }

  // --- IAM instance profiles

  describeInstanceProfile(name: string) {
    return this.call('iam', 'describeInstanceProfile', name, (request) => awsOrUndefined(`GetInstanceProfile ${name}`, () => request('GetInstanceProfile', () => {
      const found = this.profiles.get(name);
      if (!found) throw iamError.noSuchEntity(`Instance Profile ${name} cannot be found.`);
      return { ...found, roles: [...found.roles], tags: { ...found.tags } };
    })));
  }

  createInstanceProfile(name: string, tags: Record<string, string>) {
    return this.call('iam', 'createInstanceProfile', name, (request) => aws(`CreateInstanceProfile ${name}`, () => request('CreateInstanceProfile', () => {
      if (this.profiles.has(name)) throw iamError.entityAlreadyExists(`Instance Profile ${name} already exists.`);
      const profile: InstanceProfile = { name, arn: `arn:aws:iam::${this.context.accountId}:instance-profile/${name}`, roles: [], tags: { ...tags } };
      this.profiles.set(name, profile);
      return { ...profile, roles: [], tags: { ...tags } };
    })));
  }

  addRoleToInstanceProfile(name: string, role: string) {
    return this.call('iam', 'addRoleToInstanceProfile', name, async (request) => {
      await aws(`AddRoleToInstanceProfile ${name}`, () => request('AddRoleToInstanceProfile', () => {
        const profile = this.profiles.get(name);
        if (!profile) throw iamError.noSuchEntity(`Instance Profile ${name} cannot be found.`);
        if (!this.neighbours.roleExists(role)) throw iamError.noSuchEntity(`The role with name ${role} cannot be found.`);
        if (profile.roles.includes(role)) return;
        // IAM: "An instance profile can contain only one IAM role."
        if (profile.roles.length > 0) throw selfManagedError.instanceProfileLimit('Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1');
        profile.roles.push(role);
      }));
    });
  }

  deleteInstanceProfile(name: string) {
    return this.call('iam', 'deleteInstanceProfile', name, async (request) => {
      const profile = this.profiles.get(name);
      for (const role of [...(profile?.roles ?? [])]) await aws(`RemoveRoleFromInstanceProfile ${name}`, () => request('RemoveRoleFromInstanceProfile', () => void profile!.roles.splice(profile!.roles.indexOf(role), 1)));
      await awsOrUndefined(`DeleteInstanceProfile ${name}`, () => request('DeleteInstanceProfile', () => {
        const found = this.profiles.get(name);
        if (!found) throw iamError.noSuchEntity(`Instance Profile ${name} cannot be found.`);
        // IAM refuses to delete a profile that still holds a role (DeleteConflict).
        if (found.roles.length > 0) throw iamError.deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
        this.profiles.delete(name);
      }));
    });
  }

  /** Whether a role is in an instance profile: IAM refuses DeleteRole while it is (DeleteConflict). */
  roleInProfile(role: string): string | undefined {
    return [...this.profiles.values()].find((p) => p.roles.includes(role))?.name;
  }

  // --- Auto Scaling groups

  describeAutoScalingGroup(name: string) {
    return this.call('autoscaling', 'describeAutoScalingGroup', name, (request) => aws(`DescribeAutoScalingGroups ${name}`, () => request('DescribeAutoScalingGroups', () => {
      const group = this.groups.get(name);
      return group ? this.groupView(name, group) : undefined;
    })));
  }

  createAutoScalingGroup(input: CreateAutoScalingGroupInput) {
    return this.call('autoscaling', 'createAutoScalingGroup', input.name, async (request) => {
      await aws(`CreateAutoScalingGroup ${input.name}`, () => request('CreateAutoScalingGroup', () => {
        if (this.groups.has(input.name)) throw selfManagedError.asgExists(`AutoScalingGroup by this name already exists - A group with the name ${input.name} already exists`);
        if (![...this.templates.values()].some((t) => t.id === input.launchTemplateId)) {
          throw selfManagedError.asgValidation(`You must use a valid fully-formed launch template. The specified launch template, with template ID ${input.launchTemplateId}, does not exist.`);
        }
        // What the template names must exist when the group is made (eksctl #1989: "You must use a
        // valid fully-formed launch template. The key pair '…' does not exist", a ValidationError).
        const data = [...this.templates.values()].find((t) => t.id === input.launchTemplateId)!.data;
        if (data.keyName && this.neighbours.keyPairExists?.(data.keyName) === false) {
          throw selfManagedError.asgValidation(`You must use a valid fully-formed launch template. The key pair '${data.keyName}' does not exist`);
        }
        const unknownGroup = data.securityGroupIds.find((id) => this.neighbours.securityGroupExists?.(id) === false);
        if (unknownGroup) throw selfManagedError.asgValidation(`You must use a valid fully-formed launch template. The security group '${unknownGroup}' does not exist`);
        const missing = input.subnetIds.find((id) => !this.neighbours.subnetExists(id));
        if (missing) throw selfManagedError.asgValidation(`The subnet ID '${missing}' does not exist`);
        if (!(input.minSize <= input.desiredSize && input.desiredSize <= input.maxSize)) {
          throw selfManagedError.asgValidation(`Desired capacity:${input.desiredSize} must be between the specified min size:${input.minSize} and max size:${input.maxSize}`);
        }
        const group: GroupRecord = {
          input: structuredClone(input), arn: `arn:aws:autoscaling:${this.context.region}:${this.context.accountId}:autoScalingGroup:${this.context.ids.uuid()}:autoScalingGroupName/${input.name}`,
          minSize: input.minSize, desiredSize: input.desiredSize, maxSize: input.maxSize, instances: [], enabledMetrics: [],
        };
        this.groups.set(input.name, group);
        this.launchTo(group);
      }));
      if (input.metricsCollection) {
        await aws(`EnableMetricsCollection ${input.name}`, () => request('EnableMetricsCollection', () => {
          this.groups.get(input.name)!.enabledMetrics = input.metricsCollection!.metrics?.length ? [...input.metricsCollection!.metrics] : ['GroupMinSize', 'GroupMaxSize', 'GroupDesiredCapacity', 'GroupInServiceInstances', 'GroupTotalInstances'];
        }));
      }
    });
  }

  updateAutoScalingGroupSize(name: string, size: { minSize: number; desiredSize: number; maxSize: number }) {
    return this.call('autoscaling', 'updateAutoScalingGroupSize', name, async (request) => {
      await aws(`UpdateAutoScalingGroup ${name}`, () => request('UpdateAutoScalingGroup', () => {
        const group = this.groups.get(name);
        if (!group) throw selfManagedError.asgValidation(`AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);
        if (group.deleting) throw selfManagedError.asgInUse('An AutoScalingGroup is being deleted');
        if (!(size.minSize <= size.desiredSize && size.desiredSize <= size.maxSize)) {
          throw selfManagedError.asgValidation(`Desired capacity:${size.desiredSize} must be between the specified min size:${size.minSize} and max size:${size.maxSize}`);
        }
        Object.assign(group, size);
        this.launchTo(group);
      }));
    });
  }

  deleteAutoScalingGroup(name: string) {
    return this.call('autoscaling', 'deleteAutoScalingGroup', name, async (request) => {
      await aws(`DeleteAutoScalingGroup ${name}`, () => request('DeleteAutoScalingGroup', () => {
        const group = this.groups.get(name);
        // Auto Scaling's "not found" is a ValidationError; the SDK adapter takes it as done, and so does this.
        if (!group) return;
        if (group.deleting) throw selfManagedError.asgInUse('An AutoScalingGroup is being deleted');
        for (const instance of group.instances) instance.terminating = true;
        group.deleting = this.context.scheduler.at(after(this.context, groupDeleteSeconds), () => void this.groups.delete(name));
      }));
    });
  }

  /** Launches or terminates instances to the desired capacity (the newest go first, as the default termination policy's last step). */
  private launchTo(group: GroupRecord): void {
    const live = group.instances.filter((i) => !i.terminating);
    for (let i = live.length; i < group.desiredSize; i += 1) group.instances.push({ id: this.context.ids.ec2('i'), inServiceAt: after(this.context, instanceLaunchSeconds) });
    const surplus = live.slice(group.desiredSize);
    group.instances = group.instances.filter((i) => !surplus.includes(i));
  }

  private groupView(name: string, group: GroupRecord): AutoScalingGroup {
    const now = this.context.clock.now();
    const template = [...this.templates.values()].find((t) => t.id === group.input.launchTemplateId);
    return {
      name, arn: group.arn, minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize,
      instances: group.instances.map((i) => ({ id: i.id, lifecycleState: i.terminating ? 'Terminating' : i.inServiceAt <= now ? 'InService' : 'Pending' })),
      ...(group.deleting ? { status: 'Delete in progress' } : {}),
      tags: { ...group.input.tags },
      launchTemplate: { id: group.input.launchTemplateId, ...(template ? { name: template.name } : {}), version: '$Latest' },
      ...(group.input.mixedInstances ? { mixedInstanceTypes: [...group.input.mixedInstances.instanceTypes] } : {}),
      targetGroupArns: [...(group.input.targetGroupArns ?? [])], loadBalancerNames: [...(group.input.loadBalancerNames ?? [])],
      subnetIds: [...group.input.subnetIds], enabledMetrics: [...group.enabledMetrics],
    };
  }
}

const view = (t: LaunchTemplateRecord): LaunchTemplate => ({ id: t.id, name: t.name, latestVersion: t.latestVersion, tags: { ...t.tags } });
