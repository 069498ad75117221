import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Client } from '@temporalio/client';
import { loadConfig, type Config } from '../config';
import { parseTenantAccess } from './auth/tenant-access';
import { parseTokenTable } from './auth/tokens';
import auth from './plugins/auth';
import docs from './plugins/docs';
import errors from './plugins/errors';
import metrics from './plugins/metrics';
import security from './plugins/security';
import temporalPlugin from './plugins/temporal';
import { bodyLimitBytes, yamlMediaTypes } from './request-spec';
import { strictValidatorCompiler } from './validation';
import environmentEventRoutes from './routes/environment-events';
import environmentRoutes from './routes/environments';
import kubeconfigRoutes from './routes/kubeconfig';
import dashboardRoutes from './routes/dashboard';
import type { KubeAccess } from '../activities/nodes-ready';
import planRoutes from './routes/plans';
import changeRoutes from './routes/changes';
import buildContextRoutes from './routes/build-contexts';
import { buildContextStore, defaultBuildContextDir } from '../build-contexts/store';
import type { InstanceTypeLookup } from './instance-limits';

declare module 'fastify' {
  interface FastifyInstance {
    /** EC2 DescribeInstanceTypes for node group types the ENI table lacks (plans' pod capacity); undefined on the simulated cloud. */
    instanceTypes: InstanceTypeLookup | undefined;
  }
}

export interface AppOptions {
  /** The Temporal client the routes use. */
  temporal: Client;
  /** Close the client's connection when the API closes. @default false (its owner closes it) */
  ownsConnection?: boolean;
  /** @default the defaults of every setting */
  config?: Config;
  /** How often an event stream asks its run for progress. @default 1000 */
  eventsPollMs?: number;
  /** The API's own way into clusters, for dashboard tokens. @default none: that route answers 501 */
  clusters?: KubeAccess;
  /** Instance types' network limits from EC2, for types the shipped ENI table lacks. @default none: the table alone */
  instanceTypes?: InstanceTypeLookup;
}

const readinessDeadlineMs = 2_000;

/** eksflow's HTTP API as a plugin: server.ts only listens, tests use `app.inject`. */
const app: FastifyPluginAsync<AppOptions> = async (fastify: FastifyInstance, { temporal, ownsConnection = false, config = loadConfig({}), eventsPollMs, clusters, instanceTypes }) => {
  // Before every route: helmet's headers and the limiter apply to them, auth checks that each
  // says who may call it (default-deny), the document sees them.
  await fastify.register(security, { requestsPerMinute: config.API_RATE_LIMIT });
  await fastify.register(auth, {
    tokens: parseTokenTable(config.EKSFLOW_API_TOKENS),
    unauthenticatedPerMinute: config.API_UNAUTHENTICATED_RATE_LIMIT,
    ...(config.EKSFLOW_METRICS_TOKEN_SHA256 ? { metricsTokenSha256: Buffer.from(config.EKSFLOW_METRICS_TOKEN_SHA256, 'hex') } : {}),
  });
  await fastify.register(docs);
  await fastify.register(metrics);
  await fastify.register(errors);
  fastify.setValidatorCompiler(strictValidatorCompiler);
  await fastify.register(temporalPlugin, {
    client: temporal, taskQueue: config.EKSFLOW_TASK_QUEUE, uiUrl: config.TEMPORAL_UI_URL, ownsConnection,
  });
  // JSON is a spec, YAML a ClusterConfig; plain text is neither, so it is refused (415) rather than misread.
  fastify.removeContentTypeParser('text/plain');
  // An eksctl ClusterConfig arrives as YAML text; its translator reads and checks it.
  fastify.addContentTypeParser([...yamlMediaTypes], { parseAs: 'string', bodyLimit: bodyLimitBytes }, (_request, body, done) => done(null, body));

  const tenantAccess = parseTenantAccess(config.EKSFLOW_TENANT_ACCESS);
  fastify.decorate('tenantAccess', (tenant: string) => tenantAccess.get(tenant) ?? []);
  fastify.decorate('buildContexts', buildContextStore(config.EKSFLOW_BUILD_CONTEXT_DIR ?? defaultBuildContextDir()));
  fastify.decorate('instanceTypes', instanceTypes);
  await fastify.register(planRoutes);
  await fastify.register(environmentRoutes);
  await fastify.register(changeRoutes);
  await fastify.register(kubeconfigRoutes);
  await fastify.register(buildContextRoutes, { maxBytes: config.EKSFLOW_BUILD_CONTEXT_MAX_BYTES });
  await fastify.register(dashboardRoutes, clusters ? { clusters } : {});
  await fastify.register(environmentEventRoutes, {
    perToken: config.API_EVENT_STREAMS_PER_TOKEN, total: config.API_EVENT_STREAMS_TOTAL, maxLifetimeMs: config.API_EVENT_STREAM_MAX_SECONDS * 1000,
    ...(eventsPollMs !== undefined ? { pollMs: eventsPollMs } : {}),
  });

  // Probes are public (a kubelet or load balancer has no token) and never rate limited: a
  // refused probe would take a healthy API out of service.
  fastify.get('/healthz', { config: { public: true, rateLimit: false } }, async () => ({ status: 'ok' }));

  // Ready means the Temporal frontend answers: without it no request can be served.
  fastify.get('/readyz', { config: { public: true, rateLimit: false } }, async (_request, reply) => {
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
