import type { ActivityDeps } from '../../activities';
import { defaultPatience, notYetByCall, type Patience } from '../../activities/aws/not-yet';
import { scaledClock, type SimClock } from '../clock';
import { FaultInjector, type FaultOptions } from '../faults';
import { LatencySampler, latencyProfile, type LatencyProfile } from '../profile';
import { IdSource, Scheduler, type SimContext } from './context';
import { SimulatedEcr } from './ecr';
import { SimulatedEks } from './eks';
import type { ClusterEndpoint } from './eks-state';
import { DetectionLog } from './detection-log';
import { AwsGateway } from './gateway';
import { SimulatedIam } from './iam';
import { SimulatedLogs } from './logs';
import { SimulatedNetworkLeftovers } from './network-leftovers';
import { SimulatedVpc } from './vpc';

export interface SimulatedAwsOptions {
  /** @default 'us-east-1' */
  region?: string;
  /** @default '123456789012' (moto's) */
  accountId?: string;
  /** Seeds latencies, IDs and faults: the same seed replays the same run. @default 1 */
  seed?: string | number;
  /** @default scaledClock(): EKSFLOW_SIM_SPEEDUP, or 20× */
  clock?: SimClock;
  /** Latencies to use instead of the published ones, by operation. @default none */
  latencies?: Partial<LatencyProfile>;
  /** Transient fault rates, or an injector to share. @default no faults */
  faults?: FaultOptions | FaultInjector;
  /** How many Availability Zones the region offers. @default 3 */
  zones?: number;
  /** A cluster's API server endpoint and CA, when the Kubernetes side serves a real one. @default made-up ones */
  endpointOf?: ClusterEndpoint;
  /** Attempts the SDK clients make per request before a transient fault surfaces. @default `defaultMaxAttempts` of src/activities/aws/clients.ts (7) */
  sdkMaxAttempts?: number;
  /**
   * IAM's eventual consistency and EKS's hold on a deleted cluster's name: for a sampled window
   * (`iam.propagation`, `cluster.name-release`) EKS and IAM answer the catalog's "not yet" errors
   * (aws-fault-catalog 1, 2, 3, 6, 14). Off, everything is visible at once. @default false
   */
  propagation?: boolean;
  /**
   * How long the simulated adapters wait out each "not yet" answer, in real time. @default
   * the SDK adapters' `defaultPatience` divided by the clock's speedup, so the budgets are
   * AWS's in simulated time (none on a manual clock, whose time moves only when told)
   */
  patience?: Patience;
}

/** Everything an environment could leave behind: the same shape as the test bed's inventory over moto. */
export interface AwsInventory {
  clusters: string[];
  nodegroups: string[];
  fargateProfiles: string[];
  roles: string[];
  oidcProviders: string[];
  repositories: string[];
  /** Every VPC but the account's default one (the simulated account has none). */
  vpcs: string[];
  logGroups: string[];
}

export type AwsApis = Pick<ActivityDeps, 'eks' | 'iam' | 'ecr' | 'network' | 'vpc' | 'logs'>;

/**
 * One simulated AWS account in one region, in memory, behind the same narrow interfaces the
 * activities use. Resources move through CREATING → ACTIVE → DELETING → gone over simulated
 * time, with latencies drawn (seeded) from the profile.
 */
export class SimulatedAws {
  readonly region: string;
  readonly accountId: string;
  readonly clock: SimClock;
  readonly sampler: LatencySampler;
  readonly faults: FaultInjector;
  /** How late each finished EKS transition was first seen by a Describe. */
  readonly detections: DetectionLog;
  readonly eks: SimulatedEks;
  readonly iam: SimulatedIam;
  readonly ecr: SimulatedEcr;
  readonly vpc: SimulatedVpc;
  readonly logs: SimulatedLogs;
  readonly network: SimulatedNetworkLeftovers;
  private readonly gateway: AwsGateway;
  private readonly scheduler = new Scheduler();

  constructor(options: SimulatedAwsOptions = {}) {
    const seed = options.seed ?? 1;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.clock = options.clock ?? scaledClock();
    this.detections = new DetectionLog(this.clock);
    this.sampler = new LatencySampler(latencyProfile(options.latencies), seed);
    this.faults = options.faults instanceof FaultInjector ? options.faults : new FaultInjector({ seed, ...options.faults });
    const context: SimContext = {
      accountId: this.accountId, region: this.region, clock: this.clock, sampler: this.sampler, scheduler: this.scheduler, ids: new IdSource(seed), detections: this.detections, outcomes: this.faults,
      notYet: notYetByCall(options.patience ?? scaledPatience(this.clock.speedup)), propagation: options.propagation ?? false,
    };
    this.gateway = new AwsGateway(this.faults, () => this.settle(), options.sdkMaxAttempts);
    this.iam = new SimulatedIam(context, this.gateway);
    this.ecr = new SimulatedEcr(context, this.gateway);
    this.logs = new SimulatedLogs(context, this.gateway);
    this.network = new SimulatedNetworkLeftovers(context, this.gateway);
    this.vpc = new SimulatedVpc(context, this.gateway, {
      usingSubnet: (subnetId) => this.clusterUsing(subnetId) ?? this.network.usingSubnet(subnetId),
      usingVpc: (vpcId) => this.network.usingVpc(vpcId),
    }, options.zones);
    this.eks = new SimulatedEks(context, this.gateway, {
      roleAsSeenByEks: (arn) => this.iam.roleAsSeenByEks(arn), subnet: (id) => this.vpc.subnet(id), controlPlaneLogGroup: (cluster) => this.logs.madeByAws(`/aws/eks/${cluster}/cluster`),
    }, options.endpointOf);
  }

  /** The six APIs as the activities take them: spread into `ActivityDeps`. */
  apis(): AwsApis {
    return { eks: this.eks, iam: this.iam, ecr: this.ecr, network: this.network, vpc: this.vpc, logs: this.logs };
  }

  /** Applies every state transition due by now; each request does this first. */
  settle(): void {
    this.scheduler.settle(this.clock.now());
  }

  /** Requests made so far by API (`eks:DescribeCluster`), SDK retries included. */
  calls(): Record<string, number> {
    return this.gateway.calls();
  }

  resetCalls(): void {
    this.gateway.resetCalls();
  }

  /** AWS's error answers so far by API and error name, SDK retries included. */
  errorAnswers() {
    return this.gateway.errorAnswers();
  }

  /** What is there now, listed like `awsInventory()` lists moto: leak checks compare these. */
  inventory(): AwsInventory {
    this.settle();
    const clusters = [...this.eks.state.clusters.values()];
    const within = (kind: 'nodegroups' | 'fargateProfiles') => clusters.flatMap((c) => [...c[kind].keys()].map((name) => `${c.name}/${name}`)).sort();
    return {
      clusters: clusters.map((c) => c.name).sort(),
      nodegroups: within('nodegroups'),
      fargateProfiles: within('fargateProfiles'),
      roles: this.iam.roleNames(),
      oidcProviders: this.iam.providerArns(),
      repositories: this.ecr.repositoryNames(),
      vpcs: this.vpc.vpcIds(),
      logGroups: this.logs.groupNames(),
    };
  }

  /** A cluster, node group or Fargate profile placed in the subnet: EKS's ENIs keep it in use until they are gone. */
  private clusterUsing(subnetId: string): string | undefined {
    for (const cluster of this.eks.state.clusters.values()) {
      if (cluster.subnetIds.includes(subnetId)) return `EKS cluster ${cluster.name}`;
      for (const group of cluster.nodegroups.values()) if (group.subnetIds.includes(subnetId)) return `node group ${cluster.name}/${group.name}`;
      for (const profile of cluster.fargateProfiles.values()) if (profile.subnetIds.includes(subnetId)) return `Fargate profile ${cluster.name}/${profile.name}`;
    }
    return undefined;
  }
}

/** `defaultPatience` in real time for a cloud `speedup` times faster than AWS: AWS's budgets in simulated time. */
export function scaledPatience(speedup: number): Patience {
  const scale = Number.isFinite(speedup) ? 1 / speedup : 0;
  return Object.fromEntries(Object.entries(defaultPatience).map(([key, ms]) => [key, ms * scale])) as unknown as Patience;
}
