import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { iamApi } from '../../src/activities/aws/iam';
import { stsApi } from '../../src/activities/aws/sts';
import { createWorkerAccessActivities } from '../../src/activities/worker-access';
import { assumedBy } from '../../src/domain/service-roles';
import { rejectsAs } from '../sim/aws/fixtures';
import { motoActivitiesPerFile } from '../support/moto-activities';

// The worker's own principal for a cluster created without creator admin, against moto's STS and
// IAM: GetCallerIdentity as moto answers it for its default user, and for a role session made
// with AssumeRole (moto answers arn:aws:sts::<account>:assumed-role/<role>/<session>, as STS does).

const bed = motoActivitiesPerFile();

test('a caller that is no role session is named as GetCallerIdentity gives it', async () => {
  const { workerPrincipal } = createWorkerAccessActivities(stsApi(new STSClient(bed.aws.clientConfig)), iamApi(new IAMClient(bed.aws.clientConfig)));
  const identity = await stsApi(new STSClient(bed.aws.clientConfig)).callerIdentity();
  // moto answers its default user as arn:aws:sts::123456789012:user/moto (STS itself answers an
  // IAM user as arn:aws:iam::<account>:user/<name>: STS API reference, GetCallerIdentity examples).
  assert.match(identity.arn, /^arn:aws:(sts|iam)::123456789012:user\/moto$/);
  assert.deepEqual(await workerPrincipal(), { principalArn: identity.arn });
});

test('a role session is named by its role\'s ARN, with the path IAM has for it (the session ARN has none)', async () => {
  const iam = new IAMClient(bed.aws.clientConfig);
  const role = await iam.send(new CreateRoleCommand({ RoleName: 'eksflow-worker', Path: '/platform/', AssumeRolePolicyDocument: JSON.stringify(assumedBy('ec2.amazonaws.com')) }));
  const session = await new STSClient(bed.aws.clientConfig).send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: 'worker-1' }));
  const asWorker = new STSClient({ ...bed.aws.clientConfig, credentials: { accessKeyId: session.Credentials!.AccessKeyId!, secretAccessKey: session.Credentials!.SecretAccessKey!, sessionToken: session.Credentials!.SessionToken! } });
  const sts = stsApi(asWorker);
  assert.match((await sts.callerIdentity()).arn, /^arn:aws:sts::[0-9]{12}:assumed-role\/eksflow-worker\/worker-1$/);
  const { workerPrincipal } = createWorkerAccessActivities(sts, iamApi(iam));
  assert.deepEqual(await workerPrincipal(), { principalArn: role.Role!.Arn! });
  assert.match(role.Role!.Arn!, /:role\/platform\/eksflow-worker$/);
});

test('a worker without an STS client says what it lacks', async () => {
  const { workerPrincipal } = createWorkerAccessActivities(undefined, iamApi(new IAMClient(bed.aws.clientConfig)));
  await rejectsAs(workerPrincipal(), { type: 'ResourceFailed', nonRetryable: true, message: /no STS client/ });
});
