import { isScalar, parseAllDocuments } from 'yaml';
import { accessConfigPaths, accessConfigRefusals, translateAccessConfig } from './eksctl-access-config';
import { coreAddonNames, isCoreAddon, type CoreAddonName } from './eks-addons';
import { controlPlaneLogTypes, defaultKubernetesVersion, parseEnvironmentSpec, supportedKubernetesVersions, type ParseResult, type SpecError } from './environment-spec';
import { translateIamBoundaries, translateWorkloadIdentity, workloadIdentityInConfigTerms, workloadIdentityRefusals, workloadIdentitySupportedPaths } from './eksctl-workload-identity';
import { nodeGroupPaths, nodeGroupRefusals, translateNodeGroup, type NodeGroupSource } from './eksctl-node-groups';
import { defined, isFields, pointerSegment, quote, type Fields } from './eksctl-values';
import { clusterSettingPaths, clusterSettingRefusals, translateClusterSettings } from './eksctl-cluster-settings';
import { translateIpFamily } from './eksctl-ipv6';
import { eksctlFieldNames, nearest } from './eksctl-fields';
import { subnetLookupOf, type SubnetAlias } from './eksctl-subnets';
import { capabilityPaths, capabilityRefusals, translateCapabilities } from './eksctl-capabilities';
import { karpenterVersionOutcome } from './eksctl-karpenter-version';

/**
 * Reads an eksctl ClusterConfig (eksctl.io/v1alpha5) as an EnvironmentSpec, so a team can bring
 * the file it already has. What eksflow would not honour is refused by path, never dropped: a
 * config that translates cleanly builds what eksctl would have built.
 */


// The parts of a ClusterConfig eksflow reads. `*` is any list index or map key. A listed path is
// read whole (so any keys under /metadata/tags are fine); anything off these paths is refused.
const supportedPaths = [
  '/apiVersion', '/kind',
  '/metadata/name', '/metadata/region', '/metadata/version', '/metadata/tags',
  '/availabilityZones', '/localZones',
  '/iam/withOIDC',
  '/vpc/id', '/vpc/cidr', '/vpc/nat/gateway', '/vpc/securityGroup',
  ...['private', 'public'].flatMap((kind) => ['id', 'cidr', 'az'].map((field) => `/vpc/subnets/${kind}/*/${field}`)),
  ...nodeGroupPaths,
  '/fargateProfiles/*/name', '/fargateProfiles/*/selectors/*/namespace', '/fargateProfiles/*/selectors/*/labels', '/fargateProfiles/*/tags',
  '/cloudWatch/clusterLogging/enableTypes',
  '/addons/*/name',
  ...accessConfigPaths,
  // Read for the core add-ons (translateAddons refuses them, by path, for the others).
  ...['version', 'configurationValues', 'serviceAccountRoleARN', 'attachPolicyARNs', 'attachPolicy', 'wellKnownPolicies', 'resolveConflicts', 'tags'].map((field) => `/addons/*/${field}`),
  ...workloadIdentitySupportedPaths,
  ...clusterSettingPaths,
  ...capabilityPaths,
];

const notBuilt = (what: string) => `${what} is not offered by eksflow yet; remove it`;

// Why eksctl settings eksflow does not build are refused, each with the way out. A `*` entry
// refuses each key of that mapping, so the path names the exact setting.
const refusals: Record<string, string> = {
  '/addons/*/podIdentityAssociations': 'pod identity associations for add-ons are not offered yet: bind the add-on\'s role through IRSA with attachPolicyARNs, wellKnownPolicies or serviceAccountRoleARN',
  '/addons/*/useDefaultPodIdentityAssociations': 'pod identity associations for add-ons are not offered yet: bind the add-on\'s role through IRSA with attachPolicyARNs, wellKnownPolicies or serviceAccountRoleARN',
  '/addonsConfig': 'eksflow decides add-on defaults itself (it installs the core add-ons it lists in eksAddons); remove addonsConfig',
  '/gitops': 'GitOps bootstrapping (Flux) needs your git provider\'s credentials, which eksflow does not hold; bootstrap Flux after the environment is ready (flux bootstrap github …), and remove gitops',
  ...workloadIdentityRefusals,
  '/iam/serviceRoleARN': 'eksflow makes the cluster IAM role (<name>-cluster) itself, so its trust and ownership are known; remove serviceRoleARN',
  '/iam/fargatePodExecutionRoleARN': 'eksflow makes the Fargate pod execution role (<name>-fargate) itself; remove fargatePodExecutionRoleARN',
  '/iam/vpcResourceControllerPolicy': 'eksflow always attaches AmazonEKSVPCResourceController to the cluster role; remove vpcResourceControllerPolicy',
  '/privateCluster': 'fully private clusters (no outbound internet, VPC endpoints for every AWS API) are not offered yet; use vpc.clusterEndpoints with privateAccess and nodes with privateNetworking',
  '/outpost': 'AWS Outposts (EKS local clusters) are not supported: eksflow builds clusters in AWS Regions',
  '/vpc/sharedNodeSecurityGroup': 'eksflow uses the cluster security group EKS makes for nodes; remove sharedNodeSecurityGroup',
  '/vpc/manageSharedNodeSecurityGroupRules': 'eksflow uses the cluster security group EKS makes for nodes; remove manageSharedNodeSecurityGroupRules',
  '/vpc/extraCIDRs': notBuilt('secondary VPC CIDR blocks'),
  '/vpc/extraIPv6CIDRs': notBuilt('secondary VPC IPv6 CIDR blocks'),
  '/vpc/ipv6Cidr': 'an IPv6 block of your own (BYOIP) is not offered: autoAllocateIPv6 gives the VPC an Amazon-provided block',
  '/vpc/ipv6Pool': 'an IPv6 block of your own (BYOIP) is not offered: autoAllocateIPv6 gives the VPC an Amazon-provided block',
  '/vpc/subnets/private/*/cidrBlock': 'eksctl names it cidr; give id (and cidr as a check)',
  '/fargateProfiles/*/subnets': 'Fargate profiles use the environment\'s private subnets; remove subnets',
  '/fargateProfiles/*/podExecutionRoleARN': 'eksflow makes the Fargate pod execution role (<name>-fargate) itself; remove podExecutionRoleARN',
  '/fargateProfiles/*/status': 'is status eksctl reports, not a setting; remove it',
  '/metadata/annotations': 'annotations configure eksctl itself; eksflow has no use for them: remove them',
  '/metadata/accountID': 'eksflow uses the account of the credentials it runs with; remove accountID',
  '/status': 'is status eksctl writes, not a setting; remove it',
  ...nodeGroupRefusals,
  ...accessConfigRefusals,
  ...clusterSettingRefusals,
  ...capabilityRefusals,
};

const natGateways = new Map([['Single', 'single'], ['HighlyAvailable', 'perAz'], ['Disable', 'none']]);
// eksctl's VPC when the ClusterConfig leaves it out (pkg/apis/eksctl.io/v1alpha5/vpc.go DefaultCIDR;
// pkg/az: three zones where the region has them).
export const eksctlVpcDefaults = { cidr: '192.168.0.0/16', zones: 3 };
// Regions with fewer than three zones a new account may use (eksctl pkg/az: it then takes two).
const twoZoneRegions: ReadonlySet<string> = new Set(['us-west-1', 'ca-west-1', 'ap-northeast-3']);

/**
 * Translates a ClusterConfig, given as YAML text or as an already-parsed object, and validates
 * the result as any EnvironmentSpec is. Every problem is reported at its ClusterConfig path.
 */
export interface TranslateOptions {
  /**
   * The Kubernetes version to build instead of metadata.version: the way out for a config
   * written for a version EKS no longer supports (`eksflow plan -f cluster.yaml --kubernetes-version 1.33`).
   */
  kubernetesVersion?: string;
}

export function translateClusterConfig(input: unknown, options: TranslateOptions = {}): ParseResult {
  const read = typeof input === 'string' ? readYaml(input) : { config: input };
  if ('errors' in read) return { ok: false, errors: read.errors };
  const { config } = read;
  if (!isFields(config)) return { ok: false, errors: [{ path: '', message: 'a ClusterConfig must be a mapping (an object)' }] };

  const { spec, origins, errors: translationErrors, warnings } = translate(config, options);
  const refused = [...headerErrors(config), ...unsupportedFields(config, fieldTree, ''), ...translationErrors];
  const result = parseEnvironmentSpec(spec);
  // What the translation changed from what was written, said without refusing it (the plan shows it).
  if (result.ok && refused.length === 0) return warnings.length > 0 ? { ...result, warnings } : result;
  // A refusal from the translation already says what is wrong there, more precisely.
  const covered = (path: string) => refused.some((error) => path === error.path || path.startsWith(`${error.path}/`));
  const validation = result.ok ? [] : result.errors.map((error) => inConfigTerms(error, spec, origins)).filter((error) => !covered(error.path));
  const seen = new Set<string>();
  const errors = [...refused, ...validation].filter((error) => {
    const key = `${error.path}\n${error.message}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
  return { ok: false, errors };
}

function readYaml(text: string): { config: unknown } | { errors: SpecError[] } {
  const refuse = (message: string) => ({ errors: [{ path: '', message }] });
  // YAML 1.1 merge keys (<<: *defaults) are common in hand-written configs, and eksctl's YAML library reads them.
  const parsed = parseAllDocuments(text, { merge: true });
  const documents = Array.isArray(parsed) ? parsed : [parsed];
  const problems = documents.flatMap((document) => document.errors);
  // The YAML library's messages end with a quoted excerpt; its first line has the reason and position.
  if (problems.length > 0) return { errors: problems.map((problem) => ({ path: '', message: `not valid YAML: ${problem.message.split('\n')[0]?.replace(/:$/, '')}` })) };
  // A document with nothing in it (a trailing `---`, or comments only) holds no config.
  const held = documents.filter((document) => document.contents !== null && !(isScalar(document.contents) && document.contents.value === null));
  const document = held[0];
  if (!document || held.length !== 1) return refuse(`expected one YAML document holding a ClusterConfig, found ${held.length}`);
  let config: unknown;
  try {
    config = document.toJS();
  } catch (error) {
    return refuse(`not valid YAML: ${(error as Error).message}`); // e.g. too many aliases
  }
  // YAML reads `version: 1.30` as the number 1.3, and eksctl's own examples leave it unquoted:
  // keep the digits as written.
  if (isFields(config) && isFields(config.metadata)) {
    const version = document.getIn(['metadata', 'version'], true);
    if (isScalar(version) && typeof version.value === 'number' && version.source) config.metadata.version = version.source;
  }
  return { config };
}

function headerErrors(config: Fields): SpecError[] {
  const expect = (field: 'apiVersion' | 'kind', wanted: string): SpecError[] =>
    config[field] === wanted ? [] : [{ path: `/${field}`, message: config[field] === undefined ? `is missing; expected ${wanted}` : `must be ${wanted}, not ${JSON.stringify(config[field])}` }];
  return [...expect('apiVersion', 'eksctl.io/v1alpha5'), ...expect('kind', 'ClusterConfig')];
}

interface FieldNode { children: Map<string, FieldNode>; supported?: boolean; refusal?: string }

function buildFieldTree(): FieldNode {
  const root: FieldNode = { children: new Map() };
  const add = (pattern: string, leaf: Partial<FieldNode>) => {
    let node = root;
    for (const segment of pattern.split('/').slice(1)) {
      let child = node.children.get(segment);
      if (!child) node.children.set(segment, child = { children: new Map() });
      node = child;
    }
    Object.assign(node, leaf);
  };
  supportedPaths.forEach((pattern) => add(pattern, { supported: true }));
  Object.entries(refusals).forEach(([pattern, refusal]) => add(pattern, { refusal }));
  return root;
}
const fieldTree = buildFieldTree();
const hasSupported = (node: FieldNode): boolean => node.supported === true || [...node.children.values()].some(hasSupported);

function unsupportedFields(value: unknown, node: FieldNode, path: string, pattern = ''): SpecError[] {
  if (node.supported) return [];
  if (node.refusal !== undefined) return [{ path, message: node.refusal }];
  const any = node.children.get('*');
  const isList = Array.isArray(value);
  if (typeof value !== 'object' || value === null || (isList && !any)) {
    // The translation reports a wrong shape where it reads; elsewhere a stray value is refused here.
    return value === null || value === undefined || hasSupported(node) ? [] : [{ path, message: any?.refusal ?? unknownField(path, pattern) }];
  }
  const entries = isList ? value.map((item, i) => [String(i), item] as const) : Object.entries(value);
  return entries.flatMap(([key, child]) => {
    const named = isList ? undefined : node.children.get(key);
    const childNode = named ?? any;
    const childPath = `${path}/${pointerSegment(key)}`;
    const childPattern = `${pattern}/${named ? pointerSegment(key) : '*'}`;
    if (childNode) return unsupportedFields(child, childNode, childPath, childPattern);
    return [{ path: childPath, message: unknownField(childPath, pattern, key, node) }];
  });
}

/**
 * Why a key is refused when no rule names it: an eksctl setting eksflow does not read, or no
 * ClusterConfig field at all (a typo: the nearest known name is suggested).
 */
function unknownField(path: string, parentPattern: string, key?: string, parent?: FieldNode): string {
  const known = eksctlFieldNames[parentPattern];
  if (key === undefined) return `is an eksctl setting eksflow does not build; remove it (${path})`;
  if (known?.includes(key)) return `is an eksctl setting eksflow does not build yet; remove it`;
  const candidates = [...(known ?? []), ...(parent ? [...parent.children.keys()] : [])];
  const guess = nearest(key, candidates);
  const where = parentPattern === '' ? 'a ClusterConfig field' : `a field of ${parentPattern.replace(/^\//, '')}`;
  return guess ? `is not ${where}: did you mean ${guess}?` : `is not ${where}${known ? ` (eksctl has ${known.join(', ')})` : ''}; remove it`;
}

interface Translation { spec: Fields; origins: Map<string, string>; errors: SpecError[]; warnings: SpecError[] }

function translate(config: Fields, options: TranslateOptions): Translation {
  const spec: Fields = {};
  const origins = new Map<string, string>(); // spec path → the ClusterConfig path it came from
  const errors: SpecError[] = [];
  const fail = (path: string, message: string) => { errors.push({ path, message }); };
  const trace = (target: string, origin: string) => { origins.set(target, origin); };
  const put = (target: string, value: unknown, origin: string) => {
    trace(target, origin);
    if (value !== undefined) setAt(spec, target, value);
  };
  const shaped = <T>(value: unknown, path: string, test: (v: unknown) => v is T, what: string): T | undefined => {
    if (value === undefined || value === null) return undefined;
    if (test(value)) return value;
    fail(path, `must be ${what}`);
    return undefined;
  };
  const mapping = (value: unknown, path: string) => shaped(value, path, isFields, 'a mapping');
  const list = (value: unknown, path: string) => shaped(value, path, Array.isArray, 'a list');
  const flag = (value: unknown, path: string) => shaped(value, path, (v): v is boolean => typeof v === 'boolean', 'true or false');
  const warnings: SpecError[] = [];
  const warn = (path: string, message: string) => { warnings.push({ path, message }); };
  const read: Readers = { put, trace, fail, warn, mapping, list, flag };

  const metadata = mapping(config.metadata, '/metadata') ?? {};
  put('/name', metadata.name, '/metadata/name');
  put('/region', metadata.region, '/metadata/region');
  // Unquoted in an already-parsed object, 1.30 arrives as 1.3; EKS has no one-digit minor versions.
  const version = options.kubernetesVersion ?? (typeof metadata.version === 'number' ? metadata.version.toFixed(2) : metadata.version);
  put('/kubernetesVersion', version, '/metadata/version');
  const eol = endOfLife(version);
  if (eol) fail('/metadata/version', eol);
  put('/tags', metadata.tags, '/metadata/tags');

  const iam = mapping(config.iam, '/iam');
  if (flag(iam?.withOIDC, '/iam/withOIDC') === false) {
    fail('/iam/withOIDC', 'eksflow always associates an IAM OIDC provider with the cluster (add-ons use IRSA); remove withOIDC or set it to true');
  }

  const subnetAliases = translateNetwork(config, read);
  // Managed groups first, then self-managed ones, each traced to where it was written.
  put('/nodeGroups', [], '/managedNodeGroups');
  let next = 0;
  for (const source of ['managedNodeGroups', 'nodeGroups'] as NodeGroupSource[]) {
    (list(config[source], `/${source}`) ?? []).forEach((group, i) => {
      const at = `/${source}/${i}`;
      const to = `/nodeGroups/${next++}`;
      if (isFields(group)) return translateNodeGroup(group, source, at, to, subnetAliases, read);
      fail(at, 'must be a mapping');
      put(to, group, at); // keeps later groups at their own index
    });
  }
  natForPrivateNodes(config, spec, read);

  // A Fargate profile has the same shape and paths in both: copy the supported parts.
  put('/fargateProfiles', [], '/fargateProfiles');
  (list(config.fargateProfiles, '/fargateProfiles') ?? []).forEach((profile, i) => {
    const at = `/fargateProfiles/${i}`;
    if (!isFields(profile)) {
      fail(at, 'must be a mapping');
      return put(at, profile, at);
    }
    const selectors = list(profile.selectors, `${at}/selectors`)?.map((selector, j) => {
      if (isFields(selector)) return defined({ namespace: selector.namespace, labels: selector.labels });
      fail(`${at}/selectors/${j}`, 'must be a mapping');
      return selector;
    });
    put(at, defined({ name: profile.name, selectors, tags: profile.tags }), at);
  });

  translateAddons(config, read);
  // accessConfig first: iamIdentityMappings (in the cluster settings) add to the access it makes.
  translateAccessConfig(config, read);
  translateClusterSettings(config, read);
  translateIpFamily(config, read);
  translateCapabilities(config, read);
  const karpenterAsked = isFields(config.karpenter) && config.karpenter.version !== undefined ? String(config.karpenter.version) : undefined;
  const karpenterVersion = karpenterVersionOutcome(karpenterAsked, version ?? defaultKubernetesVersion);
  if (karpenterVersion.outcome === 'refused') fail('/karpenter/version', karpenterVersion.message!);
  if (karpenterVersion.outcome === 'replaced') warnings.push({ path: '/karpenter/version', message: karpenterVersion.message! });
  translateWorkloadIdentity(config, read);
  translateIamBoundaries(config, read);

  const logging = mapping(mapping(config.cloudWatch, '/cloudWatch')?.clusterLogging, '/cloudWatch/clusterLogging');
  const enableTypes = list(logging?.enableTypes, '/cloudWatch/clusterLogging/enableTypes');
  if (enableTypes) {
    const all = enableTypes.some((type) => type === '*' || type === 'all');
    enableTypes.forEach((type, j) => {
      if (!all && !(controlPlaneLogTypes as readonly unknown[]).includes(type)) {
        fail(`/cloudWatch/clusterLogging/enableTypes/${j}`, `must be one of ${controlPlaneLogTypes.join(', ')}, or "*" for all of them`);
      }
    });
    put('/controlPlaneLogging', all ? [...controlPlaneLogTypes] : enableTypes, '/cloudWatch/clusterLogging/enableTypes');
  }
  return { spec, origins, errors, warnings };
}

// EKS add-ons eksctl names that eksflow installs from its add-on catalog, as the same EKS add-on.
const catalogAddons: Record<string, { addon: string; options: Fields }> = {
  'metrics-server': { addon: 'metrics-server', options: { method: 'eks-addon' } },
  'amazon-cloudwatch-observability': { addon: 'cloudwatch', options: { mode: 'observability', method: 'eks-addon' } },
};
// Why a catalog add-on's eksctl field is refused: the catalog decides it.
const catalogAddonFields: Record<string, string> = {
  version: 'eksflow pins this add-on\'s version per Kubernetes version; remove version',
  configurationValues: 'this add-on\'s configuration comes from eksflow\'s catalog; it is not configurable per environment',
  serviceAccountRoleARN: 'eksflow makes this add-on\'s IRSA role itself',
  attachPolicyARNs: 'eksflow gives this add-on the permissions its catalog entry names',
  attachPolicy: 'eksflow gives this add-on the permissions its catalog entry names',
  wellKnownPolicies: 'eksflow gives this add-on the permissions its catalog entry names',
  resolveConflicts: 'eksflow always takes over what a self-managed install left (OVERWRITE)',
  tags: 'this add-on carries the environment\'s tags',
};
// eksctl's resolveConflicts (pkg/apis/eksctl.io/v1alpha5/addon.go: none, overwrite, preserve) as CreateAddon takes it.
const resolveConflicts = new Map([['none', 'NONE'], ['overwrite', 'OVERWRITE']]);

/**
 * eksctl `addons` entries: the core EKS add-ons (vpc-cni, coredns, kube-proxy,
 * aws-ebs-csi-driver, eks-pod-identity-agent) become `eksAddons` with their version (`latest`
 * too), configurationValues, role (serviceAccountRoleARN, or attachPolicyARNs /
 * wellKnownPolicies.ebsCSIController for a role eksflow makes), resolveConflicts and tags;
 * metrics-server and amazon-cloudwatch-observability are the catalog's EKS add-ons.
 */
function translateAddons(config: Fields, { put, fail, mapping, list }: Readers) {
  put('/addons', {}, '/addons');
  (list(config.addons, '/addons') ?? []).forEach((item, i) => {
    const at = `/addons/${i}`;
    const entry = mapping(item, at);
    const name = entry?.name;
    if (typeof name !== 'string') return fail(`${at}/name`, 'must name an EKS add-on');
    const catalog = catalogAddons[name];
    if (catalog) {
      for (const [field, reason] of Object.entries(catalogAddonFields)) if (entry![field] !== undefined) fail(`${at}/${field}`, reason);
      return put(`/addons/${catalog.addon}`, catalog.options, `${at}/name`);
    }
    if (!isCoreAddon(name)) {
      return fail(`${at}/name`, `${name} is not an add-on eksflow installs; as EKS add-ons it offers ${[...coreAddonNames, ...Object.keys(catalogAddons)].join(', ')}, and more as environment add-ons`);
    }
    translateCoreAddon(name, entry!, at, { put, fail, mapping, list } as Readers);
  });
}

function translateCoreAddon(name: CoreAddonName, entry: Fields, at: string, { put, fail, mapping }: Readers) {
  const to = `/eksAddons/${name}`;
  put(to, {}, `${at}/name`);
  put(`${to}/version`, entry.version, `${at}/version`);
  put(`${to}/configurationValues`, entry.configurationValues, `${at}/configurationValues`);
  put(`${to}/serviceAccountRoleArn`, entry.serviceAccountRoleARN, `${at}/serviceAccountRoleARN`);
  put(`${to}/managedPolicyArns`, entry.attachPolicyARNs, `${at}/attachPolicyARNs`);
  // An inline document on the add-on's IRSA role, as eksctl puts it there (pkg/actions/addon: attachPolicy).
  put(`${to}/inlinePolicy`, entry.attachPolicy, `${at}/attachPolicy`);
  put(`${to}/tags`, entry.tags, `${at}/tags`);
  for (const [policy, wanted] of Object.entries(mapping(entry.wellKnownPolicies, `${at}/wellKnownPolicies`) ?? {})) {
    // ebsCSIController is the role eksflow gives the EBS CSI driver anyway (AmazonEBSCSIDriverPolicy, IRSA).
    if (policy === 'ebsCSIController' && name === 'aws-ebs-csi-driver') continue;
    if (wanted === false) continue;
    fail(`${at}/wellKnownPolicies/${pointerSegment(policy)}`, name === 'aws-ebs-csi-driver'
      ? 'only ebsCSIController applies to aws-ebs-csi-driver'
      : `well-known policies are not supported for ${name}: give managed policies in attachPolicyARNs`);
  }
  if (entry.resolveConflicts !== undefined) {
    const given = String(entry.resolveConflicts).toLowerCase();
    const mapped = resolveConflicts.get(given);
    if (mapped) put(`${to}/resolveConflicts`, mapped, `${at}/resolveConflicts`);
    else fail(`${at}/resolveConflicts`, given === 'preserve' ? 'EKS takes preserve only when updating an add-on; eksflow creates it: use none or overwrite' : 'must be none or overwrite');
  }
}

export interface Readers {
  put: (target: string, value: unknown, origin: string) => void;
  /** Records where a spec path came from when its value is put as part of a larger one. */
  trace: (target: string, origin: string) => void;
  fail: (path: string, message: string) => void;
  /** Accepted, but changed or left out on the way: said in the plan's warnings, at the ClusterConfig's path. */
  warn: (path: string, message: string) => void;
  mapping: (value: unknown, path: string) => Fields | undefined;
  list: (value: unknown, path: string) => unknown[] | undefined;
  flag: (value: unknown, path: string) => boolean | undefined;
}

function translateNetwork(config: Fields, { put, trace, fail, mapping, list, flag }: Readers): Map<string, SubnetAlias> {
  const aliases = new Map<string, SubnetAlias>();
  const vpc = mapping(config.vpc, '/vpc') ?? {};
  const subnets = mapping(vpc.subnets, '/vpc/subnets');
  put('/network', {}, '/vpc');
  const controlPlaneSubnets = list(vpc.controlPlaneSubnetIDs, '/vpc/controlPlaneSubnetIDs');
  if (controlPlaneSubnets) put('/network/controlPlaneSubnetIds', controlPlaneSubnets, '/vpc/controlPlaneSubnetIDs');
  const securityGroups = [
    ...(vpc.securityGroup === undefined ? [] : [['/vpc/securityGroup', vpc.securityGroup] as const]),
    ...(list(vpc.controlPlaneSecurityGroupIDs, '/vpc/controlPlaneSecurityGroupIDs') ?? []).map((id, i) => [`/vpc/controlPlaneSecurityGroupIDs/${i}`, id] as const),
  ];
  if (subnets) {
    if (securityGroups.length > 0) {
      put('/network/securityGroupIds', securityGroups.map(([, id]) => id), securityGroups[0]![0]);
      securityGroups.forEach(([origin], i) => trace(`/network/securityGroupIds/${i}`, origin));
    }
    const ids: [string, unknown][] = [];
    const lookups: ReturnType<typeof subnetLookupOf>[] = [];
    const publicIds: unknown[] = [];
    for (const kind of ['private', 'public']) {
      for (const [key, subnet] of Object.entries(mapping(subnets[kind], `/vpc/subnets/${kind}`) ?? {})) {
        const at = `/vpc/subnets/${kind}/${pointerSegment(key)}`;
        const id = isFields(subnet) ? subnet.id : undefined;
        // eksctl finds a subnet given by its cidr and/or az alone (src/domain/subnet-lookups.ts).
        if (id === undefined) {
          const lookup = subnetLookupOf(key, subnet, kind === 'public', vpc.id, at, fail);
          if (lookup) {
            trace(`/network/subnetLookups/${lookups.length}`, at);
            lookups.push(lookup);
            aliases.set(key, { cidr: lookup.cidr, availabilityZone: lookup.availabilityZone });
          }
        } else {
          ids.push([`${at}/id`, id]);
          if (kind === 'public') publicIds.push(id);
          if (typeof id === 'string') aliases.set(key, id);
        }
      }
    }
    put('/network/vpcId', vpc.id, '/vpc/id');
    put('/network/subnetIds', ids.map(([, id]) => id), '/vpc/subnets');
    ids.forEach(([origin], i) => trace(`/network/subnetIds/${i}`, origin));
    if (publicIds.length > 0) put('/network/publicSubnetIds', publicIds, '/vpc/subnets/public');
    if (lookups.length > 0) put('/network/subnetLookups', lookups, '/vpc/subnets');
    // vpc.cidr and each subnet's cidr and az are eksctl's checks of what the IDs name; the
    // subnets' own VPC and zones are what eksflow uses.
    for (const field of ['nat', 'autoAllocateIPv6', 'hostnameType', 'controlPlaneOnPrivateSubnets']) {
      if (vpc[field] !== undefined) fail(`/vpc/${field}`, 'is for a VPC eksflow creates, which cannot be combined with existing vpc.subnets');
    }
    if (config.availabilityZones !== undefined) fail('/availabilityZones', 'the Availability Zones come from vpc.subnets; availabilityZones is only for a VPC eksflow creates');
    if (config.localZones !== undefined) fail('/localZones', 'eksflow makes Local Zone subnets only in a VPC it creates; give the Local Zone subnets in vpc.subnets instead, or leave vpc.subnets out');
    return aliases;
  }
  if (vpc.id !== undefined) fail('/vpc/id', 'an existing VPC needs its subnets too: give vpc.subnets (private and/or public, each with its id)');
  // The control plane's security groups in a VPC eksflow makes: they exist only once it does, so
  // they are for an apply to a live environment (eksctl utils update-cluster-vpc-config), and a
  // plan to create one refuses them with that way out (src/domain/creation-only.ts).
  if (securityGroups.length > 0) {
    put('/network/securityGroupIds', securityGroups.map(([, id]) => id), securityGroups[0]![0]);
    securityGroups.forEach(([origin], i) => trace(`/network/securityGroupIds/${i}`, origin));
  }
  const gateway = mapping(vpc.nat, '/vpc/nat')?.gateway;
  const natGateway = gateway === undefined ? undefined : natGateways.get(String(gateway));
  if (gateway !== undefined && natGateway === undefined) fail('/vpc/nat/gateway', `must be one of ${[...natGateways.keys()].join(', ')}`);
  const zones = list(config.availabilityZones, '/availabilityZones');
  const region = isFields(config.metadata) ? String(config.metadata.region) : '';
  put('/network/vpc', {}, '/vpc');
  put('/network/vpc/cidr', vpc.cidr ?? eksctlVpcDefaults.cidr, '/vpc/cidr');
  put('/network/vpc/natGateway', natGateway ?? gateway, '/vpc/nat/gateway');
  put('/network/vpc/zones', zones, '/availabilityZones');
  put('/network/vpc/localZones', list(config.localZones, '/localZones'), '/localZones');
  if (!zones) put('/network/vpc/availabilityZones', twoZoneRegions.has(region) ? 2 : eksctlVpcDefaults.zones, '/availabilityZones');
  put('/network/vpc/ipv6', flag(vpc.autoAllocateIPv6, '/vpc/autoAllocateIPv6'), '/vpc/autoAllocateIPv6');
  put('/network/vpc/hostnameType', vpc.hostnameType, '/vpc/hostnameType');
  put('/network/vpc/controlPlaneOnPrivateSubnets', flag(vpc.controlPlaneOnPrivateSubnets, '/vpc/controlPlaneOnPrivateSubnets'), '/vpc/controlPlaneOnPrivateSubnets');
  return aliases;
}

/** Nodes in private subnets of a VPC without NAT gateways have no route to EKS, ECR or the internet. */
function natForPrivateNodes(config: Fields, spec: Fields, { fail }: Readers) {
  const network = spec.network as Fields | undefined;
  const vpc = network?.vpc as Fields | undefined;
  if (vpc?.natGateway !== 'none') return;
  const groups = Array.isArray(spec.nodeGroups) ? spec.nodeGroups as Fields[] : [];
  const privateOnes = groups.filter((group) => isFields(group) && group.privateNetworking !== false).map((group) => String(group.name));
  const profiles = Array.isArray(spec.fargateProfiles) ? spec.fargateProfiles.length : 0;
  if (privateOnes.length === 0 && profiles === 0) return;
  const who = [...privateOnes.map((name) => `node group ${name}`), ...(profiles > 0 ? ['the Fargate profiles'] : [])].join(', ');
  fail('/vpc/nat/gateway', `is Disable, but ${who} run in private subnets, which then have no route out to EKS, ECR or the internet (nodes never join); VPC endpoints are not offered yet: use Single or HighlyAvailable, or put the nodes in public subnets (privateNetworking: false)`);
}

/** Why a Kubernetes version is refused as past EKS support, or undefined. */
function endOfLife(version: unknown): string | undefined {
  if (typeof version !== 'string' || !/^1\.[0-9]+$/.test(version)) return undefined;
  const [oldest] = supportedKubernetesVersions;
  const newest = supportedKubernetesVersions[supportedKubernetesVersions.length - 1];
  if (Number(version.split('.')[1]) >= Number(oldest.split('.')[1])) return undefined;
  return `Kubernetes ${version} is past the end of EKS support (EKS supports ${oldest} to ${newest}, extended support included); set metadata.version to one of them, or plan with --kubernetes-version ${oldest}`;
}

/** A validation error, moved to the ClusterConfig path its value came from and worded in eksctl's terms. */
function inConfigTerms(error: SpecError, spec: Fields, origins: Map<string, string>): SpecError {
  for (let prefix = error.path; prefix !== ''; prefix = prefix.slice(0, prefix.lastIndexOf('/'))) {
    const origin = origins.get(prefix);
    if (origin === undefined) continue;
    // Say what was read: YAML can turn what was written into something else (1.30 into 1.3).
    const value = getAt(spec, error.path);
    const mentioned = error.message.split(/[\s"(),]+/).includes(String(value));
    const shown = ['string', 'number', 'boolean'].includes(typeof value) && !mentioned ? ` (got ${quote(value)})` : '';
    const message = workloadIdentityInConfigTerms(
      error.message.replace(/\bdesiredSize\b/g, 'desiredCapacity').replace(/\bdiskSize\b/g, 'volumeSize'), origin, origins);
    // Spec paths named in the message (a duplicate's first use) are put as they were written too.
    const written = message.replace(/\/nodeGroups\/[0-9]+/g, (path) => origins.get(path) ?? path);
    return { path: origin + error.path.slice(prefix.length), message: written + shown };
  }
  return { path: '', message: `in the translated EnvironmentSpec at ${error.path}: ${error.message}` };
}




function setAt(root: Fields, pointer: string, value: unknown) {
  const keys = pointer.split('/').slice(1);
  let node = root;
  keys.slice(0, -1).forEach((key, i) => {
    node[key] ??= /^[0-9]+$/.test(keys[i + 1] ?? '') ? [] : {};
    node = node[key] as Fields;
  });
  node[keys[keys.length - 1] ?? ''] = value;
}

function getAt(root: unknown, pointer: string): unknown {
  return pointer.split('/').slice(1).map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Fields)[key] : undefined), root);
}
