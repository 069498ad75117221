import { amiTypeFor, type AmiFamily } from './ami-types';
import type { Readers } from './eksctl-cluster-config';
import { defined, isFields, pointerSegment as pointer, quote, type Fields } from './eksctl-values';
import { groupSubnets, type SubnetAlias } from './eksctl-subnets';
import { selectorAmiType } from './instance-selector';

/**
 * eksctl's `managedNodeGroups` and self-managed `nodeGroups` (pkg/apis/eksctl.io/v1alpha5/types.go:
 * NodeGroupBase, ManagedNodeGroup, NodeGroup) read as the spec's nodeGroups, kind managed or
 * self-managed. What a group leaves out is what eksctl fills in (pkg/apis/eksctl.io/v1alpha5/defaults.go).
 */

export type NodeGroupSource = 'managedNodeGroups' | 'nodeGroups';

// eksctl's defaults (defaults.go: DefaultNodeType, DefaultNodeCount, DefaultNodeVolumeSize).
export const eksctlNodeDefaults = { instanceType: 'm5.large', nodes: 2, volumeSize: 80 };

const base = [
  'name', 'instanceType', 'minSize', 'desiredCapacity', 'maxSize', 'volumeSize', 'volumeType', 'volumeIOPS', 'volumeThroughput',
  'volumeEncrypted', 'volumeKmsKeyID', 'volumeName', 'labels', 'taints', 'amiFamily', 'ami', 'privateNetworking', 'tags',
  'availabilityZones', 'subnets', 'preBootstrapCommands', 'overrideBootstrapCommand', 'maxPodsPerNode', 'disableIMDSv1',
  'disablePodIMDS', 'propagateASGTags', 'instanceSelector', 'bottlerocket', 'containerRuntime', 'instanceName',
  'ssh/allow', 'ssh/publicKey', 'ssh/publicKeyName', 'ssh/sourceSecurityGroupIds', 'ssh/enableSsm',
  'securityGroups/attachIDs', 'securityGroups/withShared', 'securityGroups/withLocal',
  'iam/attachPolicyARNs', 'iam/withAddonPolicies', 'iam/instanceRolePermissionsBoundary',
];
const managedOnlyFields = ['instanceTypes', 'spot', 'launchTemplate', 'updateConfig', 'nodeRepairConfig'];
const selfManagedOnlyFields = ['localZones', 'instancesDistribution', 'targetGroupARNs', 'classicLoadBalancerNames', 'asgMetricsCollection'];

export const nodeGroupPaths = [
  ...[...base, ...managedOnlyFields].map((field) => `/managedNodeGroups/*/${field}`),
  ...[...base, ...selfManagedOnlyFields].map((field) => `/nodeGroups/*/${field}`),
];

const roleOfOwn = 'eksflow makes the node role itself (<name>-node, or <name>-node-<group> when a group asks for policies of its own); give iam.attachPolicyARNs or iam.withAddonPolicies for what the nodes need';
const perGroup = (source: NodeGroupSource, field: string) => `/${source}/*/${field}`;
export const nodeGroupRefusals: Record<string, string> = Object.fromEntries((['managedNodeGroups', 'nodeGroups'] as const).flatMap((source) => [
  [perGroup(source, 'iam/instanceRoleARN'), roleOfOwn],
  [perGroup(source, 'iam/instanceProfileARN'), roleOfOwn],
  [perGroup(source, 'iam/instanceRoleName'), roleOfOwn],
  [perGroup(source, 'iam/attachPolicy'), 'inline node policies are not offered: put the statements in a managed policy and give its ARN in iam.attachPolicyARNs'],
  [perGroup(source, 'ssh/publicKeyPath'), 'the API never reads paths: `eksflow plan -f` and `eksflow env create -f` read the key on your machine and send it as ssh.publicKey; through the API, give ssh.publicKey'],
  [perGroup(source, 'outpostARN'), 'Outposts are not supported: eksflow builds clusters and nodes in AWS Regions'],
  [perGroup(source, 'kubeletExtraConfig'), 'kubelet configuration is not offered: use maxPodsPerNode, labels and taints, or your own AMI with overrideBootstrapCommand'],
  [perGroup(source, 'efaEnabled'), 'Elastic Fabric Adapter interfaces are not offered yet: remove efaEnabled'],
  [perGroup(source, 'capacityReservation'), 'capacity reservations are not offered yet: remove capacityReservation'],
  [perGroup(source, 'placement'), 'placement groups are not offered yet: remove placement'],
  [perGroup(source, 'releaseVersion'), 'eksflow uses the newest AMI release for the Kubernetes version; upgrade later with `eksflow env upgrade`'],
]));
// eksctl has localZones on self-managed nodeGroups only (pkg/apis/eksctl.io/v1alpha5 NodeGroup.LocalZones).
nodeGroupRefusals[perGroup('managedNodeGroups', 'localZones')] = 'only self-managed groups run in Local Zones (eksctl has localZones on nodeGroups only): move the group to nodeGroups';

// eksctl amiFamily → the spec's AMI choice. Windows families name the Server edition and release.
const windowsFamily = /^WindowsServer(2019|2022|2025)(Full|Core)Container$/;
const customOnly: Record<string, 'AmazonLinux2' | 'Ubuntu'> = {
  AmazonLinux2: 'AmazonLinux2', Ubuntu2004: 'Ubuntu', Ubuntu2204: 'Ubuntu', Ubuntu2404: 'Ubuntu', UbuntuPro2204: 'Ubuntu', UbuntuPro2404: 'Ubuntu',
};
const families = ['AmazonLinux2023', 'Bottlerocket', 'WindowsServer2019FullContainer', 'WindowsServer2019CoreContainer', 'WindowsServer2022FullContainer',
  'WindowsServer2022CoreContainer', 'WindowsServer2025FullContainer', 'WindowsServer2025CoreContainer', ...Object.keys(customOnly)];

const taintEffects = new Map([['NoSchedule', 'NO_SCHEDULE'], ['NoExecute', 'NO_EXECUTE'], ['PreferNoSchedule', 'PREFER_NO_SCHEDULE']]);
const withAddonPolicyNames = ['imageBuilder', 'autoScaler', 'externalDNS', 'certManager', 'appMesh', 'appMeshPreview', 'ebs', 'fsx', 'efs', 'awsLoadBalancerController', 'xRay', 'cloudWatch'];

/** The subnets a group may name: `vpc.subnets` keys (eksctl lets a group name them) → their IDs. */
export type SubnetAliases = ReadonlyMap<string, SubnetAlias>;

export function translateNodeGroup(group: Fields, source: NodeGroupSource, at: string, to: string, subnetAliases: SubnetAliases, read: Readers): void {
  const { put, trace, fail, mapping, list, flag } = read;
  const managed = source === 'managedNodeGroups';
  put(to, {}, at);
  put(`${to}/name`, group.name, `${at}/name`);
  if (!managed) put(`${to}/kind`, 'self-managed', `/${source}`);

  // Instance types: instanceType, instanceTypes (managed), instancesDistribution.instanceTypes (self-managed), or chosen by instanceSelector / the launch template.
  const distribution = managed ? undefined : mapping(group.instancesDistribution, `${at}/instancesDistribution`);
  const given = [['instanceType', group.instanceType !== undefined], ['instanceTypes', group.instanceTypes !== undefined], ['instancesDistribution/instanceTypes', distribution?.instanceTypes !== undefined]]
    .filter(([, present]) => present).map(([field]) => field as string);
  if (given.length > 1) fail(`${at}/${given[1]}`, `give one of ${given.join(' or ')}, not both`);
  const typesField = given[0];
  const selector = mapping(group.instanceSelector, `${at}/instanceSelector`);
  const launchTemplate = managed ? mapping(group.launchTemplate, `${at}/launchTemplate`) : undefined;
  let instanceTypes: unknown;
  if (typesField === 'instanceType') {
    instanceTypes = [group.instanceType];
    put(`${to}/instanceTypes`, instanceTypes, `${at}/instanceType`);
    trace(`${to}/instanceTypes/0`, `${at}/instanceType`);
  } else if (typesField) {
    instanceTypes = typesField === 'instanceTypes' ? group.instanceTypes : distribution!.instanceTypes;
    put(`${to}/instanceTypes`, instanceTypes, `${at}/${typesField}`);
  } else {
    // A selector or a launch template decides the types; otherwise eksctl's default type.
    instanceTypes = selector || launchTemplate ? [] : [eksctlNodeDefaults.instanceType];
    put(`${to}/instanceTypes`, instanceTypes, `${at}/instanceType`);
  }
  if (managed && flag(group.spot, `${at}/spot`)) put(`${to}/capacityType`, 'SPOT', `${at}/spot`);

  // eksctl: desired defaults to minSize, else two nodes; min and max follow desired when left out.
  const sized = (first: string, fallback: string) => (group[first] !== undefined ? first : fallback);
  const desiredFrom = sized('desiredCapacity', group.minSize !== undefined ? 'minSize' : 'desiredCapacity');
  for (const [size, from] of [['desiredSize', desiredFrom], ['minSize', sized('minSize', desiredFrom)], ['maxSize', sized('maxSize', desiredFrom)]] as const) {
    put(`${to}/${size}`, group[from] ?? eksctlNodeDefaults.nodes, `${at}/${from}`);
  }
  put(`${to}/diskSize`, group.volumeSize ?? eksctlNodeDefaults.volumeSize, `${at}/volumeSize`);
  translateVolume(group, at, to, read);
  put(`${to}/labels`, group.labels, `${at}/labels`);
  put(`${to}/taints`, translateTaints(group.taints, `${at}/taints`, read), `${at}/taints`);
  // eksctl names the instances with instanceName (their Name tag). A self-managed group's tags
  // reach its instances (the Auto Scaling group propagates them at launch); a managed group's do not.
  if (group.instanceName !== undefined && managed) {
    fail(`${at}/instanceName`, 'a managed group\'s tags do not reach its instances, so eksflow cannot name them; use a self-managed group (nodeGroups), whose tags (Name included) do');
  }
  const tags = group.instanceName === undefined || managed ? group.tags : { ...(isFields(group.tags) ? group.tags : {}), Name: group.instanceName };
  put(`${to}/tags`, tags, `${at}/${group.tags === undefined && group.instanceName !== undefined ? 'instanceName' : 'tags'}`);
  // eksctl puts nodes in public subnets unless privateNetworking (defaults.go: PrivateNetworking false).
  // The spec's own default is private, so only the public choice is written.
  const privateNodes = flag(group.privateNetworking, `${at}/privateNetworking`) ?? false;
  put(`${to}/privateNetworking`, privateNodes ? undefined : false, `${at}/privateNetworking`);
  put(`${to}/availabilityZones`, group.availabilityZones, `${at}/availabilityZones`);
  put(`${to}/localZones`, group.localZones, `${at}/localZones`);
  const subnets = list(group.subnets, `${at}/subnets`);
  if (subnets) {
    // Names of subnets the run finds (given by cidr/az) go in subnetLookups, the rest in subnetIds.
    const { subnetIds, subnetLookups, origins } = groupSubnets(subnets, subnetAliases);
    if (subnetIds.length > 0) put(`${to}/subnetIds`, subnetIds, `${at}/subnets`);
    if (subnetLookups.length > 0) put(`${to}/subnetLookups`, subnetLookups, `${at}/subnets`);
    origins.ids.forEach((j, k) => trace(`${to}/subnetIds/${k}`, `${at}/subnets/${j}`));
    origins.lookups.forEach((j, k) => trace(`${to}/subnetLookups/${k}`, `${at}/subnets/${j}`));
  }
  put(`${to}/maxPodsPerNode`, group.maxPodsPerNode, `${at}/maxPodsPerNode`);
  put(`${to}/preBootstrapCommands`, group.preBootstrapCommands, `${at}/preBootstrapCommands`);
  if (!managed) put(`${to}/propagateAsgTags`, flag(group.propagateASGTags, `${at}/propagateASGTags`), `${at}/propagateASGTags`);
  else if (group.propagateASGTags !== undefined) fail(`${at}/propagateASGTags`, 'EKS tags a managed group\'s Auto Scaling group itself; for scale-from-zero tags use a self-managed group (nodeGroups)');

  const securityGroups = mapping(group.securityGroups, `${at}/securityGroups`);
  put(`${to}/securityGroupIds`, securityGroups?.attachIDs, `${at}/securityGroups/attachIDs`);
  for (const shared of ['withShared', 'withLocal']) {
    if (flag(securityGroups?.[shared], `${at}/securityGroups/${shared}`) === false) {
      fail(`${at}/securityGroups/${shared}`, 'eksflow always attaches the cluster security group so nodes and the control plane can talk; remove it');
    }
  }
  const imdsV1Off = flag(group.disableIMDSv1, `${at}/disableIMDSv1`);
  const podImdsOff = flag(group.disablePodIMDS, `${at}/disablePodIMDS`);
  if (imdsV1Off !== undefined || podImdsOff !== undefined) {
    put(`${to}/instanceMetadata`, {
      httpTokens: imdsV1Off === false ? 'optional' : 'required',
      // A hop limit of 1 keeps IMDS answers from reaching pods (eksctl disablePodIMDS).
      httpPutResponseHopLimit: podImdsOff ? 1 : 2,
    }, `${at}/${imdsV1Off !== undefined ? 'disableIMDSv1' : 'disablePodIMDS'}`);
  }

  translateSsh(group, at, to, read);
  translateIam(group, at, to, read);
  translateAmi(group, at, to, instanceTypes, read);
  if (selector) translateSelector(selector, `${at}/instanceSelector`, `${to}/instanceSelector`, read);

  if (group.containerRuntime !== undefined && group.containerRuntime !== 'containerd') {
    fail(`${at}/containerRuntime`, 'must be containerd: Kubernetes removed dockershim in 1.24 and every EKS AMI runs containerd');
  }
  const bottlerocket = mapping(group.bottlerocket, `${at}/bottlerocket`);
  if (bottlerocket) put(`${to}/bottlerocket`, defined({ enableAdminContainer: bottlerocket.enableAdminContainer, settings: bottlerocket.settings }), `${at}/bottlerocket`);

  if (managed) {
    if (launchTemplate) put(`${to}/launchTemplate`, defined({ id: launchTemplate.id, name: launchTemplate.name, version: launchTemplate.version === undefined ? undefined : String(launchTemplate.version) }), `${at}/launchTemplate`);
    put(`${to}/updateConfig`, group.updateConfig, `${at}/updateConfig`);
    const repair = mapping(group.nodeRepairConfig, `${at}/nodeRepairConfig`);
    const overrides = Array.isArray(repair?.nodeRepairConfigOverrides)
      ? repair.nodeRepairConfigOverrides.map((override, j) => repairOverride(override, `${at}/nodeRepairConfig/nodeRepairConfigOverrides/${j}`, read))
      : repair?.nodeRepairConfigOverrides;
    if (repair) {
      put(`${to}/nodeRepair`, defined({ ...repair, nodeRepairConfigOverrides: undefined, overrides }), `${at}/nodeRepairConfig`);
      trace(`${to}/nodeRepair/overrides`, `${at}/nodeRepairConfig/nodeRepairConfigOverrides`);
    }
  } else {
    if (distribution) {
      // Its instanceTypes are the group's (read above).
      put(`${to}/instancesDistribution`, Object.fromEntries(Object.entries(distribution).filter(([key]) => key !== 'instanceTypes')), `${at}/instancesDistribution`);
    }
    put(`${to}/targetGroupArns`, group.targetGroupARNs, `${at}/targetGroupARNs`);
    put(`${to}/classicLoadBalancerNames`, group.classicLoadBalancerNames, `${at}/classicLoadBalancerNames`);
    put(`${to}/asgMetricsCollection`, group.asgMetricsCollection, `${at}/asgMetricsCollection`);
  }
}

/**
 * EKS's RepairAction is Replace, Reboot or NoAction (CreateNodegroup API reference; the SDK's
 * RepairAction enum) and EKS refuses anything else. eksctl's node repair page and its example 44
 * write Terminate and Restart, and eksctl passes them to CloudFormation as written (pkg/cfn/builder
 * testdata launch_template/enhanced-node-repair.json: "RepairAction": "Terminate"), so its stack
 * fails there. Their meaning is not in doubt — a terminated managed node is replaced, a restart is
 * a reboot — so they are taken as EKS's words, and the plan says so.
 */
const eksRepairActions: Record<string, string> = { Terminate: 'Replace', Restart: 'Reboot' };

function repairOverride(override: unknown, at: string, { warn }: Readers): unknown {
  if (!isFields(override) || typeof override.repairAction !== 'string') return override;
  const action = eksRepairActions[override.repairAction];
  if (action === undefined) return override;
  warn(`${at}/repairAction`, `${quote(override.repairAction)} is eksctl's word, not EKS's (EKS has Replace, Reboot and NoAction, and refuses others): taken as ${action}`);
  return { ...override, repairAction: action };
}

function translateVolume(group: Fields, at: string, to: string, { put, trace, flag }: Readers) {
  const fields: [string, string][] = [['volumeType', 'type'], ['volumeIOPS', 'iops'], ['volumeThroughput', 'throughput'], ['volumeEncrypted', 'encrypted'], ['volumeKmsKeyID', 'kmsKeyId'], ['volumeName', 'name']];
  if (!fields.some(([field]) => group[field] !== undefined)) return;
  flag(group.volumeEncrypted, `${at}/volumeEncrypted`);
  // eksctl's default volume type (defaults.go: DefaultNodeVolumeType gp3).
  put(`${to}/volume`, defined(Object.fromEntries(fields.map(([from, field]) => [field, group[from] ?? (field === 'type' ? 'gp3' : undefined)]))), `${at}/volumeType`);
  for (const [from, field] of fields) trace(`${to}/volume/${field}`, `${at}/${from}`);
}

function translateTaints(taints: unknown, at: string, { fail }: Readers): unknown {
  const effectOf = (effect: unknown, path: string) => {
    const mapped = taintEffects.get(String(effect));
    if (!mapped) fail(path, `must be one of ${[...taintEffects.keys()].join(', ')}`);
    return mapped ?? effect;
  };
  if (Array.isArray(taints)) {
    return taints.map((taint, j) => (isFields(taint) ? defined({ key: taint.key, value: taint.value, effect: effectOf(taint.effect, `${at}/${j}/effect`) }) : taint));
  }
  // The older map form of self-managed groups: key: "value:Effect".
  if (isFields(taints)) {
    return Object.entries(taints).map(([key, spec]) => {
      const [value, effect] = String(spec).includes(':') ? String(spec).split(':', 2) : [String(spec), 'NoSchedule'];
      return defined({ key, value: value || undefined, effect: effectOf(effect, `${at}/${pointer(key)}`) });
    });
  }
  return taints;
}

function translateSsh(group: Fields, at: string, to: string, { put, fail, mapping, flag }: Readers) {
  const ssh = mapping(group.ssh, `${at}/ssh`);
  if (!ssh) return;
  const allow = flag(ssh.allow, `${at}/ssh/allow`);
  const hasKey = ssh.publicKey !== undefined || ssh.publicKeyName !== undefined || ssh.publicKeyPath !== undefined;
  // eksctl: allow with no key means ~/.ssh/id_rsa.pub on the machine running eksctl.
  if (allow && !hasKey) {
    fail(`${at}/ssh/allow`, 'names no key: eksctl would read ~/.ssh/id_rsa.pub, which only your machine has; `eksflow plan -f` and `eksflow env create -f` read it and send it as ssh.publicKey, or give ssh.publicKey or ssh.publicKeyName');
    return;
  }
  if (!hasKey && !ssh.enableSsm) return;
  put(`${to}/ssh`, defined({
    publicKey: ssh.publicKey, keyName: ssh.publicKeyName, sourceSecurityGroupIds: ssh.sourceSecurityGroupIds, enableSsm: ssh.enableSsm,
    // eksctl (defaults.go setSSHDefaults): a key given turns SSH access on unless allow is false,
    // which installs the key without opening port 22.
    allow: allow ?? hasKey,
  }), `${at}/ssh`);
}

function translateIam(group: Fields, at: string, to: string, { put, fail, mapping }: Readers) {
  const iam = mapping(group.iam, `${at}/iam`);
  if (!iam) return;
  const policies = mapping(iam.withAddonPolicies, `${at}/iam/withAddonPolicies`);
  const wanted = new Set<string>();
  for (const [given, on] of Object.entries(policies ?? {})) {
    // albIngress is eksctl's older name for awsLoadBalancerController (v1alpha5 DeprecatedALBIngress).
    const name = given === 'albIngress' ? 'awsLoadBalancerController' : given;
    if (!withAddonPolicyNames.includes(name)) fail(`${at}/iam/withAddonPolicies/${pointer(given)}`, `is not an eksctl add-on policy; eksctl has ${withAddonPolicyNames.join(', ')}`);
    else if (on === true) wanted.add(name);
  }
  const fields = defined({
    attachPolicyArns: iam.attachPolicyARNs,
    withAddonPolicies: wanted.size > 0 ? [...wanted] : undefined,
    permissionsBoundary: iam.instanceRolePermissionsBoundary,
  });
  if (Object.keys(fields).length > 0) put(`${to}/iam`, fields, `${at}/iam`);
}

function translateAmi(group: Fields, at: string, to: string, instanceTypes: unknown, { put, fail }: Readers) {
  const family = typeof group.amiFamily === 'string' ? group.amiFamily : 'AmazonLinux2023';
  if (!families.includes(family)) return fail(`${at}/amiFamily`, `${quote(group.amiFamily)} is not an AMI family eksflow builds; use one of ${families.join(', ')}`);
  const ami = group.ami === 'auto' || group.ami === 'auto-ssm' ? undefined : group.ami;
  const override = group.overrideBootstrapCommand;
  const windows = windowsFamily.exec(family);
  if (ami !== undefined) {
    const customFamily = windows ? `WindowsServer${windows[1]}` : (customOnly[family] ?? family);
    put(`${to}/amiType`, 'CUSTOM', `${at}/ami`);
    put(`${to}/ami`, defined({ id: ami, family: customFamily, overrideBootstrapCommand: override }), `${at}/ami`);
    return;
  }
  if (override !== undefined) fail(`${at}/overrideBootstrapCommand`, 'replaces the bootstrap of an AMI of your own: give ami too (EKS-optimized AMIs bootstrap with nodeadm, Bottlerocket settings or the Windows script, which eksflow writes)');
  if (customOnly[family]) {
    return fail(`${at}/amiFamily`, `${family} nodes need an AMI of your own (give ami): EKS publishes no ${family === 'AmazonLinux2' ? 'AL2 AMIs past Kubernetes 1.32' : 'Ubuntu AMIs'}; or use AmazonLinux2023 or Bottlerocket`);
  }
  if (windows) return put(`${to}/amiType`, `WINDOWS_${windows[2]!.toUpperCase()}_${windows[1]}_x86_64`, `${at}/amiFamily`);
  const types = Array.isArray(instanceTypes) ? instanceTypes.filter((type): type is string => typeof type === 'string') : [];
  if (types.length === 0) {
    // Chosen by a selector: the AMI its architecture and GPUs need, of the family; by a launch template: the spec's rules pick it.
    if (isFields(group.instanceSelector)) {
      const architecture = group.instanceSelector.cpuArchitecture === 'amd64' ? 'x86_64' : group.instanceSelector.cpuArchitecture;
      put(`${to}/amiType`, selectorAmiType({ ...group.instanceSelector, cpuArchitecture: architecture }, family as AmiFamily), `${at}/amiFamily`);
    }
    return;
  }
  const choice = amiTypeFor(types, family as AmiFamily);
  if (choice.ok) put(`${to}/amiType`, choice.amiType, `${at}/amiFamily`);
  else fail(`${at}/${group.instanceType !== undefined ? 'instanceType' : 'instanceTypes'}`, choice.reason);
}

function translateSelector(selector: Fields, at: string, to: string, { put, fail }: Readers) {
  let memoryGiB: number | undefined;
  if (selector.memory !== undefined) {
    // eksctl parses it as amazon-ec2-instance-selector's bytequantity does (ParseToByteQuantity):
    // up to 3 decimals, one optional space, a unit m/mb/mib, g/gb/gib or t/tb/tib in any case,
    // each binary (GB is GiB), GiB when none is given; MiB only whole.
    const match = /^([0-9]+)(?:\.([0-9]{0,3}))? ?(mi?b?|gi?b?|ti?b?)?$/.exec(String(selector.memory).toLowerCase());
    const unit = match?.[3]?.[0] ?? 'g';
    if (match && !(unit === 'm' && Number(match[2] ?? 0) !== 0)) memoryGiB = Number(`${match[1]}.${match[2] || 0}`) * ({ m: 1 / 1024, g: 1, t: 1024 } as Record<string, number>)[unit]!;
    else fail(`${at}/memory`, 'must be a memory size such as 4 (GiB), 4GiB, 0.5GiB or 4096MiB');
  }
  const architecture = selector.cpuArchitecture === 'amd64' ? 'x86_64' : selector.cpuArchitecture;
  put(to, defined({ vCpus: selector.vCPUs, memoryGiB, gpus: selector.gpus, cpuArchitecture: architecture }), at);
}




