import type { EnvironmentSpec } from './environment-spec';

/**
 * Drift: where a live environment no longer matches its spec, found by comparing what the run
 * knows it built (the spec, node group sizes as last set, the app's image) with what AWS and
 * the cluster say now. Pure; the observation is src/activities/drift.ts's.
 */

/** One difference, as `eksflow env get` prints it: "node group spot: maxSize 5 → 3 (spec 5)". */
export interface DriftItem {
  /** What drifted: "cluster", "node group spot", "app awesomebuilder". */
  subject: string;
  field: string;
  expected: string;
  actual: string;
}

export interface DriftReport {
  checkedAt: string;
  items: DriftItem[];
  /** What a correction put back (with drift.correct). */
  corrected?: string[];
}

/** What AWS and the cluster say now. A missing entry is something that is not there at all. */
export interface ObservedEnvironment {
  cluster?: { status: string; version?: string };
  /** By spec name. */
  nodegroups: Record<string, { status: string; scaling: { minSize: number; desiredSize: number; maxSize: number }; version?: string } | undefined>;
  /** The app's Deployment, when the spec has an app. */
  app?: { image?: string; replicas?: number } | null;
}

export interface Expected {
  /** Sizes as the run last set them (a scale changes them), by spec name. */
  scaling: Record<string, { minSize: number; desiredSize: number; maxSize: number }>;
  /** The image the app runs, pinned by digest once imported. */
  imageUri?: string;
}

/** Add-ons that change a group's desired size on purpose: with them, only min and max can drift. */
const autoscalers = ['cluster-autoscaler', 'karpenter'] as const;

export function driftOf(spec: EnvironmentSpec, expected: Expected, observed: ObservedEnvironment): DriftItem[] {
  const items: DriftItem[] = [];
  const differ = (subject: string, field: string, want: unknown, have: unknown) => {
    if (want !== have) items.push({ subject, field, expected: String(want), actual: have === undefined ? 'missing' : String(have) });
  };
  if (!observed.cluster) return [{ subject: 'cluster', field: 'status', expected: 'ACTIVE', actual: 'missing' }];
  differ('cluster', 'status', 'ACTIVE', observed.cluster.status === 'UPDATING' ? 'ACTIVE' : observed.cluster.status);
  if (observed.cluster.version !== undefined) differ('cluster', 'kubernetesVersion', spec.kubernetesVersion, observed.cluster.version);
  const autoscaled = autoscalers.some((name) => spec.addons[name] !== undefined);
  // Self-managed groups are Auto Scaling groups, not EKS node groups: not compared here (yet).
  for (const group of spec.nodeGroups.filter((g) => g.kind !== 'self-managed')) {
    const subject = `node group ${group.name}`;
    const seen = observed.nodegroups[group.name];
    if (!seen) {
      items.push({ subject, field: 'status', expected: 'ACTIVE', actual: 'missing' });
      continue;
    }
    const want = expected.scaling[group.name] ?? { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize };
    differ(subject, 'minSize', want.minSize, seen.scaling.minSize);
    differ(subject, 'maxSize', want.maxSize, seen.scaling.maxSize);
    // An autoscaler moves desired within min..max: that is the environment working, not drift.
    if (!autoscaled) differ(subject, 'desiredSize', want.desiredSize, seen.scaling.desiredSize);
    if (seen.version !== undefined) differ(subject, 'kubernetesVersion', spec.kubernetesVersion, seen.version);
  }
  if (spec.app && observed.app !== undefined) {
    const subject = `app ${spec.app.name}`;
    if (observed.app === null) items.push({ subject, field: 'Deployment', expected: 'present', actual: 'missing' });
    else {
      const image = expected.imageUri ?? spec.image?.uri;
      if (image) differ(subject, 'image', image, observed.app.image);
      // With an HPA the replica count is the HPA's to set.
      if (!spec.app.hpa) differ(subject, 'replicas', spec.app.replicas, observed.app.replicas);
    }
  }
  return items;
}

/** "node group spot: maxSize 5, found 3" — one line per item. */
export const describeDrift = (item: DriftItem) => `${item.subject}: ${item.field} ${item.expected}, found ${item.actual}`;
