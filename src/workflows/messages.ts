import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChangePlan } from '../domain/change-plan';
import type { DriftReport } from '../domain/drift';
import type { EnvironmentSpec } from '../domain/environment-spec';
import type { LedgerEntry } from '../domain/ledger';

// Every message an environment run answers, in one place.

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'compensated' | 'skipped';

export interface StepProgress {
  id: string;
  title: string;
  state: StepState;
  estimateSeconds: number;
  startedAt?: string;
  endedAt?: string;
  attempts: number;
  /** The last thing observed (a status, a node count), as the UI shows it. */
  detail?: string;
  lastError?: string;
}

export const phases = ['provisioning', 'ready', 'scaling', 'changing', 'rolling-back', 'rolled-back', 'tearing-down', 'torn-down', 'failed'] as const;
export type Phase = (typeof phases)[number];

export interface NodegroupScaling {
  minSize: number;
  desiredSize: number;
  maxSize: number;
}

export interface Progress {
  environment: string;
  phase: Phase;
  steps: StepProgress[];
  ledger: LedgerEntry[];
  /** The API server's endpoint and CA (base64 PEM, public), once the cluster is ACTIVE. */
  cluster: { endpoint?: string; certificateAuthority?: string; oidcIssuer?: string };
  /** The app's image, pinned by digest once imported. */
  image?: string;
  nodeGroups: Record<string, NodegroupScaling>;
  /** Where the app answers, once its NLB is up. */
  appUrl?: string;
  /** The change running now, or the last one (`eksflow env apply`). */
  change?: ChangeProgress;
  /** The spec the environment stands on now: the requested one, or the last change's. */
  spec?: EnvironmentSpec;
  /** Node groups a change replaced, by spec name: the EKS name each lives under now. */
  nodegroupNames?: Record<string, string>;
  /** The same for Fargate profiles. */
  fargateProfileNames?: Record<string, string>;
  /** The last drift check: where the environment no longer matches its spec (empty: it does). */
  drift?: DriftReport & { error?: string };
}

export type ChangeState = 'running' | 'applied' | 'rolled-back' | 'stopped';

/** One change applied to a live environment: its plan's steps as they run. */
export interface ChangeProgress {
  /** The Update's ID: what a second change is told when it is refused. */
  id: string;
  state: ChangeState;
  /** One line: what the change plan does ("3 steps: ~ eks:nodegroup-config/on-demand, …"). */
  summary: string;
  steps: StepProgress[];
  startedAt: string;
  endedAt?: string;
  /** How it ended, when it did not apply: what failed, what was undone, what stays as it is. */
  outcome?: string;
}

export interface ChangeRequest {
  /** The whole new spec, validated at the API's edge as a new environment's is. */
  spec: EnvironmentSpec;
  /**
   * Node group version updates go on when PodDisruptionBudgets block the drain, as EKS's
   * force flag allows (pods are deleted instead of evicted). @default false
   */
  force?: boolean;
  /**
   * The change plan the caller previewed (PUT makes it): the run follows it, so a history
   * replays the plan it ran, whatever later code would plan. The validator refuses it when
   * it is no longer what the live spec and this one give. Without it, the run plans itself.
   */
  plan?: ChangePlan;
}

/** Applies a changed spec to the ready environment; refused by the validator, with the reason, when it cannot be. */
export const applyChangeUpdate = defineUpdate<ChangeProgress, [ChangeRequest]>('applyChange');

export const progressQuery = defineQuery<Progress>('progress');

export interface ScaleRequest {
  nodeGroup: string;
  desiredSize: number;
  /** Unchanged when left out. */
  minSize?: number;
  maxSize?: number;
}

/** Resizes a node group and returns once its nodes are Ready; refused by the validator when the request cannot be met. */
export const scaleNodeGroupUpdate = defineUpdate<NodegroupScaling, [ScaleRequest]>('scaleNodeGroup');

/** Ends a ready environment: everything it made is deleted, newest first. */
export const teardownSignal = defineSignal<[{ reason: string }]>('teardown');
