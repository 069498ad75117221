import type { Activities } from '../activities';
import type { EksAddonStatus } from '../activities/eks-addons';
import type { EnsuredResource } from '../activities/iam-roles';
import { coreAddonRole, type CoreAddonName, type CoreAddonSpec, type ResolvedCoreAddons } from '../domain/eks-addons';
import type { EnvironmentSpec } from '../domain/environment-spec';
import type { ResourceRef } from '../domain/ledger';
import { roleNames } from '../domain/names';
import type { Owner } from '../domain/ownership';
import type { PlanStep } from '../domain/planner';

/** What the core add-on steps read and write in the run. */
export interface CoreAddonOutputs {
  /** Each requested add-on's version and configuration, as the check resolved them. */
  eksAddons?: ResolvedCoreAddons;
  /** The IRSA roles eksflow made for them, by add-on. */
  eksAddonRoles?: Partial<Record<CoreAddonName, string>>;
  oidcProviderArn?: string;
  oidcIssuer?: string;
}

interface StepTools {
  spec: EnvironmentSpec;
  owner: Owner;
  outputs: CoreAddonOutputs;
  /** Short AWS calls. */
  aws: Pick<Activities, 'checkEksAddons' | 'describeEksAddon' | 'ensureIrsaRole' | 'updateEksAddon' | 'describeUpdate'>;
  /** Calls that may wait a while inside (CreateAddon while a new cluster's add-on API lags), heartbeating. */
  installs: Pick<Activities, 'ensureEksAddon'>;
  /** Whether CoreDNS runs on Fargate in this plan. */
  corednsOnFargate: boolean;
  create: <T extends { ref: ResourceRef; made: boolean }>(step: PlanStep, ref: ResourceRef, call: () => Promise<T>) => Promise<T>;
  waitUntil: (step: PlanStep, observe: () => Promise<EksAddonStatus>, done: (v: EksAddonStatus) => boolean, describe: (v: EksAddonStatus) => string, failed?: (v: EksAddonStatus) => boolean) => Promise<EksAddonStatus>;
  update: (id: string, change: { detail: string }) => void;
}

/**
 * The workflow's handlers for the core EKS add-on steps (src/domain/eks-addons-plan.ts), and
 * for their IRSA roles: intend → create idempotently → confirm (ledger) → wait until ACTIVE.
 */
export function coreAddonHandlers({ spec, owner, outputs, aws, installs, corednsOnFargate, create, waitUntil, update }: StepTools) {
  const optionsOf = (name: CoreAddonName) => spec.eksAddons![name] as CoreAddonSpec;
  return {
    'eks-addons-check': async (step: PlanStep) => {
      const { resolved } = await aws.checkEksAddons({ kubernetesVersion: spec.kubernetesVersion, eksAddons: spec.eksAddons!, corednsOnFargate });
      outputs.eksAddons = resolved;
      update(step.id, { detail: Object.entries(resolved).map(([name, r]) => `${name} ${r.version}${r.configurationValues ? ' (configured)' : ''}`).join(', ') });
    },
    /** The IRSA role of a core add-on (aws-ebs-csi-driver's, or one given managedPolicyArns). */
    role: async (step: PlanStep, name: CoreAddonName) => {
      const role = coreAddonRole(name, optionsOf(name), spec.region, spec.kubernetesNetwork?.ipFamily)!;
      const ensured = await create(step, { kind: 'iam-role', name: roleNames.irsa(spec.name, role.namespace, role.serviceAccount), region: spec.region }, () => aws.ensureIrsaRole({
        owner, region: spec.region, environment: spec.name, namespace: role.namespace, serviceAccount: role.serviceAccount,
        oidcProviderArn: outputs.oidcProviderArn!, issuerUrl: outputs.oidcIssuer!, managedPolicyArns: role.managedPolicyArns, ...(spec.tags ? { tags: spec.tags } : {}),
        ...(role.inlinePolicies ? { inlinePolicies: role.inlinePolicies } : {}),
      }) as Promise<EnsuredResource & { arn: string }>);
      outputs.eksAddonRoles = { ...outputs.eksAddonRoles, [name]: ensured.arn };
    },
    /**
     * A change's update of an installed add-on (a new Kubernetes minor's default version, new
     * configurationValues): UpdateAddon with the versions the change's check resolved, awaited
     * through DescribeUpdate, then ACTIVE. `requestId` is the change's, so a retry is the same update.
     */
    'eks-addon-update': async (step: PlanStep, requestId: string) => {
      const name = step.subject as CoreAddonName;
      const resolved = outputs.eksAddons![name]!;
      const { updateId } = await aws.updateEksAddon({
        owner, cluster: spec.name, name, version: resolved.version, resolveConflicts: optionsOf(name).resolveConflicts, requestId,
        ...(resolved.configurationValues ? { configurationValues: resolved.configurationValues } : {}),
      });
      await waitUntil(step, async () => {
        const update = await aws.describeUpdate({ cluster: spec.name, addon: name, updateId });
        return { ...update, status: update.status === 'Successful' ? 'ACTIVE' : update.status, issues: update.errors.map((e) => `${e.code}: ${e.message}`) } as unknown as EksAddonStatus;
      }, (u) => u.status === 'ACTIVE', (u) => `update ${updateId} to ${resolved.version} ${u.status}`, (u) => u.status === 'Failed' || u.status === 'Cancelled');
      await waitUntil(step, () => aws.describeEksAddon({ cluster: spec.name, name }), (a) => a.status === 'ACTIVE',
        (a) => `${name} ${a.version ?? resolved.version} ${a.status}${a.issues.length > 0 ? `: ${a.issues.join('; ')}` : ''}`, (a) => a.status === 'UPDATE_FAILED' || a.status === 'DEGRADED');
    },
    'eks-addon': async (step: PlanStep) => {
      const name = step.subject as CoreAddonName;
      const options = optionsOf(name);
      const resolved = outputs.eksAddons![name]!;
      const roleArn = options.serviceAccountRoleArn ?? outputs.eksAddonRoles?.[name];
      await create(step, { kind: 'eks-addon', name: `${spec.name}/${name}`, region: spec.region }, () => installs.ensureEksAddon({
        owner, region: spec.region, cluster: spec.name, name, version: resolved.version, resolveConflicts: options.resolveConflicts,
        ...(resolved.configurationValues ? { configurationValues: resolved.configurationValues } : {}),
        ...(roleArn ? { serviceAccountRoleArn: roleArn } : {}),
        ...(spec.tags || options.tags ? { tags: { ...spec.tags, ...options.tags } } : {}),
      }));
      // DEGRADED is waited through (no replicas yet); CREATE_FAILED ends the step with EKS's health issues.
      await waitUntil(step, () => aws.describeEksAddon({ cluster: spec.name, name }), (a) => a.status === 'ACTIVE',
        (a) => `${name} ${a.version ?? resolved.version} ${a.status}${a.issues.length > 0 ? `: ${a.issues.join('; ')}` : ''}`, (a) => a.status === 'CREATE_FAILED');
    },
  };
}
