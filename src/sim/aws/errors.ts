import type { TransientFault } from '../faults';

export type AwsService = 'eks' | 'iam' | 'ecr' | 'ec2' | 'elbv2' | 'logs' | 'autoscaling' | 'ssm' | 'kms' | 'sqs' | 'events' | 'sts';

/**
 * An error shaped like the AWS SDK v3's service exceptions: the same `name`, `$fault` and
 * `$metadata.httpStatusCode` (checked against moto in the contract suite), so the adapters'
 * classification (src/activities/aws/errors.ts) treats the simulated cloud exactly like AWS.
 */
export class SimulatedAwsError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number };
  readonly $retryable?: { throttling: boolean };

  constructor(name: string, message: string, httpStatusCode: number, retryable?: { throttling: boolean }) {
    super(message);
    this.name = name;
    this.$fault = httpStatusCode >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode };
    if (retryable) this.$retryable = retryable;
  }
}

const error = (name: string, status: number) => (message: string) => new SimulatedAwsError(name, message, status);

/** The errors each service raises, under the names and status codes its SDK client surfaces. */
export const eksError = {
  resourceInUse: error('ResourceInUseException', 409),
  notFound: error('ResourceNotFoundException', 404),
  invalidRequest: error('InvalidRequestException', 400),
  invalidParameter: error('InvalidParameterException', 400),
};

export const iamError = {
  entityAlreadyExists: error('EntityAlreadyExistsException', 409),
  noSuchEntity: error('NoSuchEntityException', 404),
  deleteConflict: error('DeleteConflictException', 409),
  malformedPolicy: error('MalformedPolicyDocumentException', 400),
};

export const ecrError = {
  repositoryAlreadyExists: error('RepositoryAlreadyExistsException', 400),
  repositoryNotFound: error('RepositoryNotFoundException', 400),
  imageNotFound: error('ImageNotFoundException', 400),
};

export const logsError = {
  resourceAlreadyExists: error('ResourceAlreadyExistsException', 400),
  resourceNotFound: error('ResourceNotFoundException', 400),
  invalidParameter: error('InvalidParameterException', 400),
};

// SQS's JSON protocol names the missing queue QueueDoesNotExist (AWS.SimpleQueueService.NonExistentQueue in the query protocol's code).
export const sqsError = {
  queueDoesNotExist: error('QueueDoesNotExist', 400),
};

export const eventsError = {
  resourceNotFound: error('ResourceNotFoundException', 400),
};

export const ec2Error = {
  dependencyViolation: error('DependencyViolation', 400),
  invalidParameterValue: error('InvalidParameterValue', 400),
  vpcNotFound: error('InvalidVpcID.NotFound', 400),
  groupNotFound: error('InvalidGroup.NotFound', 400),
  networkInterfaceNotFound: error('InvalidNetworkInterfaceID.NotFound', 400),
  groupDuplicate: error('InvalidGroup.Duplicate', 400),
  permissionDuplicate: error('InvalidPermission.Duplicate', 400),
};

/** EC2 launch templates, Auto Scaling and SSM, by the names their SDK clients surface (checked against moto in test/activities/self-managed-nodegroups.test.ts). */
export const selfManagedError = {
  launchTemplateExists: error('InvalidLaunchTemplateName.AlreadyExistsException', 400),
  launchTemplateNotFound: error('InvalidLaunchTemplateName.NotFoundException', 400),
  asgExists: error('AlreadyExists', 400),
  asgValidation: error('ValidationError', 400),
  asgInUse: error('ScalingActivityInProgress', 400),
  parameterNotFound: error('ParameterNotFound', 400),
  instanceProfileLimit: error('LimitExceeded', 409),
};

export const kmsError = {
  notFound: error('NotFoundException', 400),
  alreadyExists: error('AlreadyExistsException', 400),
  invalidState: error('KMSInvalidStateException', 400),
  validation: error('ValidationException', 400),
};

export const elbv2Error = {
  targetGroupNotFound: error('TargetGroupNotFoundException', 400),
};

// Each service's own words for "slow down" and "failed on our side"; all are classified transient.
const throttling: Record<AwsService, [string, number]> = {
  eks: ['ThrottlingException', 429], iam: ['Throttling', 400], ecr: ['ThrottlingException', 400],
  ec2: ['RequestLimitExceeded', 503], elbv2: ['Throttling', 400], logs: ['ThrottlingException', 400],
  autoscaling: ['Throttling', 400], ssm: ['ThrottlingException', 400], kms: ['ThrottlingException', 400],
  // SQS's RequestThrottled (SQS API reference, common errors); EventBridge's ThrottlingException.
  sqs: ['RequestThrottled', 403], events: ['ThrottlingException', 400],
  sts: ['Throttling', 400],
};
const serverError: Record<AwsService, [string, number]> = {
  eks: ['ServerException', 500], iam: ['ServiceFailureException', 500], ecr: ['ServerException', 500],
  ec2: ['InternalError', 500], elbv2: ['InternalFailure', 500], logs: ['ServiceUnavailableException', 503],
  autoscaling: ['InternalFailure', 500], ssm: ['InternalServerError', 500], kms: ['KMSInternalException', 500],
  sqs: ['InternalError', 500], events: ['InternalException', 500],
  sts: ['InternalFailure', 500],
};

export function transientError(service: AwsService, api: string, fault: TransientFault): SimulatedAwsError {
  if (fault === 'throttle') {
    const [name, status] = throttling[service];
    return new SimulatedAwsError(name, `Rate exceeded (simulated throttling of ${api})`, status, { throttling: true });
  }
  const [name, status] = serverError[service];
  return new SimulatedAwsError(name, `simulated service failure of ${api}`, status);
}
