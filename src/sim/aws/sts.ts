import { aws } from '../../activities/aws/errors';
import type { CallerIdentity, StsApi } from '../../activities/aws/sts';
import type { SimContext } from './context';
import type { AwsGateway } from './gateway';

/**
 * STS's GetCallerIdentity: the simulated worker's identity. An IAM user of the account by
 * default (GetCallerIdentity answers a user's own ARN: arn:aws:iam::<account>:user/<name>);
 * `caller` sets another, such as a role session's (arn:aws:sts::<account>:assumed-role/<role>/<session>),
 * which is how a worker on EKS or EC2 is seen.
 */
export class SimulatedSts implements StsApi {
  caller: string;

  constructor(private readonly context: SimContext, private readonly gateway: AwsGateway) {
    this.caller = `arn:aws:iam::${context.accountId}:user/eksflow-worker`;
  }

  callerIdentity(): Promise<CallerIdentity> {
    return this.gateway.operation({ service: 'sts', method: 'callerIdentity' }, (request) =>
      aws('GetCallerIdentity', () => request('GetCallerIdentity', () => ({ account: this.context.accountId, arn: this.caller }))));
  }
}
