import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { holdsSomething, Ledger, type LedgerEntry, type ResourceKind, type ResourceRef } from '../domain/ledger';
import { serviceRoles } from '../domain/service-roles';
import { karpenterQueueName } from '../domain/iam-policies/karpenter';
import type { KubernetesMinor } from '../domain/addon-catalog';
import type { AddonsSpec, AppSpec } from '../domain/environment-spec';
import { awsCall, heartbeatingWait } from './activity-options';
import { deleteAll, messageOf, type OnCluster } from './delete-resources';

const aws = proxyActivities<Activities>(awsCall);
const waits = proxyActivities<Activities>(heartbeatingWait);

export interface TeardownInput {
  environmentId: string;
  region: string;
  cluster: string;
  /** The provisioning run's ledger, when there is one; tags find the rest. */
  ledger?: LedgerEntry[];
  /** Keep the ECR repository and its images. @default false */
  keepImages?: boolean;
  /** How the add-ons and the app were asked for, so they can be uninstalled; without it they go with the cluster. */
  installed?: { kubernetesVersion: KubernetesMinor; addons: AddonsSpec; app?: AppSpec };
  /**
   * How much faster than AWS the cloud runs (a simulated one): waits poll that much more often.
   * Passed by the environment's own run; a teardown started from outside (a cleanup) asks its
   * worker instead. @default the worker's
   */
  timeScale?: number;
}

export interface TeardownReport {
  deleted: ResourceRef[];
  /** Deletes that kept failing, with their last error. */
  failed: LedgerEntry[];
  /** What a fresh look still finds afterwards; a complete teardown leaves this empty. */
  leftovers: ResourceRef[];
}

// Dependents before what they depend on: node groups and profiles before the cluster, IRSA
// roles before the OIDC provider they trust, the cluster's own roles after it is gone.
// Karpenter's instances go once its controller (an add-on) is uninstalled, so nothing launches
// them again, and before the cluster and the node role their instance profiles hold.
const order: (ResourceKind | 'irsa-role' | 'service-role')[] = [
  'app', 'aws-auth', 'service-account', 'addon', 'karpenter-nodes', 'discovery-tag', 'pod-identity-association', 'eks-addon', 'eks-capability', 'eks-access-entry', 'eks-nodegroup', 'autoscaling-group', 'launch-template', 'instance-profile', 'ec2-launch-template', 'ec2-key-pair', 'ssh-security-group',
  'eks-fargate-profile', 'eks-cluster', 'kms-key', 'interruption-queue', 'irsa-role', 'oidc-provider', 'service-role', 'ecr-repository',
  'load-balancer', 'target-group', 'network-interface', 'security-group', 'log-group', 'vpc',
];

/**
 * Removes everything an environment holds, found through its ledger and through ownership
 * tags (so it works when the provisioning history is gone), then sweeps what the cluster
 * made for itself, and reports what a fresh look still finds.
 */
export async function teardownEnvironment(input: TeardownInput): Promise<TeardownReport> {
  const where = { environmentId: input.environmentId, region: input.region, cluster: input.cluster };
  const serviceRoleNames = new Set(Object.values(serviceRoles).map((role) => role.name(input.cluster)));
  const rank = (ref: ResourceRef) => order.indexOf(ref.kind === 'iam-role' ? (serviceRoleNames.has(ref.name) ? 'service-role' : 'irsa-role') : ref.kind);
  const kept = (ref: ResourceRef) => input.keepImages === true && ref.kind === 'ecr-repository';

  const timeScale = input.timeScale ?? (patched('time-scale-from-worker') ? (await aws.cloudTimeScale()).timeScale : undefined);
  const found = await aws.discoverEnvironment(where);
  // The cluster is this environment's when its tags say so, or the ledger says this environment
  // made it (it may be gone already). Only then is anything on it, or made by it, ours to delete:
  // a cluster of the same name may be another tenant's, whose load balancers carry the same tags.
  const clusterIsOurs = found.owned.some((ref) => ref.kind === 'eks-cluster')
    || (input.ledger ?? []).some((e) => e.kind === 'eks-cluster' && ['confirmed', 'adopted', 'compensation-failed', 'delete-failed', 'deleted', 'compensated'].includes(e.state));
  const ownWhere = { ...where, clusterIsOurs };
  const targets = new Map<string, ResourceRef>();
  for (const ref of [...(input.ledger ?? []).filter(holdsSomething), ...found.owned]) {
    const { kind, name, region, arn } = ref;
    targets.set(`${kind}:${name}`, { kind, name, region, ...(arn ? { arn } : {}) });
  }
  // A Karpenter environment's instances and queue, when the ledger lacks them (a run cut off
  // before the add-on step): found by their tags and names. Only specs with addons.karpenter,
  // so no earlier history takes this path.
  if (input.installed?.addons.karpenter && clusterIsOurs) {
    for (const ref of [{ kind: 'karpenter-nodes' as const, name: input.cluster }, { kind: 'interruption-queue' as const, name: karpenterQueueName(input.cluster) }]) {
      if (!targets.has(`${ref.kind}:${ref.name}`)) targets.set(`${ref.kind}:${ref.name}`, { ...ref, region: input.region });
    }
  }
  const asEntries = (refs: ResourceRef[], step: string) => refs.filter((ref) => !kept(ref)).sort((a, b) => rank(a) - rank(b)).map((ref) => ({ ...ref, step, state: 'confirmed' as const }));
  const isVpc = (ref: ResourceRef) => ref.kind === 'vpc';
  const failed: LedgerEntry[] = [];
  const clusterActive = clusterIsOurs && (await aws.describeCluster(input.cluster))?.status === 'ACTIVE';
  // Load balancers first, through Kubernetes, while the controller that made them still runs:
  // deleted behind its back, it would make them again; left, they hold the VPC.
  if (clusterActive) {
    try {
      await waits.deleteLoadBalancedObjects({ cluster: input.cluster });
    } catch (error) {
      // The sweep below still finds them by the controller's tags.
      failed.push({ kind: 'load-balancer', name: `${input.cluster}/LoadBalancer Services and Ingresses`, region: input.region, step: 'teardown', state: 'delete-failed', error: messageOf(error) });
    }
  }
  // The app and add-ons are uninstalled while the cluster answers; otherwise they go with it.
  const onCluster: OnCluster | undefined = clusterActive && input.installed ? {
    addon: (addon) => ({
      addon,
      context: { cluster: input.cluster, region: input.region, kubernetesVersion: input.installed!.kubernetesVersion, options: input.installed!.addons, owner: { environmentId: input.environmentId, runId: 'teardown' } },
    }),
    ...(input.installed.app ? { app: input.installed.app } : {}),
  } : undefined;
  const inCluster = (ref: ResourceRef) => ref.kind === 'addon' || ref.kind === 'app' || ref.kind === 'service-account';
  // An identity provider config goes with its cluster: disassociating it first would only add minutes.
  const partOfCluster = (ref: ResourceRef) => ref.kind === 'eks-identity-provider';
  const goWithCluster = [...(onCluster ? [] : [...targets.values()].filter(inCluster)), ...[...targets.values()].filter(partOfCluster)];
  const ledger = new Ledger(asEntries([...targets.values()].filter((ref) => !isVpc(ref) && !partOfCluster(ref) && (onCluster || !inCluster(ref))), 'teardown'));
  const deleting = { environmentId: input.environmentId, ...(timeScale !== undefined ? { speedup: timeScale } : {}) };
  failed.push(...(await deleteAll(ledger, ledger.entries(), ['deleted', 'delete-failed'], { ...deleting, ...(onCluster ? { onCluster } : {}) })));

  // Only once the cluster is gone can nothing recreate what its controllers made; the VPC
  // goes last, when the ENIs and security groups in it are gone.
  const clusterMade = (await aws.discoverEnvironment(ownWhere)).clusterMade;
  const sweep = new Ledger(asEntries([...clusterMade, ...[...targets.values()].filter(isVpc)], 'sweep'));
  failed.push(...(await deleteAll(sweep, sweep.entries(), ['deleted', 'delete-failed'], deleting)));

  const after = await aws.discoverEnvironment(ownWhere);
  const clusterGone = ledger.entries().some((e) => e.kind === 'eks-cluster' && e.state === 'deleted');
  return {
    deleted: [
      ...[...ledger.entries(), ...sweep.entries()].filter((e) => e.state === 'deleted').map(({ kind, name, region }) => ({ kind, name, region })),
      ...(clusterGone ? goWithCluster : []),
    ],
    failed,
    leftovers: [...after.owned.filter((ref) => !kept(ref)), ...after.clusterMade],
  };
}
