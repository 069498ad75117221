import type { EnvironmentSpec } from './environment-spec';
import { requestedAddons } from './addon-catalog';
import type { StepKind } from './latency';
import { podIdentityAgentAddon, serviceAccountKey, type ServiceAccountSpec } from './workload-identity';

/** Adds one step to the plan (the planner's `add`). */
export type AddStep = (id: string, kind: StepKind, title: string, dependsOn?: (string | undefined)[], subject?: string) => void;

export const workloadStepIds = {
  role: (sa: Pick<ServiceAccountSpec, 'namespace' | 'name'>) => `iam:workload-role/${serviceAccountKey(sa)}`,
  serviceAccount: (sa: Pick<ServiceAccountSpec, 'namespace' | 'name'>) => `k8s:service-account/${serviceAccountKey(sa)}`,
  association: (sa: Pick<ServiceAccountSpec, 'namespace' | 'name'>) => `eks:pod-identity-association/${serviceAccountKey(sa)}`,
  // Until the core add-ons (issue 15, item 5) merge, this one EKS managed add-on is a step of its
  // own; it merges with their step for eks-pod-identity-agent then.
  podIdentityAgent: `eks:addon/${podIdentityAgentAddon}`,
} as const;

/** What the spec's service accounts cannot be, with the path and the alternative. */
export function workloadIdentityProblems(spec: EnvironmentSpec): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const addonAccounts = new Map(requestedAddons(spec).filter((a) => a.iam).map((a) => [`${a.iam!.namespace}/${a.iam!.serviceAccount}`, a.name]));
  (spec.serviceAccounts ?? []).forEach((sa, i) => {
    const addon = addonAccounts.get(serviceAccountKey(sa));
    if (addon) problems.push({ path: `/serviceAccounts/${i}/name`, message: `${serviceAccountKey(sa)} is the ServiceAccount of the ${addon} add-on, which eksflow gives its own IRSA role; remove this entry` });
    // EKS Pod Identity: "Linux Amazon EC2 instances only" (EKS user guide, pod-identities.html, considerations): the agent is a DaemonSet.
    if (sa.identity === 'pod-identity' && spec.nodeGroups.length === 0 && !spec.autoMode) {
      problems.push({ path: `/serviceAccounts/${i}/identity`, message: 'EKS Pod Identity works only on EC2 nodes and this environment has Fargate profiles alone; use irsa, or add a node group' });
    }
  });
  return problems;
}

/**
 * The steps for the spec's service accounts; none when it lists none, so plans (and the
 * histories of runs) of specs without them are unchanged. Returns the steps the app waits for
 * when it runs as one of them.
 */
export function addWorkloadIdentitySteps(spec: EnvironmentSpec, add: AddStep, at: { cluster: string; oidcProvider: string; kubeApi: string | undefined; compute: (string | undefined)[] }): string[] {
  const serviceAccounts = spec.serviceAccounts ?? [];
  const podIdentity = serviceAccounts.some((sa) => sa.identity === 'pod-identity');
  // The agent is one step, `eks:addon/eks-pod-identity-agent`, either way: the core add-ons' own
  // (with the version and configuration the spec gives) when eksAddons lists it, else this one.
  // EKS Auto Mode runs the Pod Identity Agent on its nodes (auto-learn-iam): no add-on to install.
  const agent = spec.autoMode ? undefined : workloadStepIds.podIdentityAgent;
  if (podIdentity && agent && !spec.eksAddons?.[podIdentityAgentAddon]) {
    add(workloadStepIds.podIdentityAgent, 'pod-identity-agent', `install the EKS add-on ${podIdentityAgentAddon} (Pod Identity) and wait until it is ACTIVE`, [at.cluster, ...at.compute]);
  }
  const forApp: string[] = [];
  for (const sa of serviceAccounts) {
    const key = serviceAccountKey(sa);
    // A roleArn is the user's own role: no step makes it (nor, in teardown, deletes it).
    const role = sa.roleArn === undefined ? workloadStepIds.role(sa) : undefined;
    const roleName = sa.roleArn === undefined ? 'its role' : sa.roleArn;
    if (sa.identity === 'irsa') {
      if (role) add(role, 'workload-role', `ensure IAM role for ${key} (IRSA: trusts the cluster's OIDC provider for this ServiceAccount only)`, [at.oidcProvider], key);
      add(workloadStepIds.serviceAccount(sa), 'service-account', `apply ServiceAccount ${key} annotated with ${roleName}`, [role, at.kubeApi ?? at.cluster], key);
    } else {
      if (role) add(role, 'workload-role', `ensure IAM role for ${key} (Pod Identity: trusts ${'pods.eks.amazonaws.com'})`, [], key);
      add(workloadStepIds.serviceAccount(sa), 'service-account', `apply ServiceAccount ${key}`, [at.kubeApi ?? at.cluster], key);
      const chained = sa.targetRoleArn ? `, which assumes ${sa.targetRoleArn}` : '';
      add(workloadStepIds.association(sa), 'pod-identity-association', `associate ${key} with ${roleName}${chained} (EKS Pod Identity)`, [role, at.cluster, agent], key);
    }
    if (spec.app?.serviceAccount === sa.name && (spec.app.namespace ?? spec.app.name) === sa.namespace) {
      forApp.push(workloadStepIds.serviceAccount(sa), ...(sa.identity === 'pod-identity' ? [workloadStepIds.association(sa)] : []));
    }
  }
  return forApp;
}
