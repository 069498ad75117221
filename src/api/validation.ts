import Ajv from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

// Fastify's default Ajv drops unknown properties without a word (removeAdditional) and stops
// at the first problem. A request here is checked strictly and completely: every unknown
// field and every bad value comes back, each at its path.
const ajv = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, coerceTypes: 'array', strict: false });

/** How params, query strings, headers and small bodies (e.g. a scale request) are checked. */
export const strictValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema }) => ajv.compile(schema as object);
