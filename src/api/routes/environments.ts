import type {} from '@fastify/swagger';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { InvalidPlanError, planEnvironment } from '../../domain/planner';
import { scaleNodeGroupUpdate, teardownSignal } from '../../workflows/messages';
import { workflowIdFor } from '../environments/identity';
import { BadCursorError, listEnvironments } from '../environments/list';
import { nameTakenMessage } from '../environments/name-claim';
import { describe, requestEnvironment } from '../environments/request';
import { instanceLimitsFor } from '../instance-limits';
import { aftermathOf, startCleanup } from '../environments/cleanup';
import { environmentView, queryProgress, runStatus } from '../environments/view';
import type { ErrorBody } from '../plugins/errors';
import { missingUploadProblems } from './build-contexts';
import { bodyLimitBytes, specFromRequest } from '../request-spec';
import { Accepted, EnvironmentParams, ErrorResponse, IdempotencyHeaders, ListQuery, ScaleBody } from '../schemas/environments';

type Params = Static<typeof EnvironmentParams>;

/** The environments a tenant asks for, watches, scales and deletes; each route sees only the caller's tenant. */
export default async function environmentRoutes(fastify: FastifyInstance) {
  const { temporal } = fastify;
  const links = (name: string, workflowId: string, runId?: string) => ({
    self: `/v1/environments/${name}`, events: `/v1/environments/${name}/events`, temporalUi: temporal.uiLink(workflowId, runId),
  });
  const notFound = (reply: FastifyReply, name: string) =>
    reply.code(404).send({ error: 'NotFound', message: `there is no environment "${name}" in this tenant` } satisfies ErrorBody);

  fastify.post<{ Headers: Static<typeof IdempotencyHeaders> }>('/v1/environments', {
    bodyLimit: bodyLimitBytes,
    config: { access: 'write' },
    schema: {
      summary: 'Request an environment',
      description: 'An EnvironmentSpec as JSON, or an eksctl ClusterConfig as application/yaml. Starts its run and answers at once. '
        + 'A name that another tenant\'s environment holds (its AWS names would clash) is refused with 409 before anything starts.',
      tags: ['environments'], headers: IdempotencyHeaders,
      response: { 202: Accepted, 400: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse },
    },
  }, async (request, reply) => {
    const parsed = specFromRequest(request.body, request.headers['content-type'], fastify.tenantAccess(request.principal.tenant));
    if (!parsed.ok) {
      return reply.code(400).send({ error: 'InvalidSpec', message: `the request has ${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'}`, errors: parsed.errors } satisfies ErrorBody);
    }
    const missing = await missingUploadProblems(fastify.buildContexts, request.principal.tenant, parsed.spec);
    if (missing.length > 0) return reply.code(400).send({ error: 'InvalidSpec', message: 'the request names a build context this tenant has not uploaded', errors: missing } satisfies ErrorBody);
    try {
      // The plan's rules (dependencies, conflicts) are checked here too: a run that would fail at once is never started.
      planEnvironment(parsed.spec, await instanceLimitsFor(fastify.instanceTypes, parsed.spec, request.log));
    } catch (error) {
      if (!(error instanceof InvalidPlanError)) throw error;
      return reply.code(400).send({ error: 'InvalidPlan', message: error.message, ...(error.problems.length ? { errors: error.problems } : {}) } satisfies ErrorBody);
    }
    const { tenant } = request.principal;
    const idempotencyKey = request.headers['idempotency-key'];
    const outcome = await requestEnvironment(temporal, { tenant, spec: parsed.spec, ...(idempotencyKey ? { idempotencyKey } : {}) });
    const name = parsed.spec.name;
    switch (outcome.kind) {
      case 'conflict':
        return reply.code(409).send({
          error: 'Conflict', message: `environment "${name}" is already running with a different spec (${outcome.differences.length} difference${outcome.differences.length === 1 ? '' : 's'}); delete it first, or scale it`,
          differences: outcome.differences,
        } satisfies ErrorBody);
      case 'name-taken':
        return reply.code(409).send({ error: 'NameTaken', message: nameTakenMessage(name) } satisfies ErrorBody);
      case 'cleaning-up':
        return reply.code(409).send({
          error: 'CleaningUp', message: `environment "${name}" is being cleaned up after its run ended; ask again once \`GET /v1/environments/${name}\` shows the cleanup finished`,
        } satisfies ErrorBody);
      case 'key-reused':
        return reply.code(422).send({
          error: 'IdempotencyKeyReused', message: 'this Idempotency-Key was used for a request with a different spec; use a new key for a new request', differences: outcome.differences,
        } satisfies ErrorBody);
      default:
        if (outcome.kind === 'started') {
          request.log.info({ tenant, environment: name, workflowId: outcome.workflowId }, 'environment requested');
          fastify.metrics.runsStarted.inc({ tenant });
        }
        return reply.code(202).header('location', `/v1/environments/${name}`).send({
          name, workflowId: outcome.workflowId, runId: outcome.runId, created: outcome.kind === 'started', links: links(name, outcome.workflowId, outcome.runId),
        });
    }
  });

  fastify.get<{ Querystring: Static<typeof ListQuery> }>('/v1/environments', {
    config: { access: 'read' },
    schema: { summary: 'List the tenant\'s environments', tags: ['environments'], querystring: ListQuery },
  }, async (request, reply) => {
    if (!(await temporal.searchable())) {
      return reply.code(501).send({ error: 'NotImplemented', message: 'listing needs Temporal visibility with eksflow\'s search attributes, which this Temporal server lacks' } satisfies ErrorBody);
    }
    try {
      return await listEnvironments(temporal, { tenant: request.principal.tenant, ...request.query });
    } catch (error) {
      if (error instanceof BadCursorError) return reply.code(400).send({ error: 'InvalidCursor', message: error.message } satisfies ErrorBody);
      throw error;
    }
  });

  fastify.get<{ Params: Params }>('/v1/environments/:name', {
    config: { access: 'read' },
    schema: { summary: 'An environment: spec, phase, steps, ledger, app URL', tags: ['environments'], params: EnvironmentParams, response: { 404: ErrorResponse } },
  }, async (request, reply) => {
    const workflowId = workflowIdFor(request.principal.tenant, request.params.name);
    const view = await environmentView(temporal, workflowId);
    if (!view) return notFound(reply, request.params.name);
    return { ...view, links: links(view.name, workflowId, view.runId) };
  });

  fastify.delete<{ Params: Params }>('/v1/environments/:name', {
    config: { access: 'write' },
    schema: {
      summary: 'Delete an environment',
      description: 'A run still provisioning is cancelled and rolls back what it made; a ready one is torn down (202). A run that has ended without deleting everything it made '
        + '(failed, kept by onFailure: keep, rolled back or torn down incompletely, terminated, timed out) gets a cleanup: its environment\'s teardown, by ledger and ownership tags (202, action `cleanup`; '
        + 'GET shows its report). A run that ended with nothing left: 200, action `none`.',
      tags: ['environments'], params: EnvironmentParams, response: { 404: ErrorResponse },
    },
  }, async (request, reply) => {
    const { name } = request.params;
    const workflowId = workflowIdFor(request.principal.tenant, name);
    const description = await describe(temporal, workflowId);
    if (!description) return notFound(reply, name);
    const body = (action: string, message: string, cleanup?: { workflowId: string; runId?: string }) => ({
      name, workflowId, runId: description.runId, action, message,
      ...(cleanup ? { cleanup } : {}),
      links: { ...links(name, workflowId, description.runId), ...(cleanup ? { cleanup: temporal.uiLink(cleanup.workflowId, cleanup.runId) } : {}) },
    });
    if (description.status.name !== 'RUNNING') {
      // A closed run may have left what it made (kept, half rolled back, terminated): its teardown deletes it.
      const ended = runStatus(description.status.name);
      const aftermath = await aftermathOf(temporal, description);
      if (aftermath.state === 'clean') return reply.code(200).send(body('none', `the environment's run has already ended (${ended}) and left nothing behind`, aftermath.cleanup));
      const cleaning = 'already cleaning up what the environment\'s run left; GET the environment to see how far it is';
      if (aftermath.state === 'cleaning') return reply.code(202).send(body('none', cleaning, aftermath.cleanup));
      const cleanup = await startCleanup(temporal, description);
      if (!cleanup.started) return reply.code(202).send(body('none', cleaning, cleanup));
      request.log.info({ tenant: request.principal.tenant, environment: name, workflowId: cleanup.workflowId }, 'cleanup of a closed run started');
      return reply.code(202).send(body('cleanup', `the environment's run ended (${ended}) without a clean teardown; a cleanup is deleting whatever of it is left, found by ledger and ownership tags`, cleanup));
    }
    const handle = temporal.client.workflow.getHandle(workflowId);
    const phase = (await queryProgress(temporal, description))?.phase;
    if (phase === 'ready' || phase === 'scaling') {
      await handle.signal(teardownSignal, { reason: `deleted through the API by tenant ${request.principal.tenant}` });
      return reply.code(202).send(body('teardown', 'tearing down everything the environment made'));
    }
    if (phase === 'rolling-back' || phase === 'tearing-down') return reply.code(202).send(body('none', `already ${phase}`));
    // Provisioning (or not answering): cancelling rolls back what the run has made so far.
    await handle.cancel();
    return reply.code(202).send(body('rollback', 'provisioning is cancelled; what it made is being deleted'));
  });

  fastify.post<{ Params: Params; Body: Static<typeof ScaleBody> }>('/v1/environments/:name/scale', {
    config: { access: 'write' },
    schema: {
      summary: 'Scale a node group', description: 'Accepted once the run has checked the request; the nodes become Ready afterwards (watch the events).',
      tags: ['environments'], params: EnvironmentParams, body: ScaleBody, response: { 400: ErrorResponse, 404: ErrorResponse },
    },
  }, async (request, reply) => {
    const { name } = request.params;
    const workflowId = workflowIdFor(request.principal.tenant, name);
    const description = await describe(temporal, workflowId);
    if (!description || description.status.name !== 'RUNNING') {
      return description ? reply.code(409).send({ error: 'Conflict', message: `environment "${name}" has ended; it cannot be scaled` } satisfies ErrorBody) : notFound(reply, name);
    }
    const { updateId, refusal } = await temporal.startUpdate(workflowId, scaleNodeGroupUpdate, [request.body]);
    // The run's validator refused it before anything was written to history.
    if (refusal) return reply.code(400).send({ error: 'InvalidScale', message: refusal } satisfies ErrorBody);
    return reply.code(202).send({ name, updateId, request: request.body, links: links(name, workflowId) });
  });
}

