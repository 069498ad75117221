/**
 * `aws [--region R] eks get-token --cluster-name C [--region R] [--output json] [--role-arn A]`,
 * as the AWS CLI v2 answers it (awscli/customizations/eks/get_token.py): an ExecCredential
 * (client.authentication.k8s.io/v1beta1) whose token is a presigned STS GetCallerIdentity URL
 * bound to the cluster, expiring 14 minutes from now. Credentials come from the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); `--role-arn` first assumes the
 * role through STS at AWS_ENDPOINT_URL_STS, as the CLI does. The kubeconfig's exec plugin for
 * tests: the machine has no AWS CLI, and the kubeconfig names `aws`.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { eksBearerToken } from '../../src/activities/eks-token';

async function main(argv: string[]): Promise<void> {
  const option = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  if (argv[argv.indexOf('eks') + 1] !== 'get-token' || !argv.includes('eks')) throw new Error(`aws (test plugin): only "eks get-token" is played, not: ${argv.join(' ')}`);
  const cluster = option('--cluster-name');
  const region = option('--region') ?? process.env.AWS_REGION;
  if (!cluster || !region) throw new Error('aws: error: the following arguments are required: --cluster-name, --region');
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = process.env;
  if (!accessKeyId || !secretAccessKey) throw new Error('Unable to locate credentials. You can configure credentials by running "aws configure".');
  let credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  const roleArn = option('--role-arn');
  if (roleArn) {
    const sts = new STSClient({ region, credentials, ...(process.env.AWS_ENDPOINT_URL_STS ? { endpoint: process.env.AWS_ENDPOINT_URL_STS } : {}) });
    const assumed = (await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `EKSGetTokenAuth` }))).Credentials!;
    sts.destroy();
    credentials = { accessKeyId: assumed.AccessKeyId!, secretAccessKey: assumed.SecretAccessKey!, sessionToken: assumed.SessionToken! };
  }
  const token = await eksBearerToken(cluster, { region, credentials });
  const expirationTimestamp = new Date(Date.now() + 14 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  process.stdout.write(`${JSON.stringify({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1beta1', spec: {}, status: { expirationTimestamp, token } })}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(255);
});
