import type { ActivityDeps } from '../../activities';
import { clusterSecurityGroupIdOf } from './eks-records';
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
import { SimulatedKarpenterAws } from './karpenter';
import { SimulatedLogs } from './logs';
import { SimulatedKms } from './kms';
import { SimulatedNetworkLeftovers } from './network-leftovers';
import { SimulatedVpc } from './vpc';
import { SimulatedAutoScaling } from './autoscaling';
import { SimulatedSsm } from './ssm';
import { SimulatedNodeLaunch } from './launch-templates';
import { SimulatedSts } from './sts';
import { SimulatedImages } from './images';
import { SimulatedGivenResources } from './given-resources';

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

export type AwsApis = Pick<ActivityDeps, 'eks' | 'iam' | 'ecr' | 'network' | 'vpc' | 'logs' | 'selfManagedNodes' | 'kms' | 'karpenter' | 'sts' | 'givenResources'> & Required<Pick<ActivityDeps, 'nodeLaunch'>>;

/** What every region of one simulated account shares: the clock and its scheduler, IDs, faults, the request door, and IAM, which is global. */
interface SimulatedAccount {
  readonly accountId: string;
  readonly clock: SimClock;
  readonly sampler: LatencySampler;
  readonly faults: FaultInjector;
  readonly detections: DetectionLog;
  readonly scheduler: Scheduler;
  readonly gateway: AwsGateway;
  readonly context: Omit<SimContext, 'region'>;
  readonly options: SimulatedAwsOptions;
  /** Each region's services, made on first use: the first is the one the account was made with. */
  readonly regions: Map<string, SimulatedAws>;
  iam?: SimulatedIam;
}

// What an AWS region name looks like (us-east-1, eu-central-2, ap-southeast-4, us-gov-west-1,
// cn-north-1): an SDK given anything else has no endpoint to call.
const regionName = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * One region of a simulated AWS account, in memory, behind the same narrow interfaces the
 * activities use. Resources move through CREATING → ACTIVE → DELETING → gone over simulated
 * time, with latencies drawn (seeded) from the profile. `forRegion` gives the same account's
 * other regions, as AWS has them: IAM is one for the account (roles, OIDC providers), EKS,
 * EC2/VPC, ECR, ELBv2 and CloudWatch Logs are each region's own, and one clock runs them all.
 */
export class SimulatedAws {
  readonly region: string;
  readonly accountId: string;
  readonly clock: SimClock;
  readonly sampler: LatencySampler;
  readonly faults: FaultInjector;
  /** How late each finished EKS transition was first seen by a Describe (every region's). */
  readonly detections: DetectionLog;
  readonly eks: SimulatedEks;
  /** The account's IAM: every region's is this one. */
  readonly iam: SimulatedIam;
  readonly ecr: SimulatedEcr;
  readonly vpc: SimulatedVpc;
  readonly logs: SimulatedLogs;
  readonly kms: SimulatedKms;
  readonly network: SimulatedNetworkLeftovers;
  /** SSM's public parameters for the EKS-optimized AMIs. */
  readonly ssm: SimulatedSsm;
  /** EC2 launch templates, IAM instance profiles and EC2 Auto Scaling groups: self-managed nodes. */
  readonly autoscaling: SimulatedAutoScaling;
  /** EC2 launch templates and key pairs (src/sim/aws/launch-templates.ts). */
  readonly nodeLaunch: SimulatedNodeLaunch;
  /** SQS, EventBridge, and the EC2 and IAM calls of Karpenter's AWS side (addons.karpenter). */
  readonly karpenter: SimulatedKarpenterAws;
  /** STS's GetCallerIdentity: who the worker is (its `caller` can be set). */
  readonly sts: SimulatedSts;
  /** EC2's images: the EKS-optimized AMIs SSM names, and those a test registers (`images.register`). */
  readonly images: SimulatedImages;
  /** The pre-flight's EC2 and IAM look-ups of the IDs and ARNs a spec names, over this region's state (IAM's: the account's). */
  readonly givenResources: SimulatedGivenResources;
  private readonly account: SimulatedAccount;

  constructor(options: SimulatedAwsOptions = {}, account?: SimulatedAccount) {
    this.account = account ?? newAccount(options);
    const { gateway } = this.account;
    this.region = account ? options.region! : options.region ?? 'us-east-1';
    if (!regionName.test(this.region)) throw new Error(`not an AWS region: ${JSON.stringify(this.region)}`);
    this.account.regions.set(this.region, this);
    this.accountId = this.account.accountId;
    this.clock = this.account.clock;
    this.sampler = this.account.sampler;
    this.faults = this.account.faults;
    this.detections = this.account.detections;
    const context: SimContext = { ...this.account.context, region: this.region };
    // IAM is global: made with the account's first region and shared by every other.
    this.iam = this.account.iam ??= new SimulatedIam(context, gateway);
    this.ecr = new SimulatedEcr(context, gateway);
    this.logs = new SimulatedLogs(context, gateway);
    this.kms = new SimulatedKms(context, gateway);
    this.network = new SimulatedNetworkLeftovers(context, gateway);
    this.karpenter = new SimulatedKarpenterAws(context, gateway);
    this.sts = new SimulatedSts(context, gateway);
    this.vpc = new SimulatedVpc(context, gateway, {
      usingSubnet: (subnetId) => this.clusterUsing(subnetId) ?? this.autoscaling.usingSubnet(subnetId) ?? this.network.usingSubnet(subnetId),
      usingVpc: (vpcId) => this.network.usingVpc(vpcId),
    }, this.account.options.zones);
    this.nodeLaunch = new SimulatedNodeLaunch(context, gateway, (id) => this.vpc.subnet(id), { securityGroups: this.network, vpcCidr: (id) => this.vpc.vpcCidr(id) });
    this.eks = new SimulatedEks(context, gateway, {
      roleAsSeenByEks: (arn) => this.iam.roleAsSeenByEks(arn), subnet: (id) => this.vpc.subnet(id), controlPlaneLogGroup: (cluster) => this.logs.madeByAws(`/aws/eks/${cluster}/cluster`),
      launchTemplate: (ref) => this.nodeLaunch.launchTemplate(ref), keyPair: (name) => this.nodeLaunch.keyPair(name), kmsKeyUsable: (arn) => this.kms.usable(arn),
      securityGroupExists: (id) => this.network.hasSecurityGroup(id),
    }, this.account.options.endpointOf);
    this.ssm = new SimulatedSsm(this.region, gateway);
    this.autoscaling = new SimulatedAutoScaling(context, gateway, this.ssm, {
      roleExists: (name) => this.iam.roleNames().includes(name),
      subnetExists: (id) => this.vpc.subnet(id) !== undefined,
      // EKS's default service CIDR and no cluster security group of its own: the simulated cluster has neither.
      clusterNetworking: () => ({}),
      // EKS's cluster security group is the cluster's own (not made in the simulated EC2).
      securityGroupExists: (id) => this.network.hasSecurityGroup(id) || [...this.eks.state.clusters.values()].some((cluster) => clusterSecurityGroupIdOf(cluster) === id),
      keyPairExists: (name) => this.nodeLaunch.keyPair(name) !== undefined,
    });
    this.images = new SimulatedImages(context, this.ssm);
    this.givenResources = new SimulatedGivenResources(gateway, {
      'security-group': (id) => this.network.hasSecurityGroup(id),
      subnet: (id) => this.vpc.subnet(id) !== undefined,
      vpc: (id) => this.vpc.vpcCidr(id) !== undefined,
      // One EC2 holds the launch templates managed groups and self-managed groups use.
      'launch-template': (id) => this.nodeLaunch.launchTemplate({ id }) !== undefined || this.autoscaling.hasLaunchTemplate(id),
      image: (id) => this.images.available(id),
      role: (name) => this.iam.roleNames().includes(name),
      policy: (arn) => this.iam.hasPolicy(arn),
    });
  }

  /** The same account's `region`, made on first use (any AWS region name) and kept. */
  forRegion(region: string): SimulatedAws {
    return this.account.regions.get(region) ?? new SimulatedAws({ region }, this.account);
  }

  /** The account's regions made so far, the first one first. */
  regions(): SimulatedAws[] {
    return [...this.account.regions.values()];
  }

  /** The six APIs as the activities take them: spread into `ActivityDeps`. */
  apis(): AwsApis {
    return {
      eks: this.eks, iam: this.iam, ecr: this.ecr, network: this.network, vpc: this.vpc, logs: this.logs, selfManagedNodes: this.autoscaling, nodeLaunch: this.nodeLaunch, kms: this.kms, karpenter: this.karpenter, sts: this.sts,
      givenResources: this.givenResources,
    };
  }

  /** Applies every state transition due by now, in every region; each request does this first. */
  settle(): void {
    this.account.scheduler.settle(this.clock.now());
  }

  /** Requests made so far by API (`eks:DescribeCluster`), SDK retries included: the whole account's, every region's. */
  calls(): Record<string, number> {
    return this.account.gateway.calls();
  }

  resetCalls(): void {
    this.account.gateway.resetCalls();
  }

  /** AWS's error answers so far by API and error name, SDK retries included (the whole account's). */
  errorAnswers() {
    return this.account.gateway.errorAnswers();
  }

  /** What is there now in this region (roles and OIDC providers: the account's), listed like `awsInventory()` lists moto: leak checks compare these. */
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

function newAccount(options: SimulatedAwsOptions): SimulatedAccount {
  const seed = options.seed ?? 1;
  const clock = options.clock ?? scaledClock();
  const detections = new DetectionLog(clock);
  const sampler = new LatencySampler(latencyProfile(options.latencies), seed);
  const faults = options.faults instanceof FaultInjector ? options.faults : new FaultInjector({ seed, ...options.faults });
  // One scheduler for every region: a request anywhere applies every transition due, so no
  // region's state lags behind the clock another region's requests have moved past.
  const scheduler = new Scheduler();
  const gateway = new AwsGateway(faults, () => scheduler.settle(clock.now()), options.sdkMaxAttempts);
  return {
    accountId: options.accountId ?? '123456789012', clock, sampler, faults, detections, scheduler, gateway, options, regions: new Map(),
    context: {
      accountId: options.accountId ?? '123456789012', clock, sampler, scheduler, ids: new IdSource(seed), detections, outcomes: faults,
      notYet: notYetByCall(options.patience ?? scaledPatience(clock.speedup)), propagation: options.propagation ?? false,
    },
  };
}

/** `defaultPatience` in real time for a cloud `speedup` times faster than AWS: AWS's budgets in simulated time. */
export function scaledPatience(speedup: number): Patience {
  const scale = Number.isFinite(speedup) ? 1 / speedup : 0;
  return Object.fromEntries(Object.entries(defaultPatience).map(([key, ms]) => [key, ms * scale])) as unknown as Patience;
}
