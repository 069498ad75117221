import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApplicationFailure } from '@temporalio/common';
import { createDashboardTokenActivity, dashboardErrorTypes, dashboardTokenLifetime } from '../../activities/addons/dashboard';
import type { KubeAccess } from '../../activities/nodes-ready';
import { inRegion } from '../../activities/region-scope';
import { requestedAddons } from '../../domain/addon-catalog';
import type { EnvironmentSpec } from '../../domain/environment-spec';
import { workflowIdFor } from '../environments/identity';
import { environmentView } from '../environments/view';
import type { ErrorBody } from '../plugins/errors';
import { EnvironmentParams, ErrorResponse } from '../schemas/environments';

const TokenBody = Type.Object({
  expirationSeconds: Type.Optional(Type.Integer({
    minimum: dashboardTokenLifetime.minSeconds, maximum: dashboardTokenLifetime.maxSeconds, default: dashboardTokenLifetime.defaultSeconds,
    description: 'how long the token lives (the apiserver\'s floor is 600 seconds)',
  })),
}, { additionalProperties: false });

const DashboardToken = Type.Object({
  token: Type.String({ description: 'a bearer token for the dashboard\'s admin ServiceAccount (cluster-admin): sign in with it, keep it to yourself; eksflow keeps no copy' }),
  expiresAt: Type.String({ description: 'when the apiserver stops accepting it (ISO 8601)' }),
  username: Type.String(),
  dashboard: Type.Object({
    title: Type.String(), namespace: Type.String(),
    portForward: Type.String({ description: 'the command that makes the dashboard reachable on this machine (with the kubeconfig from GET …/kubeconfig)' }),
    url: Type.String({ description: 'where it answers once port-forwarded' }),
  }),
});

export interface DashboardRouteOptions {
  /** The API's way into clusters; without one the route answers 501. */
  clusters?: KubeAccess;
}

/**
 * `POST /v1/environments/:name/dashboard/token`: the seed's "describe the admin secret" step,
 * without a Secret. The token is made here, by the API, straight from the cluster's
 * TokenRequest API and handed to the caller only: it never passes through a run (whose history
 * would keep it), the log (Fastify logs no bodies) or the event stream.
 */
export default async function dashboardRoutes(fastify: FastifyInstance, { clusters }: DashboardRouteOptions) {
  const { temporal } = fastify;
  const tokens = clusters ? createDashboardTokenActivity(clusters) : undefined;
  fastify.post<{ Params: Static<typeof EnvironmentParams>; Body: Static<typeof TokenBody> | undefined }>('/v1/environments/:name/dashboard/token', {
    // A cluster-admin credential: a write token of the owning tenant only.
    config: { access: 'write' },
    schema: {
      summary: 'A short-lived login token for the environment\'s dashboard',
      description: 'A TokenRequest for the dashboard add-on\'s admin ServiceAccount (10 minutes to 12 hours, default 1 hour), with how to reach the dashboard. '
        + 'Only the caller gets the token: it is not stored, logged, or put in the run\'s history or event stream.',
      tags: ['environments'], params: EnvironmentParams, body: Type.Optional(TokenBody),
      response: { 200: DashboardToken, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 501: ErrorResponse },
    },
  }, async (request, reply) => {
    const { name } = request.params;
    const refuse = (code: 404 | 409 | 501, error: string, message: string) => reply.code(code).send({ error, message } satisfies ErrorBody);
    const view = await environmentView(temporal, workflowIdFor(request.principal.tenant, name));
    if (!view) return refuse(404, 'NotFound', `there is no environment "${name}" in this tenant`);
    const spec = view.spec as EnvironmentSpec | undefined;
    const addon = spec ? requestedAddons(spec).find((a) => a.name === 'dashboard') : undefined;
    if (!spec || !addon?.console) {
      return refuse(409, 'NoDashboard', `environment "${name}" has no dashboard add-on; ask for one with addons.dashboard in its spec`);
    }
    if (!tokens) return refuse(501, 'NoClusterAccess', 'this API has no access to clusters (the simulated cloud runs inside the worker: use `npm start`, which runs both)');
    if (view.status !== 'running' || !view.progress?.cluster.endpoint) {
      return refuse(409, 'NotReady', `environment "${name}" has no running cluster (${view.phase ?? view.status})`);
    }
    try {
      const issued = await inRegion(spec.region, () => tokens.dashboardLoginToken({ cluster: name, namespace: addon.namespace, expirationSeconds: request.body?.expirationSeconds }));
      const { service, servicePort, localPort, scheme } = addon.console;
      return reply.header('cache-control', 'no-store').send({
        ...issued,
        dashboard: {
          title: addon.title, namespace: addon.namespace,
          portForward: `kubectl --namespace ${addon.namespace} port-forward service/${service} ${localPort}:${servicePort}`,
          url: `${scheme}://127.0.0.1:${localPort}`,
        },
      });
    } catch (error) {
      // The add-on's step has not made the ServiceAccount yet (or it was removed): not a server fault.
      if (error instanceof ApplicationFailure && error.type === dashboardErrorTypes.notInstalled) {
        return refuse(409, 'NotReady', `${error.message}; ask again once the environment's add-on steps are done`);
      }
      throw error;
    }
  });
}
