import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { badRequest, KubeApiError, methodNotAllowed, pathNotFound } from './api-errors';
import { callUrlWebhooks, hasUrlWebhooks } from './admission';
import { isPlainObject, type KubeObject } from './objects';
import { scaleOf, type ObjectStore, type PatchType } from './object-store';
import { apiGroup, apiVersionOf, groupsOf, resourceList, type ResourceType, type Subresource } from './resource-types';
import { evictPod } from './eviction';
import { requestToken } from './token-request';

/** What the server needs of one simulated cluster. */
export interface ServedCluster {
  store: ObjectStore;
  /** The bearer token every request must carry. */
  token: string;
  /** The service-account token issuer. */
  issuer: string;
  kubernetesVersion: string;
  /** Until when (Date.now()) /readyz fails, as an EKS API server just after ACTIVE. */
  readyAt?: number;
}

export interface KubeHttpServer {
  /** `http://127.0.0.1:<port>`; a cluster's API is at `<url>/clusters/<name>`, or `<url>/regions/<region>/clusters/<name>`. */
  url: string;
  close(): Promise<void>;
}

// `/clusters/<name>` is the home region's cluster; `/regions/<region>/clusters/<name>`, any region's.
const clusterPrefix = /^(?:\/regions\/([^/]+))?\/clusters\/([^/]+)(\/.*)?$/;
const maxBodyBytes = 8 * 1024 * 1024;

/**
 * The Kubernetes REST API over plain HTTP on loopback, for every registered cluster under a
 * path prefix of its own. Discovery, CRUD, server-side apply and the other patch types, the
 * status, scale, finalize, token and eviction subresources. No watch: nothing eksflow runs needs it.
 */
export async function startKubeHttpServer(clusterNamed: (name: string, region: string | undefined) => ServedCluster | undefined): Promise<KubeHttpServer> {
  const server: Server = createServer((request, response) => {
    handle(request, response, clusterNamed).catch((error: unknown) => reply(response, 500, internal(error)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // Keep-alive sockets from the client's agent would hold close() open.
  server.keepAliveTimeout = 1_000;
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const internal = (error: unknown) => new KubeApiError(500, 'InternalError', `Internal error occurred: ${error instanceof Error ? error.message : String(error)}`).status();

function reply(response: ServerResponse, code: number, body: unknown): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new KubeApiError(413, 'RequestEntityTooLarge', 'the request body is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string, contentType: string): unknown {
  if (!text) return undefined;
  try {
    // An apply body is YAML (the client sends JSON, which is YAML too).
    return contentType.includes('yaml') ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw badRequest(`the request body is not valid ${contentType.includes('yaml') ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
}

const patchTypes: Record<string, PatchType> = {
  'application/apply-patch+yaml': 'apply',
  'application/merge-patch+json': 'merge',
};

async function handle(request: IncomingMessage, response: ServerResponse, clusterNamed: (name: string, region: string | undefined) => ServedCluster | undefined): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://sim');
  const match = clusterPrefix.exec(url.pathname);
  const cluster = match ? clusterNamed(decodeURIComponent(match[2]!), match[1] === undefined ? undefined : decodeURIComponent(match[1])) : undefined;
  if (!cluster) {
    // A cluster that does not exist has no endpoint: the connection fails, as DNS would for EKS.
    request.socket.destroy();
    return;
  }
  if (request.headers.authorization !== `Bearer ${cluster.token}`) {
    reply(response, 401, new KubeApiError(401, 'Unauthorized', 'Unauthorized').status());
    return;
  }
  try {
    const body = ['POST', 'PUT', 'PATCH'].includes(request.method ?? '') ? await readBody(request) : '';
    if (body && hasUrlWebhooks(cluster.store)) await admitByUrl(cluster, request.method!, match![3] ?? '/', url.searchParams, body, String(request.headers['content-type'] ?? 'application/json'));
    const [code, result] = route(cluster, request.method ?? 'GET', match![3] ?? '/', url.searchParams, body, String(request.headers['content-type'] ?? 'application/json'));
    reply(response, code, result);
  } catch (error) {
    if (error instanceof KubeApiError) reply(response, error.code, error.status());
    else reply(response, 500, internal(error));
  }
}

type Reply = [number, unknown];

/** Webhooks called by URL judge the object the write would make: a dry run of it, first. */
async function admitByUrl(cluster: ServedCluster, method: string, path: string, query: URLSearchParams, text: string, contentType: string): Promise<void> {
  if (/\/(status|scale|token|finalize|eviction)$/.test(path)) return;
  const dryRun = new URLSearchParams(query);
  dryRun.set('dryRun', 'All');
  const [code, object] = route(cluster, method, path, dryRun, text, contentType);
  if (!isPlainObject(object) || typeof object.kind !== 'string' || typeof object.apiVersion !== 'string') return;
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : '';
  const type = cluster.store.types().find((t) => t.kind === object.kind && t.group === group);
  if (type) await callUrlWebhooks(cluster.store, { operation: code === 201 ? 'CREATE' : 'UPDATE', type, object: object as KubeObject });
}

function route(cluster: ServedCluster, method: string, path: string, query: URLSearchParams, text: string, contentType: string): Reply {
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  const { store } = cluster;
  const types = store.types();
  if (segments.length === 1 && ['readyz', 'livez', 'healthz'].includes(segments[0]!)) {
    // kube-apiserver answers 200 "ok", or 500 with the checks that failed (here, while starting).
    if (segments[0] === 'readyz' && cluster.readyAt !== undefined && Date.now() < cluster.readyAt) return [500, '[-]poststarthook/start-apiextensions-controllers failed: not finished\nreadyz check failed'];
    return [200, 'ok'];
  }
  if (segments[0] === 'version') {
    const [major, minor] = cluster.kubernetesVersion.split('.');
    return [200, { major, minor, gitVersion: `v${cluster.kubernetesVersion}.0-eks-sim`, platform: 'linux/amd64' }];
  }
  if (segments[0] === 'api' && segments.length === 1) return [200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] }];
  if (segments[0] === 'apis' && segments.length === 1) return [200, { kind: 'APIGroupList', apiVersion: 'v1', groups: groupsOf(types).map(apiGroup) }];
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] === 'v1') [group, version, rest] = ['', 'v1', segments.slice(2)];
  else if (segments[0] === 'apis' && segments.length >= 2) {
    const served = groupsOf(types).find((g) => g.name === segments[1]);
    if (!served) throw pathNotFound();
    if (segments.length === 2) return [200, apiGroup(served)];
    if (!served.versions.includes(segments[2]!)) throw pathNotFound();
    [group, version, rest] = [segments[1]!, segments[2]!, segments.slice(3)];
  } else throw pathNotFound();
  if (rest.length === 0) return [200, resourceList(types, group, version)];
  if (rest[0] === 'watch' || query.get('watch') === 'true' || query.get('watch') === '1') throw methodNotAllowed('watch is not supported by the simulated apiserver');

  // /namespaces/<ns>/<plural>/... unless it is a namespace's own subresource (/namespaces/<name>/status).
  const inNamespace = rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && ['status', 'finalize'].includes(rest[2]!));
  const [namespace, plural, name, subresource] = inNamespace ? [rest[1], rest[2]!, rest[3], rest[4]] : [undefined, rest[0]!, rest[1], rest[2]];
  const type = store.typeAt(group, version, plural);
  if (!type || (namespace && !type.namespaced)) throw pathNotFound();
  if (subresource && !type.subresources.includes(subresource as Subresource)) throw pathNotFound();
  const sub = subresource as Subresource | undefined;
  const apiVersion = apiVersionOf(group, version);
  const served = (object: KubeObject) => (object.apiVersion === 'autoscaling/v1' || object.kind === 'TokenRequest' ? object : { ...object, apiVersion });
  const options = { fieldManager: query.get('fieldManager') ?? undefined, force: query.get('force') === 'true', dryRun: query.get('dryRun') === 'All', admission: true };

  if (!name) {
    switch (method) {
      case 'GET': {
        const items = store.list(type, namespace, { labelSelector: query.get('labelSelector') ?? undefined, fieldSelector: query.get('fieldSelector') ?? undefined });
        return [200, { apiVersion, kind: `${type.kind}List`, metadata: { resourceVersion: store.resourceVersion }, items: items.map(served) }];
      }
      case 'POST':
        return [201, served(store.create(type, namespace, parseBody(text, contentType), options))];
      default:
        // DELETE of a collection too: nothing eksflow runs deletes a collection.
        throw methodNotAllowed(`${method} is not allowed on a collection`);
    }
  }
  const view = (object: KubeObject) => (sub === 'scale' ? scaleOf(object) : served(object));
  if (sub === 'eviction' && method !== 'POST') throw methodNotAllowed(`${method} is not allowed on eviction`);
  switch (method) {
    case 'GET':
      if (sub === 'token' || sub === 'finalize' || sub === 'eviction') throw methodNotAllowed(`GET is not allowed on ${sub}`);
      return [200, view(store.get(type, namespace, name))];
    case 'POST':
      if (sub === 'eviction') return [201, evictPod(store, namespace!, name)];
      if (sub !== 'token') throw methodNotAllowed('POST is allowed only on a collection or the token and eviction subresources');
      return [201, requestToken(store, namespace!, name, parseBody(text, contentType), cluster.issuer)];
    case 'PUT':
      return [200, view(store.replace(type, namespace, name, parseBody(text, contentType), { ...options, subresource: sub }))];
    case 'PATCH': {
      const patchType = patchTypes[contentType.split(';')[0]!.trim()];
      if (!patchType) throw new KubeApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${Object.keys(patchTypes).join(', ')}`);
      const { object, created } = store.patch(type, namespace, name, patchType, parseBody(text, contentType), { ...options, subresource: sub });
      return [created ? 201 : 200, view(object)];
    }
    case 'DELETE': {
      if (sub) throw methodNotAllowed(`DELETE is not allowed on ${sub}`);
      const { object, gone } = store.delete(type, namespace, name);
      return [200, gone ? successStatus(type, object) : served(object)];
    }
    default:
      throw methodNotAllowed(`${method} is not supported`);
  }
}

function successStatus(type: ResourceType, object: KubeObject): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', details: { name: object.metadata.name, group: type.group, kind: type.plural, uid: object.metadata.uid } };
}
