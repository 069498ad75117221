import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createActivities } from '../../src/activities';
import { eksBearerToken } from '../../src/activities/eks-token';
import { eksTokenAccess } from '../../src/activities/kube-access';
import { testActivityDeps } from '../support/activity-deps';
import { moto, type Moto } from '../support/moto';

let aws: Moto;
before(async () => {
  aws = await moto();
});
after(() => aws?.stop());

const decode = (token: string) => new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString());

test('the token is a presigned STS GetCallerIdentity URL bound to the cluster, as aws eks get-token makes it', async () => {
  const token = await eksBearerToken('demo', { region: 'us-east-1', credentials: aws.clientConfig.credentials });
  assert.match(token, /^k8s-aws-v1\.[A-Za-z0-9_-]+$/, 'base64url without padding');
  const url = decode(token);
  assert.equal(url.origin, 'https://sts.us-east-1.amazonaws.com');
  const query = url.searchParams;
  assert.equal(query.get('Action'), 'GetCallerIdentity');
  assert.equal(query.get('Version'), '2011-06-15');
  assert.equal(query.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
  assert.equal(query.get('X-Amz-Expires'), '60');
  assert.equal(query.get('X-Amz-SignedHeaders'), 'host;x-k8s-aws-id');
  assert.match(query.get('X-Amz-Credential') ?? '', /^testing\/\d{8}\/us-east-1\/sts\/aws4_request$/);
  assert.match(query.get('X-Amz-Signature') ?? '', /^[0-9a-f]{64}$/);
  const other = decode(await eksBearerToken('other', { region: 'us-east-1', credentials: aws.clientConfig.credentials }));
  assert.notEqual(other.searchParams.get('X-Amz-Signature'), query.get('X-Amz-Signature'), 'the cluster name is part of the signature');
});

// moto routes a query-signed GET to S3, not STS, so the signature the API server's replay
// depends on is checked against SigV4 as AWS documents it, computed here independently.
test('the presigned URL carries a valid SigV4 query signature over host and x-k8s-aws-id', async () => {
  const { accessKeyId, secretAccessKey } = aws.clientConfig.credentials;
  const url = decode(await eksBearerToken('demo', { region: 'us-east-1', credentials: { accessKeyId, secretAccessKey } }));
  const params = [...url.searchParams.entries()].filter(([key]) => key !== 'X-Amz-Signature');
  const rfc3986 = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalQuery = params.map(([k, v]) => [rfc3986(k), rfc3986(v)]).sort(([a], [b]) => (a! < b! ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&');
  // STS hashes the (empty) body of the GET; only S3 accepts UNSIGNED-PAYLOAD.
  const emptyBody = createHash('sha256').update('').digest('hex');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${url.host}`, 'x-k8s-aws-id:demo', '', 'host;x-k8s-aws-id', emptyBody].join('\n');
  const amzDate = url.searchParams.get('X-Amz-Date')!;
  const scope = `${amzDate.slice(0, 8)}/us-east-1/sts/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = ['us-east-1', 'sts', 'aws4_request'].reduce((key, part) => hmac(key, part), hmac(`AWS4${secretAccessKey}`, amzDate.slice(0, 8)));
  assert.equal(url.searchParams.get('X-Amz-Signature'), createHmac('sha256', signingKey).update(stringToSign).digest('hex'));
});

test('eksTokenAccess builds a kubeconfig from DescribeCluster and a fresh token', async () => {
  const deps = testActivityDeps({ aws });
  const activities = createActivities(deps);
  const role = await activities.ensureRole({
    owner: { environmentId: 'team-a/demo', runId: 'r1' }, region: 'us-east-1', name: 'demo-cluster', description: 'x',
    trustPolicy: { Version: '2012-10-17', Statement: [] }, managedPolicyArns: [],
  });
  await activities.ensureCluster({
    owner: { environmentId: 'team-a/demo', runId: 'r1' }, spec: { name: 'demo', region: 'us-east-1', kubernetesVersion: '1.35', controlPlaneLogging: [] },
    roleArn: role.arn, subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: [],
  });
  const config = await eksTokenAccess(deps.eks, { region: 'us-east-1', credentials: aws.clientConfig.credentials }).forCluster('demo');
  const described = await activities.describeCluster('demo');
  assert.equal(config.getCurrentCluster()?.server, described.endpoint);
  assert.equal(config.getCurrentCluster()?.caData, described.certificateAuthority);
  assert.match(config.getCurrentUser()?.token ?? '', /^k8s-aws-v1\./);
  await assert.rejects(eksTokenAccess(deps.eks, { region: 'us-east-1', credentials: aws.clientConfig.credentials }).forCluster('missing'), /cluster missing has no endpoint yet \(not found\)/);
});
