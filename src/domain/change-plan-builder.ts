import type { ChangeAction, ChangeStep } from './change-plan';
import type { EnvironmentSpec } from './environment-spec';
import { latencyTable, type StepKind } from './latency';

/**
 * The pieces the change planner's parts share: the ids of the steps only a change has, the
 * builder the parts add steps, settings and refusals to, and the small diff helpers. Pure.
 */

export const changeStepIds = {
  clusterVersion: (minor: string) => `eks:cluster-version/${minor}`,
  clusterEndpointAccess: 'eks:cluster-endpoint-access',
  clusterVpcConfig: 'eks:cluster-vpc-config',
  clusterSetting: (field: string) => `eks:cluster-setting/${field}`,
  clusterEncryption: 'eks:cluster-encryption',
  identityProviderRemove: (name: string) => `eks:identity-provider-remove/${name}`,
  serviceAccountRemove: (key: string) => `k8s:service-account-remove/${key}`,
  upgradePrecheck: (version: string) => `k8s:upgrade-precheck/${version}`,
  nodegroupConfig: (eksName: string) => `eks:nodegroup-config/${eksName}`,
  nodegroupTags: (eksName: string) => `eks:nodegroup-tags/${eksName}`,
  nodegroupVersion: (eksName: string) => `eks:nodegroup-version/${eksName}`,
  drain: (eksName: string) => `k8s:drain/${eksName}`,
  nodegroupDelete: (eksName: string) => `eks:nodegroup-delete/${eksName}`,
  fargateProfileDelete: (eksName: string) => `eks:fargate-profile-delete/${eksName}`,
  addonUpgrade: (addon: string) => `addon-upgrade:${addon}`,
  addonRemove: (addon: string) => `addon-remove:${addon}`,
  eksAddonUpdate: (addon: string) => `eks:addon-update/${addon}`,
  eksAddonDelete: (addon: string) => `eks:addon-delete/${addon}`,
  accessEntryUpdate: (principalArn: string) => `eks:access-entry-update/${principalArn}`,
  accessEntryDelete: (principalArn: string) => `eks:access-entry-delete/${principalArn}`,
  appRollout: 'app:rollout',
  appRemove: 'app:remove',
} as const;

export interface Problem { path: string; message: string }

export interface NewStep {
  id: string;
  kind: StepKind;
  action: ChangeAction;
  title: string;
  change: string;
  dependsOn?: (string | undefined)[];
  subject?: string;
  irreversible?: boolean;
  /** @default the kind's median latency */
  estimateSeconds?: number;
}

/** What the parts of the change planner fill in, one spec area each. */
export class ChangeBuilder {
  readonly steps: ChangeStep[] = [];
  readonly unchanged: string[] = [];
  readonly settings: string[] = [];
  readonly problems: Problem[] = [];
  /** Top-level spec fields whose difference became a step, a setting or a refusal. */
  readonly accounted = new Set<string>();
  /** Links made once every part has added its steps (a part that runs early waits for a later one's steps). */
  readonly deferred: (() => void)[] = [];

  constructor(readonly live: EnvironmentSpec, readonly next: EnvironmentSpec) {}

  add({ id, kind, action, title, change, dependsOn = [], subject, irreversible, estimateSeconds }: NewStep): string {
    this.steps.push({
      id, kind, action, title, change, dependsOn: [...new Set(dependsOn.filter((d): d is string => d !== undefined))],
      estimateSeconds: estimateSeconds ?? latencyTable[kind].medianSeconds,
      ...(subject ? { subject } : {}), ...(irreversible ? { irreversible } : {}),
    });
    return id;
  }

  refuse(path: string, message: string): void {
    this.problems.push({ path, message });
    this.accounted.add(path.split('/')[1] ?? path);
  }

  /** The ids of the steps of these kinds made so far, in order. */
  ids(...kinds: StepKind[]): string[] {
    return this.steps.filter((step) => kinds.includes(step.kind)).map((step) => step.id);
  }

  has(id: string): boolean {
    return this.steps.some((step) => step.id === id);
  }

  step(id: string): ChangeStep | undefined {
    return this.steps.find((step) => step.id === id);
  }
}

/** Deep equality of JSON values, key order ignored. */
export function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** A value as a person reads it in a change: lists joined, objects as compact JSON, nothing as "none". */
export function show(value: unknown): string {
  if (value === undefined || value === null) return 'none';
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return value.length > 0 ? value.join(', ') : 'none';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** "field a → b" for a field that differs. */
export const fromTo = (field: string, before: unknown, after: unknown) => `${field} ${show(before)} → ${show(after)}`;

/** The keys that differ between two objects, in the order they appear (the next one's first). */
export function differingKeys<T extends object>(before: T | undefined, after: T | undefined): (keyof T & string)[] {
  const keys = [...new Set([...Object.keys(after ?? {}), ...Object.keys(before ?? {})])] as (keyof T & string)[];
  return keys.filter((key) => !same(before?.[key], after?.[key]));
}

/** "+team=a, -old": a map's additions and changes, then its removals. */
export function mapChange(before: Record<string, string> | undefined, after: Record<string, string> | undefined): string {
  const added = Object.entries(after ?? {}).filter(([k, v]) => before?.[k] !== v).map(([k, v]) => `+${k}=${v}`);
  const removed = Object.keys(before ?? {}).filter((k) => !(after && k in after)).map((k) => `-${k}`);
  return [...added, ...removed].join(', ');
}

/** The number of a Kubernetes minor: "1.35" → 35. */
export const minorNumber = (version: string) => Number(version.split('.')[1]);
