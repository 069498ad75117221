import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface EksTokenOptions {
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** An STS emulator's URL in tests; unset, the regional STS endpoint. */
  stsEndpoint?: string;
}

/**
 * A bearer token for an EKS cluster's API server, made in-process exactly as
 * `aws eks get-token` makes it: a presigned STS GetCallerIdentity URL, bound to the cluster
 * by the signed `x-k8s-aws-id` header, base64url-encoded behind "k8s-aws-v1.". The API server
 * replays the URL to learn who is calling. Valid for 15 minutes; the URL itself for 60 s.
 */
export async function eksBearerToken(cluster: string, options: EksTokenOptions): Promise<string> {
  const endpoint = new URL(options.stsEndpoint ?? `https://sts.${options.region}.amazonaws.com`);
  const signer = new SignatureV4({ credentials: options.credentials, region: options.region, service: 'sts', sha256: Hash.bind(null, 'sha256') });
  const presigned = await signer.presign({
    method: 'GET',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: endpoint.host, 'x-k8s-aws-id': cluster },
  }, { expiresIn: 60 });
  const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
  const url = `${endpoint.protocol}//${endpoint.host}/?${query}`;
  return `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`;
}
