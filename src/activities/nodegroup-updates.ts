import { ApplicationFailure } from '@temporalio/common';
import type { EndpointAccessSpec } from '../domain/cluster-settings';
import { errorTypes } from '../domain/errors';
import { clientRequestToken } from '../domain/names';
import { ownershipTagKeys, type Owner } from '../domain/ownership';
import { updateLabel, type AddonChange, type ClusterSettingChange, type EksApi, type NodegroupConfigChange, type NodegroupVersionChange, type Update, type UpdateRef } from './aws/eks';
import { changeOnlyIfOurs } from './ownership-check';

/**
 * "Day 2": an environment's node groups, control plane and add-ons changed in place, the way
 * terraform-provider-aws (internal/service/eks/node_group.go, cluster.go, addon.go) and eksctl
 * (pkg/actions/nodegroup) do it:
 * - each activity starts one EKS update and returns its ID; the workflow awaits it with
 *   `describeUpdate` (InProgress → Successful, Failed or Cancelled, with EKS's errors) before it
 *   starts the next, since EKS runs one update at a time per cluster, node group and add-on
 *   (aws-fault-catalog 17, 19, 24);
 * - sizes, labels, taints and updateConfig go through UpdateNodegroupConfig; Kubernetes version,
 *   AMI release and launch template version through UpdateNodegroupVersion, never combined with
 *   a config change (catalog 24: "Version and ReleaseVersion updates cannot be combined with
 *   other updates"); the two inputs keep them apart by construction;
 * - each first proves the resource is this environment's by its tags, and refuses non-retryably
 *   (ResourceNotOwned) when it is not;
 * - each is idempotent: its client request token comes from the run and a request ID the
 *   workflow chooses, so a retried activity (a lost response) is the same update on EKS;
 * - tags change through TagResource/UntagResource; eksflow's ownership tags are never changed
 *   or removed that way.
 * Covered by moto where it has the call (UpdateNodegroupConfig, TagResource on a cluster), by
 * the simulated cloud for the rest (test/contract/aws.contract.test.ts says which).
 */

/** Every request names itself: the same request ID in the same run is the same EKS update. */
interface UpdateRequest {
  owner: Owner;
  cluster: string;
  /** Chosen by the workflow, unique per change it asks for (e.g. its step's name). */
  requestId: string;
}

export interface UpdateNodegroupConfigInput extends UpdateRequest, NodegroupConfigChange {
  name: string;
}

export interface UpdateNodegroupVersionInput extends UpdateRequest, Omit<NodegroupVersionChange, 'force'> {
  name: string;
  /** Replace nodes even where a PodDisruptionBudget blocks their eviction (aws-fault-catalog 25). @default false */
  force?: boolean;
}

export interface UpdateClusterVersionInput extends UpdateRequest {
  /** The next Kubernetes minor: EKS goes one at a time. */
  version: string;
}

export interface UpdateClusterEndpointAccessInput extends UpdateRequest {
  endpointAccess: EndpointAccessSpec;
}

export interface UpdateClusterVpcConfigInput extends UpdateRequest {
  /** Where the control plane's ENIs go: two AZs at least, in the cluster's VPC. */
  subnetIds: string[];
  /** The security groups for them, beside the cluster security group EKS made; [] for none. */
  securityGroupIds: string[];
}

export interface UpdateClusterSettingInput extends UpdateRequest {
  setting: ClusterSettingChange;
}

export interface UpdateEksAddonInput extends UpdateRequest, AddonChange {
  name: string;
}

export interface TagNodegroupInput {
  owner: Owner;
  cluster: string;
  name: string;
  /** Tags to add or overwrite. @default none */
  tags?: Record<string, string>;
  /** Tag keys to remove. @default none */
  removeKeys?: string[];
}

const ownershipKeys = new Set<string>(Object.values(ownershipTagKeys));

export function createNodegroupUpdateActivities(eks: EksApi) {
  const token = (input: UpdateRequest, kind: string, name: string) => clientRequestToken(input.owner.runId, `${kind}-${input.cluster}-${name}-${input.requestId}`);

  async function updateNodegroupConfig(input: UpdateNodegroupConfigInput): Promise<{ updateId: string }> {
    const { cluster, name, scaling, labels, taints, updateConfig } = input;
    changeOnlyIfOurs(`node group ${name} of cluster ${cluster}`, await eks.describeNodegroup(cluster, name), input.owner);
    const update = await eks.updateNodegroupConfig(cluster, name, {
      ...(scaling ? { scaling } : {}), ...(labels ? { labels } : {}), ...(taints ? { taints } : {}), ...(updateConfig ? { updateConfig } : {}),
    }, token(input, 'ng-config', name));
    return { updateId: update.id };
  }

  async function updateNodegroupVersion(input: UpdateNodegroupVersionInput): Promise<{ updateId: string }> {
    const { cluster, name, version, releaseVersion, launchTemplate } = input;
    changeOnlyIfOurs(`node group ${name} of cluster ${cluster}`, await eks.describeNodegroup(cluster, name), input.owner);
    const update = await eks.updateNodegroupVersion(cluster, name, {
      ...(version ? { version } : {}), ...(releaseVersion ? { releaseVersion } : {}), ...(launchTemplate ? { launchTemplate } : {}), force: input.force === true,
    }, token(input, 'ng-version', name));
    return { updateId: update.id };
  }

  async function updateClusterVersion(input: UpdateClusterVersionInput): Promise<{ updateId: string }> {
    changeOnlyIfOurs(`cluster ${input.cluster}`, await eks.describeCluster(input.cluster), input.owner);
    const update = await eks.updateClusterVersion(input.cluster, input.version, token(input, 'cluster-version', input.version));
    return { updateId: update.id };
  }

  /**
   * The API endpoint's access (public, private, public CIDRs): one EndpointAccessUpdate. Like
   * eksctl's update-cluster-vpc-config, nothing is sent when DescribeCluster already shows what is
   * wanted (a retry after the update finished, or a change already made by hand): EKS refuses an
   * update that changes nothing.
   */
  async function updateClusterEndpointAccess(input: UpdateClusterEndpointAccessInput): Promise<{ updateId?: string }> {
    const cluster = changeOnlyIfOurs(`cluster ${input.cluster}`, await eks.describeCluster(input.cluster), input.owner);
    const wanted = input.endpointAccess;
    const current = cluster.settings?.endpointAccess;
    const cidrs = (access: EndpointAccessSpec | undefined) => (access?.public ? JSON.stringify(access.publicAccessCidrs ?? ['0.0.0.0/0']) : '');
    if (current && current.public === wanted.public && current.private === wanted.private && cidrs(current) === cidrs(wanted)) return {};
    const update = await eks.updateClusterEndpointAccess(input.cluster, wanted, token(input, 'endpoint-access', 'api'));
    return { updateId: update.id };
  }

  /** The control plane's subnets and security groups: one VpcConfigUpdate, nothing sent when they are already so. */
  async function updateClusterVpcConfig(input: UpdateClusterVpcConfigInput): Promise<{ updateId?: string }> {
    const cluster = changeOnlyIfOurs(`cluster ${input.cluster}`, await eks.describeCluster(input.cluster), input.owner);
    const same = (a: readonly string[] | undefined, b: readonly string[]) => [...(a ?? [])].sort().join() === [...b].sort().join();
    if (same(cluster.subnetIds, input.subnetIds) && same(cluster.securityGroupIds, input.securityGroupIds)) return {};
    const update = await eks.updateClusterVpcConfig(input.cluster, { subnetIds: input.subnetIds, securityGroupIds: input.securityGroupIds }, token(input, 'vpc-config', 'api'));
    return { updateId: update.id };
  }

  /** One cluster setting (zonal shift, support policy, control-plane tier); nothing sent when DescribeCluster already shows it (EKS's defaults counted). */
  async function updateClusterSetting(input: UpdateClusterSettingInput): Promise<{ updateId?: string }> {
    const cluster = changeOnlyIfOurs(`cluster ${input.cluster}`, await eks.describeCluster(input.cluster), input.owner);
    const now = cluster.settings ?? {};
    const { setting } = input;
    const already = 'zonalShift' in setting ? (now.zonalShift ?? false) === setting.zonalShift
      : 'supportType' in setting ? (now.supportType ?? 'EXTENDED') === setting.supportType
        : (now.controlPlaneTier ?? 'standard') === setting.controlPlaneTier;
    if (already) return {};
    const update = await eks.updateClusterSetting(input.cluster, setting, token(input, 'setting', Object.keys(setting)[0]!));
    return { updateId: update.id };
  }

  /**
   * Envelope encryption of Secrets with `keyArn` on a cluster without it (AssociateEncryptionConfig),
   * as eksctl's utils enable-secrets-encryption: nothing is sent when the cluster already uses
   * that key; another key is refused for good (EKS cannot change or remove it).
   */
  async function associateSecretsKey(input: UpdateRequest & { keyArn: string }): Promise<{ updateId?: string }> {
    const cluster = changeOnlyIfOurs(`cluster ${input.cluster}`, await eks.describeCluster(input.cluster), input.owner);
    const current = cluster.settings?.secretsKeyArn;
    if (current === input.keyArn) return {};
    if (current) throw ApplicationFailure.nonRetryable(`cluster ${input.cluster} already encrypts Secrets with ${current}, which EKS cannot change or remove`, errorTypes.invalidSpec);
    const update = await eks.associateEncryptionConfig(input.cluster, input.keyArn, token(input, 'encryption', 'secrets'));
    return { updateId: update.id };
  }

  async function updateEksAddon(input: UpdateEksAddonInput): Promise<{ updateId: string }> {
    const { cluster, name, version, configurationValues, resolveConflicts } = input;
    changeOnlyIfOurs(`EKS add-on ${name} on cluster ${cluster}`, await eks.describeAddon(cluster, name), input.owner);
    const update = await eks.updateAddon(cluster, name, {
      ...(version ? { version } : {}), ...(configurationValues !== undefined ? { configurationValues } : {}), ...(resolveConflicts ? { resolveConflicts } : {}),
    }, token(input, 'addon', name));
    return { updateId: update.id };
  }

  /** Adds and removes a node group's tags; eksflow's ownership tags are refused either way, before anything is sent. */
  async function tagNodegroup(input: TagNodegroupInput): Promise<void> {
    const { cluster, name, tags = {}, removeKeys = [] } = input;
    const touched = [...Object.keys(tags), ...removeKeys].filter((key) => ownershipKeys.has(key));
    if (touched.length > 0) {
      throw ApplicationFailure.nonRetryable(
        `${[...new Set(touched)].join(', ')}: eksflow's ownership tags, by which it knows the node group is this environment's; they are not changed or removed`,
        errorTypes.invalidSpec,
      );
    }
    const group = changeOnlyIfOurs(`node group ${name} of cluster ${cluster}`, await eks.describeNodegroup(cluster, name), input.owner);
    if (Object.keys(tags).length > 0) await eks.tagResource(group.arn, tags);
    if (removeKeys.length > 0) await eks.untagResource(group.arn, removeKeys);
  }

  /**
   * One look at an update for the workflow's poll: its status, type, params and errors as EKS
   * gives them. The wait decides what Failed or Cancelled means; an update EKS does not know is
   * a permanent fault.
   */
  async function describeUpdate(input: UpdateRef): Promise<Update> {
    const update = await eks.describeUpdate(input);
    if (!update) throw ApplicationFailure.nonRetryable(`EKS knows no update ${updateLabel(input)}`, errorTypes.resourceFailed);
    return update;
  }

  return { updateNodegroupConfig, updateNodegroupVersion, updateClusterVersion, updateClusterEndpointAccess, updateClusterVpcConfig, updateClusterSetting, associateSecretsKey, updateEksAddon, tagNodegroup, describeUpdate };
}
