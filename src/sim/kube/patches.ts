import { badRequest, KubeApiError } from './api-errors';
import { clone, deepEqual, isPlainObject } from './objects';

/**
 * RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces. Strategic
 * merge patch is treated the same: what eksflow and the tests send (finalizers: null, a
 * replica count, a status) means the same under both.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

const unescape = (token: string) => token.replace(/~1/g, '/').replace(/~0/g, '~');

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`invalid JSON pointer: ${path}`);
  return path.slice(1).split('/').map(unescape);
}

function parentOf(document: unknown, tokens: string[]): { parent: Record<string, unknown> | unknown[]; key: string } {
  let current: unknown = document;
  for (const token of tokens.slice(0, -1)) {
    current = Array.isArray(current) ? current[Number(token)] : isPlainObject(current) ? current[token] : undefined;
    if (current === undefined) throw new KubeApiError(422, 'Invalid', `the server rejected our request due to an error in our request: path ${tokens.join('/')} does not exist`);
  }
  if (!Array.isArray(current) && !isPlainObject(current)) throw badRequest(`cannot patch into a scalar at /${tokens.join('/')}`);
  return { parent: current, key: tokens.at(-1) ?? '' };
}

function read(document: unknown, tokens: string[]): unknown {
  return tokens.reduce<unknown>((value, token) => (Array.isArray(value) ? value[Number(token)] : isPlainObject(value) ? value[token] : undefined), document);
}

function remove(document: unknown, tokens: string[]): unknown {
  const { parent, key } = parentOf(document, tokens);
  if (Array.isArray(parent)) return parent.splice(Number(key), 1)[0];
  const value = parent[key];
  if (value === undefined) throw new KubeApiError(422, 'Invalid', `the server rejected our request: unable to remove nonexistent key: ${key}`);
  delete parent[key];
  return value;
}

function add(document: unknown, tokens: string[], value: unknown): unknown {
  if (tokens.length === 0) return clone(value);
  const { parent, key } = parentOf(document, tokens);
  if (Array.isArray(parent)) parent.splice(key === '-' ? parent.length : Number(key), 0, clone(value));
  else parent[key] = clone(value);
  return document;
}

/** RFC 6902 JSON patch, all six operations. */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('json patch must be a list of operations');
  let document = clone(target);
  for (const operation of operations) {
    if (!isPlainObject(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') throw badRequest('invalid json patch operation');
    const tokens = pointer(operation.path);
    switch (operation.op) {
      case 'add':
        document = add(document, tokens, operation.value);
        break;
      case 'remove':
        remove(document, tokens);
        break;
      case 'replace':
        if (tokens.length === 0) document = clone(operation.value);
        else {
          remove(document, tokens);
          document = add(document, tokens, operation.value);
        }
        break;
      case 'move':
      case 'copy': {
        const from = pointer(String(operation.from));
        const value = operation.op === 'move' ? remove(document, from) : clone(read(document, from));
        document = add(document, tokens, value);
        break;
      }
      case 'test':
        if (!deepEqual(read(document, tokens), operation.value)) throw new KubeApiError(422, 'Invalid', `the server rejected our request: testing value ${operation.path} failed`);
        break;
      default:
        throw badRequest(`unknown json patch operation: ${operation.op}`);
    }
  }
  return document;
}
