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

/** A `vpc.subnets` entry without an id, as the lookup the run makes; undefined (and refused) when it names nothing to find. */
export function subnetLookupOf(subnet: unknown, isPublic: boolean, at: string, fail: (path: string, message: string) => void): SubnetLookupSpec | undefined {
  const entry: Fields = isFields(subnet) ? subnet : {};
  if (entry.cidr === undefined && entry.az === undefined) {
    fail(at, 'names no subnet: give its id, or its cidr and/or az so eksflow finds it in vpc.id (e.g. { cidr: 192.168.160.0/19 })');
    return undefined;
  }
  return defined({ cidr: entry.cidr, availabilityZone: entry.az, public: isPublic ? true : undefined }) as SubnetLookupSpec;
}

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
