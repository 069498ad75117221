import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import rateLimit, { type errorResponseBuilderContext } from '@fastify/rate-limit';

export interface SecurityOptions {
  /** Requests a caller may make in a minute; past it, 429 with Retry-After. */
  requestsPerMinute: number;
}

/**
 * Whose budget a request spends: a recognised token's own (by its SHA-256, so the limiter's
 * store never holds a token), else the client address's. Only a token the auth hook has
 * recognised (it runs first: its onRequest hook is the instance's, the limiter's is the
 * route's) gets a bucket of its own, so inventing tokens does not buy more requests; and a
 * request with no recognised token is answered 401 by that hook, against its address's own
 * budget of unauthenticated requests (plugins/auth.ts).
 */
function callerKey(request: FastifyRequest): string {
  return request.tokenKey ? `token:${request.tokenKey}` : `ip:${request.ip}`;
}

/**
 * Thrown by the limiter, so it reaches the API's one error handler, which answers with its
 * `code` as the error type: `{ error: 'TooManyRequests', message }`. Retry-After is already set.
 */
function tooManyRequests(_request: FastifyRequest, context: errorResponseBuilderContext): Error {
  const message = `more than ${context.max} requests a minute from this caller; retry in ${context.after}`;
  return Object.assign(new Error(message), { statusCode: context.statusCode, code: 'TooManyRequests' });
}

/**
 * Security headers on every response, and a per-caller request budget. Routes that must
 * always answer (probes, metrics) opt out with `config: { rateLimit: false }`.
 */
export default fp<SecurityOptions>(async (fastify: FastifyInstance, { requestsPerMinute }) => {
  await fastify.register(helmet, {
    // The API answers JSON, which loads nothing: its policy allows nothing. The Swagger UI
    // sets its own on the pages under /docs (see plugins/docs.ts).
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  });
  await fastify.register(rateLimit, {
    max: requestsPerMinute,
    timeWindow: 60_000,
    keyGenerator: callerKey,
    errorResponseBuilder: tooManyRequests,
  });
}, { name: 'security' });
