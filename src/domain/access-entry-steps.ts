import { describeAccessEntry } from './access-entries';
import type { EnvironmentSpec } from './environment-spec';
import { stepIds, type AddStep } from './planner';

/**
 * One step per principal, once the cluster is ACTIVE (EKS refuses access entries before:
 * InvalidRequestException): its access entry and that entry's policy associations, as eksctl
 * makes one stack per entry (pkg/actions/accessentry/task.go). A spec without access entries
 * gets no step, so runs started before access entries plan exactly as they did.
 */
export function addAccessEntrySteps(spec: EnvironmentSpec, add: AddStep): void {
  for (const entry of spec.access?.entries ?? []) {
    add(stepIds.accessEntry(entry.principalArn), 'access-entry', `grant ${describeAccessEntry(entry)}`, [stepIds.cluster], entry.principalArn);
  }
}
