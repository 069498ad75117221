import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { setTimeout as sleep } from 'node:timers/promises';
import { workflowIdFor } from '../environments/identity';
import { describe } from '../environments/request';
import { environmentView, queryProgress } from '../environments/view';
import type { ErrorBody } from '../plugins/errors';
import { isTemporalUnavailable } from '../temporal-errors';
import { EnvironmentParams, ErrorResponse } from '../schemas/environments';

export interface EventsOptions {
  /** How often the run is asked for its progress. @default 1000 */
  pollMs?: number;
}

/** A comment line now and then keeps proxies from closing a quiet stream. */
const keepAliveMs = 15_000;

/**
 * GET /v1/environments/:name/events: Server-Sent Events. `progress` each time the run's
 * progress changes, then one `end` with how the run closed. A client that reconnects gets
 * the current progress at once.
 */
export default async function environmentEventRoutes(fastify: FastifyInstance, { pollMs = 1_000 }: EventsOptions) {
  const { temporal } = fastify;
  fastify.get<{ Params: Static<typeof EnvironmentParams> }>('/v1/environments/:name/events', {
    config: { access: 'read' },
    schema: {
      summary: 'Progress as Server-Sent Events', description: '`progress` events (the run\'s progress, each time it changes) until the run closes, then one `end` event.',
      tags: ['environments'], params: EnvironmentParams, produces: ['text/event-stream'], response: { 404: ErrorResponse },
    },
  }, async (request, reply) => {
    const workflowId = workflowIdFor(request.principal.tenant, request.params.name);
    if (!(await describe(temporal, workflowId))) {
      return reply.code(404).send({ error: 'NotFound', message: `there is no environment "${request.params.name}" in this tenant` } satisfies ErrorBody);
    }
    let open = true;
    request.raw.once('close', () => void (open = false));
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let id = 0;
    const send = (event: string, data: unknown) => out.write(`event: ${event}\nid: ${++id}\ndata: ${JSON.stringify(data)}\n\n`);

    let last = '';
    let quietSince = Date.now();
    try {
      while (open) {
        // Without a run ID: the latest run, so a continue-as-new does not end the stream.
        const description = await describe(temporal, workflowId);
        const progress = description && await queryProgress(temporal, description);
        const serialized = progress ? JSON.stringify(progress) : '';
        if (progress && serialized !== last) {
          last = serialized;
          send('progress', progress);
          quietSince = Date.now();
        }
        if (!description || description.status.name !== 'RUNNING') {
          const view = await environmentView(temporal, workflowId);
          send('end', { status: view?.status ?? 'unknown', phase: view?.phase, ...(view?.failure ? { failure: view.failure } : {}) });
          break;
        }
        if (Date.now() - quietSince > keepAliveMs) {
          out.write(': still here\n\n');
          quietSince = Date.now();
        }
        await sleep(pollMs);
      }
    } catch (error) {
      request.log.warn({ err: error }, 'progress stream stopped');
      send('error', { message: isTemporalUnavailable(error) ? 'Temporal is unreachable; reconnect shortly' : 'the stream failed; reconnect to resume' });
    }
    out.end();
  });
}
