import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../config';
import { temporalConnectionOptions } from '../temporal-connection';
import type { KubeAccess } from '../activities/nodes-ready';
import app from './app';
import { clusterAccessFor } from './cluster-access';
import { instanceTypeLookupFor } from './instance-limits';

/** The API's log: the bearer token redacted, one line per request (`logEachResponse`). */
export const apiLogging = (level: string, stream?: Writable) => ({
  logger: { level, redact: ['req.headers.authorization'], ...(stream ? { stream } : {}) },
  logController: new LogController({ disableRequestLogging: true }),
});

/**
 * One line per request once it is answered, where Fastify's default writes two: at 200
 * requests a second the log is a measurable share of the API's CPU. No bodies are logged.
 */
export function logEachResponse(server: FastifyInstance): void {
  server.addHook('onResponse', async (request, reply) => {
    request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  });
}

/** Builds the API and listens; returns the running server for its owner to close. */
export async function startApiServer(config: Config, temporal: Client, clusters: KubeAccess | undefined = clusterAccessFor(config)): Promise<FastifyInstance> {
  const server = Fastify(apiLogging(config.LOG_LEVEL));
  logEachResponse(server);
  const instanceTypes = instanceTypeLookupFor(config);
  await server.register(app, { temporal, config, ...(clusters ? { clusters } : {}), ...(instanceTypes ? { instanceTypes } : {}) });
  await server.listen({ host: config.API_HOST, port: config.API_PORT });
  return server;
}

// Run alone (docker-compose's `api` service): connect to Temporal and serve until stopped.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const config = loadConfig();
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const server = await startApiServer(config, new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void server.close().then(() => connection.close()));
  }
}
