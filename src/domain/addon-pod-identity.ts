import type { AddonName, EnvironmentSpec } from './environment-spec';
import type { StepKind } from './latency';
import { podIdentityAgentAddon } from './workload-identity';
import { workloadStepIds } from './workload-identity-plan';

/**
 * An add-on whose controller gets its AWS credentials through EKS Pod Identity rather than IRSA
 * (today: Karpenter, `addons.karpenter.identity: pod-identity`, as Karpenter's getting-started
 * sets it up since v1.0: a role trusting pods.eks.amazonaws.com and `aws eks
 * create-pod-identity-association --namespace kube-system --service-account karpenter`). Its
 * steps: the role (an `iam-role` in the ledger, as any add-on role), the association, and the
 * eks-pod-identity-agent add-on unless another part of the plan installs it. Only such specs
 * plan them. Pure.
 */

export const addonRoleStepId = (addon: AddonName) => `iam:pod-identity/${addon}`;

type Add = (id: string, kind: StepKind, title: string, dependsOn?: (string | undefined)[], subject?: string) => void;

export function addonUsesPodIdentity(spec: EnvironmentSpec, addon: AddonName): boolean {
  return addon === 'karpenter' && spec.addons.karpenter?.identity === 'pod-identity';
}

/** Whether the plan installs the Pod Identity Agent without this add-on's help (src/domain/workload-identity-plan.ts, core add-ons). */
const agentPlannedElsewhere = (spec: EnvironmentSpec) => (spec.serviceAccounts ?? []).some((sa) => sa.identity === 'pod-identity') || spec.eksAddons?.[podIdentityAgentAddon] !== undefined;

/** Adds the role, the agent (when needed) and the association; returns the association's step, which the add-on's install waits for. */
export function addAddonPodIdentitySteps(
  spec: EnvironmentSpec, add: Add, addon: AddonName, iam: { namespace: string; serviceAccount: string },
  at: { cluster: string; compute: (string | undefined)[] },
): string {
  const key = `${iam.namespace}/${iam.serviceAccount}`;
  const role = addonRoleStepId(addon);
  add(role, 'addon-pod-identity-role', `ensure IAM role for ${key} (EKS Pod Identity: trusts pods.eks.amazonaws.com)`, [at.cluster], addon);
  // EKS Auto Mode runs the agent on its nodes: nothing to install then.
  const agent = spec.autoMode ? undefined : workloadStepIds.podIdentityAgent;
  if (agent && !agentPlannedElsewhere(spec)) {
    add(agent, 'pod-identity-agent', `install the EKS add-on ${podIdentityAgentAddon} (Pod Identity) and wait until it is ACTIVE`, [at.cluster, ...at.compute]);
  }
  const association = workloadStepIds.association({ namespace: iam.namespace, name: iam.serviceAccount });
  // The subject is the add-on's name (a service account's is namespace/name): the handler tells them apart by it.
  add(association, 'pod-identity-association', `associate ${key} with its role (EKS Pod Identity) for the ${addon} add-on`, [role, at.cluster, agent], addon);
  return association;
}

/** EKS Pod Identity works on EC2 nodes only (EKS user guide, pod-identities.html, considerations): a controller on Fargate gets no credentials. */
export function addonPodIdentityProblems(spec: EnvironmentSpec): { path: string; message: string }[] {
  if (!addonUsesPodIdentity(spec, 'karpenter') || spec.nodeGroups.length > 0 || spec.autoMode) return [];
  return [{ path: '/addons/karpenter/identity', message: 'EKS Pod Identity works only on EC2 nodes, and the Karpenter controller would run on Fargate here (no node group); use irsa, or add a node group for it' }];
}
