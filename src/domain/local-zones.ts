import { Type } from '@sinclair/typebox';

/**
 * AWS Local Zones: zones of a Region placed in a metro area (us-west-2-lax-1a), each in a zone
 * group (us-west-2-lax-1) an account must opt in to before it can use it (AWS Local Zones user
 * guide, "Getting started"; EC2 DescribeAvailabilityZones: ZoneType local-zone, OptInStatus
 * opted-in / not-opted-in, GroupName). eksctl's `localZones` makes a public and a private subnet
 * in each named zone beside the VPC's others, and a self-managed node group's `localZones` puts
 * it in them, public unless privateNetworking (eksctl pkg/cfn/builder/vpc_ipv4.go LocalZoneSubnets,
 * pkg/vpc/vpc.go SetSubnets with localZones). The control plane never goes there.
 */

export const LocalZoneName = Type.String({ pattern: '^[a-z]{2}(-gov)?-[a-z]+-[0-9]-[a-z]+-[0-9]+[a-z]$', description: 'a Local Zone name such as us-west-2-lax-1a' });

/** A Local Zone subnet the network made, and its tier. */
export interface LocalZoneSubnet {
  zone: string;
  tier: 'public' | 'private';
  id: string;
}

/** Where a spec's Local Zones go wrong before any call. */
export function localZoneProblems(
  network: { vpc?: { localZones?: string[]; natGateway?: string } } | undefined,
  region: unknown,
  groups: readonly { localZones?: string[]; kind?: string; availabilityZones?: unknown; subnetIds?: unknown; subnetLookups?: unknown }[],
): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  const zones = network?.vpc?.localZones ?? [];
  zones.forEach((zone, i) => {
    if (typeof region === 'string' && !zone.startsWith(`${region}-`)) errors.push({ path: `/network/vpc/localZones/${i}`, message: `${zone} is not a Local Zone of ${region}` });
  });
  // eksctl: "HighlyAvailable NAT gateway is not supported for localZones" (pkg/apis validation):
  // the Local Zones' private subnets go out through the Region's one NAT gateway.
  if (zones.length > 0 && network?.vpc?.natGateway === 'perAz') {
    errors.push({ path: '/network/vpc/natGateway', message: 'perAz is not offered with Local Zones (nor by eksctl): their private subnets go out through one NAT gateway; use single or none' });
  }
  groups.forEach((group, i) => {
    if (!Array.isArray(group.localZones)) return;
    const at = `/nodeGroups/${i}`;
    // eksctl has localZones only on self-managed nodeGroups (pkg/apis/eksctl.io/v1alpha5 NodeGroup.LocalZones).
    if (group.kind !== 'self-managed') errors.push({ path: `${at}/localZones`, message: 'only a self-managed group (kind: self-managed) runs in Local Zones, as in eksctl; make it self-managed' });
    if (!network?.vpc) errors.push({ path: `${at}/localZones`, message: 'puts the group in subnets eksflow makes in those Local Zones: give network.vpc with the same localZones' });
    group.localZones.forEach((zone, j) => {
      if (network?.vpc && !zones.includes(zone)) errors.push({ path: `${at}/localZones/${j}`, message: `${zone} is not one of network.vpc.localZones; list it there too` });
    });
    for (const field of ['availabilityZones', 'subnetIds', 'subnetLookups'] as const) {
      if (group[field] !== undefined) errors.push({ path: `${at}/${field}`, message: 'the group runs in its localZones\' subnets: leave this out' });
    }
  });
  return errors;
}

/** A group's subnets in its Local Zones: public ones, or private with privateNetworking true (eksctl's default is public). */
export function localZoneSubnetIds(group: { localZones?: string[]; privateNetworking?: boolean }, subnets: readonly LocalZoneSubnet[] | undefined): string[] | undefined {
  if (!group.localZones) return undefined;
  const tier = group.privateNetworking === true ? 'private' : 'public';
  return (subnets ?? []).filter((subnet) => subnet.tier === tier && group.localZones!.includes(subnet.zone)).map((subnet) => subnet.id);
}

/** A group placed in Local Zones, with the instance types it names, for the offerings check. */
export interface LocalZoneGroupTypes {
  group: string;
  zones: string[];
  instanceTypes: string[];
}

/**
 * The groups in Local Zones whose instance types the spec names: each type must be offered in
 * each of the group's zones. A group whose launchTemplate or instanceSelector chooses its types
 * (instanceTypes empty) is left out: its types are known only later.
 */
export function localZoneGroupTypes(groups: readonly { name: string; localZones?: string[]; instanceTypes: string[] }[]): LocalZoneGroupTypes[] {
  return groups.filter((group) => group.localZones && group.localZones.length > 0 && group.instanceTypes.length > 0)
    .map((group) => ({ group: group.name, zones: [...group.localZones!], instanceTypes: [...group.instanceTypes] }));
}
