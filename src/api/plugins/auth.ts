import type {} from '@fastify/rate-limit';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { principalFor, sha256, type Access, type Principal, type TokenEntry } from '../auth/tokens';
import type { ErrorBody } from './errors';

/** What a route needs: a tenant's token that may read or write, or the metrics scraper's token. */
export type RouteAccess = Access | 'metrics';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a route needs of the caller's token. Every route says this or `public`. */
    access?: RouteAccess;
    /** Served to anyone, without a token: the probes and the API's documentation. */
    public?: boolean;
  }
  interface FastifyRequest {
    /** Set on every route that needs a tenant's token. */
    principal: Principal;
    /**
     * SHA-256 (hex) of the caller's tenant token, for what is counted per token in memory
     * (its request budget, its open event streams); never sent, never logged.
     */
    tokenKey: string;
  }
}

export interface AuthOptions {
  tokens: readonly TokenEntry[];
  /** SHA-256 of the token that may read /metrics; without it, nobody may. */
  metricsTokenSha256?: Buffer;
  /** Requests a minute a client address may make without a valid token before it gets 429. */
  unauthenticatedPerMinute: number;
}

const bearer = /^Bearer ([!-~]+)$/i;

/** Marks a scope whose every route is public: for a third-party plugin (the Swagger UI) whose routes take no config of ours. */
const publicScope = Symbol('eksflow.publicScope');

/** Every route `scope` (and its children) registers from now on is public. */
export function servePublicly(scope: FastifyInstance): void {
  scope.decorate(publicScope, true);
}

/**
 * Bearer-token auth, default-deny. Every route says what it needs: `config.access` (a
 * tenant's read or write token, or the metrics token) or `config.public`. A route that says
 * neither, or both, is refused when it is registered, so the API does not start with it: a
 * forgotten route cannot ship open. Hence this plugin comes before every route.
 *
 * 401 when the caller is not known (no token, or one not in the table), and each 401 counts
 * against its client address's budget, which runs out (429) long before guessing could
 * matter; 403 when it is known but its token may not do this. A tenant only ever addresses
 * its own environments, so another tenant's are not found rather than forbidden: names do not leak.
 */
export default fp<AuthOptions>(async (fastify: FastifyInstance, { tokens, metricsTokenSha256, unauthenticatedPerMinute }) => {
  fastify.decorateRequest('principal', null as unknown as Principal);
  fastify.decorateRequest('tokenKey', '');

  fastify.addHook('onRoute', function checkDeclaredAccess(this: FastifyInstance, route: RouteOptions) {
    const where = `${[route.method].flat().join(',')} ${route.url}`;
    if (this.hasDecorator(publicScope)) {
      if (route.config?.access) throw new Error(`${where} declares config.access inside a public scope`);
      route.config = { ...route.config, public: true };
      return;
    }
    const { access, public: isPublic } = route.config ?? {};
    if (access && isPublic) throw new Error(`${where} declares both config.access and config.public; a route is one or the other`);
    if (!access && !isPublic) {
      throw new Error(`${where} declares neither config.access ('read', 'write' or 'metrics') nor config.public: every route is authenticated unless it says it is public`);
    }
  });

  // Unauthenticated requests spend their client address's budget: the request limiter
  // (plugins/security.ts) runs after this hook and never sees a request refused here.
  const unauthenticatedLimit = fastify.createRateLimit({
    max: unauthenticatedPerMinute, timeWindow: 60_000, keyGenerator: (request) => `unauthenticated:${request.ip}`,
  });
  const unauthenticated = async (request: FastifyRequest, reply: FastifyReply, message: string, challenge?: string) => {
    const budget = await unauthenticatedLimit(request);
    if (!budget.isAllowed && budget.isExceeded) {
      reply.header('retry-after', String(budget.ttlInSeconds));
      return reply.code(429).send({
        error: 'TooManyRequests',
        message: `more than ${budget.max} requests a minute without a valid token from this address; retry in ${budget.ttlInSeconds} s, with a token (Authorization: Bearer <token>)`,
      } satisfies ErrorBody);
    }
    return refuse(reply, 401, 'Unauthorized', message, challenge);
  };

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    // No route matched: the not-found handler answers 404 and serves nothing.
    if (request.is404) return;
    const { access: needed, public: isPublic } = request.routeOptions.config;
    if (isPublic) return;
    const header = request.headers.authorization;
    if (!header) return unauthenticated(request, reply, 'send a token: Authorization: Bearer <token>');
    const token = bearer.exec(header)?.[1];
    if (token && needed === 'metrics') {
      if (metricsTokenSha256 && timingSafeEqual(sha256(token), metricsTokenSha256)) return;
      if (principalFor(token, tokens)) {
        return refuse(reply, 403, 'Forbidden', '/metrics counts every tenant, so a tenant\'s token may not read it; scrape with the metrics token (EKSFLOW_METRICS_TOKEN_SHA256)');
      }
      return unauthenticated(request, reply, 'the bearer token is not the metrics token', 'error="invalid_token"');
    }
    const principal = token ? principalFor(token, tokens) : undefined;
    // `needed` is always set here (checkDeclaredAccess); were it not, nothing is served.
    if (!principal || !needed) return unauthenticated(request, reply, 'the bearer token is not recognised', 'error="invalid_token"');
    if (needed === 'write' && principal.access === 'read') {
      return refuse(reply, 403, 'Forbidden', `tenant ${principal.tenant}'s token may only read; creating, scaling and deleting need a token with write access`);
    }
    request.principal = principal;
    request.tokenKey = sha256(token!).toString('hex');
  });
}, { name: 'auth', dependencies: ['security'] });

function refuse(reply: FastifyReply, status: 401 | 403, error: string, message: string, challenge?: string) {
  if (status === 401) reply.header('www-authenticate', `Bearer realm="eksflow"${challenge ? `, ${challenge}` : ''}`);
  return reply.code(status).send({ error, message } satisfies ErrorBody);
}
