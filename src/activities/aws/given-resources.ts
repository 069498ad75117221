import {
  DescribeImagesCommand, DescribeLaunchTemplatesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, type EC2Client,
} from '@aws-sdk/client-ec2';
import { GetPolicyCommand, GetRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import { roleNameOf, type GivenResourceKind } from '../../domain/aws-ids';
import { awsOrUndefined } from './errors';

/**
 * Looks up resources of the user's own the spec names, before a run makes anything: each by
 * its ID, as eksctl looks a custom AMI up (pkg/ami api.go Use: DescribeImages) and fetches a
 * given launch template (pkg/cfn/builder launch_template_fetcher.go). EC2 answers an unknown
 * ID with InvalidGroup.NotFound, InvalidSubnetID.NotFound, InvalidVpcID.NotFound,
 * InvalidAMIID.NotFound or InvalidLaunchTemplateId.NotFound (EC2 API reference, error codes),
 * IAM with NoSuchEntity (GetRole, GetPolicy).
 */
export interface GivenResourcesApi {
  /** Whether the resource is there (a role by the name at the end of its ARN). */
  exists(kind: GivenResourceKind, id: string): Promise<boolean>;
}

export function givenResourcesApi(ec2: EC2Client, iam: IAMClient): GivenResourcesApi {
  const found = async (action: string, call: () => Promise<unknown[] | undefined>) => ((await awsOrUndefined(action, call)) ?? []).length > 0;
  const lookups: Record<GivenResourceKind, (id: string) => Promise<boolean>> = {
    'security-group': (id) => found(`DescribeSecurityGroups ${id}`, async () => (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups),
    subnet: (id) => found(`DescribeSubnets ${id}`, async () => (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets),
    vpc: (id) => found(`DescribeVpcs ${id}`, async () => (await ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }))).Vpcs),
    'launch-template': (id) => found(`DescribeLaunchTemplates ${id}`, async () => (await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }))).LaunchTemplates),
    // Only available images: one deregistered or still pending launches no instance (eksctl's ami.IsAvailable).
    image: (id) => found(`DescribeImages ${id}`, async () => (await ec2.send(new DescribeImagesCommand({ ImageIds: [id] }))).Images?.filter((image) => image.State === undefined || image.State === 'available')),
    role: (arn) => found(`GetRole ${roleNameOf(arn)}`, async () => [(await iam.send(new GetRoleCommand({ RoleName: roleNameOf(arn) }))).Role].filter(Boolean)),
    policy: (arn) => found(`GetPolicy ${arn}`, async () => [(await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy].filter(Boolean)),
  };
  return { exists: (kind, id) => lookups[kind](id) };
}
