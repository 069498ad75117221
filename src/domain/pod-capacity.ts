import { withTableSelections } from './instance-selector';
import { requestedAddons } from './addon-catalog';
import type { EnvironmentSpec } from './environment-spec';
import { eniLimitsSource, groupMaxPods, prefixDelegationEnabled, tableInstanceLimits, type GroupMaxPods, type InstanceLimitsLookup } from './max-pods';
import { isWindowsAmiType } from './node-group-settings';

/**
 * Whether the pods an environment runs fit on its node groups (issue 17 item 7, seed 14.4).
 * Every pod takes one of its node's max-pods slots (src/domain/max-pods.ts): one per node for
 * each DaemonSet, plus the add-ons' Deployments and the app's replicas spread over the nodes.
 * Compared at the groups' desiredSize (a warning when only growing helps) and at their maxSize
 * (a refusal, with the way out, when even that is too small). Pure.
 */

/** Something the plan should say without refusing it. */
export interface PlanWarning {
  path: string;
  message: string;
}

/** Pods that take a slot: on every node (DaemonSets) or some number in all (Deployments, the app). */
export interface PodDemand {
  /** DaemonSets: one pod on every Linux node. */
  perNode: { name: string; source: string }[];
  /** Deployments' and the app's pods, wherever they land. */
  pods: { name: string; count: number; source: string }[];
}

type Spec = Pick<EnvironmentSpec, 'nodeGroups' | 'fargateProfiles' | 'app' | 'addons' | 'eksAddons' | 'kubernetesVersion'>;

/** Whether some Fargate profile selects pods of the namespace (then they may run there, not on a node). */
const onFargate = (spec: Spec, namespace: string) => spec.fargateProfiles.some((profile) => profile.selectors.some((s) => s.namespace === namespace));

/**
 * What the spec runs, with where each count comes from. EKS itself runs aws-node (vpc-cni) and
 * kube-proxy as DaemonSets and CoreDNS as a 2-replica Deployment on every cluster (self-managed
 * or as add-ons). The add-ons' counts are their pinned charts' defaults (values.yaml) or what
 * eksflow sets (src/activities/addons); the EKS managed add-ons' are their manifests'.
 */
export function podDemand(spec: Spec): PodDemand {
  const perNode = [
    { name: 'aws-node', source: 'VPC CNI DaemonSet' },
    { name: 'kube-proxy', source: 'kube-proxy DaemonSet' },
  ];
  const pods: PodDemand['pods'] = [];
  const deployment = (name: string, count: number, source: string, namespace = 'kube-system') => {
    if (!onFargate(spec, namespace)) pods.push({ name, count, source });
  };
  deployment('coredns', 2, 'EKS runs CoreDNS with 2 replicas');
  if (spec.eksAddons?.['eks-pod-identity-agent']) perNode.push({ name: 'eks-pod-identity-agent', source: 'EKS Pod Identity Agent DaemonSet' });
  if (spec.eksAddons?.['aws-ebs-csi-driver']) {
    perNode.push({ name: 'ebs-csi-node', source: 'EBS CSI driver node DaemonSet' });
    deployment('ebs-csi-controller', 2, 'EBS CSI driver controller, 2 replicas');
  }
  for (const addon of requestedAddons(spec)) {
    switch (addon.name) {
      case 'aws-load-balancer-controller':
        deployment('aws-load-balancer-controller', 2, 'replicaCount 2 (src/activities/addons/aws-load-balancer-controller.ts)', addon.namespace);
        break;
      case 'metrics-server':
        deployment('metrics-server', 1, 'metrics-server chart 3.13.0 replicas 1', addon.namespace);
        break;
      case 'dashboard':
        // kubernetes-dashboard 7.13.0: auth, api, web, metrics-scraper and kong, 1 each; headlamp 0.43.0: replicaCount 1.
        deployment(addon.install.method === 'helm' && addon.install.chart.name === 'kubernetes-dashboard' ? 'kubernetes-dashboard' : 'headlamp',
          addon.install.method === 'helm' && addon.install.chart.name === 'kubernetes-dashboard' ? 5 : 1, `${addon.title} Deployments`, addon.namespace);
        break;
      case 'cloudwatch':
        for (const gate of addon.readiness) {
          if (gate.kind === 'daemonset-ready') perNode.push({ name: gate.name, source: `${addon.title} DaemonSet` });
        }
        // amazon-cloudwatch-observability 4.3.0: the operator's replicaCount 1.
        if (addon.install.method !== 'manifests') deployment('amazon-cloudwatch-observability-controller-manager', 1, 'CloudWatch observability operator, replicaCount 1', addon.namespace);
        break;
      case 'vertical-pod-autoscaler':
        deployment('vpa', 3, 'vpa chart 4.8.0: recommender, updater, admission controller, 1 each', addon.namespace);
        break;
      case 'cluster-autoscaler':
        deployment('cluster-autoscaler', 1, 'cluster-autoscaler chart replicaCount 1', addon.namespace);
        break;
      case 'karpenter':
        deployment('karpenter', 2, 'karpenter chart replicas 2', addon.namespace);
        break;
    }
  }
  if (spec.app) {
    const count = spec.app.hpa ? Math.max(spec.app.replicas, spec.app.hpa.maxReplicas) : spec.app.replicas;
    deployment(spec.app.name, count, spec.app.hpa ? `the app's HPA maxReplicas ${spec.app.hpa.maxReplicas}` : `the app's replicas`, spec.app.namespace ?? spec.app.name);
  }
  return { perNode, pods };
}

export interface GroupCapacity {
  name: string;
  path: string;
  maxPods: GroupMaxPods;
  desiredSize: number;
  maxSize: number;
}

export interface PodCapacityCheck {
  groups: GroupCapacity[];
  demand: PodDemand;
  warnings: PlanWarning[];
  problems: { path: string; message: string }[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The check. Fargate-only environments are skipped (a Fargate node runs one pod); Windows
 * groups are left out (aws-node does not run there, and their IPs come from the VPC resource
 * controller, not this formula); taints are not modelled (a tainted group's slots count).
 */
export function checkPodCapacity(given: Spec, { lookup = tableInstanceLimits }: { lookup?: InstanceLimitsLookup } = {}): PodCapacityCheck {
  // Specs of runs started before some fields existed (a live spec in a change) may lack them.
  // A selector's group counts with the shipped table's picks; a group whose types are still unknown (a launch template's) is left out.
  const nodeGroups = withTableSelections({ nodeGroups: given.nodeGroups ?? [] }).spec.nodeGroups;
  const spec: Spec = { ...given, nodeGroups, fargateProfiles: given.fargateProfiles ?? [], addons: given.addons ?? {} };
  const demand = podDemand(spec);
  const prefixDelegation = prefixDelegationEnabled(spec.eksAddons);
  const groups: GroupCapacity[] = spec.nodeGroups.flatMap((group, i) => (isWindowsAmiType(group.amiType ?? '') || group.instanceTypes.length === 0 ? [] : [{
    name: group.name, path: `/nodeGroups/${i}`, desiredSize: group.desiredSize, maxSize: group.maxSize,
    maxPods: groupMaxPods(group, { prefixDelegation, lookup }),
  }]));
  const result: PodCapacityCheck = { groups, demand, warnings: [], problems: [] };
  if (groups.length === 0) return result;

  const unknown = groups.filter((g) => !g.maxPods.known);
  if (unknown.length > 0) {
    for (const g of unknown) {
      const types = (g.maxPods as { unknownTypes: string[] }).unknownTypes;
      result.warnings.push({
        path: `${g.path}/instanceTypes`,
        message: `the pods a node of ${g.name} can run are unknown: ${types.join(', ')} ${types.length === 1 ? 'is' : 'are'} not in the ENI table (${eniLimitsSource}); the plan does not check that the pods fit`,
      });
    }
    return result;
  }

  const daemonSets = demand.perNode.length;
  const daemonSetNames = demand.perNode.map((d) => d.name).join(', ');
  const known = groups as (GroupCapacity & { maxPods: Extract<GroupMaxPods, { known: true }> })[];
  for (const g of known) {
    if (g.maxPods.pods < daemonSets) {
      result.problems.push({
        path: `${g.path}/instanceTypes`,
        message: `a ${g.maxPods.instanceType} node of ${g.name} runs at most ${g.maxPods.pods} pods (${g.maxPods.how}), fewer than the ${daemonSets} DaemonSets every node runs (${daemonSetNames}); `
          + `choose a bigger instance type${prefixDelegation ? '' : ' or turn on prefix delegation (eksAddons.vpc-cni.prefixDelegation)'}`,
      });
    }
  }
  if (result.problems.length > 0) return result;

  const needed = demand.pods.reduce((sum, p) => sum + p.count, 0);
  const free = (sizeOf: (g: GroupCapacity) => number) => known.reduce((sum, g) => sum + sizeOf(g) * (g.maxPods.pods - daemonSets), 0);
  const atDesired = free((g) => g.desiredSize);
  const atMax = free((g) => g.maxSize);
  const whatNeeds = demand.pods.map((p) => `${p.name} ${p.count}`).join(', ');
  const slots = known.map((g) => `${g.name}: ${g.maxPods.pods} per ${g.maxPods.instanceType} node (${g.maxPods.how}), ${daemonSets} of them DaemonSets'`).join('; ');
  if (needed <= atDesired) return result;
  if (needed <= atMax) {
    result.warnings.push({
      path: '/nodeGroups',
      message: `the ${plural(needed, 'pod')} beside the DaemonSets (${whatNeeds}) fit only when the node groups grow past desiredSize: ${atDesired} free slots at desiredSize, ${atMax} at maxSize (${slots})`
        + `${spec.addons['cluster-autoscaler'] || spec.addons.karpenter ? '' : '; nothing grows them without the cluster-autoscaler add-on'}`,
    });
    return result;
  }
  // The way out: more nodes in the group with the most room per node, a bigger type, or prefixes.
  const roomiest = known.reduce((a, b) => (b.maxPods.pods > a.maxPods.pods ? b : a));
  const perNodeFree = roomiest.maxPods.pods - daemonSets;
  const moreNodes = perNodeFree > 0 ? Math.ceil((needed - atMax) / perNodeFree) : undefined;
  const ways = [
    ...(moreNodes !== undefined ? [`more nodes (maxSize of ${roomiest.name} ${roomiest.maxSize + moreNodes} or more)`] : []),
    'a bigger instance type',
    ...(prefixDelegation ? [] : ['prefix delegation (eksAddons.vpc-cni.prefixDelegation, Nitro instances)']),
    ...(spec.app?.hpa && spec.app.hpa.maxReplicas > spec.app.replicas ? ['a lower app.hpa.maxReplicas'] : []),
  ];
  result.problems.push({
    path: '/nodeGroups',
    message: `the pods do not fit even at maxSize: ${plural(needed, 'pod')} beside the DaemonSets (${whatNeeds}) and only ${atMax} free slots (${slots}); give ${ways.join(', or ')}`,
  });
  return result;
}
