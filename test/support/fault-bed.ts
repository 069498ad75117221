import { after, afterEach, before } from 'node:test';
import { createActivities } from '../../src/activities';
import { awsActivityDeps } from '../../src/activities/aws/clients';
import type { Patience } from '../../src/activities/aws/not-yet';
import { testActivityDeps } from './activity-deps';
import { faultProxy, type FaultProxy } from './fault-proxy';
import { moto, type Moto } from './moto';

/**
 * The upstream tools' budgets (minutes) shrunk to seconds, so a test can both survive a fault
 * inside its window and outlast it: each "not yet" is waited out for 4 s, asked again every
 * 0.5 s at most.
 */
export const testPatience: Patience = {
  propagationMs: 4_000, clusterBusyMs: 4_000, fargateBusyMs: 4_000, clusterUpdateMs: 4_000, nameReleaseMs: 4_000, logGroupBusyMs: 4_000, maxPauseMs: 500,
};

export interface FaultBed {
  moto: Moto;
  proxy: FaultProxy;
  /** The real SDK v3 adapters, through the proxy. */
  apis: ReturnType<typeof awsActivityDeps>;
  activities: ReturnType<typeof createActivities>;
}

/** For a test file of faults: moto and the fault proxy in front of it, reset after each test, stopped at the end. */
export function faultBedPerFile(): FaultBed {
  const bed = {} as FaultBed;
  before(async () => {
    bed.moto = await moto();
    bed.proxy = await faultProxy(bed.moto);
    bed.apis = awsActivityDeps({ ...bed.proxy.clientConfig, patience: testPatience });
    bed.activities = createActivities({ ...testActivityDeps({ aws: bed.moto }), ...bed.apis });
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
