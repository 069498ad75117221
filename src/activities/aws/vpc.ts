import {
  AllocateAddressCommand, AssociateRouteTableCommand, AssociateSubnetCidrBlockCommand, AssociateVpcCidrBlockCommand, CreateEgressOnlyInternetGatewayCommand,
  DeleteEgressOnlyInternetGatewayCommand, DescribeEgressOnlyInternetGatewaysCommand, AttachInternetGatewayCommand, CreateInternetGatewayCommand, CreateNatGatewayCommand,
  CreateRouteCommand, CreateRouteTableCommand, CreateSubnetCommand, CreateTagsCommand, CreateVpcCommand, DeleteInternetGatewayCommand, DeleteNatGatewayCommand,
  DeleteRouteTableCommand, DeleteSubnetCommand, DeleteVpcCommand, DescribeAddressesCommand, DescribeAvailabilityZonesCommand, DescribeInstanceTypeOfferingsCommand,
  DescribeInternetGatewaysCommand, DescribeNatGatewaysCommand, DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcsCommand,
  DetachInternetGatewayCommand, DisassociateRouteTableCommand, ModifySubnetAttributeCommand, ModifyVpcAttributeCommand, ReleaseAddressCommand, ReplaceRouteCommand, type EC2Client, type Filter, type Tag,
} from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../../domain/errors';
import { ownershipTagKeys } from '../../domain/ownership';
import { aws, toFailure } from './errors';
import { ensureNetworkParts, subnetRoleTag, type NetworkInput, type NetworkRequests, type Target } from './vpc-parts';
import type { AvailabilityZone } from '../../domain/zones';

export { subnetCidr } from './vpc-parts';
import type { LocalZoneSubnet } from '../../domain/local-zones';

export interface Network {
  vpcId: string;
  publicSubnetIds: string[];
  privateSubnetIds: string[];
  /** The Local Zones' subnets, when the network was asked for them. */
  localZoneSubnets?: LocalZoneSubnet[];
}

/** A zone as DescribeAvailabilityZones describes it with AllAvailabilityZones: its type, opt-in status and group. */
export interface DescribedZone {
  name: string;
  type: string;
  state: string;
  optInStatus: string;
  group: string;
}

/** An instance type EC2 offers in a zone (an InstanceTypeOffering whose LocationType is availability-zone). */
export interface InstanceTypeOffering {
  instanceType: string;
  zone: string;
}

/** EC2's NAT gateway states: pending → available (or failed), deleting → deleted. */
export type NatGatewayState = 'pending' | 'available' | 'failed' | 'deleting' | 'deleted';

export interface NatGateway {
  id: string;
  state: NatGatewayState;
  /** Why EC2 could not make it, when it failed: AWS's code (`InsufficientFreeAddressesInSubnet`, `Gateway.NotAttached`...) and words. */
  failureCode?: string;
  failureMessage?: string;
}

// A NAT gateway keeps its Elastic IP (and the VPC's mapped public address) until it is deleted.
export const holdsAddress = (nat: NatGateway) => nat.state !== 'deleted' && nat.state !== 'failed';
/**
 * What DeleteNatGateway applies to: a gateway not already going. A failed one too: EC2 would
 * list it for about an hour, and a teardown or a replacement leaves nothing of ours behind.
 */
export const deletable = (nat: NatGateway) => nat.state === 'pending' || nat.state === 'available' || nat.state === 'failed';

/** The EC2 calls that build and remove an environment's VPC, and nothing else. */
export interface VpcApi {
  /** The region's available zones, names and IDs, in name order (Availability Zones only: never a Local or Wavelength Zone an account has opted in to). */
  availabilityZones(): Promise<AvailabilityZone[]>;
  /**
   * These zones as EC2 describes them whatever the account's opt-in (DescribeAvailabilityZones
   * with AllAvailabilityZones and a zone-name filter): an unknown name is left out, not an error.
   */
  describeZones(names: string[]): Promise<DescribedZone[]>;
  /**
   * Which of these instance types EC2 offers in which of these zones (DescribeInstanceTypeOfferings
   * with LocationType availability-zone, which takes Local Zones' names too, filtered by location
   * and instance-type, every page): a pair left out is not offered there.
   */
  instanceTypeOfferings(zones: string[], instanceTypes: string[]): Promise<InstanceTypeOffering[]>;
  /** The VPC carrying this tag, if any, with its tags. */
  findVpc(tagKey: string, tagValue: string): Promise<{ vpcId: string; tags: Record<string, string> } | undefined>;
  /**
   * A VPC with public subnets (internet gateway) and private subnets (NAT), tagged for load
   * balancers: made, or, given the environment's `vpcId`, completed part by part (see
   * `ensureNetworkParts`), so a call after a failure at any EC2 request ends with one of each.
   */
  ensureNetwork(input: NetworkInput): Promise<Network>;
  describeNetwork(vpcId: string): Promise<Network>;
  /** The subnets of these IDs that exist, with their VPC (DescribeSubnets by a subnet-id filter: an unknown ID is left out, not an error). */
  subnetsById(subnetIds: string[]): Promise<{ id: string; vpcId: string }[]>;
  /**
   * The VPC's subnets with this CIDR block and/or in this zone: DescribeSubnets filtered by
   * vpc-id, cidr-block and availability-zone, as eksctl finds a subnet given without its ID
   * (eksctl pkg/vpc/vpc.go describeSubnets).
   */
  subnetsMatching(input: { vpcId: string; cidr?: string; zone?: string }): Promise<{ id: string; cidr: string; zone: string }[]>;
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

const natGatewayOf = (nat: { NatGatewayId?: string; State?: string; FailureCode?: string; FailureMessage?: string }): NatGateway => ({
  id: nat.NatGatewayId!, state: (nat.State ?? 'pending') as NatGatewayState,
  ...(nat.FailureCode ? { failureCode: nat.FailureCode } : {}), ...(nat.FailureMessage ? { failureMessage: nat.FailureMessage } : {}),
});
const tagsOf = (tags: Tag[] | undefined): Record<string, string> => Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value!]));
const target = (to: Target) => ('gatewayId' in to ? { GatewayId: to.gatewayId } : 'natGatewayId' in to ? { NatGatewayId: to.natGatewayId } : { EgressOnlyInternetGatewayId: to.egressOnlyInternetGatewayId });
// An IPv6 destination (::/0) goes as DestinationIpv6CidrBlock: CreateRoute takes one or the other.
const destinationOf = (cidr: string) => (cidr.includes(':') ? { DestinationIpv6CidrBlock: cidr } : { DestinationCidrBlock: cidr });
/** The Amazon-provided IPv6 blocks a VPC or subnet still has (disassociated ones stay listed for a while). */
const liveIpv6 = (set: { Ipv6CidrBlock?: string; Ipv6CidrBlockState?: { State?: string } }[] | undefined) =>
  (set ?? []).filter((b) => b.Ipv6CidrBlock && !['disassociating', 'disassociated', 'failed'].includes(b.Ipv6CidrBlockState?.State ?? ''))
    .map((b) => ({ cidr: b.Ipv6CidrBlock!, state: b.Ipv6CidrBlockState?.State ?? 'associated' }));

/** The network's EC2 requests, one SDK call each, errors left raw for `ensureNetworkParts` to classify. */
export function networkRequests(ec2: EC2Client): NetworkRequests {
  const spec = (type: 'vpc' | 'subnet' | 'internet-gateway' | 'egress-only-internet-gateway' | 'route-table' | 'natgateway' | 'elastic-ip', tags: Record<string, string>) => [{ ResourceType: type, Tags: ec2Tags(tags) }];
  return {
    createVpc: async ({ cidr, tags, ipv6 }) => (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr, TagSpecifications: spec('vpc', tags), ...(ipv6 ? { AmazonProvidedIpv6CidrBlock: true } : {}) }))).Vpc!.VpcId!,
    vpcIpv6Blocks: async (vpcId) => liveIpv6((await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs?.[0]?.Ipv6CidrBlockAssociationSet),
    associateVpcIpv6: async (vpcId) => void await ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, AmazonProvidedIpv6CidrBlock: true })),
    enableDnsHostnames: async (vpcId) => void await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } })),
    internetGateways: async (environment) => ((await ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: `tag:${ownershipTagKeys.environment}`, Values: [environment] }] }))).InternetGateways ?? [])
      .map((g) => ({ id: g.InternetGatewayId!, tags: tagsOf(g.Tags), attachedTo: (g.Attachments ?? []).filter((a) => a.State !== 'detaching' && a.State !== 'detached').map((a) => a.VpcId!) })),
    createInternetGateway: async (tags) => (await ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: spec('internet-gateway', tags) }))).InternetGateway!.InternetGatewayId!,
    attachInternetGateway: async (gatewayId, vpcId) => void await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: gatewayId, VpcId: vpcId })),
    subnets: async (vpcId) => ((await ec2.send(new DescribeSubnetsCommand({ Filters: byVpc(vpcId) }))).Subnets ?? [])
      .map((s) => { const ipv6 = liveIpv6(s.Ipv6CidrBlockAssociationSet)[0]; return { id: s.SubnetId!, tags: tagsOf(s.Tags), zone: s.AvailabilityZone!, cidr: s.CidrBlock!, ...(ipv6 ? { ipv6Cidr: ipv6.cidr } : {}) }; }),
    createSubnet: async ({ vpcId, zone, cidr, ipv6Cidr, tags }) => (await ec2.send(new CreateSubnetCommand({
      VpcId: vpcId, AvailabilityZone: zone, CidrBlock: cidr, TagSpecifications: spec('subnet', tags), ...(ipv6Cidr ? { Ipv6CidrBlock: ipv6Cidr } : {}),
    }))).Subnet!.SubnetId!,
    associateSubnetIpv6: async (subnetId, ipv6Cidr) => void await ec2.send(new AssociateSubnetCidrBlockCommand({ SubnetId: subnetId, Ipv6CidrBlock: ipv6Cidr })),
    assignIpv6OnCreation: async (subnetId) => void await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: subnetId, AssignIpv6AddressOnCreation: { Value: true } })),
    egressOnlyInternetGateways: async (environment) => egressOnlyGateways(ec2, environment),
    createEgressOnlyInternetGateway: async ({ vpcId, tags, clientToken }) => (await ec2.send(new CreateEgressOnlyInternetGatewayCommand({
      VpcId: vpcId, ClientToken: clientToken, TagSpecifications: spec('egress-only-internet-gateway', tags),
    }))).EgressOnlyInternetGateway!.EgressOnlyInternetGatewayId!,
    createTags: async (ids, tags) => void await ec2.send(new CreateTagsCommand({ Resources: ids, Tags: ec2Tags(tags) })),
    setSubnetHostnameType: async (subnetId, hostnameType) => void await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: subnetId, PrivateDnsHostnameTypeOnLaunch: hostnameType })),
    routeTables: async (vpcId) => ((await ec2.send(new DescribeRouteTablesCommand({ Filters: byVpc(vpcId) }))).RouteTables ?? []).map((t) => ({
      id: t.RouteTableId!, tags: tagsOf(t.Tags), main: (t.Associations ?? []).some((a) => a.Main),
      routes: Object.fromEntries((t.Routes ?? []).filter((r) => r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock).map((r) => [r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock!, {
        ...(r.GatewayId && r.GatewayId !== 'local' ? { gatewayId: r.GatewayId } : {}), ...(r.NatGatewayId ? { natGatewayId: r.NatGatewayId } : {}),
        ...(r.EgressOnlyInternetGatewayId ? { egressOnlyInternetGatewayId: r.EgressOnlyInternetGatewayId } : {}), ...(r.State ? { state: r.State } : {}),
      }])),
      associations: (t.Associations ?? []).filter((a) => a.SubnetId).map((a) => ({ id: a.RouteTableAssociationId!, subnetId: a.SubnetId! })),
    })),
    createRouteTable: async ({ vpcId, tags, clientToken }) => (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId, ClientToken: clientToken, TagSpecifications: spec('route-table', tags) }))).RouteTable!.RouteTableId!,
    createRoute: async (tableId, destination, to) => void await ec2.send(new CreateRouteCommand({ RouteTableId: tableId, ...destinationOf(destination), ...target(to) })),
    replaceRoute: async (tableId, destination, to) => void await ec2.send(new ReplaceRouteCommand({ RouteTableId: tableId, ...destinationOf(destination), ...target(to) })),
    associateRouteTable: async (tableId, subnetId) => void await ec2.send(new AssociateRouteTableCommand({ RouteTableId: tableId, SubnetId: subnetId })),
    addresses: async (environment) => ((await ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: `tag:${ownershipTagKeys.environment}`, Values: [environment] }] }))).Addresses ?? [])
      .map((a) => ({ id: a.AllocationId!, allocationId: a.AllocationId!, tags: tagsOf(a.Tags), ...(a.AssociationId ? { associationId: a.AssociationId } : {}) })),
    allocateAddress: async (tags) => (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: spec('elastic-ip', tags) }))).AllocationId!,
    releaseAddress: async (allocationId) => void await ec2.send(new ReleaseAddressCommand({ AllocationId: allocationId })),
    natGateways: async (vpcId) => ((await ec2.send(new DescribeNatGatewaysCommand({ Filter: byVpc(vpcId) }))).NatGateways ?? []).map((nat) => ({
      ...natGatewayOf(nat), tags: tagsOf(nat.Tags), subnetId: nat.SubnetId!, allocationIds: (nat.NatGatewayAddresses ?? []).flatMap((a) => (a.AllocationId ? [a.AllocationId] : [])),
    })),
    createNatGateway: async ({ subnetId, allocationId, clientToken, tags }) => (await ec2.send(new CreateNatGatewayCommand({
      SubnetId: subnetId, AllocationId: allocationId, ClientToken: clientToken, TagSpecifications: spec('natgateway', tags),
    }))).NatGateway!.NatGatewayId!,
    deleteNatGateway: async (id) => void await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: id })),
  };
}

/**
 * The egress-only internet gateways carrying the environment's tag. The tag filter is EC2's
 * (DescribeEgressOnlyInternetGateways takes tag:<key>); the tags are checked here as well, so an
 * EC2 that answers with more (moto lists them all) still yields only this environment's.
 */
async function egressOnlyGateways(ec2: EC2Client, environment: string) {
  const found = (await ec2.send(new DescribeEgressOnlyInternetGatewaysCommand({ Filters: [{ Name: `tag:${ownershipTagKeys.environment}`, Values: [environment] }] }))).EgressOnlyInternetGateways ?? [];
  return found.map((g) => ({ id: g.EgressOnlyInternetGatewayId!, tags: tagsOf(g.Tags), attachedTo: (g.Attachments ?? []).filter((a) => a.State !== 'detached').map((a) => a.VpcId!) }))
    .filter((g) => g.tags[ownershipTagKeys.environment] === environment);
}

export function vpcApi(ec2: EC2Client): VpcApi {
  const requests = networkRequests(ec2);
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
    const role = (subnet: (typeof subnets)[number]) => subnet.Tags?.find((t) => t.Key === subnetRoleTag)?.Value;
    return {
      vpcId,
      publicSubnetIds: subnets.filter((s) => role(s) === 'public').map((s) => s.SubnetId!).sort(),
      privateSubnetIds: subnets.filter((s) => role(s) === 'private').map((s) => s.SubnetId!).sort(),
    };
  };
  return {
    async availabilityZones() {
      const zones = await aws('DescribeAvailabilityZones', () => ec2.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }] })));
      // Opted-in Local and Wavelength Zones are listed too (EC2 DescribeAvailabilityZones): left out.
      return (zones.AvailabilityZones ?? []).filter((zone) => zone.ZoneType === undefined || zone.ZoneType === 'availability-zone')
        .map((zone) => ({ name: zone.ZoneName!, id: zone.ZoneId! })).sort((a, b) => a.name.localeCompare(b.name));
    },
    async describeZones(names) {
      const zones = await aws('DescribeAvailabilityZones', () => ec2.send(new DescribeAvailabilityZonesCommand({ AllAvailabilityZones: true, Filters: [{ Name: 'zone-name', Values: names }] })));
      return (zones.AvailabilityZones ?? []).map((zone) => ({
        name: zone.ZoneName!, type: zone.ZoneType ?? 'availability-zone', state: zone.State ?? 'available', optInStatus: zone.OptInStatus ?? 'opt-in-not-required', group: zone.GroupName ?? '',
      }));
    },
    async instanceTypeOfferings(zones, instanceTypes) {
      const offerings: InstanceTypeOffering[] = [];
      let nextToken: string | undefined;
      do {
        const page = await aws('DescribeInstanceTypeOfferings', () => ec2.send(new DescribeInstanceTypeOfferingsCommand({
          LocationType: 'availability-zone',
          Filters: [{ Name: 'location', Values: zones }, { Name: 'instance-type', Values: instanceTypes }],
          ...(nextToken ? { NextToken: nextToken } : {}),
        })));
        offerings.push(...(page.InstanceTypeOfferings ?? []).map((offering) => ({ instanceType: offering.InstanceType!, zone: offering.Location! })));
        nextToken = page.NextToken;
      } while (nextToken);
      return offerings;
    },
    async findVpc(key, value) {
      const found = await aws('DescribeVpcs', () => ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:${key}`, Values: [value] }] })));
      const vpc = found.Vpcs?.[0];
      return vpc ? { vpcId: vpc.VpcId!, tags: Object.fromEntries((vpc.Tags ?? []).map((t) => [t.Key!, t.Value!])) } : undefined;
    },
    ensureNetwork: (input) => ensureNetworkParts(requests, input),
    describeNetwork,
    async subnetsById(subnetIds) {
      const found = await aws('DescribeSubnets', () => ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: subnetIds }] })));
      return (found.Subnets ?? []).map((subnet) => ({ id: subnet.SubnetId!, vpcId: subnet.VpcId! }));
    },
    async subnetsMatching({ vpcId, cidr, zone }) {
      const filters = [...byVpc(vpcId), ...(cidr ? [{ Name: 'cidr-block', Values: [cidr] }] : []), ...(zone ? [{ Name: 'availability-zone', Values: [zone] }] : [])];
      const found = await aws('DescribeSubnets', () => ec2.send(new DescribeSubnetsCommand({ Filters: filters })));
      return (found.Subnets ?? []).map((subnet) => ({ id: subnet.SubnetId!, cidr: subnet.CidrBlock!, zone: subnet.AvailabilityZone! }));
    },
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
      // Found by the environment tag, so one made but never attached (a crash between the two) goes too.
      const gateways = await aws('DescribeInternetGateways', () => (environment
        ? requests.internetGateways(environment)
        : ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] })).then((found) => (found.InternetGateways ?? []).map((g) => ({ id: g.InternetGatewayId!, attachedTo: [vpcId] })))));
      for (const gateway of gateways.filter((g) => g.attachedTo.length === 0 || g.attachedTo.includes(vpcId))) {
        if (gateway.attachedTo.includes(vpcId)) await aws('DetachInternetGateway', () => ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: gateway.id, VpcId: vpcId })));
        await aws('DeleteInternetGateway', () => ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: gateway.id })));
      }
      // The egress-only gateway of an IPv6 network: only one carrying this environment's tag (one
      // of someone else's attached here keeps DeleteVpc refusing, rather than being taken).
      const egressOnly = environment ? (await aws('DescribeEgressOnlyInternetGateways', () => egressOnlyGateways(ec2, environment))).filter((g) => g.attachedTo.length === 0 || g.attachedTo.includes(vpcId)) : [];
      for (const gateway of egressOnly) {
        await aws('DeleteEgressOnlyInternetGateway', () => ec2.send(new DeleteEgressOnlyInternetGatewayCommand({ EgressOnlyInternetGatewayId: gateway.id })).catch((error: unknown) => {
          if ((error as { name?: string }).name !== 'InvalidGatewayID.NotFound') throw error;
        }));
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
