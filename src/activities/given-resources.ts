import { ApplicationFailure } from '@temporalio/common';
import { idFormProblem, type GivenResource, type GivenResourceKind } from '../domain/aws-ids';
import { errorTypes } from '../domain/errors';
import type { GivenResourcesApi } from './aws/given-resources';

const lookedUpWith: Record<GivenResourceKind, string> = {
  'security-group': 'DescribeSecurityGroups', subnet: 'DescribeSubnets', vpc: 'DescribeVpcs', 'launch-template': 'DescribeLaunchTemplates',
  image: 'DescribeImages', role: 'IAM GetRole', policy: 'IAM GetPolicy',
};

/**
 * The run's pre-flight: every ID and ARN of the user's own the spec names (givenResources) has
 * the form AWS gives out and is there, or the run stops for good, naming each field, before it
 * makes anything. eksctl learns the same only as it goes (a bad security group fails the node
 * group's CloudFormation stack after the cluster is made); eksflow asks first.
 */
export function createGivenResourceActivities(api: GivenResourcesApi | undefined) {
  /** @throws a non-retryable InvalidSpec failure listing each field AWS would refuse. */
  async function checkGivenResources(input: { region: string; resources: GivenResource[] }): Promise<{ checked: number; lookedUp: boolean }> {
    const problems: string[] = [];
    for (const { kind, id, path } of input.resources) {
      const form = idFormProblem(kind, id);
      if (form) problems.push(`${path}: ${form}`);
      // Without the API (a worker that has no EC2 and IAM clients for it) only the forms are checked.
      else if (api && !(await api.exists(kind, id))) problems.push(`${path}: ${id} does not exist in ${input.region} (${lookedUpWith[kind]}): make it first, or name one that does`);
    }
    if (problems.length > 0) {
      throw ApplicationFailure.nonRetryable(`nothing was made: ${problems.join('; ')}`, errorTypes.invalidSpec);
    }
    return { checked: input.resources.length, lookedUp: api !== undefined };
  }
  return { checkGivenResources };
}
