import type { LogsApi } from './aws/logs';

/** Where EKS sends a cluster's control-plane logs: it makes the group once logging is on. */
export const controlPlaneLogGroup = (cluster: string) => `/aws/eks/${cluster}/cluster`;

export function createControlPlaneLogActivities(logs: LogsApi) {
  /**
   * Keeps the control-plane logs `days` days (PutRetentionPolicy), as eksctl does after it turns
   * logging on (cloudWatch.clusterLogging.logRetentionInDays). EKS makes the group itself when
   * the first logs arrive, so until it exists this answers PENDING for the workflow's poll; the
   * group is EKS's, so nothing is ledgered (teardown finds it as a leftover log group).
   */
  async function setControlPlaneLogRetention(input: { cluster: string; days: number }): Promise<{ status: 'PENDING' | 'SET'; retentionDays?: number }> {
    const name = controlPlaneLogGroup(input.cluster);
    const group = await logs.describeLogGroup(name);
    if (!group) return { status: 'PENDING' };
    if (group.retentionDays !== input.days) await logs.putRetentionPolicy(name, input.days);
    return { status: 'SET', retentionDays: input.days };
  }

  return { setControlPlaneLogRetention };
}
