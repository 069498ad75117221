import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
  /** Streams one token may hold open at once. @default 4 (API_EVENT_STREAMS_PER_TOKEN) */
  perToken?: number;
  /** Streams open at once, all tokens together. @default 200 (API_EVENT_STREAMS_TOTAL) */
  total?: number;
  /** How long one stream lasts before it ends with `reconnect`. @default 900000 (API_EVENT_STREAM_MAX_SECONDS) */
  maxLifetimeMs?: number;
}

/** A comment line now and then keeps proxies from closing a quiet stream. */
const keepAliveMs = 15_000;
/** How long a refused client waits: streams end within their lifetime, most well before it. */
const retryAfterCapSeconds = 30;

/**
 * The streams open now, per token and in all. Each stream asks Temporal for a description
 * and a query every poll for as long as it lasts, so an unbounded number of them (or one
 * token opening many) would load Temporal without limit.
 */
class OpenStreams {
  #total = 0;
  readonly #perToken = new Map<string, number>();
  constructor(private readonly limits: { perToken: number; total: number }) {}

  /** A slot for `tokenKey`'s stream and its release, or why there is none. */
  take(tokenKey: string): { release(): void } | { refused: 'token' | 'total' } {
    const held = this.#perToken.get(tokenKey) ?? 0;
    if (held >= this.limits.perToken) return { refused: 'token' };
    if (this.#total >= this.limits.total) return { refused: 'total' };
    this.#perToken.set(tokenKey, held + 1);
    this.#total++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#total--;
        const left = (this.#perToken.get(tokenKey) ?? 1) - 1;
        if (left > 0) this.#perToken.set(tokenKey, left);
        else this.#perToken.delete(tokenKey);
      },
    };
  }
}

/**
 * GET /v1/environments/:name/events: Server-Sent Events. `progress` each time the run's
 * progress changes, then one `end` with how the run closed. A client that reconnects gets
 * the current progress at once, which is what lets a stream be bounded: one token holds at
 * most `perToken` streams and the API `total`, each for at most `maxLifetimeMs`, after which
 * it ends with a `reconnect` event (EventSource reconnects by itself; so does the CLI).
 */
export default async function environmentEventRoutes(fastify: FastifyInstance, { pollMs = 1_000, perToken = 4, total = 200, maxLifetimeMs = 900_000 }: EventsOptions) {
  const { temporal } = fastify;
  const open = new OpenStreams({ perToken, total });
  const retryAfterSeconds = Math.min(retryAfterCapSeconds, Math.ceil(maxLifetimeMs / 1000));
  fastify.get<{ Params: Static<typeof EnvironmentParams> }>('/v1/environments/:name/events', {
    config: { access: 'read' },
    schema: {
      summary: 'Progress as Server-Sent Events',
      description: '`progress` events (the run\'s progress, each time it changes) until the run closes, then one `end` event. A stream lasts at most API_EVENT_STREAM_MAX_SECONDS, then ends with a `reconnect` event; reconnecting gives the current progress at once. A token holds at most API_EVENT_STREAMS_PER_TOKEN streams, the API API_EVENT_STREAMS_TOTAL: past either, 429 with Retry-After.',
      tags: ['environments'], params: EnvironmentParams,
      // Each response with its own media type: the stream is text/event-stream, refusals are JSON.
      response: {
        200: { description: 'the stream', content: { 'text/event-stream': { schema: { type: 'string', description: '`progress`, `reconnect` and `end` events, each `data` a JSON object' } } } },
        404: { description: 'no such environment in this tenant', content: { 'application/json': { schema: ErrorResponse } } },
        429: { description: 'too many streams open (Retry-After says when to try again)', content: { 'application/json': { schema: ErrorResponse } } },
      },
    },
  }, async (request, reply) => {
    // Counted before Temporal is asked anything: a refused stream costs it nothing.
    const slot = open.take(request.tokenKey);
    if ('refused' in slot) {
      const message = slot.refused === 'token'
        ? `this token already has ${perToken} event streams open, the most one token may; close one (or poll GET /v1/environments/${request.params.name}) and retry in ${retryAfterSeconds} s`
        : `the API has ${total} event streams open, the most it serves at once; retry in ${retryAfterSeconds} s, or poll GET /v1/environments/${request.params.name} meanwhile`;
      return reply.code(429).header('retry-after', String(retryAfterSeconds)).send({ error: 'TooManyRequests', message } satisfies ErrorBody);
    }
    try {
      const workflowId = workflowIdFor(request.principal.tenant, request.params.name);
      if (!(await describe(temporal, workflowId))) {
        return reply.code(404).send({ error: 'NotFound', message: `there is no environment "${request.params.name}" in this tenant` } satisfies ErrorBody);
      }
      await stream(request, reply, workflowId);
    } finally {
      slot.release();
    }
  });

  async function stream(request: FastifyRequest, reply: FastifyReply, workflowId: string) {
    const endsAt = Date.now() + maxLifetimeMs;
    let connected = true;
    const disconnected = new AbortController();
    // The response's close, not the request's: a request may close once its (empty) body is
    // read, while the response closes only when it ends or the client goes away.
    reply.raw.once('close', () => {
      connected = false;
      disconnected.abort();
    });
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let id = 0;
    const send = (event: string, data: unknown) => out.write(`event: ${event}\nid: ${++id}\ndata: ${JSON.stringify(data)}\n\n`);

    let last = '';
    let quietSince = Date.now();
    try {
      while (connected) {
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
        if (Date.now() >= endsAt) {
          // Ended on purpose, not dropped: the client reconnects and gets the current progress at once.
          out.write('retry: 1000\n');
          send('reconnect', { message: `this stream reached its ${Math.round(maxLifetimeMs / 1000)} s lifetime; reconnect to keep following the run` });
          break;
        }
        if (Date.now() - quietSince > keepAliveMs) {
          out.write(': still here\n\n');
          quietSince = Date.now();
        }
        // A client that goes away frees its slot at once, not a poll later.
        await sleep(Math.min(pollMs, Math.max(0, endsAt - Date.now())), undefined, { signal: disconnected.signal }).catch(() => undefined);
      }
    } catch (error) {
      request.log.warn({ err: error }, 'progress stream stopped');
      send('error', { message: isTemporalUnavailable(error) ? 'Temporal is unreachable; reconnect shortly' : 'the stream failed; reconnect to resume' });
    }
    out.end();
  }
}
