import type { KubeConfig } from '@kubernetes/client-node';
import type { KubernetesMinor, ResolvedAddon } from '../../domain/addon-catalog';
import type { AddonsSpec } from '../../domain/environment-spec';
import type { Owner } from '../../domain/ownership';
import type { EksApi } from '../aws/eks';
import type { LogsApi } from '../aws/logs';
import type { createHelmActivities } from '../helm';
import type { KubeAccess } from '../nodes-ready';
import type { Pace } from '../pace';

/** Everything an add-on's install needs to know about the environment it goes into. */
export interface AddonContext {
  cluster: string;
  region: string;
  kubernetesVersion: KubernetesMinor;
  /** Who is installing: the environment (for labels and tags) and the run (for request tokens). */
  owner: Owner;
  /** The spec's add-on options, so an add-on can read its own (and see its neighbours). */
  options: AddonsSpec;
  /** The cluster's VPC: the load balancer controller must be told it when IMDS is out of reach (Fargate). */
  vpcId?: string;
  /** The IRSA role made for the add-on's ServiceAccount, when the catalog says it calls AWS. */
  roleArn?: string;
}

/** The clients add-ons install through; the worker builds them once. */
export interface AddonTools {
  kube: KubeAccess;
  helm: ReturnType<typeof createHelmActivities>;
  eks: EksApi;
  /** CloudWatch Logs, for add-ons that make their own log groups (Fluent Bit alone). */
  logs?: LogsApi;
  /** Pauses between looks, shrunk for a faster cloud. @default as given */
  pace?: Pace;
}

export interface AddonInstalled {
  /** How it went in, for the step's detail: "helm aws-load-balancer-controller revision 2". */
  summary: string;
  /**
   * It was there already and this run did not make it (an EKS add-on the cluster came with, or
   * one an earlier run or someone else made): the ledger records it as adopted, and a rollback
   * of this run leaves it. @default false
   */
  adopted?: boolean;
}

export interface GateReport {
  /** The gate as a person reads it: "deployment kube-system/metrics-server available". */
  gate: string;
  ok: boolean;
  /** What was observed: "1/2 replicas available", "no ready endpoints". */
  detail: string;
}

export interface AddonReadiness {
  ready: boolean;
  gates: GateReport[];
  /**
   * A state waiting cannot leave: an EKS managed add-on CREATE_FAILED, with its health issues
   * ("code: message"), as Terraform fails waitAddonCreated with them (catalog entry 32).
   */
  failed?: { status: string; issues: string[] };
}

/** The uniform contract every add-on file exports, as CDK EKS Blueprints has one per add-on. */
export interface AddonModule {
  /** Installs or upgrades to the catalog's pinned version; safe to repeat. */
  install(context: AddonContext): Promise<AddonInstalled>;
  /** One look at the add-on's readiness gates; returns quickly, never waits. */
  isReady(context: AddonContext): Promise<AddonReadiness>;
  /** Removes what install made; `removed: false` when it was already gone. */
  uninstall(context: AddonContext): Promise<{ removed: boolean }>;
}

/** How an add-on file is built: from the shared tools and its catalog entry, resolved for this environment. */
export type AddonFactory = (tools: AddonTools, addon: ResolvedAddon) => AddonModule;

/** The cluster's API for one call, as the add-on's checks use it. */
export type ClusterConfig = (cluster: string) => Promise<KubeConfig>;
