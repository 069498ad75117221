import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paceFor } from '../../src/activities/pace';

test("activities' pauses shrink with the cloud's time scale, never under 50 ms; on AWS they are as given", () => {
  assert.equal(paceFor()(2_000), 2_000);
  assert.equal(paceFor(1)(15_000), 15_000);
  assert.equal(paceFor(20)(2_000), 100);
  assert.equal(paceFor(20)(15_000), 750, "the EKS add-on API's 15 s retry, 20× faster");
  assert.equal(paceFor(1_000)(2_000), 50);
});
