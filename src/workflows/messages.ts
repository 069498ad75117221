import { defineQuery } from '@temporalio/workflow';
import type { LedgerEntry } from '../domain/ledger';

// Every message a provisioning run answers, in one place.

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

export type Phase = 'planning' | 'provisioning' | 'ready' | 'rolling-back' | 'rolled-back' | 'failed';

export interface Progress {
  environment: string;
  phase: Phase;
  steps: StepProgress[];
  ledger: LedgerEntry[];
}

export const progressQuery = defineQuery<Progress>('progress');
