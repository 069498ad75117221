import { AsyncLocalStorage } from 'node:async_hooks';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { regionHeader } from '../domain/region-header';

const scope = new AsyncLocalStorage<string>();

/** The region the running activity acts in: its workflow's, or `fallback` (the worker's own). */
export const regionOfCall = (fallback: string): string => scope.getStore() ?? fallback;

/** Runs `work` acting in `region`: what the interceptor does for each activity, and tests for a call. */
export const inRegion = <T>(region: string, work: () => T): T => scope.run(region, work);

/** Each activity runs in the region its workflow put in the header. */
export const regionScopeInterceptor: ActivityInterceptorsFactory = () => ({
  inbound: {
    execute(input, next) {
      const payload = input.headers[regionHeader];
      const region = payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined;
      return region ? inRegion(region, () => next(input)) : next(input);
    },
  },
});

/** The calling activity's region's instance, made on first use and kept. */
export function perRegion<T>(fallback: string, make: (region: string) => T): () => T {
  const made = new Map<string, T>();
  return () => {
    const region = regionOfCall(fallback);
    let instance = made.get(region);
    if (!instance) made.set(region, (instance = make(region)));
    return instance;
  };
}

/**
 * An object that stands for whichever instance `current` gives at the moment of each call: how
 * every AWS API, handed once to the activity factories, reaches the calling activity's region.
 */
export function delegating<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get(_target, property) {
      const instance = current();
      const value = Reflect.get(instance, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(instance) : value;
    },
  });
}
