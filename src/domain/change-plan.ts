import { ChangeBuilder, changeStepIds, fromTo, minorNumber, same, show } from './change-plan-builder';
import { addComputeChanges } from './change-plan-compute';
import { addServiceAccountChanges } from './change-plan-identity';
import { addAccessChanges, addAddonChanges, addAppChanges, addAutoscalingChange, addEksAddonChanges } from './change-plan-workloads';
import { coreAddonStepIds } from './eks-addons-plan';
import { secretsKeyAliasOf } from './cluster-settings-rules';
import { EnvironmentSpec, type AddonName } from './environment-spec';
import { describeWaves, planProblems, schedulePlan, stepIds, type Plan, type PlanStep } from './planner';
import { checkPodCapacity } from './pod-capacity';

export { changeStepIds } from './change-plan-builder';
export { replacementName } from './change-plan-compute';

/**
 * Day 2 (issue 16): a ready environment's live spec and the spec applied to it, diffed into a
 * change plan — steps in the same tree as a creation plan's, each an update in place, a
 * replacement, an addition or a removal, with waves, a critical path and an estimate. What
 * cannot change is refused with its reason and the way out; no difference is ever ignored:
 * each becomes a step, a setting applied at once, or a refusal. Pure: no I/O.
 *
 * Additions reuse the creation plan's step ids and kinds, so the workflow runs them with its
 * creation handlers. While the control plane is updated (its logging, each minor of a
 * Kubernetes upgrade, one at a time as EKS allows) nothing else changes: every other step waits
 * for the last cluster update.
 */

export type ChangeAction = 'add' | 'update' | 'replace' | 'remove';

export interface ChangeStep extends PlanStep {
  action: ChangeAction;
  /** What changes, as a person reads it: "desiredSize 2 → 3; labels +team=a, -old". */
  change: string;
  /** Cannot be undone once done (a Kubernetes version upgrade). */
  irreversible?: boolean;
}

export interface ChangePlan extends Omit<Plan, 'steps'> {
  steps: ChangeStep[];
  /** What the diff found unchanged, by area: ['network', 'nodeGroups/on-demand', ...]. */
  unchanged: string[];
  /** Settings that change at once, with no step: ["ttl 4h → 8h"]. */
  settings: string[];
  /** True when nothing changes: no step and no setting. */
  empty: boolean;
}

/** A change the environment cannot take; each problem at its path in the applied spec, with the reason and the way out. */
export class ChangeRefusedError extends Error {
  override readonly name = 'ChangeRefused';
  constructor(message: string, readonly problems: { path: string; message: string }[]) {
    super(message);
  }
}

export interface ChangeContext {
  /**
   * EKS names of live node groups by spec name (a replaced group lives under a new EKS name).
   * @default the spec name
   */
  nodegroupNames?: Record<string, string>;
  /**
   * EKS names of live Fargate profiles by spec name.
   * @default the spec name
   */
  fargateProfileNames?: Record<string, string>;
}

// EKS managed node groups may trail the control plane by three minors (EKS user guide,
// "Managed node groups" version skew, from Kubernetes 1.28), and the nodes roll only after the
// last control plane update.
const maxUpgradeMinors = 3;

/** The plan that turns the live environment into the applied spec; throws ChangeRefusedError for what cannot change. */
export function planChange(live: EnvironmentSpec, next: EnvironmentSpec, context: ChangeContext = {}): ChangePlan {
  const b = new ChangeBuilder(live, next);
  refuseFixedFields(b);
  const upgradedTo = addClusterChanges(b);
  addSettings(b);
  const { compute } = addComputeChanges(b, context, { upgradedTo });
  addEksAddonChanges(b, { upgradedTo, compute });
  addAppChanges(b, { compute });
  addAddonChanges(b, { compute });
  addAccessChanges(b);
  addServiceAccountChanges(b);
  addAutoscalingChange(b);
  b.deferred.forEach((link) => link());
  refuseInvalidResult(b);
  refuseUnaccounted(b);
  if (b.problems.length > 0) {
    const problems = mergeByPath(b.problems);
    throw new ChangeRefusedError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  }
  orderAroundClusterUpdates(b);
  const plan = schedulePlan(next, b.steps);
  return { ...plan, unchanged: b.unchanged, settings: b.settings, empty: plan.steps.length === 0 && b.settings.length === 0 };
}

const createAnew = 'the way out: create a new environment with it (and tear this one down once its workloads moved)';

/** What identifies the cluster and where it runs: EKS can change none of it. */
function refuseFixedFields(b: ChangeBuilder): void {
  const { live, next } = b;
  if (live.name !== next.name) b.refuse('/name', `is the EKS cluster's name (${live.name}), which EKS cannot change; ${createAnew}`);
  if (live.region !== next.region) b.refuse('/region', `an EKS cluster cannot move from ${live.region} to ${next.region}; ${createAnew}`);
  // The control plane's subnets and security groups change in place (addControlPlaneNetworkChange); the rest of the network cannot.
  const fixedPart = (network: EnvironmentSpec['network']) => ({ ...network, controlPlaneSubnetIds: undefined, securityGroupIds: undefined });
  if (!same(fixedPart(live.network), fixedPart(next.network))) b.refuse('/network', `the cluster and its node groups stay in the VPC and subnets they were created in (only controlPlaneSubnetIds and securityGroupIds change in place); ${createAnew}`);
  else if (same(live.network, next.network)) b.unchanged.push('network');
  // The Services' CIDR and the IP family are CreateCluster's alone (UpdateClusterConfig has no
  // field for them); left out, they are EKS's defaults (IPv4, a CIDR EKS picks).
  const network = (spec: EnvironmentSpec) => ({ ipFamily: spec.kubernetesNetwork?.ipFamily ?? 'ipv4', serviceIpv4Cidr: spec.kubernetesNetwork?.serviceIpv4Cidr });
  if (!same(network(live), network(next))) {
    b.refuse('/kubernetesNetwork', `EKS sets a cluster's Service CIDR and IP family only when it creates the cluster (${show(live.kubernetesNetwork ?? 'EKS\'s defaults')} → ${show(next.kubernetesNetwork ?? 'EKS\'s defaults')}); ${createAnew}`);
  } else if (!same(live.kubernetesNetwork, next.kubernetesNetwork)) b.accounted.add('kubernetesNetwork');
  // Karpenter's AWS side (node role, queue, tags, access entry) is planned only at creation, and
  // its instances are terminated only at teardown: it is not added, changed or removed by apply yet.
  if (!same(live.addons.karpenter, next.addons.karpenter)) {
    b.refuse('/addons/karpenter', `Karpenter cannot be added, changed or removed by apply yet (apply the spec with the live addons.karpenter); ${createAnew}`);
  }
  for (const field of ['tags', 'permissionsBoundaries'] as const) {
    if (!same(live[field], next[field])) b.refuse(`/${field}`, `${field} cannot be changed by apply yet; the way out: apply the spec with the live ${field}, or create a new environment with the new ones`);
    else if (live[field] !== undefined) b.unchanged.push(field);
  }
}

/** Control-plane logging, then one UpdateClusterVersion per minor. Returns the minor upgraded to. */
function addClusterChanges(b: ChangeBuilder): string | undefined {
  const { live, next } = b;
  const [was, now] = [new Set(live.controlPlaneLogging), new Set(next.controlPlaneLogging)];
  const enabled = [...now].filter((t) => !was.has(t));
  const disabled = [...was].filter((t) => !now.has(t));
  // The retention of the log group EKS writes them to: PutRetentionPolicy, in the same step (its handler sets it).
  const [keptFor, keepFor] = [live.controlPlaneLogRetentionDays, next.controlPlaneLogRetentionDays];
  if (keptFor !== keepFor) {
    b.accounted.add('controlPlaneLogRetentionDays');
    if (keepFor === undefined) {
      b.refuse('/controlPlaneLogRetentionDays', `eksflow does not take the log group's retention (${keptFor} days) away: CloudWatch Logs would then keep the logs for ever; the way out: set the retention you want (3653 days at most)`);
    }
  } else if (keptFor !== undefined) b.unchanged.push('controlPlaneLogRetentionDays');
  const retention = keptFor !== keepFor && keepFor !== undefined ? `logs kept ${keptFor ?? 'for ever'} → ${keepFor} days` : '';
  if (enabled.length + disabled.length > 0 || retention) {
    if (enabled.length + disabled.length > 0) b.accounted.add('controlPlaneLogging');
    b.add({
      id: stepIds.clusterLogging, kind: 'cluster-logging', action: 'update',
      title: enabled.length + disabled.length > 0
        ? `set control-plane logs: ${next.controlPlaneLogging.join(', ') || 'none'} (UpdateClusterConfig)${retention ? ' and their retention (PutRetentionPolicy)' : ''}`
        : `keep control-plane logs ${keepFor} days (PutRetentionPolicy on /aws/eks/${next.name}/cluster)`,
      change: [enabled.length ? `enable ${enabled.join(', ')}` : '', disabled.length ? `disable ${disabled.join(', ')}` : '', retention].filter(Boolean).join('; '),
    });
  }
  if (enabled.length + disabled.length === 0 && live.controlPlaneLogging.length > 0) b.unchanged.push('controlPlaneLogging');
  addEndpointAccessChange(b);
  addControlPlaneNetworkChange(b);
  addClusterSettingChanges(b);
  addSecretsEncryptionChange(b);
  addIdentityProviderChanges(b);

  const [from, to] = [minorNumber(live.kubernetesVersion), minorNumber(next.kubernetesVersion)];
  if (to === from) {
    b.unchanged.push('kubernetesVersion');
    return undefined;
  }
  if (to < from) {
    b.refuse('/kubernetesVersion', `EKS cannot downgrade a cluster (${live.kubernetesVersion} → ${next.kubernetesVersion}); the way out: create a new environment on ${next.kubernetesVersion} and move the workloads, or apply with kubernetesVersion ${live.kubernetesVersion}`);
    return undefined;
  }
  if (to - from > maxUpgradeMinors) {
    b.refuse('/kubernetesVersion', `${live.kubernetesVersion} → ${next.kubernetesVersion} is ${to - from} minors, and the nodes (rolled last) may trail the control plane by ${maxUpgradeMinors} at most; the way out: apply 1.${from + maxUpgradeMinors} first, then ${next.kubernetesVersion}`);
    return undefined;
  }
  b.accounted.add('kubernetesVersion');
  // Before anything changes: what the target breaks (deprecated APIs its clients still request).
  let previous: string | undefined = b.add({
    id: changeStepIds.upgradePrecheck(next.kubernetesVersion), kind: 'upgrade-precheck', action: 'update',
    title: `check what Kubernetes ${next.kubernetesVersion} removes that the cluster's clients still request (apiserver_requested_deprecated_apis)`,
    change: `Kubernetes ${live.kubernetesVersion} → ${next.kubernetesVersion}: nothing changes until this passes`, dependsOn: [],
  });
  for (let minor = from + 1; minor <= to; minor++) {
    const fargate = minor === to && next.fargateProfiles.length > 0
      ? `; Fargate pods keep their ${live.kubernetesVersion} kubelet until they are restarted (roll their workloads)` : '';
    previous = b.add({
      id: changeStepIds.clusterVersion(`1.${minor}`), kind: 'cluster-version', action: 'update', irreversible: true,
      title: `upgrade the control plane to Kubernetes 1.${minor} (UpdateClusterVersion) and wait until ACTIVE`,
      change: `Kubernetes 1.${minor - 1} → 1.${minor}: EKS cannot downgrade${fargate}`, dependsOn: [previous],
    });
  }
  return next.kubernetesVersion;
}

/**
 * The API endpoint's access, changed in place as eksctl's update-cluster-vpc-config and
 * Terraform's aws_eks_cluster change it: public, private and the public CIDRs in one
 * UpdateClusterConfig (aws-fault-catalog 18). Left out means EKS's default (public, open to
 * 0.0.0.0/0, no private endpoint), so writing that default out changes nothing.
 */
function addEndpointAccessChange(b: ChangeBuilder): void {
  const { live, next } = b;
  if (same(live.endpointAccess, next.endpointAccess)) {
    if (live.endpointAccess !== undefined) b.unchanged.push('endpointAccess');
    return;
  }
  b.accounted.add('endpointAccess');
  const [was, now] = [effectiveEndpointAccess(live.endpointAccess), effectiveEndpointAccess(next.endpointAccess)];
  if (same(was, now)) {
    b.unchanged.push('endpointAccess');
    return;
  }
  const show = (a: typeof was) => `${[a.public ? `public (${a.cidrs.join(', ')})` : '', a.private ? 'private' : ''].filter(Boolean).join(' and ')}`;
  const privateOnly = !now.public ? ': the Kubernetes API is then reachable only from inside the VPC (the worker included: it must run there)' : '';
  b.add({
    id: changeStepIds.clusterEndpointAccess, kind: 'cluster-endpoint-access', action: 'update',
    title: 'change who can reach the Kubernetes API endpoint (UpdateClusterConfig) and wait until ACTIVE',
    change: `endpoint ${show(was)} → ${show(now)}${privateOnly}`,
  });
}

/**
 * The control plane's subnets and security groups, by ID, within the cluster's VPC: one
 * UpdateClusterConfig for both, as eksctl's update-cluster-vpc-config sends them. Left out, the
 * subnets are the ones the cluster was created in (every subnet of the network, or the private
 * ones with vpc.controlPlaneOnPrivateSubnets) and the security groups none beside EKS's own.
 */
function addControlPlaneNetworkChange(b: ChangeBuilder): void {
  const { live, next } = b;
  const ids = (list: string[] | undefined) => [...(list ?? [])].sort().join(', ');
  const subnets = ids(live.network.controlPlaneSubnetIds) !== ids(next.network.controlPlaneSubnetIds);
  const groups = ids(live.network.securityGroupIds) !== ids(next.network.securityGroupIds);
  if (!subnets && !groups) return;
  b.accounted.add('network');
  const show = (list: string[] | undefined, none: string) => (list?.length ? list.join(', ') : none);
  b.add({
    id: changeStepIds.clusterVpcConfig, kind: 'cluster-vpc-config', action: 'update',
    title: 'move the control plane\'s network interfaces to other subnets or security groups (UpdateClusterConfig) and wait until ACTIVE',
    change: [
      subnets ? `control-plane subnets ${show(live.network.controlPlaneSubnetIds, 'as created')} → ${show(next.network.controlPlaneSubnetIds, 'as created')}` : '',
      groups ? `control-plane security groups ${show(live.network.securityGroupIds, 'none')} → ${show(next.network.securityGroupIds, 'none')}` : '',
    ].filter(Boolean).join('; '),
  });
}

/**
 * Zonal shift, the support policy and the control plane's tier: each its own UpdateClusterConfig
 * (aws-fault-catalog 18), as Terraform's aws_eks_cluster updates them. Left out means EKS's
 * default (zonal shift off, EXTENDED support, the standard tier), so writing it out changes nothing.
 */
function addClusterSettingChanges(b: ChangeBuilder): void {
  const settings = [
    { field: 'zonalShift', default: false, title: 'zonal shift', show: (on: unknown) => (on ? 'on' : 'off') },
    { field: 'supportType', default: 'EXTENDED', title: 'the support policy', show: String },
    { field: 'controlPlaneTier', default: 'standard', title: 'the control plane\'s tier', show: String },
  ] as const;
  for (const setting of settings) {
    const [was, now] = [b.live[setting.field] ?? setting.default, b.next[setting.field] ?? setting.default];
    if (same(b.live[setting.field], b.next[setting.field])) {
      if (b.live[setting.field] !== undefined) b.unchanged.push(setting.field);
      continue;
    }
    b.accounted.add(setting.field);
    if (was === now) {
      b.unchanged.push(setting.field);
      continue;
    }
    const extended = setting.field === 'supportType' && now === 'STANDARD' ? ': a version past standard support then goes to the next version at the end of standard support, as EKS does' : '';
    b.add({
      id: changeStepIds.clusterSetting(setting.field), kind: 'cluster-setting', action: 'update', subject: setting.field,
      title: `set ${setting.title} (UpdateClusterConfig) and wait until ACTIVE`,
      change: `${setting.field} ${setting.show(was)} → ${setting.show(now)}${extended}`,
    });
  }
}

/**
 * Envelope encryption of Secrets switched on for a cluster without it, as eksctl's utils
 * enable-secrets-encryption and Terraform's aws_eks_cluster (encryption_config added) do:
 * eksflow's own key made first when no keyArn is given, the cluster role allowed to use the key,
 * AssociateEncryptionConfig awaited, then every Secret written again so it is encrypted too.
 * EKS cannot turn it off or change the key: those are refused with the way out.
 */
function addSecretsEncryptionChange(b: ChangeBuilder): void {
  const { live, next } = b;
  if (same(live.secretsEncryption, next.secretsEncryption)) {
    if (live.secretsEncryption) b.unchanged.push('secretsEncryption');
    return;
  }
  b.accounted.add('secretsEncryption');
  const key = (encryption: EnvironmentSpec['secretsEncryption']) => encryption?.keyArn ?? `eksflow's key ${secretsKeyAliasOf(live.name)}`;
  if (live.secretsEncryption) {
    b.refuse('/secretsEncryption', next.secretsEncryption
      ? `EKS cannot change the key that encrypts a cluster's Secrets (${key(live.secretsEncryption)} → ${key(next.secretsEncryption)}); the way out: keep ${key(live.secretsEncryption)}, or create a new environment with the new key`
      : `EKS cannot turn off envelope encryption of Secrets once it is on; the way out: keep secretsEncryption, or create a new environment without it`);
    return;
  }
  const made = next.secretsEncryption!.keyArn ? undefined : b.add({
    id: stepIds.secretsKey, kind: 'kms-key', action: 'add',
    title: `create KMS key ${secretsKeyAliasOf(next.name)} for envelope encryption of Secrets (deletion scheduled 7 days out at teardown)`,
    change: 'a key of the environment\'s own',
  });
  b.add({
    id: changeStepIds.clusterEncryption, kind: 'cluster-encryption', action: 'update', irreversible: true, dependsOn: [made],
    title: 'allow the cluster role the key, encrypt Secrets with it (AssociateEncryptionConfig), wait until ACTIVE, then write every Secret again',
    change: `Secrets unencrypted → encrypted with ${key(next.secretsEncryption)}: EKS cannot turn it off again`,
  });
}

/**
 * OIDC identity providers associated and disassociated (eksctl's associate / disassociate
 * identityprovider). EKS cannot change an association: a changed one is disassociated, and
 * associated again once it is gone. Each is a cluster update, 15-30 min on EKS.
 */
function addIdentityProviderChanges(b: ChangeBuilder): void {
  const { live, next } = b;
  if (same(live.identityProviders ?? [], next.identityProviders ?? [])) {
    if (live.identityProviders?.length) b.unchanged.push('identityProviders');
    return;
  }
  b.accounted.add('identityProviders');
  const before = new Map((live.identityProviders ?? []).map((p) => [p.name, p]));
  const after = new Map((next.identityProviders ?? []).map((p) => [p.name, p]));
  for (const [name, provider] of before) {
    if (same(provider, after.get(name))) continue;
    b.add({
      id: changeStepIds.identityProviderRemove(name), kind: 'identity-provider-remove', action: after.has(name) ? 'replace' : 'remove', subject: name,
      title: `disassociate OIDC identity provider ${name} (DisassociateIdentityProviderConfig) and wait until it is gone`,
      change: after.has(name) ? 'EKS cannot change an association: disassociated, then associated again' : `its users (${provider.issuerUrl}) can no longer authenticate`,
    });
  }
  for (const [name, provider] of after) {
    const was = before.get(name);
    if (same(was, provider)) continue;
    b.add({
      id: stepIds.identityProvider(name), kind: 'identity-provider', action: was ? 'replace' : 'add', subject: name,
      title: `associate OIDC identity provider ${name} (${provider.issuerUrl}, client ${provider.clientId}) and wait until ACTIVE (15–30 min on EKS)`,
      change: was ? `${show(was)} → ${show(provider)}` : `users of ${provider.issuerUrl} can authenticate`,
      dependsOn: [was ? changeStepIds.identityProviderRemove(name) : undefined],
    });
  }
}

const effectiveEndpointAccess = (access: EnvironmentSpec['endpointAccess']) => {
  const open = access?.public ?? true;
  return { public: open, private: access?.private ?? false, cidrs: open ? access?.publicAccessCidrs ?? ['0.0.0.0/0'] : [] };
};

/** What changes at once, with no step: when the environment expires, what a failed run keeps. */
function addSettings(b: ChangeBuilder): void {
  const { live, next } = b;
  if (live.ttl !== next.ttl) {
    b.accounted.add('ttl');
    b.settings.push(`${fromTo('ttl', live.ttl, next.ttl)}${next.ttl ? ' (counted from the environment\'s creation)' : ' (the environment no longer expires)'}`);
  }
  if (JSON.stringify(live.drift ?? null) !== JSON.stringify(next.drift ?? null)) {
    b.accounted.add('drift');
    const describe = (drift: EnvironmentSpec['drift']) => (drift ? `every ${drift.checkEvery}${drift.correct ? ', correcting' : ''}` : 'every 1h (the default)');
    b.settings.push(`drift checks ${describe(live.drift)} → ${describe(next.drift)}`);
  }
  if (live.onFailure !== next.onFailure) {
    b.accounted.add('onFailure');
    b.settings.push(`${fromTo('onFailure', live.onFailure, next.onFailure)} (what a failed run does with what it made)`);
  }
}

/**
 * The applied spec must plan as a new environment would (add-ons' dependencies, the app's
 * needs): a removed add-on something still needs is refused at its own path, naming both.
 */
function refuseInvalidResult(b: ChangeBuilder): void {
  const removed = Object.keys(b.live.addons).filter((name) => b.next.addons[name as AddonName] === undefined);
  for (const problem of planProblems(b.next)) {
    const needed = removed.find((name) => problem.message.includes(name));
    if (!needed) {
      b.refuse(problem.path, problem.message);
      continue;
    }
    const why = problem.message.replace(/; add it to addons$/, '');
    b.refuse(`/addons/${needed}`, `${needed} cannot be removed while ${problem.path.slice(1)} needs it (${why}); the way out: keep it, or remove ${problem.path.slice(1)} in the same apply`);
  }
  // A change that makes the pods no longer fit the node groups even at maxSize (a live spec that
  // already did not fit, from before the check, is not made a reason to refuse every change).
  if (checkPodCapacity(b.live).problems.length === 0) {
    for (const problem of checkPodCapacity(b.next).problems) b.refuse(problem.path, problem.message);
  }
}

/** The safety net: a top-level field that differs and that no part turned into a step, a setting or a refusal. */
function refuseUnaccounted(b: ChangeBuilder): void {
  for (const field of Object.keys(EnvironmentSpec.properties)) {
    const key = field as keyof EnvironmentSpec;
    if (!same(b.live[key], b.next[key]) && !b.accounted.has(field)) {
      b.refuse(`/${field}`, `${field} cannot be changed by apply yet (${show(b.live[key])} → ${show(b.next[key])}); the way out: apply the spec with the live ${field}, or create a new environment with the new one`);
    }
  }
}

/**
 * The cluster updates in a chain (EKS runs one at a time), after the add-on check when there
 * is one; everything else after the last of them. Node groups roll onto a new version last:
 * after the core EKS add-ons and the catalog's charts are updated for it.
 */
function orderAroundClusterUpdates(b: ChangeBuilder): void {
  const check = b.has(coreAddonStepIds.check) ? coreAddonStepIds.check : undefined;
  const precheck = b.steps.find((step) => step.kind === 'upgrade-precheck');
  // The pre-check comes first of all: the add-on check too waits for it.
  if (precheck && check) b.steps.find((step) => step.id === check)!.dependsOn.push(precheck.id);
  const clusterUpdates = b.steps.filter((step) => step.kind === 'cluster-logging' || step.kind === 'cluster-endpoint-access' || step.kind === 'cluster-vpc-config' || step.kind === 'cluster-setting' || step.kind === 'cluster-encryption' || step.kind === 'identity-provider-remove' || step.kind === 'identity-provider' || step.kind === 'cluster-version');
  clusterUpdates.forEach((step, i) => {
    // The first waits for the add-on check, or else the upgrade's pre-check: nothing changes before it passes.
    const before = i === 0 ? check ?? precheck?.id : clusterUpdates[i - 1]!.id;
    if (before && !step.dependsOn.includes(before)) step.dependsOn.unshift(before);
  });
  const controlPlane = clusterUpdates.at(-1)?.id;
  const rolledLast = b.ids('eks-addon-update', 'addon-upgrade');
  for (const step of b.steps) {
    if (step.id === check || step === precheck || clusterUpdates.includes(step)) continue;
    // eksflow's Secrets key is made before the encryption update that names it (after the pre-check, as everything is).
    if (step.kind === 'kms-key') {
      if (precheck && !step.dependsOn.includes(precheck.id)) step.dependsOn.push(precheck.id);
      continue;
    }
    if (step.kind === 'nodegroup-version') step.dependsOn.push(...rolledLast);
    if (controlPlane && step.dependsOn.every((dep) => dep === check)) step.dependsOn = [controlPlane];
    else if (check && step.dependsOn.length === 0) step.dependsOn = [check];
  }
}

function mergeByPath(problems: { path: string; message: string }[]): { path: string; message: string }[] {
  const byPath = new Map<string, string[]>();
  for (const { path, message } of problems) byPath.set(path, [...new Set([...(byPath.get(path) ?? []), message])]);
  return [...byPath].map(([path, messages]) => ({ path, message: messages.join('; ') }));
}

const actionMarkers: Record<ChangeAction, string> = { add: '+', update: '~', replace: '±', remove: '-' };

/** The change plan as a tree like describePlan's, each step with its action marker and what it changes; "no changes" when empty. */
export function describeChangePlan(plan: ChangePlan): string {
  const header = `change plan for environment "${plan.environment}" in ${plan.region} (Kubernetes ${plan.kubernetesVersion})`;
  if (plan.empty) return `${header}: no changes`;
  const lines = [plan.steps.length > 0
    ? describeWaves(plan, 'change plan', { marker: (step) => actionMarkers[step.action], text: (step) => `${step.title} — ${step.change}${step.irreversible ? ' (irreversible)' : ''}` })
    : `${header}: no steps`];
  if (plan.settings.length > 0) lines.push(`settings changed at once: ${plan.settings.join('; ')}`);
  if (plan.unchanged.length > 0) lines.push(`unchanged: ${plan.unchanged.join(', ')}`);
  lines.push('markers: + add, ~ update, ± replace, - remove');
  return lines.join('\n');
}
