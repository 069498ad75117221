/**
 * Availability Zones eksflow never picks on its own. EKS cannot place a control plane in
 * these zone IDs (CreateCluster answers UnsupportedAvailabilityZoneException), so eksctl
 * leaves them out when it chooses zones (eksctl pkg/az/az.go, zoneIDsToAvoid; aws-fault-catalog
 * entry 13). Zone IDs, not names: a name such as us-east-1e maps to a different physical zone
 * in each account, the ID does not. A spec that names one of them explicitly still gets it.
 */
export const zoneIdsToAvoid: ReadonlySet<string> = new Set(['use1-az3', 'usw1-az2', 'cac1-az3']);

export interface AvailabilityZone {
  name: string;
  /** The zone ID (use1-az1): the same physical zone in every account. */
  id: string;
}

/** The zones eksflow may choose from, in name order: every available one but those EKS cannot use. */
export function pickableZones(zones: readonly AvailabilityZone[]): string[] {
  return zones.filter((zone) => !zoneIdsToAvoid.has(zone.id)).map((zone) => zone.name).sort();
}
