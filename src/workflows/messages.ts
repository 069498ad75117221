import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
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

export const phases = ['provisioning', 'ready', 'scaling', 'rolling-back', 'rolled-back', 'tearing-down', 'torn-down', 'failed'] as const;
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
}

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
