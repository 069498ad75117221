import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Client } from '@temporalio/client';
import errors from './plugins/errors';
import { bodyLimitBytes, yamlMediaTypes } from './request-spec';
import planRoutes from './routes/plans';

export interface AppOptions {
  /** The Temporal client the routes use; its owner closes it. */
  temporal: Client;
}

const readinessDeadlineMs = 2_000;


/** eksflow's HTTP API as a plugin: server.ts only listens, tests use `app.inject`. */
const app: FastifyPluginAsync<AppOptions> = async (fastify: FastifyInstance, { temporal }) => {
  await fastify.register(errors);
  // JSON is a spec, YAML a ClusterConfig; plain text is neither, so it is refused (415) rather than misread.
  fastify.removeContentTypeParser('text/plain');
  // An eksctl ClusterConfig arrives as YAML text; its translator reads and checks it.
  fastify.addContentTypeParser([...yamlMediaTypes], { parseAs: 'string', bodyLimit: bodyLimitBytes }, (_request, body, done) => done(null, body));
  await fastify.register(planRoutes);

  fastify.get('/healthz', async () => ({ status: 'ok' }));

  // Ready means the Temporal frontend answers: without it no request can be served.
  fastify.get('/readyz', async (_request, reply) => {
    try {
      // Bounded, so a probe gets its answer before its own timeout does.
      await temporal.connection.withDeadline(Date.now() + readinessDeadlineMs, () => temporal.workflowService.getSystemInfo({}));
      return { status: 'ready' };
    } catch {
      return reply.code(503).header('retry-after', '5').send({ status: 'unavailable', reason: 'Temporal is unreachable' });
    }
  });
};

export default app;
