import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { formatDuration } from '../../domain/latency';
import { describePlan, InvalidPlanError, planEnvironment } from '../../domain/planner';
import type { ErrorBody } from '../plugins/errors';
import { bodyLimitBytes, specFromRequest } from '../request-spec';
import { changePlanBody, liveEnvironment, previewChange } from '../environments/change';
import { workflowIdFor } from '../environments/identity';
import { instanceLimitsFor } from '../instance-limits';

/**
 * POST /v1/plans: a dry run. The request as it would be provisioned (its steps, the waves
 * they run in, the critical path and its estimate, the tree eksctl's plan mode would print),
 * and nothing started.
 */
const PlanQuery = Type.Object({
  change: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('true'), Type.Literal('false')], {
    default: 'false',
    description: 'auto: the change plan when the tenant has a running environment of that name, else the creation plan (what `eksflow plan` asks for); true: the change plan, 404 without one; false: the creation plan, without asking Temporal',
  })),
}, { additionalProperties: false });

export default async function planRoutes(fastify: FastifyInstance) {
  fastify.post<{ Querystring: Static<typeof PlanQuery> }>('/v1/plans', {
    bodyLimit: bodyLimitBytes,
    config: { access: 'read' },
    schema: {
      summary: 'Plan an environment (dry run)', querystring: PlanQuery, tags: ['plans'],
      description: 'The steps, waves, critical path and estimate for an EnvironmentSpec (JSON) or eksctl ClusterConfig (application/yaml), and its warnings (each with a path and a message) when it has any, such as pods that fit the node groups only above desiredSize; nothing starts. With `change=auto` (or `true`), for a running environment of the same name in the tenant: the change plan from its live spec (kind: change, each step with its action), which PUT /v1/environments/:name applies; a change it cannot make is 409 with each problem at its path.',
    },
  }, async (request, reply) => {
    const parsed = specFromRequest(request.body, request.headers['content-type'], fastify.tenantAccess(request.principal.tenant));
    if (!parsed.ok) {
      return reply.code(400).send({ error: 'InvalidSpec', message: `the request has ${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'}`, errors: parsed.errors } satisfies ErrorBody);
    }
    // A running environment of that name: the change plan from its live spec (PUT applies it).
    const mode = request.query.change ?? 'false';
    const live = mode === 'false' ? 'not-found' : await liveEnvironment(fastify.temporal, workflowIdFor(request.principal.tenant, parsed.spec.name));
    if (mode === 'true' && typeof live === 'string') {
      return reply.code(404).send({ error: 'NotFound', message: `there is no running environment "${parsed.spec.name}" in this tenant to change; plan without change=true to see how it would be created` } satisfies ErrorBody);
    }
    if (typeof live !== 'string') {
      const preview = previewChange(live, parsed.spec);
      if (!preview.ok) return reply.code(409).send({ error: preview.error, message: preview.message, errors: preview.problems } satisfies ErrorBody);
      return changePlanBody(preview.plan);
    }
    try {
      const plan = planEnvironment(parsed.spec, await instanceLimitsFor(fastify.instanceTypes, parsed.spec, request.log));
      return {
        kind: 'create' as const,
        environment: plan.environment, region: plan.region, kubernetesVersion: plan.kubernetesVersion,
        steps: plan.steps.map(({ id, kind, title, dependsOn, estimateSeconds }) => ({ id, kind, title, dependsOn, estimateSeconds })),
        waves: plan.waves, criticalPath: plan.criticalPath, criticalPathSeconds: plan.criticalPathSeconds,
        estimate: formatDuration(plan.criticalPathSeconds), tree: describePlan(plan),
        // What the plan says without refusing (pods that fit only above desiredSize, capacities unknown): only when there is any.
        // The translation's own (a ClusterConfig value eksflow replaced) come first, at their ClusterConfig paths.
        ...(plan.warnings || parsed.warnings ? { warnings: [...(parsed.warnings ?? []), ...(plan.warnings ?? [])] } : {}),
        // What the plan leaves out because EKS Auto Mode provides it.
        ...(plan.notes ? { notes: plan.notes } : {}),
      };
    } catch (error) {
      if (!(error instanceof InvalidPlanError)) throw error;
      return reply.code(400).send({ error: 'InvalidPlan', message: error.message, ...(error.problems.length ? { errors: error.problems } : {}) } satisfies ErrorBody);
    }
  });
}
