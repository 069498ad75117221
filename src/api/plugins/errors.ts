import type { FastifyError, FastifyInstance, FastifySchemaValidationError } from 'fastify';
import fp from 'fastify-plugin';
import { isTemporalUnavailable } from '../temporal-errors';

/** What every error response looks like: a type to branch on and a message a person can act on. */
export interface ErrorBody {
  error: string;
  message: string;
  /** Each problem at its path in the request, for a refused spec. */
  errors?: { path: string; message: string }[];
  /** Where a request differs from what already stands under its name. */
  differences?: { path: string; existing?: unknown; requested?: unknown }[];
}

// Fastify's own refusals, said so a person knows what to change.
const frameworkMessages: Record<string, (error: FastifyError) => string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => 'send the environment spec as application/json, or an eksctl ClusterConfig as application/yaml',
  FST_ERR_CTP_BODY_TOO_LARGE: () => 'the request body is larger than the API accepts',
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'the request body is empty; send an environment spec',
  FST_ERR_CTP_INVALID_JSON_BODY: (error) => `the body is not valid JSON: ${error.message}`,
};

/** A schema violation at its path (body paths as JSON pointers, like a spec's; others prefixed with where they were). */
function validationProblem(problem: FastifySchemaValidationError, context: string | undefined): { path: string; message: string } {
  const extra = problem.keyword === 'additionalProperties' ? (problem.params as { additionalProperty?: string }).additionalProperty : undefined;
  const pointer = `${problem.instancePath}${extra ? `/${extra}` : ''}` || '/';
  return {
    path: context && context !== 'body' ? `${context}:${pointer}` : pointer,
    message: extra ? 'is not a known field' : problem.message ?? 'is invalid',
  };
}

/**
 * One error handler for the API: a 4xx says what was wrong with the request; a 5xx says
 * only that the server failed (the details go to the log, never to the client).
 */
export default fp(async (fastify: FastifyInstance) => {
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    if (isTemporalUnavailable(error)) {
      request.log.warn({ err: error }, 'Temporal is unreachable');
      return reply.code(503).header('retry-after', '5').send({ error: 'Unavailable', message: 'Temporal is unreachable; try again shortly' } satisfies ErrorBody);
    }
    if (error.validation && error.statusCode === 400) {
      const problems = error.validation.map((problem) => validationProblem(problem, error.validationContext));
      return reply.code(400).send({ error: 'InvalidRequest', message: `the request has ${problems.length} problem${problems.length === 1 ? '' : 's'}`, errors: problems } satisfies ErrorBody);
    }
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(status).send({ error: 'Internal', message: 'the server failed to handle the request; it has been logged' } satisfies ErrorBody);
    }
    const explain = error.code ? frameworkMessages[error.code] : undefined;
    const body: ErrorBody = { error: error.code ?? 'BadRequest', message: explain ? explain(error) : error.message };
    return reply.code(status).send(body);
  });
  fastify.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'NotFound', message: `no route for ${request.method} ${request.url}` } satisfies ErrorBody));
});
