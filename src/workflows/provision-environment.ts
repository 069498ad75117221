import {
  ActivityFailure, allHandlersFinished, CancelledFailure, ApplicationFailure, CancellationScope, condition, continueAsNew, currentUpdateInfo, executeChild, isCancellation, patched, proxyActivities,
  setCurrentDetails, setHandler, upsertMemo, upsertSearchAttributes, uuid4, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AddonContext } from '../activities/addons/addon-module';
import { accessEntryLedgerName, workerAccessEntry } from '../domain/access-entries';
import { emrRbacLedgerName } from '../domain/aws-auth';
import { requestedAddons } from '../domain/addon-catalog';
import { ttlMilliseconds, type AddonName, type EnvironmentSpec } from '../domain/environment-spec';
import { clusterAutoscalerTags } from '../domain/iam-policies/cluster-autoscaler';
import { hasOwnNodeRole, nodeGroupGrant, nodeGroupRoleName, nodeRoleExtraPolicies } from '../domain/node-group-iam';
import { needsSshSecurityGroup, sshAccessOf, sshSecurityGroupName } from '../domain/node-ssh-access';
import { partitionOf } from '../domain/eks-addons';
import { managedLaunchTemplateName, needsOwnLaunchTemplate, nodeKeyPairName, nodePublicKey, usesManagedNodeSettings } from '../domain/managed-launch-template';
import { karpenterNodeRolePolicies, karpenterQueueName } from '../domain/iam-policies/karpenter';
import { karpenterNodePoolName } from '../domain/karpenter';
import { roleNames } from '../domain/names';
import { givenResources } from '../domain/aws-ids';
import { errorTypes } from '../domain/errors';
import { describeDrift, driftOf, type DriftItem, type DriftReport } from '../domain/drift';
import { latencyTable } from '../domain/latency';
import { holdsSomething, Ledger, type LedgerEntry, type ResourceRef } from '../domain/ledger';
import type { Owner } from '../domain/ownership';
import { ChangeRefusedError, planChange, type ChangeContext, type ChangePlan, type ChangeStep } from '../domain/change-plan';
import { corednsNeedsFargate, InvalidPlanError, planEnvironment, type Plan, type PlanOptions, type PlanStep } from '../domain/planner';
import { localZoneGroupTypes, localZoneSubnetIds, type LocalZoneSubnet } from '../domain/local-zones';
import { groupSubnetIdsWithFound, networkWithFoundSubnets, type FoundSubnets } from '../domain/subnet-lookups';
import { assumedBy, serviceRoles, type ServiceRole } from '../domain/service-roles';
import { autoModeClusterPolicies, autoModeNodePolicies } from '../domain/auto-mode';
import { environmentKey, phaseKey } from '../domain/search-attributes';
import { serviceAccountKey, workloadRoleName } from '../domain/workload-identity';
import { addonInstall, autoscalingProbe, awsCall, drainWait, heartbeatingWait, imageBuild } from './activity-options';
import { deleteAll, describeLeftovers, messageOf, pollUntil, type DeleteOptions, type OnCluster } from './delete-resources';
import { teardownEnvironment } from './teardown-environment';
import { changeHandlers } from './change-steps';
import { coreAddonHandlers, type CoreAddonOutputs } from './core-addon-steps';
import { capabilityHandlers } from './capability-steps';
import { clusterRoleExtraPolicies, isCoreAddon } from '../domain/eks-addons';
import { isSelfManaged, selfManagedName, selfManagedRoleName } from '../domain/self-managed-nodes';
import { choosesBySelector } from '../domain/instance-selector';
import { isWindowsGroup, selfManagedNodegroupLabel } from '../domain/node-bootstrap';
import { secretsKeyAliasOf, secretsKeyPolicy, secretsKeyPolicyName } from '../domain/cluster-settings-rules';
import { applyChangeUpdate, progressQuery, scaleNodeGroupUpdate, teardownSignal, type ChangeProgress, type NodegroupScaling, type Phase, type ScaleRequest, type StepProgress } from './messages';

const cancellableAws = proxyActivities<Activities>(awsCall);
/**
 * The same AWS calls, never abandoned mid-flight: a cancelled run (or a step cancelled by
 * fail-fast) lets a call already made to AWS finish, so the ledger records what AWS did, and
 * stops at its next wait instead. A call is short (a minute at most), a wait is not.
 */
const wholeAws = new Proxy(cancellableAws, {
  get: (target, name: keyof Activities) => (...args: unknown[]) => CancellationScope.nonCancellable(() => (target[name] as (...a: unknown[]) => Promise<unknown>)(...args)),
});
const waits = proxyActivities<Activities>(heartbeatingWait);
const installs = proxyActivities<Activities>(addonInstall);
const probes = proxyActivities<Activities>(autoscalingProbe);
const drains = proxyActivities<Activities>(drainWait);
const builds = proxyActivities<Activities>(imageBuild);

export interface ProvisionInput {
  /** Stable identity of the environment (tenant and name); the workflow ID is derived from it. */
  environmentId: string;
  spec: EnvironmentSpec;
  /** Set by the run itself when it continues as new: the environment is built, serve it. */
  serving?: ServingState;
  /**
   * Continue as new once the history passes this many events while serving (each scaling
   * adds some), so a long-lived environment never nears Temporal's history limits.
   * @default the server's own suggestion
   */
  historyLimit?: number;
  /**
   * How much faster than AWS the cloud runs: a simulated cloud compresses time, and every wait
   * polls on the same schedule compressed as much. Decided by the worker, whose cloud it is:
   * a new run asks its activities (`cloudTimeScale`) and ignores this; only a run continuing as
   * new carries its own answer here. @default 1 (AWS)
   */
  timeScale?: number;
  /**
   * parallel: each step starts as soon as its dependencies are done. sequential: one step at
   * a time in plan order, as eksctl and a hand-run tutorial do (the benchmark's baseline).
   * @default 'parallel'
   */
  schedule?: 'parallel' | 'sequential';
  /**
   * adaptive: waits look when completion is likely (src/domain/poll-schedule.ts).
   * sdk-waiter: waits on AWS resources look every 30 s, as the SDK's waiters (and so eksctl
   * and Terraform) do — with `schedule: 'sequential'`, the benchmark's eksctl-style baseline.
   * @default 'adaptive'
   */
  polling?: 'adaptive' | 'sdk-waiter';
}

/** The EKS waiters' delay (ClusterActive, NodegroupActive, FargateProfileActive). */
const sdkWaiterDelaySeconds = 30;
/** Steps that wait on an AWS resource's status, where an SDK waiter would be used. */
const awsWaitKinds: ReadonlySet<string> = new Set(['cluster', 'cluster-logging', 'nodegroup', 'fargate-profile']);

/** What a ready environment's run carries into its next run. */
export interface ServingState {
  ledger: LedgerEntry[];
  steps: StepProgress[];
  outputs: Outputs;
  scaling: Record<string, NodegroupScaling>;
  /** When the ttl runs out, in workflow time. */
  expiresAtMs?: number;
  /** How many runs this environment's life has taken so far. */
  generation: number;
  /** The last change applied (or tried), shown until the next. */
  change?: ChangeProgress;
  /** The last drift check. */
  drift?: DriftReport & { error?: string };
  /** When the environment came to be, in workflow time: a ttl set by a change counts from here. */
  createdAtMs?: number;
}

/**
 * Existing subnets' roles: the control plane in controlPlaneSubnetIds (all when left out), nodes
 * and Fargate pods in the ones not listed as public (all when none is). A spec without those
 * fields gets what it always got.
 */
function existingSubnetOutputs(network: EnvironmentSpec['network']): Pick<Outputs, 'clusterSubnetIds' | 'workerSubnetIds' | 'publicSubnetIds'> {
  const all = network.subnetIds ?? [];
  const publicIds = network.publicSubnetIds ?? [];
  return {
    clusterSubnetIds: network.controlPlaneSubnetIds ?? all,
    workerSubnetIds: publicIds.length > 0 ? all.filter((id) => !publicIds.includes(id)) : all,
    ...(network.publicSubnetIds ? { publicSubnetIds: [...publicIds] } : {}),
  };
}

/** What later steps read from earlier ones. */
interface Outputs {
  clusterRoleArn?: string; nodeRoleArn?: string; fargateRoleArn?: string; oidcIssuer?: string; oidcProviderArn?: string; endpoint?: string; certificateAuthority?: string; imageUri?: string;
  vpcId?: string; appUrl?: string;
  /** Each add-on's IRSA role, by add-on. */
  addonRoles?: Partial<Record<AddonName, string>>;
  /** Roles of add-ons that use EKS Pod Identity (src/domain/addon-pod-identity.ts): bound by an association, never annotated. */
  addonPodIdentityRoles?: Partial<Record<AddonName, string>>;
  /** Each service account's role, by namespace/name. */
  workloadRoles?: Record<string, string>;
  /** The network's subnets given by CIDR and/or zone, as found before anything was made (only specs with network.subnetLookups). */
  foundSubnets?: FoundSubnets;
  /** The Local Zones' subnets the network made (only specs with network.vpc.localZones). */
  localZoneSubnets?: LocalZoneSubnet[];
  /** The control plane spans every given or created subnet; nodes and Fargate pods go in the private ones. */
  clusterSubnetIds: string[]; workerSubnetIds: string[];
  /** The public subnets (created, or network.publicSubnetIds): node groups with privateNetworking false go there. */
  publicSubnetIds?: string[];
  /** The KMS key eksflow made for Secrets (secretsEncryption without keyArn). */
  secretsKeyArn?: string;
  /** The core EKS add-ons as the run's check resolved them, and their IRSA roles. */
  eksAddons?: CoreAddonOutputs['eksAddons']; eksAddonRoles?: CoreAddonOutputs['eksAddonRoles'];
  /** Node groups' own node roles (their spec's iam), by spec name. */
  nodeGroupRoleArns?: Record<string, string>;
  /** A node group's EKS name, by spec name, once a change has replaced it (it lives under a new name). */
  nodegroupNames?: Record<string, string>;
  /** The role Karpenter's nodes run as (addons.karpenter). */
  karpenterNodeRoleArn?: string;
  /** The same for Fargate profiles. */
  fargateProfileNames?: Record<string, string>;
}

export interface ProvisionResult {
  environment: string;
  cluster: { name: string; endpoint?: string; oidcIssuer?: string };
  /** The app's image, pinned by digest when the run imported it. */
  image?: string;
  /** Where the app answers, through its NLB. */
  appUrl?: string;
  /** Why the environment ended: a teardown request or its ttl. */
  endedBecause: string;
  ledger: LedgerEntry[];
  steps: StepProgress[];
}

/**
 * One environment's whole life. Provisions it: runs the plan's steps as soon as their
 * dependencies finish, recording every resource in a ledger before and after creating it;
 * on failure or cancellation (with onFailure: rollback) deletes what this run made, newest
 * first. Then serves it (scaling) until a teardown request or its ttl, and tears it down.
 */
export async function provisionEnvironment({ environmentId, spec: given, serving, historyLimit, timeScale: carriedTimeScale, schedule = 'parallel', polling = 'adaptive' }: ProvisionInput): Promise<ProvisionResult> {
  let timeScale = carriedTimeScale;
  const runStartedAtMs = Date.now();
  // Fail fast (below): a failed step stops the others at their next wait and starts no new one.
  const failFast = !serving && patched('fail-fast');
  const aws = failFast ? wholeAws : cancellableAws;
  // Runs started before add-ons existed carry specs without them.
  // `let`: a change (applyChangeUpdate) moves the environment onto a new spec, and every
  // handler reads the one it stands on now.
  let spec: EnvironmentSpec = { ...given, addons: given.addons ?? {} };
  // The first run's ID tags everything, so every later run of the same life owns it too.
  const owner: Owner = { environmentId, runId: workflowInfo().firstExecutionRunId };
  // Runs started before the app's VPA became a step of its own replay the plan they made.
  // Runs started before the app's VPA became a step of its own replay the plan they made; so
  // do runs started before the /readyz gate (catalog entry 12) and CoreDNS on Fargate (entry 31).
  const plan = planned(spec, {
    appVpaStep: patched('app-vpa-own-step'), kubeApiReadyStep: patched('kube-api-readyz-gate'), corednsOnFargateStep: patched('coredns-on-fargate'),
    // Runs started before the pod-capacity check are not refused by it on replay.
    podCapacityCheck: patched('pod-capacity-check'),
  });

  const ledger = new Ledger(serving?.ledger);
  const progress = new Map<string, StepProgress>(serving
    ? serving.steps.map((step) => [step.id, step])
    : plan.steps.map((step) => [step.id, { id: step.id, title: step.title, state: 'pending', estimateSeconds: step.estimateSeconds, attempts: 0 }]));
  let phase: Phase = serving ? 'ready' : 'provisioning';
  const scaling = new Map<string, NodegroupScaling>(serving
    ? Object.entries(serving.scaling)
    : spec.nodeGroups.map((g) => [g.name, { minSize: g.minSize, desiredSize: g.desiredSize, maxSize: g.maxSize }]));
  const outputs: Outputs = serving?.outputs ?? { imageUri: spec.image?.uri, ...existingSubnetOutputs(spec.network) };
  setHandler(progressQuery, () => ({
    environment: spec.name, phase, steps: [...progress.values()], ledger: ledger.entries(),
    cluster: { endpoint: outputs.endpoint, certificateAuthority: outputs.certificateAuthority, oidcIssuer: outputs.oidcIssuer }, image: outputs.imageUri, nodeGroups: Object.fromEntries(scaling),
    ...(outputs.appUrl ? { appUrl: outputs.appUrl } : {}),
    spec, ...(change ? { change } : {}),
    ...(drift ? { drift } : {}),
    ...(outputs.nodegroupNames ? { nodegroupNames: outputs.nodegroupNames } : {}),
    ...(outputs.fargateProfileNames ? { fargateProfileNames: outputs.fargateProfileNames } : {}),
  }));
  let teardownReason: string | undefined;
  setHandler(teardownSignal, ({ reason }) => void (teardownReason ??= reason));

  const showDetails = () => {
    // A markdown list: the UI renders current details as markdown, one step a line.
    const lines = [...(changing ? changing.steps.values() : progress.values())].map((s) => `- ${{ pending: '·', running: '▶', done: '✔', failed: '✖', compensated: '↺', skipped: '⊘' }[s.state]} ${s.id}${s.detail ? ` — ${s.detail}` : ''}`);
    // The last drift check, when it found something: the UI shows it above the steps.
    const drifted = drift?.items.length ? `\n\n**drift** (checked ${drift.checkedAt}): ${drift.items.map(describeDrift).join('; ')}` : '';
    setCurrentDetails(`**${spec.name}**: ${phase}${changing && change ? ` (change ${change.id}: ${change.summary})` : ''}${drifted}\n\n${lines.join('\n')}`);
  };
  // Only a run started with eksflow's search attributes may upsert them: a namespace without
  // them registered (the time-skipping test server has none) would fail every workflow task.
  const searchable = workflowInfo().typedSearchAttributes.get(environmentKey) !== undefined;
  // The change running now, or the last one; and while one runs, its steps' progress and the
  // ledger entries it made (only those are undone if it fails).
  let change: ChangeProgress | undefined = serving?.change;
  let drift: (DriftReport & { error?: string }) | undefined = serving?.drift;
  // Set by a change that gives the environment another ttl: the serving loop takes it up.
  let ttlChanged = false;
  let changing: { steps: Map<string, StepProgress>; made: ResourceRef[] } | undefined;
  const setPhase = (next: Phase) => {
    phase = next;
    if (searchable) upsertSearchAttributes([{ key: phaseKey, value: next }]);
    showDetails();
  };
  const update = (id: string, changed: Partial<StepProgress>) => {
    // A change's own step first: a change may run a step with a creation step's ID (an add-on added again).
    const step = changing?.steps.get(id) ?? progress.get(id);
    if (step) Object.assign(step, changed);
    showDetails();
  };
  setPhase(phase);

  const securityGroupIds = spec.network.securityGroupIds ?? [];
  // The Secrets key: the spec's, or the one the kms-key step made.
  const secretsKeyArn = () => spec.secretsEncryption?.keyArn ?? outputs.secretsKeyArn;
  const now = () => new Date(Date.now()).toISOString();

  /** intend → create idempotently → confirm: the ledger knows about a resource before AWS does. */
  async function create<T extends { ref: ResourceRef; made: boolean }>(step: PlanStep, ref: ResourceRef, call: () => Promise<T>): Promise<T> {
    // What a change makes is what it undoes if it fails: never what the environment held before it.
    const held = ledger.entries().some((e) => e.kind === ref.kind && e.name === ref.name && e.region === ref.region && holdsSomething(e));
    if (changing && !held) changing.made.push(ref);
    ledger.intend(ref, step.id);
    let result: T;
    try {
      result = await call();
    } catch (error) {
      // Refused because the name is someone else's: nothing of ours exists under it, so a
      // rollback must not go looking for it (it would find only the other party's).
      if (failureType(error) === errorTypes.resourceNotOwned && patched('refused-creates-not-compensated')) ledger.mark(ref, 'refused');
      throw error;
    }
    ledger.confirm(result.ref, result.made);
    if (!result.made) update(step.id, { detail: 'adopted: already this environment\'s' });
    return result;
  }

  /** pollUntil, showing each observation on the step and naming the step if the wait runs out. */
  async function waitUntil<T extends { status: string; issues?: string[] }>(
    step: PlanStep, observe: () => Promise<T>, done: (value: T) => boolean, describe: (value: T) => string, failed?: (value: T) => boolean,
  ): Promise<T> {
    try {
      return await pollUntil(observe, done, latencyTable[step.kind], {
        observed: (value) => update(step.id, { detail: describe(value) }), speedup: timeScale, lookingAt: step.id,
        ...(polling === 'sdk-waiter' && awsWaitKinds.has(step.kind) ? { everySeconds: sdkWaiterDelaySeconds } : {}),
        ...(failed ? { failed } : {}),
      });
    } catch (error) {
      if (error instanceof ApplicationFailure && error.type === errorTypes.waitTimedOut) {
        throw ApplicationFailure.nonRetryable(`${step.id} is not ready: ${error.message}`, errorTypes.waitTimedOut);
      }
      if (error instanceof ApplicationFailure && error.type === errorTypes.resourceFailed) {
        // AWS's own codes and messages (NodeCreationFailure: ...), on the step and in the failure.
        update(step.id, { detail: error.message });
        throw ApplicationFailure.nonRetryable(`${step.id} is ${error.message}`, errorTypes.resourceFailed, ...(error.details ?? []));
      }
      throw error;
    }
  }

  /**
   * What a managed group needs before CreateNodegroup: its subnets (private, or public with
   * privateNetworking false; the spec's own subnetIds; only those in its availabilityZones), the
   * key pair its public key becomes, and a launch template (the one given, checked to exist, or
   * one eksflow makes for the settings only a template carries). With a launch template EKS
   * takes no remote access: the key goes in the template (as eksctl does).
   */
  async function prepareManagedNodegroup(step: PlanStep, group: EnvironmentSpec['nodeGroups'][number]) {
    const subnetIds = await groupSubnetIds(group);
    const keyName = await groupKeyName(step, group);
    let launchTemplate: { id: string; version: string } | undefined;
    const details: string[] = [];
    if (group.launchTemplate) {
      const given = await aws.checkLaunchTemplate({ region: spec.region, launchTemplate: group.launchTemplate });
      launchTemplate = { id: given.id, version: given.version };
      details.push(`launch template ${given.name} (${given.id}) version ${given.version}, given`);
    } else if (needsOwnLaunchTemplate(group)) {
      const name = managedLaunchTemplateName(spec.name, group.name);
      // EKS opens no SSH port for a group with a launch template: eksflow's security group does,
      // as eksctl's does (src/domain/node-ssh-access.ts). Guarded: runs before it made none.
      const sshGroupId = needsSshSecurityGroup(group) && patched('ssh-security-group') ? await ensureGroupSshSecurityGroup(step, group) : undefined;
      if (sshGroupId) details.push(`SSH security group ${sshGroupId}`);
      const made = await create(step, { kind: 'ec2-launch-template', name, region: spec.region }, () => aws.ensureManagedLaunchTemplate({
        owner, region: spec.region, environment: spec.name, cluster: spec.name, group, ...(keyName ? { keyName } : {}), ...(spec.tags ? { tags: spec.tags } : {}),
        ...(sshGroupId ? { sshSecurityGroupId: sshGroupId } : {}),
      }));
      launchTemplate = { id: made.id, version: made.version };
      details.push(`launch template ${name} (${made.id}) version ${made.version}`);
    }
    const remoteAccess = !launchTemplate && keyName ? { ec2SshKey: keyName, ...(group.ssh?.sourceSecurityGroupIds ? { sourceSecurityGroups: group.ssh.sourceSecurityGroupIds } : {}) } : undefined;
    details.push(`subnets ${subnetIds.join(', ')}`);
    if (keyName) details.push(`SSH key ${keyName}${launchTemplate ? ' in the launch template' : ''}`);
    update(step.id, { detail: details.join('; ') });
    return { subnetIds, launchTemplate, remoteAccess, detail: details.join('; ') };
  }

  /**
   * A group whose instanceSelector chooses its types gets them from EC2 in its region just
   * before it is made (src/activities/instance-types.ts), as eksctl resolves them; the plan's
   * were the shipped table's preview. Called only for such groups, which no earlier run had.
   */
  const picked = new Map<string, string[]>();
  async function withSelectedTypes<G extends EnvironmentSpec['nodeGroups'][number]>(step: PlanStep, group: G): Promise<G> {
    if (!patched('instance-selector')) return group;
    const { instanceTypes } = await aws.selectInstanceTypes({ group: group.name, ...(group.kind ? { kind: group.kind } : {}), selector: group.instanceSelector! });
    picked.set(group.name, instanceTypes);
    update(step.id, { detail: selectedText(group) });
    return { ...group, instanceTypes };
  }

  /** What a selector picked, for the step's detail; nothing for other groups. */
  function selectedText(group: { name: string }): string {
    const types = picked.get(group.name);
    return types ? `instanceSelector picked ${types.join(', ')}; ` : '';
  }

  /** A node group's own role: the node policies, its attachPolicyArns and its add-on policies (src/domain/node-group-iam.ts). */
  async function ensureNodeGroupRole(step: PlanStep): Promise<void> {
    const group = spec.nodeGroups.find((g) => g.name === step.subject)!;
    const name = nodeGroupRoleName(spec.name, group.name);
    const grant = nodeGroupGrant(group.iam ?? {}, partitionOf(spec.region));
    // ssh.enableSsm and iam.permissionsBoundary: the input has no such keys for groups without them.
    const extra = nodeRoleExtraPolicies(group, partitionOf(spec.region));
    if (extra.length > 0) grant.managedPolicyArns = [...new Set([...grant.managedPolicyArns, ...extra])];
    const boundary = group.iam?.permissionsBoundary;
    const ensured = await create(step, { kind: 'iam-role', name, region: spec.region }, () => aws.ensureRole({
      owner, region: spec.region, name, description: `node role of node group ${group.name} of ${spec.name}`, tags: spec.tags,
      trustPolicy: assumedBy('ec2.amazonaws.com'), managedPolicyArns: grant.managedPolicyArns, inlinePolicies: grant.inlinePolicies,
      ...(boundary ? { permissionsBoundary: boundary } : {}),
    }));
    outputs.nodeGroupRoleArns = { ...outputs.nodeGroupRoleArns, [group.name]: ensured.arn };
    update(step.id, { detail: `${grant.managedPolicyArns.length} managed policies${Object.keys(grant.inlinePolicies).length ? `; inline ${Object.keys(grant.inlinePolicies).join(', ')}` : ''}` });
  }

  /** A node group's subnets: private, or public with privateNetworking false; the spec's own subnetIds; only those in its availabilityZones. */
  async function groupSubnetIds(group: EnvironmentSpec['nodeGroups'][number]): Promise<string[]> {
    const privateSubnets = outputs.workerSubnetIds;
    const publicSubnets = outputs.publicSubnetIds ?? outputs.clusterSubnetIds.filter((id) => !privateSubnets.includes(id));
    const subnetIds = localZoneSubnetIds(group, outputs.localZoneSubnets) ?? groupSubnetIdsWithFound(group, outputs.foundSubnets) ?? (group.privateNetworking === false ? publicSubnets : privateSubnets);
    return group.availabilityZones ? (await aws.nodegroupSubnets({ subnetIds, zones: group.availabilityZones })).subnetIds : subnetIds;
  }

  /** The EC2 key pair a group's nodes get: its public key imported (ledgered), or the key pair it names. */
  async function groupKeyName(step: PlanStep, group: EnvironmentSpec['nodeGroups'][number]): Promise<string | undefined> {
    const publicKey = nodePublicKey(group);
    const keyPair = nodeKeyPairName(spec.name, group.name);
    if (publicKey === undefined) return group.ssh?.allow === false ? undefined : group.ssh?.keyName;
    return (await create(step, { kind: 'ec2-key-pair', name: keyPair, region: spec.region }, () => aws.ensureNodeKeyPair({
      owner, region: spec.region, name: keyPair, publicKey, ...(spec.tags ? { tags: spec.tags } : {}),
    }))).keyName;
  }

  /** The group's SSH security group in the cluster's VPC (ledgered), for its launch template: its ID. */
  async function ensureGroupSshSecurityGroup(step: PlanStep, group: EnvironmentSpec['nodeGroups'][number]): Promise<string> {
    const name = sshSecurityGroupName(spec.name, group.name);
    if (!outputs.vpcId) throw ApplicationFailure.nonRetryable(`cluster ${spec.name} reports no VPC: the SSH security group of ${group.name} has nowhere to go`, errorTypes.resourceFailed);
    return (await create(step, { kind: 'ssh-security-group', name, region: spec.region }, () => aws.ensureSshSecurityGroup({
      owner, region: spec.region, name, vpcId: outputs.vpcId!, group: group.name, access: sshAccessOf(group), ...(spec.tags ? { tags: spec.tags } : {}),
    }))).groupId;
  }

  async function ensureServiceRole(step: PlanStep, which: ServiceRole, extraPolicies: readonly string[] = [], policies: readonly string[] = serviceRoles[which].policies, inlinePolicies?: Record<string, object>): Promise<string> {
    const role = serviceRoles[which];
    const name = role.name(spec.name);
    // The spec's permissionsBoundaries (eksctl's iam.serviceRolePermissionsBoundary and
    // fargatePodExecutionRolePermissionsBoundary); the input has no key when it names none.
    const boundary = which === 'cluster' ? spec.permissionsBoundaries?.clusterRole : which === 'fargate' ? spec.permissionsBoundaries?.fargateRole : undefined;
    const ensured = await create(step, { kind: 'iam-role', name, region: spec.region }, () => aws.ensureRole({
      owner, region: spec.region, name, description: `${role.purpose} of ${spec.name}`, tags: spec.tags,
      trustPolicy: assumedBy(role.service), managedPolicyArns: [...policies, ...extraPolicies], ...(inlinePolicies ? { inlinePolicies } : {}),
      ...(boundary ? { permissionsBoundary: boundary } : {}),
    }));
    return ensured.arn;
  }

  // Made again for the spec a change moves to: they read its eksAddons.
  const coreAddonsFor = (on: EnvironmentSpec) => coreAddonHandlers({
    spec: on, owner, outputs, aws, installs, create, waitUntil, update,
    corednsOnFargate: corednsNeedsFargate(on) && plan.steps.some((s) => s.kind === 'coredns-fargate'),
  });
  let coreAddons = coreAddonsFor(spec);
  // EKS capabilities and hybrid nodes: only specs with them plan these steps, so no earlier history reaches them.
  const capabilitySteps = capabilityHandlers({ spec, owner, aws, create, waitUntil, update });

  const handlers: Record<string, (step: PlanStep) => Promise<void>> = {
    network: async (step) => {
      // An IPv6 cluster's VPC gets its egress-only gateway too; the field is only sent for one, so other runs' inputs are as before.
      const ipFamily = spec.kubernetesNetwork?.ipFamily === 'ipv6' ? { ipFamily: 'ipv6' as const } : {};
      const network = await create(step, { kind: 'vpc', name: environmentId, region: spec.region }, () => aws.ensureNetwork({
        owner, region: spec.region, cluster: spec.name, vpc: spec.network.vpc!, tags: spec.tags, ...ipFamily,
      }));
      outputs.clusterSubnetIds = spec.network.vpc!.controlPlaneOnPrivateSubnets ? [...network.privateSubnetIds] : [...network.privateSubnetIds, ...network.publicSubnetIds];
      outputs.publicSubnetIds = network.publicSubnetIds;
      outputs.vpcId = network.vpcId;
      outputs.workerSubnetIds = network.privateSubnetIds;
      if (network.localZoneSubnets) outputs.localZoneSubnets = network.localZoneSubnets;
      const subnets = `${network.vpcId}: ${network.publicSubnetIds.length} public, ${network.privateSubnetIds.length} private subnets${network.localZoneSubnets ? `, ${network.localZoneSubnets.length} in Local Zones` : ''}`;
      update(step.id, { detail: subnets });
      // Nodes in the private subnets reach ECR and the cluster only through NAT: the network is
      // ready once its NAT gateways are available, not when CreateNatGateway returns.
      if (spec.network.vpc!.natGateway !== 'none' && patched('nat-gateways-awaited')) {
        const awaitNat = () => waitUntil(step, () => aws.natGatewayStatus({ vpcId: network.vpcId }), ({ status }) => status !== 'PENDING',
          ({ gateways }) => `${subnets}; NAT ${gateways.map((nat) => `${nat.id} ${nat.state}`).join(', ')}`);
        const why = (nat: { id: string; state: string; failureCode?: string; failureMessage?: string }) =>
          `${nat.id}: ${[nat.failureCode, nat.failureMessage].filter(Boolean).join(': ') || nat.state}`;
        let nats = await awaitNat();
        let failed = nats.gateways.filter((nat) => nat.state === 'failed');
        // A NAT gateway can fail to come up (no free address in its subnet, an EIP limit): once,
        // ensureNetwork replaces it (releasing its address) and the wait starts again.
        if (failed.length > 0 && patched('failed-nat-replaced-once')) {
          update(step.id, { detail: `${subnets}; NAT ${failed.map(why).join(', ')}: replacing it` });
          await aws.ensureNetwork({ owner, region: spec.region, cluster: spec.name, vpc: spec.network.vpc!, tags: spec.tags, ...ipFamily });
          nats = await awaitNat();
          failed = nats.gateways.filter((nat) => nat.state === 'failed');
        }
        if (nats.status !== 'AVAILABLE' || failed.length > 0) {
          throw ApplicationFailure.nonRetryable(`NAT gateway ${failed.map(why).join(', ') || nats.status.toLowerCase()}`, errorTypes.resourceFailed);
        }
      }
    },
    // Security groups for pods (eksAddons.vpc-cni.podSecurityGroups) add AmazonEKSVPCResourceController.
    // EKS Auto Mode adds its compute, storage, load balancing and networking policies (src/domain/auto-mode.ts);
    // a Secrets key of the run's own is named in an inline policy.
    'cluster-role': async (step) => void (outputs.clusterRoleArn = await ensureServiceRole(step, 'cluster', [...clusterRoleExtraPolicies(spec.eksAddons, spec.region), ...(spec.autoMode ? autoModeClusterPolicies : [])],
      serviceRoles.cluster.policies, secretsKeyArn() ? { [secretsKeyPolicyName]: secretsKeyPolicy(secretsKeyArn()!) } : undefined)),
    // Only specs with secretsEncryption and no keyArn plan this step.
    'kms-key': async (step) => {
      const key = await create(step, { kind: 'kms-key', name: secretsKeyAliasOf(spec.name), region: spec.region }, () => aws.ensureSecretsKey({ owner, region: spec.region, environment: spec.name, tags: spec.tags }));
      outputs.secretsKeyArn = key.arn;
      update(step.id, { detail: key.arn });
    },
    // Auto Mode's nodes (without node groups) take only the minimal policies AWS documents for them.
    'node-role': async (step) => {
      // A group's own role (its spec's iam) has the group as its subject; the shared role none.
      if (step.subject) return ensureNodeGroupRole(step);
      outputs.nodeRoleArn = await ensureServiceRole(step, 'node', [], spec.autoMode && spec.nodeGroups.length === 0 ? autoModeNodePolicies : serviceRoles.node.policies);
    },
    'fargate-role': async (step) => void (outputs.fargateRoleArn = await ensureServiceRole(step, 'fargate')),
    'fargate-profile': async (step) => {
      // The EKS name is the step's: the spec's, or a replacement's new one (a profile cannot be updated).
      const profile = { ...spec.fargateProfiles.find((p) => p.name === step.subject)!, name: step.id.slice(step.id.indexOf('/') + 1) };
      await create(step, { kind: 'eks-fargate-profile', name: `${spec.name}/${profile.name}`, region: spec.region }, () => aws.ensureFargateProfile({
        owner, region: spec.region, cluster: spec.name, profile, podExecutionRoleArn: outputs.fargateRoleArn!, subnetIds: outputs.workerSubnetIds, tags: spec.tags,
      }));
      await waitUntil(step, () => aws.describeFargateProfile({ cluster: spec.name, name: profile.name }), (p) => p.status === 'ACTIVE', (p) => `Fargate profile ${p.status}`, failedState);
    },
    'ecr-repository': async (step) => {
      const { repository } = (spec.image!.import ?? spec.image!.build)!;
      await create(step, { kind: 'ecr-repository', name: repository, region: spec.region }, () => aws.ensureEcrRepository({ owner, region: spec.region, name: repository, tags: spec.tags }));
    },
    'image-import': async (step) => {
      const { source, repository, tag } = spec.image!.import!;
      const imported = await waits.importImage({ source, repository, tag });
      outputs.imageUri = imported.imageUri;
      update(step.id, { detail: imported.imageUri });
    },
    'image-build': async (step) => {
      const { context, dockerfile, repository, tag } = spec.image!.build!;
      // Named before it starts, so its log can be read while it builds and after it failed.
      const buildId = uuid4();
      const log = `/v1/environments/${spec.name}/builds/${buildId}/log`;
      update(step.id, { detail: `build ${buildId} (log: ${log})` });
      const built = await builds.buildImage({ owner, environmentId, buildId, context, dockerfile, repository, tag });
      outputs.imageUri = built.imageUri;
      update(step.id, { detail: `${built.imageUri}; build ${buildId} (log: ${log}): ${built.logTail.slice(-3).join(' | ')}` });
    },
    cluster: async (step) => {
      // An existing VPC named by its ID: its subnets are checked before anything is made in them (only specs with network.vpcId).
      const { vpcId, subnetIds, controlPlaneSubnetIds } = spec.network;
      if (vpcId && subnetIds) {
        await aws.checkSubnetsInVpc({ vpcId, subnetIds: [...new Set([...subnetIds, ...(controlPlaneSubnetIds ?? [])])] });
        update(step.id, { detail: `subnets checked: all in ${vpcId}` });
      }
      await create(step, { kind: 'eks-cluster', name: spec.name, region: spec.region }, () => aws.ensureCluster({
        owner, spec, roleArn: outputs.clusterRoleArn!, subnetIds: outputs.clusterSubnetIds, securityGroupIds, ...(secretsKeyArn() ? { secretsKeyArn: secretsKeyArn() } : {}),
        ...(spec.autoMode ? { autoModeNodeRoleArn: spec.autoMode.nodeRoleArn ?? outputs.nodeRoleArn } : {}),
      }));
      const active = await waitUntil(step, () => aws.describeCluster(spec.name), (c) => c.status === 'ACTIVE', (c) => `cluster ${c.status}`, failedState);
      outputs.oidcIssuer = active.oidcIssuer;
      outputs.endpoint = active.endpoint;
      // Public (the API server's CA, as DescribeCluster gives it): kubeconfigs are made from it.
      outputs.certificateAuthority = active.certificateAuthority;
      outputs.vpcId = active.vpcId ?? outputs.vpcId;
    },
    'cluster-logging': async (step) => {
      const changed = await aws.ensureControlPlaneLogging({ owner, name: spec.name, wanted: spec.controlPlaneLogging });
      update(step.id, { detail: changed ? `enabled ${spec.controlPlaneLogging.join(', ')}` : 'already as wanted' });
      // The retention of the group EKS makes for the logs: only specs that ask (none did before).
      const retain = async () => {
        if (spec.controlPlaneLogRetentionDays === undefined) return;
        await waitUntil(step, () => aws.setControlPlaneLogRetention({ cluster: spec.name, days: spec.controlPlaneLogRetentionDays! }), (r) => r.status === 'SET',
          (r) => (r.status === 'SET' ? `logs kept ${r.retentionDays} days` : 'waiting for EKS to make the log group'));
      };
      if (!changed) return retain();
      // The update itself, through DescribeUpdate: it can end Failed or Cancelled, with errors,
      // while the cluster is ACTIVE again (aws-fault-catalog 19; Terraform's waitClusterUpdateSuccessful).
      // Histories from before it answered `true`, and skip this.
      if (typeof changed === 'string' && patched('logging-update-described')) {
        await waitUntil(step, () => aws.describeClusterUpdate({ cluster: spec.name, updateId: changed }), (u) => u.status === 'Successful',
          (u) => `logging update ${u.status}`, (u) => u.status === 'Failed' || u.status === 'Cancelled');
      }
      await waitUntil(step, () => aws.describeCluster(spec.name), (c) => c.status === 'ACTIVE', (c) => `cluster ${c.status}`, failedState);
      await retain();
    },
    // Only specs with identityProviders plan this step.
    'identity-provider': async (step) => {
      const provider = spec.identityProviders!.find((p) => p.name === step.subject)!;
      await create(step, { kind: 'eks-identity-provider', name: `${spec.name}/${provider.name}`, region: spec.region }, () => aws.ensureIdentityProvider({
        owner, region: spec.region, cluster: spec.name, provider, ...(spec.tags ? { tags: spec.tags } : {}),
      }));
      await waitUntil(step, () => aws.describeIdentityProvider({ cluster: spec.name, name: provider.name }), (c) => c.status === 'ACTIVE', (c) => `identity provider ${c.status}`,
        (c) => c.status === 'NOT_FOUND' || c.status === 'DELETING');
    },
    'oidc-provider': async (step) => {
      if (!outputs.oidcIssuer) throw ApplicationFailure.nonRetryable(`cluster ${spec.name} reports no OIDC issuer`, errorTypes.resourceFailed);
      const url = outputs.oidcIssuer.replace(/^https:\/\//, '');
      const provider = await create(step, { kind: 'oidc-provider', name: url, region: spec.region }, () => aws.ensureOidcProvider({ owner, region: spec.region, issuerUrl: outputs.oidcIssuer!, tags: spec.tags }));
      outputs.oidcProviderArn = provider.arn;
    },
    nodegroup: async (step) => {
      // The EKS name is the step's: the spec's name, or a replacement's new one (src/domain/change-plan.ts).
      const named = { ...spec.nodeGroups.find((g) => g.name === step.subject)!, name: step.id.slice(step.id.indexOf('/') + 1) };
      // Awaited only for a selector's group: another await would reorder the commands of runs before it.
      const group = choosesBySelector(named) ? await withSelectedTypes(step, named) : named;
      // EKS tags a managed group's Auto Scaling group for auto-discovery itself; the group says so too.
      const tags = spec.addons['cluster-autoscaler'] ? { ...spec.tags, ...clusterAutoscalerTags(spec.name) } : spec.tags;
      // Launch templates, keys, tags, placement, update and repair settings (issue 17): only
      // groups that use one take this path, so runs of earlier specs make their groups as before.
      const launch = usesManagedNodeSettings(group) && patched('managed-node-settings') ? await prepareManagedNodegroup(step, group) : undefined;
      const groupTags = launch && group.tags ? { ...group.tags, ...tags } : tags;
      const groupRoleArn = outputs.nodeGroupRoleArns?.[step.subject!];
      if (hasOwnNodeRole(group) && !groupRoleArn) {
        // A change that adds such a group plans no role step for it (yet): never fall back to the shared role silently.
        throw ApplicationFailure.nonRetryable(`node group ${group.name}'s own node role (iam) was not made in this run: add the group with iam when the environment is made`, errorTypes.invalidSpec);
      }
      await create(step, { kind: 'eks-nodegroup', name: `${spec.name}/${group.name}`, region: spec.region }, () => aws.ensureNodegroup({
        owner, region: spec.region, cluster: spec.name, group, nodeRoleArn: groupRoleArn ?? outputs.nodeRoleArn!, subnetIds: launch?.subnetIds ?? outputs.workerSubnetIds, ...(groupTags ? { tags: groupTags } : {}),
        ...(launch?.launchTemplate ? { launchTemplate: launch.launchTemplate } : {}), ...(launch?.remoteAccess ? { remoteAccess: launch.remoteAccess } : {}),
      }));
      // What the group was made with stays on the step beside its status.
      await waitUntil(step, () => aws.describeNodegroup({ cluster: spec.name, name: group.name }), (g) => g.status === 'ACTIVE', (g) => `${selectedText(group)}${launch ? `${launch.detail}; ` : ''}node group ${g.status}`, failedState);
    },
    // An add-on's role under EKS Pod Identity (src/domain/addon-pod-identity.ts): only specs asking for it plan this step.
    'addon-pod-identity-role': async (step) => {
      const addon = step.subject as AddonName;
      const { iam } = addons.get(addon)!;
      const name = roleNames.irsa(spec.name, iam!.namespace, iam!.serviceAccount);
      // The account the policies name: the cluster role's (no OIDC provider's ARN is involved).
      const account = outputs.clusterRoleArn!.split(':')[4]!;
      const role = await create(step, { kind: 'iam-role', name, region: spec.region }, () => aws.ensureAddonRole({
        addon, context: addonContext(), podIdentity: { account }, ...(spec.tags ? { tags: spec.tags } : {}),
      }));
      outputs.addonPodIdentityRoles = { ...outputs.addonPodIdentityRoles, [addon]: role.arn };
    },
    'irsa-role': async (step) => {
      if (isCoreAddon(step.subject)) return coreAddons.role(step, step.subject);
      const addon = step.subject as AddonName;
      const { iam } = addons.get(addon)!;
      const name = roleNames.irsa(spec.name, iam!.namespace, iam!.serviceAccount);
      const role = await create(step, { kind: 'iam-role', name, region: spec.region }, () => aws.ensureAddonRole({
        addon, context: addonContext(), oidcProviderArn: outputs.oidcProviderArn!, issuerUrl: outputs.oidcIssuer!, ...(spec.tags ? { tags: spec.tags } : {}),
      }));
      outputs.addonRoles = { ...outputs.addonRoles, [addon]: role.arn };
    },
    // Workload identity: steps only for specs that list serviceAccounts, so histories of runs
    // without them replay unchanged (src/domain/workload-identity-plan.ts).
    'workload-role': async (step) => {
      const sa = spec.serviceAccounts!.find((s) => serviceAccountKey(s) === step.subject)!;
      const name = workloadRoleName(spec.name, sa);
      const role = await create(step, { kind: 'iam-role', name, region: spec.region }, () => aws.ensureWorkloadRole({
        owner, region: spec.region, environment: spec.name, serviceAccount: sa, ...(spec.tags ? { tags: spec.tags } : {}),
        ...(sa.identity === 'irsa' ? { oidcProviderArn: outputs.oidcProviderArn!, issuerUrl: outputs.oidcIssuer! } : {}),
      }));
      outputs.workloadRoles = { ...outputs.workloadRoles, [step.subject!]: role.arn };
    },
    'service-account': async (step) => {
      const sa = spec.serviceAccounts!.find((s) => serviceAccountKey(s) === step.subject)!;
      // roleArn: the user's own role, which no step made.
      const roleArn = sa.identity === 'irsa' ? sa.roleArn ?? outputs.workloadRoles![step.subject!] : undefined;
      await create(step, { kind: 'service-account', name: `${spec.name}/${step.subject}`, region: spec.region }, () => aws.applyServiceAccount({
        owner, region: spec.region, cluster: spec.name, namespace: sa.namespace, name: sa.name, ...(roleArn ? { roleArn } : {}), ...(sa.labels ? { labels: sa.labels } : {}),
      }));
      if (roleArn) update(step.id, { detail: `eks.amazonaws.com/role-arn: ${roleArn}` });
    },
    'pod-identity-association': async (step) => {
      // An add-on's association (src/domain/addon-pod-identity.ts): its subject is the add-on's name.
      if (!step.subject!.includes('/')) {
        const addon = step.subject as AddonName;
        const { iam } = addons.get(addon)!;
        const associated = await create(step, { kind: 'pod-identity-association', name: `${spec.name}/${iam!.namespace}/${iam!.serviceAccount}`, region: spec.region }, () => aws.ensurePodIdentityAssociation({
          owner, region: spec.region, cluster: spec.name, namespace: iam!.namespace, serviceAccount: iam!.serviceAccount, roleArn: outputs.addonPodIdentityRoles![addon]!,
          ...(spec.tags ? { tags: spec.tags } : {}),
        }));
        update(step.id, { detail: `association ${associated.associationId} of ${iam!.namespace}/${iam!.serviceAccount} with ${outputs.addonPodIdentityRoles![addon]}` });
        return;
      }
      const sa = spec.serviceAccounts!.find((s) => serviceAccountKey(s) === step.subject)!;
      const associated = await create(step, { kind: 'pod-identity-association', name: `${spec.name}/${step.subject}`, region: spec.region }, () => aws.ensurePodIdentityAssociation({
        owner, region: spec.region, cluster: spec.name, namespace: sa.namespace, serviceAccount: sa.name, roleArn: sa.roleArn ?? outputs.workloadRoles![step.subject!]!,
        ...(spec.tags || sa.tags ? { tags: { ...spec.tags, ...sa.tags } } : {}),
        ...(sa.targetRoleArn ? { targetRoleArn: sa.targetRoleArn } : {}), ...(sa.disableSessionTags ? { disableSessionTags: true } : {}),
      }));
      update(step.id, { detail: `association ${associated.associationId}${associated.externalId ? ` (external ID ${associated.externalId} for ${sa.targetRoleArn}'s trust policy)` : ''}` });
    },
    // Merges with the core add-ons' step for eks-pod-identity-agent once they land (issue 15, item 5).
    'pod-identity-agent': async (step) => {
      const installed = await create(step, { kind: 'eks-addon', name: `${spec.name}/eks-pod-identity-agent`, region: spec.region }, () => aws.ensurePodIdentityAgent({ owner, region: spec.region, cluster: spec.name }));
      update(step.id, { detail: installed.summary });
      await waitUntil(step, () => aws.podIdentityAgentStatus({ cluster: spec.name }), (r) => r.ready, (r) => r.detail, failedState);
    },
    addon: async (step) => {
      const request = onCluster.addon(step.subject as AddonName);
      if (request.addon === 'karpenter') {
        // What Karpenter will launch and make for itself (instances, instance profiles), ledgered
        // before its controller can: the teardown and a rollback terminate them by their tags,
        // after the controller is uninstalled (newer entries go first) and before the cluster.
        const nodes: ResourceRef = { kind: 'karpenter-nodes', name: spec.name, region: spec.region };
        await create(step, nodes, async () => ({ ref: nodes, made: true }));
      }
      const installed = await create(step, { kind: 'addon', name: `${spec.name}/${request.addon}`, region: spec.region }, () => installs.installAddon(request));
      update(step.id, { detail: installed.summary });
      await waitUntil(step, () => aws.addonReadiness(request), (r) => r.ready, (r) => {
        // Once ready, a gate still not holding is an advisory one: shown, not waited for.
        const open = r.gates.filter((g) => !g.ok).map((g) => `${g.gate}: ${g.detail}`);
        return `${r.ready ? 'ready' : 'waiting'}${open.length > 0 ? ` (${open.join('; ')})` : ''}`;
        // An EKS add-on CREATE_FAILED fails the step with its health issues (catalog entry 32).
        // No patch: before, the activity never answered a failed status, so histories replay alike.
      }, (r) => r.failed !== undefined);
    },
    app: async (step) => {
      const app = spec.app!;
      const ref = { kind: 'app' as const, name: `${spec.name}/${app.namespace ?? app.name}/${app.name}`, region: spec.region };
      const vpaSeparately = plan.steps.some((s) => s.kind === 'app-vpa');
      await create(step, ref, () => aws.applyApp({ cluster: spec.name, environment: environmentId, runId: owner.runId, app, image: outputs.imageUri!, vpaSeparately, ...(spec.autoMode ? { autoMode: true } : {}) }).then((applied) => ({ ref, made: applied.adopted !== true })));
      const rollout = await waitUntil(step, () => aws.appRollout({ cluster: spec.name, app }), (r) => r.status !== 'progressing', (r) => r.message);
      if (rollout.status === 'failed') throw ApplicationFailure.nonRetryable(`the app's rollout failed: ${rollout.message}`, errorTypes.resourceFailed);
    },
    'app-vpa': async (step) => {
      // Part of the app: its ledger entry (the app's) covers it, and deleting the app removes it.
      const { applied } = await aws.applyAppVpa({ cluster: spec.name, environment: environmentId, app: spec.app! });
      update(step.id, { detail: applied });
    },
    nlb: async (step) => {
      const endpoint = await waitUntil(step, () => aws.appEndpoint({ cluster: spec.name, app: spec.app! }), (e) => e.status === 'ready', (e) => (e.status === 'ready' ? e.url : e.message));
      if (endpoint.status === 'ready') outputs.appUrl = endpoint.url;
    },
    'autoscaling-check': async (step) => {
      const verified = await waitUntil(step, () => aws.verifyAutoscaling({
        cluster: spec.name, clusterAutoscaler: spec.addons['cluster-autoscaler'] !== undefined, ...(spec.app ? { app: spec.app } : {}),
      }), (o) => o.status === 'verified', (o) => o.checks.map((c) => `${c.ok ? '✔' : '…'} ${c.check}: ${c.detail}`).join('; '));
      const checked = verified.checks.map((c) => `${c.check}: ${c.detail}`);
      if (spec.autoscaling?.verify === 'active') {
        update(step.id, { detail: `${checked.join('; ')}; probing: a pod past capacity must bring a node` });
        const probe = await probes.probeAutoscaling({
          cluster: spec.name, nodeGroups: spec.nodeGroups.map((g) => g.name), ...(spec.addons.karpenter ? { nodePools: [karpenterNodePoolName] } : {}),
        });
        checked.push(`probe Pending after ${probe.pendingAfterSeconds}s, scheduled after ${probe.scheduledAfterSeconds}s on ${probe.nodesAfter} nodes (${probe.nodesBefore} before)`);
      }
      update(step.id, { detail: checked.join('; ') });
    },
    // Karpenter's AWS side (src/domain/karpenter-plan.ts): only specs with addons.karpenter plan
    // these steps, and no run started before them could (the add-on was refused), so no patch.
    'karpenter-node-role': async (step) => {
      const name = roleNames.karpenterNode(spec.name);
      const role = await create(step, { kind: 'iam-role', name, region: spec.region }, () => aws.ensureRole({
        owner, region: spec.region, name, description: `Karpenter's nodes of ${spec.name}`, tags: spec.tags,
        trustPolicy: assumedBy('ec2.amazonaws.com'), managedPolicyArns: karpenterNodeRolePolicies(spec.region.startsWith('cn-') ? 'aws-cn' : spec.region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws'),
      }));
      outputs.karpenterNodeRoleArn = role.arn;
    },
    'karpenter-interruption-queue': async (step) => {
      const queue = await create(step, { kind: 'interruption-queue', name: karpenterQueueName(spec.name), region: spec.region }, () => aws.ensureKarpenterInterruptionQueue({
        owner, region: spec.region, cluster: spec.name, ...(spec.tags ? { tags: spec.tags } : {}),
      }));
      update(step.id, { detail: `${queue.queueArn}; rules ${queue.rules.join(', ')}` });
    },
    'karpenter-discovery-tags': async (step) => {
      const { untagged, tagged } = await aws.karpenterDiscoveryTargets({ cluster: spec.name, subnetIds: outputs.workerSubnetIds });
      // One ledger entry a resource: the teardown takes the tag off only where eksflow put it.
      for (const resourceId of untagged) {
        await create(step, { kind: 'discovery-tag', name: `${spec.name}/${resourceId}`, region: spec.region }, () => aws.tagForKarpenterDiscovery({ region: spec.region, cluster: spec.name, resourceId }));
      }
      update(step.id, { detail: `tagged ${untagged.join(', ') || 'nothing'}${tagged.length ? `; already tagged ${tagged.join(', ')}` : ''}` });
    },
    'karpenter-node-access': async (step) => {
      const principalArn = outputs.karpenterNodeRoleArn!;
      await create(step, { kind: 'eks-access-entry', name: accessEntryLedgerName(spec.name, principalArn), region: spec.region }, () => aws.ensureAccessEntry({
        owner, region: spec.region, cluster: spec.name, entry: { principalArn, type: 'EC2_LINUX', accessPolicies: [] }, ...(spec.tags ? { tags: spec.tags } : {}),
      }));
      update(step.id, { detail: `${principalArn}: EC2_LINUX` });
    },
    // No patch: only specs with access.awsAuth plan this step, and no run started before it had one.
    'aws-auth': async (step) => {
      const awsAuth = spec.access!.awsAuth!;
      // EMR's service-linked role is the cluster account's, in its partition: both from the cluster's ARN.
      const [, partition, , , account] = (ledger.entries().find((e) => e.kind === 'eks-cluster' && e.name === spec.name)?.arn ?? '').split(':');
      if (!partition || !account) throw ApplicationFailure.nonRetryable(`no ARN recorded for cluster ${spec.name}`, errorTypes.resourceFailed);
      const made: string[] = [];
      for (const namespace of awsAuth.emrContainers ?? []) {
        const rbac = await create(step, { kind: 'aws-auth', name: emrRbacLedgerName(spec.name, namespace), region: spec.region }, () => aws.ensureEmrContainersRbac({ owner, region: spec.region, cluster: spec.name, namespace }));
        if (rbac.namespaceMade) made.push(namespace);
      }
      const entries = await create(step, { kind: 'aws-auth', name: spec.name, region: spec.region }, () => aws.ensureAwsAuthEntries({ owner, region: spec.region, cluster: spec.name, awsAuth, partition, account }));
      update(step.id, { detail: [...entries.mapRoles.map((r) => `mapRoles ${r}`), ...entries.mapAccounts.map((a) => `mapAccounts ${a}`), ...(made.length ? [`namespaces made: ${made.join(', ')}`] : [])].join('; ') });
    },
    // No patch: only specs with bootstrapClusterCreatorAdminPermissions false plan this step, and no run started before it had one.
    'worker-access': async (step) => {
      const { principalArn } = await aws.workerPrincipal();
      const entry = workerAccessEntry(principalArn);
      const ensured = await create(step, { kind: 'eks-access-entry', name: accessEntryLedgerName(spec.name, principalArn), region: spec.region }, () => aws.ensureAccessEntry({
        owner, region: spec.region, cluster: spec.name, entry, ...(spec.tags ? { tags: spec.tags } : {}),
      }));
      update(step.id, { detail: `${principalArn}: ${ensured.made ? 'entry created' : 'entry adopted'}; ${ensured.policies.join('; ')}` });
    },
    // No patch: only specs with access entries plan this step, and no run started before it had one.
    'access-entry': async (step) => {
      const entry = spec.access!.entries.find((e) => e.principalArn === step.subject)!;
      const ensured = await create(step, { kind: 'eks-access-entry', name: accessEntryLedgerName(spec.name, entry.principalArn), region: spec.region }, () => aws.ensureAccessEntry({
        owner, region: spec.region, cluster: spec.name, entry, ...(spec.tags ? { tags: spec.tags } : {}),
      }));
      update(step.id, { detail: `${ensured.made ? 'entry created' : 'entry adopted'}${ensured.policies.length ? `; ${ensured.policies.join('; ')}` : ''}${entry.kubernetesGroups?.length ? `; groups ${entry.kubernetesGroups.join(', ')}` : ''}` });
    },
    // Self-managed node groups (kind: self-managed): only specs with such groups plan these steps,
    // so no earlier history reaches them. Each part is ledgered on its own, so a rollback deletes
    // the access entry, the Auto Scaling group, the launch template, the instance profile and the
    // role, newest first.
    'self-managed-nodegroup': async (step) => {
      const found = spec.nodeGroups.find((g) => g.name === step.subject)!;
      const group = choosesBySelector(found) ? await withSelectedTypes(step, found) : found;
      const roleName = selfManagedRoleName(spec.name, group.name);
      const name = selfManagedName(spec.name, group.name);
      const windows = isWindowsGroup(group);
      // The group's own role: the node policies, and what its iam asks for (attachPolicyArns, eksctl's add-on policies).
      const grant = group.iam ? nodeGroupGrant(group.iam, partitionOf(spec.region)) : { managedPolicyArns: [...serviceRoles.node.policies], inlinePolicies: {} };
      // ssh.enableSsm (AmazonSSMManagedInstanceCore) and iam.permissionsBoundary, only for groups that give them.
      const extra = nodeRoleExtraPolicies(group, partitionOf(spec.region));
      const managedPolicyArns = extra.length > 0 ? [...new Set([...grant.managedPolicyArns, ...extra])] : grant.managedPolicyArns;
      const boundary = group.iam?.permissionsBoundary;
      const role = await create(step, { kind: 'iam-role', name: roleName, region: spec.region }, () => aws.ensureRole({
        owner, region: spec.region, name: roleName, description: `nodes of self-managed group ${group.name} of ${spec.name}`, tags: spec.tags,
        trustPolicy: assumedBy(serviceRoles.node.service), managedPolicyArns,
        ...(Object.keys(grant.inlinePolicies).length > 0 ? { inlinePolicies: grant.inlinePolicies } : {}),
        ...(boundary ? { permissionsBoundary: boundary } : {}),
      }));
      const keyName = await groupKeyName(step, group);
      const subnetIds = await groupSubnetIds(group);
      // Port 22 in a security group of the group's own, as eksctl opens it (src/domain/node-ssh-access.ts);
      // only groups that allow SSH, which earlier specs could not, take this call.
      const sshGroupId = needsSshSecurityGroup(group) ? await ensureGroupSshSecurityGroup(step, group) : undefined;
      const placed = keyName === undefined ? group : { ...group, ssh: { ...group.ssh, allow: group.ssh?.allow ?? false, keyName } };
      const profile = await create(step, { kind: 'instance-profile', name: roleName, region: spec.region }, () => aws.ensureNodeInstanceProfile({
        owner, region: spec.region, name: roleName, roleName, ...(spec.tags ? { tags: spec.tags } : {}),
      }));
      const template = await create(step, { kind: 'launch-template', name, region: spec.region }, () => aws.ensureNodeLaunchTemplate({
        owner, region: spec.region, cluster: spec.name, kubernetesVersion: spec.kubernetesVersion, name, group: placed, instanceProfileArn: profile.arn, securityGroupIds: sshGroupId ? [...securityGroupIds, sshGroupId] : securityGroupIds,
        ...(spec.network.vpc ? { vpcCidr: spec.network.vpc.cidr } : {}), ...(spec.tags ? { tags: spec.tags } : {}),
      }));
      await create(step, { kind: 'autoscaling-group', name, region: spec.region }, () => aws.ensureAutoScalingGroup({
        owner, region: spec.region, cluster: spec.name, name, group, launchTemplateId: template.launchTemplateId, subnetIds, ...(spec.tags ? { tags: spec.tags } : {}),
      }));
      // Self-managed nodes join through an access entry of their role's type (AWS docs, "Create access entries"):
      // EKS makes one itself only for managed node groups.
      const entry = { principalArn: role.arn, type: windows ? 'EC2_WINDOWS' as const : 'EC2_LINUX' as const, accessPolicies: [] };
      await create(step, { kind: 'eks-access-entry', name: accessEntryLedgerName(spec.name, role.arn), region: spec.region }, () => aws.ensureAccessEntry({
        owner, region: spec.region, cluster: spec.name, entry, ...(spec.tags ? { tags: spec.tags } : {}),
      }));
      await waitUntil(step, () => aws.describeAutoScalingGroup({ name }), (g) => g.inService >= group.desiredSize, (g) => `${selectedText(group)}Auto Scaling group ${name}: ${g.inService}/${g.desired} instances InService`);
    },
    'windows-ipam': async (step) => {
      const { changed } = await aws.enableWindowsIpam({ cluster: spec.name });
      update(step.id, { detail: changed ? 'enable-windows-ipam set to "true"' : 'already on' });
    },
    'kube-api-ready': async (step) => {
      // eksctl's WaitForControlPlane: 6 successes 20 s apart (pkg/eks/client.go), in the cloud's
      // time; the worker's to say (its test bed's apiserver is up before any run starts).
      const answered = await waits.waitForKubeApiReady({ cluster: spec.name });
      update(step.id, { detail: `/readyz answered ${answered.inARow} times in a row${answered.failures > 0 ? ` after ${answered.failures} failed looks (last: ${answered.lastFailure})` : ''}` });
    },
    'coredns-fargate': async (step) => {
      const coredns = await waits.runCorednsOnFargate({ cluster: spec.name });
      update(step.id, { detail: `${coredns.patched ? 'patched to compute-type fargate; ' : ''}${coredns.ready}/${coredns.replicas} CoreDNS replicas Ready, ${coredns.onFargate} on Fargate` });
    },
    // Only plans of specs with eksAddons have these steps: earlier histories never reach them.
    'eks-addons-check': (step) => coreAddons['eks-addons-check'](step),
    'eks-addon': (step) => coreAddons['eks-addon'](step),
    capability: (step) => capabilitySteps.capability(step),
    'hybrid-nodes': (step) => capabilitySteps['hybrid-nodes'](step),
    'nodes-ready': async (step) => {
      const group = spec.nodeGroups.find((g) => g.name === step.subject)!;
      // A self-managed group's nodes carry no EKS label: the one their kubelet registers finds them.
      const selector = isSelfManaged(group) ? { selector: `${selfManagedNodegroupLabel}=${group.name}` } : {};
      const ready = await waits.waitForNodesReady({ cluster: spec.name, group: step.id.slice(step.id.indexOf('/') + 1), desired: group.desiredSize, ...selector });
      update(step.id, { detail: `${ready.ready}/${ready.desired} nodes Ready` });
    },
  };

  // The add-ons as the catalog resolves them for this spec, and how each is asked for on the cluster.
  let addons = new Map(requestedAddons(spec).map((addon) => [addon.name, addon]));
  function addonContext(roleArn?: string): AddonContext {
    return {
      cluster: spec.name, region: spec.region, kubernetesVersion: spec.kubernetesVersion, owner, options: spec.addons,
      ...(outputs.vpcId ? { vpcId: outputs.vpcId } : {}), ...(roleArn ? { roleArn } : {}),
    };
  }
  const onCluster: OnCluster = {
    addon: (addon) => ({ addon, context: addonContext(outputs.addonRoles?.[addon]) }),
    ...(spec.app ? { app: spec.app } : {}),
  };

  // The cloud's pace is the worker's to say, not the caller's: a client that could start a run
  // with a time scale could make every wait give up early.
  if (!serving && patched('time-scale-from-worker')) timeScale = (await aws.cloudTimeScale()).timeScale;

  // A plan step this version has no handler for is refused before anything is made.
  const unsupported = plan.steps.filter((step) => !handlers[step.kind]);
  if (unsupported.length > 0) {
    throw ApplicationFailure.nonRetryable(`this version cannot provision ${unsupported.map((s) => s.id).join(', ')} yet`, errorTypes.invalidSpec);
  }
  // Pre-flight: the IDs and ARNs of the user's own are checked (form, then EC2/IAM look-ups)
  // before anything is made; a value AWS would refuse stops the run for good, naming its field.
  // Only specs that name any, and only runs started since (older histories replay without it).
  const ownResources = serving ? [] : givenResources(spec);
  if (ownResources.length > 0 && patched('given-resources-check')) await aws.checkGivenResources({ region: spec.region, resources: ownResources });

  // Fail fast: once a step fails, no step starts, and the ones running are cancelled: their
  // waits (timers, heartbeating activities) at once; an AWS call already sent finishes first.
  let firstFailure: string | undefined;
  const steps = new CancellationScope();

  async function runStep(step: PlanStep): Promise<void> {
    if (failFast) {
      // After a failure the run is already on its way to the rollback: nothing more starts.
      if (firstFailure !== undefined) return;
      // A cancelled run starts nothing either (its AWS calls would not be cancelled).
      if (steps.consideredCancelled) throw new CancelledFailure(`${step.id} not started: the run was cancelled`);
    }
    update(step.id, { state: 'running', startedAt: now(), attempts: progress.get(step.id)!.attempts + 1 });
    try {
      await handlers[step.kind]!(step);
      update(step.id, { state: 'done', endedAt: now() });
    } catch (error) {
      if (failFast && firstFailure !== undefined && isCancellation(error)) {
        update(step.id, { state: 'skipped', endedAt: now(), lastError: `cancelled: ${firstFailure} failed` });
      } else {
        update(step.id, { state: 'failed', endedAt: now(), lastError: messageOf(error) });
        if (failFast && firstFailure === undefined) {
          firstFailure = step.id;
          steps.cancel();
        }
      }
      throw error;
    }
  }

  // Each step starts the moment its dependencies are done: maximum overlap, no waves to wait out.
  const finished = new Map<string, Promise<void>>();
  const started = (step: PlanStep): Promise<void> => {
    let promise = finished.get(step.id);
    if (!promise) {
      promise = Promise.all(step.dependsOn.map((id) => started(plan.steps.find((s) => s.id === id)!))).then(() => runStep(step));
      finished.set(step.id, promise);
    }
    return promise;
  };

  // Registered from the start, so a scale asked for too early is refused by the validator with
  // its reason, rather than by the SDK for want of a handler.
  setHandler(scaleNodeGroupUpdate, async (request) => {
    const group = spec.nodeGroups.find((g) => g.name === request.nodeGroup)!;
    const target = { ...scaling.get(group.name)!, ...definedScaling(request) };
    setPhase('scaling');
    try {
      // The update's own ID: unique for every update of the environment's whole life, across
      // continue-as-new (a history length repeats in the next run, and EKS would take the new
      // scale for a retry of the old one and do nothing).
      const requestId = currentUpdateInfo()?.id ?? `${group.name}-${workflowInfo().runId}-${workflowInfo().historyLength}`;
      if (isSelfManaged(group)) {
        // UpdateAutoScalingGroup on the group eksflow made, then its nodes Ready by the label their kubelet registers.
        const name = selfManagedName(spec.name, group.name);
        await aws.scaleAutoScalingGroup({ environmentId, name, scaling: target });
        await pollUntil(() => aws.describeAutoScalingGroup({ name }), (g) => g.inService === target.desiredSize && g.instances === target.desiredSize, latencyTable['self-managed-nodegroup'], { speedup: timeScale, lookingAt: `Auto Scaling group ${name}` });
        await waits.waitForNodesReady({ cluster: spec.name, group: group.name, desired: target.desiredSize, selector: `${selfManagedNodegroupLabel}=${group.name}` });
        scaling.set(group.name, target);
        return target;
      }
      const eksName = outputs.nodegroupNames?.[group.name] ?? group.name;
      await aws.scaleNodegroup({ owner, cluster: spec.name, name: eksName, scaling: target, requestId });
      await pollUntil(() => aws.describeNodegroup({ cluster: spec.name, name: eksName }), (g) => g.status === 'ACTIVE', latencyTable.nodegroup, { speedup: timeScale, failed: failedState, lookingAt: `node group ${group.name}` });
      await waits.waitForNodesReady({ cluster: spec.name, group: eksName, desired: target.desiredSize });
      scaling.set(group.name, target);
      return target;
    } finally {
      // Only scaling gives way to ready: a teardown that began meanwhile keeps its phase.
      if (phase === 'scaling') setPhase('ready');
    }
  }, { validator: (request) => validateScale(request, phase, scaling) });

  // A changed spec, applied in place (issue 16): the change plan's steps run in dependency
  // order on the same ledger, gates and progress as creation. Registered from the start, so a
  // change asked for too early is refused with its reason.
  setHandler(applyChangeUpdate, async ({ spec: wanted, force = false, plan: previewed }) => {
    const live = spec;
    // The plan in the request is the one this history replays, whatever later code would plan.
    const changePlan = previewed ?? planChange(live, wanted, { nodegroupNames: { ...outputs.nodegroupNames }, fargateProfileNames: { ...outputs.fargateProfileNames } });
    const id = currentUpdateInfo()?.id ?? `change-${workflowInfo().historyLength}`;
    changing = { steps: new Map(changePlan.steps.map((step) => [step.id, { id: step.id, title: `${step.action}: ${step.title}`, state: 'pending', estimateSeconds: step.estimateSeconds, attempts: 0, detail: step.change }])), made: [] };
    const current: ChangeProgress = { id, state: 'running', summary: summarizeChange(changePlan), steps: [...changing.steps.values()], startedAt: now() };
    change = current;
    setPhase('changing');
    // From here every handler sees the new spec; a change that fails puts the old one back.
    spec = wanted;
    addons = new Map(requestedAddons(spec).map((addon) => [addon.name, addon]));
    coreAddons = coreAddonsFor(spec);
    onCluster.app = spec.app;
    // An image given by URI is the app's at once; an imported one once its step has copied it.
    const imageBefore = outputs.imageUri;
    if (wanted.image?.uri) outputs.imageUri = wanted.image.uri;
    const replaced = changePlan.steps.filter((step) => step.kind === 'nodegroup' && step.action === 'replace');
    const changeSteps = changeHandlers({
      next: () => spec, live, owner, changeId: id, force, ledger, scaling, nodegroupNames: { ...outputs.nodegroupNames },
      deleting: { environmentId, onCluster, ...(timeScale !== undefined ? { speedup: timeScale } : {}) },
      aws, waits, drains, waitUntil, update, stuckAfterSeconds: drainStuckAfterSeconds,
      imageUri: () => outputs.imageUri, addonRequest: (addon) => onCluster.addon(addon as AddonName),
      // A VPC eksflow made: the subnets it put the control plane in; given subnets: all of them.
      secretsKeyArn,
      controlPlaneSubnetsAsCreated: () => (spec.network.vpc ? outputs.clusterSubnetIds : spec.network.subnetIds ?? outputs.clusterSubnetIds),
    });
    const byId = new Map(changePlan.steps.map((step) => [step.id, step]));
    const ran = new Map<string, Promise<void>>();
    const runChangeStep = (step: ChangeStep): Promise<void> => {
      let promise = ran.get(step.id);
      if (!promise) {
        promise = Promise.all(step.dependsOn.map((dep) => runChangeStep(byId.get(dep)!))).then(async () => {
          update(step.id, { state: 'running', startedAt: now(), attempts: 1 });
          try {
            if (step.kind === 'eks-addon-update') await coreAddons['eks-addon-update'](step, `${id}:${step.id}`);
            else await (changeSteps[step.kind] ?? handlers[step.kind]!)(step);
            update(step.id, { state: 'done', endedAt: now() });
          } catch (error) {
            update(step.id, { state: 'failed', endedAt: now(), lastError: messageOf(error) });
            throw error;
          }
        });
        ran.set(step.id, promise);
      }
      return promise;
    };
    try {
      await Promise.all(changePlan.steps.map(runChangeStep));
      // A replaced group lives on under its new EKS name.
      for (const step of replaced) outputs.nodegroupNames = { ...outputs.nodegroupNames, [step.subject!]: step.id.slice(step.id.indexOf('/') + 1) };
      for (const step of changePlan.steps.filter((s) => s.kind === 'fargate-profile' && s.action === 'replace')) {
        outputs.fargateProfileNames = { ...outputs.fargateProfileNames, [step.subject!]: step.id.slice(step.id.indexOf('/') + 1) };
      }
      for (const group of spec.nodeGroups) if (!scaling.has(group.name)) scaling.set(group.name, { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize });
      ttlChanged = live.ttl !== spec.ttl;
      current.state = 'applied';
      current.outcome = `applied: ${changePlan.steps.length} steps`;
      // GET shows the spec the environment stands on now (the run's memo, carried across continue-as-new).
      upsertMemo({ spec });
    } catch (error) {
      await CancellationScope.nonCancellable(() => Promise.allSettled([...ran.values()]));
      for (const step of changing.steps.values()) if (step.state === 'pending') step.state = 'skipped';
      // What this change made goes, newest first; what was changed in place stays as it is now.
      const stateOf = (id: string) => changing!.steps.get(id)?.state;
      // A replacement whose old group is already deleted is the group now: it stays, and so
      // does its new definition. Any other addition goes.
      const replacedFor = replaced.filter((step) => {
        const old = changePlan.steps.find((s) => s.kind === 'nodegroup-delete' && s.subject === step.subject);
        return old !== undefined && stateOf(old.id) === 'done';
      });
      const kept = new Set(replacedFor.map((step) => `eks-nodegroup:${live.region}:${live.name}/${step.id.slice(step.id.indexOf('/') + 1)}`));
      const made = new Set(changing.made.map((ref) => `${ref.kind}:${ref.region}:${ref.name}`).filter((key) => !kept.has(key)));
      const undo = ledger.toCompensate().filter((entry) => made.has(`${entry.kind}:${entry.region}:${entry.name}`));
      const leftovers = await CancellationScope.nonCancellable(() => deleteAll(ledger, undo, ['compensated', 'compensation-failed'], {
        environmentId, onCluster, ...(timeScale !== undefined ? { speedup: timeScale } : {}),
        changed: (entry) => {
          const step = changing?.steps.get(entry.step);
          if (step && entry.state === 'compensated') step.state = 'compensated';
          showDetails();
        },
      }));
      // A group whose drain began but which was not deleted takes pods again.
      const uncordon = changePlan.steps.filter((step) => step.kind === 'drain' && changing!.steps.get(step.id)?.state !== 'pending' && changing!.steps.get(step.id)?.state !== 'skipped'
        && changing!.steps.get(step.id.replace('k8s:drain/', 'eks:nodegroup-delete/'))?.state !== 'done');
      const uncordoned = await CancellationScope.nonCancellable(() => Promise.all(uncordon.map((step) => aws.uncordonNodes({ cluster: spec.name, selector: `eks.amazonaws.com/nodegroup=${step.id.slice(step.id.indexOf('/') + 1)}` })
        .then(({ uncordoned: nodes }) => nodes, () => [] as string[]))));
      outputs.imageUri = imageBefore;
      // A rollout that failed (or went through before another step failed) goes back to the
      // app as it was: its previous ReplicaSet takes over again.
      const rolledOut = changePlan.steps.find((step) => step.kind === 'app-update' && ['failed', 'done'].includes(stateOf(step.id) ?? ''));
      const appBack = rolledOut && live.app && imageBefore
        ? await CancellationScope.nonCancellable(() => aws.applyApp({ cluster: live.name, environment: environmentId, runId: owner.runId, app: live.app!, image: imageBefore, vpaSeparately: plan.steps.some((s) => s.kind === 'app-vpa'), ...(live.autoMode ? { autoMode: true } : {}) })
          .then(() => true, () => false))
        : false;
      const done = changePlan.steps.filter((step) => changing!.steps.get(step.id)?.state === 'done');
      const upgraded = done.filter((step) => step.kind === 'cluster-version').map((step) => step.id.slice(step.id.indexOf('/') + 1)).pop();
      const inPlace = [...done.filter((step) => (step.action === 'update' || step.action === 'remove') && !['eks-addons-check', 'upgrade-precheck'].includes(step.kind) && !(appBack && step.kind === 'app-update')), ...replacedFor];
      // Nothing irreversible done: the environment stands on the old spec again. Otherwise it
      // stops where it is, and says exactly where that is.
      spec = upgraded ? { ...live, kubernetesVersion: upgraded as EnvironmentSpec['kubernetesVersion'] } : live;
      if (replacedFor.length > 0) {
        const now = new Set(replacedFor.map((step) => step.subject));
        spec = { ...spec, nodeGroups: spec.nodeGroups.map((group) => (now.has(group.name) ? wanted.nodeGroups.find((g) => g.name === group.name) ?? group : group)) };
        for (const step of replacedFor) outputs.nodegroupNames = { ...outputs.nodegroupNames, [step.subject!]: step.id.slice(step.id.indexOf('/') + 1) };
      }
      coreAddons = coreAddonsFor(spec);
      addons = new Map(requestedAddons(spec).map((addon) => [addon.name, addon]));
      onCluster.app = spec.app;
      current.state = upgraded || inPlace.length > 0 ? 'stopped' : 'rolled-back';
      current.outcome = [
        `failed: ${messageOf(error)}`,
        undo.length > 0 ? `undone: ${undo.map((e) => `${e.kind} ${e.name}`).join(', ')}${leftovers.length ? `; could not delete ${describeLeftovers(leftovers)}` : ''}` : 'nothing it made needed undoing',
        ...(upgraded ? [`the control plane is at Kubernetes ${upgraded} and cannot go back`] : []),
        ...(inPlace.length > 0 ? [`already changed and left so: ${inPlace.map((step) => step.id).join(', ')}`] : []),
        ...(uncordoned.flat().length > 0 ? [`uncordoned ${uncordoned.flat().join(', ')}`] : []),
        ...(appBack ? [`app ${live.app!.name} rolled back to ${imageBefore}`] : []),
      ].join('; ');
      throw ApplicationFailure.nonRetryable(`change ${id} ${current.state}: ${current.outcome}`, 'ChangeFailed', current);
    } finally {
      current.steps = [...changing.steps.values()];
      current.endedAt = now();
      changing = undefined;
      if (phase === 'changing') setPhase('ready');
    }
    return current;
  }, { validator: ({ spec: wanted, plan: previewed }) => validateChange(wanted, previewed, phase, spec, change, { nodegroupNames: { ...outputs.nodegroupNames }, fargateProfileNames: { ...outputs.fargateProfileNames } }) });

  try {
    // Subnets given by CIDR and/or zone are found before anything is made (only specs with
    // network.subnetLookups): none or several matching stops the run for good.
    if (!serving && spec.network.subnetLookups && spec.network.vpcId) {
      const { found } = await aws.findSubnets({ vpcId: spec.network.vpcId, lookups: spec.network.subnetLookups });
      outputs.foundSubnets = found;
      Object.assign(outputs, existingSubnetOutputs(networkWithFoundSubnets(spec.network, found)));
    }
    // Groups in Local Zones: each instance type they name must be offered in each of their zones,
    // checked before anything is made (only specs with such groups; runs started before replay without it).
    const localZoneTypes = serving ? [] : localZoneGroupTypes(spec.nodeGroups);
    if (localZoneTypes.length > 0 && patched('local-zone-offerings')) await aws.checkLocalZoneOfferings({ groups: localZoneTypes });
    if (serving) {
      // Built already: this run serves it.
    } else if (schedule === 'sequential') {
      const inOrder = async () => {
        for (const step of plan.waves.flat().map((id) => plan.steps.find((s) => s.id === id)!)) await started(step);
      };
      await (failFast ? steps.run(inOrder) : inOrder());
    } else {
      const all = () => Promise.all(plan.steps.map(started));
      await (failFast ? steps.run(all) : all());
    }
  } catch (error) {
    // Let steps already running settle (cancelled, with fail-fast), so the ledger is complete before anything is undone.
    await CancellationScope.nonCancellable(() => Promise.allSettled([...finished.values()]));
    for (const s of progress.values()) if (s.state === 'pending') s.state = 'skipped';
    if (spec.onFailure === 'keep') {
      setPhase('failed');
      throw error;
    }
    setPhase('rolling-back');
    const clusterMadeByRun = ledger.toCompensate().some((e) => e.kind === 'eks-cluster' && e.state === 'confirmed');
    const compensating: DeleteOptions = {
      environmentId, onCluster, ...(timeScale !== undefined ? { speedup: timeScale } : {}),
      changed: (entry) => {
        const step = progress.get(entry.step);
        if (step && entry.state === 'compensated') step.state = 'compensated';
        showDetails();
      },
    };
    const leftovers = await CancellationScope.nonCancellable(async () => {
      const failed = await deleteAll(ledger, ledger.toCompensate(), ['compensated', 'compensation-failed'], compensating);
      // What the cluster made for itself outlives it (its control-plane log group, load
      // balancers): swept once the cluster this run made is gone, found by the cluster's name.
      if (clusterMadeByRun && patched('rollback-sweeps-cluster-made')) {
        const { clusterMade } = await aws.discoverEnvironment({ environmentId, region: spec.region, cluster: spec.name, clusterIsOurs: true });
        for (const ref of clusterMade) {
          ledger.intend(ref, 'rollback-sweep');
          ledger.confirm(ref, true);
        }
        failed.push(...(await deleteAll(ledger, ledger.toCompensate().filter((e) => e.step === 'rollback-sweep'), ['compensated', 'compensation-failed'], compensating)));
      }
      return failed;
    });
    setPhase(leftovers.length === 0 ? 'rolled-back' : 'failed');
    if (isCancellation(error)) throw error;
    throw ApplicationFailure.nonRetryable(
      `provisioning ${spec.name} failed: ${messageOf(error)}; ${leftovers.length === 0 ? 'everything this run made was deleted' : `could not delete ${describeLeftovers(leftovers)}`}`,
      'ProvisioningFailed', { ledger: ledger.entries(), steps: [...progress.values()] },
    );
  }

  if (!serving) setPhase('ready');

  // Until asked to go, or the ttl runs out; a cancelled run is torn down too. A long life
  // continues as new with what it has built, rather than growing one history without end.
  let expiresAtMs = serving?.expiresAtMs ?? (spec.ttl ? Date.now() + ttlMilliseconds(spec.ttl) / (timeScale ?? 1) : undefined);
  // When the environment came to be: a ttl a change sets counts from here.
  const createdAtMs = serving?.createdAtMs ?? (serving?.expiresAtMs !== undefined && given.ttl ? serving.expiresAtMs - ttlMilliseconds(given.ttl) / (timeScale ?? 1) : runStartedAtMs);
  let lastDriftCheckMs = serving?.drift ? Date.parse(serving.drift.checkedAt) : Date.now();
  /** Compares the environment with its spec; with drift.correct, puts node group sizes and the app back. Never fails the run. */
  async function checkDrift(): Promise<void> {
    const judged = spec;
    try {
      const observed = await aws.observeEnvironment({
        cluster: spec.name, nodegroups: Object.fromEntries(spec.nodeGroups.filter((g) => !isSelfManaged(g)).map((g) => [g.name, outputs.nodegroupNames?.[g.name] ?? g.name])), ...(spec.app ? { app: spec.app } : {}),
      });
      // A change (or a scale) that began while AWS was being looked at makes the look stale: next time.
      if (spec !== judged || phase !== 'ready') return;
      const items = driftOf(spec, { scaling: Object.fromEntries(scaling), ...(outputs.imageUri ? { imageUri: outputs.imageUri } : {}) }, observed);
      const report: DriftReport = { checkedAt: now(), items };
      if (items.length > 0 && spec.drift?.correct) report.corrected = await correctDrift(items);
      drift = report;
    } catch (error) {
      drift = { checkedAt: now(), items: [], error: messageOf(error) };
    }
    showDetails();
  }
  async function correctDrift(items: DriftItem[]): Promise<string[]> {
    const corrected: string[] = [];
    for (const group of spec.nodeGroups) {
      if (!items.some((item) => item.subject === `node group ${group.name}` && item.field.endsWith('Size'))) continue;
      const target = scaling.get(group.name)!;
      // UpdateNodegroupConfig through the activity that first proves the group is this environment's.
      await aws.updateNodegroupConfig({ owner, cluster: spec.name, name: outputs.nodegroupNames?.[group.name] ?? group.name, scaling: target, requestId: `drift-${workflowInfo().runId}-${workflowInfo().historyLength}` });
      corrected.push(`node group ${group.name} set back to ${target.minSize}/${target.desiredSize}/${target.maxSize}`);
    }
    if (spec.app && items.some((item) => item.subject === `app ${spec.app!.name}`) && outputs.imageUri) {
      await aws.applyApp({ cluster: spec.name, environment: environmentId, runId: owner.runId, app: spec.app, image: outputs.imageUri, vpaSeparately: plan.steps.some((s) => s.kind === 'app-vpa'), ...(spec.autoMode ? { autoMode: true } : {}) });
      corrected.push(`app ${spec.app.name} applied again`);
    }
    return corrected;
  }
  const historyFull = () => phase === 'ready' && (historyLimit === undefined ? workflowInfo().continueAsNewSuggested : workflowInfo().historyLength > historyLimit);
  let cancelled: unknown;
  try {
    const askedToGo = () => teardownReason !== undefined && phase === 'ready';
    const until = () => askedToGo() || historyFull();
    if (patched('drift-checks')) {
      // Between requests, the environment is compared with its spec on a schedule (drift).
      for (;;) {
        const nextCheckMs = lastDriftCheckMs + ttlMilliseconds(spec.drift?.checkEvery ?? defaultDriftCheckEvery) / (timeScale ?? 1);
        const wakeAtMs = Math.min(nextCheckMs, expiresAtMs ?? Number.POSITIVE_INFINITY);
        if (await condition(() => until() || ttlChanged, Math.max(1, wakeAtMs - Date.now()))) {
          if (until()) break;
          // A change set another ttl (or none): the environment now expires by that.
          ttlChanged = false;
          expiresAtMs = spec.ttl ? createdAtMs + ttlMilliseconds(spec.ttl) / (timeScale ?? 1) : undefined;
          continue;
        }
        if (expiresAtMs !== undefined && Date.now() >= expiresAtMs) {
          teardownReason = `its ttl of ${spec.ttl} ran out`;
          break;
        }
        // A change or a scale running is the spec being applied, not drift: look next time.
        if (phase === 'ready') await checkDrift();
        lastDriftCheckMs = Date.now();
      }
    } else if (expiresAtMs === undefined) await condition(until);
    else if (!(await condition(until, Math.max(1, expiresAtMs - Date.now())))) teardownReason = `its ttl of ${spec.ttl} ran out`;
    if (!askedToGo() && teardownReason === undefined) {
      // Updates still running would be cut off by the new run.
      await condition(allHandlersFinished);
      const next: ServingState = {
        ledger: ledger.entries(), steps: [...progress.values()], outputs, scaling: Object.fromEntries(scaling), generation: (serving?.generation ?? 1) + 1,
        ...(expiresAtMs !== undefined ? { expiresAtMs } : {}), ...(change ? { change } : {}), ...(drift ? { drift } : {}), createdAtMs,
      };
      return await continueAsNew<typeof provisionEnvironment>({
        // The spec it stands on: the requested one, or the last change's.
        environmentId, spec: change ? spec : given, serving: next, ...(historyLimit !== undefined ? { historyLimit } : {}), ...(timeScale !== undefined ? { timeScale } : {}),
      });
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    cancelled = error;
    teardownReason = 'the run was cancelled';
  }
  // A scale still running finishes first: its calls would race the deletes. (Not cancellable:
  // a cancelled run is torn down too.)
  await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  setPhase('tearing-down');
  // The same teardown that works without this history: the ledger, plus whatever the tags find.
  const report = await CancellationScope.nonCancellable(() => executeChild(teardownEnvironment, {
    // One teardown per environment: its ID comes from the environment, not from this run.
    workflowId: `teardown:${environmentId}`,
    args: [{
      environmentId, region: spec.region, cluster: spec.name, ledger: ledger.toTearDown(),
      installed: { kubernetesVersion: spec.kubernetesVersion, addons: spec.addons, ...(spec.app ? { app: spec.app } : {}) },
      ...(timeScale !== undefined ? { timeScale } : {}),
    }],
  }));
  for (const ref of report.deleted) ledger.mark(ref, 'deleted');
  for (const entry of report.failed) ledger.mark(entry, 'delete-failed', entry.error);
  showDetails();
  setPhase(report.leftovers.length === 0 ? 'torn-down' : 'failed');
  if (report.leftovers.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `teardown of ${spec.name} left ${report.leftovers.map((r) => `${r.kind} ${r.name}`).join(', ')}${report.failed.length ? `; failures: ${describeLeftovers(report.failed)}` : ''}`,
      'TeardownIncomplete', { report, ledger: ledger.entries() },
    );
  }
  if (cancelled) throw cancelled;
  await condition(allHandlersFinished);
  return {
    environment: spec.name, cluster: { name: spec.name, endpoint: outputs.endpoint, oidcIssuer: outputs.oidcIssuer }, image: outputs.imageUri,
    ...(outputs.appUrl ? { appUrl: outputs.appUrl } : {}),
    endedBecause: teardownReason!, ledger: ledger.entries(), steps: [...progress.values()],
  };
}

/**
 * States EKS resources cannot leave by waiting: a cluster FAILED, a node group or Fargate
 * profile CREATE_FAILED (a node group's health issues say why: NodeCreationFailure,
 * AsgInstanceLaunchFailures, IamInstanceProfileNotFound...), DEGRADED, or DELETE_FAILED.
 */
const failedStates: ReadonlySet<string> = new Set(['FAILED', 'CREATE_FAILED', 'DEGRADED', 'DELETE_FAILED', 'UPDATE_FAILED']);
const failedState = ({ status }: { status: string }) => failedStates.has(status);

/** The failure type of an activity's failure (its cause), or of a failure thrown here. */
function failureType(error: unknown): string | undefined {
  const failure = error instanceof ActivityFailure ? error.cause : error;
  return failure instanceof ApplicationFailure ? failure.type ?? undefined : undefined;
}

const definedScaling = (request: ScaleRequest): Partial<NodegroupScaling> =>
  Object.fromEntries(Object.entries({ minSize: request.minSize, desiredSize: request.desiredSize, maxSize: request.maxSize }).filter(([, v]) => v !== undefined));

/** Rejects, before anything is written to history, a scale request that cannot be met. */
function validateScale(request: ScaleRequest, phase: Phase, scaling: Map<string, NodegroupScaling>): void {
  const current = scaling.get(request.nodeGroup);
  if (!current) throw new Error(`unknown node group "${request.nodeGroup}"; this environment has ${[...scaling.keys()].join(', ') || 'none'}`);
  if (phase === 'provisioning') throw new Error('the environment is still being provisioned; scale it once it is ready (watch its events)');
  if (phase === 'scaling') throw new Error('a scale is already running; one at a time: ask again once it has finished');
  if (phase === 'changing') throw new Error('a change is being applied; scale once it has finished (or put the sizes in the change)');
  if (phase !== 'ready') throw new Error(`the environment is ${phase}: it can no longer be scaled`);
  const target = { ...current, ...definedScaling(request) };
  for (const [field, value] of Object.entries(target)) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`${field} must be a whole number ≥ 0, got ${value}`);
  }
  if (target.maxSize < 1) throw new Error('maxSize must be at least 1');
  if (target.minSize > target.desiredSize || target.desiredSize > target.maxSize) {
    throw new Error(`need minSize ≤ desiredSize ≤ maxSize, got ${target.minSize} ≤ ${target.desiredSize} ≤ ${target.maxSize}`);
  }
}

/** The plan, or a non-retryable failure naming every problem: a spec that breaks a rule never gets better by retrying. */
function planned(spec: EnvironmentSpec, options: PlanOptions): Plan {
  try {
    return planEnvironment(spec, options);
  } catch (error) {
    if (error instanceof InvalidPlanError) throw ApplicationFailure.nonRetryable(error.message, errorTypes.invalidPlan, ...error.problems);
    throw error;
  }
}

/** How long a drain may make no progress before the pods, PodDisruptionBudgets and nodes holding it up fail its step. */
const drainStuckAfterSeconds = 5 * 60;

/** One line for a change plan: its steps by action. */
function summarizeChange(plan: ChangePlan): string {
  const marks: Record<string, string> = { add: '+', update: '~', replace: '±', remove: '-' };
  return `${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}: ${plan.steps.map((step) => `${marks[step.action]} ${step.id}`).join(', ')}`;
}

/** Refuses, before anything is written to history, a change that cannot be applied now, with the reason. */
function validateChange(wanted: EnvironmentSpec, previewed: ChangePlan | undefined, phase: Phase, live: EnvironmentSpec, last: ChangeProgress | undefined, names: ChangeContext): void {
  if (phase === 'changing') throw new Error(`change ${last?.id} is being applied; one change at a time: ask again once it has finished (watch the events)`);
  if (phase === 'provisioning') throw new Error('the environment is still being provisioned; change it once it is ready (watch its events)');
  if (phase === 'scaling') throw new Error('a scale is running; ask again once it has finished');
  if (phase !== 'ready') throw new Error(`the environment is ${phase}: it can no longer be changed`);
  let changePlan: ChangePlan;
  try {
    changePlan = planChange(live, wanted, names);
  } catch (error) {
    if (error instanceof ChangeRefusedError || error instanceof InvalidPlanError) throw new Error(`${error.message}${error.problems.length ? `: ${error.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}` : ''}`, { cause: error });
    throw error;
  }
  if (changePlan.empty) throw new Error('the spec is the one the environment stands on: there is nothing to change');
  const shape = (p: ChangePlan) => JSON.stringify(p.steps.map((step) => [step.id, step.kind, step.action, [...step.dependsOn].sort()]));
  if (previewed && shape(previewed) !== shape(changePlan)) throw new Error('the change plan sent is not the one the environment\'s live spec gives now (it changed since, or the plan was edited): plan again, then apply');
  const unsupported = changePlan.steps.filter((step) => !changeStepKinds.has(step.kind));
  if (unsupported.length > 0) throw new Error(`this version cannot apply ${unsupported.map((step) => step.id).join(', ')} yet: make that change separately, or recreate the environment`);
}

/** Step kinds a change can run: the change handlers (change-steps.ts), the creation handlers, and core add-on updates. */
const changeStepKinds: ReadonlySet<string> = new Set([
  'upgrade-precheck', 'cluster-version', 'cluster-endpoint-access', 'cluster-vpc-config', 'cluster-setting', 'cluster-encryption', 'kms-key', 'identity-provider', 'identity-provider-remove', 'service-account-remove', 'nodegroup-config', 'nodegroup-version', 'drain', 'nodegroup-delete', 'fargate-profile-delete', 'addon-remove', 'eks-addon-delete', 'app-remove',
  'access-entry-delete', 'access-entry-update', 'addon-upgrade', 'app-update', 'eks-addon-update',
  'network', 'cluster-role', 'node-role', 'fargate-role', 'fargate-profile', 'ecr-repository', 'image-import', 'image-build', 'cluster-logging', 'oidc-provider', 'nodegroup', 'irsa-role',
  'workload-role', 'service-account', 'pod-identity-association', 'pod-identity-agent', 'addon', 'app', 'app-vpa', 'nlb', 'autoscaling-check', 'access-entry', 'kube-api-ready',
  'coredns-fargate', 'eks-addons-check', 'eks-addon', 'nodes-ready',
  // Self-managed node groups (src/domain/change-plan-self-managed.ts).
  'self-managed-nodegroup', 'windows-ipam', 'self-managed-scale', 'self-managed-nodegroup-delete',
]);

/** How often a ready environment is compared with its spec when the spec does not say. */
const defaultDriftCheckEvery = '1h';
