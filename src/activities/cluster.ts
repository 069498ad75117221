import { ApplicationFailure } from '@temporalio/common';
import { defaultAuthenticationMode } from '../domain/access-entries';
import { autoModeClusterConfig } from '../domain/auto-mode';
import { clusterCreateSettings } from '../domain/cluster-settings-rules';
import type { EnvironmentSpec } from '../domain/environment-spec';
import { errorTypes } from '../domain/errors';
import { clientRequestToken } from '../domain/names';
import { ownershipTags, type Owner } from '../domain/ownership';
import { updateErrorLine, type Cluster, type EksApi } from './aws/eks';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse, deleteIfOurs, type DeleteOutcome, type DeleteOwner } from './ownership-check';

export interface EnsureClusterInput {
  owner: Owner;
  spec: Pick<EnvironmentSpec, 'name' | 'region' | 'kubernetesVersion' | 'tags' | 'controlPlaneLogging' | 'access'>
    & Partial<Pick<EnvironmentSpec, 'autoMode' | 'endpointAccess' | 'kubernetesNetwork' | 'zonalShift' | 'supportType' | 'controlPlaneTier' | 'remoteNetwork'>>;
  roleArn: string;
  subnetIds: string[];
  securityGroupIds: string[];
  /** With spec.autoMode: the role of Auto Mode's nodes (the spec's, or the `<name>-node` the run made); none without built-in node pools. */
  autoModeNodeRoleArn?: string;
  /** The KMS key that envelope-encrypts Secrets: the spec's, or the one the run made. @default none */
  secretsKeyArn?: string;
}

/** What the workflow needs to see of a cluster: small, so history stays small. */
export interface ClusterStatus {
  status: string;
  endpoint?: string;
  certificateAuthority?: string;
  oidcIssuer?: string;
  vpcId?: string;
  enabledLogTypes: string[];
  /** EKS's health issues, "code: message": why a cluster is FAILED. */
  issues?: string[];
}

const statusOf = (cluster: Cluster): ClusterStatus => ({
  status: cluster.status,
  endpoint: cluster.endpoint,
  certificateAuthority: cluster.certificateAuthority,
  oidcIssuer: cluster.oidcIssuer,
  vpcId: cluster.vpcId,
  enabledLogTypes: cluster.enabledLogTypes,
  ...(cluster.health?.length ? { issues: cluster.health } : {}),
});

export function createClusterActivities(eks: EksApi) {
  /**
   * Starts creating the control plane, or adopts the cluster when this environment already
   * owns one of that name. Returns at once: the workflow polls `describeCluster` until ACTIVE.
   */
  async function ensureCluster(input: EnsureClusterInput): Promise<EnsuredResource & ClusterStatus> {
    const { spec, owner } = input;
    const ref = (arn: string) => ({ kind: 'eks-cluster' as const, name: spec.name, region: spec.region, arn });
    const existing = await eks.describeCluster(spec.name);
    if (existing) {
      const { madeByThisRun } = adoptOrRefuse(`EKS cluster ${spec.name} in ${spec.region}`, existing.tags, owner);
      return { ref: ref(existing.arn), made: madeByThisRun, ...statusOf(existing) };
    }
    const settings = clusterCreateSettings(spec, input.secretsKeyArn);
    const created = await eks.createCluster({
      name: spec.name,
      version: spec.kubernetesVersion,
      roleArn: input.roleArn,
      subnetIds: input.subnetIds,
      securityGroupIds: input.securityGroupIds,
      logTypes: spec.controlPlaneLogging,
      tags: ownershipTags(owner, spec.tags),
      // The same run asking twice (a lost response, a retried activity) gets the same cluster.
      clientRequestToken: clientRequestToken(owner.runId, `cluster-${spec.name}`),
      // Access entries need API or API_AND_CONFIG_MAP (the EKS API's own default is CONFIG_MAP).
      // The creator (eksflow's worker) keeps cluster admin: it checks nodes and installs add-ons
      // and the app through the Kubernetes API. Unless the spec says false: then the worker gives
      // itself an access entry once the cluster is ACTIVE (the plan's worker-access step).
      accessConfig: {
        authenticationMode: spec.access?.authenticationMode ?? defaultAuthenticationMode,
        bootstrapClusterCreatorAdminPermissions: spec.access?.bootstrapClusterCreatorAdminPermissions ?? true,
      },
      // EKS Auto Mode: compute, block storage and load balancing, all three together (src/domain/auto-mode.ts).
      ...(spec.autoMode ? { autoMode: autoModeClusterConfig(spec.autoMode, input.autoModeNodeRoleArn) } : {}),
      ...(Object.keys(settings).length > 0 ? { settings } : {}),
      // EKS Hybrid Nodes' remote networks: set at creation only (eksctl userdocs "EKS Hybrid Nodes").
      ...(spec.remoteNetwork ? { remoteNetwork: { remoteNodeNetworks: spec.remoteNetwork.remoteNodeNetworks, ...(spec.remoteNetwork.remotePodNetworks ? { remotePodNetworks: spec.remoteNetwork.remotePodNetworks } : {}) } } : {}),
    });
    return { ref: ref(created.arn), made: true, ...statusOf(created) };
  }

  /**
   * One observation for the workflow's poll; a cluster that is gone is reported as such. A
   * FAILED cluster is reported too, not thrown: the provisioning wait fails on it, while a
   * rollback or teardown must still see it to delete it (it bills until deleted).
   */
  async function describeCluster(name: string): Promise<ClusterStatus> {
    const cluster = await eks.describeCluster(name);
    if (!cluster) return { status: 'NOT_FOUND', enabledLogTypes: [] };
    return statusOf(cluster);
  }

  /** Makes the enabled control-plane log types exactly `wanted`; returns false when nothing had to change. */
  /**
   * Turns control-plane log types on and off as wanted. Resolves false when they already are,
   * else with the update's ID (true if EKS gave none), for the workflow to follow through
   * DescribeUpdate: an update can end Failed or Cancelled while the cluster is ACTIVE again.
   */
  async function ensureControlPlaneLogging(input: { owner: Owner; name: string; wanted: string[] }): Promise<string | boolean> {
    const cluster = await eks.describeCluster(input.name);
    if (!cluster) throw ApplicationFailure.nonRetryable(`EKS cluster ${input.name} does not exist`, errorTypes.resourceFailed);
    const enabled = new Set(cluster.enabledLogTypes);
    const wanted = new Set(input.wanted);
    const toEnable = [...wanted].filter((t) => !enabled.has(t));
    const toDisable = [...enabled].filter((t) => !wanted.has(t));
    if (toEnable.length === 0 && toDisable.length === 0) return false;
    const updateId = await eks.updateClusterLogging(input.name, toEnable, toDisable, clientRequestToken(input.owner.runId, `logging-${[...wanted].sort().join('.')}`));
    return updateId || true;
  }

  /**
   * One look at a cluster update (DescribeUpdate), shaped for the workflow's poll: its status
   * (InProgress, Successful, Failed, Cancelled) and its errors as `issues` ("code: message").
   */
  async function describeClusterUpdate(input: { cluster: string; updateId: string }): Promise<{ status: string; issues: string[] }> {
    const update = await eks.describeUpdate({ cluster: input.cluster, updateId: input.updateId });
    if (!update) throw ApplicationFailure.nonRetryable(`EKS knows no update ${input.updateId} of cluster ${input.cluster}`, errorTypes.resourceFailed);
    return { status: update.status, issues: update.errors.map(updateErrorLine) };
  }

  /** Deletes the cluster, only when it carries this environment's tag; a FAILED cluster too. */
  async function deleteCluster(input: DeleteOwner & { name: string }): Promise<DeleteOutcome> {
    return deleteIfOurs(await eks.describeCluster(input.name), input, () => eks.deleteCluster(input.name));
  }

  return { ensureCluster, describeCluster, ensureControlPlaneLogging, describeClusterUpdate, deleteCluster };
}
