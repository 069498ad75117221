import { AutoscalingV2Api } from '@kubernetes/client-node';
import { appNamespace } from '../domain/app-manifests';
import type { AppSpec } from '../domain/environment-spec';
import { autoscalerStatus } from './addons/cluster-autoscaler';
import { kubeOrUndefined } from './kube-calls';
import type { KubeAccess } from './nodes-ready';

export interface AutoscalingCheck {
  check: string;
  ok: boolean;
  /** What was observed: "CPU at 12% of a 50% target, 2 replicas", or why not. */
  detail: string;
}

export interface AutoscalingObservation {
  /** verified when every check holds; the workflow polls until then. */
  status: 'verified' | 'waiting';
  checks: AutoscalingCheck[];
}

export interface VerifyAutoscalingInput {
  cluster: string;
  /** The app, when it has an HPA to read. */
  app?: AppSpec;
  /** Whether cluster-autoscaler runs, so its status report is read. */
  clusterAutoscaler: boolean;
}

/**
 * Autoscaling that really works, read from the controllers themselves rather than from
 * logs: the HPA has current CPU metrics (so metrics-server serves and the HPA controller
 * reads it) and can scale; cluster-autoscaler's status report says Healthy. One look.
 */
export function createAutoscalingCheckActivities(kube: KubeAccess) {
  async function verifyAutoscaling(input: VerifyAutoscalingInput): Promise<AutoscalingObservation> {
    const checks: AutoscalingCheck[] = [];
    if (input.app?.hpa) checks.push(await hpaCheck(kube, input.cluster, input.app));
    if (input.clusterAutoscaler) {
      const status = await autoscalerStatus(kube, input.cluster);
      checks.push({ check: 'cluster-autoscaler reports Healthy', ok: status.healthy, detail: status.summary });
    }
    return { status: checks.every((c) => c.ok) ? 'verified' : 'waiting', checks };
  }
  return { verifyAutoscaling };
}

async function hpaCheck(kube: KubeAccess, cluster: string, app: AppSpec): Promise<AutoscalingCheck> {
  const namespace = appNamespace(app);
  const check = `HPA ${namespace}/${app.name} reads CPU`;
  const config = await kube.forCluster(cluster);
  const hpa = await kubeOrUndefined(`read HPA ${namespace}/${app.name}`, () => config.makeApiClient(AutoscalingV2Api).readNamespacedHorizontalPodAutoscaler({ name: app.name, namespace }));
  if (!hpa) return { check, ok: false, detail: 'the HorizontalPodAutoscaler does not exist' };
  const active = hpa.status?.conditions?.find((c) => c.type === 'ScalingActive');
  const cpu = hpa.status?.currentMetrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.current.averageUtilization;
  const target = hpa.spec?.metrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.target.averageUtilization;
  if (active?.status !== 'True' || cpu === undefined) {
    // FailedGetResourceMetric here means the metrics API is not serving: metrics-server is missing or unreachable.
    return { check, ok: false, detail: active ? `not scaling: ${active.reason}${active.message ? `: ${active.message}` : ''}` : 'the HPA controller has not looked at it yet' };
  }
  return { check, ok: true, detail: `CPU at ${cpu}% of a ${target ?? '?'}% target, ${hpa.status?.currentReplicas ?? 0} replicas` };
}
