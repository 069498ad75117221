import {
  AllocateAddressCommand, AssociateRouteTableCommand, AttachInternetGatewayCommand, CreateInternetGatewayCommand, CreateNatGatewayCommand,
  CreateRouteCommand, CreateRouteTableCommand, CreateSubnetCommand, CreateVpcCommand, DeleteInternetGatewayCommand, DeleteNatGatewayCommand,
  DeleteRouteTableCommand, DeleteSubnetCommand, DeleteVpcCommand, DescribeAddressesCommand, DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand, DescribeNatGatewaysCommand, DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcsCommand,
  DetachInternetGatewayCommand, DisassociateRouteTableCommand, ModifyVpcAttributeCommand, ReleaseAddressCommand, type EC2Client, type Filter, type Tag,
} from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../../domain/errors';
import { ownershipTagKeys } from '../../domain/ownership';
import { aws, toFailure } from './errors';

export interface Network {
  vpcId: string;
  publicSubnetIds: string[];
  privateSubnetIds: string[];
}

/** EC2's NAT gateway states: pending → available (or failed), deleting → deleted. */
export type NatGatewayState = 'pending' | 'available' | 'failed' | 'deleting' | 'deleted';

export interface NatGateway {
  id: string;
  state: NatGatewayState;
  /** Why EC2 could not make it, when it failed. */
  failureMessage?: string;
}

// A NAT gateway keeps its Elastic IP (and the VPC's mapped public address) until it is deleted.
export const holdsAddress = (nat: NatGateway) => nat.state !== 'deleted' && nat.state !== 'failed';
/** What DeleteNatGateway applies to: a gateway not already going. */
export const deletable = (nat: NatGateway) => nat.state === 'pending' || nat.state === 'available';

/** The EC2 calls that build and remove an environment's VPC, and nothing else. */
export interface VpcApi {
  availabilityZones(): Promise<string[]>;
  /** The VPC carrying this tag, if any, with its tags. */
  findVpc(tagKey: string, tagValue: string): Promise<{ vpcId: string; tags: Record<string, string> } | undefined>;
  /** A VPC with public subnets (internet gateway) and private subnets (NAT), tagged for load balancers. */
  createNetwork(input: { cidr: string; zones: string[]; natGateway: 'single' | 'perAz' | 'none'; tags: Record<string, string>; cluster: string }): Promise<Network>;
  describeNetwork(vpcId: string): Promise<Network>;
  /** The VPC's NAT gateways, deleted ones included (EC2 lists them for about an hour). */
  natGateways(vpcId: string): Promise<NatGateway[]>;
  /** Starts deleting the VPC's NAT gateways; EC2 takes about a minute to finish. */
  deleteNatGateways(vpcId: string): Promise<void>;
  /**
   * NAT gateways, addresses, gateways, route tables, subnets, then the VPC; done when already
   * gone. Refused (retryably) while a NAT gateway is still deleting and holds its address: EC2
   * would answer ReleaseAddress with AuthFailure and DetachInternetGateway with
   * DependencyViolation until it is gone.
   */
  deleteNetwork(vpcId: string): Promise<void>;
}

/** The retryable refusal of deleteNetwork while NAT gateways are still going. */
export function natGatewaysStillDeleting(nats: NatGateway[]): ApplicationFailure {
  return ApplicationFailure.retryable(`NAT gateway${nats.length === 1 ? '' : 's'} ${nats.map((n) => `${n.id} (${n.state})`).join(', ')} still hold${nats.length === 1 ? 's' : ''} an address; the network goes once ${nats.length === 1 ? 'it is' : 'they are'} deleted`, errorTypes.awsRetryable);
}

const ec2Tags = (tags: Record<string, string>): Tag[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const byVpc = (vpcId: string): Filter[] => [{ Name: 'vpc-id', Values: [vpcId] }];

/** Splits a /16-/24 block into /n subnets: the i-th one, as a CIDR string. */
export function subnetCidr(vpcCidr: string, index: number, count: number): string {
  const [base, bits] = vpcCidr.split('/') as [string, string];
  const prefix = Number(bits);
  const extra = Math.ceil(Math.log2(count));
  const size = 2 ** (32 - prefix - extra);
  const start = base.split('.').reduce((n, octet) => n * 256 + Number(octet), 0) + index * size;
  return `${[24, 16, 8, 0].map((shift) => (start >>> shift) & 255).join('.')}/${prefix + extra}`;
}

const natGatewayOf = (nat: { NatGatewayId?: string; State?: string; FailureMessage?: string }): NatGateway => ({
  id: nat.NatGatewayId!, state: (nat.State ?? 'pending') as NatGatewayState, ...(nat.FailureMessage ? { failureMessage: nat.FailureMessage } : {}),
});

export function vpcApi(ec2: EC2Client): VpcApi {
  const natGateways = async (vpcId: string): Promise<NatGateway[]> =>
    ((await aws('DescribeNatGateways', () => ec2.send(new DescribeNatGatewaysCommand({ Filter: byVpc(vpcId) })))).NatGateways ?? []).map(natGatewayOf);
  const deleteNatGateways = async (vpcId: string) => {
    for (const nat of (await natGateways(vpcId)).filter(deletable)) {
      await aws('DeleteNatGateway', () => ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: nat.id })));
    }
  };
  /**
   * Right after its NAT gateway is deleted, EC2 may still answer ReleaseAddress about the
   * gateway's network interface (InvalidNetworkInterfaceID.NotFound): asked again, it succeeds.
   */
  const releaseAddress = async (allocationId: string) => {
    try {
      await ec2.send(new ReleaseAddressCommand({ AllocationId: allocationId }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'InvalidAllocationID.NotFound') return;
      if (name === 'InvalidNetworkInterfaceID.NotFound') throw ApplicationFailure.retryable(`ReleaseAddress ${allocationId}: ${(error as Error).message}`, errorTypes.awsRetryable);
      throw toFailure(error, `ReleaseAddress ${allocationId}`);
    }
  };
  const describeNetwork = async (vpcId: string): Promise<Network> => {
    const subnets = (await aws('DescribeSubnets', () => ec2.send(new DescribeSubnetsCommand({ Filters: byVpc(vpcId) })))).Subnets ?? [];
    const role = (subnet: (typeof subnets)[number]) => subnet.Tags?.find((t) => t.Key === 'eksflow.io/subnet-role')?.Value;
    return {
      vpcId,
      publicSubnetIds: subnets.filter((s) => role(s) === 'public').map((s) => s.SubnetId!).sort(),
      privateSubnetIds: subnets.filter((s) => role(s) === 'private').map((s) => s.SubnetId!).sort(),
    };
  };
  return {
    async availabilityZones() {
      const zones = await aws('DescribeAvailabilityZones', () => ec2.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }] })));
      return (zones.AvailabilityZones ?? []).map((zone) => zone.ZoneName!).sort();
    },
    async findVpc(key, value) {
      const found = await aws('DescribeVpcs', () => ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:${key}`, Values: [value] }] })));
      const vpc = found.Vpcs?.[0];
      return vpc ? { vpcId: vpc.VpcId!, tags: Object.fromEntries((vpc.Tags ?? []).map((t) => [t.Key!, t.Value!])) } : undefined;
    },
    async createNetwork({ cidr, zones, natGateway, tags, cluster }) {
      const spec = (type: 'vpc' | 'subnet' | 'internet-gateway' | 'route-table' | 'natgateway' | 'elastic-ip', extra: Record<string, string> = {}) =>
        [{ ResourceType: type, Tags: ec2Tags({ ...tags, ...extra }) }];
      const vpcId = (await aws('CreateVpc', () => ec2.send(new CreateVpcCommand({ CidrBlock: cidr, TagSpecifications: spec('vpc') })))).Vpc!.VpcId!;
      // EKS needs DNS hostnames for nodes to register and for private endpoints to resolve.
      await aws('ModifyVpcAttribute', () => ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } })));
      const gateway = (await aws('CreateInternetGateway', () => ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: spec('internet-gateway') })))).InternetGateway!.InternetGatewayId!;
      await aws('AttachInternetGateway', () => ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: gateway, VpcId: vpcId })));
      const publicRoutes = (await aws('CreateRouteTable', () => ec2.send(new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: spec('route-table') })))).RouteTable!.RouteTableId!;
      await aws('CreateRoute', () => ec2.send(new CreateRouteCommand({ RouteTableId: publicRoutes, DestinationCidrBlock: '0.0.0.0/0', GatewayId: gateway })));

      const clusterTag = { [`kubernetes.io/cluster/${cluster}`]: 'shared' };
      const subnet = async (zone: string, index: number, role: 'public' | 'private') => (await aws('CreateSubnet', () => ec2.send(new CreateSubnetCommand({
        VpcId: vpcId, AvailabilityZone: zone, CidrBlock: subnetCidr(cidr, index, zones.length * 2),
        // The Load Balancer Controller picks subnets by these role tags: internet-facing in public, internal in private.
        TagSpecifications: spec('subnet', { ...clusterTag, 'eksflow.io/subnet-role': role, [role === 'public' ? 'kubernetes.io/role/elb' : 'kubernetes.io/role/internal-elb']: '1' }),
      })))).Subnet!.SubnetId!;
      const publicSubnets: string[] = [];
      const privateSubnets: string[] = [];
      for (const [i, zone] of zones.entries()) {
        publicSubnets.push(await subnet(zone, i, 'public'));
        privateSubnets.push(await subnet(zone, zones.length + i, 'private'));
      }
      for (const id of publicSubnets) await aws('AssociateRouteTable', () => ec2.send(new AssociateRouteTableCommand({ RouteTableId: publicRoutes, SubnetId: id })));

      const nats: string[] = [];
      const natCount = natGateway === 'none' ? 0 : natGateway === 'single' ? 1 : zones.length;
      for (let i = 0; i < natCount; i++) {
        const allocation = (await aws('AllocateAddress', () => ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: spec('elastic-ip') })))).AllocationId!;
        nats.push((await aws('CreateNatGateway', () => ec2.send(new CreateNatGatewayCommand({ SubnetId: publicSubnets[i], AllocationId: allocation, TagSpecifications: spec('natgateway') })))).NatGateway!.NatGatewayId!);
      }
      for (const [i, id] of privateSubnets.entries()) {
        const routes = (await aws('CreateRouteTable', () => ec2.send(new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: spec('route-table') })))).RouteTable!.RouteTableId!;
        if (nats.length > 0) await aws('CreateRoute', () => ec2.send(new CreateRouteCommand({ RouteTableId: routes, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: nats[i % nats.length] })));
        await aws('AssociateRouteTable', () => ec2.send(new AssociateRouteTableCommand({ RouteTableId: routes, SubnetId: id })));
      }
      return describeNetwork(vpcId);
    },
    describeNetwork,
    natGateways,
    deleteNatGateways,
    async deleteNetwork(vpcId) {
      const vpc = (await aws('DescribeVpcs', () => ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })))).Vpcs?.[0];
      if (!vpc) return;
      // A caller that has not deleted the NAT gateways (and waited) gets them started here.
      await deleteNatGateways(vpcId);
      const nats = (await aws('DescribeNatGateways', () => ec2.send(new DescribeNatGatewaysCommand({ Filter: byVpc(vpcId) })))).NatGateways ?? [];
      const holding = nats.map(natGatewayOf).filter(holdsAddress);
      if (holding.length > 0) throw natGatewaysStillDeleting(holding);
      // The gateways' addresses, and any other this environment allocated: a NAT gateway that
      // failed lists no address, yet the one allocated for it is still held (and billed).
      const allocations = nats.flatMap((nat) => (nat.NatGatewayAddresses ?? []).map((a) => a.AllocationId!));
      const environment = vpc.Tags?.find((tag) => tag.Key === ownershipTagKeys.environment)?.Value;
      const describe = (filter: Filter) => aws('DescribeAddresses', () => ec2.send(new DescribeAddressesCommand({ Filters: [filter] })));
      const addresses = [
        ...(allocations.length ? (await describe({ Name: 'allocation-id', Values: allocations })).Addresses ?? [] : []),
        ...(environment ? (await describe({ Name: `tag:${ownershipTagKeys.environment}`, Values: [environment] })).Addresses ?? [] : []),
      ];
      for (const allocationId of new Set(addresses.map((address) => address.AllocationId!))) await releaseAddress(allocationId);
      const gateways = (await aws('DescribeInternetGateways', () => ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] })))).InternetGateways ?? [];
      for (const gateway of gateways) {
        await aws('DetachInternetGateway', () => ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: gateway.InternetGatewayId, VpcId: vpcId })));
        await aws('DeleteInternetGateway', () => ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: gateway.InternetGatewayId })));
      }
      const tables = (await aws('DescribeRouteTables', () => ec2.send(new DescribeRouteTablesCommand({ Filters: byVpc(vpcId) })))).RouteTables ?? [];
      for (const table of tables.filter((t) => !t.Associations?.some((a) => a.Main))) {
        for (const association of table.Associations ?? []) {
          await aws('DisassociateRouteTable', () => ec2.send(new DisassociateRouteTableCommand({ AssociationId: association.RouteTableAssociationId })));
        }
        await aws('DeleteRouteTable', () => ec2.send(new DeleteRouteTableCommand({ RouteTableId: table.RouteTableId })));
      }
      const subnets = (await aws('DescribeSubnets', () => ec2.send(new DescribeSubnetsCommand({ Filters: byVpc(vpcId) })))).Subnets ?? [];
      for (const subnet of subnets) await aws('DeleteSubnet', () => ec2.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId })));
      await aws('DeleteVpc', () => ec2.send(new DeleteVpcCommand({ VpcId: vpcId })));
    },
  };
}
