import { isScalar, parseAllDocuments } from 'yaml';
import { accessConfigPaths, accessConfigRefusals, translateAccessConfig } from './eksctl-access-config';
import { coreAddonNames, isCoreAddon, type CoreAddonName } from './eks-addons';
import { controlPlaneLogTypes, parseEnvironmentSpec, type ParseResult, type SpecError } from './environment-spec';
import { translateWorkloadIdentity, workloadIdentityInConfigTerms, workloadIdentityRefusals, workloadIdentitySupportedPaths } from './eksctl-workload-identity';

/**
 * Reads an eksctl ClusterConfig (eksctl.io/v1alpha5) as an EnvironmentSpec, so a team can bring
 * the file it already has. What eksflow would not honour is refused by path, never dropped: a
 * config that translates cleanly builds what eksctl would have built.
 */

type Fields = Record<string, unknown>;

// The parts of a ClusterConfig eksflow reads. `*` is any list index or map key. A listed path is
// read whole (so any keys under /metadata/tags are fine); anything off these paths is refused.
const supportedPaths = [
  '/apiVersion', '/kind',
  '/metadata/name', '/metadata/region', '/metadata/version', '/metadata/tags',
  '/availabilityZones',
  '/iam/withOIDC',
  '/vpc/cidr', '/vpc/nat/gateway', '/vpc/securityGroup', '/vpc/subnets/private/*/id', '/vpc/subnets/public/*/id',
  ...['name', 'instanceType', 'instanceTypes', 'spot', 'minSize', 'desiredCapacity', 'maxSize', 'volumeSize',
    'labels', 'taints/*/key', 'taints/*/value', 'taints/*/effect', 'ssh/allow', 'ssh/publicKey', 'amiFamily',
  ].map((field) => `/managedNodeGroups/*/${field}`),
  '/fargateProfiles/*/name', '/fargateProfiles/*/selectors/*/namespace', '/fargateProfiles/*/selectors/*/labels',
  '/cloudWatch/clusterLogging/enableTypes',
  '/addons/*/name',
  ...accessConfigPaths,
  // Read for the core add-ons (translateAddons refuses them, by path, for the others).
  ...['version', 'configurationValues', 'serviceAccountRoleARN', 'attachPolicyARNs', 'wellKnownPolicies', 'resolveConflicts', 'tags'].map((field) => `/addons/*/${field}`),
  ...workloadIdentitySupportedPaths,
];

const notSupported = 'is not supported by eksflow';
const placement = 'per-group placement is not supported: node groups and Fargate profiles use the environment\'s network';

// Why well-known eksctl settings are refused. A `*` entry refuses each key of that mapping, so
// the path names the exact setting.
const refusals: Record<string, string> = {
  '/addons/*/attachPolicy': 'inline policies for an add-on\'s role are not supported: give managed policies in attachPolicyARNs',
  '/addons/*/podIdentityAssociations': 'pod identity associations are not supported yet (workload identity, issue 15 item 4): bind the add-on\'s role through IRSA with attachPolicyARNs, wellKnownPolicies or serviceAccountRoleARN',
  '/addons/*/useDefaultPodIdentityAssociations': 'pod identity associations are not supported yet (workload identity, issue 15 item 4): bind the add-on\'s role through IRSA with attachPolicyARNs, wellKnownPolicies or serviceAccountRoleARN',
  '/addonsConfig': 'eksflow decides add-on defaults itself; remove addonsConfig',
  '/nodeGroups': 'self-managed node groups are not supported; use managedNodeGroups',
  '/autoModeConfig': 'EKS Auto Mode is not supported by eksflow; use managedNodeGroups',
  '/karpenter': 'Karpenter is not supported by eksflow yet; an EnvironmentSpec can ask for the cluster-autoscaler add-on instead',
  '/gitops': 'GitOps (Flux) bootstrapping is not supported by eksflow',
  ...workloadIdentityRefusals,
  '/iam/serviceRoleARN': 'eksflow makes the cluster IAM role (<name>-cluster) itself',
  '/secretsEncryption': 'envelope encryption of secrets with your own KMS key is not supported by eksflow',
  '/privateCluster': 'fully private clusters are not supported by eksflow',
  '/vpc/id': 'an existing VPC is given by its subnets (vpc.subnets); remove vpc.id',
  '/vpc/clusterEndpoints': 'API endpoint access is not configurable in eksflow',
  '/vpc/publicAccessCIDRs': 'API endpoint access is not configurable in eksflow',
  '/managedNodeGroups/*/iam/*': 'eksflow makes one node IAM role (<name>-node) for every node group; custom roles and policies are not supported',
  '/managedNodeGroups/*/ssh/publicKeyPath': 'eksflow needs the key inline: give it in ssh.publicKey',
  '/managedNodeGroups/*/ssh/publicKeyName': 'EC2 key pairs are not supported: give the key inline in ssh.publicKey',
  '/managedNodeGroups/*/ami': 'custom AMIs are not supported; choose amiFamily AmazonLinux2023 or Bottlerocket',
  '/managedNodeGroups/*/launchTemplate': 'launch templates are not supported by eksflow',
  '/managedNodeGroups/*/instanceSelector': 'instance selectors are not supported; list instanceTypes',
  '/managedNodeGroups/*/availabilityZones': placement,
  '/managedNodeGroups/*/subnets': placement,
  '/fargateProfiles/*/subnets': placement,
  '/fargateProfiles/*/podExecutionRoleARN': 'eksflow makes the Fargate pod execution role (<name>-fargate) itself',
  ...accessConfigRefusals,
};

// What eksctl fills in when a managed node group leaves it out.
const eksctlDefaults = { instanceType: 'm5.large', nodes: 2, volumeSize: 80, amiFamily: 'AmazonLinux2023' };

const natGateways = new Map([['Single', 'single'], ['HighlyAvailable', 'perAz'], ['Disable', 'none']]);
const taintEffects = new Map([['NoSchedule', 'NO_SCHEDULE'], ['NoExecute', 'NO_EXECUTE'], ['PreferNoSchedule', 'PREFER_NO_SCHEDULE']]);
// Graviton families put a `g` right after the generation digit: m7g, c6gn, t4g, x2gd; a1 predates that.
const graviton = /^(a1|[a-z]+[0-9]+g[a-z]*)\./;

/**
 * Translates a ClusterConfig, given as YAML text or as an already-parsed object, and validates
 * the result as any EnvironmentSpec is. Every problem is reported at its ClusterConfig path.
 */
export function translateClusterConfig(input: unknown): ParseResult {
  const read = typeof input === 'string' ? readYaml(input) : { config: input };
  if ('errors' in read) return { ok: false, errors: read.errors };
  const { config } = read;
  if (!isFields(config)) return { ok: false, errors: [{ path: '', message: 'a ClusterConfig must be a mapping (an object)' }] };

  const { spec, origins, errors: translationErrors } = translate(config);
  const refused = [...headerErrors(config), ...unsupportedFields(config, fieldTree, ''), ...translationErrors];
  const result = parseEnvironmentSpec(spec);
  if (result.ok && refused.length === 0) return result;
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
  const documents = parseAllDocuments(text);
  const problems = documents.flatMap((document) => document.errors);
  // The YAML library's messages end with a quoted excerpt; its first line has the reason and position.
  if (problems.length > 0) return { errors: problems.map((problem) => ({ path: '', message: `not valid YAML: ${problem.message.split('\n')[0]?.replace(/:$/, '')}` })) };
  const document = documents[0];
  if (!document || documents.length !== 1) return refuse(`expected one YAML document holding a ClusterConfig, found ${documents.length}`);
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

function unsupportedFields(value: unknown, node: FieldNode, path: string): SpecError[] {
  if (node.supported) return [];
  if (node.refusal !== undefined) return [{ path, message: node.refusal }];
  const any = node.children.get('*');
  const isList = Array.isArray(value);
  if (typeof value !== 'object' || value === null || (isList && !any)) {
    // The translation reports a wrong shape where it reads; elsewhere a stray value is refused here.
    return value === null || value === undefined || hasSupported(node) ? [] : [{ path, message: any?.refusal ?? notSupported }];
  }
  const entries = isList ? value.map((item, i) => [String(i), item] as const) : Object.entries(value);
  return entries.flatMap(([key, child]) => {
    const childNode = (isList ? undefined : node.children.get(key)) ?? any;
    const childPath = `${path}/${pointerSegment(key)}`;
    return childNode ? unsupportedFields(child, childNode, childPath) : [{ path: childPath, message: notSupported }];
  });
}

interface Translation { spec: Fields; origins: Map<string, string>; errors: SpecError[] }

function translate(config: Fields): Translation {
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
  const read: Readers = { put, trace, fail, mapping, list, flag };

  const metadata = mapping(config.metadata, '/metadata') ?? {};
  put('/name', metadata.name, '/metadata/name');
  put('/region', metadata.region, '/metadata/region');
  // Unquoted in an already-parsed object, 1.30 arrives as 1.3; EKS has no one-digit minor versions.
  put('/kubernetesVersion', typeof metadata.version === 'number' ? metadata.version.toFixed(2) : metadata.version, '/metadata/version');
  put('/tags', metadata.tags, '/metadata/tags');

  const iam = mapping(config.iam, '/iam');
  if (flag(iam?.withOIDC, '/iam/withOIDC') === false) {
    fail('/iam/withOIDC', 'eksflow always associates an IAM OIDC provider with the cluster (add-ons use IRSA); remove withOIDC or set it to true');
  }

  translateNetwork(config, read);
  put('/nodeGroups', [], '/managedNodeGroups');
  (list(config.managedNodeGroups, '/managedNodeGroups') ?? []).forEach((group, i) => {
    const at = `/managedNodeGroups/${i}`;
    if (isFields(group)) return translateNodeGroup(group, at, `/nodeGroups/${i}`, read);
    fail(at, 'must be a mapping');
    put(`/nodeGroups/${i}`, group, at); // keeps later groups at their own index
  });

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
    put(at, defined({ name: profile.name, selectors }), at);
  });

  translateAddons(config, read);
  translateAccessConfig(config, read);
  translateWorkloadIdentity(config, read);

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
  return { spec, origins, errors };
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
  mapping: (value: unknown, path: string) => Fields | undefined;
  list: (value: unknown, path: string) => unknown[] | undefined;
  flag: (value: unknown, path: string) => boolean | undefined;
}

function translateNetwork(config: Fields, { put, trace, fail, mapping, list }: Readers) {
  const vpc = mapping(config.vpc, '/vpc') ?? {};
  const subnets = mapping(vpc.subnets, '/vpc/subnets');
  put('/network', {}, '/vpc');
  if (subnets) {
    const ids: [string, unknown][] = [];
    for (const kind of ['private', 'public']) {
      for (const [zone, subnet] of Object.entries(mapping(subnets[kind], `/vpc/subnets/${kind}`) ?? {})) {
        const at = `/vpc/subnets/${kind}/${pointerSegment(zone)}`;
        const id = isFields(subnet) ? subnet.id : undefined;
        if (id === undefined) fail(at, 'must give the id of an existing subnet, e.g. { id: subnet-0123456789abcdef0 }');
        else ids.push([`${at}/id`, id]);
      }
    }
    put('/network/subnetIds', ids.map(([, id]) => id), '/vpc/subnets');
    ids.forEach(([origin], i) => trace(`/network/subnetIds/${i}`, origin));
    if (vpc.securityGroup !== undefined) {
      put('/network/securityGroupIds', [vpc.securityGroup], '/vpc/securityGroup');
      trace('/network/securityGroupIds/0', '/vpc/securityGroup');
    }
    for (const field of ['cidr', 'nat']) {
      if (vpc[field] !== undefined) fail(`/vpc/${field}`, 'is for a VPC eksflow creates, which cannot be combined with existing vpc.subnets');
    }
    if (config.availabilityZones !== undefined) fail('/availabilityZones', 'the Availability Zones come from vpc.subnets; availabilityZones is only for a VPC eksflow creates');
    return;
  }
  if (vpc.securityGroup !== undefined) fail('/vpc/securityGroup', 'an existing security group needs existing subnets (vpc.subnets); without them eksflow creates the VPC');
  const gateway = mapping(vpc.nat, '/vpc/nat')?.gateway;
  const natGateway = gateway === undefined ? undefined : natGateways.get(String(gateway));
  if (gateway !== undefined && natGateway === undefined) fail('/vpc/nat/gateway', `must be one of ${[...natGateways.keys()].join(', ')}`);
  put('/network/vpc', {}, '/vpc');
  put('/network/vpc/cidr', vpc.cidr, '/vpc/cidr');
  put('/network/vpc/natGateway', natGateway ?? gateway, '/vpc/nat/gateway');
  put('/network/vpc/zones', list(config.availabilityZones, '/availabilityZones'), '/availabilityZones');
}

function translateNodeGroup(group: Fields, at: string, to: string, { put, trace, fail, mapping, list, flag }: Readers) {
  put(to, {}, at);
  put(`${to}/name`, group.name, `${at}/name`);

  if (group.instanceType !== undefined && group.instanceTypes !== undefined) fail(`${at}/instanceTypes`, 'give instanceType or instanceTypes, not both');
  const single = group.instanceType !== undefined;
  const typesAt = `${at}/${single ? 'instanceType' : 'instanceTypes'}`;
  const instanceTypes = single ? [group.instanceType] : (group.instanceTypes ?? [eksctlDefaults.instanceType]);
  put(`${to}/instanceTypes`, instanceTypes, typesAt);
  if (single) trace(`${to}/instanceTypes/0`, typesAt);

  if (flag(group.spot, `${at}/spot`)) put(`${to}/capacityType`, 'SPOT', `${at}/spot`);

  // eksctl: desired defaults to minSize, else two nodes; min and max follow desired when left out.
  const given = (first: string, fallback: string) => (group[first] !== undefined ? first : fallback);
  const desiredFrom = given('desiredCapacity', group.minSize !== undefined ? 'minSize' : 'desiredCapacity');
  for (const [size, from] of [['desiredSize', desiredFrom], ['minSize', given('minSize', desiredFrom)], ['maxSize', given('maxSize', desiredFrom)]] as const) {
    put(`${to}/${size}`, group[from] ?? eksctlDefaults.nodes, `${at}/${from}`);
  }
  put(`${to}/diskSize`, group.volumeSize ?? eksctlDefaults.volumeSize, `${at}/volumeSize`);
  put(`${to}/labels`, group.labels, `${at}/labels`);

  const taints = list(group.taints, `${at}/taints`)?.map((taint, j) => {
    if (!isFields(taint)) return taint;
    const effect = taintEffects.get(String(taint.effect));
    if (!effect) fail(`${at}/taints/${j}/effect`, `must be one of ${[...taintEffects.keys()].join(', ')}`);
    return defined({ key: taint.key, value: taint.value, effect: effect ?? taint.effect });
  });
  put(`${to}/taints`, taints, `${at}/taints`);

  const ssh = mapping(group.ssh, `${at}/ssh`);
  const allow = flag(ssh?.allow, `${at}/ssh/allow`);
  if (ssh?.publicKey === undefined) {
    if (allow) fail(`${at}/ssh/allow`, 'eksflow needs the key inline: give it in ssh.publicKey');
  } else if (allow === false) {
    fail(`${at}/ssh/allow`, 'is false, yet ssh.publicKey is given; remove one of them');
  } else {
    put(`${to}/sshPublicKey`, ssh.publicKey, `${at}/ssh/publicKey`);
  }

  const types = Array.isArray(instanceTypes) ? instanceTypes.filter((type): type is string => typeof type === 'string') : [];
  const arm = types.filter((type) => graviton.test(type));
  if (arm.length > 0 && arm.length < types.length) fail(typesAt, 'mixes Graviton (arm64) and x86_64 instance types; a node group runs one architecture');
  const architecture = arm.length > 0 ? 'ARM_64' : 'x86_64';
  const family = group.amiFamily ?? eksctlDefaults.amiFamily;
  if (family === 'AmazonLinux2023') put(`${to}/amiType`, `AL2023_${architecture}_STANDARD`, `${at}/amiFamily`);
  else if (family === 'Bottlerocket') put(`${to}/amiType`, `BOTTLEROCKET_${architecture}`, `${at}/amiFamily`);
  else if (family === 'AmazonLinux2') fail(`${at}/amiFamily`, 'AL2 AMIs are end-of-life on EKS; use AmazonLinux2023');
  else fail(`${at}/amiFamily`, `${JSON.stringify(family)} is not supported by eksflow; use AmazonLinux2023 or Bottlerocket`);
}

/** A validation error, moved to the ClusterConfig path its value came from and worded in eksctl's terms. */
function inConfigTerms(error: SpecError, spec: Fields, origins: Map<string, string>): SpecError {
  for (let prefix = error.path; prefix !== ''; prefix = prefix.slice(0, prefix.lastIndexOf('/'))) {
    const origin = origins.get(prefix);
    if (origin === undefined) continue;
    // Say what was read: YAML can turn what was written into something else (1.30 into 1.3).
    const value = getAt(spec, error.path);
    const mentioned = error.message.split(/[\s"(),]+/).includes(String(value));
    const shown = ['string', 'number', 'boolean'].includes(typeof value) && !mentioned ? ` (got ${JSON.stringify(value)})` : '';
    const message = workloadIdentityInConfigTerms(
      error.message.replace(/\bdesiredSize\b/g, 'desiredCapacity').replace(/\bdiskSize\b/g, 'volumeSize').replace(/\/nodeGroups\//g, '/managedNodeGroups/'), origin, origins);
    return { path: origin + error.path.slice(prefix.length), message: message + shown };
  }
  return { path: '', message: `in the translated EnvironmentSpec at ${error.path}: ${error.message}` };
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function defined(fields: Fields): Fields {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

function pointerSegment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
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
