import { after, afterEach, before } from 'node:test';
import { StandardRetryStrategy } from '@smithy/core/retry';
import type { StandardRetryBackoffStrategy } from '@smithy/types';
import { createActivities } from '../../src/activities';
import { awsActivityDeps, defaultMaxAttempts } from '../../src/activities/aws/clients';
import type { Patience } from '../../src/activities/aws/not-yet';
import { testActivityDeps } from './activity-deps';
import { faultProxy, type FaultProxy } from './fault-proxy';
import { moto, type Moto } from './moto';

/**
 * The upstream tools' budgets (minutes) shrunk to seconds, so a test can both survive a fault
 * inside its window and outlast it: each "not yet" is waited out for 3 s, asked again every
 * 0.25 s at most. A test's fault window is a quarter of it (fault-catalog.test.ts: 0.75 s),
 * opened by the first request it meets, so 2.25 s are left to ask again after it closes.
 */
export const testPatience: Patience = {
  propagationMs: 3_000, clusterBusyMs: 3_000, fargateBusyMs: 3_000, clusterUpdateMs: 3_000, nameReleaseMs: 3_000, logGroupBusyMs: 3_000, maxPauseMs: 250,
};

/**
 * The SDK's standard retry mode as the worker has it — 7 attempts, the SDK's classification of
 * what is retried, its retry quota, its delay bases (1 s for throttling, 50 ms for the rest) —
 * with each back-off 20× shorter: the SDK's own formula (@smithy/core util-retry
 * `DefaultRetryBackoffStrategy`: a random share of min(base × 2^retry, 20 s)), scaled. Seven
 * throttled attempts then wait at most 2.55 s instead of 51 s.
 */
export const sdkRetryDelayScale = 0.05;
function shortenedSdkRetry(): StandardRetryStrategy {
  let base = 50;
  const backoff: StandardRetryBackoffStrategy = {
    setDelayBase: (delay) => void (base = delay),
    computeNextBackoffDelay: (retry) => Math.floor(Math.random() * Math.min(base * 2 ** retry, 20_000) * sdkRetryDelayScale),
  };
  return new StandardRetryStrategy({ maxAttempts: defaultMaxAttempts, backoff });
}

export interface FaultBed {
  moto: Moto;
  proxy: FaultProxy;
  /** The real SDK v3 adapters, through the proxy. */
  apis: ReturnType<typeof awsActivityDeps>;
  activities: ReturnType<typeof createActivities>;
  /** The same activities with other budgets (a test that must not run out of one on a busy machine). */
  activitiesWith(patience: Partial<Patience>): ReturnType<typeof createActivities>;
}

/** For a test file of faults: moto and the fault proxy in front of it, reset after each test, stopped at the end. */
export function faultBedPerFile(): FaultBed {
  const bed = {} as FaultBed;
  before(async () => {
    bed.moto = await moto();
    bed.proxy = await faultProxy(bed.moto);
    bed.apis = awsActivityDeps({ ...bed.proxy.clientConfig, patience: testPatience, newRetryStrategy: shortenedSdkRetry });
    bed.activities = createActivities({ ...testActivityDeps({ aws: bed.moto }), ...bed.apis });
    bed.activitiesWith = (patience) => createActivities({
      ...testActivityDeps({ aws: bed.moto }), ...awsActivityDeps({ ...bed.proxy.clientConfig, patience: { ...testPatience, ...patience }, newRetryStrategy: shortenedSdkRetry }),
    });
  });
  afterEach(async () => {
    bed.proxy.clear();
    await bed.moto.reset();
  });
  after(async () => {
    await bed.proxy?.stop();
    await bed.moto?.stop();
  });
  return bed;
}
