import { aws, awsOrUndefined } from '../../activities/aws/errors';
import type { ClusterSettingChange } from '../../activities/aws/eks';
import type { EndpointAccessSpec } from '../../domain/cluster-settings';
import type { CreatePodIdentityAssociationInput } from '../../activities/aws/eks-pod-identity';
import type {
  AddonChange, CreateAddonInput, CreateClusterInput, CreateFargateProfileInput, CreateNodegroupInput, EksApi, Nodegroup, NodegroupConfigChange, NodegroupVersionChange, UpdateRef,
} from '../../activities/aws/eks';
import { updateLabel } from '../../activities/aws/eks';
import { whileNameHeld } from '../../activities/aws/not-yet';
import type { SimContext } from './context';
import type { AssociatedAccessPolicy, CreateAccessEntryInput } from '../../activities/aws/eks-access-entries';
import { AccessEntryState, accessEntryView } from './eks-access-entries';
import { addonView, clusterView, fargateProfileView, nodegroupView, updateView } from './eks-records';
import { EksUpdates } from './eks-updates';
import { PodIdentityState } from './eks-pod-identity';
import { IdentityProviderState } from './eks-identity-providers';
import { CapabilityState } from './eks-capabilities';
import type { CreateCapabilityInput } from '../../activities/aws/eks-capabilities';
import { capabilityConfiguration } from '../../activities/aws/eks-capabilities';
import { capabilityDeletePropagation } from '../../domain/capabilities';
import type { AssociateIdentityProviderInput } from '../../activities/aws/eks-identity-providers';
import { EksState, type ClusterEndpoint, type EksNeighbours } from './eks-state';
import type { AwsGateway, Request } from './gateway';
import { paged, slicePage } from './pages';

/** What the simulated Kubernetes side needs to know of a cluster's compute. */
export interface ClusterCompute {
  status: string;
  nodegroups: {
    name: string; status: string; desiredSize: number; minSize: number; maxSize: number; instanceTypes: string[]; capacityType: string;
    labels: Record<string, string>; taints: { key: string; value?: string; effect: string }[];
  }[];
  fargateProfiles: { name: string; status: string; selectors: { namespace: string; labels?: Record<string, string> }[] }[];
  addons: { name: string; version: string; status: string }[];
  /** EKS Auto Mode's built-in node pools, when the cluster has Auto Mode. */
  autoMode?: { nodePools: string[] };
}

/**
 * EKS behind `EksApi`, making the same requests, in the same order, as the SDK-backed adapter,
 * and waiting out the same "not yet" answers (`context.notYet`, src/activities/aws/not-yet.ts).
 */
export class SimulatedEks implements EksApi {
  readonly state: EksState;
  readonly accessEntries: AccessEntryState;
  readonly podIdentity: PodIdentityState;
  readonly updates: EksUpdates;
  readonly identityProviders: IdentityProviderState;
  readonly capabilities: CapabilityState;

  constructor(private readonly context: SimContext, private readonly gateway: AwsGateway, neighbours: EksNeighbours, endpointOf?: ClusterEndpoint) {
    this.state = new EksState(context, neighbours, endpointOf);
    this.accessEntries = new AccessEntryState(context, neighbours, (name) => this.state.cluster(name));
    this.podIdentity = new PodIdentityState(context, (name) => this.state.cluster(name), (arn) => neighbours.roleAsSeenByEks(arn));
    this.updates = new EksUpdates(context, this.state);
    this.identityProviders = new IdentityProviderState(context, (name) => this.state.cluster(name));
    this.capabilities = new CapabilityState(context, (name) => this.state.cluster(name), {
      roleAsSeenByEks: (arn) => neighbours.roleAsSeenByEks(arn),
      entryMade: (cluster, arn) => this.accessEntries.madeForCapability(cluster, arn),
      entryGone: (cluster, arn) => this.accessEntries.goneWithCapability(cluster, arn),
    });
  }

  private call<T>(method: string, resource: string | undefined, body: (request: Request) => Promise<T>): Promise<T> {
    return this.gateway.operation({ service: 'eks', method, resource }, body);
  }

  /** Tells the detection log what a Describe answered. */
  private seen<T extends { status: string } | undefined>(kind: string, key: string, view: T): T {
    this.context.detections.described(`${kind} ${key}`, key, view?.status ?? 'NOT_FOUND');
    return view;
  }

  /** A cluster's node groups, Fargate profiles and add-ons as they are now; `undefined` once it is gone. */
  compute(cluster: string): ClusterCompute | undefined {
    this.context.scheduler.settle(this.context.clock.now());
    const record = this.state.clusters.get(cluster);
    if (!record) return undefined;
    return {
      status: record.status,
      nodegroups: [...record.nodegroups.values()].map((g) => ({
        name: g.name, status: g.status, desiredSize: g.scaling.desiredSize, minSize: g.scaling.minSize, maxSize: g.scaling.maxSize, instanceTypes: [...g.instanceTypes], capacityType: g.capacityType,
        labels: { ...g.labels }, taints: g.taints.map((t) => ({ ...t })),
      })),
      fargateProfiles: [...record.fargateProfiles.values()].map((p) => ({ name: p.name, status: p.status, selectors: p.selectors.map((s) => ({ ...s })) })),
      addons: [...record.addons.values()].map((a) => ({ name: a.name, version: a.version, status: a.status })),
      ...(record.autoMode ? { autoMode: { nodePools: [...record.autoMode.nodePools] } } : {}),
    };
  }

  describeAddon(cluster: string, name: string) {
    return this.call('describeAddon', `${cluster}/${name}`, (request) =>
      awsOrUndefined(`DescribeAddon ${cluster}/${name}`, () => request('DescribeAddon', () => addonView(this.state.addon(cluster, name)))));
  }

  createAddon(input: CreateAddonInput) {
    return this.call('createAddon', `${input.cluster}/${input.name}`, (request) =>
      aws(`CreateAddon ${input.cluster}/${input.name}`, () => request('CreateAddon', () => addonView(this.state.createAddon(input))), this.context.notYet.CreateAddon));
  }

  deleteAddon(cluster: string, name: string) {
    return this.call('deleteAddon', `${cluster}/${name}`, async (request) => {
      await awsOrUndefined(`DeleteAddon ${cluster}/${name}`, () => request('DeleteAddon', () => this.state.deleteAddon(cluster, name)));
    });
  }

  // --- OIDC identity providers (src/sim/aws/eks-identity-providers.ts)

  describeIdentityProviderConfig(cluster: string, name: string) {
    return this.call('describeIdentityProviderConfig', `${cluster}/${name}`, async (request) => this.seen('identity provider', `${cluster}/${name}`,
      await awsOrUndefined(`DescribeIdentityProviderConfig ${cluster}/${name}`, () => request('DescribeIdentityProviderConfig', () => this.identityProviders.config(cluster, name)))));
  }

  associateIdentityProviderConfig(input: AssociateIdentityProviderInput) {
    return this.call('associateIdentityProviderConfig', `${input.cluster}/${input.provider.name}`, (request) =>
      aws(`AssociateIdentityProviderConfig ${input.cluster}/${input.provider.name}`, () => request('AssociateIdentityProviderConfig', () => this.identityProviders.associate(input))));
  }

  disassociateIdentityProviderConfig(cluster: string, name: string, _clientRequestToken: string) {
    return this.call('disassociateIdentityProviderConfig', `${cluster}/${name}`, async (request) => {
      await awsOrUndefined(`DisassociateIdentityProviderConfig ${cluster}/${name}`, () => request('DisassociateIdentityProviderConfig', () => this.identityProviders.disassociate(cluster, name)));
    });
  }

  // --- capabilities (src/sim/aws/eks-capabilities.ts): the request the SDK adapter sends, checked there

  describeCapability(cluster: string, name: string) {
    return this.call('describeCapability', `${cluster}/${name}`, async (request) => this.seen('capability', `${cluster}/${name}`,
      await awsOrUndefined(`DescribeCapability ${cluster}/${name}`, () => request('DescribeCapability', () => this.capabilities.capability(cluster, name)))));
  }

  createCapability(input: CreateCapabilityInput) {
    const argoCdIdc = capabilityConfiguration(input.capability)?.argoCd?.awsIdc?.idcInstanceArn;
    return this.call('createCapability', `${input.cluster}/${input.capability.name}`, (request) =>
      aws(`CreateCapability ${input.cluster}/${input.capability.name}`, () => request('CreateCapability', () => this.capabilities.create({
        ...input, deletePropagationPolicy: capabilityDeletePropagation, ...(argoCdIdc ? { argoCdIdc } : {}),
      })), this.context.notYet.CreateCapability));
  }

  listCapabilities(cluster: string) {
    return this.call('listCapabilities', cluster, (request) => paged(async (index) =>
      (await awsOrUndefined(`ListCapabilities ${cluster}`, () => request('ListCapabilities', () => slicePage(this.capabilities.list(cluster), index, 100)))) ?? { items: [], more: false }));
  }

  deleteCapability(cluster: string, name: string) {
    return this.call('deleteCapability', `${cluster}/${name}`, async (request) => {
      await awsOrUndefined(`DeleteCapability ${cluster}/${name}`, () => request('DeleteCapability', () => this.capabilities.delete(cluster, name)));
    });
  }

  // --- access entries (src/sim/aws/eks-access-entries.ts): the same calls and "not yet" rules as the SDK adapter

  describeAccessEntry(cluster: string, principalArn: string) {
    return this.call('describeAccessEntry', `${cluster}/${principalArn}`, (request) =>
      awsOrUndefined(`DescribeAccessEntry ${cluster}/${principalArn}`, () => request('DescribeAccessEntry', () => accessEntryView(this.accessEntries.entry(cluster, principalArn)))));
  }

  createAccessEntry(input: CreateAccessEntryInput) {
    return this.call('createAccessEntry', `${input.cluster}/${input.principalArn}`, (request) =>
      aws(`CreateAccessEntry ${input.cluster}/${input.principalArn}`, () => request('CreateAccessEntry', () => accessEntryView(this.accessEntries.create(input))), this.context.notYet.CreateAccessEntry));
  }

  deleteAccessEntry(cluster: string, principalArn: string) {
    return this.call('deleteAccessEntry', `${cluster}/${principalArn}`, async (request) => {
      await awsOrUndefined(`DeleteAccessEntry ${cluster}/${principalArn}`, () => request('DeleteAccessEntry', () => this.accessEntries.delete(cluster, principalArn)));
    });
  }

  listAccessEntries(cluster: string) {
    return this.call('listAccessEntries', cluster, (request) => paged(async (index) =>
      (await awsOrUndefined(`ListAccessEntries ${cluster}`, () => request('ListAccessEntries', () => slicePage(this.accessEntries.list(cluster), index, 100)))) ?? { items: [], more: false }));
  }

  associateAccessPolicy(cluster: string, principalArn: string, policy: AssociatedAccessPolicy) {
    return this.call('associateAccessPolicy', `${cluster}/${principalArn}`, async (request) => {
      await aws(`AssociateAccessPolicy ${cluster}/${principalArn} ${policy.policyArn}`, () => request('AssociateAccessPolicy', () => this.accessEntries.associate(cluster, principalArn, policy)), this.context.notYet.AssociateAccessPolicy);
    });
  }

  listAssociatedAccessPolicies(cluster: string, principalArn: string) {
    return this.call('listAssociatedAccessPolicies', `${cluster}/${principalArn}`, async (request) =>
      (await awsOrUndefined(`ListAssociatedAccessPolicies ${cluster}/${principalArn}`, () => request('ListAssociatedAccessPolicies', () => this.accessEntries.associated(cluster, principalArn)))) ?? []);
  }

  listAddons(cluster: string) {
    return this.call('listAddons', cluster, (request) => paged(async (index) =>
      (await awsOrUndefined(`ListAddons ${cluster}`, () => request('ListAddons', () =>
        slicePage([...this.state.cluster(cluster).addons.keys()].sort(), index, 100)))) ?? { items: [], more: false }));
  }

  describeAddonVersions(name: string, kubernetesVersion: string) {
    return this.call('describeAddonVersions', name, (request) =>
      aws(`DescribeAddonVersions ${name} ${kubernetesVersion}`, () => request('DescribeAddonVersions', () => this.state.addonVersions(name, kubernetesVersion))));
  }

  describeAddonConfiguration(name: string, version: string) {
    return this.call('describeAddonConfiguration', name, (request) =>
      awsOrUndefined(`DescribeAddonConfiguration ${name} ${version}`, () => request('DescribeAddonConfiguration', () => this.state.addonConfiguration(name, version))));
  }

  // Pod Identity: played in src/sim/aws/eks-pod-identity.ts (moto has none of it).
  createPodIdentityAssociation(input: CreatePodIdentityAssociationInput) {
    const at = `${input.cluster}/${input.namespace}/${input.serviceAccount}`;
    return this.call('createPodIdentityAssociation', at, (request) =>
      aws(`CreatePodIdentityAssociation ${at}`, () => request('CreatePodIdentityAssociation', () => this.podIdentity.create(input)), this.context.notYet.CreatePodIdentityAssociation));
  }

  describePodIdentityAssociation(cluster: string, associationId: string) {
    return this.call('describePodIdentityAssociation', `${cluster}/${associationId}`, (request) =>
      awsOrUndefined(`DescribePodIdentityAssociation ${cluster}/${associationId}`, () => request('DescribePodIdentityAssociation', () => this.podIdentity.describe(cluster, associationId))));
  }

  listPodIdentityAssociations(cluster: string, filter: { namespace?: string; serviceAccount?: string } = {}) {
    return this.call('listPodIdentityAssociations', cluster, (request) => paged(async (index) =>
      (await awsOrUndefined(`ListPodIdentityAssociations ${cluster}`, () => request('ListPodIdentityAssociations', () =>
        slicePage(this.podIdentity.list(cluster, filter), index, 100)))) ?? { items: [], more: false }));
  }

  deletePodIdentityAssociation(cluster: string, associationId: string) {
    return this.call('deletePodIdentityAssociation', `${cluster}/${associationId}`, async (request) => {
      await awsOrUndefined(`DeletePodIdentityAssociation ${cluster}/${associationId}`, () => request('DeletePodIdentityAssociation', () => this.podIdentity.delete(cluster, associationId)));
    });
  }

  describeFargateProfile(cluster: string, name: string) {
    return this.call('describeFargateProfile', `${cluster}/${name}`, async (request) => this.seen('fargate-profile', `${cluster}/${name}`,
      await awsOrUndefined(`DescribeFargateProfile ${cluster}/${name}`, () => request('DescribeFargateProfile', () => fargateProfileView(this.state.fargateProfile(cluster, name))))));
  }

  createFargateProfile(input: CreateFargateProfileInput) {
    return this.call('createFargateProfile', `${input.cluster}/${input.name}`, (request) =>
      aws(`CreateFargateProfile ${input.cluster}/${input.name}`, () => request('CreateFargateProfile', () => fargateProfileView(this.state.createFargateProfile(input))), this.context.notYet.CreateFargateProfile));
  }

  deleteFargateProfile(cluster: string, name: string) {
    return this.call('deleteFargateProfile', `${cluster}/${name}`, async (request) => {
      await awsOrUndefined(`DeleteFargateProfile ${cluster}/${name}`, () => request('DeleteFargateProfile', () => this.state.deleteFargateProfile(cluster, name)), this.context.notYet.DeleteFargateProfile);
    });
  }

  listFargateProfiles(cluster: string) {
    return this.call('listFargateProfiles', cluster, (request) => paged(async (index) =>
      (await awsOrUndefined(`ListFargateProfiles ${cluster}`, () => request('ListFargateProfiles', () =>
        slicePage([...this.state.cluster(cluster).fargateProfiles.keys()].sort(), index, 100)))) ?? { items: [], more: false }));
  }

  describeNodegroup(cluster: string, name: string) {
    return this.call('describeNodegroup', `${cluster}/${name}`, async (request) => this.seen('nodegroup', `${cluster}/${name}`,
      await awsOrUndefined(`DescribeNodegroup ${cluster}/${name}`, () => request('DescribeNodegroup', () => nodegroupView(this.state.nodegroup(cluster, name))))));
  }

  createNodegroup(input: CreateNodegroupInput) {
    return this.call('createNodegroup', `${input.cluster}/${input.name}`, (request) =>
      aws(`CreateNodegroup ${input.cluster}/${input.name}`, () => request('CreateNodegroup', () => nodegroupView(this.state.createNodegroup(input)))));
  }

  updateNodegroupScaling(cluster: string, name: string, scaling: Nodegroup['scaling'], clientRequestToken: string) {
    return this.call('updateNodegroupScaling', `${cluster}/${name}`, async (request) => {
      await aws(`UpdateNodegroupConfig ${cluster}/${name}`, () => request('UpdateNodegroupConfig', () => this.updates.nodegroupConfig(cluster, name, { scaling }, clientRequestToken)));
    });
  }

  // --- updates (src/sim/aws/eks-updates.ts): node groups, control plane, add-ons, tags

  updateNodegroupConfig(cluster: string, name: string, change: NodegroupConfigChange, clientRequestToken: string) {
    return this.call('updateNodegroupConfig', `${cluster}/${name}`, (request) =>
      aws(`UpdateNodegroupConfig ${cluster}/${name}`, () => request('UpdateNodegroupConfig', () => updateView(this.updates.nodegroupConfig(cluster, name, change, clientRequestToken)))));
  }

  updateNodegroupVersion(cluster: string, name: string, change: NodegroupVersionChange, clientRequestToken: string) {
    return this.call('updateNodegroupVersion', `${cluster}/${name}`, (request) =>
      aws(`UpdateNodegroupVersion ${cluster}/${name}`, () => request('UpdateNodegroupVersion', () => updateView(this.updates.nodegroupVersion(cluster, name, change, clientRequestToken)))));
  }

  updateClusterVersion(cluster: string, version: string, clientRequestToken: string) {
    return this.call('updateClusterVersion', cluster, (request) =>
      aws(`UpdateClusterVersion ${cluster}`, () => request('UpdateClusterVersion', () => updateView(this.updates.clusterVersion(cluster, version, clientRequestToken))), this.context.notYet.UpdateClusterVersion));
  }

  updateClusterEndpointAccess(cluster: string, access: EndpointAccessSpec, clientRequestToken: string) {
    return this.call('updateClusterEndpointAccess', cluster, (request) =>
      aws(`UpdateClusterConfig ${cluster}`, () => request('UpdateClusterConfig', () => updateView(this.updates.endpointAccess(cluster, access, clientRequestToken))), this.context.notYet.UpdateClusterConfig));
  }

  associateEncryptionConfig(cluster: string, keyArn: string, clientRequestToken: string) {
    return this.call('associateEncryptionConfig', cluster, (request) =>
      aws(`AssociateEncryptionConfig ${cluster}`, () => request('AssociateEncryptionConfig', () => updateView(this.updates.encryption(cluster, keyArn, clientRequestToken))), this.context.notYet.UpdateClusterConfig));
  }

  updateClusterSetting(cluster: string, setting: ClusterSettingChange, clientRequestToken: string) {
    return this.call('updateClusterSetting', cluster, (request) =>
      aws(`UpdateClusterConfig ${cluster}`, () => request('UpdateClusterConfig', () => updateView(this.updates.setting(cluster, setting, clientRequestToken))), this.context.notYet.UpdateClusterConfig));
  }

  updateClusterVpcConfig(cluster: string, change: { subnetIds: string[]; securityGroupIds: string[] }, clientRequestToken: string) {
    return this.call('updateClusterVpcConfig', cluster, (request) =>
      aws(`UpdateClusterConfig ${cluster}`, () => request('UpdateClusterConfig', () => updateView(this.updates.vpcConfig(cluster, change, clientRequestToken))), this.context.notYet.UpdateClusterConfig));
  }

  updateAddon(cluster: string, name: string, change: AddonChange, clientRequestToken: string) {
    return this.call('updateAddon', `${cluster}/${name}`, (request) =>
      aws(`UpdateAddon ${cluster}/${name}`, () => request('UpdateAddon', () => updateView(this.updates.addon(cluster, name, change, clientRequestToken)))));
  }

  tagResource(arn: string, tags: Record<string, string>) {
    return this.call('tagResource', arn, async (request) => {
      await aws(`TagResource ${arn}`, () => request('TagResource', () => this.updates.tag(arn, tags)));
    });
  }

  untagResource(arn: string, keys: string[]) {
    return this.call('untagResource', arn, async (request) => {
      await aws(`UntagResource ${arn}`, () => request('UntagResource', () => this.updates.untag(arn, keys)));
    });
  }

  deleteNodegroup(cluster: string, name: string) {
    return this.call('deleteNodegroup', `${cluster}/${name}`, async (request) => {
      await awsOrUndefined(`DeleteNodegroup ${cluster}/${name}`, () => request('DeleteNodegroup', () => this.state.deleteNodegroup(cluster, name)));
    });
  }

  listNodegroups(cluster: string) {
    return this.call('listNodegroups', cluster, (request) => paged(async (index) =>
      (await awsOrUndefined(`ListNodegroups ${cluster}`, () => request('ListNodegroups', () =>
        slicePage([...this.state.cluster(cluster).nodegroups.keys()].sort(), index, 100)))) ?? { items: [], more: false }));
  }

  describeCluster(name: string) {
    return this.call('describeCluster', name, async (request) => this.seen('cluster', name,
      await awsOrUndefined(`DescribeCluster ${name}`, () => request('DescribeCluster', () => clusterView(this.state.cluster(name))))));
  }

  createCluster(input: CreateClusterInput) {
    return whileNameHeld(this.context.notYet.CreateCluster, (rules) => this.call('createCluster', input.name, (request) =>
      aws(`CreateCluster ${input.name}`, () => request('CreateCluster', () => clusterView(this.state.createCluster(input))), rules)), async () => (await this.describeCluster(input.name)) !== undefined);
  }

  describeUpdate(ref: UpdateRef) {
    return this.call('describeUpdate', ref.cluster, (request) =>
      awsOrUndefined(`DescribeUpdate ${updateLabel(ref)}`, () => request('DescribeUpdate', () => updateView(this.updates.describe(ref)))));
  }

  updateClusterLogging(name: string, enabled: string[], disabled: string[], clientRequestToken: string) {
    return this.call('updateClusterLogging', name, (request) =>
      aws(`UpdateClusterConfig ${name}`, () => request('UpdateClusterConfig', () => this.state.updateClusterLogging(name, enabled, disabled, clientRequestToken)), this.context.notYet.UpdateClusterConfig));
  }

  deleteCluster(name: string) {
    return this.call('deleteCluster', name, async (request) => {
      await awsOrUndefined(`DeleteCluster ${name}`, () => request('DeleteCluster', () => this.state.deleteCluster(name)), this.context.notYet.DeleteCluster);
    });
  }

  listClusters() {
    return this.call('listClusters', undefined, (request) =>
      paged((index) => aws('ListClusters', () => request('ListClusters', () => slicePage([...this.state.clusters.keys()].sort(), index, 100)))));
  }
}
