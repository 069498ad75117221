import type { FastifyInstance, FastifySchema } from 'fastify';
import fp from 'fastify-plugin';
import swagger, { type SwaggerTransform } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { EnvironmentSpec } from '../../domain/environment-spec';
import { servePublicly } from './auth';
import packageJson from '../../../package.json' with { type: 'json' };

const bearerScheme = 'bearerAuth';
const specSchemaName = 'EnvironmentSpec';

/**
 * The routes that take an environment request. They declare no `schema.body`: their body is
 * an EnvironmentSpec (JSON) or an eksctl ClusterConfig (YAML) and is checked by our own parsers
 * (see request-spec.ts), so the document is told what they take here.
 */
const environmentRequestRoutes: ReadonlySet<string> = new Set(['POST /v1/environments', 'POST /v1/plans']);

/**
 * A schema as a request may meet it: parseEnvironmentSpec fills every default before it
 * checks, so a field with a default may be left out, though the parsed spec always has it.
 */
function asRequested(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(asRequested);
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy: Record<string, unknown> = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, asRequested(value)]));
  const properties = copy.properties as Record<string, { default?: unknown }> | undefined;
  if (Array.isArray(copy.required) && properties) {
    const required = (copy.required as string[]).filter((name) => properties[name]?.default === undefined);
    if (required.length > 0) copy.required = required;
    else delete copy.required;
  }
  return copy;
}

const environmentRequestBody = {
  content: {
    'application/json': { schema: { $ref: `#/components/schemas/${specSchemaName}` } },
    'application/yaml': {
      schema: {
        type: 'string',
        description: 'an eksctl ClusterConfig (apiVersion: eksctl.io/v1alpha5, kind: ClusterConfig), translated into an EnvironmentSpec; also accepted as application/x-yaml and text/yaml',
      },
    },
  },
};

/**
 * What the document says of a route beyond its own schema: the bearer token a route with
 * `config.access` needs (a public route needs none), and the request body of the routes above.
 */
const documentRoute: SwaggerTransform = ({ schema, url, route }) => {
  const documented: FastifySchema = { ...schema };
  if (route.config?.access) documented.security = [{ [bearerScheme]: [] }];
  if ([route.method].flat().some((method) => environmentRequestRoutes.has(`${method} ${url}`))) documented.body = environmentRequestBody;
  return { schema: documented, url };
};

/**
 * The OpenAPI 3.1 document of every route registered after this plugin (so it comes before
 * the routes), and the Swagger UI at /docs (its JSON at /docs/json). Neither /docs nor
 * /metrics is in the document.
 */
export default fp(async (fastify: FastifyInstance) => {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'eksflow', version: packageJson.version, description: packageJson.description },
      components: {
        // Once, referred to by both routes that take it.
        schemas: { [specSchemaName]: asRequested(EnvironmentSpec) as object },
        securitySchemes: {
          [bearerScheme]: { type: 'http', scheme: 'bearer', description: 'an eksflow API token (`eksflow token` makes one); it acts for its tenant only' },
        },
      },
    },
    transform: documentRoute,
  });
  // The UI and its document are public: they describe the API, and every route in the
  // document still needs its token. Swagger UI's routes take no config of ours, so their scope is marked.
  await fastify.register(async (ui) => {
    servePublicly(ui);
    await ui.register(swaggerUi, {
      routePrefix: '/docs',
      // The API's own policy allows nothing (plugins/security.ts); the UI loads its scripts,
      // styles and images from here. Its bundle applies inline styles (scripts stay strict). No
      // upgrade-insecure-requests: the API may be served over plain HTTP on a private network,
      // where that would break the page.
      staticCSP: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    });
  });
}, { name: 'docs' });
