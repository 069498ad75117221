import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../domain/errors';
import type { EcrApi } from './aws/ecr';
import type { EksApi } from './aws/eks';
import type { IamApi } from './aws/iam';
import type { NodeLaunchApi } from './aws/launch-templates';
import type { KmsApi } from './aws/kms';
import type { KarpenterAwsApi } from './aws/karpenter';
import type { LogsApi } from './aws/logs';
import type { NetworkLeftoversApi } from './aws/network-leftovers';
import type { VpcApi } from './aws/vpc';
import type { SelfManagedNodesApi } from './aws/autoscaling';
import type { GivenResourcesApi } from './aws/given-resources';
import { createGivenResourceActivities } from './given-resources';
import type { StsApi } from './aws/sts';
import { createAccessEntryActivities } from './access-entries';
import { createAddonActivities } from './addons';
import { createAppActivities } from './app';
import { createAutoscalingCheckActivities, createAutoscalingProbeActivities } from './autoscaling-check';
import { createClusterActivities } from './cluster';
import { createControlPlaneLogActivities } from './control-plane-logs';
import { createCorednsFargateActivities } from './coredns-fargate';
import { createDiscoveryActivities } from './discovery';
import { createDrainActivities } from './drain';
import { createDriftActivities } from './drift';
import { createUpgradePrecheckActivities } from './upgrade-precheck';
import { createEksAddonActivities } from './eks-addons';
import { createFargateActivities } from './fargate-profiles';
import { createHelmActivities, type HelmApi } from './helm';
import { createIamRoleActivities } from './iam-roles';
import { createImageBuildActivities, imageBuildDeps, type ImageBuilder } from './image-build';
import { createImageActivities, ecrDestination, type ImageCopier, type ImageDestination } from './image-import';
import { createKarpenterActivities } from './karpenter';
import { createKubeApiReadyActivities, type KubeApiReadiness } from './kube-api-ready';
import { createLoadBalancedObjectActivities } from './load-balanced-objects';
import { createNetworkActivities } from './network';
import { createInstanceTypeOfferingActivities } from './instance-type-offerings';
import { createNodegroupActivities } from './nodegroups';
import { createManagedLaunchTemplateActivities } from './managed-launch-template';
import { createNodegroupUpdateActivities } from './nodegroup-updates';
import { createNodesReadyActivities, type KubeAccess } from './nodes-ready';
import { paceFor } from './pace';
import { createOidcActivities } from './oidc-provider';
import { createIdentityProviderActivities } from './identity-providers';
import { createCapabilityActivities } from './capabilities';
import { createSecretsKeyActivities } from './secrets-key';
import { createSecretsRewriteActivities } from './secrets-rewrite';
import { createWorkloadIdentityActivities } from './workload-identity';
import { createSelfManagedNodegroupActivities } from './self-managed-nodegroups';
import { createInstanceSelectorActivities } from './instance-types';
import { createWorkerAccessActivities } from './worker-access';
import { createAwsAuthActivities } from './aws-auth';

/**
 * The narrow APIs activities reach the outside world through. The worker builds them once
 * from real SDK clients; tests build them over clients pointed at the test bed.
 */
export interface ActivityDeps {
  eks: EksApi;
  iam: IamApi;
  ecr: EcrApi;
  network: NetworkLeftoversApi;
  vpc: VpcApi;
  logs: LogsApi;
  /** EC2 launch templates, key pairs and subnet zones for managed node groups. @default none: a group that needs them fails, naming what the worker lacks */
  nodeLaunch?: NodeLaunchApi;
  /** KMS: the key a cluster's Secrets are encrypted with. @default none: secretsEncryption without keyArn fails, naming what the worker lacks */
  kms?: KmsApi;
  /** SQS, EventBridge, EC2 and IAM calls of Karpenter's AWS side (addons.karpenter). @default none: those steps fail, naming what the worker lacks */
  karpenter?: KarpenterAwsApi;
  kube: KubeAccess;
  /** STS: who the worker is, for its own access entry on a cluster created without creator admin. @default none: such a step fails, naming what the worker lacks */
  sts?: StsApi;
  /** EC2 launch templates, Auto Scaling, instance profiles and SSM for self-managed node groups. @default none: such steps fail, naming what the worker lacks */
  selfManagedNodes?: SelfManagedNodesApi;
  copier: ImageCopier;
  /** Helm: the binary (`binaryHelm`) or the simulated cloud's. */
  helm: HelmApi;
  /** Where imported and built images are pushed. @default ECR itself */
  imageDestination?: ImageDestination;
  /** Builds image.build's images (`buildahBuilder`). @default none: such a step fails, naming what the worker lacks */
  builder?: ImageBuilder;
  /** Where uploaded build contexts are read and build logs written (EKSFLOW_BUILD_CONTEXT_DIR). @default none, as builder */
  buildContextDir?: string;
  /** git URL schemes a build context is cloned over. @default ['https'] */
  gitProtocols?: string[];
  /** How much faster than AWS the cloud runs: activities' own pauses between looks shrink alike. @default 1 */
  timeScale?: number;
  /**
   * How the Kubernetes API is judged ready after ACTIVE (catalog entry 12).
   * @default eksctl's: 6 answers in a row, 20 s apart (paced by timeScale), for up to 10 min
   */
  kubeApiReadiness?: KubeApiReadiness;
  /** EC2 and IAM look-ups of the IDs and ARNs a spec names, before a run makes anything. @default none: only their forms are checked */
  givenResources?: GivenResourcesApi;
}

/** Builds every activity from its clients; the worker registers the result. */
export function createActivities(deps: ActivityDeps) {
  const roles = createIamRoleActivities(deps.iam);
  const helm = createHelmActivities(deps.helm);
  const pace = paceFor(deps.timeScale);
  return {
    ...roles,
    ...createOidcActivities(deps.iam),
    ...createClusterActivities(deps.eks),
    ...createControlPlaneLogActivities(deps.logs),
    ...createSecretsKeyActivities(deps.kms),
    ...createIdentityProviderActivities(deps.eks),
    ...createCapabilityActivities(deps.eks),
    ...createAccessEntryActivities(deps.eks),
    ...createWorkerAccessActivities(deps.sts, deps.iam),
    ...createAwsAuthActivities(deps.kube),
    ...createNodegroupActivities(deps.eks),
    ...createManagedLaunchTemplateActivities(deps.nodeLaunch, deps.eks),
    ...createNodegroupUpdateActivities(deps.eks),
    ...createSelfManagedNodegroupActivities(deps.selfManagedNodes, deps.eks, deps.kube),
    ...createFargateActivities(deps.eks),
    ...createNodesReadyActivities(deps.kube, pace),
    ...createKubeApiReadyActivities(deps.kube, pace, deps.kubeApiReadiness),
    ...createCorednsFargateActivities(deps.kube, pace),
    ...createDrainActivities(deps.kube, pace),
    ...createSecretsRewriteActivities(deps.kube),
    ...createDiscoveryActivities(deps),
    ...createDriftActivities(deps.eks, deps.kube),
    ...createUpgradePrecheckActivities(deps.kube),
    ...createNetworkActivities(deps.vpc),
    ...createInstanceTypeOfferingActivities(deps.vpc),
    ...createImageActivities(deps.ecr, deps.imageDestination ?? ecrDestination(deps.ecr), deps.copier),
    ...buildActivities(deps),
    ...helm,
    ...createEksAddonActivities(deps.eks, pace),
    ...createAddonActivities({ kube: deps.kube, helm, eks: deps.eks, logs: deps.logs, pace }, roles.ensureIrsaRole, roles.ensurePodIdentityRole),
    ...createWorkloadIdentityActivities(roles, { kube: deps.kube, helm, eks: deps.eks, logs: deps.logs, pace }),
    ...createAppActivities(deps.kube, pace),
    ...createAutoscalingCheckActivities(deps.kube),
    ...createAutoscalingProbeActivities(deps.kube, pace),
    ...createLoadBalancedObjectActivities(deps.kube, pace),
    ...createKarpenterActivities(deps.karpenter, deps.eks),
    ...createGivenResourceActivities(deps.givenResources),
    ...createInstanceSelectorActivities(deps.nodeLaunch),
    /** How much faster than AWS this worker's cloud runs: the workflow's waits compress as much. */
    async cloudTimeScale(): Promise<{ timeScale: number }> {
      return { timeScale: deps.timeScale ?? 1 };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

function buildActivities(deps: ActivityDeps): ReturnType<typeof createImageBuildActivities> {
  const builds = imageBuildDeps({
    ecr: deps.ecr, destination: deps.imageDestination ?? ecrDestination(deps.ecr), ...(deps.builder ? { builder: deps.builder } : {}),
    ...(deps.buildContextDir ? { buildContextDir: deps.buildContextDir } : {}), ...(deps.gitProtocols ? { gitProtocols: deps.gitProtocols } : {}),
  });
  if (builds) return createImageBuildActivities(builds);
  return {
    async buildImage() {
      throw ApplicationFailure.nonRetryable('this worker builds no images: it was started without an image builder (BUILDAH_PATH) and a build context directory (EKSFLOW_BUILD_CONTEXT_DIR)', errorTypes.resourceFailed);
    },
  };
}
