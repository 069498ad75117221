import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateLaunchTemplateCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client, RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import { CreatePolicyCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { givenResourcesDeps } from '../../src/activities/aws/clients';
import { createGivenResourceActivities } from '../../src/activities/given-resources';
import type { GivenResource } from '../../src/domain/aws-ids';
import { errorTypes } from '../../src/domain/errors';
import { motoActivitiesPerFile } from '../support/moto-activities';
import { rejectsAs } from '../sim/aws/fixtures';

// The pre-flight against moto, the real peer for these EC2 and IAM look-ups.
const bed = motoActivitiesPerFile();
const region = 'us-east-1';
const check = () => createGivenResourceActivities(givenResourcesDeps(bed.aws.clientConfig)).checkGivenResources;

async function userResources() {
  const ec2 = new EC2Client(bed.aws.clientConfig);
  const iam = new IAMClient(bed.aws.clientConfig);
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc!.VpcId!;
  const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.1.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
  const group = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'ssh', Description: 'ssh', VpcId: vpc }))).GroupId!;
  const template = (await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'mine', LaunchTemplateData: { InstanceType: 'm5.large' } }))).LaunchTemplate!.LaunchTemplateId!;
  const image = (await ec2.send(new RegisterImageCommand({ Name: 'my-al2-node', RootDeviceName: '/dev/xvda' }))).ImageId!;
  const role = (await iam.send(new CreateRoleCommand({ RoleName: 'app', Path: '/teams/', AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}' }))).Role!.Arn!;
  const policy = (await iam.send(new CreatePolicyCommand({ PolicyName: 'boundary', PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}' }))).Policy!.Arn!;
  return { vpc, subnet, group, template, image, role, policy };
}

test('resources that are there pass: each looked up by its ID (a role by its name, wherever its path)', async () => {
  const mine = await userResources();
  const resources: GivenResource[] = [
    { kind: 'vpc', id: mine.vpc, path: '/network/vpcId' },
    { kind: 'subnet', id: mine.subnet, path: '/network/subnetIds/0' },
    { kind: 'security-group', id: mine.group, path: '/nodeGroups/0/securityGroupIds/0' },
    { kind: 'launch-template', id: mine.template, path: '/nodeGroups/1/launchTemplate/id' },
    { kind: 'image', id: mine.image, path: '/nodeGroups/2/ami/id' },
    { kind: 'role', id: mine.role, path: '/serviceAccounts/0/roleArn' },
    { kind: 'policy', id: mine.policy, path: '/serviceAccounts/0/permissionsBoundary' },
    { kind: 'policy', id: 'arn:aws:iam::aws:policy/ReadOnlyAccess', path: '/serviceAccounts/0/managedPolicyArns/0' },
  ];
  assert.deepEqual(await check()({ region, resources }), { checked: 8, lookedUp: true });
});

test('what is not there stops the run for good before anything is made, naming every field', async () => {
  const resources: GivenResource[] = [
    { kind: 'vpc', id: 'vpc-0123456789abcdef0', path: '/network/vpcId' },
    { kind: 'subnet', id: 'subnet-0123456789abcdef0', path: '/network/subnetIds/0' },
    { kind: 'security-group', id: 'sg-0123456789abcdef0', path: '/nodeGroups/0/securityGroupIds/0' },
    { kind: 'launch-template', id: 'lt-0123456789abcdef0', path: '/nodeGroups/1/launchTemplate/id' },
    { kind: 'image', id: 'ami-0123456789abcdef0', path: '/nodeGroups/2/ami/id' },
    { kind: 'role', id: 'arn:aws:iam::123456789012:role/nobody', path: '/serviceAccounts/0/roleArn' },
    { kind: 'policy', id: 'arn:aws:iam::123456789012:policy/none', path: '/serviceAccounts/0/permissionsBoundary' },
  ];
  await rejectsAs(check()({ region, resources }), { type: errorTypes.invalidSpec, nonRetryable: true, message: /^nothing was made: \/network\/vpcId: vpc-0123456789abcdef0 does not exist in us-east-1 \(DescribeVpcs\)/ });
  await assert.rejects(check()({ region, resources }), (error: Error) => {
    for (const { path } of resources) assert.match(error.message, new RegExp(`${path.replaceAll('/', '\\/')}: `), `names ${path}`);
    return true;
  });
});

test('values AWS would refuse as written (eksctl\'s placeholders) are refused by their form, without a look-up', async () => {
  const resources: GivenResource[] = [
    { kind: 'security-group', id: 'sg-1', path: '/nodeGroups/0/securityGroupIds/0' },
    { kind: 'image', id: 'ami-custom', path: '/nodeGroups/2/ami/id' },
    { kind: 'launch-template', id: 'lt-1234', path: '/nodeGroups/3/launchTemplate/id' },
    { kind: 'role', id: 'arn:aws:iam::123:role/already-created-role', path: '/serviceAccounts/10/roleArn' },
    { kind: 'policy', id: 'arn:aws:iam:11111:policy/entity/boundary', path: '/permissionsBoundaries/clusterRole' },
  ];
  // No EC2 or IAM client at all: the forms alone refuse them.
  await rejectsAs(createGivenResourceActivities(undefined).checkGivenResources({ region, resources }), {
    type: errorTypes.invalidSpec, nonRetryable: true,
    message: /\/nodeGroups\/0\/securityGroupIds\/0: "sg-1" is not a security group ID as EC2 gives them .*\/permissionsBoundaries\/clusterRole: "arn:aws:iam:11111:policy\/entity\/boun…" is not an IAM policy ARN/,
  });
  // Well-formed, and no client: only the forms are checked.
  assert.deepEqual(await createGivenResourceActivities(undefined).checkGivenResources({ region, resources: [{ kind: 'subnet', id: 'subnet-0123456789abcdef0', path: '/network/subnetIds/0' }] }), { checked: 1, lookedUp: false });
});
