import { Type, type SchemaOptions, type TLiteral, type TUnion } from '@sinclair/typebox';
import { SubnetReference } from './subnet-lookups';
import { LocalZoneName } from './local-zones';
import { AmiId, IamPolicyArn, LaunchTemplateId, SecurityGroupId, SubnetId } from './aws-ids';

/**
 * A node group's settings beyond its size and instance types: how its nodes are placed,
 * launched, tagged, secured and bootstrapped. Managed groups (EKS CreateNodegroup) and
 * self-managed ones (an EC2 launch template and an Auto Scaling group eksflow makes) share
 * them; `selfManagedOnly` names the settings only an Auto Scaling group has.
 */

function literals<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> {
  return Type.Union(values.map((value) => Type.Literal(value)), options) as never;
}

const Zone = Type.String({ pattern: '^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9][a-z]$', description: 'an Availability Zone name such as us-east-1a' });
const Tags = Type.Record(
  Type.String({ minLength: 1, maxLength: 128, pattern: '^(?!aws:)(?!eksflow\\.io/)[A-Za-z0-9 _.:/=+\\-@]+$' }),
  Type.String({ maxLength: 256 }),
  { additionalProperties: false, maxProperties: 40, description: 'keys of letters, digits, spaces and _.:/=+-@, ≤ 128 characters, not starting with aws: or eksflow.io/ (eksflow sets those)' },
);
const KmsKey = Type.String({
  pattern: '^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[A-Za-z0-9/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|alias/[A-Za-z0-9/_-]+)$',
  description: 'a KMS key ARN, key ID or alias',
});
const PolicyArn = IamPolicyArn;

/** Kubernetes node kinds: EKS managed node groups, or launch template + Auto Scaling group eksflow manages. */
export const nodeGroupKinds = ['managed', 'self-managed'] as const;

/** EKS AMI types (the CreateNodegroup amiType enum, less end-of-life AL2); a self-managed group's AMI is looked up for it. */
export const amiTypes = [
  'AL2023_x86_64_STANDARD', 'AL2023_ARM_64_STANDARD', 'AL2023_x86_64_NVIDIA', 'AL2023_ARM_64_NVIDIA', 'AL2023_x86_64_NEURON',
  'BOTTLEROCKET_x86_64', 'BOTTLEROCKET_ARM_64', 'BOTTLEROCKET_x86_64_NVIDIA', 'BOTTLEROCKET_ARM_64_NVIDIA',
  'BOTTLEROCKET_x86_64_FIPS', 'BOTTLEROCKET_ARM_64_FIPS',
  'WINDOWS_CORE_2019_x86_64', 'WINDOWS_FULL_2019_x86_64', 'WINDOWS_CORE_2022_x86_64', 'WINDOWS_FULL_2022_x86_64',
  'WINDOWS_CORE_2025_x86_64', 'WINDOWS_FULL_2025_x86_64',
  'CUSTOM',
] as const;
export type AmiType = (typeof amiTypes)[number];
export const isWindowsAmiType = (amiType: string): boolean => amiType.startsWith('WINDOWS_');

export const Volume = Type.Object({
  type: literals(['gp2', 'gp3', 'io1', 'io2', 'sc1', 'st1'] as const, { default: 'gp3' }),
  iops: Type.Optional(Type.Integer({ minimum: 100, maximum: 256000, description: 'gp3 3000–80000, io1/io2 100–256000' })),
  throughput: Type.Optional(Type.Integer({ minimum: 125, maximum: 2000, description: 'MiB/s, gp3 only' })),
  encrypted: Type.Boolean({ default: false }),
  kmsKeyId: Type.Optional({ ...KmsKey, description: 'the KMS key that encrypts the volume; AWS\'s default EBS key when left out' }),
  name: Type.Optional(Type.String({ pattern: '^/dev/[a-z0-9]+$', description: 'the root device; the AMI\'s when left out' })),
}, { additionalProperties: false, description: 'the root volume (its size is diskSize); any of these makes eksflow give a managed group a launch template' });

export const LaunchTemplateRef = Type.Object({
  id: Type.Optional(LaunchTemplateId),
  name: Type.Optional(Type.String({ minLength: 3, maxLength: 128, pattern: '^[a-zA-Z0-9().\\-/_]+$' })),
  version: Type.Optional(Type.String({ pattern: '^([1-9][0-9]{0,9}|\\$Latest|\\$Default)$', description: 'the template\'s default version when left out' })),
}, { additionalProperties: false, description: 'an existing EC2 launch template for a managed group (id or name), which eksflow never changes nor deletes' });

export const InstanceMetadata = Type.Object({
  httpTokens: literals(['required', 'optional'] as const, { default: 'required', description: 'required = IMDSv2 only (eksctl\'s default; disableIMDSv1: false makes it optional)' }),
  httpPutResponseHopLimit: Type.Integer({ minimum: 1, maximum: 64, default: 2, description: '2 lets pods reach IMDS through the node' }),
}, { additionalProperties: false });

export const CustomAmi = Type.Object({
  id: AmiId,
  // AmazonLinux2 and Ubuntu only as AMIs of your own: EKS publishes no AL2 AMIs past Kubernetes 1.32.
  family: literals(['AmazonLinux2023', 'Bottlerocket', 'WindowsServer2019', 'WindowsServer2022', 'WindowsServer2025', 'AmazonLinux2', 'Ubuntu'] as const, {
    description: 'how its nodes bootstrap: nodeadm (AmazonLinux2023), Bottlerocket settings, the Windows bootstrap script, or /etc/eks/bootstrap.sh (AmazonLinux2, Ubuntu)',
  }),
  overrideBootstrapCommand: Type.Optional(Type.String({ minLength: 1, maxLength: 16384, description: 'run instead of eksflow\'s bootstrap' })),
}, { additionalProperties: false, description: 'an AMI of your own (managed groups get it through a launch template, amiType CUSTOM)' });

// EKS NodeRepairConfig (CreateNodegroup): a threshold and a parallelism, each as a count or a percentage.
export const NodeRepair = Type.Object({
  enabled: Type.Boolean({ default: true }),
  maxUnhealthyNodeThresholdCount: Type.Optional(Type.Integer({ minimum: 1 })),
  maxUnhealthyNodeThresholdPercentage: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  maxParallelNodesRepairedCount: Type.Optional(Type.Integer({ minimum: 1 })),
  maxParallelNodesRepairedPercentage: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  overrides: Type.Optional(Type.Array(Type.Object({
    nodeMonitoringCondition: Type.String({ minLength: 1, maxLength: 128 }),
    nodeUnhealthyReason: Type.String({ minLength: 1, maxLength: 128 }),
    minRepairWaitTimeMins: Type.Integer({ minimum: 1, maximum: 10080 }),
    repairAction: literals(['Replace', 'Reboot', 'NoAction'] as const, { description: 'EKS RepairAction' }),
  }, { additionalProperties: false }), { maxItems: 20 })),
}, { additionalProperties: false, description: 'EKS node auto repair (managed groups): unhealthy nodes are replaced or rebooted' });

export const UpdateConfig = Type.Object({
  maxUnavailable: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  maxUnavailablePercentage: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
}, { additionalProperties: false, description: 'how many nodes an update may take down at once: one of the two (EKS\'s default is 1 node)' });

export const NodeIam = Type.Object({
  attachPolicyArns: Type.Optional(Type.Array(PolicyArn, { maxItems: 10, uniqueItems: true })),
  withAddonPolicies: Type.Optional(Type.Array(literals(['imageBuilder', 'autoScaler', 'externalDNS', 'certManager', 'appMesh', 'appMeshPreview', 'ebs', 'fsx', 'efs', 'awsLoadBalancerController', 'xRay', 'cloudWatch'] as const), {
    uniqueItems: true, description: 'eksctl\'s add-on policies, granted to this group\'s nodes (eksflow gives the add-ons it installs their own IRSA roles)',
  })),
  permissionsBoundary: Type.Optional(PolicyArn),
}, { additionalProperties: false, description: 'policies for this group\'s nodes beyond the worker, CNI and ECR ones; the group then gets a node role of its own' });

export const Ssh = Type.Object({
  publicKey: Type.Optional(Type.String({ pattern: '^(ssh-(rsa|ed25519)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$', description: 'an OpenSSH public key (the CLI reads publicKeyPath on your machine and sends it here)' })),
  keyName: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'an existing EC2 key pair' })),
  allow: Type.Boolean({ default: true, description: 'open port 22 (as eksctl does): to sourceSecurityGroupIds, else to the VPC for private nodes or to anywhere (IPv4 and IPv6) for public ones; false installs the key only' }),
  sourceSecurityGroupIds: Type.Optional(Type.Array(SecurityGroupId, { maxItems: 5, uniqueItems: true })),
  enableSsm: Type.Optional(Type.Boolean({ description: 'SSM Session Manager access (the node role gets AmazonSSMManagedInstanceCore)' })),
}, { additionalProperties: false });

export const InstanceSelector = Type.Object({
  vCpus: Type.Optional(Type.Integer({ minimum: 1, maximum: 448 })),
  memoryGiB: Type.Optional(Type.Number({ minimum: 0.5, maximum: 24576 })),
  gpus: Type.Optional(Type.Integer({ minimum: 0, maximum: 16 })),
  cpuArchitecture: literals(['x86_64', 'arm64'] as const, { default: 'x86_64' }),
}, { additionalProperties: false, description: 'instance types chosen from their attributes (EC2 GetInstanceTypesFromInstanceRequirements) when the group is made' });

export const InstancesDistribution = Type.Object({
  maxPrice: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  onDemandBaseCapacity: Type.Integer({ minimum: 0, default: 0 }),
  onDemandPercentageAboveBaseCapacity: Type.Integer({ minimum: 0, maximum: 100, default: 100 }),
  spotInstancePools: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
  spotAllocationStrategy: Type.Optional(literals(['lowest-price', 'capacity-optimized', 'capacity-optimized-prioritized', 'price-capacity-optimized'] as const)),
  capacityRebalance: Type.Optional(Type.Boolean()),
}, { additionalProperties: false, description: 'mixed on-demand and spot instances (an Auto Scaling mixed instances policy); self-managed groups only' });

export const AsgMetricsCollection = Type.Array(Type.Object({
  granularity: Type.Literal('1Minute'),
  metrics: Type.Optional(Type.Array(Type.String({ pattern: '^(Group|Warm)[A-Za-z]+$' }), { uniqueItems: true, description: 'all group metrics when left out' })),
}, { additionalProperties: false }), { maxItems: 1 });

/** The settings shared by both kinds, each optional (what a group leaves out is what EKS or eksctl would do). */
export const nodeGroupSettings = {
  // Both optional without a default, so specs written before them parse (and plan, and replay) as before.
  kind: Type.Optional(literals(nodeGroupKinds, { description: 'managed (EKS node group, when left out) or self-managed (launch template and Auto Scaling group eksflow makes)' })),
  privateNetworking: Type.Optional(Type.Boolean({ description: 'nodes in the private subnets (no public IPs), when left out; false puts them in the public subnets, as eksctl does by default' })),
  availabilityZones: Type.Optional(Type.Array(Zone, { minItems: 1, maxItems: 6, uniqueItems: true, description: 'only the environment\'s subnets in these zones' })),
  subnetIds: Type.Optional(Type.Array(SubnetId, { minItems: 1, maxItems: 16, uniqueItems: true, description: 'exactly these subnets (of the environment\'s VPC)' })),
  localZones: Type.Optional(Type.Array(LocalZoneName, { minItems: 1, maxItems: 8, uniqueItems: true, description: 'a self-managed group in the subnets eksflow makes in these of network.vpc.localZones (public ones unless privateNetworking)' })),
  subnetLookups: Type.Optional(Type.Array(SubnetReference, { minItems: 1, maxItems: 16, description: 'these of network.subnetLookups too, as found (with subnetIds, if any)' })),
  tags: Type.Optional(Tags),
  propagateAsgTags: Type.Optional(Type.Boolean({ description: 'also tag the Auto Scaling group with cluster-autoscaler node-template tags for the labels and taints, so it can scale from zero' })),
  volume: Type.Optional(Volume),
  launchTemplate: Type.Optional(LaunchTemplateRef),
  ami: Type.Optional(CustomAmi),
  preBootstrapCommands: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 50, description: 'shell (PowerShell on Windows) run before the node joins' })),
  maxPodsPerNode: Type.Optional(Type.Integer({ minimum: 1, maximum: 737 })),
  securityGroupIds: Type.Optional(Type.Array(SecurityGroupId, { maxItems: 5, uniqueItems: true, description: 'attached to the nodes beside the cluster security group' })),
  instanceMetadata: Type.Optional(InstanceMetadata),
  updateConfig: Type.Optional(UpdateConfig),
  nodeRepair: Type.Optional(NodeRepair),
  iam: Type.Optional(NodeIam),
  ssh: Type.Optional(Ssh),
  instanceSelector: Type.Optional(InstanceSelector),
  instancesDistribution: Type.Optional(InstancesDistribution),
  targetGroupArns: Type.Optional(Type.Array(Type.String({ pattern: '^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{11,12}:targetgroup/[A-Za-z0-9-]+/[0-9a-f]+$' }), { maxItems: 10, uniqueItems: true })),
  classicLoadBalancerNames: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9-]{1,32}$' }), { maxItems: 10, uniqueItems: true })),
  asgMetricsCollection: Type.Optional(AsgMetricsCollection),
  bottlerocket: Type.Optional(Type.Object({
    enableAdminContainer: Type.Optional(Type.Boolean()),
    settings: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z0-9-]+$' }), Type.Unknown(), { description: 'Bottlerocket settings (TOML) merged under [settings]' })),
  }, { additionalProperties: false })),
} as const;

/** Settings only an Auto Scaling group eksflow makes can take: a managed group refuses them with this reason. */
export const selfManagedOnly: Readonly<Record<string, string>> = {
  instancesDistribution: 'mixed on-demand and spot instances need a self-managed group (kind: self-managed); a managed group takes capacityType SPOT',
  targetGroupArns: 'attaching target groups needs a self-managed group (kind: self-managed)',
  classicLoadBalancerNames: 'attaching Classic Load Balancers needs a self-managed group (kind: self-managed)',
  asgMetricsCollection: 'Auto Scaling group metrics need a self-managed group (kind: self-managed)',
  propagateAsgTags: 'EKS tags a managed group\'s Auto Scaling group itself; propagateAsgTags needs a self-managed group (kind: self-managed)',
};

/** Settings a self-managed group cannot take (EKS features of managed groups), with the reason. */
export const managedOnly: Readonly<Record<string, string>> = {
  launchTemplate: 'a self-managed group uses the launch template eksflow makes for it; an existing template is for managed groups',
  updateConfig: 'updateConfig is how EKS rolls a managed group; a self-managed group is replaced node by node by eksflow',
  nodeRepair: 'node auto repair is an EKS managed node group feature',
};
