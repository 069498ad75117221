import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { versionUpgrade } from '../../bench/change-plans';
import { changeLowerBound, criticalPathLowerBound } from '../../bench/lower-bound';
import { parseEnvironmentSpec } from '../../src/domain/environment-spec';
import { planEnvironment } from '../../src/domain/planner';
import type { LatencyDraw } from '../../src/sim/profile';

const tutorial = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'tutorial', 'environment.json'), 'utf8')) as unknown;

test("the benchmark's lower bound is the plan's longest path weighted by what the cloud drew, the NLB overlapping the app's rollout", () => {
  const parsed = parseEnvironmentSpec(tutorial);
  assert.ok(parsed.ok);
  const name = parsed.spec.name;
  const draw = (operation: LatencyDraw['operation'], key: string, seconds: number, occurrence = 0): LatencyDraw => ({ operation, key, occurrence, seconds });
  const draws = [
    draw('network.create', name, 100), draw('cluster.create', name, 500),
    draw('nodegroup.create', `${name}/on-demand`, 100), draw('nodegroup.create', `${name}/spot`, 150),
    draw('addon.api-lag', name, 200),
    // A re-create draws anew; the bound takes the first draw.
    draw('cluster.create', name, 9_999, 1),
  ];
  // network 100 → cluster 600 → spot group 750 → its nodes Ready 780 → load balancer controller 840
  // → app rolled out 900; the NLB, begun with the app's Service at 840, is up at 840 + 270.
  assert.equal(criticalPathLowerBound(planEnvironment(parsed.spec), draws, name), 1_110);
  // A slow add-on API pushes an EKS add-on past everything else: ACTIVE at 600, +900, +60 for its pods.
  assert.equal(criticalPathLowerBound(planEnvironment(parsed.spec), [...draws.filter((d) => d.operation !== 'addon.api-lag'), draw('addon.api-lag', name, 900)], name), 1_560);
});

test("a change plan's lower bound is its longest path at what the cloud drew for the upgrade: the control plane, then the slowest group's roll", () => {
  const parsed = parseEnvironmentSpec(tutorial);
  assert.ok(parsed.ok);
  const name = parsed.spec.name;
  const draw = (operation: LatencyDraw['operation'], key: string, seconds: number, occurrence = 0): LatencyDraw => ({ operation, key, occurrence, seconds });
  const { plan } = versionUpgrade(parsed.spec);
  // Provisioning's draws are in the log too; only the upgrade's count.
  const draws = [
    draw('cluster.create', name, 500), draw('nodegroup.create', `${name}/spot`, 150),
    draw('cluster.version-update', name, 700),
    draw('nodegroup.version-update', `${name}/on-demand`, 800), draw('nodegroup.version-update', `${name}/spot`, 1_200),
  ];
  // control plane 700 → cluster-autoscaler's chart upgraded in place (free) → spot's roll, the slower, 1900.
  assert.equal(changeLowerBound(plan, draws, name), 1_900);
});
