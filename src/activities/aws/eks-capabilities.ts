import {
  CreateCapabilityCommand, DeleteCapabilityCommand, DescribeCapabilityCommand, ListCapabilitiesCommand, type CapabilityConfigurationRequest, type EKSClient,
} from '@aws-sdk/client-eks';
import { capabilityDeletePropagation, type CapabilitySpec } from '../../domain/capabilities';
import { aws, awsOrUndefined } from './errors';
import { allPages } from './pages';
import type { NotYetByCall } from './not-yet';

/** An EKS capability as eksflow needs to see it. */
export interface EksCapability {
  cluster: string;
  name: string;
  arn: string;
  type: string;
  roleArn: string;
  /** CREATING, ACTIVE, UPDATING, DELETING, CREATE_FAILED, DEGRADED, DELETE_FAILED (CapabilityStatus). */
  status: string;
  /** Its health issues, each "code: message". */
  issues: string[];
  tags: Record<string, string>;
}

export interface CreateCapabilityInput {
  cluster: string;
  capability: Pick<CapabilitySpec, 'name' | 'type' | 'argoCd'>;
  roleArn: string;
  tags: Record<string, string>;
  clientRequestToken: string;
}

/**
 * EKS's capability calls (part of `EksApi`; EKS API reference: CreateCapability, DescribeCapability,
 * DeleteCapability). moto 5.2.5 has none of them (moto/eks has no capability model or route): the
 * simulated cloud plays them (src/sim/aws/eks-capabilities.ts).
 */
export interface CapabilityApi {
  describeCapability(cluster: string, name: string): Promise<EksCapability | undefined>;
  createCapability(input: CreateCapabilityInput): Promise<EksCapability>;
  /** Starts the deletion; done when the capability is already gone. */
  deleteCapability(cluster: string, name: string): Promise<void>;
  /** The names of a cluster's capabilities; none when the cluster is gone. */
  listCapabilities(cluster: string): Promise<string[]>;
}

/** configuration.argoCd as CreateCapability takes it (eksctl pkg/cfn/builder/capability.go convertConfiguration). */
export function capabilityConfiguration(capability: Pick<CapabilitySpec, 'argoCd'>): CapabilityConfigurationRequest | undefined {
  const argo = capability.argoCd;
  if (!argo) return undefined;
  return {
    argoCd: {
      ...(argo.namespace ? { namespace: argo.namespace } : {}),
      awsIdc: { idcInstanceArn: argo.idcInstanceArn, ...(argo.idcRegion ? { idcRegion: argo.idcRegion } : {}) },
      ...(argo.rbacRoleMappings ? { rbacRoleMappings: argo.rbacRoleMappings.map((m) => ({ role: m.role, identities: m.identities.map((i) => ({ id: i.id, type: i.type })) })) } : {}),
      ...(argo.vpceIds ? { networkAccess: { vpceIds: [...argo.vpceIds] } } : {}),
    },
  };
}

export function capabilityCalls(client: EKSClient, notYet: NotYetByCall): CapabilityApi {
  const view = (cluster: string, found: { capabilityName?: string; arn?: string; type?: string; roleArn?: string; status?: string; tags?: Record<string, string>; health?: { issues?: { code?: string; message?: string }[] } }): EksCapability => ({
    cluster, name: found.capabilityName ?? '', arn: found.arn ?? '', type: found.type ?? '', roleArn: found.roleArn ?? '', status: found.status ?? 'CREATING',
    issues: (found.health?.issues ?? []).map((issue) => `${issue.code}: ${issue.message}`), tags: found.tags ?? {},
  });
  return {
    async describeCapability(cluster, name) {
      const found = await awsOrUndefined(`DescribeCapability ${cluster}/${name}`, () => client.send(new DescribeCapabilityCommand({ clusterName: cluster, capabilityName: name })));
      return found?.capability ? view(cluster, found.capability) : undefined;
    },
    async createCapability({ cluster, capability, roleArn, tags, clientRequestToken }) {
      const configuration = capabilityConfiguration(capability);
      const created = await aws(`CreateCapability ${cluster}/${capability.name}`, () => client.send(new CreateCapabilityCommand({
        clusterName: cluster, capabilityName: capability.name, type: capability.type, roleArn, tags, clientRequestToken,
        deletePropagationPolicy: capabilityDeletePropagation, ...(configuration ? { configuration } : {}),
      })), notYet.CreateCapability);
      return view(cluster, created.capability ?? { capabilityName: capability.name, type: capability.type, roleArn, tags });
    },
    listCapabilities: (cluster) => allPages(async (nextToken) => {
      const page = await awsOrUndefined(`ListCapabilities ${cluster}`, () => client.send(new ListCapabilitiesCommand({ clusterName: cluster, nextToken })));
      return { items: page?.capabilities?.flatMap((c) => (c.capabilityName ? [c.capabilityName] : [])), next: page?.nextToken };
    }),
    async deleteCapability(cluster, name) {
      await awsOrUndefined(`DeleteCapability ${cluster}/${name}`, () => client.send(new DeleteCapabilityCommand({ clusterName: cluster, capabilityName: name })));
    },
  };
}
