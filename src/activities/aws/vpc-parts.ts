import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../../domain/errors';
import { ownershipTagKeys } from '../../domain/ownership';
import { toFailure } from './errors';
import type { LocalZoneSubnet } from '../../domain/local-zones';

/**
 * The parts of an environment's VPC, each found again by its ownership tags and a role tag,
 * so that a retry after a failure (or a crash) at any EC2 call finds what was made and makes
 * only what is missing: one internet gateway, one subnet per zone and tier, one route table
 * per tier (per zone for private ones), one Elastic IP and NAT gateway per NAT role.
 */
export const networkRoleTag = 'eksflow.io/network-role';
/** Which tier a subnet is: the Load Balancer Controller's tags follow from it. */
export const subnetRoleTag = 'eksflow.io/subnet-role';

export interface TaggedPart {
  id: string;
  tags: Record<string, string>;
}

export interface RouteTablePart extends TaggedPart {
  main: boolean;
  /** Destination CIDR (IPv4, or IPv6 such as `::/0`) → the gateway or NAT gateway it goes through (`undefined` for a local or blackholed route). */
  routes: Record<string, RouteTarget & { state?: string }>;
  associations: { id: string; subnetId: string }[];
}

/** Where a route goes: an internet gateway, a NAT gateway, or an egress-only internet gateway (IPv6 only). */
export interface RouteTarget {
  gatewayId?: string;
  natGatewayId?: string;
  egressOnlyInternetGatewayId?: string;
}
export type Target = { gatewayId: string } | { natGatewayId: string } | { egressOnlyInternetGatewayId: string };

/** An IPv6 block of a VPC or subnet, with EC2's association state (`associating`, `associated`, ...). */
export interface Ipv6Block {
  cidr: string;
  state: string;
}

export interface NatGatewayPart extends TaggedPart {
  state: 'pending' | 'available' | 'failed' | 'deleting' | 'deleted';
  subnetId: string;
  allocationIds: string[];
  failureCode?: string;
  failureMessage?: string;
}

/**
 * One EC2 request each, raw: errors are thrown as the SDK throws them (a `name` such as
 * `InvalidRouteTableID.NotFound`), so `ensureNetworkParts` classifies them in one place for
 * the SDK adapter and the simulated cloud alike.
 */
export interface NetworkRequests {
  /** CreateVpc; `ipv6` asks for an Amazon-provided /56 in the same call (AmazonProvidedIpv6CidrBlock). */
  createVpc(input: { cidr: string; tags: Record<string, string>; ipv6?: boolean }): Promise<string>;
  /** The VPC's IPv6 blocks (DescribeVpcs Ipv6CidrBlockAssociationSet), disassociated ones left out. */
  vpcIpv6Blocks(vpcId: string): Promise<Ipv6Block[]>;
  /** AssociateVpcCidrBlock AmazonProvidedIpv6CidrBlock: an Amazon-provided /56 for a VPC that has none. */
  associateVpcIpv6(vpcId: string): Promise<void>;
  /** ModifyVpcAttribute EnableDnsHostnames: idempotent, so made on every pass. */
  enableDnsHostnames(vpcId: string): Promise<void>;
  /** DescribeInternetGateways by the environment tag: attached or not, so one made before a crash is found. */
  internetGateways(environment: string): Promise<(TaggedPart & { attachedTo: string[] })[]>;
  createInternetGateway(tags: Record<string, string>): Promise<string>;
  attachInternetGateway(gatewayId: string, vpcId: string): Promise<void>;
  /** DescribeSubnets in the VPC, each with its IPv6 /64 when it has one. */
  subnets(vpcId: string): Promise<(TaggedPart & { zone: string; cidr: string; ipv6Cidr?: string })[]>;
  createSubnet(input: { vpcId: string; zone: string; cidr: string; ipv6Cidr?: string; tags: Record<string, string> }): Promise<string>;
  /** AssociateSubnetCidrBlock: an IPv6 /64 of the VPC's block for a subnet that has none. */
  associateSubnetIpv6(subnetId: string, ipv6Cidr: string): Promise<void>;
  /** ModifySubnetAttribute AssignIpv6AddressOnCreation true: interfaces launched there get an IPv6 address. Idempotent. */
  assignIpv6OnCreation(subnetId: string): Promise<void>;
  /** DescribeEgressOnlyInternetGateways, the ones carrying this environment tag (EC2 filters by tag; the caller checks the tags too). */
  egressOnlyInternetGateways(environment: string): Promise<(TaggedPart & { attachedTo: string[] })[]>;
  createEgressOnlyInternetGateway(input: { vpcId: string; tags: Record<string, string>; clientToken: string }): Promise<string>;
  createTags(resourceIds: string[], tags: Record<string, string>): Promise<void>;
  /** ModifySubnetAttribute PrivateDnsHostnameTypeOnLaunch: how instances launched in the subnet are named. Idempotent. */
  setSubnetHostnameType(subnetId: string, hostnameType: 'ip-name' | 'resource-name'): Promise<void>;
  routeTables(vpcId: string): Promise<RouteTablePart[]>;
  createRouteTable(input: { vpcId: string; tags: Record<string, string>; clientToken: string }): Promise<string>;
  /** CreateRoute to an IPv4 destination, or an IPv6 one (a destination with `:` goes as DestinationIpv6CidrBlock). */
  createRoute(tableId: string, destination: string, target: Target): Promise<void>;
  replaceRoute(tableId: string, destination: string, target: Target): Promise<void>;
  associateRouteTable(tableId: string, subnetId: string): Promise<void>;
  /** DescribeAddresses by the environment tag. */
  addresses(environment: string): Promise<(TaggedPart & { allocationId: string; associationId?: string })[]>;
  allocateAddress(tags: Record<string, string>): Promise<string>;
  releaseAddress(allocationId: string): Promise<void>;
  /** DescribeNatGateways in the VPC, deleted ones included. */
  natGateways(vpcId: string): Promise<NatGatewayPart[]>;
  createNatGateway(input: { subnetId: string; allocationId: string; clientToken: string; tags: Record<string, string> }): Promise<string>;
  deleteNatGateway(natGatewayId: string): Promise<void>;
}

export interface NetworkInput {
  cidr: string;
  zones: string[];
  natGateway: 'single' | 'perAz' | 'none';
  /** Ownership tags (the environment's among them) and the user's; every part carries them. */
  tags: Record<string, string>;
  cluster: string;
  /** The environment's VPC when it was found: its parts are completed rather than a new VPC made. */
  vpcId?: string;
  /** Each subnet's PrivateDnsHostnameTypeOnLaunch, set on every pass. @default EC2's own (ip-name), untouched */
  hostnameType?: 'ip-name' | 'resource-name';
  /** Local Zones to make a public and a private subnet in too (src/domain/local-zones.ts). @default none */
  localZones?: string[];
  /**
   * Dual stack, as eksctl builds it (pkg/cfn/builder/vpc_ipv4.go with vpc.autoAllocateIPv6,
   * vpc_ipv6.go for an IPv6 cluster): an Amazon-provided /56 for the VPC, a /64 of it for each
   * subnet, `::/0` from the public subnets through the internet gateway. `cluster` adds what an
   * IPv6 cluster's nodes need: an egress-only internet gateway with `::/0` from the private
   * subnets, which also assign IPv6 addresses on creation. @default IPv4 only
   */
  ipv6?: { cluster: boolean };
}

export interface NetworkParts {
  vpcId: string;
  publicSubnetIds: string[];
  privateSubnetIds: string[];
  /** The Local Zones' subnets (only when localZones were asked for): never the control plane's. */
  localZoneSubnets?: LocalZoneSubnet[];
}

/** Splits a /16-/24 block into /n subnets: the i-th one, as a CIDR string. */
export function subnetCidr(vpcCidr: string, index: number, count: number): string {
  const [base, bits] = vpcCidr.split('/') as [string, string];
  const prefix = Number(bits);
  const extra = Math.ceil(Math.log2(count));
  const size = 2 ** (32 - prefix - extra);
  const start = base.split('.').reduce((n, octet) => n * 256 + Number(octet), 0) + index * size;
  return `${[24, 16, 8, 0].map((shift) => (start >>> shift) & 255).join('.')}/${prefix + extra}`;
}

/** How many NAT gateways a setting asks for, and which zones they sit in. */
export function natZones(zones: string[], natGateway: NetworkInput['natGateway']): string[] {
  return natGateway === 'none' ? [] : natGateway === 'single' ? zones.slice(0, 1) : zones;
}

/**
 * Errors that mean "not yet", not "never", while a network is being built from parts we just
 * made or just saw (catalog 44, EC2 read-after-create): a part made a moment ago that another
 * call cannot see yet (`InvalidSubnetID.NotFound`, `InvalidInternetGatewayID.NotFound`, ...),
 * a subnet block taken by our own subnet that Describe did not list yet
 * (`InvalidSubnet.Conflict`), or an attachment, association or route that exists although
 * Describe did not show it. Retried, the activity describes again and finds them.
 */
const notYetVisible = /NotFound$|^InvalidSubnet\.Conflict$|^Resource\.AlreadyAssociated$|^RouteAlreadyExists$/;

async function ec2<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (!(error instanceof ApplicationFailure) && notYetVisible.test(name)) {
      throw ApplicationFailure.retryable(`${action}: ${name}: ${(error as Error).message}`, errorTypes.awsRetryable);
    }
    throw toFailure(error, action);
  }
}

/**
 * An idempotency token for a create that EC2 offers one for: the same part asked for again
 * (its response lost) is answered with the one already made. At most 64 ASCII characters.
 */
export function clientToken(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 64);
}

const missingTags = (part: TaggedPart, wanted: Record<string, string>) => Object.fromEntries(Object.entries(wanted).filter(([key, value]) => part.tags[key] !== value));
const byId = <T extends { id: string }>(a: T, b: T) => a.id.localeCompare(b.id);
const sameTarget = (route: RouteTablePart['routes'][string] | undefined, target: Target) =>
  route !== undefined && route.state !== 'blackhole' && Object.entries(target).every(([key, id]) => route[key as keyof RouteTarget] === id);

/**
 * The i-th /64 of a VPC's Amazon-provided /56, as CloudFormation's Fn::Cidr splits it for
 * eksctl (getSubnetIPv6CIDRBlock: 64-bit subnets, in order): the 8 bits after the /56 prefix
 * are the subnet's index.
 */
export function subnetIpv6Cidr(vpcIpv6Cidr: string, index: number): string {
  const [address, bits] = vpcIpv6Cidr.split('/') as [string, string];
  if (Number(bits) !== 56) throw new Error(`an Amazon-provided VPC block is a /56, not ${vpcIpv6Cidr}`);
  if (index < 0 || index > 255) throw new Error(`a /56 holds 256 /64s, not ${index + 1}`);
  const groups = expandIpv6(address);
  groups[3] = (groups[3]! & 0xff00) | index;
  return `${compressIpv6(groups.slice(0, 4))}::/64`;
}

/** Whether a /64 is one of a /56's: their first 56 bits agree. */
export function ipv6Within(block56: string, block64: string): boolean {
  const [outer, inner] = [expandIpv6(block56.split('/')[0]!), expandIpv6(block64.split('/')[0]!)];
  return block56.endsWith('/56') && block64.endsWith('/64') && outer.slice(0, 3).every((group, i) => group === inner[i]) && (outer[3]! & 0xff00) === (inner[3]! & 0xff00);
}

function expandIpv6(address: string): number[] {
  const [head, tail] = address.includes('::') ? address.split('::') as [string, string] : [address, undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/** The first four groups written as EC2 writes a /64 (2600:1f14:abc:1200::/64): leading zeros dropped, trailing zero groups left to `::`. */
function compressIpv6(groups: number[]): string {
  let end = groups.length;
  while (end > 0 && groups[end - 1] === 0) end--;
  return groups.slice(0, end).map((group) => group.toString(16)).join(':');
}

/**
 * A VPC with public subnets (internet gateway) and private subnets (NAT), tagged for EKS and
 * load balancers; each part found by its tags or made, so a call after a failure at any EC2
 * request completes the network with exactly one of each. A NAT gateway that `failed` is not
 * adopted: its address is released, it is deleted, and a new one is made with a new address.
 */
export async function ensureNetworkParts(calls: NetworkRequests, input: NetworkInput): Promise<NetworkParts> {
  const { cidr, zones, tags, cluster } = input;
  const environment = tags[ownershipTagKeys.environment];
  if (!environment) throw new Error(`a network's tags must carry ${ownershipTagKeys.environment}: it is how its parts are found again`);
  const withRole = (role: string, extra: Record<string, string> = {}) => ({ ...tags, [networkRoleTag]: role, ...extra });
  const ofRole = <T extends TaggedPart>(parts: T[], role: string) => parts.filter((part) => part.tags[networkRoleTag] === role && part.tags[ownershipTagKeys.environment] === environment).sort(byId);

  const vpcId = input.vpcId ?? await ec2('CreateVpc', () => calls.createVpc({ cidr, tags: withRole('vpc'), ...(input.ipv6 ? { ipv6: true } : {}) }));
  // EKS needs DNS hostnames for nodes to register and for private endpoints to resolve.
  await ec2('ModifyVpcAttribute', () => calls.enableDnsHostnames(vpcId));
  const vpcIpv6 = input.ipv6 ? await vpcIpv6Block(calls, vpcId) : undefined;

  // Internet gateway: found by its tags attached or not (a crash may fall between create and attach).
  const gateways = ofRole(await ec2('DescribeInternetGateways', () => calls.internetGateways(environment)), 'internet-gateway');
  const gateway = gateways.find((g) => g.attachedTo.includes(vpcId)) ?? gateways.find((g) => g.attachedTo.length === 0);
  const gatewayId = gateway?.id ?? await ec2('CreateInternetGateway', () => calls.createInternetGateway(withRole('internet-gateway')));
  if (!gateway?.attachedTo.includes(vpcId)) await ec2('AttachInternetGateway', () => calls.attachInternetGateway(gatewayId, vpcId));

  // Subnets: one per zone and tier, at a block fixed by its index, so even a retry that does
  // not see the first one yet cannot make a second (EC2 refuses the overlapping block).
  const clusterTag = { [`kubernetes.io/cluster/${cluster}`]: 'shared' };
  const existingSubnets = await ec2('DescribeSubnets', () => calls.subnets(vpcId));
  // With Local Zones the VPC's block is split among them too, as eksctl's SetSubnets does (a
  // spec without them gets the blocks it always got).
  const localZones = input.localZones ?? [];
  const blocks = (zones.length + localZones.length) * 2;
  type Tier = 'public' | 'private' | 'public-local-zone' | 'private-local-zone';
  const subnet = async (zone: string, index: number, tier: Tier) => {
    // The Load Balancer Controller picks subnets by these role tags: internet-facing in public,
    // internal in private; a Local Zone's subnets carry neither (nor are they the cluster's).
    const lbRole: Record<string, string> = tier === 'public' ? { 'kubernetes.io/role/elb': '1' } : tier === 'private' ? { 'kubernetes.io/role/internal-elb': '1' } : {};
    const wanted = withRole(`${tier}/${zone}`, { ...clusterTag, [subnetRoleTag]: tier, ...lbRole });
    const found = existingSubnets.find((s) => s.zone === zone && s.tags[subnetRoleTag] === tier && s.tags[ownershipTagKeys.environment] === environment);
    // The same index picks the subnet's /64 as its IPv4 block, as eksctl numbers them (public first, then private).
    const ipv6Cidr = vpcIpv6 ? subnetIpv6Cidr(vpcIpv6, index) : undefined;
    if (!found) return ec2('CreateSubnet', () => calls.createSubnet({ vpcId, zone, cidr: subnetCidr(cidr, index, blocks), tags: wanted, ...(ipv6Cidr ? { ipv6Cidr } : {}) }));
    if (ipv6Cidr && !found.ipv6Cidr) await ec2('AssociateSubnetCidrBlock', () => calls.associateSubnetIpv6(found.id, ipv6Cidr));
    // Made with its tags in one call; a subnet made by an older eksflow may lack the role tag.
    const missing = missingTags(found, wanted);
    if (Object.keys(missing).length > 0) await ec2('CreateTags', () => calls.createTags([found.id], missing));
    return found.id;
  };
  const publicSubnets: string[] = [];
  const privateSubnets: string[] = [];
  const regionZones = zones.length + localZones.length;
  for (const [i, zone] of zones.entries()) {
    publicSubnets.push(await subnet(zone, i, 'public'));
    privateSubnets.push(await subnet(zone, regionZones + i, 'private'));
  }
  const localZoneSubnets: LocalZoneSubnet[] = [];
  for (const [j, zone] of localZones.entries()) {
    localZoneSubnets.push({ zone, tier: 'public', id: await subnet(zone, zones.length + j, 'public-local-zone') });
    localZoneSubnets.push({ zone, tier: 'private', id: await subnet(zone, regionZones + zones.length + j, 'private-local-zone') });
  }

  // eksctl's vpc.hostnameType sets the same attribute on the subnets it makes (ModifySubnetAttribute takes one attribute a call).
  if (input.hostnameType) {
    for (const id of [...publicSubnets, ...privateSubnets, ...localZoneSubnets.map((lz) => lz.id)]) await ec2('ModifySubnetAttribute', () => calls.setSubnetHostnameType(id, input.hostnameType!));
  }

  // An IPv6 cluster's nodes in private subnets get their addresses at launch (eksctl vpc_ipv6.go: AssignIpv6AddressOnCreation on the private subnets).
  if (input.ipv6?.cluster) {
    for (const id of privateSubnets) await ec2('ModifySubnetAttribute', () => calls.assignIpv6OnCreation(id));
  }
  const egressOnlyGatewayId = input.ipv6?.cluster ? await ensureEgressOnlyGateway(calls, { environment, vpcId, withRole, ofRole }) : undefined;

  const tables = await ec2('DescribeRouteTables', () => calls.routeTables(vpcId));
  const routeTable = async (role: string, subnetIds: string[]) => ofRole(tables, role)[0]
    // A table an eksflow without role tags made for these subnets is this one: taken, not doubled.
    ?? tables.find((t) => !t.main && !t.tags[networkRoleTag] && t.tags[ownershipTagKeys.environment] === environment && t.associations.some((a) => subnetIds.includes(a.subnetId)))
    // The token makes a create whose response was lost answer with the table it made.
    ?? { id: await ec2('CreateRouteTable', () => calls.createRouteTable({ vpcId, tags: withRole(role), clientToken: clientToken(vpcId, role) })), tags: withRole(role), main: false, routes: {}, associations: [] };
  const defaultRoute = async (table: RouteTablePart, target: Target, destination = '0.0.0.0/0') => {
    const current = table.routes[destination];
    if (sameTarget(current, target)) return;
    // A route to a NAT gateway that failed and was replaced is repointed, not left blackholed.
    if (current) await ec2('ReplaceRoute', () => calls.replaceRoute(table.id, destination, target));
    else await ec2('CreateRoute', () => calls.createRoute(table.id, destination, target));
  };
  const associate = async (table: RouteTablePart, subnetId: string) => {
    if (!table.associations.some((a) => a.subnetId === subnetId)) await ec2('AssociateRouteTable', () => calls.associateRouteTable(table.id, subnetId));
  };

  const publicRoutes = await routeTable('public-routes', publicSubnets);
  await defaultRoute(publicRoutes, { gatewayId });
  if (vpcIpv6) await defaultRoute(publicRoutes, { gatewayId }, '::/0');
  for (const id of publicSubnets) await associate(publicRoutes, id);

  const natGatewayIds = await ensureNatGateways(calls, { environment, vpcId, zones: natZones(zones, input.natGateway), publicSubnets: Object.fromEntries(zones.map((zone, i) => [zone, publicSubnets[i]!])), withRole, ofRole });
  for (const [i, zone] of zones.entries()) {
    const routes = await routeTable(`private-routes/${zone}`, [privateSubnets[i]!]);
    // Per-AZ NAT: each zone's private subnet goes out through its own zone's gateway.
    const nat = natGatewayIds[zone] ?? Object.values(natGatewayIds)[0];
    if (nat) await defaultRoute(routes, { natGatewayId: nat });
    // IPv6 goes out of private subnets through the egress-only gateway (eksctl vpc_ipv6.go PrivateSubnetIpv6Route).
    if (egressOnlyGatewayId) await defaultRoute(routes, { egressOnlyInternetGatewayId: egressOnlyGatewayId }, '::/0');
    await associate(routes, privateSubnets[i]!);
  }
  // A Local Zone's public subnet goes out through the VPC's internet gateway, its private one
  // through the Region's NAT gateway (eksctl: the public route table, and no per-AZ NAT).
  for (const lz of localZoneSubnets) {
    if (lz.tier === 'public') {
      await associate(publicRoutes, lz.id);
      continue;
    }
    const routes = await routeTable(`private-routes/${lz.zone}`, [lz.id]);
    const nat = Object.values(natGatewayIds)[0];
    if (nat) await defaultRoute(routes, { natGatewayId: nat });
    await associate(routes, lz.id);
  }
  return {
    vpcId, publicSubnetIds: [...publicSubnets].sort(), privateSubnetIds: [...privateSubnets].sort(),
    ...(localZones.length > 0 ? { localZoneSubnets } : {}),
  };
}

/**
 * The VPC's Amazon-provided /56, associated one if it has none. EC2 answers `associating` for a
 * few seconds after CreateVpc (terraform-provider-aws waits for `associated` before it makes
 * subnets: vpc.go, waitVPCIPv6CIDRBlockAssociationCreated); until then this is "not yet", and
 * the retry finds it associated.
 */
async function vpcIpv6Block(calls: NetworkRequests, vpcId: string): Promise<string> {
  let blocks = await ec2('DescribeVpcs', () => calls.vpcIpv6Blocks(vpcId));
  if (blocks.length === 0) {
    await ec2('AssociateVpcCidrBlock', () => calls.associateVpcIpv6(vpcId));
    blocks = await ec2('DescribeVpcs', () => calls.vpcIpv6Blocks(vpcId));
  }
  const block = blocks.find((b) => b.state === 'associated');
  if (!block) throw ApplicationFailure.retryable(`the IPv6 block of ${vpcId} is ${blocks.map((b) => b.state).join(', ') || 'not listed yet'}; subnets get their /64s once it is associated`, errorTypes.awsRetryable);
  return block.cidr;
}

/**
 * The VPC's egress-only internet gateway, found by its tags (attached to this VPC) or made with
 * a client token, so a create whose response was lost answers with the gateway it made.
 */
async function ensureEgressOnlyGateway(calls: NetworkRequests, context: {
  environment: string; vpcId: string;
  withRole: (role: string) => Record<string, string>;
  ofRole: <T extends TaggedPart>(parts: T[], role: string) => T[];
}): Promise<string> {
  const { environment, vpcId, withRole, ofRole } = context;
  const role = 'egress-only-internet-gateway';
  const found = ofRole(await ec2('DescribeEgressOnlyInternetGateways', () => calls.egressOnlyInternetGateways(environment)), role).find((g) => g.attachedTo.includes(vpcId));
  return found?.id ?? ec2('CreateEgressOnlyInternetGateway', () => calls.createEgressOnlyInternetGateway({ vpcId, tags: withRole(role), clientToken: clientToken(vpcId, role) }));
}

/**
 * One NAT gateway per NAT zone, each with its own Elastic IP, both tagged `nat/<zone>`. A
 * gateway that `failed` (catalog 43) is dropped: its address released first (a failed
 * gateway no longer holds it, and the failure may be the address's: `Resource.AlreadyAssociated`),
 * then the gateway deleted, so a crash between the two is completed by the next pass. The
 * replacement gets a new address and so a new client token.
 */
async function ensureNatGateways(calls: NetworkRequests, context: {
  environment: string; vpcId: string; zones: string[]; publicSubnets: Record<string, string>;
  withRole: (role: string) => Record<string, string>;
  ofRole: <T extends TaggedPart>(parts: T[], role: string) => T[];
}): Promise<Record<string, string>> {
  const { environment, vpcId, zones, publicSubnets, withRole, ofRole } = context;
  if (zones.length === 0) return {};
  const nats = await ec2('DescribeNatGateways', () => calls.natGateways(vpcId));
  let addresses = await ec2('DescribeAddresses', () => calls.addresses(environment));
  // A gateway still pending, available or deleting keeps its address; a failed one has let it go.
  const held = new Set(nats.filter((nat) => nat.state !== 'failed' && nat.state !== 'deleted').flatMap((nat) => nat.allocationIds));
  const free = (address: { allocationId: string; associationId?: string }) => !address.associationId && !held.has(address.allocationId);
  const ids: Record<string, string> = {};
  for (const zone of zones) {
    const role = `nat/${zone}`;
    const mine = ofRole(nats, role);
    const live = mine.find((nat) => nat.state === 'pending' || nat.state === 'available');
    if (live) {
      ids[zone] = live.id;
      continue;
    }
    const failed = mine.filter((nat) => nat.state === 'failed');
    if (failed.length > 0) {
      // Whatever association the address still shows is to the failed gateway's interface,
      // which EC2 takes down with it: only a gateway that is not failed holds an address.
      for (const address of ofRole(addresses, role).filter((a) => !held.has(a.allocationId))) {
        await ec2('ReleaseAddress', () => calls.releaseAddress(address.allocationId).catch((error: unknown) => {
          if ((error as { name?: string }).name !== 'InvalidAllocationID.NotFound') throw error;
        }));
        addresses = addresses.filter((a) => a.allocationId !== address.allocationId);
      }
      for (const nat of failed) {
        await ec2('DeleteNatGateway', () => calls.deleteNatGateway(nat.id).catch((error: unknown) => {
          if ((error as { name?: string }).name !== 'NatGatewayNotFound') throw error;
        }));
      }
    }
    // An address allocated before a crash, and not yet given to a gateway, is used rather than a second one.
    const spare = ofRole(addresses, role).find(free);
    const allocationId = spare?.allocationId ?? await ec2('AllocateAddress', () => calls.allocateAddress(withRole(role)));
    ids[zone] = await ec2('CreateNatGateway', () => calls.createNatGateway({
      subnetId: publicSubnets[zone]!, allocationId, clientToken: clientToken(environment, role, allocationId), tags: withRole(role),
    }));
  }
  return ids;
}

