import { randomUUID } from 'node:crypto';
import { createServer, request as forward, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsClientConfig } from './moto';

/** The services eksflow calls, by their SigV4 signing names. */
export type AwsService = 'eks' | 'iam' | 'ec2' | 'elasticloadbalancing' | 'ecr' | 'logs';

/** One request the proxy saw, with what it answered. */
export interface SeenRequest {
  service: string;
  operation: string;
  method: string;
  path: string;
  /** The body as text (form fields URL-decoded for the query protocols). */
  body: string;
  at: number;
  /** The status sent back: moto's, or the fault's. */
  status: number;
  /** The fault's code when a rule answered instead of moto. */
  fault?: string;
}

/** Which requests: a service's, optionally one operation, optionally only those naming a resource. */
export interface RequestMatch {
  service: AwsService;
  /** @default every operation */
  operation?: string;
  /** Text the request's path or body must contain (a cluster name, a role name, an ARN). */
  resource?: string;
}

export interface FaultRule {
  on: RequestMatch;
  /** AWS's error, sent in the service's own protocol. Status defaults to the code's usual one. */
  error?: { code: string; message: string; status?: number };
  /**
   * A success the proxy gives itself, where moto has no such API (EKS add-ons): a played part,
   * answered in the same protocol with the body AWS documents for the operation.
   */
  reply?: { status: number; body: unknown };
  /**
   * The fault holds only after a request matching `after` that moto accepted (a role's
   * CreateRole, a cluster's DeleteCluster), for `forMs` from the first request it meets after
   * the last such one. Without `after`, for `forMs` from the first request it meets. Counted
   * from the first request met, not from the trigger or the rule: however long a busy machine
   * takes to get there, the caller meets the whole window.
   */
  after?: RequestMatch;
  /** @default for ever */
  forMs?: number;
  /** At most this many faults; then requests go through. @default no limit */
  times?: number;
  /** The share of matching requests answered with the fault, spread evenly from the first one on (throttling at a rate). @default 1 */
  rate?: number;
  /** A further condition on the request (a field it does or does not carry). */
  when?: (request: SeenRequest) => boolean;
}

export interface FaultProxy {
  readonly endpoint: string;
  /** What an SDK v3 client needs to reach moto through the proxy. */
  readonly clientConfig: AwsClientConfig;
  add(rule: FaultRule): void;
  /** Drops every rule and the record of requests: between tests. */
  clear(): void;
  /** The requests seen, optionally only those matching. */
  seen(match?: Partial<RequestMatch>): SeenRequest[];
  stop(): Promise<void>;
}

// The status AWS sends with each code, where a rule does not say (the services' API references).
const usualStatus: Record<string, number> = {
  InvalidParameterException: 400, ClientException: 400, ResourceInUseException: 409, ResourceNotFoundException: 404, InvalidRequestException: 400,
  ThrottlingException: 429, ServerException: 500, ServiceUnavailableException: 503, Throttling: 400, MalformedPolicyDocument: 400,
  ConcurrentModification: 409, DeleteConflict: 409, NoSuchEntity: 404, EntityAlreadyExists: 409, ServiceFailure: 500, DependencyViolation: 400,
  RequestLimitExceeded: 503, InternalError: 500, RepositoryNotEmptyException: 400, OperationAbortedException: 400, AccessDeniedException: 400,
};

// EKS is restJson1: the operation is the method and path (the API reference's request syntax).
const eksRoutes: [string, RegExp, string][] = [
  ['POST', /^\/clusters$/, 'CreateCluster'], ['GET', /^\/clusters$/, 'ListClusters'],
  ['GET', /^\/clusters\/[^/]+$/, 'DescribeCluster'], ['DELETE', /^\/clusters\/[^/]+$/, 'DeleteCluster'],
  ['POST', /^\/clusters\/[^/]+\/update-config$/, 'UpdateClusterConfig'], ['POST', /^\/clusters\/[^/]+\/updates$/, 'UpdateClusterVersion'],
  ['GET', /^\/clusters\/[^/]+\/updates\/[^/]+$/, 'DescribeUpdate'],
  ['POST', /^\/clusters\/[^/]+\/node-groups$/, 'CreateNodegroup'], ['GET', /^\/clusters\/[^/]+\/node-groups$/, 'ListNodegroups'],
  ['GET', /^\/clusters\/[^/]+\/node-groups\/[^/]+$/, 'DescribeNodegroup'], ['DELETE', /^\/clusters\/[^/]+\/node-groups\/[^/]+$/, 'DeleteNodegroup'],
  ['POST', /^\/clusters\/[^/]+\/node-groups\/[^/]+\/update-config$/, 'UpdateNodegroupConfig'],
  ['POST', /^\/clusters\/[^/]+\/fargate-profiles$/, 'CreateFargateProfile'], ['GET', /^\/clusters\/[^/]+\/fargate-profiles$/, 'ListFargateProfiles'],
  ['GET', /^\/clusters\/[^/]+\/fargate-profiles\/[^/]+$/, 'DescribeFargateProfile'], ['DELETE', /^\/clusters\/[^/]+\/fargate-profiles\/[^/]+$/, 'DeleteFargateProfile'],
  ['POST', /^\/clusters\/[^/]+\/addons$/, 'CreateAddon'], ['GET', /^\/clusters\/[^/]+\/addons$/, 'ListAddons'],
  ['GET', /^\/clusters\/[^/]+\/addons\/[^/]+$/, 'DescribeAddon'], ['DELETE', /^\/clusters\/[^/]+\/addons\/[^/]+$/, 'DeleteAddon'],
  // Access entries: the principal ARN is the last path segment (URL-encoded on the wire, decoded here, so it holds "/").
  ['POST', /^\/clusters\/[^/]+\/access-entries\/.+\/access-policies$/, 'AssociateAccessPolicy'], ['GET', /^\/clusters\/[^/]+\/access-entries\/.+\/access-policies$/, 'ListAssociatedAccessPolicies'],
  ['POST', /^\/clusters\/[^/]+\/access-entries$/, 'CreateAccessEntry'], ['GET', /^\/clusters\/[^/]+\/access-entries$/, 'ListAccessEntries'],
  ['GET', /^\/clusters\/[^/]+\/access-entries\/.+$/, 'DescribeAccessEntry'], ['DELETE', /^\/clusters\/[^/]+\/access-entries\/.+$/, 'DeleteAccessEntry'],
  ['POST', /^\/tags\//, 'TagResource'], ['GET', /^\/tags\//, 'ListTagsForResource'], ['DELETE', /^\/tags\//, 'UntagResource'],
];

/** The service from the SigV4 credential scope: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
function serviceOf(headers: IncomingHttpHeaders): string {
  return /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\/aws4_request/.exec(headers.authorization ?? '')?.[1] ?? 'unknown';
}

function operationOf(service: string, method: string, path: string, headers: IncomingHttpHeaders, body: string): string {
  const target = headers['x-amz-target'];
  // awsJson1_1 (ECR, CloudWatch Logs): `X-Amz-Target: <Service_Version>.<Operation>`.
  if (typeof target === 'string') return target.slice(target.lastIndexOf('.') + 1);
  if (service === 'eks') return eksRoutes.find(([m, pattern]) => m === method && pattern.test(path))?.[2] ?? `${method} ${path}`;
  // awsQuery / ec2Query (IAM, ELBv2, EC2): the `Action` form field.
  return new URLSearchParams(body).get('Action') ?? `${method} ${path}`;
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** AWS's error in the service's own wire protocol, as its SDK v3 client parses it. */
function errorResponse(service: string, code: string, message: string): { headers: Record<string, string>; body: string } {
  const requestId = randomUUID();
  switch (service) {
    case 'eks': // restJson1: the code in x-amzn-errortype, the message in the body.
      return { headers: { 'content-type': 'application/json', 'x-amzn-errortype': code, 'x-amzn-requestid': requestId }, body: JSON.stringify({ message }) };
    case 'ecr': case 'logs': // awsJson1_1
      return { headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId }, body: JSON.stringify({ __type: code, message }) };
    case 'ec2': // ec2Query
      return {
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${xml(code)}</Code><Message>${xml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    default: // awsQuery (IAM, ELBv2)
      return {
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${code.startsWith('Service') || code.startsWith('Internal') ? 'Receiver' : 'Sender'}</Type><Code>${xml(code)}</Code><Message>${xml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
  }
}

const matches = (match: Partial<RequestMatch>, request: SeenRequest) => (match.service === undefined || match.service === request.service)
  && (match.operation === undefined || match.operation === request.operation)
  && (match.resource === undefined || request.path.includes(match.resource) || request.body.includes(match.resource));

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * An HTTP proxy on loopback in front of moto: it forwards every request, except those a rule
 * matches while it holds, which it answers itself with AWS's error in the service's protocol
 * (restJson1 for EKS, awsQuery XML for IAM and ELBv2, ec2Query XML for EC2, awsJson1_1 for ECR
 * and CloudWatch Logs), so the real SDK v3 clients parse real error shapes. The service comes
 * from the SigV4 credential scope, the operation from the path, `Action=` or `X-Amz-Target`.
 */
export async function faultProxy(upstream: { endpoint: string; clientConfig: AwsClientConfig }): Promise<FaultProxy> {
  const target = new URL(upstream.endpoint);
  let rules: { rule: FaultRule; addedAt: number; matched: number; faults: number; opened?: { by: number; at: number } }[] = [];
  let log: SeenRequest[] = [];

  const holds = (entry: (typeof rules)[number], request: SeenRequest): boolean => {
    const { rule } = entry;
    if (!matches(rule.on, request) || (rule.when && !rule.when(request))) return false;
    const forMs = rule.forMs ?? Infinity;
    const trigger = rule.after ? log.filter((seen) => !seen.fault && seen.status < 300 && matches(rule.after!, seen)).at(-1)?.at : entry.addedAt;
    if (trigger === undefined) return false;
    if (entry.opened?.by !== trigger) entry.opened = { by: trigger, at: request.at };
    if (request.at - entry.opened.at >= forMs) return false;
    if (rule.times !== undefined && entry.faults >= rule.times) return false;
    entry.matched += 1;
    const rate = rule.rate ?? 1;
    // 0.2: the 1st, 6th, 11th... matching request.
    return Math.ceil(entry.matched * rate) > Math.ceil((entry.matched - 1) * rate);
  };

  const answer = async (incoming: IncomingMessage, outgoing: ServerResponse) => {
    try {
      const raw = await readBody(incoming);
      const path = (incoming.url ?? '/').split('?')[0]!;
      const service = serviceOf(incoming.headers);
      const text = raw.toString();
      const request: SeenRequest = {
        service, operation: operationOf(service, incoming.method ?? 'GET', path, incoming.headers, text), method: incoming.method ?? 'GET',
        path: decodeURIComponent(path), body: incoming.headers['content-type']?.includes('x-www-form-urlencoded') ? decodeURIComponent(text.replace(/\+/g, ' ')) : text,
        at: Date.now(), status: 0,
      };
      const hit = rules.find((entry) => holds(entry, request));
      if (hit) {
        hit.faults += 1;
        const { error, reply } = hit.rule;
        if (error) {
          const { headers, body } = errorResponse(service, error.code, error.message);
          request.status = error.status ?? usualStatus[error.code] ?? 400;
          request.fault = error.code;
          log.push(request);
          outgoing.writeHead(request.status, headers).end(body);
        } else {
          request.status = reply!.status;
          request.fault = 'reply';
          log.push(request);
          outgoing.writeHead(reply!.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply!.body));
        }
        return;
      }
      const upstreamResponse = await new Promise<IncomingMessage>((resolve, reject) => {
        const call = forward({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, resolve);
        call.on('error', reject);
        call.end(raw);
      });
      const upstreamBody = await readBody(upstreamResponse);
      request.status = upstreamResponse.statusCode ?? 500;
      log.push(request);
      outgoing.writeHead(request.status, upstreamResponse.headers).end(upstreamBody);
    } catch (error) {
      outgoing.writeHead(502, { 'content-type': 'text/plain' }).end(`fault proxy: ${String(error)}`);
    }
  };
  const server = createServer((incoming, outgoing) => void answer(incoming, outgoing));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    clientConfig: { ...upstream.clientConfig, endpoint },
    add: (rule) => { rules.push({ rule, addedAt: Date.now(), matched: 0, faults: 0 }); },
    clear: () => { rules = []; log = []; },
    seen: (match = {}) => log.filter((request) => matches(match, request)),
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
