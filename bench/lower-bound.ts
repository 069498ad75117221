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
  const drawn = (operation: LatencyDraw['operation'], key: string) => draws.find((d) => d.operation === operation && d.key === key && d.occurrence === 0)?.seconds ?? 0;
  const kube = { node: defaultLatencies.nodeReadyMs / 1000, pod: defaultLatencies.podReadyMs / 1000, nlb: defaultLatencies.loadBalancerMs / 1000 };
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
  const finish = new Map<string, number>();
  const finishOf = (step: PlanStep): number => {
    const known = finish.get(step.id);
    if (known !== undefined) return known;
    const start = Math.max(0, ...step.dependsOn.map((id) => finishOf(plan.steps.find((s) => s.id === id)!)));
    const value = start + weight(step);
    finish.set(step.id, value);
    return value;
  };
  // EKS add-ons cannot start before the add-on API is ready, whatever the plan says.
  const lag = drawn('addon.api-lag', environment);
  return Math.max(...plan.steps.map((step) => finishOf(step)), lag > 0 ? finish.get('eks:cluster')! + lag + kube.pod : 0);
}
