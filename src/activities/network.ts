import { ApplicationFailure } from '@temporalio/common';
import type { NetworkSpec } from '../domain/environment-spec';
import { errorTypes } from '../domain/errors';
import { ownershipTagKeys, ownershipTags, type Owner } from '../domain/ownership';
import type { NatGateway, Network, VpcApi } from './aws/vpc';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse } from './ownership-check';
import { pickableZones } from '../domain/zones';
import { subnetReferenceKey, type FoundSubnets, type SubnetLookupSpec } from '../domain/subnet-lookups';

export interface NatGatewayStatus {
  status: 'PENDING' | 'DELETING' | 'FAILED' | 'AVAILABLE' | 'GONE';
  gateways: NatGateway[];
}

export function createNetworkActivities(vpc: VpcApi) {
  /**
   * The environment's own VPC: public and private subnets across the requested number of
   * AZs, an internet gateway, NAT as asked, subnets tagged for EKS and load balancers.
   * Found again by its environment tag, and then completed part by part: a retry after a
   * failure or a crash at any EC2 call ends with the whole network, one of each part, and a
   * NAT gateway that failed replaced.
   */
  async function ensureNetwork(input: {
    owner: Owner; region: string; cluster: string; vpc: NonNullable<NetworkSpec['vpc']>; tags?: Record<string, string>;
    /** The cluster's IP family: an IPv6 cluster's dual-stack VPC also gets the egress-only gateway its private subnets route IPv6 through. @default ipv4 */
    ipFamily?: 'ipv4' | 'ipv6';
  }): Promise<EnsuredResource & Network> {
    const ref = (vpcId: string) => ({ kind: 'vpc' as const, name: input.owner.environmentId, region: input.region, arn: vpcId });
    const existing = await vpc.findVpc(ownershipTagKeys.environment, input.owner.environmentId);
    const made = existing ? adoptOrRefuse(`the VPC of ${input.owner.environmentId}`, existing.tags, input.owner).madeByThisRun : true;
    const available = await vpc.availabilityZones();
    const offered = available.map((zone) => zone.name);
    const missing = input.vpc.zones?.filter((zone) => !offered.includes(zone)) ?? [];
    if (missing.length > 0) {
      throw ApplicationFailure.nonRetryable(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not available here; this account offers ${offered.join(', ')}`, errorTypes.invalidSpec);
    }
    // Chosen as eksctl chooses: never a zone EKS cannot place a control plane in (catalog 13).
    const pickable = pickableZones(available);
    const zones = input.vpc.zones ?? pickable.slice(0, input.vpc.availabilityZones);
    if (zones.length < input.vpc.availabilityZones) {
      const avoided = available.filter((zone) => !pickable.includes(zone.name)).map((zone) => `${zone.name} (${zone.id})`);
      throw ApplicationFailure.nonRetryable(`${input.vpc.availabilityZones} Availability Zones asked for; this account offers ${pickable.length} EKS can use: ${pickable.join(', ')}${avoided.length ? `; ${avoided.join(', ')} cannot hold an EKS control plane` : ''}`, errorTypes.invalidSpec);
    }
    if (input.vpc.localZones) await checkLocalZones(input.vpc.localZones);
    const network = await vpc.ensureNetwork({
      ...(input.vpc.localZones ? { localZones: input.vpc.localZones } : {}),
      cidr: input.vpc.cidr, zones, natGateway: input.vpc.natGateway, cluster: input.cluster,
      tags: { ...ownershipTags(input.owner, input.tags), Name: `eksflow-${input.cluster}` },
      ...(existing ? { vpcId: existing.vpcId } : {}),
      ...(input.vpc.hostnameType ? { hostnameType: input.vpc.hostnameType } : {}),
      ...(input.vpc.ipv6 ? { ipv6: { cluster: input.ipFamily === 'ipv6' } } : {}),
    });
    return { ref: ref(network.vpcId), made, ...network };
  }

  /**
   * Local Zones are checked before any subnet is made in them, as eksctl's ValidateLocalZones
   * does (pkg/eks/api.go: DescribeAvailabilityZones for the names, each must be found, available
   * and of ZoneType local-zone): a name that is no Local Zone of the region, or one whose zone
   * group the account has not opted in to (OptInStatus not-opted-in: EC2 takes no subnet there,
   * and eksctl, which asks without AllAvailabilityZones, does not find it), stops the run for good.
   */
  async function checkLocalZones(names: string[]): Promise<void> {
    const described = new Map((await vpc.describeZones(names)).map((zone) => [zone.name, zone]));
    const problems = names.flatMap((name) => {
      const zone = described.get(name);
      if (!zone) return [`${name} is not a zone of this region`];
      if (zone.type !== 'local-zone') return [`${name} is ${zone.type === 'availability-zone' ? 'an Availability Zone' : `a ${zone.type}`}, not a Local Zone`];
      if (zone.optInStatus === 'not-opted-in') return [`${name}'s zone group ${zone.group} is not opted in: opt in first (aws ec2 modify-availability-zone-group --group-name ${zone.group} --opt-in-status opted-in)`];
      if (zone.state !== 'available') return [`${name} is ${zone.state}`];
      return [];
    });
    if (problems.length > 0) throw ApplicationFailure.nonRetryable(`Local Zones: ${problems.join('; ')}`, errorTypes.invalidSpec);
  }

  /**
   * The environment's NAT gateways as one status for a wait: PENDING while any is being made,
   * FAILED if one could not be made (its failureCode and failureMessage in `gateways`),
   * AVAILABLE when the live ones all serve (one still deleting is a failed one being replaced),
   * DELETING while any is going and none serves, GONE when there are none left (or no VPC).
   */
  async function natGatewayStatus(input: { vpcId: string } | { environmentId: string }): Promise<NatGatewayStatus> {
    // A wait that knows its VPC looks it up once, not on every poll.
    const vpcId = 'vpcId' in input ? input.vpcId : (await vpc.findVpc(ownershipTagKeys.environment, input.environmentId))?.vpcId;
    const gateways = vpcId ? (await vpc.natGateways(vpcId)).filter((nat) => nat.state !== 'deleted') : [];
    const any = (state: NatGateway['state']) => gateways.some((nat) => nat.state === state);
    const status = any('pending') ? 'PENDING' : any('failed') ? 'FAILED' : any('available') ? 'AVAILABLE' : any('deleting') ? 'DELETING' : 'GONE';
    return { status, gateways };
  }

  /** Starts deleting the environment's NAT gateways, failed ones too, so their addresses can be released once they are gone. */
  async function deleteNatGateways(input: { environmentId: string }): Promise<void> {
    const found = await vpc.findVpc(ownershipTagKeys.environment, input.environmentId);
    if (found) await vpc.deleteNatGateways(found.vpcId);
  }

  /** Deletes the environment's VPC and everything in it, found by its environment tag. */
  async function deleteNetwork(input: { environmentId: string }): Promise<void> {
    const found = await vpc.findVpc(ownershipTagKeys.environment, input.environmentId);
    if (found) await vpc.deleteNetwork(found.vpcId);
  }

  /**
   * An existing network named by its VPC: every subnet given must exist and be in that VPC,
   * or the run stops for good naming the subnet (EKS would refuse subnets of two VPCs only at
   * CreateCluster, and a node group's stray subnet only at CreateNodegroup). Terraform's
   * aws_eks_cluster reads vpc_id from the subnets the same way: the subnets decide the VPC.
   */
  async function checkSubnetsInVpc(input: { vpcId: string; subnetIds: string[] }): Promise<{ subnetIds: string[] }> {
    const found = new Map((await vpc.subnetsById(input.subnetIds)).map((subnet) => [subnet.id, subnet.vpcId]));
    const missing = input.subnetIds.filter((id) => !found.has(id));
    if (missing.length > 0) throw ApplicationFailure.nonRetryable(`subnet${missing.length === 1 ? '' : 's'} ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist in this region`, errorTypes.invalidSpec);
    const elsewhere = input.subnetIds.filter((id) => found.get(id) !== input.vpcId);
    if (elsewhere.length > 0) {
      throw ApplicationFailure.nonRetryable(`${elsewhere.map((id) => `subnet ${id} is in ${found.get(id)}`).join(', ')}, not in ${input.vpcId}: give subnets of ${input.vpcId} only`, errorTypes.invalidSpec);
    }
    return { subnetIds: input.subnetIds };
  }

  /**
   * The network's subnets given by CIDR block and/or zone (network.subnetLookups), found in its
   * VPC before anything is made: each must match exactly one subnet, or the run stops for good
   * naming it. eksctl looks them up the same way (pkg/vpc/vpc.go describeSubnets: DescribeSubnets
   * by vpc-id and cidr-block, or availability-zone); a CIDR matches at most one subnet of a VPC
   * (EC2: a VPC's subnets cannot overlap), a zone alone may match several, which is ambiguous.
   */
  async function findSubnets(input: { vpcId: string; lookups: SubnetLookupSpec[] }): Promise<{ found: FoundSubnets }> {
    const found: FoundSubnets = {};
    const problems: string[] = [];
    for (const lookup of input.lookups) {
      const key = subnetReferenceKey(lookup);
      const matches = await vpc.subnetsMatching({ vpcId: input.vpcId, ...(lookup.cidr ? { cidr: lookup.cidr } : {}), ...(lookup.availabilityZone ? { zone: lookup.availabilityZone } : {}) });
      if (matches.length === 1) found[key] = matches[0]!.id;
      else if (matches.length === 0) problems.push(`no subnet of ${input.vpcId} has ${key}`);
      else problems.push(`${matches.length} subnets of ${input.vpcId} have ${key} (${matches.map((m) => `${m.id} ${m.cidr} ${m.zone}`).join(', ')}): give its cidr, or its id`);
    }
    if (problems.length > 0) throw ApplicationFailure.nonRetryable(`${problems.join('; ')}`, errorTypes.invalidSpec);
    return { found };
  }

  return { ensureNetwork, natGatewayStatus, deleteNatGateways, deleteNetwork, checkSubnetsInVpc, findSubnets };
}
