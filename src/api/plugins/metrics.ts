import type {} from '@fastify/rate-limit';
import type {} from '@fastify/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** What routes record beyond the request metrics the plugin takes itself. */
export interface ApiMetrics {
  /** Environment runs this API started (not requests answered from an existing run), by tenant. */
  runsStarted: Counter<'tenant'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ApiMetrics;
  }
}

/** The label of a request no route matched: never its raw URL, which would make a series per URL. */
const unmatchedRoute = 'unmatched';

// The process metrics (CPU, memory, event loop, GC) watch the process, not an app, and each
// collection leaves a GC observer and an event-loop monitor running for good: they are
// collected once, here, and registered in every app's registry, however many apps tests build.
let processMetrics: Registry | undefined;
function processMetricsRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

/**
 * Prometheus metrics at GET /metrics: the process's, every request's count and duration by
 * method, route pattern and status, and the runs started by tenant. Each app has its own
 * registry, never prom-client's global one.
 *
 * Only the scraper's own token (EKSFLOW_METRICS_TOKEN_SHA256) reads them. The tenant label is
 * kept, because runs started per tenant is what a platform team watches; but it names every
 * tenant and how busy each is, so the page is neither public nor open to a tenant's token
 * (one tenant must not learn of another). Prometheus sends a bearer token with a line of
 * scrape config (`authorization: { credentials_file: … }`).
 */
export default fp(async (fastify: FastifyInstance) => {
  const own = new Registry();

  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered, by method, route pattern and status code', labelNames, registers: [own] });
  const durations = new Histogram({
    name: 'http_request_duration_seconds', help: 'Time to answer an HTTP request, by method, route pattern and status code', labelNames, registers: [own],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const runsStarted = new Counter({ name: 'eksflow_environment_runs_started_total', help: 'Environment runs started through the API, by tenant', labelNames: ['tenant'] as const, registers: [own] });
  fastify.decorate('metrics', { runsStarted } satisfies ApiMetrics);
  // This app's metrics and the process's, the same metric objects in a registry of their own.
  const registry = Registry.merge([processMetricsRegistry(), own]);

  fastify.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? unmatchedRoute, status_code: reply.statusCode };
    requests.inc(labels);
    durations.observe(labels, reply.elapsedTime / 1000);
  });

  fastify.get('/metrics', {
    // Exempt from rate limiting: a scraper polling every few seconds must never be refused.
    // A wrong token still spends its address's budget of unauthenticated requests.
    config: { access: 'metrics', rateLimit: false },
    schema: { hide: true },
  }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}, { name: 'metrics' });
