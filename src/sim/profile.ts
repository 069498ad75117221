import { deletionLatency, latencyTable, type Latency } from '../domain/latency';
import { fitLognormal, keyedRandom, sampleLognormal, type Lognormal } from './random';

/**
 * Every simulated operation that takes time. IAM, ECR and CloudWatch Logs calls complete within
 * the call; IAM's eventual consistency, when the cloud simulates it (`propagation`), is the
 * `iam.propagation` window after them.
 */
export const simOperations = [
  'cluster.create', 'cluster.update', 'cluster.version-update', 'cluster.delete',
  'nodegroup.create', 'nodegroup.update', 'nodegroup.version-update', 'nodegroup.delete',
  'fargate-profile.create', 'fargate-profile.delete',
  'addon.create', 'addon.update', 'addon.delete',
  /** How long after the cluster turns ACTIVE CreateAddon keeps refusing. */
  'addon.api-lag',
  /** A VPC with subnets and its NAT gateway(s): the NAT gateway dominates. */
  'network.create',
  /** From DeleteNatGateway until EC2 reports it deleted and its address can be released. */
  'nat-gateway.delete',
  /** From CreateLoadBalancer until the NLB is active and its DNS name answers. */
  'load-balancer.provision',
  /**
   * How long after CreateRole, AttachRolePolicy or CreateOpenIDConnectProvider EKS and IAM still
   * answer as if it had not happened (aws-fault-catalog 1, 2, 3, 6).
   */
  'iam.propagation',
  /** How long EKS keeps the name of a deleted cluster (aws-fault-catalog 14). */
  'cluster.name-release',
  /** AssociateIdentityProviderConfig until the config is ACTIVE, and DisassociateIdentityProviderConfig until it is gone. */
  'identity-provider.associate', 'identity-provider.disassociate',
  /** CreateCapability until the capability is ACTIVE, and DeleteCapability until it is gone. */
  'capability.create', 'capability.delete',
] as const;
export type SimOperation = (typeof simOperations)[number];

export type LatencyProfile = Record<SimOperation, Latency>;

/**
 * Published figures. Where the planner has a figure for the same thing (src/domain/latency.ts)
 * it is taken from there, so the plan's estimates and the simulation cannot disagree.
 */
export const defaultLatencyProfile: LatencyProfile = {
  'cluster.create': latencyTable.cluster,
  'cluster.update': latencyTable['cluster-logging'],
  // A control-plane upgrade: eksctl's own log of one (eksctl #7976) shows 1.30 → 1.31 taking
  // ten minutes; no published distribution, so the tail is a guess.
  'cluster.version-update': { medianSeconds: 600, p90Seconds: 900 },
  // Deleting a control plane takes a few minutes; faster than creating one.
  'cluster.delete': { medianSeconds: 240, p90Seconds: 420 },
  'nodegroup.create': latencyTable.nodegroup,
  // A scaling change is applied to the Auto Scaling group within a minute or so.
  'nodegroup.update': { medianSeconds: 45, p90Seconds: 90 },
  // A rolling replacement: new nodes launched and joined, old ones cordoned, drained and
  // terminated (EKS "Managed node update behavior"); a few minutes per node, so a small group's
  // takes a quarter of an hour or so. An estimate, not a published figure.
  'nodegroup.version-update': { medianSeconds: 900, p90Seconds: 1800 },
  // Nodes are drained and terminated first: slower than a create.
  'nodegroup.delete': { medianSeconds: 300, p90Seconds: 480 },
  'fargate-profile.create': latencyTable['fargate-profile'],
  'fargate-profile.delete': { medianSeconds: 120, p90Seconds: 240 },
  'addon.create': latencyTable.addon,
  // An add-on update rolls its DaemonSet or Deployment: about as long as a create.
  'addon.update': latencyTable.addon,
  'addon.delete': { medianSeconds: 30, p90Seconds: 90 },
  'addon.api-lag': { medianSeconds: 180, p90Seconds: 240 },
  'network.create': latencyTable.network,
  'nat-gateway.delete': deletionLatency['nat-gateway'],
  'load-balancer.provision': latencyTable.nlb,
  // Seconds to tens of seconds: two runbooks saw an IAM principal usable by EKS after ~10 s
  // (aws-fault-catalog 4), and terraform-provider-aws's 2-minute propagationTimeout for the same
  // answers (catalog 1-3, 6) is meant to outlast every window; a p90 of 40 s keeps the tail
  // well inside it.
  'iam.propagation': { medianSeconds: 10, p90Seconds: 40 },
  // No published figure (aws-fault-catalog 14): terraform-provider-aws waits for three not-found
  // reads in a row before it lets the name be used again; about a minute here, a few at worst.
  'cluster.name-release': { medianSeconds: 60, p90Seconds: 150 },
  'identity-provider.associate': latencyTable['identity-provider'],
  // Not published; taken to be quicker than associating, as a cluster's delete is than its create.
  'identity-provider.disassociate': deletionLatency['identity-provider'],
  'capability.create': latencyTable.capability,
  'capability.delete': deletionLatency.capability,
};

/** The default profile with some operations replaced. */
export function latencyProfile(overrides: Partial<LatencyProfile> = {}): LatencyProfile {
  return { ...defaultLatencyProfile, ...overrides };
}

/** One latency the simulation drew: what a benchmark's critical-path bound is computed from. */
export interface LatencyDraw {
  operation: SimOperation;
  /** The resource, e.g. `demo` or `demo/general`. */
  key: string;
  /** The how-many-th draw for this operation and resource, from 0: a re-create draws anew. */
  occurrence: number;
  seconds: number;
}

/**
 * Draws each latency from the lognormal fitted to its operation's median and p90. A draw
 * depends on the seed, the operation, the resource and the occurrence only, so concurrent
 * environments and a sequential replay of the same one see the same latencies.
 */
export class LatencySampler {
  private readonly fits = new Map<SimOperation, Lognormal>();
  private readonly occurrences = new Map<string, number>();
  private readonly log: LatencyDraw[] = [];

  constructor(readonly profile: LatencyProfile = defaultLatencyProfile, readonly seed: string | number = 1) {
    for (const operation of simOperations) {
      const { medianSeconds, p90Seconds } = profile[operation];
      this.fits.set(operation, fitLognormal({ median: medianSeconds, p90: p90Seconds }));
    }
  }

  /** A latency in (simulated) seconds. */
  sample(operation: SimOperation, key: string): number {
    const counter = `${operation}\u0000${key}`;
    const occurrence = this.occurrences.get(counter) ?? 0;
    this.occurrences.set(counter, occurrence + 1);
    const seconds = sampleLognormal(keyedRandom(this.seed, operation, key, occurrence), this.fits.get(operation)!);
    this.log.push({ operation, key, occurrence, seconds });
    return seconds;
  }

  /** Every draw so far, in the order drawn. */
  draws(): readonly LatencyDraw[] {
    return this.log;
  }
}
