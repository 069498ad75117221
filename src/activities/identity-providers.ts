import type { IdentityProviderSpec } from '../domain/cluster-settings';
import { clientRequestToken } from '../domain/names';
import { ownershipTags, type Owner } from '../domain/ownership';
import type { EksApi } from './aws/eks';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse, deleteIfOurs, type DeleteOutcome, type DeleteOwner } from './ownership-check';

export function createIdentityProviderActivities(eks: EksApi) {
  /**
   * Associates the cluster's OIDC identity provider (AssociateIdentityProviderConfig), or adopts
   * the config when it is already this environment's. Returns at once: the workflow polls
   * `describeIdentityProvider` until ACTIVE (15–30 min on EKS).
   */
  async function ensureIdentityProvider(input: { owner: Owner; region: string; cluster: string; provider: IdentityProviderSpec; tags?: Record<string, string> }): Promise<EnsuredResource & { status: string }> {
    const { cluster, provider, owner } = input;
    const ref = { kind: 'eks-identity-provider' as const, name: `${cluster}/${provider.name}`, region: input.region };
    const existing = await eks.describeIdentityProviderConfig(cluster, provider.name);
    if (existing) {
      const { madeByThisRun } = adoptOrRefuse(`OIDC identity provider ${provider.name} of cluster ${cluster}`, existing.tags, owner);
      return { ref, made: madeByThisRun, status: existing.status };
    }
    await eks.associateIdentityProviderConfig({
      cluster, provider, tags: ownershipTags(owner, input.tags), clientRequestToken: clientRequestToken(owner.runId, `idp-${cluster}-${provider.name}`),
    });
    return { ref, made: true, status: 'CREATING' };
  }

  /** One look for the workflow's poll: CREATING, ACTIVE, DELETING, or NOT_FOUND once it is gone. */
  async function describeIdentityProvider(input: { cluster: string; name: string }): Promise<{ status: string }> {
    return { status: (await eks.describeIdentityProviderConfig(input.cluster, input.name))?.status ?? 'NOT_FOUND' };
  }

  /** Starts disassociating the config, only when it carries this environment's tag. */
  async function deleteIdentityProvider(input: DeleteOwner & { cluster: string; name: string }): Promise<DeleteOutcome> {
    const found = await eks.describeIdentityProviderConfig(input.cluster, input.name);
    return deleteIfOurs(found, input, () => (found?.status === 'DELETING' ? Promise.resolve()
      : eks.disassociateIdentityProviderConfig(input.cluster, input.name, clientRequestToken(input.environmentId, `idp-delete-${input.cluster}-${input.name}`))));
  }

  return { ensureIdentityProvider, describeIdentityProvider, deleteIdentityProvider };
}
