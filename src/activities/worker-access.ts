import { ApplicationFailure } from '@temporalio/common';
import { principalOfCaller } from '../domain/access-entries';
import { errorTypes } from '../domain/errors';
import type { IamApi } from './aws/iam';
import type { StsApi } from './aws/sts';

/**
 * Who eksflow's worker is, as an access entry names it: for a cluster created with
 * bootstrapClusterCreatorAdminPermissions false, where EKS grants its creator nothing and the
 * worker (which waits for nodes and installs add-ons and the app through the Kubernetes API)
 * gives itself an access entry with AmazonEKSClusterAdminPolicy.
 */
export function createWorkerAccessActivities(sts: StsApi | undefined, iam: IamApi) {
  /**
   * The worker's IAM principal: STS GetCallerIdentity's ARN, a role session's turned into its
   * role's ARN (EKS refuses session ARNs), with the role's path as IAM has it.
   */
  async function workerPrincipal(): Promise<{ principalArn: string }> {
    if (!sts) throw ApplicationFailure.nonRetryable('this worker has no STS client: it cannot tell which IAM principal it is, and so cannot give itself access to a cluster created without creator admin', errorTypes.resourceFailed);
    const { arn } = await sts.callerIdentity();
    const { principalArn, roleName } = principalOfCaller(arn);
    if (!roleName) return { principalArn };
    // The session ARN has no path; the role's own ARN does (arn:aws:iam::111122223333:role/team/worker).
    const role = await iam.getRole(roleName);
    return { principalArn: role?.arn ?? principalArn };
  }
  return { workerPrincipal };
}
