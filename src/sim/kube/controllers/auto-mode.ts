import { nodegroupLabel } from '../../../activities/nodegroups';
import { autoModeNodeLabels } from '../../../domain/auto-mode';
import { isDeleting, type ControllerContext } from './context';
import { newNode } from './nodes';

/**
 * EKS Auto Mode's compute, played small: with the built-in `general-purpose` node pool, one node
 * is there once the cluster is, so pods schedule. On EKS, Auto Mode (Karpenter run by EKS)
 * launches an EC2 managed instance when pods are pending and removes it when it is empty; the
 * simulation keeps one warm rather than play Karpenter's bin-packing. Its labels are Auto Mode's:
 * `eks.amazonaws.com/compute-type: auto` and `karpenter.sh/nodepool: <pool>` (EKS user guide,
 * automode-learn-instances and create-node-pool; Karpenter's well-known labels), and no managed
 * node group label. It becomes Ready as any node does (`reconcileNodes`). The `system` pool is
 * tainted CriticalAddonsOnly (set-builtin-node-pools) and gets no node here: nothing eksflow runs
 * asks for it.
 */
export function reconcileAutoModeNodes(context: ControllerContext): void {
  const pools = context.autoMode?.nodePools ?? [];
  if (!pools.includes('general-purpose')) return;
  const { store, types } = context;
  const pool = 'general-purpose';
  const present = store.items(types.node).some((node) => !isDeleting(node) && node.metadata.labels?.[autoModeNodeLabels.nodePool] === pool);
  if (present) return;
  const node = newNode(context, `auto-mode/${pool}`, { desiredSize: 1, instanceType: 'c6a.large' });
  const labels: Record<string, string> = { ...node.metadata.labels, [autoModeNodeLabels.computeType]: 'auto', [autoModeNodeLabels.nodePool]: pool };
  delete labels[nodegroupLabel];
  store.put(types.node, { ...node, metadata: { ...node.metadata, labels } });
}
