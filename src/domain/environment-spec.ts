import { Type, type SchemaOptions, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Access, accessProblems } from './access-entries';
import { coreAddonNames, EksAddons, eksAddonRuleErrors } from './eks-addons';
import { PermissionsBoundaryArn, ServiceAccount, serviceAccountProblems, type ServiceAccountSpec } from './workload-identity';
import { amiTypes, nodeGroupSettings } from './node-group-settings';
import { clusterSettings } from './cluster-settings';
import { capabilityProblems, capabilitySettings } from './capabilities';
import { clusterSettingsProblems } from './cluster-settings-rules';
import { settingsInProgressErrors } from './settings-in-progress';
import { nearest } from './eksctl-fields';
import { selfManagedRuleErrors } from './self-managed-nodes';
import { amiTypeMismatch, defaultAmiType } from './ami-types';
import { managedNodeGroupProblems } from './managed-launch-template';
import { nodeGroupIamProblems } from './node-group-iam';
import { SubnetLookup, subnetLookupProblems } from './subnet-lookups';
import { LocalZoneName, localZoneProblems } from './local-zones';
import { SecurityGroupId, SubnetId, VpcId } from './aws-ids';

export { amiTypes } from './node-group-settings';

/**
 * The one contract from the API to the workflow to the activities: what environment to
 * build. Validated once, at the edge, by `parseEnvironmentSpec`.
 */

// EKS cluster names allow 100 characters; keeping them DNS-1123 lets the same name serve
// as a Kubernetes label value, a workflow ID part and a tag.
const EnvironmentName = Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', minLength: 1, maxLength: 100, description: 'DNS-1123: lower-case letters, digits and "-", ≤ 100 characters' });
const ResourceName = Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', minLength: 1, maxLength: 63, description: 'DNS-1123 label, ≤ 63 characters' });
const Region = Type.String({ pattern: '^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$', description: 'an AWS region such as us-east-1' });

/** Kubernetes versions EKS offers in standard or extended support. */
export const supportedKubernetesVersions = ['1.31', '1.32', '1.33', '1.34', '1.35', '1.36'] as const;
export const defaultKubernetesVersion = '1.35';

const Tags = Type.Record(
  Type.String({ minLength: 1, maxLength: 128, pattern: '^(?!aws:)(?!eksflow\\.io/)[A-Za-z0-9 _.:/=+\\-@]+$' }),
  Type.String({ maxLength: 256 }),
  { additionalProperties: false, maxProperties: 40, description: 'keys of letters, digits, spaces and _.:/=+-@, ≤ 128 characters, not starting with aws: or eksflow.io/ (eksflow sets those)' },
);
const KubernetesLabels = Type.Record(
  Type.String({ minLength: 1, maxLength: 253, pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$' }),
  Type.String({ maxLength: 63, pattern: '^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$' }),
  { additionalProperties: false, description: 'Kubernetes label keys: an optional DNS prefix and "/", then a name of ≤ 63 characters' },
);
const Cidr = Type.String({ pattern: '^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}/(1[6-9]|2[0-8])$', description: 'an IPv4 CIDR block, /16 to /28' });

export const controlPlaneLogTypes = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const;

// A union of string literals: TypeBox's way to say "one of these", typed as the union.
function literals<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> {
  return Type.Union(values.map((value) => Type.Literal(value)), options) as never;
}

export const Network = Type.Object({
  vpcId: Type.Optional({ ...VpcId, description: 'the existing VPC the subnets are in (checked when given)' }),
  subnetIds: Type.Optional(Type.Array(SubnetId, { minItems: 2, maxItems: 16, uniqueItems: true, description: 'existing subnets, in at least two Availability Zones' })),
  publicSubnetIds: Type.Optional(Type.Array(SubnetId, { maxItems: 16, uniqueItems: true, description: 'which of subnetIds are public (a route to an internet gateway): node groups with privateNetworking false go there' })),
  controlPlaneSubnetIds: Type.Optional(Type.Array(SubnetId, { minItems: 2, maxItems: 16, uniqueItems: true, description: 'the control plane\'s ENIs go here instead of all subnets' })),
  securityGroupIds: Type.Optional(Type.Array(SecurityGroupId, { maxItems: 5, uniqueItems: true })),
  subnetLookups: Type.Optional(Type.Array(SubnetLookup, { minItems: 1, maxItems: 16, description: 'existing subnets of vpcId found by their CIDR block and/or Availability Zone before anything is made; they join subnetIds' })),
  vpc: Type.Optional(Type.Object({
    cidr: Type.String({ ...Cidr, default: '10.0.0.0/16' }),
    availabilityZones: Type.Integer({ minimum: 2, maximum: 6, default: 2, description: 'public and private subnets are made in this many AZs' }),
    zones: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9][a-z]$', description: 'an Availability Zone name such as us-east-1a' }), {
      minItems: 2, maxItems: 6, uniqueItems: true, description: 'the Availability Zones to use, in the spec\'s region; the first ones offered when left out',
    })),
    natGateway: literals(['single', 'perAz', 'none'] as const, { default: 'single' }),
    ipv6: Type.Optional(Type.Boolean({ description: 'an Amazon-provided IPv6 block for the VPC and each subnet' })),
    hostnameType: Type.Optional(literals(['ip-name', 'resource-name'] as const, { description: 'how instances in the subnets are named (ip-name by default)' })),
    controlPlaneOnPrivateSubnets: Type.Optional(Type.Boolean({ description: 'the control plane\'s ENIs in the private subnets only' })),
    localZones: Type.Optional(Type.Array(LocalZoneName, { minItems: 1, maxItems: 8, uniqueItems: true, description: 'also a public and a private subnet in each of these Local Zones (their zone group opted in), for self-managed groups with localZones' })),
  }, { additionalProperties: false, description: 'a VPC for the run to create' })),
}, { additionalProperties: false, description: 'existing subnetIds (and securityGroupIds), or a vpc to create' });

const Taint = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 63 }),
  value: Type.Optional(Type.String({ maxLength: 63 })),
  effect: literals(['NO_SCHEDULE', 'NO_EXECUTE', 'PREFER_NO_SCHEDULE'] as const),
}, { additionalProperties: false });

export const NodeGroup = Type.Object({
  name: ResourceName,
  instanceTypes: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9-]*\\.[a-z0-9]+$' }), { maxItems: 20, uniqueItems: true, description: 'at least one, unless launchTemplate or instanceSelector chooses them' }),
  capacityType: literals(['ON_DEMAND', 'SPOT'] as const, { default: 'ON_DEMAND' }),
  minSize: Type.Integer({ minimum: 0, maximum: 1000 }),
  desiredSize: Type.Integer({ minimum: 0, maximum: 1000 }),
  maxSize: Type.Integer({ minimum: 0, maximum: 1000, description: 'at least 1 for a managed group (EKS); a self-managed group may be 0' }),
  diskSize: Type.Integer({ minimum: 1, maximum: 16384, default: 20, description: 'GiB' }),
  amiType: literals(amiTypes, { default: 'AL2023_x86_64_STANDARD', description: 'CUSTOM with ami; when left out, the AMI the instance types need (NVIDIA for GPU families, Neuron for Inferentia and Trainium, ARM for Graviton), else AL2023_x86_64_STANDARD' }),
  labels: Type.Optional(KubernetesLabels),
  taints: Type.Optional(Type.Array(Taint, { maxItems: 50 })),
  sshPublicKey: Type.Optional(Type.String({ pattern: '^(ssh-(rsa|ed25519)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$', description: 'an OpenSSH public key' })),
  ...nodeGroupSettings,
}, { additionalProperties: false });

export const FargateProfile = Type.Object({
  name: ResourceName,
  selectors: Type.Array(Type.Object({
    namespace: ResourceName,
    labels: Type.Optional(KubernetesLabels),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 5 }),
  tags: Type.Optional({ ...Tags, description: 'tags for this profile, beside the environment\'s' }),
}, { additionalProperties: false });

const EcrRepositoryName = Type.String({ pattern: '^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*$', minLength: 2, maxLength: 256 });
/** An uploaded build context's name: its tarball's SHA-256. */
export const buildContextDigestPattern = '^sha256:[0-9a-f]{64}$';
const ImageReference = Type.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9._\\-/:@]*$', minLength: 3, maxLength: 512 });

export const Image = Type.Object({
  uri: Type.Optional(Type.String({ ...ImageReference, description: 'an image the cluster can already pull' })),
  import: Type.Optional(Type.Object({
    source: Type.String({ ...ImageReference, description: 'a registry reference, bare (public.ecr.aws/nginx/nginx:1.27) or as docker://…; never a path on the worker (dir:, oci:, oci-archive:, docker-archive:, …)' }),
    repository: EcrRepositoryName,
    tag: Type.String({ pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$', default: 'latest' }),
  }, { additionalProperties: false, description: 'copy source into an ECR repository the run ensures' })),
  build: Type.Optional(Type.Object({
    context: Type.Union([
      Type.Object({
        git: Type.Object({
          url: Type.String({ pattern: '^https://[^\\s@]+$', maxLength: 2048, description: 'an https:// git URL the worker can clone without credentials' }),
          ref: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$', description: 'a branch or tag (cloned with --depth 1)' }),
        }, { additionalProperties: false }),
      }, { additionalProperties: false }),
      Type.Object({
        upload: Type.String({ pattern: buildContextDigestPattern, description: 'sha256:<64 hex>, as POST /v1/build-contexts answered (`eksflow image build` uploads it)' }),
      }, { additionalProperties: false }),
    ], { description: 'git (url and ref) or upload (a tarball the API stored); never a path on the worker' }),
    dockerfile: Type.String({ minLength: 1, maxLength: 255, default: 'Dockerfile', description: 'the Dockerfile\'s path inside the context, relative, without ..' }),
    repository: EcrRepositoryName,
    tag: Type.String({ pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$', default: 'latest' }),
  }, { additionalProperties: false, description: 'build the image from source with buildah and push it to an ECR repository the run ensures' })),
}, { additionalProperties: false, description: 'uri, import or build' });

export type ImageBuildSpec = NonNullable<Static<typeof Image>['build']>;

/** The add-ons eksflow installs, by the names the catalog and the API use. */
export const addonNames = [
  'aws-load-balancer-controller', 'metrics-server', 'dashboard', 'cloudwatch', 'vertical-pod-autoscaler', 'cluster-autoscaler', 'karpenter',
] as const;
export type AddonName = (typeof addonNames)[number];

const Cpu = Type.String({ pattern: '^([1-9][0-9]{0,5}m|[0-9]{1,3}(\\.[0-9]{1,3})?)$', description: 'CPU as Kubernetes writes it: 250m or 0.5 or 2' });
const Memory = Type.String({ pattern: '^[1-9][0-9]{0,9}(Ki|Mi|Gi|Ti|k|M|G|T)?$', description: 'memory as Kubernetes writes it: 256Mi or 1Gi' });
const EnvName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' });

export const App = Type.Object({
  name: ResourceName,
  namespace: Type.Optional({ ...ResourceName, description: 'the namespace made for the app; its name when left out' }),
  replicas: Type.Integer({ minimum: 1, maximum: 1000, default: 2 }),
  containerPort: Type.Integer({ minimum: 1, maximum: 65535 }),
  servicePort: Type.Integer({ minimum: 1, maximum: 65535, default: 80, description: 'the port the NLB listens on' }),
  scheme: literals(['internet-facing', 'internal'] as const, { default: 'internet-facing', description: 'where the NLB is reachable from' }),
  requests: Type.Object({ cpu: Type.String({ ...Cpu, default: '250m' }), memory: Type.String({ ...Memory, default: '256Mi' }) },
    { additionalProperties: false, default: {}, description: 'what each pod asks for; HPA and VPA measure against it' }),
  limits: Type.Optional(Type.Object({ cpu: Type.Optional(Cpu), memory: Type.Optional(Memory) }, { additionalProperties: false })),
  env: Type.Optional(Type.Record(EnvName, Type.String({ maxLength: 4096 }), {
    additionalProperties: false, maxProperties: 100, description: 'plain settings only: they are kept in the run\'s history, so never secrets',
  })),
  healthCheck: Type.Optional(Type.Object({
    path: Type.String({ pattern: '^/[!-~]*$', maxLength: 1024 }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'the containerPort when left out' })),
  }, { additionalProperties: false, description: 'an HTTP GET used as readiness and liveness probe' })),
  hpa: Type.Optional(Type.Object({
    minReplicas: Type.Integer({ minimum: 1, maximum: 1000 }),
    maxReplicas: Type.Integer({ minimum: 1, maximum: 1000 }),
    targetCpuUtilization: Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'percent of the CPU request' }),
  }, { additionalProperties: false, description: 'a HorizontalPodAutoscaler (autoscaling/v2) on CPU; needs metrics-server' })),
  securityGroupIds: Type.Optional(Type.Array(SecurityGroupId, {
    minItems: 1, maxItems: 5, uniqueItems: true, description: 'security groups for the app\'s pods (a SecurityGroupPolicy); needs eksAddons.vpc-cni.podSecurityGroups',
  })),
  serviceAccount: Type.Optional({ ...ResourceName, description: 'one of serviceAccounts, in the app\'s namespace: the pods run as it and get its AWS identity' }),
  vpa: Type.Optional(Type.Object({
    updateMode: literals(['Off', 'Initial', 'Recreate', 'InPlaceOrRecreate'] as const, { default: 'Off', description: 'Off only recommends' }),
  }, { additionalProperties: false, description: 'a VerticalPodAutoscaler for the app; needs vertical-pod-autoscaler' })),
}, { additionalProperties: false, description: 'the app: a Deployment of the image behind an NLB' });

const NoOptions = Type.Object({}, { additionalProperties: false });
// CloudWatch Logs accepts only these retentions.
const logRetentionDays = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/**
 * Karpenter (src/domain/iam-policies/karpenter.ts): its controller runs with an IRSA role bound
 * to kube-system/karpenter, and eksflow applies one NodePool `default` and its EC2NodeClass
 * `default` (AL2023, the node role `<env>-karpenter-node`, the private subnets and cluster
 * security group by their `karpenter.sh/discovery` tag) from `nodePool`.
 */
const KarpenterOptions = Type.Object({
  nodePool: Type.Object({
    instanceTypes: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9-]+\\.[a-z0-9-]+$', description: 'an EC2 instance type, e.g. m7i.large' }), {
      minItems: 1, maxItems: 50, uniqueItems: true, description: 'the instance types the pool may launch; Karpenter chooses among all (but the getting-started\'s c, m, r families of generation 3 and later) when left out',
    })),
    capacityTypes: Type.Array(literals(['on-demand', 'spot'] as const), { minItems: 1, uniqueItems: true, default: ['on-demand'], description: 'spot and on-demand: Karpenter prefers spot' }),
    cpuLimit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$', description: 'the pool\'s total vCPUs: Karpenter launches nothing past it' })),
    consolidateAfter: Type.String({ pattern: '^([1-9][0-9]{0,3}(s|m|h))+$', default: '1m', description: 'how long a node stays empty or underutilized before consolidation removes it' }),
  }, { additionalProperties: false, default: {}, description: 'the NodePool eksflow applies (karpenter.sh/v1 `default`)' }),
  interruptionQueue: Type.Boolean({ default: true, description: 'an SQS queue `<env>-karpenter` fed by EventBridge (spot interruption, rebalance, scheduled change, instance state) that Karpenter drains nodes from ahead of time' }),
  // No default: specs written before it parse as they did (a default would show as a change to apply).
  identity: Type.Optional(literals(['irsa', 'pod-identity'] as const, {
    description: 'how the controller gets its AWS credentials: irsa (a role trusting the cluster\'s OIDC provider for kube-system/karpenter, the default) or pod-identity (a role trusting pods.eks.amazonaws.com, an EKS Pod Identity association and the eks-pod-identity-agent add-on)',
  })),
}, { additionalProperties: false });

export const Addons = Type.Object({
  'aws-load-balancer-controller': Type.Optional(NoOptions),
  'metrics-server': Type.Optional(Type.Object({ method: literals(['helm', 'eks-addon'] as const, { default: 'helm' }) }, { additionalProperties: false })),
  dashboard: Type.Optional(Type.Object({
    kind: literals(['headlamp', 'kubernetes-dashboard'] as const, { default: 'headlamp', description: 'kubernetes-dashboard is archived (January 2026): a legacy choice' }),
  }, { additionalProperties: false })),
  cloudwatch: Type.Optional(Type.Object({
    mode: literals(['observability', 'fluent-bit'] as const, { default: 'observability', description: 'Container Insights and Fluent Bit, or Fluent Bit alone as the tutorial sets it up' }),
    method: literals(['eks-addon', 'helm'] as const, { default: 'eks-addon', description: 'how observability mode installs' }),
    logRetentionDays: Type.Union(logRetentionDays.map((d) => Type.Literal(d)), { default: 30, description: `one of ${logRetentionDays.join(', ')}` }),
  }, { additionalProperties: false })),
  'vertical-pod-autoscaler': Type.Optional(NoOptions),
  'cluster-autoscaler': Type.Optional(NoOptions),
  karpenter: Type.Optional(KarpenterOptions),
}, { additionalProperties: false, default: {}, description: `add-ons by name: ${addonNames.join(', ')}` });

export const Autoscaling = Type.Object({
  verify: literals(['passive', 'active'] as const, {
    default: 'passive',
    description: 'passive reads the HPA metrics and the cluster autoscaler status; active also scales a probe past capacity and back',
  }),
}, { additionalProperties: false });

export const EnvironmentSpec = Type.Object({
  name: EnvironmentName,
  region: Region,
  kubernetesVersion: literals(supportedKubernetesVersions, { default: defaultKubernetesVersion }),
  tags: Type.Optional(Tags),
  permissionsBoundaries: Type.Optional(Type.Object({
    clusterRole: Type.Optional(PermissionsBoundaryArn),
    fargateRole: Type.Optional(PermissionsBoundaryArn),
  }, { additionalProperties: false, description: 'IAM permissions boundaries on the roles eksflow makes for the cluster (EKS control plane) and for Fargate pods' })),
  network: Network,
  controlPlaneLogging: Type.Array(literals(controlPlaneLogTypes), { uniqueItems: true, default: [] }),
  ...clusterSettings,
  ...capabilitySettings,
  nodeGroups: Type.Array(NodeGroup, { maxItems: 30, default: [] }),
  fargateProfiles: Type.Array(FargateProfile, { maxItems: 10, default: [] }),
  image: Type.Optional(Image),
  app: Type.Optional(App),
  addons: Addons,
  eksAddons: Type.Optional(EksAddons),
  autoscaling: Type.Optional(Autoscaling),
  access: Type.Optional(Access),
  serviceAccounts: Type.Optional(Type.Array(ServiceAccount, { maxItems: 50, description: 'ServiceAccounts with an AWS identity (IRSA or EKS Pod Identity)' })),
  onFailure: literals(['rollback', 'keep'] as const, { default: 'rollback', description: 'what a failed run does with what it made' }),
  ttl: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}[mhd]$', description: 'tear down after this long, e.g. 8h or 7d' })),
  drift: Type.Optional(Type.Object({
    checkEvery: Type.String({ pattern: '^[1-9][0-9]{0,3}[mhd]$', default: '1h', description: 'how often the environment is compared with its spec, e.g. 15m or 1h' }),
    correct: Type.Boolean({ default: false, description: 'put drifted node group sizes and the app back as the spec says; otherwise only report' }),
  }, { additionalProperties: false, description: 'drift detection: node group sizes and versions, the control plane\'s version, the app\'s Deployment' })),
}, { additionalProperties: false, $id: 'EnvironmentSpec' });

export type EnvironmentSpec = Static<typeof EnvironmentSpec>;
export type NodeGroupSpec = Static<typeof NodeGroup>;
export type FargateProfileSpec = Static<typeof FargateProfile>;
export type NetworkSpec = Static<typeof Network>;
export type AppSpec = Static<typeof App>;
export type AddonsSpec = Static<typeof Addons>;

/** One reason a request is refused, at a JSON-pointer path into it. */
export interface SpecError {
  path: string;
  message: string;
}

/** warnings: what an eksctl ClusterConfig's translation changed from what was written (each at its ClusterConfig path). */
export type ParseResult = { ok: true; spec: EnvironmentSpec; warnings?: SpecError[] } | { ok: false; errors: SpecError[] };

/**
 * Validates a request and fills its defaults. Every problem is reported, each with its
 * path, so a person can fix the request in one go. Never throws on bad input.
 */
export function parseEnvironmentSpec(input: unknown): ParseResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ path: '', message: 'the environment spec must be a JSON object' }] };
  }
  const errors: SpecError[] = [];
  const request = Value.Clone(input) as { network?: { vpc?: { zones?: unknown; availabilityZones?: unknown } } };
  // Named zones say how many: the count's default follows them rather than being 2.
  const vpc = request.network?.vpc;
  if (vpc && typeof vpc === 'object' && Array.isArray(vpc.zones) && vpc.availabilityZones === undefined) vpc.availabilityZones = vpc.zones.length;
  // A group without amiType gets the AMI its instance types need (GPU → NVIDIA, Inferentia and
  // Trainium → Neuron, Graviton → ARM), as eksctl chooses; plain x86_64 types get the schema's
  // default, so specs written before parse as they did. Chosen before Value.Default fills it.
  const amiChoices = new Map<number, string>();
  const groups = (request as { nodeGroups?: unknown }).nodeGroups;
  if (Array.isArray(groups)) {
    groups.forEach((group: unknown, i) => {
      if (typeof group !== 'object' || group === null || Array.isArray(group) || (group as { amiType?: unknown }).amiType !== undefined) return;
      const choice = defaultAmiType(group as { instanceTypes?: unknown; ami?: unknown });
      if (choice?.ok) (group as { amiType?: string }).amiType = choice.amiType;
      else if (choice) amiChoices.set(i, choice.reason);
    });
  }
  // Value.Default merges an object given where a list with a default belongs into that default
  // (`{}` becomes `[]`), which would drop the request's mistake; the mistake is kept, to be reported.
  const misfits = Object.entries(EnvironmentSpec.properties).flatMap(([key, schema]) => {
    const given = (request as Record<string, unknown>)[key];
    return schema.type === 'array' && typeof given === 'object' && given !== null && !Array.isArray(given) ? [[key, Value.Clone(given)] as const] : [];
  });
  const candidate = Value.Default(EnvironmentSpec, request) as Record<string, unknown>;
  for (const [key, given] of misfits) candidate[key] = given;
  const rules = ruleErrors(candidate as Partial<EnvironmentSpec>);
  for (const [i, reason] of amiChoices) rules.push({ path: `/nodeGroups/${i}/instanceTypes`, message: `${reason} (no one AMI type fits them; or give amiType)` });
  // A build context's rule says precisely which alternative is wrong and why: the union's own error says less.
  const precise = (path: string) => rules.some((rule) => rule.path === path || rule.path.startsWith(`${path}/`));
  errors.push(...schemaErrors(EnvironmentSpec, candidate).filter((error) => error.path !== '/image/build/context' || !precise(error.path)));
  errors.push(...rules);
  return errors.length === 0 ? { ok: true, spec: candidate as EnvironmentSpec } : { ok: false, errors };
}

function schemaErrors(schema: TSchema, value: unknown): SpecError[] {
  const seen = new Set<string>();
  const errors: SpecError[] = [];
  for (const error of Value.Errors(schema, value)) {
    // One message per path: a failed union or pattern reports each alternative, which says less.
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    errors.push({ path: error.path, message: explain(error.schema, error.message, error.path.slice(error.path.lastIndexOf('/') + 1)) });
  }
  return errors;
}

/** TypeBox's messages, made to say what would be accepted. */
function explain(schema: TSchema, message: string, key = ''): string {
  const options = (schema.anyOf as TSchema[] | undefined)?.map((alternative) => alternative.const as unknown);
  if (options?.every((option) => typeof option === 'string')) return `must be one of ${options.join(', ')}`;
  if (schema.patternProperties) return `is not an allowed key (${schema.description ?? 'see the schema'})`;
  if (message === 'Unexpected property' && schema.description === EksAddons.description) return `is not a core EKS add-on eksflow installs (${coreAddonNames.join(', ')}); other add-ons go under addons`;
  if (message === 'Unexpected property' && schema.description === Addons.description) return `is not an add-on eksflow offers (${addonNames.join(', ')})`;
  if (message === 'Unexpected property') {
    const known = Object.keys((schema.properties ?? {}) as Record<string, unknown>);
    const guess = nearest(key.replaceAll('~1', '/').replaceAll('~0', '~'), known);
    return guess ? `is not a known field: did you mean ${guess}?` : `is not a known field (known here: ${known.join(', ')})`;
  }
  const description = schema.description as string | undefined;
  return description && !message.includes(description) ? `${message} (${description})` : message;
}

/** The rules a schema cannot say: cross-field bounds, unique names, exactly-one choices. */
// Runs on the request as given, even when the schema found problems, so one answer lists
// everything; each rule looks only at parts whose shape it can trust.
function ruleErrors(spec: Partial<EnvironmentSpec>): SpecError[] {
  const errors: SpecError[] = [];
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  const nodeGroups = Array.isArray(spec.nodeGroups) ? spec.nodeGroups.filter(isObject) as NodeGroupSpec[] : [];
  const fargateProfiles = Array.isArray(spec.fargateProfiles) ? spec.fargateProfiles.filter(isObject) as FargateProfileSpec[] : [];
  if (isObject(spec.network)) {
    const network = spec.network as NetworkSpec;
    // securityGroupIds beside a vpc: the control plane's, chosen once the VPC exists (src/domain/creation-only.ts).
    if (network.vpc && (network.subnetIds || network.subnetLookups)) {
      errors.push({ path: '/network', message: 'give either existing subnetIds or a vpc to create, not both' });
    } else if (!network.vpc && !network.subnetIds && !network.subnetLookups) {
      errors.push({ path: '/network', message: 'give existing subnetIds (at least two, in different Availability Zones) or a vpc to create' });
    }
    const zones = network.vpc?.zones;
    if (Array.isArray(zones) && typeof spec.region === 'string') {
      zones.forEach((zone, i) => {
        if (typeof zone === 'string' && !zone.startsWith(spec.region!)) errors.push({ path: `/network/vpc/zones/${i}`, message: `${zone} is not in ${spec.region}` });
      });
      if (network.vpc!.availabilityZones !== zones.length) {
        errors.push({ path: '/network/vpc/availabilityZones', message: `is ${network.vpc!.availabilityZones} but ${zones.length} zones are named; leave it out or make them agree` });
      }
    }
  }
  nodeGroups.forEach((group, i) => {
    const { minSize, desiredSize, maxSize } = group;
    if (![minSize, desiredSize, maxSize].every(Number.isInteger)) return;
    if (minSize > desiredSize) errors.push({ path: `/nodeGroups/${i}/desiredSize`, message: `desiredSize ${desiredSize} is below minSize ${minSize}` });
    if (desiredSize > maxSize) errors.push({ path: `/nodeGroups/${i}/desiredSize`, message: `desiredSize ${desiredSize} is above maxSize ${maxSize}` });
    if (minSize > maxSize) errors.push({ path: `/nodeGroups/${i}/minSize`, message: `minSize ${minSize} is above maxSize ${maxSize}` });
    // EKS CreateNodegroup: scalingConfig.maxSize has a minimum of 1; an Auto Scaling group takes 0.
    if (maxSize < 1 && group.kind !== 'self-managed') errors.push({ path: `/nodeGroups/${i}/maxSize`, message: 'must be at least 1 for a managed group (EKS); only a self-managed group (kind: self-managed) may have maxSize 0' });
  });
  nodeGroups.forEach((group, i) => {
    if (typeof group.amiType !== 'string' || !Array.isArray(group.instanceTypes) || !group.instanceTypes.every((type) => typeof type === 'string')) return;
    // None listed: a selector or a launch template chooses them (the planner checks a selector's picks).
    if (group.instanceTypes.length === 0) return;
    const mismatch = amiTypeMismatch(group.amiType, group.instanceTypes);
    if (mismatch) errors.push({ path: `/nodeGroups/${i}/amiType`, message: mismatch });
  });
  errors.push(...nodeGroupIamProblems(nodeGroups));
  errors.push(...managedNodeGroupProblems(nodeGroups, isObject(spec.network) ? spec.network as NetworkSpec : undefined));
  errors.push(...subnetLookupProblems(isObject(spec.network) ? spec.network as NetworkSpec : undefined, nodeGroups));
  errors.push(...localZoneProblems(isObject(spec.network) ? spec.network as NetworkSpec : undefined, spec.region, nodeGroups));
  errors.push(...duplicateNames(nodeGroups, '/nodeGroups', 'node group'));
  errors.push(...duplicateNames(fargateProfiles, '/fargateProfiles', 'Fargate profile'));
  if (isObject(spec.image) && [spec.image.uri, spec.image.import, spec.image.build].filter(Boolean).length !== 1) {
    errors.push({ path: '/image', message: 'give exactly one of uri (an image the cluster can pull), import (copy it into ECR) or build (build it from source into ECR)' });
  }
  const built = isObject(spec.image) && isObject(spec.image.build) ? spec.image.build : undefined;
  errors.push(...buildContextProblems(built?.context));
  if (typeof built?.dockerfile === 'string' && built.dockerfile !== '' && (!/^[A-Za-z0-9_.@+/-]+$/.test(built.dockerfile) || built.dockerfile.split('/').some((part) => part === '..' || part === '.' || part === ''))) {
    errors.push({ path: '/image/build/dockerfile', message: `${built.dockerfile} must name a file inside the build context: a relative path of letters, digits and _.@+-/ without "..", "." or empty parts, such as Dockerfile or docker/app.Dockerfile` });
  }
  const imported = isObject(spec.image) && isObject(spec.image.import) ? spec.image.import : undefined;
  if (typeof imported?.source === 'string') {
    const refusal = registrySourceProblem(imported.source);
    if (refusal) errors.push({ path: '/image/import/source', message: refusal });
  }
  if (isObject(spec.app)) {
    if (!isObject(spec.image)) errors.push({ path: '/app', message: 'the app runs the environment\'s image: give image.uri, image.import or image.build too' });
    const { hpa, replicas } = spec.app;
    if (isObject(hpa) && Number.isInteger(hpa.minReplicas) && Number.isInteger(hpa.maxReplicas)) {
      if (hpa.minReplicas > hpa.maxReplicas) errors.push({ path: '/app/hpa/minReplicas', message: `minReplicas ${hpa.minReplicas} is above maxReplicas ${hpa.maxReplicas}` });
      else if (Number.isInteger(replicas) && (replicas < hpa.minReplicas || replicas > hpa.maxReplicas)) {
        errors.push({ path: '/app/replicas', message: `replicas ${replicas} is outside the HPA's ${hpa.minReplicas}–${hpa.maxReplicas}` });
      }
    }
  }
  errors.push(...eksAddonRuleErrors(spec.eksAddons, spec.app));
  const serviceAccounts = Array.isArray(spec.serviceAccounts) ? spec.serviceAccounts.filter(isObject) as ServiceAccountSpec[] : [];
  errors.push(...serviceAccountProblems(serviceAccounts, typeof spec.region === 'string' ? spec.region : 'us-east-1'));
  if (isObject(spec.app) && typeof spec.app.serviceAccount === 'string') {
    const namespace = typeof spec.app.namespace === 'string' ? spec.app.namespace : spec.app.name;
    if (!serviceAccounts.some((sa) => sa.namespace === namespace && sa.name === spec.app!.serviceAccount)) {
      errors.push({ path: '/app/serviceAccount', message: `${namespace}/${spec.app.serviceAccount} is not in serviceAccounts; list it there (in the app's namespace ${namespace})` });
    }
  }
  // Public nodes go in the public subnets: those of the VPC eksflow makes, or network.publicSubnetIds.
  const network = isObject(spec.network) ? spec.network as NetworkSpec : undefined;
  nodeGroups.forEach((group, i) => {
    if (group.privateNetworking === false && !group.subnetIds && !group.subnetLookups && network && !network.vpc && !(network.publicSubnetIds?.length) && !network.subnetLookups?.some((lookup) => lookup.public)) {
      errors.push({ path: `/nodeGroups/${i}/privateNetworking`, message: 'false puts nodes in public subnets, and network names none: list them in network.publicSubnetIds (vpc.subnets.public in a ClusterConfig), give the group subnetIds, or set privateNetworking to true' });
    }
  });
  nodeGroups.forEach((group, i) => {
    if (Array.isArray(group.instanceTypes) && group.instanceTypes.length === 0 && !group.launchTemplate && !group.instanceSelector) {
      errors.push({ path: `/nodeGroups/${i}/instanceTypes`, message: 'names no instance type: list at least one, or let launchTemplate or instanceSelector choose them' });
    }
    // eksctl refuses both unless the list is exactly what the selector matches (ExpandInstanceSelectorOptions), known only at run time.
    if (Array.isArray(group.instanceTypes) && group.instanceTypes.length > 0 && group.instanceSelector) {
      errors.push({ path: `/nodeGroups/${i}/instanceSelector`, message: 'chooses the instance types, and instanceTypes lists them too: give one of them (instanceTypes: [] with the selector)' });
    }
  });
  // A cluster with no compute is fine on its own (eksctl makes them: node groups come later),
  // but then nothing can run the app or the add-ons' pods.
  const noCompute = Array.isArray(spec.nodeGroups) && Array.isArray(spec.fargateProfiles) && spec.nodeGroups.length === 0 && spec.fargateProfiles.length === 0 && !isObject((spec as Record<string, unknown>).autoMode);
  const needsPods = [...(isObject(spec.app) ? ['the app'] : []), ...(isObject(spec.addons) ? Object.keys(spec.addons).map((name) => `add-on ${name}`) : [])];
  if (noCompute && needsPods.length > 0) {
    errors.push({ path: '/nodeGroups', message: `${needsPods.join(', ')} need somewhere to run pods: add a node group or a Fargate profile (or use autoMode)` });
  }
  // eksctl's ValidateAutoModeConfig: a node role is for the built-in pools' nodes.
  if (isObject(spec.autoMode) && Array.isArray(spec.autoMode.nodePools) && spec.autoMode.nodePools.length === 0 && spec.autoMode.nodeRoleArn !== undefined) {
    errors.push({ path: '/autoMode/nodeRoleArn', message: 'is for the nodes of the built-in node pools, and nodePools is empty; leave nodeRoleArn out or list general-purpose or system' });
  }
  errors.push(...accessProblems(spec.access));
  errors.push(...selfManagedRuleErrors(nodeGroups));
  errors.push(...clusterSettingsProblems(spec));
  errors.push(...capabilityProblems(spec as Record<string, unknown>));
  errors.push(...settingsInProgressErrors(spec as Record<string, unknown>));
  return errors;
}

const uploadWayOut = 'upload the directory with `eksflow image build <dir> --env <name>` (or POST /v1/build-contexts) and give the sha256 it answers';

/** What is wrong with a build context, each at its path: a git source is https only, an upload is named by its digest. */
function buildContextProblems(context: unknown): SpecError[] {
  if (typeof context !== 'object' || context === null || Array.isArray(context)) return [];
  const { git, upload } = context as { git?: unknown; upload?: unknown };
  const at = '/image/build/context';
  if ((git === undefined) === (upload === undefined)) {
    return [{ path: at, message: `give exactly one of git ({ url, ref }: an https repository the worker clones) or upload (sha256:…); ${uploadWayOut}` }];
  }
  const errors: SpecError[] = [];
  if (typeof git === 'object' && git !== null) {
    const { url, ref } = git as { url?: unknown; ref?: unknown };
    if (typeof url === 'string' && !/^https:\/\/[^\s@]+$/.test(url)) {
      errors.push({ path: `${at}/git/url`, message: `${url} is not an https:// URL without credentials: the worker clones only public https repositories (never file:, ssh: or a path on the worker); ${uploadWayOut}` });
    }
    if (typeof ref === 'string' && (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/.test(ref) || ref.split('/').includes('..'))) {
      errors.push({ path: `${at}/git/ref`, message: `${ref} is not a branch or tag name (letters, digits, ".", "_", "/" and "-", not starting with "-")` });
    }
  }
  if (typeof upload === 'string' && !new RegExp(buildContextDigestPattern).test(upload)) {
    errors.push({ path: `${at}/upload`, message: `${upload} is not an upload's name (sha256: and 64 lower-case hex digits); ${uploadWayOut}` });
  }
  return errors;
}

// The image transports skopeo (containers/image) knows besides a registry. Each reads from
// the machine it runs on: a directory, an archive, the container store or a daemon there.
// The copy runs on the worker, so such a source would let a request read the worker's disk.
const localImageTransports: ReadonlySet<string> = new Set([
  'dir', 'oci', 'oci-archive', 'docker-archive', 'docker-daemon', 'containers-storage', 'ostree', 'sif', 'tarball',
]);

// A registry reference as the distribution project's grammar has it: an optional registry
// host (with a "." or a port, or localhost) and "/", a lower-case path, then :tag, @digest or both.
const hostComponent = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const registryHost = `(?:${hostComponent}(?:\\.${hostComponent})+(?::[0-9]+)?|${hostComponent}:[0-9]+|localhost)`;
const pathComponent = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const registryReference = new RegExp(
  `^(?:${registryHost}/)?${pathComponent}(?:/${pathComponent})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);
const registryWayOut = 'push the image to a registry and give its reference (public.ecr.aws/team/app:1.0, or docker://registry.example.com/team/app:1.0)';

/**
 * Why an image import's source is not a registry reference, or undefined when it is one.
 * Only registries are read: a source naming a transport that reads the worker's own disk
 * (dir:, oci-archive:, …) is refused here, at the edge, never handed to skopeo.
 */
export function registrySourceProblem(source: string): string | undefined {
  const transport = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(source)?.[1];
  const rest = transport ? source.slice(transport.length + 1) : source;
  // Without "//", "docker:27" is Docker Hub's docker image at tag 27: a bare reference.
  if (transport?.toLowerCase() === 'docker' && rest.startsWith('//')) {
    return registryReference.test(rest.slice(2)) ? undefined : `what follows docker:// is not a registry reference; ${registryWayOut}`;
  }
  if (transport && localImageTransports.has(transport.toLowerCase())) {
    return `${transport}: reads an image from the worker's own disk or daemon, which a request may not name; ${registryWayOut}`;
  }
  if (rest.startsWith('//')) return `${transport}:// is not a registry transport; only docker:// or a bare reference is read; ${registryWayOut}`;
  return registryReference.test(source) ? undefined : `is not a registry reference ([registry/]repository[:tag][@digest], lower-case repository); ${registryWayOut}`;
}

function duplicateNames(items: readonly { name: string }[], path: string, what: string): SpecError[] {
  const firstIndex = new Map<string, number>();
  return items.flatMap((item, i) => {
    if (typeof item.name !== 'string') return [];
    const first = firstIndex.get(item.name);
    if (first === undefined) {
      firstIndex.set(item.name, i);
      return [];
    }
    return [{ path: `${path}/${i}/name`, message: `${what} name "${item.name}" is already used by ${path}/${first}` }];
  });
}

/** The spec's ttl ("30m", "8h", "7d") in milliseconds. */
export function ttlMilliseconds(ttl: string): number {
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[ttl.slice(-1) as 'm' | 'h' | 'd'];
  const amount = Number(ttl.slice(0, -1));
  if (!unit || !Number.isInteger(amount) || amount <= 0) throw new Error(`not a ttl: ${ttl}`);
  return amount * unit;
}
