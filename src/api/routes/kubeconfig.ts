import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { stringify } from 'yaml';
import { kubeconfigFor } from '../../domain/kubeconfig';
import { workflowIdFor } from '../environments/identity';
import { environmentView } from '../environments/view';
import type { ErrorBody } from '../plugins/errors';
import { EnvironmentParams, ErrorResponse } from '../schemas/environments';

const KubeconfigQuery = Type.Object({
  roleArn: Type.Optional(Type.String({
    pattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$',
    description: 'an IAM role the user\'s `aws eks get-token` assumes (`--role-arn`), e.g. the team role that has an access entry',
  })),
}, { additionalProperties: false });

const Kubeconfig = Type.Object({
  apiVersion: Type.Literal('v1'), kind: Type.Literal('Config'), 'current-context': Type.String(),
  preferences: Type.Object({}),
  clusters: Type.Array(Type.Object({ name: Type.String(), cluster: Type.Object({ server: Type.String(), 'certificate-authority-data': Type.String() }) })),
  contexts: Type.Array(Type.Object({ name: Type.String(), context: Type.Object({ cluster: Type.String(), user: Type.String() }) })),
  users: Type.Array(Type.Object({ name: Type.String(), user: Type.Object({ exec: Type.Object({
    apiVersion: Type.String(), command: Type.String(), args: Type.Array(Type.String()), interactiveMode: Type.String(),
  }) }) })),
}, { description: 'a kubeconfig; its user runs `aws eks get-token` with the caller\'s own AWS credentials, so it holds no secret' });

/** `GET /v1/environments/:name/kubeconfig`: what `aws eks update-kubeconfig` would write for the environment's cluster. */
export default async function kubeconfigRoutes(fastify: FastifyInstance) {
  const { temporal } = fastify;
  fastify.get<{ Params: Static<typeof EnvironmentParams>; Querystring: Static<typeof KubeconfigQuery> }>('/v1/environments/:name/kubeconfig', {
    config: { access: 'read' },
    schema: {
      summary: 'A kubeconfig for the environment\'s cluster',
      description: 'The cluster\'s endpoint and CA, and an `exec` user running `aws eks get-token --cluster-name … --region …` (with `--role-arn` when asked): '
        + 'the token is made on the user\'s machine from their own AWS credentials, so the kubeconfig holds no secret. It works for a principal that has an access entry on the cluster. '
        + 'JSON by default; `Accept: application/yaml` gives YAML, ready to save. 409 until the cluster is ACTIVE.',
      tags: ['environments'], params: EnvironmentParams, querystring: KubeconfigQuery, produces: ['application/json', 'application/yaml'],
      response: { 200: Kubeconfig, 404: ErrorResponse, 409: ErrorResponse },
    },
  }, async (request, reply) => {
    const { name } = request.params;
    const view = await environmentView(temporal, workflowIdFor(request.principal.tenant, name));
    if (!view) return reply.code(404).send({ error: 'NotFound', message: `there is no environment "${name}" in this tenant` } satisfies ErrorBody);
    const { endpoint, certificateAuthority } = view.progress?.cluster ?? {};
    const region = (view.spec as { region?: string } | undefined)?.region;
    if (!endpoint || !certificateAuthority || !region) {
      return reply.code(409).send({
        error: 'NoClusterYet',
        message: `environment "${name}" has no ACTIVE cluster to connect to (${view.phase ?? view.status}); ask again once its cluster step is done (GET /v1/environments/${name} shows it)`,
      } satisfies ErrorBody);
    }
    const kubeconfig = kubeconfigFor({ cluster: name, region, endpoint, certificateAuthority, ...(request.query.roleArn ? { roleArn: request.query.roleArn } : {}) });
    if (/\bapplication\/(x-)?yaml\b/.test(request.headers.accept ?? '') && !/\bapplication\/json\b/.test(request.headers.accept ?? '')) {
      return reply.type('application/yaml').serializer((body: unknown) => stringify(body)).send(kubeconfig);
    }
    return kubeconfig;
  });
}
