import { errorTypes } from '../../domain/errors';

/**
 * One of the ways AWS says "not yet": a named error (code, and message fragments when the code
 * alone is too broad) that the same call stops getting once something settles. Only these are
 * asked again; every other 4xx stays permanent. Each cites its ../shared/research/aws-fault-catalog.md entry.
 */
export interface NotYet {
  /** What settles, for the failure message. */
  waitingFor: string;
  /** The catalog entries, for the failure message and the README's fault catalog table. */
  catalog: string;
  /** The SDK error names (AWS codes) that match. */
  codes: readonly string[];
  /** Any one of these in AWS's message; unset: any message of those codes. */
  fragments?: readonly string[];
  /** How long to keep asking, counted from the activity's first attempt. */
  budgetMs: number;
  /** The longest pause between two calls. */
  maxPauseMs: number;
  /** The retryable failure type while within the budget. */
  type: typeof errorTypes.awsPropagation | typeof errorTypes.awsRetryable;
  /**
   * Where the call is made again: by this loop, or, when the same call cannot succeed and the
   * activity must look again first, by Temporal's next attempt of the whole activity. @default 'call'
   */
  again?: 'call' | 'activity';
}

/**
 * How long eksflow waits for each kind of "not yet", and the pause cap between tries. Tests
 * shrink these to seconds; the defaults are the upstream tools' own.
 */
export interface Patience {
  /**
   * IAM propagation: terraform-provider-aws's `propagationTimeout` (internal/service/eks/consts.go,
   * internal/service/iam/consts.go). @default 2 minutes
   */
  propagationMs: number;
  /**
   * DeleteCluster while an update runs or dependents are still going: terraform-provider-aws
   * retries "in progress" for 60 min (eks/cluster.go resourceClusterDelete). @default 60 minutes
   */
  clusterBusyMs: number;
  /**
   * A Fargate profile waiting for another one's CREATING/DELETING: terraform-provider-aws's
   * create and delete timeouts (eks/fargate_profile.go). @default 10 minutes
   */
  fargateBusyMs: number;
  /**
   * A cluster config update waiting for the update in progress (a logging update takes minutes;
   * terraform-provider-aws waits each update out before the next, eks/cluster.go). @default 20 minutes
   */
  clusterUpdateMs: number;
  /**
   * CreateCluster while the name of a just-deleted cluster is still held (terraform-provider-aws
   * avoids it with three not-found reads in a row, eks/cluster.go waitClusterDeleted). @default 5 minutes
   */
  nameReleaseMs: number;
  /** CloudWatch Logs DeleteLogGroup "try again" (logs/group.go resourceGroupDelete). @default 1 minute */
  logGroupBusyMs: number;
  /** The longest pause between two calls. @default 10 seconds */
  maxPauseMs: number;
}

export const defaultPatience: Patience = {
  propagationMs: 2 * 60_000,
  clusterBusyMs: 60 * 60_000,
  fargateBusyMs: 10 * 60_000,
  clusterUpdateMs: 20 * 60_000,
  nameReleaseMs: 5 * 60_000,
  logGroupBusyMs: 60_000,
  maxPauseMs: 10_000,
};

/** The named "not yet" answers, per call, with the budgets of `patience`. */
export function notYetRules(patience: Patience) {
  const { maxPauseMs } = patience;
  const propagation = (catalog: string, waitingFor: string, codes: string[], fragments?: string[]): NotYet => ({
    waitingFor, catalog, codes, fragments, budgetMs: patience.propagationMs, maxPauseMs, type: errorTypes.awsPropagation,
  });
  const busy = (catalog: string, waitingFor: string, budgetMs: number, codes: string[], fragments?: string[]): NotYet => ({
    waitingFor, catalog, codes, fragments, budgetMs, maxPauseMs, type: errorTypes.awsRetryable,
  });
  return {
    /** Catalog 1: the five fragments terraform-provider-aws retries on CreateCluster (eks/cluster.go resourceClusterCreate). */
    clusterRole: propagation('1', 'the cluster role to propagate in IAM', ['InvalidParameterException'], [
      'does not exist', 'Error in role params', 'Role could not be assumed because the trusted entity is not correct',
      "The provided role doesn't have the Amazon EKS Managed Policies associated with it", "IAM role's policy must include",
    ]),
    /** Catalog 2 (eks/fargate_profile.go resourceFargateProfileCreate). */
    podExecutionRole: propagation('2', "the pod execution role's trust policy to propagate", ['InvalidParameterException'], ['Misconfigured PodExecutionRole Trust Policy']),
    /** Catalog 3 (eks/addon.go resourceAddonCreate). */
    addonRole: propagation('3', "the add-on's service account role to propagate", ['InvalidParameterException'], ['does not exist', 'CREATE_FAILED']),
    /**
     * Catalog 4 (eks/access_entry.go resourceAccessEntryCreate retries this fragment for
     * propagationTimeout): the IAM principal made seconds ago is not yet known to EKS. The same
     * answer is permanent for a principal that is not there at all: past the budget it fails.
     */
    accessEntryPrincipal: propagation('4', 'the IAM principal to propagate to EKS', ['InvalidParameterException'], ['The specified principalArn is invalid: invalid principal']),
    /** Catalog 4 (eks/access_policy_association.go resourceAccessPolicyAssociationCreate): the entry's principal not yet found. */
    accessPolicyPrincipal: propagation('4', "the access entry's principal to propagate to EKS", ['ResourceNotFoundException'], ['The specified principalArn could not be found']),
    /**
     * A capability's role made seconds ago: EKS cannot assume it yet. Not in the catalog; handled
     * as catalog 1's cluster role is (IAM propagation), within the same budget.
     */
    capabilityRole: propagation('1', "the capability role to propagate in IAM", ['InvalidParameterException'], ['could not be assumed', 'does not exist']),
    /** Catalog 5 (eks/pod_identity_association.go Create): the association's role made seconds ago. */
    podIdentityRole: propagation('5', "the pod identity association's role to propagate", ['InvalidParameterException'], ['Role provided in the request does not exist']),
    /** Catalog 6 (iam/role.go retryCreateRole): a principal in the trust policy (the OIDC provider of an IRSA role) made seconds ago. */
    trustPrincipal: propagation('6', 'the principal in the trust policy to propagate', ['MalformedPolicyDocumentException', 'MalformedPolicyDocument'], ['Invalid principal in policy']),
    /**
     * Catalog 7 (iam/role.go resourceRoleRead reads with RetryWhenNewResourceNotFound): GetRole
     * may not show a role made seconds ago, so an activity retried after a lost CreateRole
     * response finds none and creates it again. The activity runs again, for GetRole to find
     * it and check whose it is; past the budget the role is someone else's doing.
     */
    roleNotYetReadable: { ...propagation('7', 'GetRole to show the role CreateRole says exists', ['EntityAlreadyExistsException', 'EntityAlreadyExists']), again: 'activity' as const },
    /** Catalog 6 and 8 (iam/role.go retryCreateRole, role_policy_attachment.go attachPolicyToRole). */
    concurrentModification: propagation('6, 8', 'a concurrent change to the role to finish', ['ConcurrentModificationException', 'ConcurrentModification']),
    /** Catalog 8 (iam/role.go deleteRole): the role's detachments still settling. */
    deleteConflict: propagation('8', "the role's policy detachments to settle", ['DeleteConflictException', 'DeleteConflict']),
    /** Catalog 14 (eks/cluster.go waitClusterDeleted's comment): the name of a cluster just deleted is still held. */
    nameStillHeld: busy('14', 'EKS to release the name of a just-deleted cluster', patience.nameReleaseMs, ['ResourceInUseException'], ['already exists']),
    /**
     * Catalog 15 and 16 (eks/cluster.go resourceClusterDelete; eksctl pkg/actions/cluster/unowned.go):
     * an update in progress, node groups or Fargate profiles still attached.
     */
    clusterBusy: busy('15, 16', 'the cluster update in progress or its node groups and Fargate profiles to go', patience.clusterBusyMs, ['ResourceInUseException'], [
      'in progress', 'nodegroups attached', 'Fargate profile',
    ]),
    /** Catalog 17 (eks/cluster.go resourceClusterUpdate): one cluster update at a time. */
    updateInProgress: busy('17', 'the cluster update in progress to finish', patience.clusterUpdateMs, ['ResourceInUseException'], ['in progress']),
    /** Catalog 29 (eks/fargate_profile.go's per-cluster mutex; eksctl pkg/eks/fargate.go): one profile CREATING or DELETING at a time. */
    fargateBusy: busy('29', "another Fargate profile's CREATING or DELETING to finish", patience.fargateBusyMs, ['ResourceInUseException'], [
      'in status CREATING', 'in status DELETING', 'is being created', 'is being deleted', 'currently has Fargate profile',
    ]),
    /** Catalog 39 (elbv2/target_group.go resourceTargetGroupDelete): its listener or rule still being deleted. */
    targetGroupInUse: propagation('39', 'the listener or rule using the target group to go', ['ResourceInUse', 'ResourceInUseException'], ['currently in use by a listener or a rule']),
    /** Catalog 46 (logs/group.go resourceGroupDelete). */
    logGroupBusy: busy('46', 'CloudWatch Logs to let go of the log group', patience.logGroupBusyMs, ['OperationAbortedException']),
    /** Catalog 46 (logs/group.go resourceGroupUpdate): the caller's own IAM permission still propagating. */
    retentionDenied: propagation('46', "the worker's own logs:PutRetentionPolicy permission to propagate", ['AccessDeniedException'], ['PutRetentionPolicy']),
  };
}

/**
 * Which "not yet" answers each AWS call waits out, by the call's API name. The SDK adapters
 * and the simulated cloud's (src/sim/aws) take their lists from here, so a call on either
 * waits out exactly the same answers.
 */
export function notYetByCall(patience: Patience) {
  const rules = notYetRules(patience);
  return {
    CreateCluster: [rules.clusterRole, rules.nameStillHeld],
    DeleteCluster: [rules.clusterBusy],
    UpdateClusterConfig: [rules.updateInProgress],
    UpdateClusterVersion: [rules.updateInProgress],
    CreateFargateProfile: [rules.podExecutionRole, rules.fargateBusy],
    DeleteFargateProfile: [rules.fargateBusy],
    CreateAddon: [rules.addonRole],
    CreateAccessEntry: [rules.accessEntryPrincipal],
    AssociateAccessPolicy: [rules.accessPolicyPrincipal],
    CreatePodIdentityAssociation: [rules.podIdentityRole],
    CreateCapability: [rules.capabilityRole],
    CreateRole: [rules.trustPrincipal, rules.concurrentModification, rules.roleNotYetReadable],
    AttachRolePolicy: [rules.concurrentModification],
    DetachRolePolicy: [rules.concurrentModification],
    DeleteRole: [rules.deleteConflict],
    PutRetentionPolicy: [rules.retentionDenied],
    DeleteLogGroup: [rules.logGroupBusy],
    DeleteTargetGroup: [rules.targetGroupInUse],
  } satisfies Record<string, readonly NotYet[]>;
}

export type NotYetByCall = ReturnType<typeof notYetByCall>;

/**
 * CreateCluster's "Cluster already exists" is the name of a just-deleted cluster still held
 * (catalog 14) only while no cluster of that name can be seen: one that can is a real conflict,
 * final at once rather than waited on for minutes. The first call waits out every rule but that
 * one; only a refusal for a name nobody can see is asked again with it. Serves the SDK adapter
 * and the simulated one alike.
 */
export async function whileNameHeld<T>(rules: readonly NotYet[], create: (rules: readonly NotYet[]) => Promise<T>, visible: () => Promise<boolean>): Promise<T> {
  const nameRelease = (rule: NotYet) => rule.catalog === '14';
  try {
    return await create(rules.filter((rule) => !nameRelease(rule)));
  } catch (error) {
    const held = rules.some(nameRelease) && error instanceof Error && /: ResourceInUseException: .*already exists/.test(error.message);
    if (!held || (await visible())) throw error;
    return create(rules);
  }
}
