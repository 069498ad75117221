import {
  AssociateIdentityProviderConfigCommand, DescribeIdentityProviderConfigCommand, DisassociateIdentityProviderConfigCommand, type EKSClient,
} from '@aws-sdk/client-eks';
import type { IdentityProviderSpec } from '../../domain/cluster-settings';
import { aws, awsOrUndefined } from './errors';

/** An OIDC identity provider config of a cluster, as eksflow needs to see it. */
export interface IdentityProviderConfig {
  cluster: string;
  name: string;
  /** CREATING, ACTIVE, DELETING. */
  status: string;
  issuerUrl: string;
  clientId: string;
  tags: Record<string, string>;
}

export interface AssociateIdentityProviderInput {
  cluster: string;
  provider: IdentityProviderSpec;
  tags: Record<string, string>;
  clientRequestToken: string;
}

/**
 * EKS's OIDC identity provider calls (part of `EksApi`). moto has none of them: the simulated
 * cloud plays them (src/sim/aws/eks-identity-providers.ts). Associating takes EKS a long while
 * (the config is CREATING for 15–30 min, per the EKS user guide's "Authenticate users for your
 * cluster from an OpenID Connect identity provider"), so the workflow polls DescribeIdentityProviderConfig.
 */
export interface IdentityProviderApi {
  describeIdentityProviderConfig(cluster: string, name: string): Promise<IdentityProviderConfig | undefined>;
  associateIdentityProviderConfig(input: AssociateIdentityProviderInput): Promise<void>;
  /** Starts the disassociation; done when the config is already gone. */
  disassociateIdentityProviderConfig(cluster: string, name: string, clientRequestToken: string): Promise<void>;
}

export function identityProviderCalls(client: EKSClient): IdentityProviderApi {
  return {
    async describeIdentityProviderConfig(cluster, name) {
      const found = await awsOrUndefined(`DescribeIdentityProviderConfig ${cluster}/${name}`, () => client.send(new DescribeIdentityProviderConfigCommand({
        clusterName: cluster, identityProviderConfig: { type: 'oidc', name },
      })));
      const oidc = found?.identityProviderConfig?.oidc;
      return oidc ? { cluster, name, status: oidc.status ?? 'CREATING', issuerUrl: oidc.issuerUrl ?? '', clientId: oidc.clientId ?? '', tags: oidc.tags ?? {} } : undefined;
    },
    async associateIdentityProviderConfig({ cluster, provider, tags, clientRequestToken }) {
      await aws(`AssociateIdentityProviderConfig ${cluster}/${provider.name}`, () => client.send(new AssociateIdentityProviderConfigCommand({
        clusterName: cluster, tags, clientRequestToken,
        oidc: {
          identityProviderConfigName: provider.name, issuerUrl: provider.issuerUrl, clientId: provider.clientId,
          usernameClaim: provider.usernameClaim, usernamePrefix: provider.usernamePrefix, groupsClaim: provider.groupsClaim, groupsPrefix: provider.groupsPrefix,
          requiredClaims: provider.requiredClaims,
        },
      })));
    },
    async disassociateIdentityProviderConfig(cluster, name, clientRequestToken) {
      await awsOrUndefined(`DisassociateIdentityProviderConfig ${cluster}/${name}`, () => client.send(new DisassociateIdentityProviderConfigCommand({
        clusterName: cluster, identityProviderConfig: { type: 'oidc', name }, clientRequestToken,
      })));
    },
  };
}
