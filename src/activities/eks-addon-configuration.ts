import Ajv, { type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';

/**
 * An EKS add-on's configurationValues: read as EKS reads them (JSON or YAML text; the API takes
 * a string, `aws eks create-addon --configuration-values` either syntax), merged with what
 * eksflow's own options add, and checked against the JSON schema DescribeAddonConfiguration
 * gives for the version. The run's check and the simulated EKS both use this, so the simulator
 * refuses exactly what the check would have.
 */

export type ConfigurationObject = Record<string, unknown>;

/** The values as an object, or why they are not one. */
export function readConfigurationValues(given: string | ConfigurationObject): { values: ConfigurationObject } | { problem: string } {
  if (typeof given !== 'string') return { values: given };
  let parsed: unknown;
  try {
    parsed = JSON.parse(given);
  } catch {
    try {
      parsed = parseYaml(given);
    } catch (error) {
      return { problem: `is neither JSON nor YAML: ${(error as Error).message.split('\n')[0]}` };
    }
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? { values: parsed as ConfigurationObject }
    : { problem: 'must be a JSON or YAML object (a mapping of settings)' };
}

/** Deep merge: eksflow's overlay wins over nothing, but a key the user set differently is a conflict. */
export function mergeOverlay(values: ConfigurationObject, overlay: ConfigurationObject, path = ''): { merged: ConfigurationObject; conflicts: string[] } {
  const merged: ConfigurationObject = { ...values };
  const conflicts: string[] = [];
  for (const [key, value] of Object.entries(overlay)) {
    const given = values[key];
    if (given === undefined) merged[key] = value;
    else if (isObject(given) && isObject(value)) {
      const inner = mergeOverlay(given, value, `${path}/${key}`);
      merged[key] = inner.merged;
      conflicts.push(...inner.conflicts);
    } else if (given !== value) conflicts.push(`${path}/${key} is ${JSON.stringify(given)} but eksflow's options set it to ${JSON.stringify(value)}`);
  }
  return { merged, conflicts };
}

const isObject = (value: unknown): value is ConfigurationObject => typeof value === 'object' && value !== null && !Array.isArray(value);

// AWS's schemas are draft-07 and carry keywords ajv does not know (e.g. `format: boolean` on
// strings): not strict, every error reported.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

/** The schema's complaints about the values, each "<path> <message>"; empty when they conform. */
export function schemaProblems(schemaJson: string, values: ConfigurationObject): string[] {
  let validate = compiled.get(schemaJson);
  if (!validate) {
    const schema = JSON.parse(schemaJson) as Record<string, unknown>;
    delete schema.$schema; // ajv 8 knows draft-07 without being told, and refuses to fetch meta-schemas
    validate = ajv.compile(schema);
    compiled.set(schemaJson, validate);
  }
  if (validate(values)) return [];
  return (validate.errors ?? []).map(describeError);
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath || '/';
  const extra = error.keyword === 'additionalProperties' ? ` (${(error.params as { additionalProperty: string }).additionalProperty})`
    : error.keyword === 'enum' ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})` : '';
  return `${where} ${error.message ?? 'is not valid'}${extra}`;
}
