import type {} from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import { phases } from '../../workflows/messages';

// What the environment routes take and give, as JSON Schema: Fastify checks params, query
// strings and the scale body with them, and @fastify/swagger documents them. The spec itself
// is checked by parseEnvironmentSpec (JSON or eksctl YAML), so its schema is documentation only.

const literals = <T extends readonly string[]>(values: T, options: object = {}) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

export const EnvironmentParams = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 100, description: 'the environment\'s name (its EKS cluster\'s)' }),
}, { additionalProperties: false });

export const ListQuery = Type.Object({
  phase: Type.Optional(literals(phases, { description: 'only environments in this phase' })),
  state: Type.Optional(literals(['open', 'closed'] as const, { description: 'open: runs still going; closed: ended' })),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'nextCursor from the previous page' })),
}, { additionalProperties: false });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[!-~]+$', description: 'the same key with the same spec returns the same environment' })),
});

export const ScaleBody = Type.Object({
  nodeGroup: Type.String({ minLength: 1, maxLength: 63 }),
  desiredSize: Type.Integer({ minimum: 0, maximum: 1000 }),
  minSize: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'unchanged when left out' })),
  maxSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'unchanged when left out' })),
}, { additionalProperties: false });

export const Links = Type.Object({
  self: Type.String(), events: Type.String(), temporalUi: Type.String({ description: 'the run in the Temporal Web UI' }),
});

export const Accepted = Type.Object({
  name: Type.String(),
  workflowId: Type.String(),
  runId: Type.String(),
  created: Type.Boolean({ description: 'false when this request named an environment already asked for (same Idempotency-Key, or the same spec while it runs)' }),
  links: Links,
});

export const ErrorResponse = Type.Object({
  error: Type.String({ description: 'what kind of refusal, to branch on' }),
  message: Type.String({ description: 'what was wrong, for a person' }),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  differences: Type.Optional(Type.Array(Type.Object({ path: Type.String(), existing: Type.Optional(Type.Unknown()), requested: Type.Optional(Type.Unknown()) }))),
}, { description: 'every error looks like this; never a stack trace' });
