import type { FargateProfileSpec } from '../domain/environment-spec';
import { clientRequestToken } from '../domain/names';
import { ownershipTags, type Owner } from '../domain/ownership';
import type { EksApi } from './aws/eks';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse, deleteIfOurs, type DeleteOutcome, type DeleteOwner } from './ownership-check';

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
      selectors: profile.selectors, tags: ownershipTags(owner, { ...profile.tags, ...input.tags }),
      clientRequestToken: clientRequestToken(owner.runId, `fp-${cluster}-${profile.name}`),
    });
    return { ref: ref(created.arn), made: true, status: created.status };
  }

  /** One observation for the workflow's poll; CREATE_FAILED and DELETE_FAILED are reported, and the wait decides. */
  async function describeFargateProfile(input: { cluster: string; name: string }): Promise<{ status: string }> {
    const profile = await eks.describeFargateProfile(input.cluster, input.name);
    return { status: profile?.status ?? 'NOT_FOUND' };
  }

  /** Deletes the profile, only when it carries this environment's tag. */
  async function deleteFargateProfile(input: DeleteOwner & { cluster: string; name: string }): Promise<DeleteOutcome> {
    return deleteIfOurs(await eks.describeFargateProfile(input.cluster, input.name), input, () => eks.deleteFargateProfile(input.cluster, input.name));
  }

  return { ensureFargateProfile, describeFargateProfile, deleteFargateProfile };
}
