import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { principalFor, type Access, type Principal, type TokenEntry } from '../auth/tokens';
import type { ErrorBody } from './errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a route needs of the caller's token; a route without it is public (health, docs, metrics). */
    access?: Access;
  }
  interface FastifyRequest {
    /** Set on every route that declares `access`. */
    principal: Principal;
  }
}

export interface AuthOptions {
  tokens: readonly TokenEntry[];
}

const bearer = /^Bearer ([!-~]+)$/i;

/**
 * Bearer-token auth. 401 when the caller is not known (no token, or one not in the table);
 * 403 when it is known but its token may not do this. A tenant only ever addresses its own
 * environments, so another tenant's are not found rather than forbidden: names do not leak.
 */
export default fp<AuthOptions>(async (fastify: FastifyInstance, { tokens }) => {
  fastify.decorateRequest('principal', null as unknown as Principal);
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const needed = request.routeOptions.config.access;
    if (!needed) return;
    const header = request.headers.authorization;
    if (!header) return refuse(reply, 401, 'Unauthorized', 'send a token: Authorization: Bearer <token>');
    const token = bearer.exec(header)?.[1];
    const principal = token ? principalFor(token, tokens) : undefined;
    if (!principal) return refuse(reply, 401, 'Unauthorized', 'the bearer token is not recognised', 'error="invalid_token"');
    if (needed === 'write' && principal.access === 'read') {
      return refuse(reply, 403, 'Forbidden', `tenant ${principal.tenant}'s token may only read; creating, scaling and deleting need a token with write access`);
    }
    request.principal = principal;
  });
}, { name: 'auth' });

function refuse(reply: FastifyReply, status: 401 | 403, error: string, message: string, challenge?: string) {
  if (status === 401) reply.header('www-authenticate', `Bearer realm="eksflow"${challenge ? `, ${challenge}` : ''}`);
  return reply.code(status).send({ error, message } satisfies ErrorBody);
}
