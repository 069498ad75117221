import type {
  V1Container, V1Deployment, V1ManagedFieldsEntry, V1Namespace, V1ObjectMeta, V1Probe, V1Service, V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { AppSpec } from './environment-spec';
import { boundedName } from './names';
import { ownershipTagKeys } from './ownership';

/**
 * The app's Kubernetes objects, built from the spec alone: a Namespace, a Deployment of the
 * image, a LoadBalancer Service the AWS Load Balancer Controller turns into an NLB, and the
 * autoscalers the spec asks for. Pure: the activities apply them with server-side apply.
 */

/** A Kubernetes object as eksflow applies it: kind, apiVersion and name always set. */
export type Manifest<T> = T & { apiVersion: string; kind: string; metadata: V1ObjectMeta & { name: string } };

export const appLabelKeys = {
  name: 'app.kubernetes.io/name',
  managedBy: 'app.kubernetes.io/managed-by',
  environment: ownershipTagKeys.environment,
} as const;

/** The field managers eksflow applies as; the names appear in every object's managedFields. */
export const fieldManagers = {
  apply: 'eksflow',
  /** Holds spec.replicas for a moment while the HPA takes it over; see `leaveReplicasToHpa`. */
  replicasHandover: 'eksflow-replicas-handover',
} as const;

/** Namespaces Kubernetes makes and needs: an app may live in one, but eksflow never labels or deletes it. */
export const builtInNamespaces: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export const appNamespace = (app: Pick<AppSpec, 'name' | 'namespace'>) => app.namespace ?? app.name;

/**
 * With `spec.loadBalancerClass` set, the in-tree cloud provider leaves the Service alone and
 * only the AWS Load Balancer Controller (v2.4+) reconciles it. The `aws-load-balancer-type:
 * external` annotation says the same to older controllers and is kept for them. The class is
 * set explicitly because the controller's mutating webhook sets it anyway on create, and a
 * field set behind our back would be one a later server-side apply tries to remove, which the
 * apiserver refuses ("may not change once set"), as Envoy Gateway and STUNner found.
 */
export const nlbLoadBalancerClass = 'service.k8s.aws/nlb';

const nlbAnnotations = {
  type: 'service.beta.kubernetes.io/aws-load-balancer-type',
  targetType: 'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type',
  scheme: 'service.beta.kubernetes.io/aws-load-balancer-scheme',
  healthCheckProtocol: 'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol',
  healthCheckPath: 'service.beta.kubernetes.io/aws-load-balancer-healthcheck-path',
  healthCheckPort: 'service.beta.kubernetes.io/aws-load-balancer-healthcheck-port',
} as const;

/**
 * A label value from any text: characters labels cannot hold become ".", the ends are
 * trimmed to a letter or digit, and a value over 63 characters keeps a prefix and a stable
 * hash. An environment ID such as "team-a/demo" becomes "team-a.demo".
 */
export function labelValue(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9_.-]/g, '.').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return safe.length <= 63 ? safe : boundedName([safe], 63);
}

export interface AppManifestOptions {
  /**
   * The run the Deployment records as its maker (annotation `eksflow.io/created-by-run`): the
   * run that first made it, kept by every later apply, so a retry knows it as its own and a
   * later run, or a Deployment someone else made, is adopted and left by a rollback.
   */
  createdByRun?: string;
  /**
   * Leave `spec.replicas` out of the Deployment. The HorizontalPodAutoscaler writes replicas
   * through the scale subresource, which makes the HPA controller the field's owner. A
   * re-apply that still listed replicas would take the field back (we apply with force) and
   * reset the count the HPA chose, and the two would fight on every apply. So the first
   * apply sets the starting count and later ones, while an HPA is asked for, leave it out.
   * Leaving it out alone is not enough: if eksflow still owns the field (the HPA has not
   * scaled yet), server-side apply removes it and the Deployment falls back to 1 replica.
   * The activity first hands the field to `fieldManagers.replicasHandover` (see
   * `replicasHandover`), as the Kubernetes docs' "transferring ownership" describes.
   * @default false
   */
  leaveReplicasToHpa?: boolean;
  /**
   * The Service's load balancer class: on an EKS Auto Mode cluster `eks.amazonaws.com/nlb`,
   * which Auto Mode's own controller takes (auto-configure-nlb) and the AWS Load Balancer
   * Controller leaves alone. The class cannot change once set, so a cluster keeps the one its
   * Service was made with.
   * @default service.k8s.aws/nlb (the AWS Load Balancer Controller's)
   */
  loadBalancerClass?: string;
}

export interface AppManifests {
  /** Absent when the app lives in a built-in namespace, which eksflow does not label. */
  namespace?: Manifest<V1Namespace>;
  deployment: Manifest<V1Deployment>;
  service: Manifest<V1Service>;
  /** autoscaling/v2, on CPU utilization; present when the spec asks for an HPA. */
  horizontalPodAutoscaler?: Manifest<V2HorizontalPodAutoscaler>;
}

/** The app's objects, in the order they are applied (the Namespace first). */
export function appManifests(app: AppSpec, image: string, labels: { environment: string }, options: AppManifestOptions = {}): AppManifests {
  const namespace = appNamespace(app);
  const selector = appSelector(app);
  const objectLabels = appLabels(app, labels);
  const metadata = { name: app.name, namespace, labels: objectLabels };
  const namespaceLabels = { [appLabelKeys.managedBy]: 'eksflow', [appLabelKeys.environment]: labelValue(labels.environment) };

  const deployment: Manifest<V1Deployment> = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: options.createdByRun ? { ...metadata, annotations: { [ownershipTagKeys.createdByRun]: options.createdByRun } } : metadata,
    spec: {
      ...(options.leaveReplicasToHpa && app.hpa ? {} : { replicas: app.replicas }),
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: objectLabels,
          // The app's pods hold no local state: the cluster autoscaler may move them to empty a node.
          annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' },
        },
        spec: { ...(app.serviceAccount ? { serviceAccountName: app.serviceAccount } : {}), containers: [appContainer(app, image)] },
      },
    },
  };

  const annotations: Record<string, string> = {
    [nlbAnnotations.type]: 'external',
    // Targets are pod IPs (VPC CNI): no NodePort hop, and Fargate pods can be targets too.
    [nlbAnnotations.targetType]: 'ip',
    [nlbAnnotations.scheme]: app.scheme,
  };
  if (app.healthCheck) {
    // The NLB checks the same path the kubelet does, so it sends traffic only to pods that serve.
    annotations[nlbAnnotations.healthCheckProtocol] = 'http';
    annotations[nlbAnnotations.healthCheckPath] = app.healthCheck.path;
    if (app.healthCheck.port !== undefined && app.healthCheck.port !== app.containerPort) annotations[nlbAnnotations.healthCheckPort] = String(app.healthCheck.port);
  }
  const service: Manifest<V1Service> = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { ...metadata, annotations },
    spec: {
      type: 'LoadBalancer',
      loadBalancerClass: options.loadBalancerClass ?? nlbLoadBalancerClass,
      selector,
      ports: [{ name: 'http', protocol: 'TCP', port: app.servicePort, targetPort: app.containerPort }],
    },
  };

  const horizontalPodAutoscaler: Manifest<V2HorizontalPodAutoscaler> | undefined = app.hpa && {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: app.name },
      minReplicas: app.hpa.minReplicas,
      maxReplicas: app.hpa.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: app.hpa.targetCpuUtilization } } }],
    },
  };

  return {
    ...(builtInNamespaces.includes(namespace) ? {} : {
      namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: namespaceLabels } } satisfies Manifest<V1Namespace>,
    }),
    deployment,
    service,
    ...(horizontalPodAutoscaler ? { horizontalPodAutoscaler } : {}),
  };
}

/** The labels that pick the app's pods: its name only, since a Deployment's selector cannot change. */
export const appSelector = (app: Pick<AppSpec, 'name'>) => ({ [appLabelKeys.name]: app.name });

function appLabels(app: AppSpec, labels: { environment: string }): Record<string, string> {
  return { ...appSelector(app), [appLabelKeys.managedBy]: 'eksflow', [appLabelKeys.environment]: labelValue(labels.environment) };
}

function appContainer(app: AppSpec, image: string): V1Container {
  const limits = Object.fromEntries(Object.entries(app.limits ?? {}).filter(([, value]) => value !== undefined)) as Record<string, string>;
  const probe = (periodSeconds: number): V1Probe | undefined => app.healthCheck && {
    httpGet: { path: app.healthCheck.path, port: app.healthCheck.port ?? app.containerPort },
    periodSeconds,
  };
  // Readiness is checked often, so a new pod joins the NLB soon; liveness less often, so a
  // slow moment does not restart a pod that is merely busy.
  const readinessProbe = probe(5);
  const livenessProbe = probe(15);
  return {
    name: app.name,
    image,
    ports: [{ name: 'http', containerPort: app.containerPort, protocol: 'TCP' }],
    resources: { requests: { cpu: app.requests.cpu, memory: app.requests.memory }, ...(Object.keys(limits).length > 0 ? { limits } : {}) },
    ...(app.env ? { env: Object.entries(app.env).map(([name, value]) => ({ name, value })) } : {}),
    ...(readinessProbe ? { readinessProbe } : {}),
    ...(livenessProbe ? { livenessProbe } : {}),
  };
}

/** autoscaling.k8s.io/v1, as the VPA CRD defines it; the client has no model for it. */
export interface VerticalPodAutoscaler {
  apiVersion: 'autoscaling.k8s.io/v1';
  kind: 'VerticalPodAutoscaler';
  metadata: V1ObjectMeta & { name: string; namespace: string };
  spec: {
    targetRef: { apiVersion: string; kind: string; name: string };
    updatePolicy: { updateMode: NonNullable<AppSpec['vpa']>['updateMode'] };
    resourcePolicy?: { containerPolicies: { containerName: string; controlledResources: ('cpu' | 'memory')[] }[] };
  };
}

/**
 * The app's VerticalPodAutoscaler, when the spec asks for one. Separate from `appManifests`
 * because it needs the VPA CRD, which only the vertical-pod-autoscaler add-on brings.
 */
export function appVerticalPodAutoscaler(app: AppSpec, labels: { environment: string }): VerticalPodAutoscaler | undefined {
  if (!app.vpa) return undefined;
  const { updateMode } = app.vpa;
  return {
    apiVersion: 'autoscaling.k8s.io/v1',
    kind: 'VerticalPodAutoscaler',
    metadata: { name: app.name, namespace: appNamespace(app), labels: appLabels(app, labels) },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: app.name },
      updatePolicy: { updateMode },
      // An HPA scaling on CPU and a VPA changing the CPU request would chase each other (the
      // HPA's utilization is measured against that request), so with both, the VPA acts on
      // memory only. In "Off" mode it only recommends, and a CPU recommendation is useful.
      ...(app.hpa && updateMode !== 'Off' ? { resourcePolicy: { containerPolicies: [{ containerName: '*', controlledResources: ['memory'] }] } } : {}),
    },
  };
}

/**
 * Whether `manager`'s apply owns the Deployment's spec.replicas, from its managedFields. Once
 * the HPA (or the handover) holds the field, eksflow's apply no longer does.
 */
export function appliedReplicasOwner(managedFields: readonly V1ManagedFieldsEntry[] | undefined, manager: string = fieldManagers.apply): boolean {
  return (managedFields ?? []).some((entry) => entry.manager === manager && entry.operation === 'Apply' && !entry.subresource
    && (entry.fieldsV1 as { 'f:spec'?: Record<string, unknown> } | undefined)?.['f:spec']?.['f:replicas'] !== undefined);
}

/**
 * What `fieldManagers.replicasHandover` applies so spec.replicas keeps an owner when
 * eksflow's apply stops listing it: the live count, at the live resourceVersion, so a count
 * the HPA changes in between makes the apply fail (409) rather than undo the HPA.
 */
export function replicasHandover(deployment: { name: string; namespace: string; replicas: number; resourceVersion: string }): Manifest<Pick<V1Deployment, 'apiVersion' | 'kind' | 'metadata'>> & { spec: { replicas: number } } {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: deployment.name, namespace: deployment.namespace, resourceVersion: deployment.resourceVersion },
    spec: { replicas: deployment.replicas },
  };
}
