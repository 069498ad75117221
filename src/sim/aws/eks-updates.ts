import type { AddonChange, ClusterSettingChange, NodegroupConfigChange, NodegroupVersionChange, Taint, Update, UpdateError, UpdateRef } from '../../activities/aws/eks';
import type { EndpointAccessSpec } from '../../domain/cluster-settings';
import { supportedKubernetesVersions } from '../../domain/environment-spec';
import type { FailedOutcome, SettlingKind } from '../faults';
import type { SimOperation } from '../profile';
import { after, type SimContext } from './context';
import type { NodegroupRecord, Updatable, UpdateRecord } from './eks-records';
import type { EksState } from './eks-state';
import { eksError } from './errors';

/**
 * EKS's "Day 2" updates over simulated time: node group configuration (sizes, labels, taints,
 * updateConfig) and versions, control-plane versions, add-ons; each an Update with an ID that
 * DescribeUpdate follows from InProgress to Successful, Failed or Cancelled (aws-fault-catalog 19).
 * The rules, each as EKS words it where a source gives the words:
 * - one update at a time per cluster, node group or add-on (catalog 17, 24), and a node group
 *   takes one only while ACTIVE: "Nodegroup cannot be updated as it is currently not in Active State";
 * - the same client request token is the same update;
 * - a control plane goes up one minor at a time ("Unsupported Kubernetes minor version update
 *   from 1.22 to 1.25", terraform-aws-eks #2607), only once every node group is at its version
 *   ("Nodegroups X must be updated to match cluster version 1.18 before updating cluster
 *   version", terraform-provider-aws #19478), and only to a version EKS offers ("unsupported
 *   Kubernetes version", terraform-provider-aws #38796);
 * - a node group goes up one minor at a time, never past its control plane (eksctl #3727: EKS
 *   refuses a cluster whose nodes are newer); a release version must be of the group's target
 *   minor ("Requested release version 1.31.3-20250103 is not valid for kubernetes version 1.30.",
 *   eksctl #7976); a version or release change is never combined with a launch template change
 *   ("Version and ReleaseVersion updates cannot be combined with other updates", catalog 24);
 * - an update asked to fail (`faults.failOutcome('nodegroup-update' | 'cluster-update' |
 *   'addon-update', ...)`) ends Failed with its errors and changes nothing; a forced node group
 *   version update gets past a PodEvictionFailure, as `force` does on EKS (catalog 25).
 */

/** The simulator's AMI release of a Kubernetes minor: one per minor, as `<minor>.<patch>-<date>`. */
export const simulatedReleaseVersion = (version: string) => `${version}.0-20261201`;

const minorOf = (version: string) => Number(version.split('.')[1]);
const nextMinor = (version: string) => `${version.split('.')[0]}.${minorOf(version) + 1}`;
const sameTaint = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;

/** "Code: message" (a failure outcome's issue) as one of DescribeUpdate's errors. */
function updateErrorsOf(outcome: FailedOutcome): UpdateError[] {
  return outcome.issues.map((issue) => {
    const at = issue.indexOf(': ');
    return {
      code: at < 0 ? issue : issue.slice(0, at), message: at < 0 ? '' : issue.slice(at + 2), resourceIds: [...(outcome.resourceIds ?? [])],
    };
  });
}

/** Starts an update of `holder`, which must have none running: recorded by ID and by token. */
export function startUpdate(context: SimContext, holder: Updatable, token: string, type: string, params: Update['params']): UpdateRecord {
  const update: UpdateRecord = { id: context.ids.uuid(), token, status: 'InProgress', type, params, errors: [] };
  holder.update = update;
  holder.updates.set(update.id, update);
  holder.updateTokens.set(token, update.id);
  return update;
}

/**
 * Ends `holder`'s update: Failed (or Cancelled) with its errors when the test asked for that,
 * Successful otherwise. Returns whether it failed: the caller then changes nothing.
 */
export function endUpdate(context: SimContext, holder: Updatable, update: UpdateRecord, failure: { kind: SettlingKind; key: string; overcome?: (outcome: FailedOutcome) => boolean }): boolean {
  holder.update = undefined;
  const failed = context.outcomes?.outcomeOf(failure.kind, failure.key);
  if (failed && !failure.overcome?.(failed)) {
    update.status = failed.status as Update['status'];
    update.errors = updateErrorsOf(failed);
    return true;
  }
  update.status = 'Successful';
  return false;
}

/** The same IDs, in any order. */
const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** The update a token already asked for, if any. */
const served = (holder: Updatable, token: string) => {
  const id = holder.updateTokens.get(token);
  return id === undefined ? undefined : holder.updates.get(id);
};

export class EksUpdates {
  constructor(private readonly context: SimContext, private readonly state: EksState) {}

  private later(operation: SimOperation, key: string, settle: (at: number) => void) {
    return this.context.scheduler.at(after(this.context, this.context.sampler.sample(operation, key)), settle);
  }

  /** A node group takes an update only while ACTIVE with none running (aws-fault-catalog 24). */
  private nodegroupReady(group: NodegroupRecord): void {
    if (group.update) throw eksError.resourceInUse(`Cannot update because nodegroup ${group.name} currently has update ${group.update.id} in progress`);
    if (group.status !== 'ACTIVE') throw eksError.resourceInUse('Nodegroup cannot be updated as it is currently not in Active State');
  }

  nodegroupConfig(clusterName: string, name: string, change: NodegroupConfigChange, token: string): UpdateRecord {
    const cluster = this.state.cluster(clusterName);
    const group = this.state.nodegroup(clusterName, name);
    const again = served(group, token);
    if (again) return again;
    this.nodegroupReady(group);
    const params = configParams(change);
    if (change.scaling) checkScaling(change.scaling);
    const key = `${clusterName}/${name}`;
    const update = startUpdate(this.context, group, token, 'ConfigUpdate', params);
    group.status = 'UPDATING';
    // The new configuration shows once the update completes.
    group.timer = this.later('nodegroup.update', key, (at) => {
      group.status = 'ACTIVE';
      if (endUpdate(this.context, group, update, { kind: 'nodegroup-update', key })) return;
      applyConfig(group, change);
      this.context.detections.finished(`nodegroup ${key}`, 'nodegroup.update', at);
      if (group.scaling.desiredSize > 0) this.state.capacityAppeared(cluster, at);
    });
    return update;
  }

  nodegroupVersion(clusterName: string, name: string, change: NodegroupVersionChange, token: string): UpdateRecord {
    const cluster = this.state.cluster(clusterName);
    const group = this.state.nodegroup(clusterName, name);
    const again = served(group, token);
    if (again) return again;
    this.nodegroupReady(group);
    if (change.launchTemplate) {
      if (change.version !== undefined || change.releaseVersion !== undefined) throw eksError.invalidParameter('Version and ReleaseVersion updates cannot be combined with other updates');
      if (Boolean(change.launchTemplate.id) === Boolean(change.launchTemplate.name)) throw eksError.invalidParameter('Either provide launch template ID or launch template name in the request.');
      // The simulator's node groups are made without launch templates (CreateNodegroupInput has
      // none); EKS updates a group to a launch template only if it was deployed with one
      // (UpdateNodegroupVersion API reference). The words are the reference's, not a captured error.
      throw eksError.invalidParameter(`Nodegroup ${name} was not deployed with a launch template: it can be updated using a launch template only if it was originally deployed with one`);
    }
    const target = change.version ?? group.version;
    if (minorOf(target) < minorOf(group.version) || minorOf(target) > minorOf(group.version) + 1) {
      // The control plane's words (catalog 20) for the node group's same rule: no source gives EKS's own text here.
      throw eksError.invalidParameter(`Unsupported Kubernetes minor version update from ${group.version} to ${target}`);
    }
    if (minorOf(target) > minorOf(cluster.version)) {
      throw eksError.invalidParameter(`Requested Kubernetes version ${target} is newer than the version of cluster ${clusterName} (${cluster.version}): update the cluster first`);
    }
    if (change.releaseVersion !== undefined && !change.releaseVersion.startsWith(`${target}.`)) {
      throw eksError.invalidParameter(`Requested release version ${change.releaseVersion} is not valid for kubernetes version ${target}.`);
    }
    const releaseVersion = change.releaseVersion ?? simulatedReleaseVersion(target);
    const key = `${clusterName}/${name}`;
    const update = startUpdate(this.context, group, token, 'VersionUpdate', [
      { type: 'Version', value: target }, { type: 'ReleaseVersion', value: releaseVersion },
    ]);
    group.status = 'UPDATING';
    // Nodes are replaced one batch at a time (updateConfig): new ones join, old ones are drained.
    // A PodDisruptionBudget that allows no eviction fails the update, unless it is forced (catalog 25).
    group.timer = this.later('nodegroup.version-update', key, (at) => {
      group.status = 'ACTIVE';
      const overcome = (outcome: FailedOutcome) => change.force === true && outcome.issues.every((issue) => issue.startsWith('PodEvictionFailure'));
      if (endUpdate(this.context, group, update, { kind: 'nodegroup-update', key, overcome })) return;
      group.version = target;
      group.releaseVersion = releaseVersion;
      this.context.detections.finished(`nodegroup ${key}`, 'nodegroup.version-update', at);
    });
    return update;
  }

  clusterVersion(name: string, version: string, token: string): UpdateRecord {
    const cluster = this.state.cluster(name);
    const again = served(cluster, token);
    if (again) return again;
    if (cluster.update) throw eksError.resourceInUse(`Cannot update because cluster ${name} currently has update ${cluster.update.id} in progress`);
    if (cluster.status !== 'ACTIVE') throw eksError.resourceInUse(`Cluster ${name} is ${cluster.status}: it takes updates only when ACTIVE`);
    if (!(supportedKubernetesVersions as readonly string[]).includes(version)) throw eksError.invalidParameter('unsupported Kubernetes version');
    if (version !== nextMinor(cluster.version)) throw eksError.invalidParameter(`Unsupported Kubernetes minor version update from ${cluster.version} to ${version}`);
    const behind = [...cluster.nodegroups.values()].filter((g) => g.status !== 'DELETING' && g.version !== cluster.version).map((g) => g.name).sort();
    if (behind.length > 0) throw eksError.invalidParameter(`Nodegroups ${behind.join(', ')} must be updated to match cluster version ${cluster.version} before updating cluster version`);
    const update = startUpdate(this.context, cluster, token, 'VersionUpdate', [{ type: 'Version', value: version }]);
    cluster.status = 'UPDATING';
    cluster.timer = this.later('cluster.version-update', name, (at) => {
      cluster.status = 'ACTIVE';
      if (endUpdate(this.context, cluster, update, { kind: 'cluster-update', key: name })) return;
      cluster.version = version;
      this.context.detections.finished(`cluster ${name}`, 'cluster.version-update', at);
    });
    return update;
  }

  addon(clusterName: string, name: string, change: AddonChange, token: string): UpdateRecord {
    const cluster = this.state.cluster(clusterName);
    const addon = this.state.addon(clusterName, name);
    const again = served(addon, token);
    if (again) return again;
    if (addon.update) throw eksError.resourceInUse(`Cannot update because addon ${name} currently has update ${addon.update.id} in progress`);
    if (addon.status !== 'ACTIVE' && addon.status !== 'DEGRADED') throw eksError.resourceInUse(`Addon ${name} is ${addon.status}: it takes updates only when ACTIVE or DEGRADED`);
    const version = change.version ?? addon.version;
    const configurationValues = change.configurationValues ?? addon.configurationValues;
    this.state.checkAddonRequest({
      cluster: clusterName, name, version, tags: {}, clientRequestToken: token, ...(configurationValues !== undefined ? { configurationValues } : {}),
    }, cluster.version);
    const params = [
      { type: 'AddonVersion', value: version },
      ...(change.configurationValues !== undefined ? [{ type: 'ConfigurationValues', value: change.configurationValues }] : []),
      { type: 'ResolveConflicts', value: change.resolveConflicts ?? 'OVERWRITE' },
    ];
    const key = `${clusterName}/${name}`;
    const update = startUpdate(this.context, addon, token, 'AddonUpdate', params);
    const settled = addon.status;
    addon.status = 'UPDATING';
    addon.timer = this.later('addon.update', key, () => {
      addon.status = settled;
      if (endUpdate(this.context, addon, update, { kind: 'addon-update', key })) return;
      addon.version = version;
      if (configurationValues !== undefined) addon.configurationValues = configurationValues;
    });
    return update;
  }

  /**
   * UpdateClusterConfig with endpoint access (an EndpointAccessUpdate): public, private and the
   * public CIDRs, applied when the update ends. One cluster update at a time, refused in the
   * words of aws-fault-catalog 17; neither endpoint is refused as at CreateCluster; a request
   * that changes nothing is refused as EKS refuses a no-op logging update (catalog 18).
   */
  endpointAccess(name: string, access: EndpointAccessSpec, token: string): UpdateRecord {
    const cluster = this.state.cluster(name);
    const again = served(cluster, token);
    if (again) return again;
    if (cluster.update) throw eksError.resourceInUse(`Cannot EndpointAccessUpdate because cluster ${name} currently has update ${cluster.update.id} in progress`);
    if (cluster.status !== 'ACTIVE') throw eksError.resourceInUse(`Cluster ${name} is ${cluster.status}: it takes updates only when ACTIVE`);
    if (!access.public && !access.private) throw eksError.invalidParameter('Cluster endpoint must have public or private access enabled');
    const wanted: EndpointAccessSpec = { public: access.public, private: access.private, ...(access.public ? { publicAccessCidrs: access.publicAccessCidrs ?? ['0.0.0.0/0'] } : {}) };
    const current = cluster.settings.endpointAccess;
    if (current && JSON.stringify(current) === JSON.stringify(wanted)) throw eksError.invalidParameter('No changes needed for the endpoint access provided');
    const update = startUpdate(this.context, cluster, token, 'EndpointAccessUpdate', [
      { type: 'EndpointPublicAccess', value: String(wanted.public) },
      { type: 'EndpointPrivateAccess', value: String(wanted.private) },
      ...(wanted.publicAccessCidrs ? [{ type: 'PublicAccessCidrs', value: JSON.stringify(wanted.publicAccessCidrs) }] : []),
    ]);
    cluster.status = 'UPDATING';
    cluster.timer = this.later('cluster.update', name, (at) => {
      cluster.status = 'ACTIVE';
      if (endUpdate(this.context, cluster, update, { kind: 'cluster-update', key: name })) return;
      cluster.settings = { ...cluster.settings, endpointAccess: wanted };
      this.context.detections.finished(`cluster ${name}`, 'cluster.update', at);
    });
    return update;
  }

  /**
   * UpdateClusterConfig with control-plane subnets and security groups (a VpcConfigUpdate): both
   * sent together, as eksctl's update-cluster-vpc-config sends them (pkg/ctl/utils/vpc_helper.go
   * updateSubnetsSecurityGroups); EKS moves the control plane's ENIs when the update ends.
   */
  vpcConfig(name: string, change: { subnetIds: string[]; securityGroupIds: string[] }, token: string): UpdateRecord {
    const cluster = this.state.cluster(name);
    const again = served(cluster, token);
    if (again) return again;
    if (cluster.update) throw eksError.resourceInUse(`Cannot VpcConfigUpdate because cluster ${name} currently has update ${cluster.update.id} in progress`);
    if (cluster.status !== 'ACTIVE') throw eksError.resourceInUse(`Cluster ${name} is ${cluster.status}: it takes updates only when ACTIVE`);
    this.state.checkControlPlaneNetwork(cluster, change.subnetIds, change.securityGroupIds);
    if (same(cluster.subnetIds, change.subnetIds) && same(cluster.securityGroupIds, change.securityGroupIds)) throw eksError.invalidParameter('No changes needed for the VPC config provided');
    const update = startUpdate(this.context, cluster, token, 'VpcConfigUpdate', [
      { type: 'Subnets', value: JSON.stringify(change.subnetIds) },
      { type: 'SecurityGroups', value: JSON.stringify(change.securityGroupIds) },
    ]);
    cluster.status = 'UPDATING';
    cluster.timer = this.later('cluster.update', name, (at) => {
      cluster.status = 'ACTIVE';
      if (endUpdate(this.context, cluster, update, { kind: 'cluster-update', key: name })) return;
      cluster.subnetIds = [...change.subnetIds];
      cluster.securityGroupIds = [...change.securityGroupIds];
      this.context.detections.finished(`cluster ${name}`, 'cluster.update', at);
    });
    return update;
  }

  /**
   * UpdateClusterConfig of one setting: zonal shift (ZonalShiftConfigUpdate), the support policy
   * (UpgradePolicyUpdate) or the control plane's tier (ControlPlaneScalingConfigUpdate), each
   * its own update type (EKS UpdateType), applied when the update ends.
   */
  setting(name: string, setting: ClusterSettingChange, token: string): UpdateRecord {
    const cluster = this.state.cluster(name);
    const again = served(cluster, token);
    if (again) return again;
    const current = cluster.settings;
    const [type, params, changes, apply]: [string, Update['params'], boolean, () => void] =
      'zonalShift' in setting ? ['ZonalShiftConfigUpdate', [{ type: 'ZonalShiftConfig', value: JSON.stringify({ enabled: setting.zonalShift }) }], (current.zonalShift ?? false) !== setting.zonalShift,
        () => { cluster.settings = { ...cluster.settings, zonalShift: setting.zonalShift }; }]
        : 'supportType' in setting ? ['UpgradePolicyUpdate', [{ type: 'UpgradePolicy', value: JSON.stringify({ supportType: setting.supportType }) }], (current.supportType ?? 'EXTENDED') !== setting.supportType,
          () => { cluster.settings = { ...cluster.settings, supportType: setting.supportType }; }]
          : ['ControlPlaneScalingConfigUpdate', [{ type: 'PreviousTier', value: current.controlPlaneTier ?? 'standard' }, { type: 'UpdatedTier', value: setting.controlPlaneTier }], (current.controlPlaneTier ?? 'standard') !== setting.controlPlaneTier,
            () => { cluster.settings = { ...cluster.settings, controlPlaneTier: setting.controlPlaneTier }; }];
    if (cluster.update) throw eksError.resourceInUse(`Cannot ${type} because cluster ${name} currently has update ${cluster.update.id} in progress`);
    if (cluster.status !== 'ACTIVE') throw eksError.resourceInUse(`Cluster ${name} is ${cluster.status}: it takes updates only when ACTIVE`);
    if (!changes) throw eksError.invalidParameter(`No changes needed for the ${type.replace(/Update$/, '')} provided`);
    const update = startUpdate(this.context, cluster, token, type, params);
    cluster.status = 'UPDATING';
    cluster.timer = this.later('cluster.update', name, (at) => {
      cluster.status = 'ACTIVE';
      if (endUpdate(this.context, cluster, update, { kind: 'cluster-update', key: name })) return;
      apply();
      this.context.detections.finished(`cluster ${name}`, 'cluster.update', at);
    });
    return update;
  }

  /**
   * AssociateEncryptionConfig: Secrets encrypted with a KMS key from when the update ends (an
   * AssociateEncryptionConfig update). One cluster update at a time (aws-fault-catalog 17); a
   * cluster that already has a key, or a key that is not usable, is refused (the messages are
   * ours: EKS's exact words are not published).
   */
  encryption(name: string, keyArn: string, token: string): UpdateRecord {
    const cluster = this.state.cluster(name);
    const again = served(cluster, token);
    if (again) return again;
    if (cluster.update) throw eksError.resourceInUse(`Cannot AssociateEncryptionConfig because cluster ${name} currently has update ${cluster.update.id} in progress`);
    if (cluster.status !== 'ACTIVE') throw eksError.resourceInUse(`Cluster ${name} is ${cluster.status}: it takes updates only when ACTIVE`);
    if (cluster.settings.secretsKeyArn) throw eksError.invalidRequest(`Cluster ${name} already has encryption of secrets with ${cluster.settings.secretsKeyArn}; it cannot be changed or removed`);
    this.state.checkKmsKey(keyArn);
    const update = startUpdate(this.context, cluster, token, 'AssociateEncryptionConfig', [
      { type: 'EncryptionConfig', value: JSON.stringify([{ resources: ['secrets'], provider: { keyArn } }]) },
    ]);
    cluster.status = 'UPDATING';
    cluster.timer = this.later('cluster.update', name, (at) => {
      cluster.status = 'ACTIVE';
      if (endUpdate(this.context, cluster, update, { kind: 'cluster-update', key: name })) return;
      cluster.settings = { ...cluster.settings, secretsKeyArn: keyArn };
      this.context.detections.finished(`cluster ${name}`, 'cluster.update', at);
    });
    return update;
  }

  /** DescribeUpdate: the update by ID, of the cluster, or of the node group or add-on named. */
  describe(ref: UpdateRef): UpdateRecord {
    const holder: Updatable = ref.nodegroup ? this.state.nodegroup(ref.cluster, ref.nodegroup) : ref.addon ? this.state.addon(ref.cluster, ref.addon) : this.state.cluster(ref.cluster);
    const update = holder.updates.get(ref.updateId);
    if (!update) throw eksError.notFound(`No update found for ID: ${ref.updateId}`);
    return update;
  }

  tag(arn: string, tags: Record<string, string>): void {
    Object.assign(this.tagged(arn).tags, tags);
  }

  untag(arn: string, keys: string[]): void {
    const resource = this.tagged(arn);
    for (const key of keys) delete resource.tags[key];
  }

  /** What TagResource and UntagResource name by ARN: a cluster, node group, Fargate profile or add-on. */
  private tagged(arn: string): { tags: Record<string, string> } {
    for (const cluster of this.state.clusters.values()) {
      const found = [cluster, ...cluster.nodegroups.values(), ...cluster.fargateProfiles.values(), ...cluster.addons.values()]
        .find((resource) => resource.arn === arn);
      if (found) return found;
    }
    throw eksError.notFound(`No resource found for ARN: ${arn}`);
  }
}

/** UpdateNodegroupConfig's params, under EKS's UpdateParamType names; a request with nothing in it is refused. */
function configParams(change: NodegroupConfigChange): Update['params'] {
  const params: Update['params'] = [];
  const { scaling, labels, taints, updateConfig } = change;
  if (scaling) params.push({ type: 'MinSize', value: String(scaling.minSize) }, { type: 'MaxSize', value: String(scaling.maxSize) }, { type: 'DesiredSize', value: String(scaling.desiredSize) });
  if (labels?.addOrUpdate && Object.keys(labels.addOrUpdate).length > 0) params.push({ type: 'LabelsToAdd', value: JSON.stringify(labels.addOrUpdate) });
  if (labels?.remove?.length) params.push({ type: 'LabelsToRemove', value: JSON.stringify(labels.remove) });
  if (taints?.addOrUpdate?.length) params.push({ type: 'TaintsToAdd', value: JSON.stringify(taints.addOrUpdate) });
  if (taints?.remove?.length) params.push({ type: 'TaintsToRemove', value: JSON.stringify(taints.remove) });
  if (updateConfig) {
    const { maxUnavailable, maxUnavailablePercentage } = updateConfig;
    // Exactly one of the two (aws-fault-catalog 26: terraform-provider-aws's ExactlyOneOf; EKS's quota is 1-100).
    if ((maxUnavailable === undefined) === (maxUnavailablePercentage === undefined)) {
      throw eksError.invalidParameter('updateConfig needs exactly one of maxUnavailable and maxUnavailablePercentage');
    }
    const [type, value] = maxUnavailable !== undefined ? ['MaxUnavailable', maxUnavailable] : ['MaxUnavailablePercentage', maxUnavailablePercentage!];
    if (!Number.isInteger(value) || value < 1 || value > 100) throw eksError.invalidParameter(`${type} must be between 1 and 100, got ${value}`);
    params.push({ type, value: String(value) });
  }
  // The cluster's words for the same refusal (aws-fault-catalog 18).
  if (params.length === 0) throw eksError.invalidParameter('The type for nodegroup update was not provided.');
  return params;
}

function applyConfig(group: NodegroupRecord, { scaling, labels, taints }: NodegroupConfigChange): void {
  if (scaling) group.scaling = { ...scaling };
  if (labels) {
    Object.assign(group.labels, labels.addOrUpdate ?? {});
    for (const key of labels.remove ?? []) delete group.labels[key];
  }
  if (taints) {
    // A taint is one per key and effect, as in Kubernetes: adding one again replaces it.
    for (const taint of taints.addOrUpdate ?? []) group.taints = [...group.taints.filter((t) => !sameTaint(t, taint)), { ...taint }];
    for (const taint of taints.remove ?? []) group.taints = group.taints.filter((t) => !sameTaint(t, taint));
  }
}

export function checkScaling({ minSize, desiredSize, maxSize }: NodegroupRecord['scaling']): void {
  if (minSize < 0 || maxSize < 1 || desiredSize < minSize || desiredSize > maxSize) {
    throw eksError.invalidParameter(`Invalid scaling configuration: minSize ${minSize}, desiredSize ${desiredSize}, maxSize ${maxSize} (need 0 <= min <= desired <= max, max >= 1)`);
  }
}
