import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { applyChangeUpdate } from '../../workflows/messages';
import { changePlanBody, liveEnvironment, previewChange } from '../environments/change';
import { workflowIdFor } from '../environments/identity';
import type { ErrorBody } from '../plugins/errors';
import { missingUploadProblems } from './build-contexts';
import { bodyLimitBytes, specFromRequest } from '../request-spec';
import { EnvironmentParams, ErrorResponse } from '../schemas/environments';

const ApplyQuery = Type.Object({
  force: Type.Optional(Type.Boolean({ description: 'node group version updates go on past PodDisruptionBudgets that block their drain, as EKS\'s force flag allows', default: false })),
}, { additionalProperties: false });

/**
 * PUT /v1/environments/:name: apply a changed spec to a running environment. The live spec and
 * the new one are diffed into a change plan (POST /v1/plans previews it); the change runs in the
 * environment's own workflow, one at a time, and is watched like creation (GET, the events).
 */
export default async function changeRoutes(fastify: FastifyInstance) {
  const { temporal } = fastify;
  fastify.put<{ Params: Static<typeof EnvironmentParams>; Querystring: Static<typeof ApplyQuery> }>('/v1/environments/:name', {
    bodyLimit: bodyLimitBytes,
    config: { access: 'write' },
    schema: {
      summary: 'Change an environment (apply a spec)',
      description: 'The whole new EnvironmentSpec (JSON) or eksctl ClusterConfig (application/yaml) for a running environment. Answers 202 with the change plan once the run has '
        + 'accepted the change, 200 when there is nothing to change, 409 when the change cannot be made (each problem at its path, with the way out) or another change is running.',
      tags: ['environments'], params: EnvironmentParams, querystring: ApplyQuery,
      response: { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
    },
  }, async (request, reply) => {
    const { name } = request.params;
    const parsed = specFromRequest(request.body, request.headers['content-type'], fastify.tenantAccess(request.principal.tenant));
    if (!parsed.ok) {
      return reply.code(400).send({ error: 'InvalidSpec', message: `the request has ${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'}`, errors: parsed.errors } satisfies ErrorBody);
    }
    if (parsed.spec.name !== name) {
      return reply.code(400).send({
        error: 'InvalidSpec', message: 'the spec names another environment',
        errors: [{ path: '/name', message: `is "${parsed.spec.name}" but the URL names "${name}": an environment keeps its name; put the spec to /v1/environments/${parsed.spec.name}, or POST it as a new environment` }],
      } satisfies ErrorBody);
    }
    const missing = await missingUploadProblems(fastify.buildContexts, request.principal.tenant, parsed.spec);
    if (missing.length > 0) return reply.code(400).send({ error: 'InvalidSpec', message: 'the request names a build context this tenant has not uploaded', errors: missing } satisfies ErrorBody);
    const workflowId = workflowIdFor(request.principal.tenant, name);
    const live = await liveEnvironment(temporal, workflowId);
    if (live === 'not-found') return reply.code(404).send({ error: 'NotFound', message: `there is no environment "${name}" in this tenant; POST /v1/environments to request it` } satisfies ErrorBody);
    if (live === 'ended') return reply.code(409).send({ error: 'Conflict', message: `environment "${name}" has ended; it cannot be changed (POST it to request it again)` } satisfies ErrorBody);
    const preview = previewChange(live, parsed.spec);
    if (!preview.ok) return reply.code(409).send({ error: preview.error, message: preview.message, errors: preview.problems } satisfies ErrorBody);
    if (preview.plan.empty) return reply.code(200).send({ name, action: 'none', message: 'the spec is the one the environment stands on: nothing to change' });
    const { updateId, refusal } = await temporal.startUpdate(workflowId, applyChangeUpdate, [{ spec: parsed.spec, plan: preview.plan, ...(request.query.force ? { force: true } : {}) }]);
    // The run's validator refused it (a change or scale running, still provisioning) before anything was written.
    if (refusal) return reply.code(409).send({ error: 'ChangeRefused', message: refusal } satisfies ErrorBody);
    request.log.info({ tenant: request.principal.tenant, environment: name, updateId, steps: preview.plan.steps.length }, 'change accepted');
    return reply.code(202).header('location', `/v1/environments/${name}`).send({
      name, action: 'change', changeId: updateId, plan: changePlanBody(preview.plan),
      links: { self: `/v1/environments/${name}`, events: `/v1/environments/${name}/events`, temporalUi: temporal.uiLink(workflowId) },
    });
  });
}
