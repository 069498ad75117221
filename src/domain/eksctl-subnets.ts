import { defined, isFields, type Fields } from './eksctl-values';
import type { SubnetLookupSpec, SubnetReferenceSpec } from './subnet-lookups';

/**
 * eksctl's named subnets in an existing VPC (examples/24-nodegroup-subnets.yaml): a `vpc.subnets`
 * entry is keyed by a name (or an AZ) and given by `id`, or by `cidr` and/or `az` only ("any
 * unambiguous combination of these is allowed"), which eksctl looks up in the VPC before it
 * builds (pkg/vpc/vpc.go describeSubnets, ImportSubnetsFromSpec). A node group's `subnets` name
 * those keys or subnet IDs (pkg/vpc/vpc.go SelectNodeGroupSubnets: a key of the mapping, else an
 * ID). Here an entry without an id becomes a `network.subnetLookups` item, found by the run.
 */

/** The subnet a name stands for: its ID, or how to find it. */
export type SubnetAlias = string | SubnetReferenceSpec;

/**
 * A `vpc.subnets` entry without an id, as the lookup the run makes; undefined (and refused) when
 * it names nothing to find. eksctl takes a key that is an AZ as the entry's az when it gives none
 * (pkg/apis/eksctl.io/v1alpha5/vpc.go AZSubnetMappingFromMap), and finds an entry by its cidr
 * when it has one, else by its az (WithCIDRs, WithAZs); both need the VPC's id ("can't describe
 * subnet by CIDR without VPC id", pkg/vpc/vpc.go describeSubnets).
 */
export function subnetLookupOf(key: string, subnet: unknown, isPublic: boolean, vpcId: unknown, at: string, fail: (path: string, message: string) => void): SubnetLookupSpec | undefined {
  const entry: Fields = isFields(subnet) ? subnet : {};
  const az = entry.az ?? (zoneName.test(key) ? key : undefined);
  if (entry.cidr === undefined && az === undefined) {
    fail(at, 'names no subnet: give its id, or its cidr and/or az so eksflow finds it in vpc.id (e.g. { cidr: 192.168.160.0/19 })');
    return undefined;
  }
  if (vpcId === undefined) {
    fail(at, 'has no id, and eksflow finds a subnet by its cidr or az only in an existing VPC: give vpc.id, or the subnet\'s id');
    return undefined;
  }
  return defined({ cidr: entry.cidr, availabilityZone: az, public: isPublic ? true : undefined }) as SubnetLookupSpec;
}

const zoneName = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9][a-z]$/;

/** A node group's `subnets` as the spec's subnetIds (IDs and names of subnets given by id) and subnetLookups (names of subnets found by the run). */
export function groupSubnets(subnets: unknown[], aliases: ReadonlyMap<string, SubnetAlias>): { subnetIds: unknown[]; subnetLookups: SubnetReferenceSpec[]; origins: { ids: number[]; lookups: number[] } } {
  const subnetIds: unknown[] = [];
  const subnetLookups: SubnetReferenceSpec[] = [];
  const origins = { ids: [] as number[], lookups: [] as number[] };
  subnets.forEach((subnet, j) => {
    const alias = typeof subnet === 'string' ? aliases.get(subnet) ?? subnet : subnet;
    if (isFields(alias)) {
      subnetLookups.push(defined(alias) as SubnetReferenceSpec);
      origins.lookups.push(j);
    } else {
      subnetIds.push(alias);
      origins.ids.push(j);
    }
  });
  return { subnetIds, subnetLookups, origins };
}
