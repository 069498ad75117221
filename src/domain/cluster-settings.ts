import { Type, type SchemaOptions, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { IamRoleArn } from './aws-ids';

/**
 * The EKS cluster's own settings beyond its version and logs, each a CreateCluster (or
 * AssociateIdentityProviderConfig, or KMS) parameter: API endpoint access, envelope encryption
 * of secrets, the service network, zonal shift, the support policy, the control plane's tier,
 * OIDC identity providers and EKS Auto Mode. What a spec leaves out is what EKS does.
 */

function literals<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> {
  return Type.Union(values.map((value) => Type.Literal(value)), options) as never;
}

const Cidr = Type.String({ pattern: '^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}/([0-9]|[12][0-9]|3[0-2])$', description: 'an IPv4 CIDR block' });
const RoleArn = IamRoleArn;

export const EndpointAccess = Type.Object({
  public: Type.Boolean({ default: true }),
  private: Type.Boolean({ default: false, description: 'reachable from inside the VPC' }),
  publicAccessCidrs: Type.Optional(Type.Array(Cidr, { minItems: 1, maxItems: 40, uniqueItems: true, description: 'who may reach the public endpoint; everyone (0.0.0.0/0) when left out' })),
}, { additionalProperties: false, description: 'the Kubernetes API endpoint: public, private or both' });

export const SecretsEncryption = Type.Object({
  keyArn: Type.Optional(Type.String({ pattern: '^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$', description: 'your KMS key; eksflow makes one (and schedules its deletion at teardown) when left out' })),
}, { additionalProperties: false, description: 'envelope encryption of Kubernetes Secrets with a KMS key' });

export const KubernetesNetwork = Type.Object({
  serviceIpv4Cidr: Type.Optional({ ...Cidr, description: 'the Services\' CIDR, /12 to /24 within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, not overlapping the VPC (EKS picks 10.100.0.0/16 or 172.20.0.0/16)' }),
  ipFamily: literals(['ipv4', 'ipv6'] as const, { default: 'ipv4', description: 'ipv6 needs a VPC with IPv6 (network.vpc.ipv6) and the vpc-cni, coredns and kube-proxy add-ons' }),
}, { additionalProperties: false });

export const IdentityProvider = Type.Object({
  name: Type.String({ pattern: '^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$' }),
  issuerUrl: Type.String({ pattern: '^https://[^\\s]+$', maxLength: 2048 }),
  clientId: Type.String({ minLength: 1, maxLength: 512 }),
  usernameClaim: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  usernamePrefix: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  groupsClaim: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  groupsPrefix: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  requiredClaims: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 63 }), Type.String({ maxLength: 253 }), { maxProperties: 10 })),
}, { additionalProperties: false, description: 'an OIDC identity provider whose users may authenticate to the cluster (AssociateIdentityProviderConfig)' });

export const AutoMode = Type.Object({
  nodePools: Type.Array(literals(['general-purpose', 'system'] as const), { uniqueItems: true, default: ['general-purpose', 'system'], description: 'EKS\'s built-in node pools; [] for none (add your own NodePools)' }),
  nodeRoleArn: Type.Optional({ ...RoleArn, description: 'the role of Auto Mode\'s nodes; eksflow makes <name>-node when left out' }),
}, { additionalProperties: false, description: 'EKS Auto Mode: EKS runs compute, block storage and load balancing (no Load Balancer Controller, EBS CSI driver or node groups to install)' });

/** The cluster settings, each optional, as EnvironmentSpec fields. */
export const clusterSettings = {
  endpointAccess: Type.Optional(EndpointAccess),
  secretsEncryption: Type.Optional(SecretsEncryption),
  kubernetesNetwork: Type.Optional(KubernetesNetwork),
  zonalShift: Type.Optional(Type.Boolean({ description: 'ARC zonal shift for the cluster' })),
  supportType: Type.Optional(literals(['STANDARD', 'EXTENDED'] as const, { description: 'the upgrade policy: EXTENDED keeps a version past standard support (billed)' })),
  controlPlaneTier: Type.Optional(literals(['standard', 'tier-xl', 'tier-2xl', 'tier-4xl', 'tier-8xl'] as const, { description: 'provisioned control plane capacity' })),
  controlPlaneLogRetentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3653, description: 'retention of /aws/eks/<name>/cluster; one of CloudWatch Logs\' retentions (1, 3, 5, 7, 14, 30, 60, 90, …)' })),
  identityProviders: Type.Optional(Type.Array(IdentityProvider, { maxItems: 1, description: 'EKS takes one OIDC identity provider per cluster' })),
  autoMode: Type.Optional(AutoMode),
} as const;

export type EndpointAccessSpec = Static<typeof EndpointAccess>;
export type SecretsEncryptionSpec = Static<typeof SecretsEncryption>;
export type IdentityProviderSpec = Static<typeof IdentityProvider>;
export type AutoModeSpec = Static<typeof AutoMode>;
