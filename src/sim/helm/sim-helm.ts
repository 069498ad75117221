import { ApplicationFailure } from '@temporalio/common';
import { helmErrorTypes, releaseOwnerLabels, type HelmApi, type HelmInstallInput, type HelmRelease, type HelmReleaseRef } from '../../activities/helm';
import { errorTypes } from '../../domain/errors';
import { forbidden, KubeApiError } from '../kube/api-errors';
import type { SimKube } from '../kube/index';
import type { ObjectStore } from '../kube/object-store';
import type { ObjectDraft } from '../kube/objects';
import { inInstallOrder, releaseObjects } from './chart-objects';
import { applyObjects as apply, removeObjects as remove, typeOf } from './apply-objects';
import { HelmOperation } from './helm-operation';
import { notReady } from './release-readiness';
import { ReleaseRecords, type ReleaseRecord } from './release-records';

export interface SimHelmOptions {
  /** What helm itself takes per command (render, apply, bookkeeping), in simulated ms. @default 5000 */
  operationMs?: number;
  /** How often a waiting command heartbeats, in real ms, as the real activity does. @default 5000 */
  heartbeatMs?: number;
}

/** A step of the simulated helm failed as helm would, with helm's words. */
class HelmStepFailure extends Error {}

/**
 * Helm for simulated clusters, behind the same `HelmApi` as the real binary: releases with
 * revisions and helm's statuses (pending-install, pending-upgrade, deployed, superseded,
 * failed, uninstalling) kept as helm's release Secrets, objects applied server-side as
 * field manager "helm" through admission (so the Load Balancer Controller's webhook refuses
 * a chart's Service while it has no endpoints), `--wait=watcher` until they are ready within
 * the timeout (simulated seconds), `--rollback-on-failure`, interrupted releases recovered,
 * failures typed as `helmErrorTypes`. The objects are the ones the add-on's chart would make,
 * as far as eksflow looks (see chart-objects.ts).
 */
export function createSimHelm(kube: Pick<SimKube, 'cluster' | 'timing'>, options: SimHelmOptions = {}): HelmApi {
  const operationMs = kube.timing.real(options.operationMs ?? 5_000);
  const heartbeatMs = options.heartbeatMs ?? 5_000;

  const storeOf = (cluster: string): ObjectStore => {
    const found = kube.cluster(cluster);
    // As the real activity fails to get a kubeconfig for a cluster with no endpoint.
    if (!found) throw ApplicationFailure.retryable(`cluster ${cluster} has no endpoint yet (not found)`, errorTypes.awsRetryable);
    return found.store;
  };

  /** Runs one helm command; its failures become the activity's, a cancellation passes as it is. */
  async function command<T>(input: HelmReleaseRef, step: string, what: string, run: (store: ObjectStore, operation: HelmOperation) => Promise<T>): Promise<T> {
    const store = storeOf(input.cluster);
    const operation = new HelmOperation(store, input.release, step, heartbeatMs);
    try {
      return await run(store, operation);
    } catch (error) {
      if (operation.signal?.aborted || error instanceof ApplicationFailure) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const invalid = error instanceof KubeApiError && (error.code === 400 || error.code === 422);
      const failure = `${what} failed (exit 1): Error: ${message}`;
      throw invalid ? ApplicationFailure.nonRetryable(failure, helmErrorTypes.chartInvalid) : ApplicationFailure.retryable(failure, helmErrorTypes.failed);
    } finally {
      operation.end();
    }
  }

  const gone = (store: ObjectStore, manifest: readonly ObjectDraft[]) => {
    const left = manifest.find((draft) => store.find(typeOf(store, draft), draft.metadata.namespace, draft.metadata.name));
    return left ? `${left.kind} ${left.metadata.name} is still being deleted` : undefined;
  };

  /** `--rollback-on-failure`: a first install is uninstalled, an upgrade rolled back to the last deployed revision. */
  function rollBack(store: ObjectStore, records: ReleaseRecords, failed: ReleaseRecord, lastDeployed: ReleaseRecord | undefined, reason: string): void {
    if (!lastDeployed) {
      remove(store, failed.manifest);
      records.removeAll(failed.namespace, failed.name);
      return;
    }
    records.setStatus(failed, 'failed', `Upgrade "${failed.name}" failed: ${reason}`);
    apply(store, lastDeployed.manifest, failed.manifest);
    records.setStatus(lastDeployed, 'superseded', lastDeployed.info.description);
    records.write({ ...lastDeployed, version: failed.version + 1, info: { ...lastDeployed.info, status: 'deployed', last_deployed: new Date().toISOString(), description: `Rollback to ${lastDeployed.version}` } });
  }

  /** A release a crashed helm left pending-*: removed if it never deployed, else rolled back. */
  function recover(store: ObjectStore, records: ReleaseRecords, input: HelmReleaseRef): void {
    const history = records.history(input.namespace, input.release);
    const latest = history.at(-1);
    if (!latest?.info.status.startsWith('pending-')) return;
    const lastDeployed = history.filter((r) => r.version < latest.version && (r.info.status === 'deployed' || r.info.status === 'superseded')).at(-1);
    rollBack(store, records, latest, latest.info.status === 'pending-install' ? undefined : lastDeployed, 'interrupted');
  }

  async function helmUpgradeInstall(input: HelmInstallInput): Promise<HelmRelease> {
    const what = `helm upgrade --install ${input.release} (chart ${input.chart.name} ${input.chart.version})`;
    return command(input, 'upgrade', what, async (store, operation) => {
      const records = new ReleaseRecords(store);
      recover(store, records, input);
      const namespaces = store.typeOf('Namespace');
      // --create-namespace; a namespace being deleted refuses the release Secret (403) below.
      if (!store.find(namespaces, undefined, input.namespace)) store.create(namespaces, undefined, { metadata: { name: input.namespace } }, { fieldManager: 'helm', admission: false });
      const history = records.history(input.namespace, input.release);
      const lastDeployed = history.filter((r) => r.info.status === 'deployed').at(-1);
      // As the binary's activity: a first install is labelled with its owner; a release already
      // there keeps its labels and, unless they name this run, is adopted.
      const existing = history.at(-1);
      const ownLabels = input.owner ? releaseOwnerLabels(input.owner) : undefined;
      const adopted = existing !== undefined && !(ownLabels && Object.entries(ownLabels).every(([k, v]) => existing.labels?.[k] === v));
      const labels = existing ? existing.labels : ownLabels;
      const version = (history.at(-1)?.version ?? 0) + 1;
      const at = new Date().toISOString();
      let record: ReleaseRecord = {
        name: input.release, namespace: input.namespace, version,
        info: { status: lastDeployed ? 'pending-upgrade' : 'pending-install', first_deployed: history[0]?.info.first_deployed ?? at, last_deployed: at, description: lastDeployed ? 'Preparing upgrade' : 'Initial install underway' },
        chart: { metadata: { name: input.chart.name, version: input.chart.version } },
        config: input.values,
        manifest: inInstallOrder(releaseObjects(input)),
        ...(labels ? { labels } : {}),
      };
      if (store.find(namespaces, undefined, input.namespace)?.metadata.deletionTimestamp) {
        throw forbidden(store.typeOf('Secret'), `sh.helm.release.v1.${input.release}.v${version}`, `unable to create new content in namespace ${input.namespace} because it is being terminated`);
      }
      records.write(record);
      const verb = lastDeployed ? 'UPGRADE FAILED' : 'INSTALLATION FAILED';
      try {
        await operation.pause(operationMs);
        try {
          apply(store, record.manifest, lastDeployed?.manifest ?? []);
        } catch (error) {
          if (error instanceof KubeApiError) error.message = `${verb}: failed to create resource: ${error.message}`;
          throw error;
        }
        const problem = await operation.until(() => notReady(store, record.manifest), Date.now() + kube.timing.real(input.timeoutSeconds * 1000));
        if (problem) throw new HelmStepFailure(`${verb}: ${problem}: context deadline exceeded`);
      } catch (error) {
        rollBack(store, records, record, lastDeployed, error instanceof Error ? error.message : String(error));
        throw error;
      }
      if (lastDeployed) records.setStatus(lastDeployed, 'superseded', lastDeployed.info.description);
      record = records.setStatus(record, 'deployed', lastDeployed ? 'Upgrade complete' : 'Install complete');
      return { release: input.release, namespace: input.namespace, revision: record.version, status: record.info.status, chartVersion: input.chart.version, adopted };
    });
  }

  async function helmUninstall(input: HelmReleaseRef & { timeoutSeconds: number }): Promise<{ removed: boolean }> {
    return command(input, 'uninstall', `helm uninstall ${input.release}`, async (store, operation) => {
      const records = new ReleaseRecords(store);
      const latest = records.latest(input.namespace, input.release);
      if (!latest) return { removed: false };
      records.setStatus(latest, 'uninstalling', 'Deletion in progress (or silently failed)');
      await operation.pause(operationMs);
      remove(store, latest.manifest);
      // --wait: until what the release made is gone.
      const left = await operation.until(() => gone(store, latest.manifest), Date.now() + kube.timing.real(input.timeoutSeconds * 1000));
      if (left) throw new HelmStepFailure(`uninstallation completed with 1 error(s): ${left}: context deadline exceeded`);
      records.removeAll(input.namespace, input.release);
      return { removed: true };
    });
  }

  async function helmReleaseStatus(input: HelmReleaseRef): Promise<{ status: string; revision: number } | undefined> {
    const latest = new ReleaseRecords(storeOf(input.cluster)).latest(input.namespace, input.release);
    return latest ? { status: latest.info.status, revision: latest.version } : undefined;
  }

  return { helmUpgradeInstall, helmUninstall, helmReleaseStatus };
}
