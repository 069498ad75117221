import { clone, isPlainObject } from './objects';

/**
 * RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces. The one
 * patch type eksflow sends besides server-side apply; JSON and strategic merge patches are
 * not simulated (415): nothing eksflow runs sends them, and strategic merge's keyed lists
 * would cost more to play than the real apiserver does to run.
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
