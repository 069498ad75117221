import assert from 'node:assert/strict';
import {
  DescribeAddressesCommand, DescribeInternetGatewaysCommand, DescribeNatGatewaysCommand, DescribeRouteTablesCommand, DescribeSubnetsCommand,
  DescribeVpcAttributeCommand, DescribeVpcsCommand, type EC2Client, type Tag,
} from '@aws-sdk/client-ec2';
import type { SimulatedVpc } from '../../src/sim/aws/vpc';

/** Every part of an account's networks that eksflow makes, read the same way from moto and from the simulated cloud. */
export interface NetworkInventory {
  vpcs: { id: string; tags: Record<string, string> }[];
  subnets: { id: string; vpcId: string; zone: string; tags: Record<string, string> }[];
  internetGateways: { id: string; tags: Record<string, string>; vpcIds: string[] }[];
  routeTables: { id: string; vpcId: string; main: boolean; tags: Record<string, string>; routes: Record<string, { gatewayId?: string; natGatewayId?: string; egressOnlyInternetGatewayId?: string }>; subnetIds: string[] }[];
  natGateways: { id: string; vpcId: string; subnetId: string; state: string; tags: Record<string, string>; allocationIds: string[] }[];
  addresses: { allocationId: string; tags: Record<string, string> }[];
}

const tagsOf = (tags: Tag[] | undefined) => Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value!]));

/** What moto holds, through plain Describe calls (no fault injection on this client). */
export async function motoNetworkInventory(ec2: EC2Client): Promise<NetworkInventory> {
  const vpcs = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
  const tables = (await ec2.send(new DescribeRouteTablesCommand({}))).RouteTables ?? [];
  return {
    vpcs: vpcs.filter((v) => !v.IsDefault).map((v) => ({ id: v.VpcId!, tags: tagsOf(v.Tags) })),
    subnets: ((await ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? []).filter((s) => !s.DefaultForAz)
      .map((s) => ({ id: s.SubnetId!, vpcId: s.VpcId!, zone: s.AvailabilityZone!, tags: tagsOf(s.Tags) })),
    internetGateways: ((await ec2.send(new DescribeInternetGatewaysCommand({}))).InternetGateways ?? [])
      .filter((g) => !(g.Attachments ?? []).some((a) => vpcs.find((v) => v.VpcId === a.VpcId)?.IsDefault))
      .map((g) => ({ id: g.InternetGatewayId!, tags: tagsOf(g.Tags), vpcIds: (g.Attachments ?? []).map((a) => a.VpcId!) })),
    routeTables: tables.filter((t) => !vpcs.find((v) => v.VpcId === t.VpcId)?.IsDefault).map((t) => ({
      id: t.RouteTableId!, vpcId: t.VpcId!, main: (t.Associations ?? []).some((a) => a.Main), tags: tagsOf(t.Tags),
      routes: Object.fromEntries((t.Routes ?? []).filter((r) => (r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock) && r.GatewayId !== 'local').map((r) => [r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock!, {
        ...(r.GatewayId ? { gatewayId: r.GatewayId } : {}), ...(r.NatGatewayId ? { natGatewayId: r.NatGatewayId } : {}),
        ...(r.EgressOnlyInternetGatewayId ? { egressOnlyInternetGatewayId: r.EgressOnlyInternetGatewayId } : {}),
      }])),
      subnetIds: (t.Associations ?? []).flatMap((a) => (a.SubnetId ? [a.SubnetId] : [])),
    })),
    natGateways: ((await ec2.send(new DescribeNatGatewaysCommand({}))).NatGateways ?? []).map((n) => ({
      id: n.NatGatewayId!, vpcId: n.VpcId!, subnetId: n.SubnetId!, state: n.State!, tags: tagsOf(n.Tags),
      allocationIds: (n.NatGatewayAddresses ?? []).flatMap((a) => (a.AllocationId ? [a.AllocationId] : [])),
    })),
    addresses: ((await ec2.send(new DescribeAddressesCommand({}))).Addresses ?? []).map((a) => ({ allocationId: a.AllocationId!, tags: tagsOf(a.Tags) })),
  };
}

/** Whether moto's VPC has DNS hostnames on, which EKS nodes need to register. */
export async function motoDnsHostnames(ec2: EC2Client, vpcId: string): Promise<boolean> {
  return (await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsHostnames' }))).EnableDnsHostnames?.Value === true;
}

/** What the simulated account holds. */
export function simNetworkInventory(vpc: SimulatedVpc): NetworkInventory {
  const parts = vpc.parts();
  return {
    vpcs: parts.vpcs,
    subnets: parts.subnets,
    internetGateways: parts.internetGateways.map((g) => ({ id: g.id, tags: g.tags, vpcIds: g.vpcId ? [g.vpcId] : [] })),
    routeTables: parts.routeTables.map((t) => ({ id: t.id, vpcId: t.vpcId, main: false, tags: t.tags, routes: t.routes, subnetIds: t.subnetIds })),
    natGateways: parts.natGateways.map((n) => ({ id: n.id, vpcId: n.vpcId, subnetId: n.subnetId, state: n.state, tags: n.tags, allocationIds: [n.allocationId] })),
    addresses: parts.addresses.map((a) => ({ allocationId: a.allocationId, tags: a.tags })),
  };
}

const environmentTag = 'eksflow.io/environment';

/**
 * The whole network, one of each part: one VPC, a public and a private subnet per zone
 * tagged for EKS and load balancers, one attached internet gateway, a public route table to
 * it, a private route table per zone to its NAT gateway, and one NAT gateway with one
 * address per NAT zone; every part carrying the environment's tag. Returns the VPC's ID.
 */
export function assertCompleteNetwork(inventory: NetworkInventory, expected: { environment: string; cluster: string; zones: string[]; natGateway: 'single' | 'perAz' | 'none' }, why = ''): string {
  const { environment, cluster, zones } = expected;
  const say = (what: string) => `${what}${why ? ` (${why})` : ''}`;
  const ours = <T extends { tags: Record<string, string> }>(parts: T[]) => parts.filter((p) => p.tags[environmentTag] === environment);
  const vpcs = ours(inventory.vpcs);
  assert.equal(vpcs.length, 1, say(`one VPC, found ${vpcs.length}`));
  const vpcId = vpcs[0]!.id;

  const subnets = inventory.subnets.filter((s) => s.vpcId === vpcId);
  assert.equal(subnets.length, zones.length * 2, say(`${zones.length * 2} subnets, found ${subnets.length}`));
  const subnetOf = (zone: string, tier: 'public' | 'private') => {
    const found = subnets.filter((s) => s.zone === zone && s.tags['eksflow.io/subnet-role'] === tier);
    assert.equal(found.length, 1, say(`one ${tier} subnet in ${zone}`));
    const tags = found[0]!.tags;
    assert.equal(tags[environmentTag], environment, say(`the ${tier} subnet in ${zone} is tagged`));
    assert.equal(tags[`kubernetes.io/cluster/${cluster}`], 'shared', say(`the ${tier} subnet in ${zone} is tagged for EKS`));
    assert.equal(tags[tier === 'public' ? 'kubernetes.io/role/elb' : 'kubernetes.io/role/internal-elb'], '1', say(`the ${tier} subnet in ${zone} is tagged for load balancers`));
    return found[0]!.id;
  };

  const gateways = ours(inventory.internetGateways);
  assert.equal(gateways.length, 1, say(`one internet gateway, found ${gateways.length}`));
  assert.deepEqual(gateways[0]!.vpcIds, [vpcId], say('the internet gateway is attached'));

  const tables = inventory.routeTables.filter((t) => t.vpcId === vpcId && !t.main);
  assert.equal(tables.length, 1 + zones.length, say(`${1 + zones.length} route tables, found ${tables.length}`));
  for (const table of tables) assert.equal(table.tags[environmentTag], environment, say(`route table ${table.id} is tagged`));
  const tableOf = (subnetId: string) => {
    const found = tables.filter((t) => t.subnetIds.includes(subnetId));
    assert.equal(found.length, 1, say(`subnet ${subnetId} has its route table`));
    return found[0]!;
  };

  const natZones = expected.natGateway === 'none' ? [] : expected.natGateway === 'single' ? zones.slice(0, 1) : zones;
  const nats = inventory.natGateways.filter((n) => n.vpcId === vpcId && n.state !== 'deleted' && n.state !== 'deleting');
  assert.equal(nats.length, natZones.length, say(`${natZones.length} NAT gateways, found ${nats.map((n) => `${n.id} ${n.state}`).join(', ') || 'none'}`));
  for (const nat of nats) {
    assert.notEqual(nat.state, 'failed', say(`NAT gateway ${nat.id} is not a failed one`));
    assert.equal(nat.tags[environmentTag], environment, say(`NAT gateway ${nat.id} is tagged`));
  }
  const addresses = ours(inventory.addresses);
  assert.equal(addresses.length, natZones.length, say(`${natZones.length} Elastic IPs, found ${addresses.length}`));
  assert.deepEqual(addresses.map((a) => a.allocationId).sort(), nats.flatMap((n) => n.allocationIds).sort(), say('each address serves a NAT gateway'));

  const natIn = (zone: string) => {
    const found = nats.filter((n) => n.subnetId === subnetOf(zone, 'public'));
    assert.equal(found.length, 1, say(`one NAT gateway in ${zone}`));
    return found[0]!.id;
  };
  for (const zone of zones) {
    assert.equal(tableOf(subnetOf(zone, 'public')).routes['0.0.0.0/0']?.gatewayId, gateways[0]!.id, say(`public subnets in ${zone} route to the internet gateway`));
    const privateRoute = tableOf(subnetOf(zone, 'private')).routes['0.0.0.0/0'];
    if (natZones.length === 0) assert.equal(privateRoute, undefined, say(`private subnets in ${zone} have no way out without NAT`));
    else assert.equal(privateRoute?.natGatewayId, natIn(natZones.includes(zone) ? zone : natZones[0]!), say(`private subnets in ${zone} route to their NAT gateway`));
  }
  return vpcId;
}
