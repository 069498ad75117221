import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../domain/errors';
import type { LocalZoneGroupTypes } from '../domain/local-zones';
import type { VpcApi } from './aws/vpc';

/**
 * Instance types offered where the groups run, checked before anything is made. A Local Zone
 * offers a few instance families of its Region's (AWS Local Zones features), and an Auto Scaling
 * group asked for a type its zone does not offer makes no instance there, long after the
 * network and the cluster are made. eksctl asks the same question of the Availability Zones
 * (pkg/eks/api.go CheckInstanceAvailability: one DescribeInstanceTypeOfferings, LocationType
 * availability-zone, filtered by the node groups' instance types, before it makes anything);
 * here it is asked of each group's Local Zones, filtered by location and instance-type.
 */
export function createInstanceTypeOfferingActivities(vpc: Pick<VpcApi, 'instanceTypeOfferings'>) {
  /**
   * Every instance type of each group must be offered in every one of its Local Zones: a group
   * placed in a zone is meant to run there, and EC2 launches nothing of a type its zone lacks.
   * A type missing in a zone stops the run for good, naming the group, the type and the zone.
   */
  async function checkLocalZoneOfferings(input: { groups: LocalZoneGroupTypes[] }): Promise<void> {
    if (input.groups.length === 0) return;
    const zones = [...new Set(input.groups.flatMap((group) => group.zones))].sort();
    const types = [...new Set(input.groups.flatMap((group) => group.instanceTypes))].sort();
    const offered = new Set((await vpc.instanceTypeOfferings(zones, types)).map((offering) => `${offering.instanceType}@${offering.zone}`));
    const problems = input.groups.flatMap((group) => group.zones.flatMap((zone) => group.instanceTypes
      .filter((type) => !offered.has(`${type}@${zone}`))
      .map((type) => `node group ${group.group}'s instance type ${type} is not offered in ${zone}`)));
    if (problems.length === 0) return;
    const missingIn = [...new Set(input.groups.flatMap((group) => group.zones.filter((zone) => group.instanceTypes.some((type) => !offered.has(`${type}@${zone}`)))))];
    throw ApplicationFailure.nonRetryable(
      `Local Zones: ${problems.join('; ')}. Give the group instance types each of its localZones offers `
      + `(aws ec2 describe-instance-type-offerings --location-type availability-zone --filters Name=location,Values=${missingIn.join(',')}), or leave that zone out of its localZones`,
      errorTypes.invalidSpec,
    );
  }

  return { checkLocalZoneOfferings };
}
