import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { nodegroupLabel } from './nodegroups';
import { paceFor, type Pace } from './pace';

/** How activities reach a cluster's API server: the test bed's kubeconfig in tests, an EKS token in production. */
export interface KubeAccess {
  forCluster(cluster: string): Promise<KubeConfig>;
}

export interface NodesReadyProgress {
  ready: number;
  joined: number;
  desired: number;
}

const pollIntervalMs = 2_000;
const isReady = (node: V1Node) => node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export function createNodesReadyActivities(kube: KubeAccess, pace: Pace = paceFor()) {
  /**
   * Waits until `desired` nodes of the group are Ready, heartbeating each observation, so
   * a lost worker is noticed within the heartbeat timeout and the UI shows the count.
   */
  async function waitForNodesReady(input: {
    cluster: string; group: string; desired: number;
    /** The label selector that finds the group's nodes. @default EKS's `eks.amazonaws.com/nodegroup=<group>` (a self-managed group's: `eksflow.io/nodegroup=<group>`) */
    selector?: string;
  }): Promise<NodesReadyProgress> {
    const core = (await kube.forCluster(input.cluster)).makeApiClient(CoreV1Api);
    const context = Context.current();
    for (;;) {
      const nodes = (await core.listNode({ labelSelector: input.selector ?? `${nodegroupLabel}=${input.group}` })).items;
      const progress = { ready: nodes.filter(isReady).length, joined: nodes.length, desired: input.desired };
      context.heartbeat(progress);
      if (progress.ready >= input.desired) return progress;
      // Context.sleep ends early with a CancelledFailure when the workflow cancels this wait.
      await context.sleep(pace(pollIntervalMs));
    }
  }

  return { waitForNodesReady };
}
