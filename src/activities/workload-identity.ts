import { CoreV1Api, KubernetesObjectApi, PatchStrategy, type V1ServiceAccount } from '@kubernetes/client-node';
import type { ResolvedAddon } from '../domain/addon-catalog';
import { appLabelKeys, builtInNamespaces, fieldManagers, labelValue } from '../domain/app-manifests';
import type { AddonName } from '../domain/environment-spec';
import { clientRequestToken } from '../domain/names';
import { ownershipOf, ownershipTagKeys, ownershipTags, type Owner } from '../domain/ownership';
import {
  podIdentityAgentAddon, podIdentityTrustPolicy, serviceAccountKey, workloadPermissions, workloadRoleName, type ServiceAccountSpec,
} from '../domain/workload-identity';
import type { AddonTools } from './addons/addon-module';
import { eksManagedAddon } from './addons/eks-addon';
import type { EnsuredResource, EnsureIrsaRoleInput, EnsureRoleInput } from './iam-roles';
import { kubeCall, kubeOrUndefined } from './kube-calls';
import { adoptOrRefuse, deleteIfOurs, type DeleteOutcome, type DeleteOwner } from './ownership-check';

/** The annotation IRSA's pod identity webhook reads to give a ServiceAccount's pods a role. */
export const roleArnAnnotation = 'eks.amazonaws.com/role-arn';

interface RoleMakers {
  ensureRole(input: EnsureRoleInput): Promise<EnsuredResource & { arn: string }>;
  ensureIrsaRole(input: EnsureIrsaRoleInput): Promise<EnsuredResource & { arn: string }>;
}

// The eks-pod-identity-agent add-on through the same EKS managed add-on module CloudWatch's
// observability add-on uses, without a pinned version (EKS installs its default for the
// cluster's Kubernetes version). The core add-ons (issue 15, item 5) take this over.
const podIdentityAgent: ResolvedAddon = {
  name: podIdentityAgentAddon as AddonName, title: 'EKS Pod Identity Agent', namespace: 'kube-system',
  install: { method: 'eks-addon', addonName: podIdentityAgentAddon, version: '' }, dependsOn: [], conflictsWith: [],
  readiness: [{ kind: 'eks-addon-active', addonName: podIdentityAgentAddon }], fargate: false,
} as ResolvedAddon;

/**
 * Workload identity's activities: each service account's role (IRSA through the same
 * `ensureIrsaRole` the add-ons' roles go through; Pod Identity through `ensureRole` with the
 * pods.eks.amazonaws.com trust), the ServiceAccount on the cluster, the pod identity
 * association, and the eks-pod-identity-agent add-on. Every create adopts only what carries this
 * environment's ownership; every delete proves it first.
 */
export function createWorkloadIdentityActivities(roles: RoleMakers, tools: AddonTools) {
  const { eks, kube } = tools;

  /** The role a service account's pods assume, with every permission the spec grants it. */
  async function ensureWorkloadRole(input: {
    owner: Owner; region: string; environment: string; serviceAccount: ServiceAccountSpec; tags?: Record<string, string>;
    /** IRSA: the cluster's OIDC provider and issuer, from ensureOidcProvider and DescribeCluster. */
    oidcProviderArn?: string; issuerUrl?: string;
  }): Promise<EnsuredResource & { arn: string }> {
    const sa = input.serviceAccount;
    const { managedPolicyArns, inlinePolicies } = workloadPermissions(sa, input.region);
    const name = workloadRoleName(input.environment, sa);
    // The environment's tags, then the service account's own (ownershipTags puts eksflow's last, so they win).
    const merged = input.tags || sa.tags ? { ...input.tags, ...sa.tags } : undefined;
    const tags = { ...(merged ? { tags: merged } : {}), ...(sa.permissionsBoundary ? { permissionsBoundary: sa.permissionsBoundary } : {}) };
    if (sa.identity === 'irsa') {
      return roles.ensureIrsaRole({
        owner: input.owner, region: input.region, environment: input.environment, namespace: sa.namespace, serviceAccount: sa.name, name,
        oidcProviderArn: input.oidcProviderArn!, issuerUrl: input.issuerUrl!, managedPolicyArns, inlinePolicies, ...tags,
      });
    }
    return roles.ensureRole({
      owner: input.owner, region: input.region, name, description: `EKS Pod Identity role of ${serviceAccountKey(sa)} in environment ${input.environment}`,
      trustPolicy: podIdentityTrustPolicy(), managedPolicyArns, inlinePolicies, ...tags,
    });
  }

  /**
   * Server-side applies the ServiceAccount as eksflow (its namespace first, when missing),
   * annotated with the role for IRSA. One that exists without this environment's ownership
   * annotations is refused, not taken over.
   */
  async function applyServiceAccount(input: {
    owner: Owner; region: string; cluster: string; namespace: string; name: string; roleArn?: string;
    /** The spec's labels for the ServiceAccount; eksflow's own (managed-by, environment) win on a clash. @default none */
    labels?: Record<string, string>;
  }): Promise<EnsuredResource> {
    const config = await kube.forCluster(input.cluster);
    const core = config.makeApiClient(CoreV1Api);
    const objects = KubernetesObjectApi.makeApiClient(config);
    const at = `${input.namespace}/${input.name}`;
    const ref = { kind: 'service-account' as const, name: `${input.cluster}/${at}`, region: input.region };
    const labels = { [appLabelKeys.managedBy]: 'eksflow', [appLabelKeys.environment]: labelValue(input.owner.environmentId) };
    const apply = (object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }) => kubeCall(`apply ${object.kind} ${at}`,
      () => objects.patch(object, undefined, undefined, fieldManagers.apply, true, PatchStrategy.ServerSideApply));

    const existing = await kubeOrUndefined(`read ServiceAccount ${at}`, () => core.readNamespacedServiceAccount({ name: input.name, namespace: input.namespace }));
    const made = existing ? adoptOrRefuse(`ServiceAccount ${at}`, existing.metadata?.annotations, input.owner).madeByThisRun : true;
    if (!builtInNamespaces.includes(input.namespace) && !(await kubeOrUndefined(`read Namespace ${input.namespace}`, () => core.readNamespace({ name: input.namespace })))) {
      await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: input.namespace, labels } as never });
    }
    // Ownership as annotations: the environment ID ("team-a/demo") is no label value.
    // An adopted one keeps the run that made it.
    const runId = existing?.metadata?.annotations?.[ownershipTagKeys.createdByRun] ?? input.owner.runId;
    const annotations = { ...ownershipTags({ environmentId: input.owner.environmentId, runId }),
      ...(input.roleArn ? { [roleArnAnnotation]: input.roleArn } : {}) };
    const serviceAccount: V1ServiceAccount & { apiVersion: string; kind: string; metadata: { name: string } } = {
      apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: input.name, namespace: input.namespace, labels: { ...input.labels, ...labels }, annotations },
    };
    await apply(serviceAccount);
    return { ref, made };
  }

  /** Deletes the ServiceAccount when its annotations say it is this environment's. */
  async function deleteServiceAccount(input: DeleteOwner & { cluster: string; namespace: string; name: string }): Promise<DeleteOutcome> {
    const config = await kube.forCluster(input.cluster);
    const core = config.makeApiClient(CoreV1Api);
    const found = await kubeOrUndefined(`read ServiceAccount ${input.namespace}/${input.name}`, () => core.readNamespacedServiceAccount({ name: input.name, namespace: input.namespace }));
    return deleteIfOurs(found && { tags: found.metadata?.annotations ?? {} }, input, async () => {
      await kubeOrUndefined(`delete ServiceAccount ${input.namespace}/${input.name}`, () => core.deleteNamespacedServiceAccount({ name: input.name, namespace: input.namespace }));
    });
  }

  /**
   * CreatePodIdentityAssociation with a request token (a retry is the same request). When the
   * ServiceAccount already has an association (ResourceInUseException), it is found by
   * ListPodIdentityAssociations and adopted only when its tags say it is this environment's;
   * anyone else's is refused, by its ID.
   */
  async function ensurePodIdentityAssociation(input: {
    owner: Owner; region: string; cluster: string; namespace: string; serviceAccount: string; roleArn: string; tags?: Record<string, string>;
    /** Cross-account role chaining: EKS has roleArn assume this role for the pods. @default none */
    targetRoleArn?: string;
    /** @default false */
    disableSessionTags?: boolean;
  }): Promise<EnsuredResource & { associationId: string; externalId?: string }> {
    const ref = (arn: string) => ({ kind: 'pod-identity-association' as const, name: `${input.cluster}/${input.namespace}/${input.serviceAccount}`, region: input.region, arn });
    const existing = await findAssociation(input.cluster, input.namespace, input.serviceAccount);
    if (existing) {
      const { madeByThisRun } = adoptOrRefuse(`the pod identity association ${existing.associationId} of ${input.namespace}/${input.serviceAccount}`, existing.tags, input.owner);
      return { ref: ref(existing.associationArn), made: madeByThisRun, associationId: existing.associationId, ...externalIdOf(existing) };
    }
    const created = await eks.createPodIdentityAssociation({
      cluster: input.cluster, namespace: input.namespace, serviceAccount: input.serviceAccount, roleArn: input.roleArn, tags: ownershipTags(input.owner, input.tags),
      clientRequestToken: clientRequestToken(input.owner.runId, `${input.cluster}/${input.namespace}/${input.serviceAccount}`),
      ...(input.targetRoleArn ? { targetRoleArn: input.targetRoleArn } : {}), ...(input.disableSessionTags ? { disableSessionTags: true } : {}),
    }).catch(async (error: unknown) => {
      // Made between the look and the create (another attempt of this activity): look again.
      if (!(error instanceof Error && /ResourceInUseException/.test(error.message))) throw error;
      const raced = await findAssociation(input.cluster, input.namespace, input.serviceAccount);
      if (!raced) throw error;
      adoptOrRefuse(`the pod identity association ${raced.associationId} of ${input.namespace}/${input.serviceAccount}`, raced.tags, input.owner);
      return raced;
    });
    return { ref: ref(created.associationArn), made: ownershipOf(created.tags, input.owner) === 'created-by-this-run', associationId: created.associationId, ...externalIdOf(created) };
  }

  /** The external ID EKS gives a chained association, for the target role's trust policy (sts:ExternalId). */
  const externalIdOf = (association: { externalId?: string }) => (association.externalId ? { externalId: association.externalId } : {});

  async function findAssociation(cluster: string, namespace: string, serviceAccount: string) {
    const [summary] = await eks.listPodIdentityAssociations(cluster, { namespace, serviceAccount });
    return summary ? eks.describePodIdentityAssociation(cluster, summary.associationId) : undefined;
  }

  /** Deletes the ServiceAccount's association when its tags say it is this environment's; gone with its cluster counts as absent. */
  async function deletePodIdentityAssociation(input: DeleteOwner & { cluster: string; namespace: string; serviceAccount: string }): Promise<DeleteOutcome> {
    const found = await findAssociation(input.cluster, input.namespace, input.serviceAccount);
    return deleteIfOurs(found, input, () => eks.deletePodIdentityAssociation(input.cluster, found!.associationId));
  }

  const agent = () => eksManagedAddon(tools, podIdentityAgent);

  /** The eks-pod-identity-agent EKS add-on, created (or adopted when this environment's) as any EKS managed add-on. */
  async function ensurePodIdentityAgent(input: { owner: Owner; region: string; cluster: string }): Promise<EnsuredResource & { summary: string }> {
    const installed = await agent().install({ cluster: input.cluster, region: input.region, owner: input.owner } as never);
    const ref = { kind: 'eks-addon' as const, name: `${input.cluster}/${podIdentityAgentAddon}`, region: input.region };
    return { ref, made: installed.adopted !== true, summary: installed.summary };
  }

  /** One look at the agent: ACTIVE is ready; CREATE_FAILED fails with EKS's health issues. */
  async function podIdentityAgentStatus(input: { cluster: string }): Promise<{ status: string; ready: boolean; issues?: string[]; detail: string }> {
    const readiness = await agent().isReady({ cluster: input.cluster } as never);
    const detail = readiness.gates.map((g) => `${g.gate}: ${g.detail}`).join('; ');
    if (readiness.failed) return { status: readiness.failed.status, ready: false, issues: readiness.failed.issues, detail };
    return { status: readiness.ready ? 'ready' : 'waiting', ready: readiness.ready, detail };
  }

  /** Deletes an EKS managed add-on eksflow made, once its tags prove it is this environment's. */
  async function deleteManagedAddon(input: DeleteOwner & { cluster: string; name: string }): Promise<DeleteOutcome> {
    const found = await eks.describeAddon(input.cluster, input.name);
    return deleteIfOurs(found, input, () => eks.deleteAddon(input.cluster, input.name));
  }

  return {
    ensureWorkloadRole, applyServiceAccount, deleteServiceAccount, ensurePodIdentityAssociation, deletePodIdentityAssociation,
    ensurePodIdentityAgent, podIdentityAgentStatus, deleteManagedAddon,
  };
}

