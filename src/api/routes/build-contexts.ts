import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { buildIdPattern, type BuildContextStore } from '../../build-contexts/store';
import type { EnvironmentSpec, SpecError } from '../../domain/environment-spec';
import { environmentIdFor } from '../environments/identity';
import type { ErrorBody } from '../plugins/errors';
import { EnvironmentParams, ErrorResponse } from '../schemas/environments';

declare module 'fastify' {
  interface FastifyInstance {
    /** Uploaded build contexts and build logs (EKSFLOW_BUILD_CONTEXT_DIR), shared with the worker. */
    buildContexts: BuildContextStore;
  }
}

/** A tarball as the CLI sends it (gzip) or as `tar -c` writes it. */
export const buildContextMediaTypes = ['application/gzip', 'application/x-gzip', 'application/x-tar'] as const;

const Uploaded = Type.Object({
  upload: Type.String({ description: 'sha256:<hex> of the bytes sent: give it as image.build.context.upload' }),
  size: Type.Integer({ description: 'bytes stored' }),
  created: Type.Boolean({ description: 'false when this tenant had uploaded the same bytes before' }),
});

const BuildLogParams = Type.Object({
  ...EnvironmentParams.properties,
  buildId: Type.String({ pattern: buildIdPattern, description: 'the build\'s id, as the ecr:image-build step\'s detail names it' }),
}, { additionalProperties: false });

const BuildLogQuery = Type.Object({
  tail: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'only the last this many lines' })),
}, { additionalProperties: false });

/**
 * POST /v1/build-contexts stores a tarball for image.build, content-addressed per tenant;
 * GET /v1/environments/:name/builds/:buildId/log returns a build's whole log.
 */
export default async function buildContextRoutes(fastify: FastifyInstance, { maxBytes }: { maxBytes: number }) {
  fastify.addContentTypeParser([...buildContextMediaTypes], { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => done(null, body));

  fastify.post('/v1/build-contexts', {
    bodyLimit: maxBytes,
    config: { access: 'write' },
    schema: {
      summary: 'Upload a build context',
      description: `A tarball (application/gzip, or application/x-tar) of the directory an image is built from, at most ${maxBytes} bytes. Stored under its SHA-256 for the caller's tenant `
        + 'only; answers the name to give as image.build.context.upload. The same bytes again are the same upload. `eksflow image build <dir>` packs and sends it.',
      tags: ['images'],
      consumes: [...buildContextMediaTypes],
      response: { 200: Uploaded, 201: Uploaded, 400: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse },
    },
  }, async (request, reply) => {
    const body = request.body as Buffer;
    const gzip = body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b;
    const tar = body.length >= 512 && body.subarray(257, 262).toString('latin1') === 'ustar';
    if (!gzip && !tar) {
      return reply.code(400).send({
        error: 'NotATarball', message: 'the body is neither gzip nor a ustar tarball; send `tar -czf - -C <dir> .` as application/gzip, or use `eksflow image build <dir>`',
      } satisfies ErrorBody);
    }
    const stored = await fastify.buildContexts.put(request.principal.tenant, body);
    request.log.info({ tenant: request.principal.tenant, upload: stored.upload, size: stored.size, created: stored.created }, 'build context uploaded');
    return reply.code(stored.created ? 201 : 200).send(stored);
  });

  fastify.get<{ Params: Static<typeof BuildLogParams>; Querystring: Static<typeof BuildLogQuery> }>('/v1/environments/:name/builds/:buildId/log', {
    config: { access: 'read' },
    schema: {
      summary: 'An image build\'s whole log',
      description: 'Everything buildah (and the clone or unpacking before it) wrote for one ecr:image-build step, every attempt, as text/plain; the step\'s detail names the build id. '
        + 'Kept while the environment\'s build context directory is.',
      tags: ['images'], params: BuildLogParams, querystring: BuildLogQuery, produces: ['text/plain'],
      response: { 200: Type.String(), 404: ErrorResponse },
    },
  }, async (request, reply) => {
    const { name, buildId } = request.params;
    const log = await fastify.buildContexts.readLog(environmentIdFor(request.principal.tenant, name), buildId);
    if (log === undefined) {
      return reply.code(404).send({ error: 'NotFound', message: `environment "${name}" of this tenant has no build ${buildId}; the ecr:image-build step's detail names its build` } satisfies ErrorBody);
    }
    const text = request.query.tail ? log.split('\n').slice(-(request.query.tail + 1)).join('\n') : log;
    return reply.type('text/plain; charset=utf-8').send(text);
  });
}

/**
 * The spec's upload when this tenant has not uploaded it: refused at the edge, before a run
 * starts that could only fail at its build step.
 */
export async function missingUploadProblems(store: BuildContextStore, tenant: string, spec: EnvironmentSpec): Promise<SpecError[]> {
  const context = spec.image?.build?.context;
  if (!context || !('upload' in context) || await store.has(tenant, context.upload)) return [];
  return [{
    path: '/image/build/context/upload',
    message: `${context.upload} is not a build context this tenant uploaded; upload the directory with \`eksflow image build <dir> --env ${spec.name}\` (or POST /v1/build-contexts) and give the sha256 it answers`,
  }];
}
