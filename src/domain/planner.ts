import { creationOnlyProblems } from './creation-only';
import { withTableSelections } from './instance-selector';
import { addAccessEntrySteps } from './access-entry-steps';
import { addCapabilitySteps } from './capability-plan';
import { capabilityWarnings } from './capabilities';
import { describeAwsAuth } from './aws-auth';
import { addonProblems, requestedAddons } from './addon-catalog';
import { autoModeMakesNodeRole, autoModePlanNote, autoModeProblems } from './auto-mode';
import { addCoreAddonSteps } from './eks-addons-plan';
import { addKarpenterSteps } from './karpenter-plan';
import type { AppSpec, EnvironmentSpec, ImageBuildSpec } from './environment-spec';
import { clusterSettingsText, secretsKeyAliasOf } from './cluster-settings-rules';
import { formatDuration, latencyTable, type StepKind } from './latency';
import { withExtraLimits, type InstanceNetworkLimits } from './max-pods';
import { checkPodCapacity, type PlanWarning } from './pod-capacity';
import { addWorkloadIdentitySteps, workloadIdentityProblems } from './workload-identity-plan';
import { addAddonPodIdentitySteps, addonPodIdentityProblems, addonUsesPodIdentity } from './addon-pod-identity';
import { isSelfManaged } from './self-managed-nodes';
import { isWindowsGroup } from './node-bootstrap';
import { hasOwnNodeRole, nodeGroupRoleName } from './node-group-iam';
import { awsIdWarnings } from './aws-ids';
import { amazonLinux2VersionWarnings } from './managed-launch-template';

/** One unit of work in a run: what it makes, what must be done first, how long it should take. */
export interface PlanStep {
  id: string;
  kind: StepKind;
  /** What the step does, as a person reads it in the plan tree and the Temporal UI. */
  title: string;
  dependsOn: string[];
  estimateSeconds: number;
  /** The named thing the step is about (a node group, a profile), so rules pair steps of the same thing. */
  subject?: string;
}

export interface Plan {
  environment: string;
  region: string;
  kubernetesVersion: string;
  steps: PlanStep[];
  /** Steps grouped by how many dependency levels precede them; each wave can run at once. */
  waves: string[][];
  /** The longest chain by estimated time: no schedule finishes sooner. */
  criticalPath: string[];
  criticalPathSeconds: number;
  /** Estimated start of each step when every step starts as soon as its dependencies end. */
  earliestStartSeconds: Record<string, number>;
  /** What the plan says without refusing it (pods that fit only above desiredSize, capacities unknown); absent when none. */
  warnings?: PlanWarning[];
  /** What the plan leaves out and why (EKS Auto Mode provides it); absent when nothing is. */
  notes?: string[];
}

/** A plan that breaks one of EKS's rules; the message names the steps and the rule. */
export class InvalidPlanError extends Error {
  override readonly name = 'InvalidPlan';
  /** Each problem at its path in the spec, when the spec (not the graph) is at fault. */
  constructor(message: string, readonly problems: { path: string; message: string }[] = []) {
    super(message);
  }
}

// Kinds that change the cluster's configuration or version: EKS runs one such update at a time.
const clusterUpdateKinds: ReadonlySet<StepKind> = new Set(['cluster-logging', 'cluster-version', 'cluster-endpoint-access', 'cluster-vpc-config', 'cluster-setting', 'cluster-encryption', 'identity-provider', 'identity-provider-remove']);

export const stepIds = {
  network: 'vpc:network',
  clusterRole: 'iam:cluster-role',
  nodeRole: 'iam:node-role',
  /** A node group's own node role (its spec's iam). */
  nodeGroupRole: (name: string) => `iam:node-role/${name}`,
  fargateRole: 'iam:fargate-pod-execution-role',
  ecrRepository: 'ecr:repository',
  imageImport: 'ecr:image-import',
  imageBuild: 'ecr:image-build',
  cluster: 'eks:cluster',
  clusterLogging: 'eks:control-plane-logging',
  oidcProvider: 'iam:oidc-provider',
  nodegroup: (name: string) => `eks:nodegroup/${name}`,
  kubeApiReady: 'k8s:api-ready',
  nodesReady: (name: string) => `k8s:nodes-ready/${name}`,
  corednsOnFargate: 'k8s:coredns-on-fargate',
  fargateProfile: (name: string) => `eks:fargate-profile/${name}`,
  irsaRole: (addon: string) => `iam:irsa/${addon}`,
  addon: (addon: string) => `addon:${addon}`,
  app: 'app:deployment',
  appVpa: 'app:vertical-pod-autoscaler',
  appLoadBalancer: 'app:load-balancer',
  autoscalingCheck: 'verify:autoscaling',
  accessEntry: (principalArn: string) => `eks:access-entry/${principalArn}`,
  workerAccess: 'eks:worker-access',
  awsAuth: 'k8s:aws-auth',
  selfManagedNodegroup: (name: string) => `ec2:self-managed-nodegroup/${name}`,
  windowsIpam: 'k8s:windows-ipam',
  secretsKey: 'kms:secrets-key',
  identityProvider: (name: string) => `eks:identity-provider/${name}`,
} as const;

export interface PlanOptions {
  /**
   * The app's VerticalPodAutoscaler is a step of its own after the app, so the app waits only
   * for the load balancer controller — not for metrics-server and the VPA add-on, which its
   * HPA and VPA objects do not need to exist. false: the plan of runs started before.
   * @default true
   */
  appVpaStep?: boolean;
  /**
   * The Kubernetes API is waited for on its own (/readyz answering several times in a row)
   * before the first step that talks to it: ACTIVE does not mean it answers (catalog entry 12).
   * false: the plan of runs started before.
   * @default true
   */
  kubeApiReadyStep?: boolean;
  /**
   * On a cluster without EC2 node groups whose Fargate profiles select CoreDNS, a step makes
   * CoreDNS run on Fargate and waits for it (catalog entry 31). false: the plan of runs started before.
   * @default true
   */
  corednsOnFargateStep?: boolean;
  /**
   * The pods must fit the node groups' max pods (src/domain/pod-capacity.ts): a plan whose pods
   * cannot fit even at maxSize is refused. false: the plan of runs started before (warnings only).
   * @default true
   */
  podCapacityCheck?: boolean;
  /** Limits of instance types the shipped ENI table lacks, as EC2 DescribeInstanceTypes gave them. @default none */
  instanceLimits?: Readonly<Record<string, InstanceNetworkLimits>>;
}

/** CoreDNS's pod labels on EKS, which a Fargate profile's selector must match to take it. */
export const corednsPodLabels: Readonly<Record<string, string>> = { 'k8s-app': 'kube-dns', 'eks.amazonaws.com/component': 'coredns' };

/**
 * Whether CoreDNS must be moved onto Fargate: no EC2 node group to run it, and a Fargate
 * profile whose selector takes kube-system's CoreDNS pods (eksctl asks the same before it
 * patches CoreDNS: pkg/fargate/coredns IsSchedulableOnFargate). Pure.
 */
export function corednsNeedsFargate(spec: Pick<EnvironmentSpec, 'nodeGroups' | 'fargateProfiles'>): boolean {
  return spec.nodeGroups.length === 0 && spec.fargateProfiles.some((profile) => profile.selectors.some((selector) => selector.namespace === 'kube-system'
    && Object.entries(selector.labels ?? {}).every(([key, value]) => corednsPodLabels[key] === value)));
}

/** The step graph for a validated spec, with its waves and critical path. Pure. */
export function planEnvironment(given: EnvironmentSpec, { appVpaStep = true, kubeApiReadyStep = true, corednsOnFargateStep = true, podCapacityCheck = true, instanceLimits }: PlanOptions = {}): Plan {
  const creationOnly = creationOnlyProblems(given);
  if (creationOnly.length > 0) throw new InvalidPlanError(creationOnly.map((p) => `${p.path}: ${p.message}`).join('; '), creationOnly);
  // Groups whose instanceSelector chooses their types: planned (titles, pod capacity) with the shipped table's choice.
  const selections = withTableSelections(given);
  if (selections.problems.length > 0) throw new InvalidPlanError(selections.problems.map((p) => `${p.path}: ${p.message}`).join('; '), selections.problems);
  const { spec } = selections;
  const steps: PlanStep[] = [];
  const add = (id: string, kind: StepKind, title: string, dependsOn: (string | undefined)[] = [], subject?: string) => {
    steps.push({
      id, kind, title, dependsOn: dependsOn.filter((d): d is string => d !== undefined), estimateSeconds: latencyTable[kind].medianSeconds,
      ...(subject ? { subject } : {}),
    });
  };
  const { name } = spec;

  const network = spec.network.vpc ? stepIds.network : undefined;
  if (spec.network.vpc) add(stepIds.network, 'network', `create VPC ${spec.network.vpc.cidr} with public and private subnets in ${spec.network.vpc.availabilityZones} AZs${spec.network.vpc.hostnameType ? ` (instances named by ${spec.network.vpc.hostnameType})` : ''}${spec.network.vpc.ipv6 ? `, dual stack: an Amazon IPv6 /56, a /64 per subnet${spec.kubernetesNetwork?.ipFamily === 'ipv6' ? ', an egress-only internet gateway for the private subnets' : ''}` : ''}`);
  // eksflow's own key for Secrets: made first, so the cluster role's policy can name it.
  const secretsKey = spec.secretsEncryption && !spec.secretsEncryption.keyArn ? stepIds.secretsKey : undefined;
  if (secretsKey) add(secretsKey, 'kms-key', `create KMS key ${secretsKeyAliasOf(name)} for envelope encryption of Secrets (deletion scheduled 7 days out at teardown)`);
  add(stepIds.clusterRole, 'cluster-role', `ensure IAM role ${name}-cluster for the EKS control plane${spec.secretsEncryption ? ', allowed to use the Secrets key' : ''}`, [secretsKey]);
  // Self-managed groups have node roles of their own (made in their step), as eksctl's do.
  if (spec.nodeGroups.some((g) => !isSelfManaged(g))) add(stepIds.nodeRole, 'node-role', `ensure IAM role ${name}-node for worker nodes`);
  else if (spec.nodeGroups.length === 0 && autoModeMakesNodeRole(spec.autoMode)) add(stepIds.nodeRole, 'node-role', `ensure IAM role ${name}-node for EKS Auto Mode's nodes (AmazonEKSWorkerNodeMinimalPolicy, AmazonEC2ContainerRegistryPullOnly)`);
  if (spec.fargateProfiles.length > 0) add(stepIds.fargateRole, 'fargate-role', `ensure IAM role ${name}-fargate for Fargate pods`);
  if (spec.image?.import) {
    add(stepIds.ecrRepository, 'ecr-repository', `ensure ECR repository ${spec.image.import.repository} (scan on push)`);
    add(stepIds.imageImport, 'image-import', `copy ${spec.image.import.source} to ${spec.image.import.repository}:${spec.image.import.tag}`, [stepIds.ecrRepository]);
  }
  if (spec.image?.build) {
    add(stepIds.ecrRepository, 'ecr-repository', `ensure ECR repository ${spec.image.build.repository} (scan on push)`);
    add(stepIds.imageBuild, 'image-build', imageBuildTitle(spec.image.build), [stepIds.ecrRepository]);
  }
  if (spec.autoMode) {
    // Auto Mode's node role is a CreateCluster parameter: the role comes first.
    const pools = spec.autoMode.nodePools.length > 0 ? `node pools ${spec.autoMode.nodePools.join(', ')}` : 'no built-in node pools';
    add(stepIds.cluster, 'cluster', `create EKS cluster ${name} (Kubernetes ${spec.kubernetesVersion}) with EKS Auto Mode (compute, block storage, load balancing; ${pools}) and wait until ACTIVE${clusterSettingsText(spec)}`,
      [stepIds.clusterRole, network, autoModeMakesNodeRole(spec.autoMode) ? stepIds.nodeRole : undefined]);
  } else {
    add(stepIds.cluster, 'cluster', `create EKS cluster ${name} (Kubernetes ${spec.kubernetesVersion}) and wait until ACTIVE${clusterSettingsText(spec)}`, [stepIds.clusterRole, network]);
  }
  if (spec.controlPlaneLogging.length > 0) {
    add(stepIds.clusterLogging, 'cluster-logging', `enable control-plane logs: ${spec.controlPlaneLogging.join(', ')}${spec.controlPlaneLogRetentionDays ? `, kept ${spec.controlPlaneLogRetentionDays} days` : ''}`, [stepIds.cluster]);
  }
  // An identity provider association is a cluster update: after the logging one (EKS runs one at a time).
  for (const provider of spec.identityProviders ?? []) {
    add(stepIds.identityProvider(provider.name), 'identity-provider', `associate OIDC identity provider ${provider.name} (${provider.issuerUrl}, client ${provider.clientId}) and wait until ACTIVE (15–30 min on EKS)`,
      [stepIds.cluster, spec.controlPlaneLogging.length > 0 ? stepIds.clusterLogging : undefined], provider.name);
  }
  add(stepIds.oidcProvider, 'oidc-provider', 'ensure the IAM OIDC provider for the cluster issuer', [stepIds.cluster]);
  // Created without creator admin, the cluster lets the worker in only through an entry of its own, before any Kubernetes call.
  const workerAccess = spec.access?.bootstrapClusterCreatorAdminPermissions === false ? stepIds.workerAccess : undefined;
  if (workerAccess) add(workerAccess, 'worker-access', 'eksflow\'s worker manages this cluster through an access entry of its own (AmazonEKSClusterAdminPolicy); no creator admin is bootstrapped', [stepIds.cluster]);
  const kubeApi = kubeApiReadyStep ? stepIds.kubeApiReady : undefined;
  if (kubeApi) add(kubeApi, 'kube-api-ready', 'wait until the Kubernetes API answers /readyz 6 times in a row', [stepIds.cluster, workerAccess]);
  // What access entries cannot hold goes in aws-auth (src/domain/aws-auth.ts): only specs with access.awsAuth plan it.
  const awsAuth = spec.access?.awsAuth;
  if (awsAuth) add(stepIds.awsAuth, 'aws-auth', `map in the aws-auth ConfigMap: ${describeAwsAuth(awsAuth)}`, [stepIds.cluster, kubeApi, workerAccess]);
  // Windows nodes' pods get their IPs once the VPC CNI's Windows IPAM is on (AWS docs, "Enable Windows support").
  const windowsIpam = spec.nodeGroups.some((g) => isSelfManaged(g) && isWindowsGroup(g)) ? stepIds.windowsIpam : undefined;
  if (windowsIpam) add(windowsIpam, 'windows-ipam', 'enable Windows IPAM in the VPC CNI (amazon-vpc-cni ConfigMap: enable-windows-ipam "true")', [stepIds.cluster, kubeApi]);
  for (const group of spec.nodeGroups) {
    const size = `${group.minSize}/${group.desiredSize}/${group.maxSize}`;
    if (isSelfManaged(group)) {
      const windows = isWindowsGroup(group);
      add(stepIds.selfManagedNodegroup(group.name), 'self-managed-nodegroup', `create self-managed ${windows ? 'Windows ' : ''}node group ${group.name}: node role, launch template, Auto Scaling group `
        + `${spec.name}-${group.name} (${group.instanceTypes.join(', ')}; min/desired/max ${size}) and its ${windows ? 'EC2_WINDOWS' : 'EC2_LINUX'} access entry`, [stepIds.cluster, network], group.name);
      add(stepIds.nodesReady(group.name), 'nodes-ready', `wait for ${group.desiredSize} Ready nodes in ${group.name}`, [stepIds.selfManagedNodegroup(group.name), kubeApi, windows ? windowsIpam : undefined], group.name);
      continue;
    }
    // Only groups with iam have a role of their own: other specs plan as before.
    const groupRole = hasOwnNodeRole(group) ? stepIds.nodeGroupRole(group.name) : undefined;
    if (groupRole) add(groupRole, 'node-role', `ensure IAM role ${nodeGroupRoleName(name, group.name)} for the nodes of ${group.name} (${[...(group.iam?.withAddonPolicies ?? []), ...(group.iam?.attachPolicyArns ?? []), ...(group.ssh?.enableSsm ? ['AmazonSSMManagedInstanceCore'] : [])].join(', ')}${group.iam?.permissionsBoundary ? `; permissions boundary ${group.iam.permissionsBoundary}` : ''})`, [], group.name);
    add(stepIds.nodegroup(group.name), 'nodegroup', `create ${group.capacityType === 'SPOT' ? 'spot' : 'on-demand'} node group ${group.name} (${group.instanceTypes.join(', ')}; min/desired/max ${size})`, [stepIds.cluster, stepIds.nodeRole, network, groupRole], group.name);
    add(stepIds.nodesReady(group.name), 'nodes-ready', `wait for ${group.desiredSize} Ready nodes in ${group.name}`, [stepIds.nodegroup(group.name), kubeApi], group.name);
  }
  // EKS runs one Fargate profile operation per cluster at a time: chain them.
  let previousProfile: string | undefined;
  for (const profile of spec.fargateProfiles) {
    const id = stepIds.fargateProfile(profile.name);
    add(id, 'fargate-profile', `create Fargate profile ${profile.name} for ${profile.selectors.map((s) => s.namespace).join(', ')}`, [stepIds.cluster, stepIds.fargateRole, previousProfile], profile.name);
    previousProfile = id;
  }
  // EKS annotates CoreDNS to run on EC2: with Fargate alone it stays Pending until moved (catalog entry 31).
  let compute = previousProfile;
  if (corednsOnFargateStep && corednsNeedsFargate(spec)) {
    add(stepIds.corednsOnFargate, 'coredns-fargate', 'run CoreDNS on Fargate (compute-type annotation) and wait until its replicas are Ready', [stepIds.cluster, kubeApi, previousProfile]);
    compute = stepIds.corednsOnFargate;
  }
  const computeReady = spec.nodeGroups.length > 0 ? spec.nodeGroups.map((g) => stepIds.nodesReady(g.name)) : [compute, kubeApi];
  const appIdentity = addWorkloadIdentitySteps(spec, add, { cluster: stepIds.cluster, oidcProvider: stepIds.oidcProvider, kubeApi, compute: computeReady });
  addAddonsAndApp(spec, add, compute, kubeApi, appVpaStep, appIdentity);
  addAccessEntrySteps(spec, add);
  addCapabilitySteps(spec, add, stepIds.cluster);
  addCoreAddonSteps(spec, steps, add, { cluster: stepIds.cluster, oidcProvider: stepIds.oidcProvider, app: stepIds.app, compute: computeReady });
  const capacity = checkPodCapacity(spec, { lookup: withExtraLimits(instanceLimits) });
  if (podCapacityCheck && capacity.problems.length > 0) throw new InvalidPlanError(capacity.problems.map((p) => `${p.path}: ${p.message}`).join('; '), capacity.problems);
  const plan: Plan = schedulePlan(spec, steps);
  // IDs and ARNs AWS would refuse as written (src/domain/aws-ids.ts): the run checks them first.
  const warnings = [...capacity.warnings, ...awsIdWarnings(spec), ...amazonLinux2VersionWarnings(spec.nodeGroups, spec.kubernetesVersion), ...capabilityWarnings(spec)];
  return {
    ...plan,
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(spec.autoMode || selections.notes.length > 0 ? { notes: [...(spec.autoMode ? [autoModePlanNote(spec.autoMode)] : []), ...selections.notes] } : {}),
  };
}

/** Where an image.build's source is, as a person reads it. */
export const buildSourceText = ({ context }: ImageBuildSpec): string => ('git' in context ? `${context.git.url} at ${context.git.ref}` : `upload ${context.upload.slice(0, 'sha256:'.length + 12)}`);

/** The image-build step's title, in a creation plan and a change plan alike. */
export const imageBuildTitle = (build: ImageBuildSpec): string => `build ${build.dockerfile} of ${buildSourceText(build)} with buildah and push it to ${build.repository}:${build.tag}`;

export type AddStep = (id: string, kind: StepKind, title: string, dependsOn?: (string | undefined)[], subject?: string) => void;

/**
 * Add-ons in dependency order once there is somewhere for their pods to run (every node
 * group Ready, or the Fargate profiles, with CoreDNS moved onto them, when there are no nodes:
 * CoreDNS and webhooks are degraded before that), and once the Kubernetes API answers, each
 * after its IRSA role; the app after the load balancer
 * controller's webhook answers (an HPA is valid before metrics-server serves metrics), its
 * VerticalPodAutoscaler once that API is served; the autoscaling check last.
 */
function addAddonsAndApp(spec: EnvironmentSpec, add: AddStep, fargateCompute: string | undefined, kubeApi: string | undefined, appVpaStep: boolean, appIdentity: string[] = []): void {
  const problems = planProblems(spec);
  if (problems.length > 0) throw new InvalidPlanError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);

  const compute = spec.nodeGroups.length > 0 ? spec.nodeGroups.map((g) => stepIds.nodesReady(g.name)) : [fargateCompute, kubeApi];
  const interceptors = requestedAddons(spec).filter((addon) => addon.interceptsServices).map((addon) => stepIds.addon(addon.name));
  // Only specs with addons.karpenter have these: other plans are unchanged.
  const karpenterNeeds = addKarpenterSteps(spec, add, { cluster: stepIds.cluster, network: spec.network.vpc ? stepIds.network : undefined });
  for (const addon of requestedAddons(spec)) {
    // Karpenter with identity pod-identity: its role trusts EKS Pod Identity and an association binds it (src/domain/addon-pod-identity.ts).
    const podIdentity = addon.iam && addonUsesPodIdentity(spec, addon.name) ? addAddonPodIdentitySteps(spec, add, addon.name, addon.iam, { cluster: stepIds.cluster, compute }) : undefined;
    const irsa = addon.iam && !podIdentity ? stepIds.irsaRole(addon.name) : undefined;
    if (irsa) add(irsa, 'irsa-role', `ensure IAM role for ${addon.iam!.namespace}/${addon.iam!.serviceAccount} (IRSA)`, [stepIds.oidcProvider], addon.name);
    const how = addon.install.method === 'helm' ? `Helm chart ${addon.install.chart.name} ${addon.install.chart.version}`
      : addon.install.method === 'eks-addon' ? `EKS add-on ${addon.install.addonName} ${addon.install.version}` : 'manifests';
    add(stepIds.addon(addon.name), 'addon', `install ${addon.title} (${how}) and wait until ready`, [
      stepIds.cluster, ...compute, irsa, podIdentity, ...addon.dependsOn.map(stepIds.addon), ...(addon.interceptsServices ? [] : interceptors),
      ...(addon.name === 'karpenter' ? karpenterNeeds : []),
    ], addon.name);
  }
  const { app } = spec;
  if (app) {
    const image = spec.image?.import ? stepIds.imageImport : spec.image?.build ? stepIds.imageBuild : undefined;
    const vpa = app.vpa ? stepIds.addon('vertical-pod-autoscaler') : undefined;
    // With Auto Mode, EKS's own load balancer controller makes the app's NLB: nothing to wait for.
    const needs = [spec.autoMode ? undefined : stepIds.addon('aws-load-balancer-controller'), ...(appVpaStep ? [] : [app.hpa ? stepIds.addon('metrics-server') : undefined, vpa])];
    addAppSteps(app, add, { after: [...compute, image, ...needs, ...appIdentity], vpaAfter: vpa, appVpaStep });
  }
  if (spec.autoscaling) {
    add(stepIds.autoscalingCheck, 'autoscaling-check', `verify autoscaling (${spec.autoscaling.verify})`, [
      app ? stepIds.app : undefined, spec.addons['cluster-autoscaler'] ? stepIds.addon('cluster-autoscaler') : undefined, spec.addons['metrics-server'] ? stepIds.addon('metrics-server') : undefined,
      ...(spec.addons.karpenter ? [stepIds.addon('karpenter')] : []),
    ]);
  }
}

/**
 * What a valid spec cannot be and the schema does not say: add-ons that miss a dependency or
 * conflict, service accounts that cannot be made, an autoscaling check with nothing to verify.
 * The planner refuses a new environment with them; a change plan refuses a changed spec.
 */
export function planProblems(spec: EnvironmentSpec): { path: string; message: string }[] {
  const problems = [...addonProblems(spec), ...workloadIdentityProblems(spec), ...autoModeProblems(spec), ...addonPodIdentityProblems(spec)];
  if (spec.autoscaling) {
    // Karpenter scales nodes too: its NodePool is what the active probe makes grow.
    const nodeScaler = spec.addons['cluster-autoscaler'] ?? spec.addons.karpenter;
    if (!spec.app?.hpa && !nodeScaler) problems.push({ path: '/autoscaling', message: 'there is nothing to verify: give app.hpa or the cluster-autoscaler add-on' });
    if (spec.autoscaling.verify === 'active' && !nodeScaler) problems.push({ path: '/autoscaling/verify', message: 'the active check watches cluster-autoscaler add nodes; add it to addons' });
  }
  return problems;
}

/** A plan whose steps are of a richer type (a change plan's): scheduled the same way. */
export type ScheduledPlan<S extends PlanStep> = Omit<Plan, 'steps'> & { steps: S[] };

/**
 * The app's steps: its Deployment (after `after`), its VerticalPodAutoscaler (after `vpaAfter`,
 * the VPA add-on when the plan installs it), the wait for its NLB. A creation plan and a change
 * plan that adds an app make them alike.
 */
export function addAppSteps(app: AppSpec, add: AddStep, { after, vpaAfter, appVpaStep = true }: { after: (string | undefined)[]; vpaAfter?: string; appVpaStep?: boolean }): void {
  add(stepIds.app, 'app', `deploy ${app.name} (${app.replicas} replicas on port ${app.containerPort}${app.hpa ? `, HPA ${app.hpa.minReplicas}–${app.hpa.maxReplicas} at ${app.hpa.targetCpuUtilization}% CPU` : ''}) and wait for the rollout`, after);
  if (appVpaStep && app.vpa) add(stepIds.appVpa, 'app-vpa', `create the VerticalPodAutoscaler of ${app.name} (${app.vpa.updateMode === 'Off' ? 'recommendations only' : `update mode ${app.vpa.updateMode}`})`, [stepIds.app, vpaAfter]);
  add(stepIds.appLoadBalancer, 'nlb', `wait for the ${app.scheme} NLB of ${app.name} on port ${app.servicePort}`, [stepIds.app]);
}

/** Checks the graph against EKS's rules, then computes waves and the critical path. */
export function schedulePlan<S extends PlanStep = PlanStep>(spec: Pick<EnvironmentSpec, 'name' | 'region' | 'kubernetesVersion'>, steps: S[]): ScheduledPlan<S> {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const order = topologicalOrder(steps, byId);
  const ancestors = new Map<string, Set<string>>();
  for (const step of order) {
    const set = new Set<string>();
    for (const dep of step.dependsOn) {
      set.add(dep);
      for (const a of ancestors.get(dep) ?? []) set.add(a);
    }
    ancestors.set(step.id, set);
  }
  checkRules(steps, ancestors);

  const level = new Map<string, number>();
  const finish = new Map<string, number>();
  const start: Record<string, number> = {};
  for (const step of order) {
    level.set(step.id, Math.max(-1, ...step.dependsOn.map((d) => level.get(d) ?? 0)) + 1);
    start[step.id] = Math.max(0, ...step.dependsOn.map((d) => finish.get(d) ?? 0));
    finish.set(step.id, start[step.id]! + step.estimateSeconds);
  }
  const waves: string[][] = [];
  for (const step of order) (waves[level.get(step.id)!] ??= []).push(step.id);

  // Walk back from the step that finishes last along the dependency that finishes last.
  const criticalPath: string[] = [];
  let cursor = order.reduce<PlanStep | undefined>((last, step) => (!last || finish.get(step.id)! > finish.get(last.id)! ? step : last), undefined);
  const criticalPathSeconds = cursor ? finish.get(cursor.id)! : 0;
  while (cursor) {
    criticalPath.unshift(cursor.id);
    cursor = cursor.dependsOn.map((d) => byId.get(d)!).reduce<PlanStep | undefined>((last, dep) => (!last || finish.get(dep.id)! > finish.get(last.id)! ? dep : last), undefined);
  }
  return { environment: spec.name, region: spec.region, kubernetesVersion: spec.kubernetesVersion, steps: order, waves, criticalPath, criticalPathSeconds, earliestStartSeconds: start };
}

function topologicalOrder<S extends PlanStep>(steps: S[], byId: Map<string, S>): S[] {
  if (byId.size !== steps.length) {
    const seen = new Set<string>();
    const duplicate = steps.find((step) => (seen.has(step.id) ? true : (seen.add(step.id), false)));
    throw new InvalidPlanError(`step ${duplicate?.id} appears twice`);
  }
  for (const step of steps) {
    const missing = step.dependsOn.find((dep) => !byId.has(dep));
    if (missing) throw new InvalidPlanError(`step ${step.id} depends on ${missing}, which is not in the plan`);
  }
  const order: S[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (step: S, path: string[]) => {
    if (state.get(step.id) === 'done') return;
    if (state.get(step.id) === 'visiting') throw new InvalidPlanError(`steps depend on each other in a cycle: ${[...path.slice(path.indexOf(step.id)), step.id].join(' → ')}`);
    state.set(step.id, 'visiting');
    for (const dep of step.dependsOn) visit(byId.get(dep)!, [...path, step.id]);
    state.set(step.id, 'done');
    order.push(step);
  };
  for (const step of steps) visit(step, []);
  return order;
}

function checkRules(steps: PlanStep[], ancestors: Map<string, Set<string>>): void {
  const before = (a: PlanStep, b: PlanStep) => ancestors.get(b.id)!.has(a.id);
  const ordered = (a: PlanStep, b: PlanStep) => before(a, b) || before(b, a);
  const ofKind = (...kinds: StepKind[]) => steps.filter((step) => kinds.includes(step.kind));
  const requireOneAtATime = (group: PlanStep[], rule: string) => {
    group.forEach((a, i) => group.slice(i + 1).forEach((b) => {
      if (!ordered(a, b)) throw new InvalidPlanError(`${a.id} and ${b.id} could run at the same time, but ${rule}`);
    }));
  };
  const requireBefore = (first: StepKind[], then: StepKind[], rule: string, { sameSubject = true } = {}) => {
    for (const step of ofKind(...then)) {
      // A step about one named thing needs only the prerequisites about that same thing.
      const relevant = ofKind(...first).filter((p) => !sameSubject || !p.subject || !step.subject || p.subject === step.subject);
      for (const prerequisite of relevant) {
        if (!before(prerequisite, step)) throw new InvalidPlanError(`${step.id} does not wait for ${prerequisite.id}, but ${rule}`);
      }
    }
  };
  requireOneAtATime(steps.filter((step) => clusterUpdateKinds.has(step.kind)), 'EKS runs one cluster configuration update at a time');
  requireOneAtATime(ofKind('fargate-profile', 'fargate-profile-delete'), 'EKS runs one Fargate profile operation per cluster at a time');
  requireBefore(['cluster'], ['cluster-logging', 'identity-provider', 'oidc-provider', 'nodegroup', 'fargate-profile', 'addon', 'access-entry', 'eks-addon', 'self-managed-nodegroup', 'windows-ipam', 'capability', 'hybrid-nodes'], 'it needs the cluster ACTIVE first');
  requireBefore(['eks-addons-check'], ['network', 'cluster-role', 'cluster', 'eks-addon'], 'EKS add-ons are checked before anything is made', { sameSubject: false });
  requireBefore(['network'], ['cluster', 'nodegroup', 'fargate-profile', 'self-managed-nodegroup'], "nodes and the control plane need the cluster's networking first");
  requireBefore(['self-managed-nodegroup'], ['nodes-ready'], 'nodes join only after their Auto Scaling group exists');
  requireBefore(['oidc-provider'], ['irsa-role'], 'an IRSA role trusts the OIDC provider, which must exist first');
  requireBefore(['node-role'], ['nodegroup'], 'a node group is created with its node role');
  requireBefore(['fargate-role'], ['fargate-profile'], 'a Fargate profile is created with its pod execution role');
  requireBefore(['nodegroup'], ['nodes-ready'], 'nodes join only after their node group exists');
  requireBefore(['nodes-ready'], ['addon', 'app'], 'add-on and app pods need Ready nodes (CoreDNS and webhooks are degraded before)', { sameSubject: false });
  requireBefore(['kube-api-ready'], ['nodes-ready', 'coredns-fargate', 'addon', 'app', 'service-account'], 'the Kubernetes API answers only a while after the cluster is ACTIVE', { sameSubject: false });
  requireBefore(['worker-access'], ['kube-api-ready', 'windows-ipam', 'aws-auth'], 'without creator admin the worker reaches the Kubernetes API only through its own access entry', { sameSubject: false });
  requireBefore(['fargate-profile'], ['coredns-fargate'], 'CoreDNS moves to Fargate only once a profile selects it', { sameSubject: false });
  requireBefore(['coredns-fargate'], ['addon', 'app'], 'add-on and app pods need cluster DNS', { sameSubject: false });
  requireBefore(['app'], ['nlb'], 'the load balancer is made for the app\'s Service');
}

/** The plan as a tree, the way eksctl's plan mode prints one: waves, steps, estimates, critical path. */
export function describePlan(plan: Plan): string {
  return describeWaves(plan, 'plan', { text: (step) => step.title });
}

/**
 * The tree of any scheduled plan: a header, each wave with its steps (an optional marker before
 * the id, the step's text after its estimate, then what it waits for), the critical path last.
 */
export function describeWaves<S extends PlanStep>(plan: ScheduledPlan<S>, what: string, { marker, text }: { marker?: (step: S) => string; text: (step: S) => string }): string {
  const byId = new Map(plan.steps.map((step) => [step.id, step]));
  const critical = new Set(plan.criticalPath);
  const width = Math.max(...plan.steps.map((step) => step.id.length));
  const lines = [
    `${what} for environment "${plan.environment}" in ${plan.region} (Kubernetes ${plan.kubernetesVersion}): ` +
      `${plan.steps.length} steps in ${plan.waves.length} waves, critical path ~${formatDuration(plan.criticalPathSeconds)}`,
  ];
  plan.waves.forEach((wave, w) => {
    const lastWave = w === plan.waves.length - 1;
    const starts = Math.min(...wave.map((id) => plan.earliestStartSeconds[id]!));
    lines.push(`${lastWave ? '└──' : '├──'} wave ${w + 1} (from ~${formatDuration(starts)})`);
    wave.forEach((id, i) => {
      const step = byId.get(id)!;
      const branch = i === wave.length - 1 ? '└──' : '├──';
      const after = step.dependsOn.length > 0 ? `  after ${step.dependsOn.join(', ')}` : '';
      const mark = marker ? `${marker(step)} ` : '';
      lines.push(`${lastWave ? '    ' : '│   '}${branch} ${critical.has(id) ? '*' : ' '} ${mark}${id.padEnd(width)}  ~${formatDuration(step.estimateSeconds).padEnd(7)} ${text(step)}${after}`);
    });
  });
  lines.push(`* critical path: ${plan.criticalPath.join(' → ')}`);
  for (const note of (plan as { notes?: string[] }).notes ?? []) lines.push(`note: ${note}`);
  return lines.join('\n');
}
