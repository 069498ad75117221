import { awsOrUndefined } from '../../activities/aws/errors';
import type { GivenResourcesApi } from '../../activities/aws/given-resources';
import { roleNameOf, type GivenResourceKind } from '../../domain/aws-ids';
import { ec2Error, iamError, SimulatedAwsError, type AwsService } from './errors';
import type { AwsGateway } from './gateway';

/** Whether the simulated EC2 and IAM hold each kind of resource, by its ID (a role by its name, a policy by its ARN). */
export type GivenResourcesState = Record<GivenResourceKind, (id: string) => boolean>;

/**
 * The request each look-up makes and EC2's or IAM's answer when the ID names nothing (EC2 API
 * reference, "Error codes for the Amazon EC2 API": InvalidGroup.NotFound, InvalidSubnetID.NotFound,
 * InvalidVpcID.NotFound, InvalidAMIID.NotFound, InvalidLaunchTemplateId.NotFound; IAM API
 * reference, GetRole and GetPolicy: NoSuchEntity, 404). EC2 answers an error, not an empty list,
 * for an unknown ID given in the request's ID list; moto answers DescribeLaunchTemplates with an
 * empty list instead (moto/ec2/models/launch_templates.py), which the adapter reads the same way.
 */
const lookups: Record<GivenResourceKind, { service: AwsService; api: string; notFound: (id: string) => SimulatedAwsError }> = {
  'security-group': { service: 'ec2', api: 'DescribeSecurityGroups', notFound: (id) => ec2Error.groupNotFound(`The security group '${id}' does not exist`) },
  subnet: { service: 'ec2', api: 'DescribeSubnets', notFound: (id) => new SimulatedAwsError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`, 400) },
  vpc: { service: 'ec2', api: 'DescribeVpcs', notFound: (id) => ec2Error.vpcNotFound(`The vpc ID '${id}' does not exist`) },
  image: { service: 'ec2', api: 'DescribeImages', notFound: (id) => new SimulatedAwsError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`, 400) },
  'launch-template': {
    service: 'ec2', api: 'DescribeLaunchTemplates',
    notFound: (id) => new SimulatedAwsError('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`, 400),
  },
  role: { service: 'iam', api: 'GetRole', notFound: (name) => iamError.noSuchEntity(`The role with name ${name} cannot be found.`) },
  policy: { service: 'iam', api: 'GetPolicy', notFound: (arn) => iamError.noSuchEntity(`Policy ${arn} was not found.`) },
};

/**
 * The pre-flight's look-ups on the simulated cloud: one request each, by the same API the
 * SDK-backed adapter (src/activities/aws/given-resources.ts) calls, over the simulated EC2's and
 * IAM's own state, so a well-formed ID that names nothing stops the run here as it does on AWS.
 */
export class SimulatedGivenResources implements GivenResourcesApi {
  constructor(private readonly gateway: AwsGateway, private readonly state: GivenResourcesState) {}

  async exists(kind: GivenResourceKind, id: string): Promise<boolean> {
    const { service, api, notFound } = lookups[kind];
    // GetRole takes the role's name, the last part of its ARN's path.
    const key = kind === 'role' ? roleNameOf(id) : id;
    const found = await this.gateway.operation({ service, method: 'exists', resource: key }, (request) => awsOrUndefined(`${api} ${key}`, () => request(api, () => {
      if (!this.state[kind](key)) throw notFound(key);
      return true;
    })));
    return found === true;
  }
}
