import { isReadyCondition, withCondition, type KubeObject } from '../objects';
import { metricsApiService } from './addon-deployments';
import { isDeleting, type ControllerContext } from './context';
import { podRequests } from './quantities';

const noMetrics = 'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: '
  + 'unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';

/**
 * The HPA controller, once a sync period has passed: with the metrics API Available it
 * reports a CPU utilization (drawn once per HPA, steady below target, as an idle app's) and
 * ScalingActive; without it, ScalingActive False with FailedGetResourceMetric. Either way it
 * keeps the target's replicas within min and max through the scale subresource.
 */
export function reconcileHorizontalPodAutoscalers(context: ControllerContext): void {
  const { store, types } = context;
  const metrics = isReadyCondition(store.find(types.apiService, undefined, metricsApiService)?.status?.conditions, 'Available');
  for (const hpa of store.items(types.hpa)) {
    if (isDeleting(hpa) || !context.deadlines.passed(`${hpa.metadata.uid}/sync`, 'hpaSyncMs', context.now)) continue;
    const { namespace, name, uid } = hpa.metadata;
    const spec = hpa.spec as { scaleTargetRef?: { kind?: string; name?: string }; minReplicas?: number; maxReplicas?: number; metrics?: unknown[] };
    const target = spec.scaleTargetRef?.kind === 'Deployment' ? store.find(types.deployment, namespace, spec.scaleTargetRef.name ?? '') : undefined;
    let conditions = withCondition(hpa.status?.conditions, target
      ? { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' }
      : { type: 'AbleToScale', status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: deployments/scale.apps "${spec.scaleTargetRef?.name}" not found` });
    const current = Number(target?.spec?.replicas ?? 0);
    // Outside minReplicas..maxReplicas the controller rescales before it reads any metric, so with or without them.
    const desired = Math.min(Math.max(current, spec.minReplicas ?? 1), spec.maxReplicas ?? current);
    let status: Record<string, unknown> = { currentReplicas: current, desiredReplicas: target ? desired : current };
    if (target && desired !== current) {
      scaleTo(context, target, desired);
      conditions = withCondition(conditions, { type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desired}` });
    }
    if (target && metrics) {
      const utilization = measured(context, uid);
      const requestMillis = podRequests({ spec: (target.spec?.template as { spec?: Record<string, unknown> } | undefined)?.spec } as KubeObject).cpu;
      conditions = withCondition(conditions, { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' });
      conditions = withCondition(conditions, { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' });
      status = {
        currentReplicas: current, desiredReplicas: desired,
        currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: utilization, averageValue: `${Math.round((requestMillis * utilization) / 100)}m` } } }],
      };
    } else if (target && desired === current) {
      conditions = withCondition(conditions, { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', message: noMetrics });
    }
    store.change(types.hpa, namespace, name, (next) => {
      next.status = { ...next.status, ...status, observedGeneration: next.metadata.generation, conditions };
      if (!status.currentMetrics) delete next.status.currentMetrics;
    });
  }
}

/** An idle app's CPU, 5-35% of its request, fixed per HPA so the status does not churn. */
function measured(context: ControllerContext, uid: string): number {
  const key = `hpa-utilization/${uid}`;
  let value = context.memo.get(key) as number | undefined;
  if (value === undefined) context.memo.set(key, (value = 5 + Math.floor(context.timing.random() * 31)));
  return value;
}

function scaleTo(context: ControllerContext, deployment: KubeObject, replicas: number): void {
  // Through the scale subresource as the HPA controller: it becomes the owner of spec.replicas.
  context.store.patch(context.types.deployment, deployment.metadata.namespace, deployment.metadata.name, 'merge', { spec: { replicas } },
    { subresource: 'scale', fieldManager: 'horizontal-pod-autoscaler', admission: false });
}
