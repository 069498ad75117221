import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Every setting eksflow reads from its environment, in one place, checked at start-up. */
export const Config = Type.Object({
  TEMPORAL_ADDRESS: Type.String({ default: '127.0.0.1:7233', description: 'host:port of the Temporal frontend' }),
  TEMPORAL_NAMESPACE: Type.String({ default: 'default' }),
  TEMPORAL_TLS: Type.Boolean({ default: false, description: 'TLS to the frontend (implied by an API key or a client certificate)' }),
  TEMPORAL_TLS_CERT_PATH: Type.Optional(Type.String({ description: 'client certificate for mTLS (Temporal Cloud)' })),
  TEMPORAL_TLS_KEY_PATH: Type.Optional(Type.String({ description: 'its private key' })),
  TEMPORAL_API_KEY: Type.Optional(Type.String({ minLength: 1, description: 'Temporal Cloud API key; a secret, never logged' })),
  TEMPORAL_UI_URL: Type.String({ default: 'http://127.0.0.1:8233', description: 'base URL of the Temporal Web UI, for links' }),
  EKSFLOW_TASK_QUEUE: Type.String({ default: 'eksflow', minLength: 1 }),
  API_HOST: Type.String({ default: '127.0.0.1' }),
  API_PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
  EKSFLOW_API_TOKENS: Type.String({
    default: '',
    description: 'who may call the API: comma-separated `<tenant>[:read]=<sha256 hex of the bearer token>` (make one with `eksflow token`); never the tokens themselves',
  }),
  EKSFLOW_TENANT_ACCESS: Type.String({
    default: '',
    description: 'principals every environment of a tenant grants access to: JSON from tenant to access entries as a spec writes them, e.g. {"team-a":[{"principalArn":"arn:aws:iam::111122223333:role/team-a-admin","accessPolicies":[{"policy":"AmazonEKSClusterAdminPolicy"}]}]}; added to each request\'s spec, visibly',
  }),
  API_RATE_LIMIT: Type.Integer({ default: 300, minimum: 1, description: 'requests per minute per caller' }),
  API_UNAUTHENTICATED_RATE_LIMIT: Type.Integer({
    default: 30, minimum: 1,
    description: 'requests a minute one client address may make without a valid token (each answered 401); past it, 429 until the minute is over. A client that knows its token never comes near it',
  }),
  EKSFLOW_METRICS_TOKEN_SHA256: Type.Optional(Type.String({
    pattern: '^[0-9a-f]{64}$',
    description: 'SHA-256 (hex) of the bearer token a Prometheus scraper sends to GET /metrics; unset, /metrics answers nobody. Tenant tokens are refused there: the metrics count every tenant',
  })),
  API_EVENT_STREAMS_PER_TOKEN: Type.Integer({ default: 4, minimum: 1, description: 'event streams (GET …/events) one token may hold open at once; past it, 429' }),
  API_EVENT_STREAMS_TOTAL: Type.Integer({ default: 200, minimum: 1, description: 'event streams the API holds open at once, all tokens together; each polls Temporal every second' }),
  API_EVENT_STREAM_MAX_SECONDS: Type.Integer({
    default: 900, minimum: 1,
    description: 'how long one event stream lasts; then it ends with a `reconnect` event, and a client reconnects for the current progress (EventSource does so itself)',
  }),
  EKSFLOW_CLOUD: Type.Union([Type.Literal('aws'), Type.Literal('sim')], {
    default: 'aws', description: 'aws: real AWS (or AWS_ENDPOINT_URL); sim: the in-process simulated cloud (`npm start`\'s default)',
  }),
  EKSFLOW_SIM_SPEEDUP: Type.Number({ default: 20, exclusiveMinimum: 0, maximum: 100_000, description: 'how much faster than AWS the simulated cloud runs' }),
  AWS_REGION: Type.String({ default: 'us-east-1', description: 'region of the AWS clients the worker makes' }),
  AWS_ENDPOINT_URL: Type.Optional(Type.String({ description: 'an AWS emulator URL (moto); unset, the real regional endpoints' })),
  KUBE_ACCESS: Type.Union([Type.Literal('eks-token'), Type.Literal('kubeconfig')], {
    default: 'eks-token', description: 'eks-token: endpoint and CA from EKS, in-process bearer tokens; kubeconfig: KUBECONFIG or ~/.kube/config',
  }),
  KUBE_API_READY_SUCCESSES: Type.Integer({
    default: 6, minimum: 1,
    description: 'answers to /readyz in a row that make a new cluster\'s Kubernetes API ready (eksctl\'s WaitForControlPlane: 6; catalog entry 12); EKSFLOW_CLOUD=aws only, the simulated cloud paces its own',
  }),
  KUBE_API_READY_INTERVAL_MS: Type.Integer({ default: 20_000, minimum: 0, description: 'milliseconds between two of those looks (eksctl: 20 s)' }),
  SKOPEO_PATH: Type.String({ default: 'skopeo', description: 'the image copier used for image imports' }),
  BUILDAH_PATH: Type.String({ default: 'buildah', description: 'the image builder used for image.build (rootless, vfs storage, chroot isolation)' }),
  EKSFLOW_BUILD_CONTEXT_DIR: Type.Optional(Type.String({
    minLength: 1,
    description: 'where uploaded build contexts (POST /v1/build-contexts) and build logs are kept: the API writes uploads, the worker reads them and writes logs, so both must see the same directory; unset, $XDG_STATE_HOME/eksflow/build-contexts (~/.local/state/eksflow/build-contexts)',
  })),
  EKSFLOW_BUILD_CONTEXT_MAX_BYTES: Type.Integer({ default: 100 * 1024 * 1024, minimum: 1024, description: 'the largest build context upload the API takes, in bytes (as sent, gzipped or not)' }),
  HELM_PATH: Type.String({ default: 'helm', description: 'the helm v4 binary add-ons are installed with' }),
  EKSFLOW_WORKFLOW_BUNDLE: Type.Optional(Type.String({
    minLength: 1,
    description: 'a workflow bundle the worker loads instead of bundling the workflows at start-up (seconds saved on each start): the file `npm run bundle` writes from the same sources; unset, the worker bundles them itself',
  })),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((level) => Type.Literal(level)), { default: 'info' }),
});
export type Config = Static<typeof Config>;

/**
 * Reads the config from `env`, filling defaults; a bad value fails with its name and the
 * reason. An empty value is an unset one: Compose passes `${NAME:-}` as "" when .env has none.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.fromEntries(Object.keys(Config.properties).filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]));
  const value = Value.Convert(Config, Value.Default(Config, known));
  const errors = [...Value.Errors(Config, value)];
  if (errors.length > 0) {
    throw new Error(`invalid configuration: ${errors.map((error) => `${error.path.slice(1)} ${error.message}`).join('; ')}`);
  }
  return value as Config;
}
