import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Client } from '@temporalio/client';

export interface AppOptions {
  /** The Temporal client the routes use; its owner closes it. */
  temporal: Client;
}

const readinessDeadlineMs = 2_000;

/** eksflow's HTTP API as a plugin: server.ts only listens, tests use `app.inject`. */
const app: FastifyPluginAsync<AppOptions> = async (fastify: FastifyInstance, { temporal }) => {
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
