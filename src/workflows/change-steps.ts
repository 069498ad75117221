import { ApplicationFailure } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ChangeStep } from '../domain/change-plan';
import type { EnvironmentSpec, NodeGroupSpec } from '../domain/environment-spec';
import { errorTypes } from '../domain/errors';
import type { Ledger, LedgerEntry, ResourceKind } from '../domain/ledger';
import type { Owner } from '../domain/ownership';
import type { PlanStep } from '../domain/planner';
import { describeBlockers } from '../domain/drain-blockers';
import { selfManagedNodegroupLabel } from '../domain/node-bootstrap';
import { stepIds } from '../domain/planner';
import { isSelfManaged, selfManagedName } from '../domain/self-managed-nodes';
import type { NodegroupScaling } from './messages';
import { secretsKeyPolicy, secretsKeyPolicyName } from '../domain/cluster-settings-rules';
import { serviceRoles } from '../domain/service-roles';
import { serviceAccountKey, workloadRoleName } from '../domain/workload-identity';
import { deleteAll, type DeleteOptions } from './delete-resources';

/**
 * The workflow's handlers for the steps only change plans have (src/domain/change-plan.ts):
 * updates in place awaited through DescribeUpdate, drains, and removals through the ledger
 * (ownership-checked, as a teardown's). Additions run the creation handlers.
 */

/** An EKS update as DescribeUpdate tells it. */
interface UpdateView {
  status: string;
  type?: string;
  errors?: { code?: string; message?: string; resourceIds?: string[] }[];
  issues?: string[];
}

export interface ChangeTools {
  /** The spec being changed to, and the one the environment stood on. */
  next: () => EnvironmentSpec;
  live: EnvironmentSpec;
  owner: Owner;
  changeId: string;
  force: boolean;
  ledger: Ledger;
  deleting: DeleteOptions;
  scaling: Map<string, NodegroupScaling>;
  /** EKS names of the node groups, by spec name (a replaced group lives under a new one). */
  nodegroupNames: Record<string, string>;
  /** Short AWS calls. */
  aws: Pick<Activities, 'updateClusterVersion' | 'updateClusterEndpointAccess' | 'updateClusterVpcConfig' | 'updateClusterSetting' | 'associateSecretsKey' | 'putOwnedRolePolicy' | 'describeUpdate' | 'describeCluster' | 'updateNodegroupConfig' | 'updateNodegroupVersion' | 'describeNodegroup'
    | 'drainBlockers' | 'upgradePrecheck' | 'installAddon' | 'addonReadiness' | 'applyApp' | 'appRollout' | 'ensureAccessEntry'
    | 'scaleAutoScalingGroup' | 'describeAutoScalingGroup'>;
  /** Waits inside one activity, heartbeating. */
  waits: Pick<Activities, 'waitForNodesReady' | 'rewriteSecrets'>;
  /** Drains: as long as the pods take to leave, heartbeating; a stuck one fails with its blockers (DrainBlocked). */
  drains: Pick<Activities, 'drainNodes'>;
  waitUntil: <T extends { status: string; issues?: string[] }>(step: PlanStep, observe: () => Promise<T>, done: (v: T) => boolean, describe: (v: T) => string, failed?: (v: T) => boolean) => Promise<T>;
  update: (id: string, change: { detail: string }) => void;
  /** How long a drain may make no progress before its blockers fail the step. */
  stuckAfterSeconds: number;
  imageUri: () => string | undefined;
  /** The key for Secrets: the spec's keyArn, or the one the change's kms-key step made. */
  secretsKeyArn: () => string | undefined;
  /** The control plane's subnets when the spec names none: those the cluster was created in. */
  controlPlaneSubnetsAsCreated: () => string[];
  addonRequest: (addon: string) => Parameters<Activities['installAddon']>[0];
}

const selectorOf = (eksName: string) => `eks.amazonaws.com/nodegroup=${eksName}`;
const afterSlash = (id: string) => id.slice(id.indexOf('/') + 1);
const updateFailed = (u: UpdateView) => u.status === 'Failed' || u.status === 'Cancelled';
const updateErrors = (u: UpdateView) => (u.errors ?? []).map((e) => `${e.code}: ${e.message}${e.resourceIds?.length ? ` (${e.resourceIds.join(', ')})` : ''}`);

export function changeHandlers(t: ChangeTools): Record<string, (step: ChangeStep) => Promise<void>> {
  const cluster = t.live.name;
  const requestId = (step: PlanStep) => `${t.changeId}:${step.id}`;
  const groupOf = (spec: EnvironmentSpec, name: string | undefined) => spec.nodeGroups.find((g) => g.name === name);

  /** Waits out one EKS update, with its errors (codes and messages) as the step's failure. */
  async function awaitUpdate(step: PlanStep, updateId: string, on: { nodegroup?: string; addon?: string }, extra?: () => Promise<string | undefined>): Promise<void> {
    const ended = await t.waitUntil(step, async () => {
      const update = await t.aws.describeUpdate({ cluster, updateId, ...on }) as UpdateView;
      const more = update.status === 'InProgress' && extra ? await extra() : undefined;
      return { ...update, issues: updateErrors(update), ...(more ? { more } : {}) };
    }, (u) => u.status === 'Successful', (u) => `update ${updateId} ${u.status}${(u as { more?: string }).more ? `; ${(u as { more?: string }).more}` : ''}`, updateFailed);
    void ended;
  }

  /** While EKS drains a managed group's old nodes: which pods, PodDisruptionBudgets and nodes hold it up. */
  const blockersOf = (eksName: string) => async () => {
    const { blockers } = await t.aws.drainBlockers({ cluster, selector: selectorOf(eksName) });
    return blockers.length === 0 ? undefined : `drain blocked: ${describeBlockers(blockers)}`;
  };

  async function removeThroughLedger(step: PlanStep, kind: ResourceKind, name: string): Promise<void> {
    const entry = t.ledger.entries().find((e: LedgerEntry) => e.kind === kind && e.name === name && (e.state === 'confirmed' || e.state === 'adopted' || e.state === 'intended'));
    if (!entry) {
      t.update(step.id, { detail: `${kind} ${name} is not in the ledger: nothing of this environment's to delete` });
      return;
    }
    const failed = await deleteAll(t.ledger, [entry], ['deleted', 'delete-failed'], t.deleting);
    if (failed.length > 0) throw ApplicationFailure.nonRetryable(`could not delete ${kind} ${name}: ${failed[0]!.error}`, errorTypes.resourceFailed);
    t.update(step.id, { detail: `${kind} ${name} deleted` });
  }

  return {
    'upgrade-precheck': async (step) => {
      const checked = await t.aws.upgradePrecheck({ cluster, target: afterSlash(step.id), force: t.force });
      t.update(step.id, { detail: `${checked.detail}${checked.later.length ? `; removed later: ${checked.later.join('; ')}` : ''}` });
    },
    'cluster-version': async (step) => {
      const version = afterSlash(step.id);
      const { updateId } = await t.aws.updateClusterVersion({ owner: t.owner, cluster, version, requestId: requestId(step) });
      await awaitUpdate(step, updateId, {});
      await t.waitUntil(step, () => t.aws.describeCluster(cluster), (c) => c.status === 'ACTIVE', (c) => `control plane ${c.status} at ${version}`);
    },
    // Only changes of endpointAccess plan this step.
    'cluster-endpoint-access': async (step) => {
      const access = t.next().endpointAccess ?? { public: true, private: false };
      const { updateId } = await t.aws.updateClusterEndpointAccess({ owner: t.owner, cluster, endpointAccess: access, requestId: requestId(step) });
      if (updateId) await awaitUpdate(step, updateId, {});
      await t.waitUntil(step, () => t.aws.describeCluster(cluster), (c) => c.status === 'ACTIVE', (c) => `control plane ${c.status}`);
      t.update(step.id, { detail: updateId ? step.change : `${step.change}: already so, nothing sent` });
    },
    // Only changes of network.controlPlaneSubnetIds or securityGroupIds plan this step.
    'cluster-vpc-config': async (step) => {
      const { controlPlaneSubnetIds, securityGroupIds = [] } = t.next().network;
      const subnetIds = controlPlaneSubnetIds ?? t.controlPlaneSubnetsAsCreated();
      const { updateId } = await t.aws.updateClusterVpcConfig({ owner: t.owner, cluster, subnetIds, securityGroupIds, requestId: requestId(step) });
      if (updateId) await awaitUpdate(step, updateId, {});
      await t.waitUntil(step, () => t.aws.describeCluster(cluster), (c) => c.status === 'ACTIVE', (c) => `control plane ${c.status}`);
      t.update(step.id, { detail: updateId ? step.change : `${step.change}: already so, nothing sent` });
    },
    // Only changes of zonalShift, supportType or controlPlaneTier plan this step, one per setting.
    'cluster-setting': async (step) => {
      const next = t.next();
      const setting = step.subject === 'zonalShift' ? { zonalShift: next.zonalShift ?? false }
        : step.subject === 'supportType' ? { supportType: next.supportType ?? 'EXTENDED' as const }
          : { controlPlaneTier: next.controlPlaneTier ?? 'standard' };
      const { updateId } = await t.aws.updateClusterSetting({ owner: t.owner, cluster, setting, requestId: requestId(step) });
      if (updateId) await awaitUpdate(step, updateId, {});
      await t.waitUntil(step, () => t.aws.describeCluster(cluster), (c) => c.status === 'ACTIVE', (c) => `control plane ${c.status}`);
      t.update(step.id, { detail: updateId ? step.change : `${step.change}: already so, nothing sent` });
    },
    // Only changes that add secretsEncryption plan this step (after kms-key when eksflow makes the key).
    'cluster-encryption': async (step) => {
      const keyArn = t.secretsKeyArn();
      if (!keyArn) throw ApplicationFailure.nonRetryable('no Secrets key: neither secretsEncryption.keyArn nor a key made by this change', errorTypes.invalidSpec);
      // EKS uses the key as the cluster role (src/domain/cluster-settings-rules.ts secretsKeyPolicy).
      await t.aws.putOwnedRolePolicy({ owner: t.owner, role: serviceRoles.cluster.name(cluster), policyName: secretsKeyPolicyName, document: secretsKeyPolicy(keyArn) });
      const { updateId } = await t.aws.associateSecretsKey({ owner: t.owner, cluster, keyArn, requestId: requestId(step) });
      if (updateId) await awaitUpdate(step, updateId, {});
      await t.waitUntil(step, () => t.aws.describeCluster(cluster), (c) => c.status === 'ACTIVE', (c) => `control plane ${c.status}`);
      // Only Secrets written from now on are encrypted: every one is written again (eksctl's --encrypt-existing-secrets).
      const { rewritten, gone } = await t.waits.rewriteSecrets({ cluster });
      t.update(step.id, { detail: `Secrets encrypted with ${keyArn}; ${rewritten} existing Secrets written again${gone ? ` (${gone} deleted meanwhile)` : ''}` });
    },
    'nodegroup-config': async (step) => {
      const was = groupOf(t.live, step.subject)!;
      const group = groupOf(t.next(), step.subject)!;
      const eksName = t.nodegroupNames[group.name] ?? group.name;
      const { updateId } = await t.aws.updateNodegroupConfig({
        owner: t.owner, cluster, name: eksName, requestId: requestId(step), ...configDiff(was, group),
      });
      await awaitUpdate(step, updateId, { nodegroup: eksName });
      const scaling = { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize };
      const ready = await t.waits.waitForNodesReady({ cluster, group: eksName, desired: group.desiredSize });
      t.scaling.set(group.name, scaling);
      t.update(step.id, { detail: `${step.change}; ${ready.ready}/${ready.desired} nodes Ready` });
    },
    'nodegroup-version': async (step) => {
      const eksName = afterSlash(step.id);
      const { updateId } = await t.aws.updateNodegroupVersion({ owner: t.owner, cluster, name: eksName, version: t.next().kubernetesVersion, force: t.force, requestId: requestId(step) });
      // EKS drains the old nodes itself; what holds a drain up is named while it does.
      await awaitUpdate(step, updateId, { nodegroup: eksName }, blockersOf(eksName));
    },
    drain: async (step) => {
      const eksName = afterSlash(step.id);
      // A self-managed group's nodes carry no EKS label: the one their kubelet registers finds them.
      const was = groupOf(t.live, step.subject);
      const selector = was && isSelfManaged(was) ? `${selfManagedNodegroupLabel}=${was.name}` : selectorOf(eksName);
      const drained = await t.drains.drainNodes({ cluster, selector, stuckAfterSeconds: t.stuckAfterSeconds, force: t.force });
      t.update(step.id, { detail: `${drained.evicted} pods evicted from ${drained.nodes.length} nodes${drained.forced.length ? `; deleted past their PodDisruptionBudgets (force): ${drained.forced.join(', ')}` : ''}` });
    },
    // Only changes that remove or replace a serviceAccounts entry plan this step: its association,
    // the ServiceAccount, then the role eksflow made for it, each through the ledger.
    'service-account-remove': async (step) => {
      const sa = (t.live.serviceAccounts ?? []).find((s) => serviceAccountKey(s) === step.subject)!;
      if (sa.identity === 'pod-identity') await removeThroughLedger(step, 'pod-identity-association', `${cluster}/${step.subject}`);
      await removeThroughLedger(step, 'service-account', `${cluster}/${step.subject}`);
      if (sa.roleArn === undefined) await removeThroughLedger(step, 'iam-role', workloadRoleName(cluster, sa));
      t.update(step.id, { detail: `${step.subject}: ${step.change}` });
    },
    // Only changes that remove or replace an identityProviders entry plan this step.
    'identity-provider-remove': async (step) => removeThroughLedger(step, 'eks-identity-provider', `${cluster}/${step.subject}`),
    'nodegroup-delete': async (step) => {
      const eksName = afterSlash(step.id);
      await removeThroughLedger(step, 'eks-nodegroup', `${cluster}/${eksName}`);
      if (step.action === 'remove' && step.subject) t.scaling.delete(step.subject);
    },
    // Self-managed groups (src/domain/change-plan-self-managed.ts): only changes to specs with such groups plan these.
    'self-managed-scale': async (step) => {
      const group = groupOf(t.next(), step.subject)!;
      const name = selfManagedName(cluster, group.name);
      const scaling = { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize };
      await t.aws.scaleAutoScalingGroup({ environmentId: t.owner.environmentId, name, scaling });
      await t.waitUntil(step, async () => {
        const g = await t.aws.describeAutoScalingGroup({ name });
        return { ...g, status: g.inService === group.desiredSize && g.instances === group.desiredSize ? 'sized' : 'scaling' };
      }, (g) => g.status === 'sized', (g) => `Auto Scaling group ${name}: ${g.inService}/${group.desiredSize} instances InService`);
      const ready = await t.waits.waitForNodesReady({ cluster, group: group.name, desired: group.desiredSize, selector: `${selfManagedNodegroupLabel}=${group.name}` });
      t.scaling.set(group.name, scaling);
      t.update(step.id, { detail: `${step.change}; ${ready.ready}/${ready.desired} nodes Ready` });
    },
    'self-managed-nodegroup-delete': async (step) => {
      // Every part the group's creation ledgered (access entry, Auto Scaling group, launch
      // template, instance profile, role…), newest first, each ownership-checked as a teardown's.
      const made = t.ledger.entries().filter((e) => e.step === stepIds.selfManagedNodegroup(step.subject!) && (e.state === 'confirmed' || e.state === 'intended')).reverse();
      if (made.length === 0) {
        t.update(step.id, { detail: `self-managed node group ${step.subject} has nothing of this environment's in the ledger to delete` });
        return;
      }
      const failed = await deleteAll(t.ledger, made, ['deleted', 'delete-failed'], t.deleting);
      if (failed.length > 0) throw ApplicationFailure.nonRetryable(`could not delete self-managed node group ${step.subject}: ${failed.map((f) => `${f.kind} ${f.name}: ${f.error}`).join('; ')}`, errorTypes.resourceFailed);
      t.scaling.delete(step.subject!);
      t.update(step.id, { detail: `deleted ${made.map((e) => `${e.kind} ${e.name}`).join(', ')}` });
    },
    'fargate-profile-delete': (step) => removeThroughLedger(step, 'eks-fargate-profile', `${cluster}/${afterSlash(step.id)}`),
    'addon-remove': (step) => removeThroughLedger(step, 'addon', `${cluster}/${step.subject}`),
    'eks-addon-delete': (step) => removeThroughLedger(step, 'eks-addon', `${cluster}/${step.subject}`),
    'app-remove': (step) => removeThroughLedger(step, 'app', appLedgerName(t.live)),
    'access-entry-delete': async (step) => {
      const entry = t.ledger.entries().find((e) => e.kind === 'eks-access-entry' && e.name.endsWith(step.subject ?? '\u0000'));
      if (entry) await removeThroughLedger(step, 'eks-access-entry', entry.name);
    },
    'access-entry-update': async (step) => {
      const next = t.next();
      const entry = next.access!.entries.find((e) => e.principalArn === step.subject)!;
      const ensured = await t.aws.ensureAccessEntry({ owner: t.owner, region: next.region, cluster, entry, ...(next.tags ? { tags: next.tags } : {}) });
      t.update(step.id, { detail: ensured.policies.join('; ') || 'no policies' });
    },
    'addon-upgrade': async (step) => {
      const request = t.addonRequest(step.subject!);
      const installed = await t.aws.installAddon(request);
      t.update(step.id, { detail: installed.summary });
      await t.waitUntil(step, async () => {
        const r = await t.aws.addonReadiness(request);
        return { ...r, status: r.ready ? 'ready' : 'waiting' };
      }, (r) => r.ready, (r) => (r.ready ? 'ready' : r.gates.filter((g) => !g.ok).map((g) => `${g.gate}: ${g.detail}`).join('; ')), (r) => r.failed !== undefined);
    },
    'app-update': async (step) => {
      const next = t.next();
      const app = next.app!;
      await t.aws.applyApp({ cluster, environment: t.owner.environmentId, runId: t.owner.runId, app, image: t.imageUri()!, vpaSeparately: false, ...(next.autoMode ? { autoMode: true } : {}) });
      const rollout = await t.waitUntil(step, () => t.aws.appRollout({ cluster, app }), (r) => r.status !== 'progressing', (r) => r.message);
      if (rollout.status === 'failed') throw ApplicationFailure.nonRetryable(`the app's rollout failed: ${rollout.message}`, errorTypes.resourceFailed);
    },
  };
}

export const appLedgerName = (spec: EnvironmentSpec) => `${spec.name}/${spec.app!.namespace ?? spec.app!.name}/${spec.app!.name}`;

/** What UpdateNodegroupConfig is given: sizes, and labels and taints added, changed or removed. */
export function configDiff(was: NodeGroupSpec, group: NodeGroupSpec) {
  const oldLabels = was.labels ?? {};
  const newLabels = group.labels ?? {};
  const addOrUpdate = Object.fromEntries(Object.entries(newLabels).filter(([k, v]) => oldLabels[k] !== v));
  const remove = Object.keys(oldLabels).filter((k) => !(k in newLabels));
  const taintKey = (taint: { key: string; effect: string }) => `${taint.key}:${taint.effect}`;
  const oldTaints = new Map((was.taints ?? []).map((taint) => [taintKey(taint), taint]));
  const newTaints = new Map((group.taints ?? []).map((taint) => [taintKey(taint), taint]));
  const taintsAdded = [...newTaints.values()].filter((taint) => JSON.stringify(oldTaints.get(taintKey(taint))) !== JSON.stringify(taint));
  const taintsRemoved = [...oldTaints.values()].filter((taint) => !newTaints.has(taintKey(taint)));
  return {
    scaling: { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize },
    ...(Object.keys(addOrUpdate).length || remove.length ? { labels: { addOrUpdate, remove } } : {}),
    ...(taintsAdded.length || taintsRemoved.length ? { taints: { addOrUpdate: taintsAdded, remove: taintsRemoved } } : {}),
  };
}
