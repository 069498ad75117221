import { Type, type Static } from '@sinclair/typebox';

/**
 * Existing subnets named by what they are rather than by ID: a CIDR block and/or an
 * Availability Zone in the environment's existing VPC (`network.vpcId`). eksctl takes a
 * `vpc.subnets` entry given by `cidr` and/or `az` only ("any unambiguous combination of these is
 * allowed", examples/24-nodegroup-subnets.yaml) and finds it with DescribeSubnets filtered by
 * `vpc-id` and `cidr-block` (or `availability-zone`) before it makes anything (eksctl
 * pkg/vpc/vpc.go describeSubnets / ImportSubnetsFromSpec). eksflow does the same in the first
 * moments of a run (activity `findSubnets`), and stops for good when none or several match.
 */

const Cidr = Type.String({ pattern: '^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}/(1[6-9]|2[0-8])$', description: 'the subnet\'s IPv4 CIDR block' });
const Zone = Type.String({ pattern: '^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9][a-z]$', description: 'the subnet\'s Availability Zone, such as us-west-2a' });

/** A subnet of the environment's VPC by its CIDR block and/or Availability Zone (at least one). */
export const SubnetReference = Type.Object({
  cidr: Type.Optional(Cidr),
  availabilityZone: Type.Optional(Zone),
}, { additionalProperties: false, minProperties: 1, description: 'an existing subnet of network.vpcId found by its CIDR block and/or Availability Zone (exactly one must match)' });

/** One of the network's subnets to find; public ones take node groups with privateNetworking false. */
export const SubnetLookup = Type.Object({
  cidr: Type.Optional(Cidr),
  availabilityZone: Type.Optional(Zone),
  public: Type.Optional(Type.Boolean({ description: 'a public subnet (as if listed in publicSubnetIds); private when left out' })),
}, { additionalProperties: false, description: 'an existing subnet of network.vpcId found by its CIDR block and/or Availability Zone before anything is made (exactly one must match)' });

export type SubnetReferenceSpec = Static<typeof SubnetReference>;
export type SubnetLookupSpec = Static<typeof SubnetLookup>;

/** The same text for a lookup and the references to it: they match when their cidr and zone do. */
export function subnetReferenceKey(reference: SubnetReferenceSpec): string {
  return `${reference.cidr ?? 'any CIDR'} in ${reference.availabilityZone ?? 'any zone'}`;
}

/** The subnets found, by subnetReferenceKey: what a run records once and later steps read. */
export type FoundSubnets = Record<string, string>;

/** Where a spec's lookups go wrong before any call: none in the network to match a group's reference, no VPC to look in. */
export function subnetLookupProblems(
  network: { vpcId?: unknown; vpc?: unknown; subnetLookups?: SubnetLookupSpec[] } | undefined,
  groups: readonly { subnetLookups?: SubnetReferenceSpec[] }[],
): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  const lookups = Array.isArray(network?.subnetLookups) ? network.subnetLookups : [];
  if (lookups.length > 0 && typeof network?.vpcId !== 'string') {
    errors.push({ path: '/network/subnetLookups', message: 'finds subnets in an existing VPC: give its network.vpcId too' });
  }
  lookups.forEach((lookup, i) => {
    if (lookup.cidr === undefined && lookup.availabilityZone === undefined) errors.push({ path: `/network/subnetLookups/${i}`, message: 'names no subnet: give its cidr and/or availabilityZone' });
  });
  const keys = lookups.map(subnetReferenceKey);
  keys.forEach((key, i) => {
    if (keys.indexOf(key) !== i) errors.push({ path: `/network/subnetLookups/${i}`, message: `${key} is looked up twice; list each subnet once` });
  });
  groups.forEach((group, i) => {
    (Array.isArray(group.subnetLookups) ? group.subnetLookups : []).forEach((reference, j) => {
      if (!keys.includes(subnetReferenceKey(reference))) {
        errors.push({ path: `/nodeGroups/${i}/subnetLookups/${j}`, message: `${subnetReferenceKey(reference)} is not one of network.subnetLookups; a group's subnets are the environment's: list it there too` });
      }
    });
  });
  return errors;
}

/**
 * The network's subnets once its lookups are found: the given IDs then the found ones, public
 * ones added to publicSubnetIds (left out, as before, when the network names no public subnet).
 */
export function networkWithFoundSubnets<N extends { subnetIds?: string[]; publicSubnetIds?: string[]; subnetLookups?: SubnetLookupSpec[] }>(network: N, found: FoundSubnets | undefined): N {
  if (!network.subnetLookups || !found) return network;
  const idOf = (lookup: SubnetLookupSpec) => found[subnetReferenceKey(lookup)]!;
  const publicFound = network.subnetLookups.filter((lookup) => lookup.public).map(idOf);
  const publicIds = [...(network.publicSubnetIds ?? []), ...publicFound];
  return {
    ...network,
    subnetIds: [...new Set([...(network.subnetIds ?? []), ...network.subnetLookups.map(idOf)])],
    ...(publicIds.length > 0 ? { publicSubnetIds: [...new Set(publicIds)] } : {}),
  };
}

/** A group's own subnets: its subnetIds, then its references as found (undefined when it names none). */
export function groupSubnetIdsWithFound(group: { subnetIds?: string[]; subnetLookups?: SubnetReferenceSpec[] }, found: FoundSubnets | undefined): string[] | undefined {
  if (!group.subnetLookups) return group.subnetIds;
  return [...new Set([...(group.subnetIds ?? []), ...group.subnetLookups.map((reference) => found?.[subnetReferenceKey(reference)]).filter((id): id is string => id !== undefined)])];
}
