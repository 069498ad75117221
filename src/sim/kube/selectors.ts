import { badRequest } from './api-errors';
import { isPlainObject, valueAt, type KubeObject } from './objects';

// Label and field selectors, as list calls and webhooks use them.

type Requirement = (labels: Record<string, string>) => boolean;

/** Splits on commas outside parentheses: `a in (x,y),b` is two requirements. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter(Boolean);
}

function requirement(text: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(text);
  if (set) {
    const [, key, operator, list] = set as unknown as [string, string, string, string];
    const values = list.split(',').map((v) => v.trim());
    return operator === 'in' ? (labels) => key in labels && values.includes(labels[key]!) : (labels) => !(key in labels) || !values.includes(labels[key]!);
  }
  const equality = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (equality) {
    const [, key, operator, value] = equality as unknown as [string, string, string, string];
    return operator === '!=' ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
  }
  const exists = /^(!?)([^=!\s()]+)$/.exec(text);
  if (exists) {
    const [, not, key] = exists as unknown as [string, string, string];
    return not ? (labels) => !(key in labels) : (labels) => key in labels;
  }
  throw badRequest(`unable to parse requirement: ${text}`);
}

/** A `labelSelector` query parameter as a predicate on labels. */
export function parseLabelSelector(selector: string | undefined): (labels: Record<string, string> | undefined) => boolean {
  const requirements = selector ? splitTopLevel(selector).map(requirement) : [];
  return (labels) => requirements.every((matches) => matches(labels ?? {}));
}

/**
 * A `fieldSelector` as a predicate on the object: `=`, `==` and `!=` on any dotted path
 * (metadata.name, metadata.namespace, spec.nodeName, status.phase, reason, involvedObject.name...).
 */
export function parseFieldSelector(selector: string | undefined): (object: KubeObject) => boolean {
  const requirements = (selector ? splitTopLevel(selector) : []).map((text) => {
    const match = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(text);
    if (!match) throw badRequest(`invalid field selector: ${text}`);
    const [, path, operator, value] = match as unknown as [string, string, string, string];
    return (object: KubeObject) => {
      const actual = valueAt(object, path);
      const text = actual === undefined || actual === null ? '' : String(actual);
      return operator === '!=' ? text !== value : text === value;
    };
  });
  return (object) => requirements.every((matches) => matches(object));
}

/** A metav1.LabelSelector (matchLabels and matchExpressions); an absent selector matches everything. */
export function matchesLabelSelector(selector: unknown, labels: Record<string, string> | undefined): boolean {
  if (!isPlainObject(selector)) return true;
  const have = labels ?? {};
  const matchLabels = isPlainObject(selector.matchLabels) ? selector.matchLabels : {};
  if (!Object.entries(matchLabels).every(([key, value]) => have[key] === value)) return false;
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  return expressions.every((expression: unknown) => {
    if (!isPlainObject(expression) || typeof expression.key !== 'string') return true;
    const values = Array.isArray(expression.values) ? expression.values as string[] : [];
    const value = have[expression.key];
    switch (expression.operator) {
      case 'In': return value !== undefined && values.includes(value);
      case 'NotIn': return value === undefined || !values.includes(value);
      case 'Exists': return value !== undefined;
      case 'DoesNotExist': return value === undefined;
      default: return false;
    }
  });
}

/** A Service's or Deployment's plain `selector` map as a predicate on pod labels; an empty one selects nothing. */
export function selectsLabels(selector: unknown, labels: Record<string, string> | undefined): boolean {
  if (!isPlainObject(selector) || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}
