import { now as timestamp, type KubeObject, type ObjectDraft } from '../objects';
import { isDeleting, type ControllerContext, type FargateProfileShape } from './context';
import { nextPodIp } from './pods';

// EKS on Fargate, reduced to what eksflow meets: a mutating webhook that, when a new pod
// matches a Fargate profile, hands it to the `fargate-scheduler`; that scheduler starts a
// micro-VM per pod, which joins the cluster as a node of its own named `fargate-ip-…`.
// A pod annotated `eks.amazonaws.com/compute-type: ec2` is left to the default scheduler even
// where a profile selects it — EKS makes CoreDNS so, which is why on Fargate alone it stays
// Pending until that annotation says fargate (catalog entry 31; eksctl pkg/fargate/coredns).

export const fargateScheduler = 'fargate-scheduler';
export const computeTypeLabel = 'eks.amazonaws.com/compute-type';
const admittedKey = 'fargate-admitted';

export const isFargateNode = (node: KubeObject) => node.metadata.labels?.[computeTypeLabel] === 'fargate';

const selects = (profile: FargateProfileShape, pod: KubeObject) => profile.selectors.some((selector) => selector.namespace === pod.metadata.namespace
  && Object.entries(selector.labels ?? {}).every(([key, value]) => pod.metadata.labels?.[key] === value));

/**
 * The Fargate admission webhook: decides once, when it first sees a pod (its creation), whether
 * Fargate runs it; a pod made before a profile selected it stays where it was put, as on EKS.
 */
export function admitFargatePods(context: ControllerContext): void {
  const { store, types } = context;
  let admitted = context.memo.get(admittedKey) as Set<string> | undefined;
  if (!admitted) context.memo.set(admittedKey, (admitted = new Set()));
  for (const pod of store.items(types.pod)) {
    if (admitted.has(pod.metadata.uid) || isDeleting(pod)) continue;
    admitted.add(pod.metadata.uid);
    if (pod.spec?.nodeName || (pod.spec?.schedulerName && pod.spec.schedulerName !== 'default-scheduler')) continue;
    if (pod.metadata.annotations?.[computeTypeLabel] === 'ec2') continue;
    if (!context.fargateProfiles.some((profile) => selects(profile, pod))) continue;
    store.change(types.pod, pod.metadata.namespace, pod.metadata.name, (mutated) => void (mutated.spec = { ...mutated.spec, schedulerName: fargateScheduler }));
  }
}

/**
 * The Fargate scheduler: a node per pod, bound at once, NotReady until its kubelet is (the
 * node controller's `nodeReadyMs`), then the pod starts as on any node; the node goes with
 * its pod.
 */
export function runFargatePods(context: ControllerContext): void {
  const { store, types } = context;
  const pods = store.items(types.pod);
  for (const pod of pods) {
    if (pod.spec?.schedulerName !== fargateScheduler || pod.spec?.nodeName || isDeleting(pod)) continue;
    const node = store.put(types.node, fargateNode(context));
    const hostIP = (node.status?.addresses as { type: string; address: string }[] | undefined)?.find((a) => a.type === 'InternalIP')?.address;
    store.change(types.pod, pod.metadata.namespace, pod.metadata.name, (bound) => {
      bound.spec = { ...bound.spec, nodeName: node.metadata.name };
      bound.status = { phase: 'Pending', hostIP, podIP: hostIP, conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: timestamp() }] };
    });
  }
  const bound = new Set(store.items(types.pod).filter((pod) => !isDeleting(pod)).map((pod) => pod.spec?.nodeName as string | undefined));
  for (const node of store.items(types.node)) {
    if (isFargateNode(node) && !isDeleting(node) && !bound.has(node.metadata.name)) store.remove(types.node, undefined, node.metadata.name);
  }
}

function fargateNode(context: ControllerContext): ObjectDraft {
  // A Fargate pod's address is its node's: one micro-VM each.
  const ip = nextPodIp(context);
  const name = `fargate-ip-${ip.replaceAll('.', '-')}.${context.region}.compute.internal`;
  const zone = `${context.region}a`;
  const capacity = { cpu: '2', memory: '3928Mi', pods: '1' };
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name,
      labels: {
        [computeTypeLabel]: 'fargate', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/region': context.region, 'topology.kubernetes.io/zone': zone,
      },
    },
    spec: {
      providerID: `aws:///${zone}/fargate-${ip}`,
      // Nothing but the pod it was made for runs there; the not-ready taint goes once the kubelet is up.
      taints: [{ key: computeTypeLabel, value: 'fargate', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }],
    },
    status: {
      capacity, allocatable: capacity,
      addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }],
      conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'the Fargate micro-VM is starting', lastHeartbeatTime: timestamp(), lastTransitionTime: timestamp() }],
      nodeInfo: { kubeletVersion: 'v1.35.0-eks-sim', containerRuntimeVersion: 'containerd://1.7.27', operatingSystem: 'linux', architecture: 'amd64', osImage: 'Amazon Linux 2' },
    },
  };
}
