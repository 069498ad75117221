import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../domain/errors';
import { ownershipTags, type Owner } from '../domain/ownership';
import type { IamApi } from './aws/iam';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse, deleteIfOurs, type DeleteOutcome, type DeleteOwner } from './ownership-check';

const stsAudience = 'sts.amazonaws.com';

export function createOidcActivities(iam: IamApi) {
  /**
   * The IAM OIDC provider for a cluster's issuer, so service accounts can assume roles
   * (IRSA). One provider per issuer URL exists account-wide, hence the lookup first.
   */
  async function ensureOidcProvider(input: { owner: Owner; region: string; issuerUrl: string; tags?: Record<string, string> }): Promise<EnsuredResource & { arn: string }> {
    if (!input.issuerUrl.startsWith('https://')) {
      throw ApplicationFailure.nonRetryable(`the cluster's OIDC issuer "${input.issuerUrl}" is not an https URL`, errorTypes.resourceFailed);
    }
    const url = input.issuerUrl.replace(/^https:\/\//, '');
    const existing = (await iam.listOidcProviders()).find((provider) => provider.url === url);
    const ref = (arn: string) => ({ kind: 'oidc-provider' as const, name: url, region: input.region, arn });
    if (existing) {
      const { madeByThisRun } = adoptOrRefuse(`the IAM OIDC provider for ${url}`, existing.tags, input.owner);
      return { ref: ref(existing.arn), made: madeByThisRun, arn: existing.arn };
    }
    const created = await iam.createOidcProvider({ url: input.issuerUrl, clientIds: [stsAudience], tags: ownershipTags(input.owner, input.tags) });
    return { ref: ref(created.arn), made: true, arn: created.arn };
  }

  /** Deletes the provider for an issuer, found by URL, so a rollback can delete one whose create response was lost. */
  async function deleteOidcProvider(input: DeleteOwner & { url: string }): Promise<DeleteOutcome> {
    const url = input.url.replace(/^https:\/\//, '');
    const provider = (await iam.listOidcProviders()).find((p) => p.url === url);
    return deleteIfOurs(provider, input, () => iam.deleteOidcProvider(provider!.arn));
  }

  return { ensureOidcProvider, deleteOidcProvider };
}

/**
 * The trust policy of an IRSA role: only the given Kubernetes service account, through
 * this cluster's OIDC provider, with the STS audience, may assume it.
 */
export function irsaTrustPolicy(providerArn: string, issuerUrl: string, namespace: string, serviceAccount: string) {
  const issuer = issuerUrl.replace(/^https:\/\//, '');
  return {
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Principal: { Federated: providerArn },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
          [`${issuer}:aud`]: stsAudience,
        },
      },
    }],
  };
}
