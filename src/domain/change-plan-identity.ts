import { changeStepIds, same, type ChangeBuilder } from './change-plan-builder';
import { podIdentityAgentAddon, serviceAccountKey, type ServiceAccountSpec } from './workload-identity';
import { workloadStepIds } from './workload-identity-plan';

/**
 * ServiceAccounts with an AWS identity added and removed by apply, as eksctl's create and
 * delete iamserviceaccount / podidentityassociation: an added one gets the creation's steps (its
 * role, the ServiceAccount, the Pod Identity association, and the agent when it is the first
 * Pod Identity one); a removed one loses its association, then the ServiceAccount, then the role
 * eksflow made for it, each through the ledger (ownership-checked). A changed one is replaced:
 * removed, then made again under the same name. Pods that run as it see the change when they
 * restart, as on EKS (credentials are injected at pod creation).
 */
export function addServiceAccountChanges(b: ChangeBuilder): void {
  const { live, next } = b;
  const before = new Map((live.serviceAccounts ?? []).map((sa) => [serviceAccountKey(sa), sa]));
  const after = new Map((next.serviceAccounts ?? []).map((sa) => [serviceAccountKey(sa), sa]));
  if (same([...before], [...after])) {
    if (before.size > 0) b.unchanged.push('serviceAccounts');
    return;
  }
  b.accounted.add('serviceAccounts');
  for (const [key, sa] of before) {
    const changed = after.get(key);
    if (same(sa, changed)) continue;
    b.add({
      id: changeStepIds.serviceAccountRemove(key), kind: 'service-account-remove', action: changed ? 'replace' : 'remove', subject: key,
      title: `remove ${key}'s AWS identity: ${sa.identity === 'pod-identity' ? 'its Pod Identity association, ' : ''}the ServiceAccount${sa.roleArn ? '' : ', the role eksflow made for it'}`,
      change: changed ? 'changed: removed, then made again (pods that run as it get the new identity when they restart)' : 'its pods lose their AWS identity when they restart',
    });
  }
  const agentBefore = Boolean(live.autoMode) || Boolean(live.eksAddons?.[podIdentityAgentAddon]) || [...before.values()].some((sa) => sa.identity === 'pod-identity');
  const needsAgent = !next.autoMode && !next.eksAddons?.[podIdentityAgentAddon] && [...after.values()].some((sa) => sa.identity === 'pod-identity');
  const agent = needsAgent && !agentBefore ? b.add({
    id: workloadStepIds.podIdentityAgent, kind: 'pod-identity-agent', action: 'add',
    title: `install the EKS add-on ${podIdentityAgentAddon} (Pod Identity) and wait until it is ACTIVE`, change: 'the first ServiceAccount with EKS Pod Identity',
  }) : undefined;
  for (const [key, sa] of after) {
    const was = before.get(key);
    if (same(was, sa)) continue;
    addServiceAccountSteps(b, key, sa, was ? 'replace' : 'add', was ? changeStepIds.serviceAccountRemove(key) : undefined, agent);
  }
}

function addServiceAccountSteps(b: ChangeBuilder, key: string, sa: ServiceAccountSpec, action: 'add' | 'replace', removed: string | undefined, agent: string | undefined): void {
  const change = action === 'add' ? `${key} gets an AWS identity (${sa.identity})` : `${key} made again`;
  // A roleArn is the user's own role: nothing makes it (nor deletes it).
  const role = sa.roleArn === undefined ? b.add({
    id: workloadStepIds.role(sa), kind: 'workload-role', action, subject: key, dependsOn: [removed], change,
    title: `ensure IAM role for ${key} (${sa.identity === 'irsa' ? 'IRSA: trusts the cluster\'s OIDC provider for this ServiceAccount only' : 'Pod Identity: trusts pods.eks.amazonaws.com'})`,
  }) : undefined;
  b.add({
    id: workloadStepIds.serviceAccount(sa), kind: 'service-account', action, subject: key, dependsOn: [role, removed], change,
    title: `apply ServiceAccount ${key}${sa.identity === 'irsa' ? ` annotated with ${sa.roleArn ?? 'its role'}` : ''}`,
  });
  if (sa.identity === 'pod-identity') {
    b.add({
      id: workloadStepIds.association(sa), kind: 'pod-identity-association', action, subject: key, dependsOn: [role, removed, agent ?? (b.has(workloadStepIds.podIdentityAgent) ? workloadStepIds.podIdentityAgent : undefined)], change,
      title: `associate ${key} with ${sa.roleArn ?? 'its role'}${sa.targetRoleArn ? `, which assumes ${sa.targetRoleArn}` : ''} (EKS Pod Identity)`,
    });
  }
}

