import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { formatDuration } from '../../domain/latency';
import { describePlan, InvalidPlanError, planEnvironment } from '../../domain/planner';
import type { ErrorBody } from '../plugins/errors';
import { bodyLimitBytes, specFromRequest } from '../request-spec';
import { changePlanBody, liveEnvironment, previewChange } from '../environments/change';
import { workflowIdFor } from '../environments/identity';

/**
 * POST /v1/plans: a dry run. The request as it would be provisioned (its steps, the waves
 * they run in, the critical path and its estimate, the tree eksctl's plan mode would print),
 * and nothing started.
 */
export default async function planRoutes(fastify: FastifyInstance) {
  fastify.post('/v1/plans', {
    bodyLimit: bodyLimitBytes,
    config: { access: 'read' },
    schema: { summary: 'Plan an environment (dry run)', description: 'The steps, waves, critical path and estimate for an EnvironmentSpec (JSON) or eksctl ClusterConfig (application/yaml); nothing starts. For a running environment of the same name in the tenant, the change plan from its live spec (kind: change, each step with its action); a change it cannot make is 409 with each problem at its path.', tags: ['plans'] },
  }, async (request, reply) => {
    const parsed = specFromRequest(request.body, request.headers['content-type'], fastify.tenantAccess(request.principal.tenant));
    if (!parsed.ok) {
      return reply.code(400).send({ error: 'InvalidSpec', message: `the request has ${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'}`, errors: parsed.errors } satisfies ErrorBody);
    }
    // A running environment of that name: the change plan from its live spec (PUT applies it).
    const live = await liveEnvironment(fastify.temporal, workflowIdFor(request.principal.tenant, parsed.spec.name));
    if (typeof live !== 'string') {
      const preview = previewChange(live, parsed.spec);
      if (!preview.ok) return reply.code(409).send({ error: preview.error, message: preview.message, errors: preview.problems } satisfies ErrorBody);
      return changePlanBody(preview.plan);
    }
    try {
      const plan = planEnvironment(parsed.spec);
      return {
        kind: 'create' as const,
        environment: plan.environment, region: plan.region, kubernetesVersion: plan.kubernetesVersion,
        steps: plan.steps.map(({ id, kind, title, dependsOn, estimateSeconds }) => ({ id, kind, title, dependsOn, estimateSeconds })),
        waves: plan.waves, criticalPath: plan.criticalPath, criticalPathSeconds: plan.criticalPathSeconds,
        estimate: formatDuration(plan.criticalPathSeconds), tree: describePlan(plan),
      };
    } catch (error) {
      if (!(error instanceof InvalidPlanError)) throw error;
      return reply.code(400).send({ error: 'InvalidPlan', message: error.message, ...(error.problems.length ? { errors: error.problems } : {}) } satisfies ErrorBody);
    }
  });
}
