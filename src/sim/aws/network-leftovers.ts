import { aws, awsOrUndefined } from '../../activities/aws/errors';
import type { NetworkLeftoversApi } from '../../activities/aws/network-leftovers';
import { after, type SimContext, type Timer } from './context';
import { ec2Error, elbv2Error } from './errors';
import type { AwsGateway, Request } from './gateway';

export interface LoadBalancer {
  arn: string;
  name: string;
  dnsName: string;
  /** provisioning until the NLB's sampled latency has passed; then active, and its DNS name answers. */
  state: 'provisioning' | 'active';
  tags: Record<string, string>;
}

interface LoadBalancerRecord extends LoadBalancer {
  vpcId?: string;
  subnetIds: string[];
  timer: Timer;
}

interface Placed {
  tags: Record<string, string>;
  vpcId?: string;
}

/** A security group: the controllers' carry only tags; one made through CreateSecurityGroup has a name and rules. */
interface SecurityGroupRecord extends Placed {
  name?: string;
  /** Ingress rules as "protocol port source" keys, so the same rule twice is seen as such. */
  ingress: Set<string>;
}

interface NetworkInterfaceRecord extends Placed {
  subnetId?: string;
  securityGroupIds: string[];
}

const hasTag = (tags: Record<string, string>, key: string, value?: string) => key in tags && (value === undefined || tags[key] === value);

/**
 * What a cluster's controllers make in the account: load balancers and target groups (the
 * Load Balancer Controller), security groups and ENIs (the VPC CNI). The `create*` methods are
 * for the simulated Kubernetes side, playing those controllers: their requests are not
 * eksflow's, so they are neither counted nor faulted. The rest is `NetworkLeftoversApi`.
 */
export class SimulatedNetworkLeftovers implements NetworkLeftoversApi {
  private readonly loadBalancers = new Map<string, LoadBalancerRecord>();
  private readonly targetGroups = new Map<string, Placed>();
  private readonly securityGroups = new Map<string, SecurityGroupRecord>();
  private readonly networkInterfaces = new Map<string, NetworkInterfaceRecord>();

  constructor(private readonly context: SimContext, private readonly gateway: AwsGateway) {}

  private call<T>(service: 'ec2' | 'elbv2', method: string, resource: string | undefined, body: (request: Request) => Promise<T>): Promise<T> {
    return this.gateway.operation({ service, method, resource }, body);
  }

  // --- the controllers' side

  /** An NLB for a Service; the same name again is the same load balancer, as in ELBv2. */
  createLoadBalancer({ name, tags, vpcId, subnetIds = [] }: { name: string; tags: Record<string, string>; vpcId?: string; subnetIds?: string[] }): { arn: string; dnsName: string } {
    const existing = [...this.loadBalancers.values()].find((lb) => lb.name === name);
    if (existing) return { arn: existing.arn, dnsName: existing.dnsName };
    const { region, accountId, ids, scheduler, sampler } = this.context;
    const suffix = ids.hex(16);
    const record: LoadBalancerRecord = {
      arn: `arn:aws:elasticloadbalancing:${region}:${accountId}:loadbalancer/net/${name}/${suffix}`, name,
      dnsName: `${name.slice(0, 32)}-${suffix}.elb.${region}.amazonaws.com`, state: 'provisioning', tags: { ...tags },
      ...(vpcId ? { vpcId } : {}), subnetIds: [...subnetIds],
      timer: scheduler.at(after(this.context, sampler.sample('load-balancer.provision', name)), () => { record.state = 'active'; }),
    };
    this.loadBalancers.set(record.arn, record);
    return { arn: record.arn, dnsName: record.dnsName };
  }

  /** The load balancer as it is now; `undefined` once deleted. */
  loadBalancer(arn: string): LoadBalancer | undefined {
    this.context.scheduler.settle(this.context.clock.now());
    const record = this.loadBalancers.get(arn);
    return record && { arn: record.arn, name: record.name, dnsName: record.dnsName, state: record.state, tags: { ...record.tags } };
  }

  createTargetGroup({ name, tags, vpcId }: { name: string; tags: Record<string, string>; vpcId?: string }): string {
    const arn = `arn:aws:elasticloadbalancing:${this.context.region}:${this.context.accountId}:targetgroup/${name}/${this.context.ids.hex(16)}`;
    this.targetGroups.set(arn, { tags: { ...tags }, ...(vpcId ? { vpcId } : {}) });
    return arn;
  }

  createSecurityGroup({ tags, vpcId }: { tags: Record<string, string>; vpcId?: string }): string {
    const id = this.context.ids.ec2('sg');
    this.securityGroups.set(id, { tags: { ...tags }, ...(vpcId ? { vpcId } : {}), ingress: new Set() });
    return id;
  }

  // --- EC2's security group calls as the simulated EC2 (src/sim/aws/launch-templates.ts) answers them

  /**
   * CreateSecurityGroup: a name unique in its VPC (InvalidGroup.Duplicate), not starting with
   * "sg-" (EC2 API reference, CreateSecurityGroup GroupName constraints).
   */
  addSecurityGroup({ name, vpcId, tags }: { name: string; vpcId: string; tags: Record<string, string> }): string {
    if (/^sg-/i.test(name)) throw ec2Error.invalidParameterValue(`Group names may not be in the format sg-*.`);
    if ([...this.securityGroups.values()].some((g) => g.vpcId === vpcId && g.name === name)) throw ec2Error.groupDuplicate(`The security group '${name}' already exists for VPC '${vpcId}'`);
    const id = this.context.ids.ec2('sg');
    this.securityGroups.set(id, { name, vpcId, tags: { ...tags }, ingress: new Set() });
    return id;
  }

  /** DescribeSecurityGroups with a tag:<key> filter: the named groups carrying the tag. */
  securityGroupsWithTag(key: string, value: string): { id: string; name: string; vpcId: string; tags: Record<string, string> }[] {
    return [...this.securityGroups].filter(([, g]) => hasTag(g.tags, key, value)).map(([id, g]) => ({ id, name: g.name ?? '', vpcId: g.vpcId ?? '', tags: { ...g.tags } }));
  }

  /** DescribeSecurityGroups with a group-name filter. */
  securityGroupsNamed(name: string): { id: string; name: string; vpcId: string; tags: Record<string, string> }[] {
    return [...this.securityGroups].filter(([, g]) => g.name === name).map(([id, g]) => ({ id, name, vpcId: g.vpcId ?? '', tags: { ...g.tags } }));
  }

  /** AuthorizeSecurityGroupIngress of one rule: unknown group InvalidGroup.NotFound, a rule already there InvalidPermission.Duplicate. */
  authorize(id: string, rule: string): void {
    const group = this.securityGroups.get(id);
    if (!group) throw ec2Error.groupNotFound(`The security group '${id}' does not exist`);
    if (group.ingress.has(rule)) throw ec2Error.permissionDuplicate(`the specified rule "${rule}" already exists`);
    group.ingress.add(rule);
  }

  /** Whether a security group of this ID is there (DescribeSecurityGroups by ID). */
  hasSecurityGroup(id: string): boolean {
    return this.securityGroups.has(id);
  }

  /** A security group's ingress rules, for tests. */
  ingressOf(id: string): string[] | undefined {
    const group = this.securityGroups.get(id);
    return group && [...group.ingress].sort();
  }

  /** DeleteSecurityGroup: unknown InvalidGroup.NotFound, still on an ENI DependencyViolation. */
  removeSecurityGroup(id: string): void {
    if (!this.securityGroups.has(id)) throw ec2Error.groupNotFound(`The security group '${id}' does not exist`);
    const user = [...this.networkInterfaces].find(([, eni]) => eni.securityGroupIds.includes(id));
    if (user) throw ec2Error.dependencyViolation(`resource ${id} has a dependent object (${user[0]})`);
    this.securityGroups.delete(id);
  }

  createNetworkInterface({ tags, subnetId, vpcId, securityGroupIds = [] }: { tags: Record<string, string>; subnetId?: string; vpcId?: string; securityGroupIds?: string[] }): string {
    const id = this.context.ids.ec2('eni');
    this.networkInterfaces.set(id, { tags: { ...tags }, ...(subnetId ? { subnetId } : {}), ...(vpcId ? { vpcId } : {}), securityGroupIds: [...securityGroupIds] });
    return id;
  }

  /** What holds on to a subnet: a load balancer or an ENI in it. */
  usingSubnet(subnetId: string): string | undefined {
    const lb = [...this.loadBalancers.values()].find((candidate) => candidate.subnetIds.includes(subnetId));
    if (lb) return `load balancer ${lb.name}`;
    const eni = [...this.networkInterfaces].find(([, candidate]) => candidate.subnetId === subnetId);
    return eni && `network interface ${eni[0]}`;
  }

  /** What holds on to a VPC besides its subnets: load balancers, target groups, security groups, ENIs. */
  usingVpc(vpcId: string): string | undefined {
    const lb = [...this.loadBalancers.values()].find((candidate) => candidate.vpcId === vpcId);
    if (lb) return `load balancer ${lb.name}`;
    for (const [kind, map] of [['target group', this.targetGroups], ['security group', this.securityGroups], ['network interface', this.networkInterfaces]] as const) {
      const found = [...map].find(([, candidate]) => candidate.vpcId === vpcId);
      if (found) return `${kind} ${found[0]}`;
    }
    return undefined;
  }

  counts(): { loadBalancers: number; targetGroups: number; securityGroups: number; networkInterfaces: number } {
    return { loadBalancers: this.loadBalancers.size, targetGroups: this.targetGroups.size, securityGroups: this.securityGroups.size, networkInterfaces: this.networkInterfaces.size };
  }

  // --- NetworkLeftoversApi, making the same requests as the SDK-backed adapter

  /** DescribeTags takes at most 20 ARNs a request. */
  private async tagged(request: Request, arns: string[], tagsOf: (arn: string) => Record<string, string> | undefined, key: string, value: string): Promise<string[]> {
    const matches: string[] = [];
    for (let i = 0; i < arns.length; i += 20) {
      const page = await aws('DescribeTags', () => request('DescribeTags', () => arns.slice(i, i + 20).filter((arn) => tagsOf(arn) !== undefined)));
      matches.push(...page.filter((arn) => hasTag(tagsOf(arn)!, key, value)));
    }
    return matches;
  }

  loadBalancersTagged(key: string, value: string) {
    return this.call('elbv2', 'loadBalancersTagged', value, async (request) => {
      const all = await aws('DescribeLoadBalancers', () => request('DescribeLoadBalancers', () => [...this.loadBalancers.keys()]));
      return this.tagged(request, all, (arn) => this.loadBalancers.get(arn)?.tags, key, value);
    });
  }

  targetGroupsTagged(key: string, value: string) {
    return this.call('elbv2', 'targetGroupsTagged', value, async (request) => {
      const all = await aws('DescribeTargetGroups', () => request('DescribeTargetGroups', () => [...this.targetGroups.keys()]));
      return this.tagged(request, all, (arn) => this.targetGroups.get(arn)?.tags, key, value);
    });
  }

  securityGroupsTagged(key: string) {
    return this.call('ec2', 'securityGroupsTagged', key, (request) => aws('DescribeSecurityGroups', () => request('DescribeSecurityGroups', () =>
      [...this.securityGroups].filter(([, group]) => hasTag(group.tags, key)).map(([id]) => id))));
  }

  networkInterfacesTagged(key: string) {
    return this.call('ec2', 'networkInterfacesTagged', key, (request) => aws('DescribeNetworkInterfaces', () => request('DescribeNetworkInterfaces', () =>
      [...this.networkInterfaces].filter(([, eni]) => hasTag(eni.tags, key)).map(([id]) => id))));
  }

  // A thing already gone is a delete done.
  deleteLoadBalancer(arn: string) {
    return this.call('elbv2', 'deleteLoadBalancer', arn, async (request) => {
      // ELBv2 answers a delete of a load balancer that is not there with success.
      await aws(`DeleteLoadBalancer ${arn}`, () => request('DeleteLoadBalancer', () => {
        this.loadBalancers.get(arn)?.timer.cancel();
        this.loadBalancers.delete(arn);
      }));
    });
  }

  deleteTargetGroup(arn: string) {
    return this.call('elbv2', 'deleteTargetGroup', arn, async (request) => {
      await awsOrUndefined(`DeleteTargetGroup ${arn}`, () => request('DeleteTargetGroup', () => {
        if (!this.targetGroups.delete(arn)) throw elbv2Error.targetGroupNotFound('One or more target groups not found');
      }), this.context.notYet.DeleteTargetGroup);
    });
  }

  deleteSecurityGroup(id: string) {
    return this.call('ec2', 'deleteSecurityGroup', id, async (request) => {
      await awsOrUndefined(`DeleteSecurityGroup ${id}`, () => request('DeleteSecurityGroup', () => this.removeSecurityGroup(id)));
    });
  }

  deleteNetworkInterface(id: string) {
    return this.call('ec2', 'deleteNetworkInterface', id, async (request) => {
      await awsOrUndefined(`DeleteNetworkInterface ${id}`, () => request('DeleteNetworkInterface', () => {
        if (!this.networkInterfaces.delete(id)) throw ec2Error.networkInterfaceNotFound(`The networkInterface ID '${id}' does not exist`);
      }));
    });
  }
}
