import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCallerIdentityCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { RbacAuthorizationV1Api, type KubeConfig, type V1PolicyRule } from '@kubernetes/client-node';
import type { AccessEntryApi } from '../../src/activities/aws/eks-access-entries';

/**
 * EKS's side of a cluster's API server, played beside the test control plane: what EKS runs
 * there cannot be had from any registry here (it is not open source as a whole), so its two
 * parts are played from their documented behaviour, as webhooks the real kube-apiserver calls.
 *
 * Authentication (TokenReview), as aws-iam-authenticator's server does it
 * (kubernetes-sigs/aws-iam-authenticator pkg/token/token.go Verify, pkg/server/server.go):
 * - the bearer token is "k8s-aws-v1." + base64url of a presigned STS GetCallerIdentity URL;
 *   the URL must be https, on an STS host, path "/", Action=GetCallerIdentity, and sign the
 *   `x-k8s-aws-id` header (the cluster it was made for);
 * - the URL is replayed to STS to learn the caller. Here STS is moto's, and moto neither checks
 *   signatures nor routes a query-signed GET to STS (test/activities/eks-token.test.ts checks
 *   the signature independently), so the caller is asked for with the token's own access key
 *   and session token: moto answers with the identity those credentials belong to;
 * - the caller's ARN is canonicalised (pkg/arn/arn.go Canonicalize: an assumed role becomes
 *   its IAM role ARN) and looked up among the cluster's access entries
 *   (DescribeAccessEntry); none is an authentication failure, which the apiserver answers 401;
 * - the username is EKS's default for the entry's principal (docs: "Create access entries":
 *   an IAM role's is arn:aws:sts::<account>:assumed-role/<role>/{{SessionName}}, a user's its
 *   ARN), the groups the entry's Kubernetes groups, and the extras aws-iam-authenticator sets.
 *
 * Authorization (SubjectAccessReview), as EKS's access-policy authorizer decides after RBAC:
 * each policy associated with the caller's entry grants, in its scope (the cluster, or the
 * namespaces listed, "dev-*" being a prefix), what the Kubernetes user-facing ClusterRole it
 * is "similar to" grants (docs: "Review access policy permissions"): ClusterAdmin →
 * cluster-admin, Admin → admin, Edit → edit, View → view, their rules read from the apiserver.
 * Kubernetes groups are left to the cluster's own RBAC, as on EKS.
 */
export interface PlayedEksAuthenticator {
  /** The TokenReview webhook's URL (`--authentication-token-webhook-config-file`). */
  readonly authenticate: string;
  /** The SubjectAccessReview webhook's URL (`--authorization-webhook-config-file`). */
  readonly authorize: string;
  /** Serve one cluster: its EKS name (tokens must be made for it) and the apiserver whose ClusterRoles give the policies' rules. */
  serve(cluster: { name: string; kubeConfig: KubeConfig }): void;
  /** Every review answered, newest last: who asked to be whom, and what was decided. */
  readonly decisions: Decision[];
  stop(): Promise<void>;
}

export type Decision =
  | { review: 'token'; arn?: string; username?: string; authenticated: boolean; reason?: string }
  | { review: 'access'; username: string; verb: string; resource: string; namespace?: string; allowed: boolean; reason: string };

const userFacingRole: Record<string, string> = {
  AmazonEKSClusterAdminPolicy: 'cluster-admin', AmazonEKSAdminPolicy: 'admin', AmazonEKSEditPolicy: 'edit', AmazonEKSViewPolicy: 'view',
};

export async function playEksAuthenticator({ eks, sts }: { eks: AccessEntryApi; sts: STSClientConfig }): Promise<PlayedEksAuthenticator> {
  let served: { name: string; rbac: RbacAuthorizationV1Api } | undefined;
  const decisions: Decision[] = [];

  async function review(token: string): Promise<{ authenticated: boolean; user?: Record<string, unknown>; error?: string }> {
    if (!served) return { authenticated: false, error: 'no cluster served' };
    const url = presignedUrl(token);
    if (typeof url === 'string') return { authenticated: false, error: url };
    const client = new STSClient({
      ...sts,
      credentials: { accessKeyId: url.searchParams.get('X-Amz-Credential')!.split('/')[0]!, secretAccessKey: 'not-checked-by-moto', sessionToken: url.searchParams.get('X-Amz-Security-Token') ?? undefined },
    });
    const caller = await client.send(new GetCallerIdentityCommand({})).finally(() => client.destroy());
    const canonical = canonicalArn(caller.Arn!);
    const entry = await eks.describeAccessEntry(served.name, canonical);
    if (!entry) return { authenticated: false, error: `ARN is not mapped: ${canonical}` };
    const session = /:assumed-role\/[^/]+\/(.+)$/.exec(caller.Arn!)?.[1] ?? '';
    const username = canonical.includes(':role/') ? caller.Arn! : canonical;
    return {
      authenticated: true,
      user: {
        username, uid: `aws-iam-authenticator:${caller.Account}:${caller.UserId}`, groups: entry.kubernetesGroups,
        extra: { arn: [caller.Arn], canonicalArn: [canonical], sessionName: [session], principalId: [caller.UserId] },
      },
    };
  }

  async function decide(spec: SubjectAccessReviewSpec): Promise<{ allowed: boolean; reason: string }> {
    const canonical = spec.extra?.canonicalArn?.[0];
    if (!served || !canonical) return { allowed: false, reason: 'not an access entry principal' };
    const policies = await eks.listAssociatedAccessPolicies(served.name, canonical);
    for (const { policyArn, scope } of policies) {
      const policy = policyArn.split('/').pop()!;
      const attributes = spec.resourceAttributes;
      if (scope.type === 'namespace' && !(attributes?.namespace && (scope.namespaces ?? []).some((n) => inScope(n, attributes.namespace!)))) continue;
      const role = userFacingRole[policy];
      if (!role) continue;
      const rules = (await served.rbac.readClusterRole({ name: role })).rules ?? [];
      if (rules.some((rule) => grants(rule, spec))) return { allowed: true, reason: `${policy} (${scope.type}) grants it, as ClusterRole ${role}` };
    }
    return { allowed: false, reason: 'no access policy of the entry grants it' };
  }

  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = JSON.parse(await read(request)) as { apiVersion: string; kind: string; spec: Record<string, unknown> };
      // The apiserver's webhook client adds ?timeout=… to the configured URL.
      const path = new URL(request.url ?? '/', 'http://webhook').pathname;
      if (path === '/authenticate') {
        const result = await review(String(body.spec.token ?? '')).catch((error: unknown) => ({ authenticated: false, error: String(error) }));
        const user = 'user' in result ? result.user : undefined;
        decisions.push({ review: 'token', authenticated: result.authenticated, ...(user ? { arn: (user.extra as { arn: string[] }).arn[0], username: String(user.username) } : {}), ...(result.error ? { reason: result.error } : {}) });
        reply(response, { apiVersion: body.apiVersion, kind: 'TokenReview', status: result });
      } else if (path === '/authorize') {
        const spec = body.spec as unknown as SubjectAccessReviewSpec;
        const decision = await decide(spec).catch((error: unknown) => ({ allowed: false, reason: String(error) }));
        const attributes = spec.resourceAttributes;
        decisions.push({ review: 'access', username: spec.user, verb: attributes?.verb ?? spec.nonResourceAttributes?.verb ?? '', resource: attributes?.resource ?? spec.nonResourceAttributes?.path ?? '', ...(attributes?.namespace ? { namespace: attributes.namespace } : {}), ...decision });
        reply(response, { apiVersion: body.apiVersion, kind: 'SubjectAccessReview', status: decision });
      } else {
        response.writeHead(404).end();
      }
    })().catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    authenticate: `${base}/authenticate`,
    authorize: `${base}/authorize`,
    serve: ({ name, kubeConfig }) => {
      served = { name, rbac: kubeConfig.makeApiClient(RbacAuthorizationV1Api) };
    },
    decisions,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface SubjectAccessReviewSpec {
  user: string;
  groups?: string[];
  extra?: Record<string, string[]>;
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path?: string; verb?: string };
}

/** The presigned URL inside a token, or why it is not one (aws-iam-authenticator token.go Verify). */
function presignedUrl(token: string): URL | string {
  const prefix = 'k8s-aws-v1.';
  if (!token.startsWith(prefix)) return 'token is missing expected "k8s-aws-v1." prefix';
  let url: URL;
  try {
    url = new URL(Buffer.from(token.slice(prefix.length), 'base64url').toString());
  } catch {
    return 'input token was not properly formatted';
  }
  if (url.protocol !== 'https:') return `unexpected scheme "${url.protocol}" in pre-signed URL`;
  if (!/^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/.test(url.hostname)) return `unexpected hostname "${url.hostname}" in pre-signed URL`;
  if (url.pathname !== '/') return 'unexpected path in pre-signed URL';
  if (url.searchParams.get('Action') !== 'GetCallerIdentity') return 'unexpected action parameter in pre-signed URL';
  if (!(url.searchParams.get('X-Amz-SignedHeaders') ?? '').split(';').includes('x-k8s-aws-id')) return 'client did not sign the x-k8s-aws-id header in the pre-signed URL';
  if (!url.searchParams.get('X-Amz-Credential')) return 'input token was not properly formatted: no credential';
  // The replay carries `x-k8s-aws-id: <this cluster>`, and STS refuses a signature made over
  // another cluster's name. moto checks no signature, so that refusal is the one part not
  // played here: a token made for another cluster is refused only by a real STS.
  return url;
}

/** aws-iam-authenticator's arn.Canonicalize: an STS assumed-role ARN becomes its IAM role's. */
export function canonicalArn(arn: string): string {
  const assumed = /^arn:(aws[-a-z]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return assumed ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` : arn;
}

const inScope = (scope: string, namespace: string) => (scope.endsWith('*') ? namespace.startsWith(scope.slice(0, -1)) : namespace === scope);

/** Whether one RBAC PolicyRule covers the request, as the RBAC authorizer matches rules (rbac/v1 helpers). */
function grants(rule: V1PolicyRule, spec: SubjectAccessReviewSpec): boolean {
  const has = (list: string[] | undefined, value: string) => (list ?? []).some((item) => item === '*' || item === value);
  const attributes = spec.resourceAttributes;
  if (attributes) {
    const resource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource ?? '';
    return has(rule.verbs, attributes.verb ?? '') && has(rule.apiGroups, attributes.group ?? '') && has(rule.resources, resource)
      && (!rule.resourceNames?.length || rule.resourceNames.includes(attributes.name ?? ''));
  }
  const path = spec.nonResourceAttributes?.path ?? '';
  return has(rule.verbs, spec.nonResourceAttributes?.verb ?? '')
    && (rule.nonResourceURLs ?? []).some((url) => url === '*' || url === path || (url.endsWith('*') && path.startsWith(url.slice(0, -1))));
}

function read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve(Buffer.concat(chunks).toString())).on('error', reject);
  });
}

function reply(response: ServerResponse, body: unknown): void {
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
