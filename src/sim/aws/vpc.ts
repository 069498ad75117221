import { aws } from '../../activities/aws/errors';
import { deletable, holdsAddress, natGatewaysStillDeleting, type NatGateway, type NatGatewayState, type Network, type VpcApi } from '../../activities/aws/vpc';
import { ensureNetworkParts, subnetRoleTag, type NetworkInput, type NetworkRequests, type Target, ipv6Within } from '../../activities/aws/vpc-parts';
import { ownershipTagKeys } from '../../domain/ownership';
import { after, type SimContext } from './context';
import { ec2Error, SimulatedAwsError } from './errors';
import type { AwsGateway, Request } from './gateway';

interface SubnetRecord {
  id: string;
  vpcId: string;
  zone: string;
  cidr: string;
  tags: Record<string, string>;
  /** PrivateDnsHostnameTypeOnLaunch; EC2's default is ip-name. */
  hostnameType?: 'ip-name' | 'resource-name';
  /** The subnet's IPv6 /64, a block of its VPC's /56. */
  ipv6Cidr?: string;
  /** AssignIpv6AddressOnCreation; EC2's default is false. */
  assignIpv6?: boolean;
}

interface VpcRecord {
  id: string;
  cidr: string;
  tags: Record<string, string>;
  /** The Amazon-provided IPv6 /56: `associating` for a moment after it is asked for, then `associated`. */
  ipv6?: { cidr: string; state: 'associating' | 'associated' };
}

interface EgressOnlyGatewayRecord {
  vpcId: string;
  tags: Record<string, string>;
}

interface InternetGatewayRecord {
  tags: Record<string, string>;
  vpcId?: string;
}

interface RouteTableRecord {
  vpcId: string;
  tags: Record<string, string>;
  /** Destination CIDR (IPv4 or IPv6) → where it goes. */
  routes: Map<string, Target>;
  /** Association ID → subnet. */
  associations: Map<string, string>;
}

interface AddressRecord {
  tags: Record<string, string>;
  /** The NAT gateway the address serves, while it holds it. */
  natGatewayId?: string;
}

interface NatGatewayRecord {
  vpcId: string;
  subnetId: string;
  allocationId: string;
  state: NatGatewayState;
  tags: Record<string, string>;
  failureCode?: string;
  failureMessage?: string;
}

/** How the next NAT gateways fail, when a test asks for it: AWS's failure code and message. */
export interface NatGatewayFailure {
  code: string;
  message: string;
}

/** What else in the account holds on to a subnet or a VPC: EKS clusters, node groups, ENIs, load balancers. */
export interface VpcDependents {
  usingSubnet(subnetId: string): string | undefined;
  usingVpc(vpcId: string): string | undefined;
}

// EC2's answers to a request about a part that is not there, or is already so, with EC2's own
// names: the network code retries them as "not yet visible" (catalog 44).
const ec2ClientError = (name: string, message: string) => new SimulatedAwsError(name, message, 400);

/**
 * EC2's VPC calls: a VPC with public and private subnets, gateways and route tables, each
 * part tagged and found by its tags, as on EC2. The network is built by the same code as on
 * AWS (`ensureNetworkParts`) over this account's records, so each EC2 request is counted and
 * can meet a fault exactly where the SDK adapter would make it. Deleting a subnet or VPC
 * something still uses is a DependencyViolation, as on EC2, which the adapters classify as
 * transient: teardown retries until the dependent is gone.
 */
export class SimulatedVpc implements VpcApi {
  private readonly vpcs = new Map<string, VpcRecord>();
  private readonly subnets = new Map<string, SubnetRecord>();
  private readonly internetGateways = new Map<string, InternetGatewayRecord>();
  private readonly egressOnlyGateways = new Map<string, EgressOnlyGatewayRecord>();
  private readonly routeTables = new Map<string, RouteTableRecord>();
  /** Elastic IPs by allocation ID. */
  private readonly addresses = new Map<string, AddressRecord>();
  private readonly nats = new Map<string, NatGatewayRecord>();
  /** Client tokens of the creates that take one (CreateRouteTable, CreateNatGateway) → what they made. */
  private readonly tokens = new Map<string, string>();
  private readonly natFailures: NatGatewayFailure[] = [];
  private readonly zones: string[];
  private readonly zoneIds: Map<string, string>;
  /** Local Zone groups this account opted in to (EC2 ModifyAvailabilityZoneGroup); none at first, as for a new account. */
  private readonly optedInGroups = new Set<string>();

  constructor(private readonly context: SimContext, private readonly gateway: AwsGateway, private readonly dependents: VpcDependents, zoneCount = 3) {
    this.zones = 'abcdef'.slice(0, zoneCount).split('').map((letter) => `${context.region}${letter}`);
    this.zoneIds = new Map(this.zones.map((zone, i) => [zone, zoneIdOf(context.region, i)]));
  }

  private call<T>(method: string, resource: string | undefined, body: (request: Request) => Promise<T>): Promise<T> {
    return this.gateway.operation({ service: 'ec2', method, resource }, body);
  }

  /**
   * Makes the next `count` NAT gateways fail when they would have become available, as EC2's
   * do (catalog 43): state `failed` with a failure code and message, their address let go.
   * @default InsufficientFreeAddressesInSubnet
   */
  failNatGateways(count = 1, failure: NatGatewayFailure = { code: 'InsufficientFreeAddressesInSubnet', message: 'Subnet has insufficient free addresses to create this NAT gateway' }): void {
    for (let i = 0; i < count; i++) this.natFailures.push(failure);
  }

  /** Where a subnet is, for EKS's checks; `undefined` when there is no such subnet. */
  subnet(id: string): { vpcId: string; zone: string; vpcCidr?: string; ipv6Cidr?: string } | undefined {
    const subnet = this.subnets.get(id);
    const vpcCidr = subnet && this.vpcs.get(subnet.vpcId)?.cidr;
    return subnet && { vpcId: subnet.vpcId, zone: subnet.zone, ...(vpcCidr ? { vpcCidr } : {}), ...(subnet.ipv6Cidr ? { ipv6Cidr: subnet.ipv6Cidr } : {}) };
  }

  /** A VPC's primary CIDR; `undefined` when there is no such VPC. */
  vpcCidr(id: string): string | undefined {
    return this.vpcs.get(id)?.cidr;
  }

  vpcIds(): string[] {
    return [...this.vpcs.keys()].sort();
  }

  /** Every part of the account's networks, by kind, for tests that count them. */
  parts() {
    return {
      vpcs: [...this.vpcs.values()].map((v) => ({ id: v.id, tags: { ...v.tags }, ...(v.ipv6 ? { ipv6Cidr: v.ipv6.cidr } : {}) })),
      subnets: [...this.subnets.values()].map((s) => ({
        id: s.id, vpcId: s.vpcId, zone: s.zone, tags: { ...s.tags }, hostnameType: s.hostnameType ?? 'ip-name', assignIpv6: s.assignIpv6 ?? false, ...(s.ipv6Cidr ? { ipv6Cidr: s.ipv6Cidr } : {}),
      })),
      internetGateways: [...this.internetGateways].map(([id, g]) => ({ id, vpcId: g.vpcId, tags: { ...g.tags } })),
      egressOnlyInternetGateways: [...this.egressOnlyGateways].map(([id, g]) => ({ id, vpcId: g.vpcId, tags: { ...g.tags } })),
      routeTables: [...this.routeTables].map(([id, t]) => ({ id, vpcId: t.vpcId, tags: { ...t.tags }, routes: Object.fromEntries(t.routes), subnetIds: [...t.associations.values()] })),
      addresses: [...this.addresses].map(([allocationId, a]) => ({ allocationId, natGatewayId: a.natGatewayId, tags: { ...a.tags } })),
      natGateways: [...this.nats].map(([id, n]) => ({ id, vpcId: n.vpcId, subnetId: n.subnetId, allocationId: n.allocationId, state: n.state, tags: { ...n.tags } })),
    };
  }

  /**
   * Opts the account in to a Local Zone group, as EC2 ModifyAvailabilityZoneGroup with
   * OptInStatus opted-in does: its zones then take subnets and are described as opted-in.
   */
  optInZoneGroup(group: string): void {
    this.optedInGroups.add(group);
  }

  private localZones() {
    return (localZonesOf[this.context.region] ?? []).map((name) => {
      const group = name.slice(0, -1);
      return { name, type: 'local-zone', state: 'available', optInStatus: this.optedInGroups.has(group) ? 'opted-in' : 'not-opted-in', group };
    });
  }

  describeZones(names: string[]) {
    return this.call('describeZones', undefined, (request) => aws('DescribeAvailabilityZones', () => request('DescribeAvailabilityZones', () => [
      ...this.zones.map((name) => ({ name, type: 'availability-zone', state: 'available', optInStatus: 'opt-in-not-required', group: this.context.region })),
      ...this.localZones(),
    ].filter((zone) => names.includes(zone.name)))));
  }

  /**
   * DescribeInstanceTypeOfferings with LocationType availability-zone and location and
   * instance-type filters (EC2 API reference): each of the Region's Availability Zones offers
   * every type here (the simulated cloud does not model the few an older zone lacks), a Local Zone
   * only its families (`localZoneFamilies`), a name that is no zone of the Region nothing. A Local
   * Zone's offerings are listed whether or not its group is opted in: the opt-in is
   * DescribeAvailabilityZones' to tell (and the network's check).
   */
  instanceTypeOfferings(zones: string[], instanceTypes: string[]) {
    return this.call('instanceTypeOfferings', undefined, (request) => aws('DescribeInstanceTypeOfferings', () => request('DescribeInstanceTypeOfferings', () => {
      const localZones = localZonesOf[this.context.region] ?? [];
      const offered = (zone: string, type: string) => this.zones.includes(zone) || (localZones.includes(zone) && localZoneOffers(zone, type));
      return zones.flatMap((zone) => instanceTypes.filter((type) => offered(zone, type)).map((instanceType) => ({ instanceType, zone })));
    })));
  }

  availabilityZones() {
    return this.call('availabilityZones', undefined, (request) => aws('DescribeAvailabilityZones', () => request('DescribeAvailabilityZones', () => this.zones.map((name) => ({ name, id: this.zoneIds.get(name)! })))));
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

  subnetsById(subnetIds: string[]) {
    return this.call('subnetsById', undefined, (request) => aws('DescribeSubnets', () => request('DescribeSubnets', () =>
      subnetIds.flatMap((id) => { const subnet = this.subnets.get(id); return subnet ? [{ id, vpcId: subnet.vpcId }] : []; }))));
  }

  subnetsMatching({ vpcId, cidr, zone }: { vpcId: string; cidr?: string; zone?: string }) {
    return this.call('subnetsMatching', undefined, (request) => aws('DescribeSubnets', () => request('DescribeSubnets', () => [...this.subnets.values()]
      .filter((subnet) => subnet.vpcId === vpcId && (cidr === undefined || subnet.cidr === cidr) && (zone === undefined || subnet.zone === zone))
      .map((subnet) => ({ id: subnet.id, cidr: subnet.cidr, zone: subnet.zone })))));
  }

  ensureNetwork(input: NetworkInput) {
    return this.call('ensureNetwork', input.cluster, (request) => ensureNetworkParts(this.requests(request, input.cluster), input));
  }

  /**
   * EC2's network requests on this account's records. A NAT gateway takes minutes to become
   * available, and nodes in private subnets need it: the run waits for it, as the planner's
   * estimate for the network assumes. One draw per cluster and call, so the same environment
   * gets the same network time in any run.
   */
  private requests(request: Request, cluster: string): NetworkRequests {
    const { ids } = this.context;
    let natReadyAt: number | undefined;
    const vpcOf = (vpcId: string) => {
      const vpc = this.vpcs.get(vpcId);
      if (!vpc) throw ec2Error.vpcNotFound(`The vpc ID '${vpcId}' does not exist`);
      return vpc;
    };
    const routeTableOf = (id: string) => {
      const table = this.routeTables.get(id);
      if (!table) throw ec2ClientError('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`);
      return table;
    };
    const subnetOf = (id: string) => {
      const subnet = this.subnets.get(id);
      if (!subnet) throw ec2ClientError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
      return subnet;
    };
    const checkTarget = (target: Target, destination: string) => {
      if ('gatewayId' in target && !this.internetGateways.has(target.gatewayId)) throw ec2ClientError('InvalidGatewayID.NotFound', `The gateway ID '${target.gatewayId}' does not exist`);
      if ('natGatewayId' in target && !this.nats.has(target.natGatewayId)) throw ec2ClientError('InvalidNatGatewayID.NotFound', `The natGateway ID '${target.natGatewayId}' does not exist`);
      if ('egressOnlyInternetGatewayId' in target) {
        if (!this.egressOnlyGateways.has(target.egressOnlyInternetGatewayId)) throw ec2ClientError('InvalidGatewayID.NotFound', `The gateway ID '${target.egressOnlyInternetGatewayId}' does not exist`);
        // An egress-only gateway carries IPv6 only (VPC user guide, "Enable outbound IPv6 traffic using an egress-only internet gateway").
        if (!destination.includes(':')) throw ec2Error.invalidParameterValue(`Route ${destination} with an egress-only internet gateway must be an IPv6 destination`);
      }
    };
    const inCidr = (outer: string, inner: string) => {
      const toRange = (block: string) => {
        const [base, bits] = block.split('/') as [string, string];
        const start = base.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
        return [start, start + 2 ** (32 - Number(bits))] as const;
      };
      const [a, b] = [toRange(outer), toRange(inner)];
      return { overlaps: a[0] < b[1] && b[0] < a[1], within: b[0] >= a[0] && b[1] <= a[1] };
    };
    // A subnet's IPv6 block is a /64 of its VPC's associated /56, and no other subnet's (CreateSubnet, Ipv6CidrBlock).
    const checkSubnetIpv6 = (vpc: VpcRecord, ipv6Cidr: string) => {
      if (!vpc.ipv6 || vpc.ipv6.state !== 'associated') throw ec2ClientError('InvalidSubnet.Range', `The IPv6 CIDR '${ipv6Cidr}' is invalid: the VPC has no associated IPv6 CIDR block`);
      if (!ipv6Within(vpc.ipv6.cidr, ipv6Cidr)) throw ec2ClientError('InvalidSubnet.Range', `The IPv6 CIDR '${ipv6Cidr}' is invalid: not a /64 of ${vpc.ipv6.cidr}`);
      if ([...this.subnets.values()].some((s) => s.vpcId === vpc.id && s.ipv6Cidr === ipv6Cidr)) throw ec2ClientError('InvalidSubnet.Conflict', `The CIDR '${ipv6Cidr}' conflicts with another subnet`);
    };
    return {
      createVpc: ({ cidr, tags, ipv6 }) => request('CreateVpc', () => {
        if (!/^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-8])$/.test(cidr)) throw ec2Error.invalidParameterValue(`Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
        const id = ids.ec2('vpc');
        const vpc: VpcRecord = { id, cidr, tags: { ...tags } };
        this.vpcs.set(id, vpc);
        if (ipv6) this.giveIpv6Block(vpc);
        return id;
      }),
      vpcIpv6Blocks: (vpcId) => request('DescribeVpcs', () => {
        const block = vpcOf(vpcId).ipv6;
        return block ? [{ ...block }] : [];
      }),
      associateVpcIpv6: (vpcId) => request('AssociateVpcCidrBlock', () => {
        const vpc = vpcOf(vpcId);
        // A VPC takes one Amazon-provided IPv6 block (VPC user guide, "IPv6 VPC CIDR blocks").
        if (vpc.ipv6) throw ec2Error.invalidParameterValue(`The vpc ${vpcId} already has an Amazon-provided IPv6 CIDR block`);
        this.giveIpv6Block(vpc);
      }),
      enableDnsHostnames: (vpcId) => request('ModifyVpcAttribute', () => void vpcOf(vpcId)),
      internetGateways: (environment) => request('DescribeInternetGateways', () => [...this.internetGateways]
        .filter(([, g]) => g.tags[ownershipTagKeys.environment] === environment)
        .map(([id, g]) => ({ id, tags: { ...g.tags }, attachedTo: g.vpcId ? [g.vpcId] : [] }))),
      createInternetGateway: (tags) => request('CreateInternetGateway', () => {
        const id = ids.ec2('igw');
        this.internetGateways.set(id, { tags: { ...tags } });
        return id;
      }),
      attachInternetGateway: (gatewayId, vpcId) => request('AttachInternetGateway', () => {
        const gateway = this.internetGateways.get(gatewayId);
        if (!gateway) throw ec2ClientError('InvalidInternetGatewayID.NotFound', `The internetGateway ID '${gatewayId}' does not exist`);
        vpcOf(vpcId);
        if (gateway.vpcId) throw ec2ClientError('Resource.AlreadyAssociated', `resource ${gatewayId} is already attached to network ${gateway.vpcId}`);
        gateway.vpcId = vpcId;
      }),
      subnets: (vpcId) => request('DescribeSubnets', () => [...this.subnets.values()].filter((s) => s.vpcId === vpcId)
        .map((s) => ({ id: s.id, tags: { ...s.tags }, zone: s.zone, cidr: s.cidr, ...(s.ipv6Cidr ? { ipv6Cidr: s.ipv6Cidr } : {}) }))),
      createSubnet: ({ vpcId, zone, cidr, ipv6Cidr, tags }) => request('CreateSubnet', () => {
        const vpc = vpcOf(vpcId);
        // A Local Zone takes subnets once its group is opted in (AWS Local Zones user guide).
        const usable = [...this.zones, ...this.localZones().filter((lz) => lz.optInStatus === 'opted-in').map((lz) => lz.name)];
        if (!usable.includes(zone)) throw ec2Error.invalidParameterValue(`Value (${zone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${usable.join(', ')}.`);
        if (!inCidr(vpc.cidr, cidr).within) throw ec2ClientError('InvalidSubnet.Range', `The CIDR '${cidr}' is invalid.`);
        if ([...this.subnets.values()].some((s) => s.vpcId === vpcId && inCidr(s.cidr, cidr).overlaps)) throw ec2ClientError('InvalidSubnet.Conflict', `The CIDR '${cidr}' conflicts with another subnet`);
        if (ipv6Cidr) checkSubnetIpv6(vpc, ipv6Cidr);
        const id = ids.ec2('subnet');
        this.subnets.set(id, { id, vpcId, zone, cidr, tags: { ...tags }, ...(ipv6Cidr ? { ipv6Cidr } : {}) });
        return id;
      }),
      associateSubnetIpv6: (subnetId, ipv6Cidr) => request('AssociateSubnetCidrBlock', () => {
        const subnet = subnetOf(subnetId);
        if (subnet.ipv6Cidr) throw ec2ClientError('InvalidSubnet.Conflict', `The subnet '${subnetId}' already has the IPv6 CIDR block '${subnet.ipv6Cidr}'`);
        checkSubnetIpv6(vpcOf(subnet.vpcId), ipv6Cidr);
        subnet.ipv6Cidr = ipv6Cidr;
      }),
      assignIpv6OnCreation: (subnetId) => request('ModifySubnetAttribute', () => {
        const subnet = subnetOf(subnetId);
        // EC2 refuses the attribute on a subnet without an IPv6 block (ModifySubnetAttribute, AssignIpv6AddressOnCreation).
        if (!subnet.ipv6Cidr) throw ec2Error.invalidParameterValue(`Subnet ${subnetId} has no IPv6 CIDR block: AssignIpv6AddressOnCreation needs one`);
        subnet.assignIpv6 = true;
      }),
      egressOnlyInternetGateways: (environment) => request('DescribeEgressOnlyInternetGateways', () => [...this.egressOnlyGateways]
        .filter(([, g]) => g.tags[ownershipTagKeys.environment] === environment)
        .map(([id, g]) => ({ id, tags: { ...g.tags }, attachedTo: [g.vpcId] }))),
      createEgressOnlyInternetGateway: ({ vpcId, tags, clientToken }) => request('CreateEgressOnlyInternetGateway', () => {
        vpcOf(vpcId);
        const known = this.tokens.get(clientToken);
        if (known) return known;
        const id = ids.ec2('eigw');
        this.egressOnlyGateways.set(id, { vpcId, tags: { ...tags } });
        this.tokens.set(clientToken, id);
        return id;
      }),
      setSubnetHostnameType: (subnetId, hostnameType) => request('ModifySubnetAttribute', () => {
        const subnet = this.subnets.get(subnetId);
        if (!subnet) throw ec2ClientError('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
        subnet.hostnameType = hostnameType;
      }),
      createTags: (resourceIds, tags) => request('CreateTags', () => {
        for (const id of resourceIds) {
          const tagged = this.vpcs.get(id) ?? this.subnets.get(id) ?? this.internetGateways.get(id) ?? this.egressOnlyGateways.get(id) ?? this.routeTables.get(id) ?? this.addresses.get(id) ?? this.nats.get(id);
          if (!tagged) throw ec2ClientError('InvalidID', `The ID '${id}' is not valid`);
          Object.assign(tagged.tags, tags);
        }
      }),
      routeTables: (vpcId) => request('DescribeRouteTables', () => [...this.routeTables].filter(([, t]) => t.vpcId === vpcId).map(([id, t]) => ({
        id, tags: { ...t.tags }, main: false,
        routes: Object.fromEntries([...t.routes].map(([destination, to]) => {
          // A route to a NAT gateway that is gone is a blackhole, as EC2 shows it.
          const nat = 'natGatewayId' in to ? this.nats.get(to.natGatewayId) : undefined;
          const blackhole = ('natGatewayId' in to && (!nat || nat.state === 'failed' || nat.state === 'deleting' || nat.state === 'deleted'))
            || ('egressOnlyInternetGatewayId' in to && !this.egressOnlyGateways.has(to.egressOnlyInternetGatewayId));
          return [destination, { ...to, state: blackhole ? 'blackhole' : 'active' }];
        })),
        associations: [...t.associations].map(([associationId, subnetId]) => ({ id: associationId, subnetId })),
      }))),
      createRouteTable: ({ vpcId, tags, clientToken }) => request('CreateRouteTable', () => {
        vpcOf(vpcId);
        const known = this.tokens.get(clientToken);
        if (known) return known;
        const id = ids.ec2('rtb');
        this.routeTables.set(id, { vpcId, tags: { ...tags }, routes: new Map(), associations: new Map() });
        this.tokens.set(clientToken, id);
        return id;
      }),
      createRoute: (tableId, destination, target) => request('CreateRoute', () => {
        const table = routeTableOf(tableId);
        checkTarget(target, destination);
        if (table.routes.has(destination)) throw ec2ClientError('RouteAlreadyExists', `The route identified by ${destination} already exists.`);
        table.routes.set(destination, target);
      }),
      replaceRoute: (tableId, destination, target) => request('ReplaceRoute', () => {
        const table = routeTableOf(tableId);
        checkTarget(target, destination);
        if (!table.routes.has(destination)) throw ec2ClientError('InvalidRoute.NotFound', `no route with destination-cidr-block ${destination} in route table ${tableId}`);
        table.routes.set(destination, target);
      }),
      associateRouteTable: (tableId, subnetId) => request('AssociateRouteTable', () => {
        const table = routeTableOf(tableId);
        subnetOf(subnetId);
        const current = [...this.routeTables].find(([, t]) => [...t.associations.values()].includes(subnetId));
        if (current) throw ec2ClientError('Resource.AlreadyAssociated', `the specified association for route table ${current[0]} conflicts with an existing association`);
        table.associations.set(ids.ec2('rtbassoc'), subnetId);
      }),
      addresses: (environment) => request('DescribeAddresses', () => [...this.addresses]
        .filter(([, a]) => a.tags[ownershipTagKeys.environment] === environment)
        .map(([allocationId, a]) => ({ id: allocationId, allocationId, tags: { ...a.tags }, ...(a.natGatewayId ? { associationId: `eipassoc-${a.natGatewayId}` } : {}) }))),
      allocateAddress: (tags) => request('AllocateAddress', () => {
        const id = ids.ec2('eipalloc');
        this.addresses.set(id, { tags: { ...tags } });
        return id;
      }),
      releaseAddress: (allocationId) => request('ReleaseAddress', () => this.release(allocationId)),
      natGateways: (vpcId) => request('DescribeNatGateways', () => [...this.nats].filter(([, n]) => n.vpcId === vpcId).map(([id, n]) => ({
        id, state: n.state, tags: { ...n.tags }, subnetId: n.subnetId,
        allocationIds: this.addresses.get(n.allocationId)?.natGatewayId === id ? [n.allocationId] : [],
        ...(n.failureCode ? { failureCode: n.failureCode, failureMessage: n.failureMessage } : {}),
      }))),
      createNatGateway: ({ subnetId, allocationId, clientToken, tags }) => request('CreateNatGateway', () => {
        const known = this.tokens.get(clientToken);
        if (known) return known;
        const subnet = subnetOf(subnetId);
        const address = this.addresses.get(allocationId);
        if (!address) throw ec2ClientError('InvalidAllocationID.NotFound', `The allocation ID '${allocationId}' does not exist`);
        if (address.natGatewayId) throw ec2ClientError('Resource.AlreadyAssociated', `Elastic IP address [${allocationId}] is already associated`);
        const id = ids.ec2('nat');
        const nat: NatGatewayRecord = { vpcId: subnet.vpcId, subnetId, allocationId, state: 'pending', tags: { ...tags } };
        this.nats.set(id, nat);
        this.tokens.set(clientToken, id);
        address.natGatewayId = id;
        const failure = this.natFailures.shift();
        natReadyAt ??= after(this.context, this.context.sampler.sample('network.create', cluster));
        this.context.scheduler.at(natReadyAt, () => {
          if (nat.state !== 'pending') return;
          if (!failure) {
            nat.state = 'available';
            return;
          }
          Object.assign(nat, { state: 'failed', failureCode: failure.code, failureMessage: failure.message });
          // A failed NAT gateway lets its address go: it can be released, or given to another.
          if (address.natGatewayId === id) address.natGatewayId = undefined;
        });
        return id;
      }),
      deleteNatGateway: (id) => request('DeleteNatGateway', () => this.startDeleting(id)),
    };
  }

  /**
   * An Amazon-provided /56 (from Amazon's pool: 2600:1f..::/56 here), `associating` as CreateVpc
   * and AssociateVpcCidrBlock answer, `associated` a moment later (Ipv6CidrBlockState).
   */
  private giveIpv6Block(vpc: VpcRecord): void {
    const n = (digits: string) => parseInt(digits, 16).toString(16);
    const hex = this.context.ids.hex(8);
    vpc.ipv6 = { cidr: `2600:1f${hex.slice(0, 2)}:${n(hex.slice(2, 6))}:${n(`${hex.slice(6, 8)}00`)}::/56`, state: 'associating' };
    const block = vpc.ipv6;
    this.context.scheduler.at(after(this.context, 1), () => { block.state = 'associated'; });
  }

  /** ReleaseAddress: refused while a NAT gateway still holds the address, as EC2 does. */
  private release(allocationId: string): void {
    const address = this.addresses.get(allocationId);
    if (!address) throw ec2ClientError('InvalidAllocationID.NotFound', `The allocation ID '${allocationId}' does not exist`);
    const holder = address.natGatewayId ? this.nats.get(address.natGatewayId) : undefined;
    if (holder && holdsAddress({ id: address.natGatewayId!, state: holder.state })) throw ec2ClientError('AuthFailure', `You do not have permission to access the specified resource.`);
    this.addresses.delete(allocationId);
  }

  /** DeleteNatGateway: deleting, then deleted after its sampled latency, its address let go. */
  private startDeleting(id: string): void {
    const nat = this.nats.get(id);
    if (!nat || nat.state === 'deleted') throw ec2ClientError('NatGatewayNotFound', `NAT gateway ${id} was not found`);
    if (nat.state === 'deleting') return;
    nat.state = 'deleting';
    this.context.scheduler.at(after(this.context, this.context.sampler.sample('nat-gateway.delete', id)), () => {
      nat.state = 'deleted';
      const address = this.addresses.get(nat.allocationId);
      if (address?.natGatewayId === id) address.natGatewayId = undefined;
    });
  }

  natGateways(vpcId: string) {
    return this.call('natGateways', vpcId, (request) => aws('DescribeNatGateways', () => request('DescribeNatGateways', () => this.natGatewaysOf(vpcId))));
  }

  private natGatewaysOf(vpcId: string): NatGateway[] {
    return [...this.nats].filter(([, nat]) => nat.vpcId === vpcId).map(([id, nat]) => ({
      id, state: nat.state, ...(nat.failureCode ? { failureCode: nat.failureCode } : {}), ...(nat.failureMessage ? { failureMessage: nat.failureMessage } : {}),
    }));
  }

  deleteNatGateways(vpcId: string) {
    return this.call('deleteNatGateways', vpcId, (request) => this.startNatDeletions(vpcId, request));
  }

  /** DeleteNatGateway for each one not already going. */
  private async startNatDeletions(vpcId: string, request: Request): Promise<void> {
    const nats = await aws('DescribeNatGateways', () => request('DescribeNatGateways', () => this.natGatewaysOf(vpcId)));
    for (const { id } of nats.filter(deletable)) await aws('DeleteNatGateway', () => request('DeleteNatGateway', () => this.startDeleting(id)));
  }

  deleteNetwork(vpcId: string) {
    return this.call('deleteNetwork', vpcId, async (request) => {
      const step = <T>(api: string, perform: () => T) => aws(api, () => request(api, perform));
      const vpc = await step('DescribeVpcs', () => this.vpcs.get(vpcId));
      if (!vpc) return;
      await this.startNatDeletions(vpcId, request);
      const holding = (await step('DescribeNatGateways', () => this.natGatewaysOf(vpcId))).filter(holdsAddress);
      if (holding.length > 0) throw natGatewaysStillDeleting(holding);
      // The gateways' addresses, and any other this environment allocated (one for a NAT
      // gateway that failed, or that a crash kept from being given to one).
      const environment = vpc.tags[ownershipTagKeys.environment];
      const mine = new Set([...this.nats.values()].filter((nat) => nat.vpcId === vpcId).map((nat) => nat.allocationId));
      const addresses = await step('DescribeAddresses', () => [...this.addresses]
        .filter(([id, a]) => mine.has(id) || (environment !== undefined && a.tags[ownershipTagKeys.environment] === environment)).map(([id]) => id));
      for (const id of addresses) await step('ReleaseAddress', () => this.release(id));
      for (const [id, nat] of [...this.nats]) if (nat.vpcId === vpcId) this.nats.delete(id);
      // Found by the environment tag too, so one made but never attached goes as well.
      const gateways = await step('DescribeInternetGateways', () => [...this.internetGateways]
        .filter(([, g]) => g.vpcId === vpcId || (!g.vpcId && environment !== undefined && g.tags[ownershipTagKeys.environment] === environment)));
      for (const [id, gateway] of gateways) {
        if (gateway.vpcId) await step('DetachInternetGateway', () => { gateway.vpcId = undefined; });
        await step('DeleteInternetGateway', () => this.internetGateways.delete(id));
      }
      // Only an egress-only gateway carrying this environment's tag goes; another one keeps DeleteVpc refusing.
      const egressOnly = await step('DescribeEgressOnlyInternetGateways', () => [...this.egressOnlyGateways]
        .filter(([, g]) => g.vpcId === vpcId && environment !== undefined && g.tags[ownershipTagKeys.environment] === environment).map(([id]) => id));
      for (const id of egressOnly) await step('DeleteEgressOnlyInternetGateway', () => this.egressOnlyGateways.delete(id));
      const tables = await step('DescribeRouteTables', () => [...this.routeTables].filter(([, t]) => t.vpcId === vpcId));
      for (const [id, table] of tables) {
        for (const associationId of [...table.associations.keys()]) await step('DisassociateRouteTable', () => table.associations.delete(associationId));
        await step('DeleteRouteTable', () => this.routeTables.delete(id));
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
        const gateway = [...this.egressOnlyGateways].find(([, g]) => g.vpcId === vpcId);
        if (gateway) throw ec2Error.dependencyViolation(`The vpc '${vpcId}' has dependencies and cannot be deleted (${gateway[0]}).`);
        const user = this.dependents.usingVpc(vpcId);
        if (user) throw ec2Error.dependencyViolation(`The vpc '${vpcId}' has dependencies and cannot be deleted (${user}).`);
        this.vpcs.delete(vpcId);
      });
    });
  }
}

// Zone IDs as AWS and moto map us-east-1's names in a typical account (us-east-1e is use1-az3,
// the zone EKS cannot use); elsewhere az1, az2, ... in name order, with the region's ID prefix.
const usEast1ZoneIds = ['use1-az6', 'use1-az1', 'use1-az2', 'use1-az4', 'use1-az3', 'use1-az5'];

/**
 * Some of the Local Zones AWS lists for a Region (AWS Local Zones locations; EC2
 * DescribeAvailabilityZones with AllAvailabilityZones): the zone name is its group's and a letter.
 */
const localZonesOf: Record<string, string[]> = {
  'us-west-2': ['us-west-2-lax-1a', 'us-west-2-lax-1b', 'us-west-2-las-1a', 'us-west-2-den-1a'],
  'us-east-1': ['us-east-1-bos-1a', 'us-east-1-mia-1a', 'us-east-1-dfw-2a'],
};

/**
 * The instance families a Local Zone offers: a small subset of the Region's, listed per zone on
 * the AWS Local Zones features page (https://aws.amazon.com/about-aws/global-infrastructure/localzones/features/).
 * That page is not reachable from this sandbox and no copy is in ../shared: the lists below are
 * an assumption to check against it — the general-purpose, compute- and memory-optimized
 * families (T3, C5, M5, R5) in every zone above, and C5d, M5d, R5d and G4dn beside them in Los
 * Angeles (us-west-2-lax-1a/1b). What is documented, and what the check relies on, is only the
 * shape: a Local Zone offers fewer types than its Region, and DescribeInstanceTypeOfferings with
 * LocationType availability-zone says which (EC2 API reference). Every size of a family is taken as offered.
 */
const localZoneFamilies = {
  everywhere: ['t3', 'c5', 'm5', 'r5'],
  'us-west-2-lax-1': ['c5d', 'm5d', 'r5d', 'g4dn'],
} as const;

function localZoneOffers(zone: string, instanceType: string): boolean {
  const family = instanceType.split('.')[0]!;
  const group = zone.slice(0, -1) as keyof typeof localZoneFamilies;
  return [...localZoneFamilies.everywhere, ...(localZoneFamilies[group] ?? [])].some((offered) => offered === family);
}

function zoneIdOf(region: string, index: number): string {
  if (region === 'us-east-1') return usEast1ZoneIds[index]!;
  const [area, direction, number] = region.split('-');
  return `${area}${(direction ?? '').replace(/^(north|south|east|west|central)(east|west)?$/, (_m, a: string, b?: string) => a[0]! + (b ? b[0]! : ''))}${number}-az${index + 1}`;
}
