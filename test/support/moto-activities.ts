import { after, afterEach, before } from 'node:test';
import { createActivities } from '../../src/activities';
import { testActivityDeps } from './activity-deps';
import { moto, type Moto } from './moto';

export interface MotoActivities {
  aws: Moto;
  activities: ReturnType<typeof createActivities>;
}

/**
 * For a test file of activities against moto: one emulator for the file, reset after each
 * test, stopped at the end. The fields are set once `before` has run.
 */
export function motoActivitiesPerFile(): MotoActivities {
  const bed = {} as MotoActivities;
  before(async () => {
    bed.aws = await moto();
    bed.activities = createActivities(testActivityDeps({ aws: bed.aws }));
  });
  afterEach(() => bed.aws.reset());
  after(() => bed.aws?.stop());
  return bed;
}
