import { aws } from '../../activities/aws/errors';
import { deletable, holdsAddress, natGatewaysStillDeleting, subnetCidr, type NatGateway, type NatGatewayState, type Network, type VpcApi } from '../../activities/aws/vpc';
import { after, type SimContext } from './context';
import { ec2Error } from './errors';
import type { AwsGateway, Request } from './gateway';

interface SubnetRecord {
  id: string;
  vpcId: string;
  zone: string;
  cidr: string;
  tags: Record<string, string>;
}

interface VpcRecord {
  id: string;
  cidr: string;
  tags: Record<string, string>;
  internetGateway?: string;
  /** Route tables other than the VPC's main one, with the subnets associated to each. */
  routeTables: Map<string, Set<string>>;
  natGateways: Map<string, NatGatewayRecord>;
}

interface NatGatewayRecord {
  subnetId: string;
  allocationId: string;
  state: NatGatewayState;
}

/** What else in the account holds on to a subnet or a VPC: EKS clusters, node groups, ENIs, load balancers. */
export interface VpcDependents {
  usingSubnet(subnetId: string): string | undefined;
  usingVpc(vpcId: string): string | undefined;
}

const subnetRoleTag = 'eksflow.io/subnet-role';

/**
 * EC2's VPC calls: a VPC with public and private subnets, gateways and route tables.
 * Deleting a subnet or VPC something still uses is a DependencyViolation, as on EC2, which
 * the adapters classify as transient: teardown retries until the dependent is gone.
 */
export class SimulatedVpc implements VpcApi {
  private readonly vpcs = new Map<string, VpcRecord>();
  private readonly subnets = new Map<string, SubnetRecord>();
  /** Elastic IPs by allocation ID. */
  private readonly addresses = new Set<string>();
  private readonly zones: string[];

  constructor(private readonly context: SimContext, private readonly gateway: AwsGateway, private readonly dependents: VpcDependents, zoneCount = 3) {
    this.zones = 'abcdef'.slice(0, zoneCount).split('').map((letter) => `${context.region}${letter}`);
  }

  private call<T>(method: string, resource: string | undefined, body: (request: Request) => Promise<T>): Promise<T> {
    return this.gateway.operation({ service: 'ec2', method, resource }, body);
  }

  /** Where a subnet is, for EKS's checks; `undefined` when there is no such subnet. */
  subnet(id: string): { vpcId: string; zone: string } | undefined {
    const subnet = this.subnets.get(id);
    return subnet && { vpcId: subnet.vpcId, zone: subnet.zone };
  }

  vpcIds(): string[] {
    return [...this.vpcs.keys()].sort();
  }

  availabilityZones() {
    return this.call('availabilityZones', undefined, (request) => aws('DescribeAvailabilityZones', () => request('DescribeAvailabilityZones', () => [...this.zones])));
  }

  findVpc(tagKey: string, tagValue: string) {
    return this.call('findVpc', tagValue, (request) => aws('DescribeVpcs', () => request('DescribeVpcs', () => {
      const vpc = [...this.vpcs.values()].find((candidate) => candidate.tags[tagKey] === tagValue);
      return vpc ? { vpcId: vpc.id, tags: { ...vpc.tags } } : undefined;
    })));
  }

  private networkOf(vpcId: string): Network {
    const subnets = [...this.subnets.values()].filter((subnet) => subnet.vpcId === vpcId);
    const withRole = (role: string) => subnets.filter((subnet) => subnet.tags[subnetRoleTag] === role).map((subnet) => subnet.id).sort();
    return { vpcId, publicSubnetIds: withRole('public'), privateSubnetIds: withRole('private') };
  }

  describeNetwork(vpcId: string) {
    return this.call('describeNetwork', vpcId, (request) => aws('DescribeSubnets', () => request('DescribeSubnets', () => this.networkOf(vpcId))));
  }

  createNetwork({ cidr, zones, natGateway, tags, cluster }: Parameters<VpcApi['createNetwork']>[0]) {
    return this.call('createNetwork', cluster, async (request) => {
      const { ids } = this.context;
      const step = <T>(api: string, perform: () => T) => aws(api, () => request(api, perform));
      const vpc = await step('CreateVpc', () => {
        if (!/^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-8])$/.test(cidr)) throw ec2Error.invalidParameterValue(`Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
        const record: VpcRecord = { id: ids.ec2('vpc'), cidr, tags: { ...tags }, routeTables: new Map(), natGateways: new Map() };
        this.vpcs.set(record.id, record);
        return record;
      });
      await step('ModifyVpcAttribute', () => undefined);
      const gateway = await step('CreateInternetGateway', () => ids.ec2('igw'));
      await step('AttachInternetGateway', () => { vpc.internetGateway = gateway; });
      const publicRoutes = await step('CreateRouteTable', () => this.routeTable(vpc));
      await step('CreateRoute', () => undefined);

      const clusterTag = { [`kubernetes.io/cluster/${cluster}`]: 'shared' };
      const subnet = (zone: string, index: number, role: 'public' | 'private') => step('CreateSubnet', () => {
        if (!this.zones.includes(zone)) throw ec2Error.invalidParameterValue(`Value (${zone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${this.zones.join(', ')}.`);
        const record: SubnetRecord = {
          id: ids.ec2('subnet'), vpcId: vpc.id, zone, cidr: subnetCidr(cidr, index, zones.length * 2),
          tags: { ...tags, ...clusterTag, [subnetRoleTag]: role, [role === 'public' ? 'kubernetes.io/role/elb' : 'kubernetes.io/role/internal-elb']: '1' },
        };
        this.subnets.set(record.id, record);
        return record.id;
      });
      const publicSubnets: string[] = [];
      const privateSubnets: string[] = [];
      for (const [i, zone] of zones.entries()) {
        publicSubnets.push(await subnet(zone, i, 'public'));
        privateSubnets.push(await subnet(zone, zones.length + i, 'private'));
      }
      for (const id of publicSubnets) await step('AssociateRouteTable', () => vpc.routeTables.get(publicRoutes)!.add(id));

      const natCount = natGateway === 'none' ? 0 : natGateway === 'single' ? 1 : zones.length;
      const nats: string[] = [];
      for (let i = 0; i < natCount; i++) {
        const allocationId = await step('AllocateAddress', () => {
          const id = ids.ec2('eipalloc');
          this.addresses.add(id);
          return id;
        });
        nats.push(await step('CreateNatGateway', () => {
          const id = ids.ec2('nat');
          vpc.natGateways.set(id, { subnetId: publicSubnets[i]!, allocationId, state: 'pending' });
          return id;
        }));
      }
      // A NAT gateway takes minutes to become available, and nodes in private subnets need it:
      // the run waits for it, as the planner's estimate for the network assumes. One draw per
      // cluster, so the same environment gets the same network time in any run.
      if (nats.length > 0) {
        this.context.scheduler.at(after(this.context, this.context.sampler.sample('network.create', cluster)), () => {
          for (const id of nats) {
            const nat = vpc.natGateways.get(id);
            if (nat?.state === 'pending') nat.state = 'available';
          }
        });
      }
      for (const id of privateSubnets) {
        const routes = await step('CreateRouteTable', () => this.routeTable(vpc));
        if (nats.length > 0) await step('CreateRoute', () => undefined);
        await step('AssociateRouteTable', () => vpc.routeTables.get(routes)!.add(id));
      }
      return step('DescribeSubnets', () => this.networkOf(vpc.id));
    });
  }

  private routeTable(vpc: VpcRecord): string {
    const id = this.context.ids.ec2('rtb');
    vpc.routeTables.set(id, new Set());
    return id;
  }

  natGateways(vpcId: string) {
    return this.call('natGateways', vpcId, (request) => aws('DescribeNatGateways', () => request('DescribeNatGateways', () => this.natGatewaysOf(vpcId))));
  }

  private natGatewaysOf(vpcId: string): NatGateway[] {
    return [...(this.vpcs.get(vpcId)?.natGateways ?? [])].map(([id, nat]) => ({ id, state: nat.state }));
  }

  deleteNatGateways(vpcId: string) {
    return this.call('deleteNatGateways', vpcId, (request) => this.startNatDeletions(vpcId, request));
  }

  /** DeleteNatGateway for each one not already going: deleting, then deleted after its sampled latency. */
  private async startNatDeletions(vpcId: string, request: Request): Promise<void> {
    const vpc = this.vpcs.get(vpcId);
    const nats = await aws('DescribeNatGateways', () => request('DescribeNatGateways', () => this.natGatewaysOf(vpcId)));
    for (const { id } of nats.filter(deletable)) {
      await aws('DeleteNatGateway', () => request('DeleteNatGateway', () => {
        const nat = vpc!.natGateways.get(id)!;
        nat.state = 'deleting';
        this.context.scheduler.at(after(this.context, this.context.sampler.sample('nat-gateway.delete', id)), () => { nat.state = 'deleted'; });
      }));
    }
  }

  deleteNetwork(vpcId: string) {
    return this.call('deleteNetwork', vpcId, async (request) => {
      const step = <T>(api: string, perform: () => T) => aws(api, () => request(api, perform));
      const vpc = await step('DescribeVpcs', () => this.vpcs.get(vpcId));
      if (!vpc) return;
      await this.startNatDeletions(vpcId, request);
      const holding = (await step('DescribeNatGateways', () => this.natGatewaysOf(vpcId))).filter(holdsAddress);
      if (holding.length > 0) throw natGatewaysStillDeleting(holding);
      const allocations = [...vpc.natGateways.values()].map((nat) => nat.allocationId);
      const addresses = await step('DescribeAddresses', () => allocations.filter((id) => this.addresses.has(id)));
      for (const id of addresses) await step('ReleaseAddress', () => this.addresses.delete(id));
      for (const id of [...vpc.natGateways.keys()]) vpc.natGateways.delete(id);
      const gateways = await step('DescribeInternetGateways', () => (vpc.internetGateway ? [vpc.internetGateway] : []));
      for (const gateway of gateways) {
        await step('DetachInternetGateway', () => gateway);
        await step('DeleteInternetGateway', () => { vpc.internetGateway = undefined; });
      }
      const tables = await step('DescribeRouteTables', () => [...vpc.routeTables]);
      for (const [id, associations] of tables) {
        for (const subnetId of [...associations]) await step('DisassociateRouteTable', () => associations.delete(subnetId));
        await step('DeleteRouteTable', () => vpc.routeTables.delete(id));
      }
      const subnets = await step('DescribeSubnets', () => [...this.subnets.values()].filter((subnet) => subnet.vpcId === vpcId));
      for (const subnet of subnets) {
        await step('DeleteSubnet', () => {
          const user = this.dependents.usingSubnet(subnet.id);
          if (user) throw ec2Error.dependencyViolation(`The subnet '${subnet.id}' has dependencies and cannot be deleted (${user}).`);
          this.subnets.delete(subnet.id);
        });
      }
      await step('DeleteVpc', () => {
        const user = this.dependents.usingVpc(vpcId);
        if (user) throw ec2Error.dependencyViolation(`The vpc '${vpcId}' has dependencies and cannot be deleted (${user}).`);
        this.vpcs.delete(vpcId);
      });
    });
  }
}
