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
  /** Destination CIDR → the gateway or NAT gateway it goes through (`undefined` for a local or blackholed route). */
  routes: Record<string, { gatewayId?: string; natGatewayId?: string; state?: string }>;
  associations: { id: string; subnetId: string }[];
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
  createVpc(input: { cidr: string; tags: Record<string, string> }): Promise<string>;
  /** ModifyVpcAttribute EnableDnsHostnames: idempotent, so made on every pass. */
  enableDnsHostnames(vpcId: string): Promise<void>;
  /** DescribeInternetGateways by the environment tag: attached or not, so one made before a crash is found. */
  internetGateways(environment: string): Promise<(TaggedPart & { attachedTo: string[] })[]>;
  createInternetGateway(tags: Record<string, string>): Promise<string>;
  attachInternetGateway(gatewayId: string, vpcId: string): Promise<void>;
  subnets(vpcId: string): Promise<(TaggedPart & { zone: string; cidr: string })[]>;
  createSubnet(input: { vpcId: string; zone: string; cidr: string; tags: Record<string, string> }): Promise<string>;
  createTags(resourceIds: string[], tags: Record<string, string>): Promise<void>;
  /** ModifySubnetAttribute PrivateDnsHostnameTypeOnLaunch: how instances launched in the subnet are named. Idempotent. */
  setSubnetHostnameType(subnetId: string, hostnameType: 'ip-name' | 'resource-name'): Promise<void>;
  routeTables(vpcId: string): Promise<RouteTablePart[]>;
  createRouteTable(input: { vpcId: string; tags: Record<string, string>; clientToken: string }): Promise<string>;
  createRoute(tableId: string, destination: string, target: { gatewayId: string } | { natGatewayId: string }): Promise<void>;
  replaceRoute(tableId: string, destination: string, target: { gatewayId: string } | { natGatewayId: string }): Promise<void>;
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
const sameTarget = (route: RouteTablePart['routes'][string] | undefined, target: { gatewayId: string } | { natGatewayId: string }) =>
  route !== undefined && route.state !== 'blackhole' && ('gatewayId' in target ? route.gatewayId === target.gatewayId : route.natGatewayId === target.natGatewayId);

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

  const vpcId = input.vpcId ?? await ec2('CreateVpc', () => calls.createVpc({ cidr, tags: withRole('vpc') }));
  // EKS needs DNS hostnames for nodes to register and for private endpoints to resolve.
  await ec2('ModifyVpcAttribute', () => calls.enableDnsHostnames(vpcId));

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
    if (!found) return ec2('CreateSubnet', () => calls.createSubnet({ vpcId, zone, cidr: subnetCidr(cidr, index, blocks), tags: wanted }));
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

  const tables = await ec2('DescribeRouteTables', () => calls.routeTables(vpcId));
  const routeTable = async (role: string, subnetIds: string[]) => ofRole(tables, role)[0]
    // A table an eksflow without role tags made for these subnets is this one: taken, not doubled.
    ?? tables.find((t) => !t.main && !t.tags[networkRoleTag] && t.tags[ownershipTagKeys.environment] === environment && t.associations.some((a) => subnetIds.includes(a.subnetId)))
    // The token makes a create whose response was lost answer with the table it made.
    ?? { id: await ec2('CreateRouteTable', () => calls.createRouteTable({ vpcId, tags: withRole(role), clientToken: clientToken(vpcId, role) })), tags: withRole(role), main: false, routes: {}, associations: [] };
  const defaultRoute = async (table: RouteTablePart, target: { gatewayId: string } | { natGatewayId: string }) => {
    const current = table.routes['0.0.0.0/0'];
    if (sameTarget(current, target)) return;
    // A route to a NAT gateway that failed and was replaced is repointed, not left blackholed.
    if (current) await ec2('ReplaceRoute', () => calls.replaceRoute(table.id, '0.0.0.0/0', target));
    else await ec2('CreateRoute', () => calls.createRoute(table.id, '0.0.0.0/0', target));
  };
  const associate = async (table: RouteTablePart, subnetId: string) => {
    if (!table.associations.some((a) => a.subnetId === subnetId)) await ec2('AssociateRouteTable', () => calls.associateRouteTable(table.id, subnetId));
  };

  const publicRoutes = await routeTable('public-routes', publicSubnets);
  await defaultRoute(publicRoutes, { gatewayId });
  for (const id of publicSubnets) await associate(publicRoutes, id);

  const natGatewayIds = await ensureNatGateways(calls, { environment, vpcId, zones: natZones(zones, input.natGateway), publicSubnets: Object.fromEntries(zones.map((zone, i) => [zone, publicSubnets[i]!])), withRole, ofRole });
  for (const [i, zone] of zones.entries()) {
    const routes = await routeTable(`private-routes/${zone}`, [privateSubnets[i]!]);
    // Per-AZ NAT: each zone's private subnet goes out through its own zone's gateway.
    const nat = natGatewayIds[zone] ?? Object.values(natGatewayIds)[0];
    if (nat) await defaultRoute(routes, { natGatewayId: nat });
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

