import { ApplicationFailure } from '@temporalio/common';
import type { FargateProfileSpec } from '../domain/environment-spec';
import { errorTypes } from '../domain/errors';
import { clientRequestToken } from '../domain/names';
import { ownershipTags, type Owner } from '../domain/ownership';
import type { EksApi } from './aws/eks';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse } from './ownership-check';

const failedStates = new Set(['CREATE_FAILED', 'DELETE_FAILED']);

export function createFargateActivities(eks: EksApi) {
  /** Starts creating a Fargate profile, or adopts this environment's own. The workflow runs these one at a time. */
  async function ensureFargateProfile(input: {
    owner: Owner; region: string; cluster: string; profile: FargateProfileSpec; podExecutionRoleArn: string; subnetIds: string[]; tags?: Record<string, string>;
  }): Promise<EnsuredResource & { status: string }> {
    const { cluster, profile, owner } = input;
    const ref = (arn: string) => ({ kind: 'eks-fargate-profile' as const, name: `${cluster}/${profile.name}`, region: input.region, arn });
    const existing = await eks.describeFargateProfile(cluster, profile.name);
    if (existing) {
      const { madeByThisRun } = adoptOrRefuse(`Fargate profile ${profile.name} of cluster ${cluster}`, existing.tags, owner);
      return { ref: ref(existing.arn), made: madeByThisRun, status: existing.status };
    }
    const created = await eks.createFargateProfile({
      cluster, name: profile.name, podExecutionRoleArn: input.podExecutionRoleArn, subnetIds: input.subnetIds,
      selectors: profile.selectors, tags: ownershipTags(owner, input.tags),
      clientRequestToken: clientRequestToken(owner.runId, `fp-${cluster}-${profile.name}`),
    });
    return { ref: ref(created.arn), made: true, status: created.status };
  }

  async function describeFargateProfile(input: { cluster: string; name: string }): Promise<{ status: string }> {
    const profile = await eks.describeFargateProfile(input.cluster, input.name);
    if (!profile) return { status: 'NOT_FOUND' };
    if (failedStates.has(profile.status)) throw ApplicationFailure.nonRetryable(`Fargate profile ${input.name} is ${profile.status}`, errorTypes.resourceFailed);
    return { status: profile.status };
  }

  async function deleteFargateProfile(input: { cluster: string; name: string }): Promise<void> {
    await eks.deleteFargateProfile(input.cluster, input.name);
  }

  return { ensureFargateProfile, describeFargateProfile, deleteFargateProfile };
}
