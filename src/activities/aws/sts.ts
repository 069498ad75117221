import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { aws } from './errors';

/** Who the worker is in AWS: STS GetCallerIdentity's Account and Arn. */
export interface CallerIdentity {
  account: string;
  /** An IAM user's ARN, or for a role, the session's: arn:aws:sts::111122223333:assumed-role/<role>/<session>. */
  arn: string;
}

/** The one STS call eksflow makes; a simulated cloud implements the same. */
export interface StsApi {
  callerIdentity(): Promise<CallerIdentity>;
}

/** The SDK-backed StsApi. GetCallerIdentity needs no permission (STS API reference). */
export function stsApi(client: STSClient): StsApi {
  return {
    async callerIdentity() {
      const identity = await aws('GetCallerIdentity', () => client.send(new GetCallerIdentityCommand({})));
      return { account: identity.Account!, arn: identity.Arn! };
    },
  };
}
