import diff from 'microdiff';

export interface SpecDifference {
  /** JSON pointer into the spec. */
  path: string;
  existing?: unknown;
  requested?: unknown;
}

/** Where two specs (both as validated, defaults filled in) differ, for a 409 a person can act on. */
export function specDifferences(existing: unknown, requested: unknown): SpecDifference[] {
  if (!isObject(existing) || !isObject(requested)) return existing === requested ? [] : [{ path: '/', existing, requested }];
  return diff(existing, requested).map((change) => ({
    path: `/${change.path.map(String).join('/')}`,
    ...(change.type !== 'CREATE' ? { existing: change.oldValue } : {}),
    ...(change.type !== 'REMOVE' ? { requested: change.value } : {}),
  }));
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
