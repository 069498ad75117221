import { cloudWatchAgentServerPolicyArn } from './iam-policies/cloudwatch';
import type { AddonName, AddonsSpec, EnvironmentSpec, supportedKubernetesVersions } from './environment-spec';

/**
 * What eksflow knows about each add-on, as data: how it installs (a pinned Helm chart, an
 * EKS managed add-on, or manifests made in code), where, after what, against what, with
 * which AWS permissions, and when it counts as ready. The planner orders add-ons from this;
 * the add-on activities install from it. Pure: no I/O.
 */

export type KubernetesMinor = (typeof supportedKubernetesVersions)[number];

export interface HelmChart {
  /** An https chart repository URL, or an `oci://` registry prefix the chart name is appended to. */
  repo: string;
  name: string;
  /** An exact version, never a range, so every attempt installs the same chart. */
  version: string;
}

export type InstallMethod =
  | { method: 'helm'; release: string; chart: HelmChart }
  | { method: 'eks-addon'; addonName: string; version: string }
  | { method: 'manifests' };

/** When an add-on counts as ready; each gate is checked against the live cluster. */
export type ReadinessGate =
  | { kind: 'deployment-available'; namespace: string; name: string }
  | { kind: 'daemonset-ready'; namespace: string; name: string }
  /** A webhook answers only once its Service has ready endpoints; objects sent before that are rejected. */
  | { kind: 'service-endpoints-ready'; namespace: string; name: string }
  /**
   * Advisory: reported, never waited for. The apiserver calls an aggregated API Available only
   * when it can reach the pods behind it; the autoscaling check proves metrics really flow.
   */
  | { kind: 'apiservice-available'; name: string; advisory: true }
  | { kind: 'crd-established'; name: string }
  | { kind: 'eks-addon-active'; addonName: string };

/** The AWS permissions an add-on's pods get through IRSA (a role its ServiceAccount assumes). */
export interface IamNeed {
  namespace: string;
  serviceAccount: string;
  /** A policy eksflow writes (src/domain/iam-policies), attached inline to the role. */
  inlinePolicy?: 'aws-load-balancer-controller' | 'cluster-autoscaler' | 'fluent-bit' | 'karpenter';
  managedPolicyArns?: string[];
}

export interface DashboardConsole {
  service: string;
  servicePort: number;
  localPort: number;
  scheme: 'http' | 'https';
}

export interface ResolvedAddon {
  name: AddonName;
  title: string;
  namespace: string;
  install: InstallMethod;
  dependsOn: AddonName[];
  conflictsWith: AddonName[];
  iam?: IamNeed;
  readiness: ReadinessGate[];
  /** Whether its pods can run on Fargate; a DaemonSet cannot. */
  fargate: boolean;
  /**
   * Its webhook intercepts every Service create and fails closed while it has no ready
   * endpoints, so add-ons installed beside it (they all make Services) go after it.
   */
  interceptsServices?: true;
  /** A UI people open through `kubectl port-forward`: where it listens, as the chart's NOTES.txt says. */
  console?: DashboardConsole;
}

export interface AddonDefinition {
  name: AddonName;
  /** Why the catalog lists it but this version cannot install it yet. */
  unavailable?: string;
  resolve(options: Options, version: KubernetesMinor): ResolvedAddon;
}

type Options = AddonsSpec;

const charts = {
  eks: 'https://aws.github.io/eks-charts',
  metricsServer: 'https://kubernetes-sigs.github.io/metrics-server/',
  headlamp: 'https://kubernetes-sigs.github.io/headlamp/',
  dashboard: 'https://kubernetes.github.io/dashboard/',
  observability: 'https://aws-observability.github.io/helm-charts',
  fairwinds: 'https://charts.fairwinds.com/stable',
  autoscaler: 'https://kubernetes.github.io/autoscaler',
} as const;

// Cluster Autoscaler is released per Kubernetes minor and must match the control plane's.
export const clusterAutoscalerImageTags: Record<KubernetesMinor, string> = {
  '1.31': 'v1.31.3', '1.32': 'v1.32.3', '1.33': 'v1.33.2', '1.34': 'v1.34.2', '1.35': 'v1.35.0', '1.36': 'v1.36.0',
};

/**
 * The chart follows the autoscaler's minor too, because its ClusterRole must grant what that
 * autoscaler reads. From Cluster Autoscaler 1.35, dynamic resource allocation is always on
 * (`--enable-dynamic-resource-allocation=false` makes the binary exit), so it lists and watches
 * `resource.k8s.io` resourceslices, deviceclasses and resourceclaims; chart 9.52.1
 * (appVersion 1.34.1) grants none of them, and a 1.35 or 1.36 autoscaler under it is denied.
 * Upstream (kubernetes/autoscaler, charts/cluster-autoscaler) added those rules in chart 9.54.0,
 * the first release for 1.35. 9.59.0 is the newest release (appVersion 1.35.0); no chart with
 * appVersion 1.36 is released, and the proposed 9.60.0 changes only the default image tag,
 * so 9.59.0 with our `image.tag` v1.36.x is what a 1.36 chart would render. Up to 1.34, 9.52.1
 * stays: DRA is off by default there and its rules fit those autoscalers.
 */
export const clusterAutoscalerChartVersions: Record<KubernetesMinor, string> = {
  '1.31': '9.52.1', '1.32': '9.52.1', '1.33': '9.52.1', '1.34': '9.52.1', '1.35': '9.59.0', '1.36': '9.59.0',
};


const definitions: AddonDefinition[] = [
  {
    name: 'aws-load-balancer-controller',
    resolve: () => ({
      name: 'aws-load-balancer-controller', title: 'AWS Load Balancer Controller', namespace: 'kube-system',
      install: { method: 'helm', release: 'aws-load-balancer-controller', chart: { repo: charts.eks, name: 'aws-load-balancer-controller', version: '1.14.0' } },
      dependsOn: [], conflictsWith: [],
      iam: { namespace: 'kube-system', serviceAccount: 'aws-load-balancer-controller', inlinePolicy: 'aws-load-balancer-controller' },
      readiness: [
        { kind: 'deployment-available', namespace: 'kube-system', name: 'aws-load-balancer-controller' },
        { kind: 'service-endpoints-ready', namespace: 'kube-system', name: 'aws-load-balancer-webhook-service' },
      ],
      fargate: true,
      interceptsServices: true,
    }),
  },
  {
    name: 'metrics-server',
    resolve: (options) => ({
      name: 'metrics-server', title: 'metrics-server', namespace: 'kube-system',
      install: options['metrics-server']?.method === 'eks-addon'
        ? { method: 'eks-addon', addonName: 'metrics-server', version: 'v0.8.0-eksbuild.1' }
        : { method: 'helm', release: 'metrics-server', chart: { repo: charts.metricsServer, name: 'metrics-server', version: '3.13.0' } },
      dependsOn: [], conflictsWith: [],
      readiness: [
        { kind: 'deployment-available', namespace: 'kube-system', name: 'metrics-server' },
        { kind: 'apiservice-available', name: 'v1beta1.metrics.k8s.io', advisory: true },
      ],
      fargate: true,
    }),
  },
  {
    name: 'dashboard',
    resolve: (options) => options.dashboard?.kind === 'kubernetes-dashboard'
      ? {
        name: 'dashboard', title: 'Kubernetes Dashboard (archived; legacy choice)', namespace: 'kubernetes-dashboard',
        install: { method: 'helm', release: 'kubernetes-dashboard', chart: { repo: charts.dashboard, name: 'kubernetes-dashboard', version: '7.13.0' } },
        dependsOn: [], conflictsWith: [],
        // Chart 7.x splits the dashboard in four Deployments, and a person needs all of them:
        // Kong (the only entrance, kong.proxy), then the UI (web), sign-in (auth) and the API (api).
        readiness: ['kong', 'web', 'auth', 'api'].map((part) => ({ kind: 'deployment-available' as const, namespace: 'kubernetes-dashboard', name: `kubernetes-dashboard-${part}` })),
        fargate: true,
        // The chart's NOTES.txt: port-forward svc/<release>-kong-proxy 8443:443, then https://localhost:8443.
        console: { service: 'kubernetes-dashboard-kong-proxy', servicePort: 443, localPort: 8443, scheme: 'https' },
      }
      : {
        name: 'dashboard', title: 'Headlamp dashboard', namespace: 'headlamp',
        install: { method: 'helm', release: 'headlamp', chart: { repo: charts.headlamp, name: 'headlamp', version: '0.43.0' } },
        dependsOn: [], conflictsWith: [],
        readiness: [{ kind: 'deployment-available', namespace: 'headlamp', name: 'headlamp' }],
        fargate: true,
        // The chart's Service (fullname "headlamp", service.port 80); its NOTES.txt port-forwards to 8080.
        console: { service: 'headlamp', servicePort: 80, localPort: 8080, scheme: 'http' },
      },
  },
  {
    name: 'cloudwatch',
    resolve: (options) => {
      const cloudwatch = options.cloudwatch ?? { mode: 'observability', method: 'eks-addon', logRetentionDays: 30 };
      if (cloudwatch.mode === 'fluent-bit') {
        return {
          name: 'cloudwatch', title: 'Fluent Bit to CloudWatch Logs', namespace: 'amazon-cloudwatch', install: { method: 'manifests' },
          dependsOn: [], conflictsWith: [],
          iam: { namespace: 'amazon-cloudwatch', serviceAccount: 'fluent-bit', inlinePolicy: 'fluent-bit' },
          readiness: [{ kind: 'daemonset-ready', namespace: 'amazon-cloudwatch', name: 'fluent-bit' }],
          fargate: false,
        };
      }
      return {
        name: 'cloudwatch', title: 'CloudWatch Container Insights and Fluent Bit', namespace: 'amazon-cloudwatch',
        install: cloudwatch.method === 'helm'
          ? { method: 'helm', release: 'amazon-cloudwatch-observability', chart: { repo: charts.observability, name: 'amazon-cloudwatch-observability', version: '4.3.0' } }
          : { method: 'eks-addon', addonName: 'amazon-cloudwatch-observability', version: 'v4.3.0-eksbuild.1' },
        dependsOn: [], conflictsWith: [],
        iam: { namespace: 'amazon-cloudwatch', serviceAccount: 'cloudwatch-agent', managedPolicyArns: [cloudWatchAgentServerPolicyArn] },
        readiness: [
          ...(cloudwatch.method === 'eks-addon' ? [{ kind: 'eks-addon-active' as const, addonName: 'amazon-cloudwatch-observability' }] : []),
          { kind: 'daemonset-ready', namespace: 'amazon-cloudwatch', name: 'cloudwatch-agent' },
          { kind: 'daemonset-ready', namespace: 'amazon-cloudwatch', name: 'fluent-bit' },
        ],
        fargate: false,
      };
    },
  },
  {
    name: 'vertical-pod-autoscaler',
    resolve: () => ({
      name: 'vertical-pod-autoscaler', title: 'Vertical Pod Autoscaler (recommender, updater, admission controller)', namespace: 'vpa',
      install: { method: 'helm', release: 'vpa', chart: { repo: charts.fairwinds, name: 'vpa', version: '4.8.0' } },
      // The recommender reads usage from the metrics API.
      dependsOn: ['metrics-server'], conflictsWith: [],
      readiness: [
        { kind: 'crd-established', name: 'verticalpodautoscalers.autoscaling.k8s.io' },
        { kind: 'deployment-available', namespace: 'vpa', name: 'vpa-recommender' },
        { kind: 'deployment-available', namespace: 'vpa', name: 'vpa-updater' },
        { kind: 'deployment-available', namespace: 'vpa', name: 'vpa-admission-controller' },
        { kind: 'service-endpoints-ready', namespace: 'vpa', name: 'vpa-webhook' },
      ],
      fargate: true,
    }),
  },
  {
    name: 'cluster-autoscaler',
    resolve: (_options, version) => ({
      name: 'cluster-autoscaler', title: 'Cluster Autoscaler (ASG auto-discovery)', namespace: 'kube-system',
      install: { method: 'helm', release: 'cluster-autoscaler', chart: { repo: charts.autoscaler, name: 'cluster-autoscaler', version: clusterAutoscalerChartVersions[version] } },
      dependsOn: [], conflictsWith: ['karpenter'],
      iam: { namespace: 'kube-system', serviceAccount: 'cluster-autoscaler', inlinePolicy: 'cluster-autoscaler' },
      readiness: [{ kind: 'deployment-available', namespace: 'kube-system', name: 'cluster-autoscaler-aws-cluster-autoscaler' }],
      fargate: true,
    }),
  },
  {
    name: 'karpenter',
    // The controller from its chart (its crds/ carry the NodePool, NodeClaim and EC2NodeClass
    // kinds, so karpenter-crd is not needed for a first install); its AWS side, the NodePool and
    // EC2NodeClass are steps and files of their own (src/activities/karpenter.ts).
    resolve: () => ({
      name: 'karpenter', title: 'Karpenter', namespace: 'kube-system',
      install: { method: 'helm', release: 'karpenter', chart: { repo: 'oci://public.ecr.aws/karpenter', name: 'karpenter', version: '1.14.1' } },
      dependsOn: [], conflictsWith: ['cluster-autoscaler'],
      iam: { namespace: 'kube-system', serviceAccount: 'karpenter', inlinePolicy: 'karpenter' },
      readiness: [
        { kind: 'crd-established', name: 'nodepools.karpenter.sh' },
        { kind: 'crd-established', name: 'ec2nodeclasses.karpenter.k8s.aws' },
        { kind: 'deployment-available', namespace: 'kube-system', name: 'karpenter' },
      ],
      fargate: true,
    }),
  },
];

export const addonCatalog: ReadonlyMap<AddonName, AddonDefinition> = new Map(definitions.map((d) => [d.name, d]));

/** One reason the requested add-ons cannot be installed together; the planner refuses the spec. */
export interface AddonProblem {
  path: string;
  message: string;
}

/** The add-ons a spec asks for, resolved for its Kubernetes version, in catalog order. */
export function requestedAddons(spec: Pick<EnvironmentSpec, 'addons' | 'kubernetesVersion'>): ResolvedAddon[] {
  return definitions.filter((d) => spec.addons[d.name] !== undefined).map((d) => d.resolve(spec.addons, spec.kubernetesVersion));
}

/**
 * Missing dependencies, conflicts, add-ons this version cannot install, and DaemonSet add-ons
 * on an environment with nowhere to run a DaemonSet; also what the app needs from them.
 */
export function addonProblems(spec: Pick<EnvironmentSpec, 'addons' | 'kubernetesVersion' | 'nodeGroups' | 'app'> & { autoMode?: EnvironmentSpec['autoMode'] }): AddonProblem[] {
  const problems: AddonProblem[] = [];
  const wanted = new Set(Object.keys(spec.addons) as AddonName[]);
  for (const addon of requestedAddons(spec)) {
    const at = `/addons/${addon.name}`;
    const unavailable = addonCatalog.get(addon.name)?.unavailable;
    if (unavailable) problems.push({ path: at, message: unavailable });
    for (const dependency of addon.dependsOn) {
      if (!wanted.has(dependency)) problems.push({ path: at, message: `missing a dependency: ${addon.name} needs ${dependency}; add it to addons` });
    }
    for (const conflict of addon.conflictsWith) {
      // Reported once, on the first of the pair in catalog order.
      if (wanted.has(conflict) && definitions.findIndex((d) => d.name === addon.name) < definitions.findIndex((d) => d.name === conflict)) {
        problems.push({ path: at, message: `${addon.name} conflicts with ${conflict}: both would scale the nodes; choose one` });
      }
    }
    // Auto Mode's nodes run DaemonSets (src/domain/auto-mode.ts).
    if (!addon.fargate && spec.nodeGroups.length === 0 && !spec.autoMode) {
      problems.push({ path: at, message: `${addon.title} runs as a DaemonSet, which Fargate cannot run; add a node group` });
    }
  }
  if (wanted.has('cluster-autoscaler') && spec.nodeGroups.length === 0 && !spec.autoMode) {
    problems.push({ path: '/addons/cluster-autoscaler', message: 'cluster-autoscaler scales node groups, and this environment has none' });
  }
  const needs = (path: string, addon: AddonName, why: string) => {
    if (!wanted.has(addon)) problems.push({ path, message: `${why} needs ${addon}; add it to addons` });
  };
  if (spec.app) {
    // With Auto Mode, EKS's own controller makes the NLB (class eks.amazonaws.com/nlb).
    if (!spec.autoMode) needs('/app', 'aws-load-balancer-controller', 'the app\'s NLB Service');
    if (spec.app.hpa) needs('/app/hpa', 'metrics-server', 'the HorizontalPodAutoscaler');
    if (spec.app.vpa) needs('/app/vpa', 'vertical-pod-autoscaler', 'the VerticalPodAutoscaler');
  }
  return problems;
}
