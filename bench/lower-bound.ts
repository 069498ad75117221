import type { ChangePlan } from '../src/domain/change-plan';
import type { Plan, PlanStep } from '../src/domain/planner';
import type { LatencyDraw } from '../src/sim/profile';
import { defaultLatencies } from '../src/sim/kube/options';

/**
 * The least time any orchestrator could take for this environment on this cloud: the longest
 * path through the plan, each step weighted by what the cloud itself took for it — the
 * latencies the simulation drew (control plane, node groups, network, add-on API lag) and the
 * simulated cluster's own (a node turning Ready, a rollout, an NLB). API calls, IAM and ECR
 * count as free. In simulated seconds.
 */
export function criticalPathLowerBound(plan: Plan, draws: readonly LatencyDraw[], environment: string): number {
  const { drawn, weight } = cloudWeights(draws, environment);
  const finish = finishTimes(plan.steps, weight);
  // EKS add-ons cannot start before the add-on API is ready, whatever the plan says.
  const lag = drawn('addon.api-lag', environment);
  return Math.max(...finish.values(), lag > 0 ? finish.get('eks:cluster')! + lag + kube.pod : 0);
}

/**
 * The same bound for a change plan run on a ready environment: its longest path, each step
 * weighted by what the cloud drew for it — a control-plane upgrade, a node group's rolling
 * version update or config update — and the simulated cluster's own latencies for what rolls
 * on it. Steps a creation plan also has weigh as they do there. In simulated seconds.
 */
export function changeLowerBound(plan: ChangePlan, draws: readonly LatencyDraw[], environment: string): number {
  const { drawn, weight } = cloudWeights(draws, environment);
  const changeWeight = (step: PlanStep): number => {
    switch (step.kind) {
      case 'cluster-version': return drawn('cluster.version-update', environment);
      case 'nodegroup-version': return drawn('nodegroup.version-update', `${environment}/${step.id.slice(step.id.indexOf('/') + 1)}`);
      case 'nodegroup-config': return drawn('nodegroup.update', `${environment}/${step.id.slice(step.id.indexOf('/') + 1)}`);
      case 'eks-addon-update': return drawn('addon.update', `${environment}/${step.subject}`);
      // A chart upgraded in place: its old pods serve while the new ones roll, and the
      // simulated cluster counts the release ready at once. Free, like an API call.
      case 'addon-upgrade': return 0;
      default: return weight(step);
    }
  };
  return Math.max(0, ...finishTimes(plan.steps, changeWeight).values());
}

const kube = { node: defaultLatencies.nodeReadyMs / 1000, pod: defaultLatencies.podReadyMs / 1000, nlb: defaultLatencies.loadBalancerMs / 1000 };

/** What the cloud took for each creation step: the draws the simulation made, and the simulated cluster's own latencies. */
function cloudWeights(draws: readonly LatencyDraw[], environment: string) {
  const drawn = (operation: LatencyDraw['operation'], key: string) => draws.find((d) => d.operation === operation && d.key === key && d.occurrence === 0)?.seconds ?? 0;
  const weight = (step: PlanStep): number => {
    switch (step.kind) {
      case 'network': return drawn('network.create', environment);
      case 'cluster': return drawn('cluster.create', environment);
      case 'cluster-logging': return 0; // the create call already enables the logging asked for
      case 'nodegroup': return drawn('nodegroup.create', `${environment}/${step.subject}`);
      case 'nodes-ready': return kube.node;
      case 'fargate-profile': return drawn('fargate-profile.create', `${environment}/${step.subject}`);
      case 'addon': return kube.pod;
      case 'app': return kube.pod;
      // The controller provisions the NLB from the moment the app step creates the Service, while the pods roll out.
      case 'nlb': return Math.max(0, kube.nlb - kube.pod);
      // verify: active waits for one more node: the group's update and the node turning Ready.
      case 'autoscaling-check': return kube.node;
      default: return 0;
    }
  };
  return { drawn, weight };
}

/** Each step's earliest finish: after all it depends on, plus its own weight. */
function finishTimes(steps: readonly PlanStep[], weight: (step: PlanStep) => number): Map<string, number> {
  const finish = new Map<string, number>();
  const finishOf = (step: PlanStep): number => {
    const known = finish.get(step.id);
    if (known !== undefined) return known;
    const start = Math.max(0, ...step.dependsOn.map((id) => finishOf(steps.find((s) => s.id === id)!)));
    const value = start + weight(step);
    finish.set(step.id, value);
    return value;
  };
  for (const step of steps) finishOf(step);
  return finish;
}
