import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { HelmChart } from '../domain/addon-catalog';
import { labelValue } from '../domain/app-manifests';
import { ownershipTagKeys, type Owner } from '../domain/ownership';
import type { KubeAccess } from './nodes-ready';

/** A chart pinned to one version, as the add-on catalog names it. */
export type ChartRef = HelmChart;

export interface HelmDeps {
  kube: KubeAccess;
  /** Path of the helm v4 binary. */
  binary: string;
  /** Maps a catalog chart to helm's chart arguments; tests map to the real packaged chart in the tools cache (test/support/charts.ts). @default {@link chartSourceArgs} */
  chartArgs?: (chart: ChartRef) => string[];
}

export interface HelmReleaseRef {
  cluster: string;
  release: string;
  namespace: string;
}

export interface HelmInstallInput extends HelmReleaseRef {
  chart: ChartRef;
  /** The release's values, complete: the chart's defaults plus these, never the last release's. */
  values: Record<string, unknown>;
  /**
   * helm's --timeout for the rollout (and for recovering an interrupted release). The EKS token in the
   * kubeconfig lives 15 minutes, so keep this well under that.
   */
  timeoutSeconds: number;
  /**
   * Who installs: a first install labels the release with it (`helm --labels`, kept on helm's
   * storage Secret), so a retry knows the release as this run's and a later run, or a release
   * someone else made, is reported adopted. A release already there is never relabelled: helm
   * merges upgrade labels in, and stamping a foreign release would make it look like ours.
   */
  owner?: Owner;
}

export interface HelmRelease {
  release: string;
  namespace: string;
  revision: number;
  status: string;
  chartVersion?: string;
  /** The release was there before this call and this run did not make it. */
  adopted?: boolean;
}

/** The labels a first install puts on a release: its environment and the run that made it. */
export function releaseOwnerLabels(owner: Owner): Record<string, string> {
  return { [ownershipTagKeys.environment]: labelValue(owner.environmentId), [ownershipTagKeys.createdByRun]: labelValue(owner.runId) };
}

/**
 * Failure types helm activities throw. Local to helm: the workflow sees `nonRetryable` on the
 * failure itself, so the shared list in domain/errors.ts need not know them.
 */
export const helmErrorTypes = {
  /** helm failed in a way that may pass: a rollout that timed out, a busy release, an unreachable API server. */
  failed: 'HelmFailed',
  /** The chart, its values or the objects they render are invalid: only another chart or other values can cure it. */
  chartInvalid: 'HelmChartInvalid',
} as const;

/** The catalog's chart as helm's arguments: `oci://registry/path/name` or a name in an https repository. */
export function chartSourceArgs(chart: ChartRef): string[] {
  return chart.repo.startsWith('oci://')
    ? [`${chart.repo.replace(/\/+$/, '')}/${chart.name}`, '--version', chart.version]
    : [chart.name, '--repo', chart.repo, '--version', chart.version];
}

const heartbeatEveryMs = 5_000;
/** helm 4 answers SIGTERM by cancelling and rolling back its own operation, which takes well under this. */
const killGraceMs = 5_000;
const stderrTailLines = 20;
const runDirPrefix = 'eksflow-helm-run-';

/** Rendering, schema and API-validation failures: the same chart and values fail the same way next time. */
const invalidChartOrValues = [
  /\bis invalid\b/,
  /\bchart "[^"]*"( version "[^"]*")? not found/,
  /not found in .* repository/,
  /no chart (version|name) found/,
  /failed to parse/,
  /parse error/,
  /error converting YAML to JSON/,
  /unable to build kubernetes objects/,
  /error validating data/,
  /values don't meet the specifications of the schema/,
  /execution error at/,
  /\btemplate: .*(executing|not defined)/,
  /validation: chart\.metadata/,
];
const releaseNotFound = /release: not found/;

interface HelmRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A helm bound to one cluster through a private kubeconfig; `run` heartbeats and obeys cancellation. */
interface HelmSession {
  run(args: string[]): Promise<HelmRun>;
  /** The failure to throw for a run that failed: helm's stderr, trimmed and with credentials masked. */
  failure(what: string, result: HelmRun): ApplicationFailure;
  /** A file in the session's private directory, removed with it. */
  privateFile(name: string, content: string): Promise<string>;
}

/** The three helm operations the activities expose: the real binary behind them, or a simulated Helm. */
export interface HelmApi {
  helmUpgradeInstall(input: HelmInstallInput): Promise<HelmRelease>;
  helmUninstall(input: HelmReleaseRef & { timeoutSeconds: number }): Promise<{ removed: boolean }>;
  helmReleaseStatus(input: HelmReleaseRef): Promise<{ status: string; revision: number } | undefined>;
}

/**
 * The helm activities over a Helm port: the real binary (`binaryHelm`) or the simulated
 * cloud's. Which one is chosen where the worker's dependencies are made, never guessed here.
 */
export function createHelmActivities(api: HelmApi): HelmApi {
  // Plain functions, as the worker registers activities by property name.
  return {
    helmUpgradeInstall: (input) => api.helmUpgradeInstall(input),
    helmUninstall: (input) => api.helmUninstall(input),
    helmReleaseStatus: (input) => api.helmReleaseStatus(input),
  };
}

/** The Helm port over the real helm v4 binary, one private kubeconfig and home per call. */
export function binaryHelm(deps: HelmDeps): HelmApi {
  const chartArgs = deps.chartArgs ?? chartSourceArgs;

  /**
   * Runs `use` with a helm whose kubeconfig (holding the cluster's token) and config, cache and data
   * dirs live in one private temp dir, removed however `use` ends: success, failure or cancellation.
   */
  async function withHelm<T>(input: HelmReleaseRef, use: (helm: HelmSession) => Promise<T>): Promise<T> {
    const config = await deps.kube.forCluster(input.cluster);
    const dir = await mkdtemp(join(tmpdir(), runDirPrefix));
    try {
      const privateFile = async (name: string, content: string) => {
        const file = join(dir, name);
        await writeFile(file, content, { mode: 0o600 });
        return file;
      };
      const env = {
        // Helm reads HELM_KUBECONTEXT, HELM_KUBETOKEN, HELM_DRIVER... from the environment: the
        // worker's own must not steer it away from this cluster or this release storage.
        ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('HELM_'))),
        // The token rides in this file only, never in argv (which `ps` shows) or a log line.
        KUBECONFIG: await privateFile('kubeconfig', config.exportConfig()),
        HELM_CONFIG_HOME: join(dir, 'config'),
        HELM_CACHE_HOME: join(dir, 'cache'),
        HELM_DATA_HOME: join(dir, 'data'),
      };
      const mask = credentialMask(config);
      return await use({
        run: (args) => runHelm(deps.binary, args, env, input.release),
        failure: (what, result) => helmFailure(what, result, mask),
        privateFile,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function statusOf(helm: HelmSession, input: HelmReleaseRef): Promise<{ status: string; revision: number } | undefined> {
    const result = await helm.run(['status', input.release, '--namespace', input.namespace, '--output', 'json']);
    if (result.code !== 0) {
      if (releaseNotFound.test(result.stderr)) return undefined;
      throw helm.failure(`helm status ${input.release}`, result);
    }
    const parsed = JSON.parse(result.stdout) as { info?: { status?: string }; version?: number };
    return { status: parsed.info?.status ?? 'unknown', revision: parsed.version ?? 0 };
  }

  async function uninstall(helm: HelmSession, input: HelmReleaseRef & { timeoutSeconds: number }): Promise<boolean> {
    // Not --ignore-not-found: it reports "uninstalled" for a release that never was, and we want to tell.
    const result = await helm.run(['uninstall', input.release, '--namespace', input.namespace, '--wait', '--timeout', `${input.timeoutSeconds}s`]);
    if (result.code === 0) return true;
    if (releaseNotFound.test(result.stderr)) return false;
    throw helm.failure(`helm uninstall ${input.release}`, result);
  }

  /** The newest revision before `before` that was ever deployed, to roll an interrupted upgrade back to. */
  async function lastDeployedRevision(helm: HelmSession, input: HelmReleaseRef, before: number): Promise<number | undefined> {
    const result = await helm.run(['history', input.release, '--namespace', input.namespace, '--output', 'json']);
    if (result.code !== 0) throw helm.failure(`helm history ${input.release}`, result);
    const revisions = JSON.parse(result.stdout) as { revision: number; status: string }[];
    return revisions
      .filter((r) => r.revision < before && (r.status === 'deployed' || r.status === 'superseded'))
      .reduce<number | undefined>((newest, r) => Math.max(newest ?? 0, r.revision), undefined);
  }

  /**
   * A helm killed mid-operation (a crashed worker, a SIGKILL) leaves its release pending-*, and helm
   * refuses every later operation on it with "another operation (install/upgrade/rollback) is in
   * progress". Put it back to its last deployed revision, or remove it if it never had one.
   */
  async function recoverInterruptedRelease(helm: HelmSession, input: HelmInstallInput): Promise<void> {
    const current = await statusOf(helm, input);
    if (!current) return;
    const { status, revision } = current;
    // A `failed` release needs nothing: helm 4 upgrades it like any other.
    if (status !== 'pending-install' && status !== 'pending-upgrade' && status !== 'pending-rollback') return;
    const lastDeployed = status === 'pending-install' ? undefined : await lastDeployedRevision(helm, input, revision);
    const log = Context.current().log;
    if (lastDeployed === undefined) {
      log.warn('removing a helm release an interrupted attempt left behind', { release: input.release, namespace: input.namespace, status, revision });
      await uninstall(helm, input);
      return;
    }
    log.warn('rolling back a helm release an interrupted attempt left behind', { release: input.release, namespace: input.namespace, status, revision, to: lastDeployed });
    const result = await helm.run(['rollback', input.release, String(lastDeployed), '--namespace', input.namespace,
      '--wait', '--timeout', `${input.timeoutSeconds}s`]);
    if (result.code !== 0) throw helm.failure(`helm rollback ${input.release} ${lastDeployed}`, result);
  }

  /**
   * Installs or upgrades the release to exactly this chart version and these values, waits until
   * its resources are ready, and rolls back (or uninstalls a first install) if they never are.
   * Heartbeats while helm runs; a cancellation stops helm and is rethrown.
   */
  async function helmUpgradeInstall(input: HelmInstallInput): Promise<HelmRelease> {
    return withHelm(input, async (helm) => {
      await recoverInterruptedRelease(helm, input);
      const before = await statusOf(helm, input);
      const adopted = before !== undefined && !(input.owner && await madeBy(helm, input, input.owner));
      const labels = before === undefined && input.owner ? ['--labels', Object.entries(releaseOwnerLabels(input.owner)).map(([k, v]) => `${k}=${v}`).join(',')] : [];
      // JSON is YAML, so helm reads the values file as it is; it may hold secrets, so it stays private too.
      const valuesFile = await helm.privateFile('values.json', JSON.stringify(input.values));
      const result = await helm.run([
        'upgrade', input.release, ...chartArgs(input.chart), '--install',
        '--namespace', input.namespace, '--create-namespace',
        // Helm 4: --wait takes a strategy (omitted, it means hookOnly: no waiting for resources), so
        // name `watcher` (kstatus) outright; --atomic is deprecated in favour of --rollback-on-failure.
        '--wait=watcher', '--rollback-on-failure', '--timeout', `${input.timeoutSeconds}s`,
        // Without it, an upgrade given no values silently keeps the last release's: values come from code.
        '--reset-values', '--values', valuesFile,
        ...labels, '--output', 'json',
      ]);
      if (result.code !== 0) throw helm.failure(`helm upgrade --install ${input.release} (chart ${input.chart.name} ${input.chart.version})`, result);
      const release = JSON.parse(result.stdout) as { info?: { status?: string }; version?: number; chart?: { metadata?: { version?: string } } };
      return {
        release: input.release,
        namespace: input.namespace,
        revision: release.version ?? 0,
        status: release.info?.status ?? 'unknown',
        chartVersion: release.chart?.metadata?.version,
        adopted,
      };
    });
  }

  /** Whether the release carries this run's labels: `helm list --selector` reads helm's storage labels. */
  async function madeBy(helm: HelmSession, input: HelmReleaseRef, owner: Owner): Promise<boolean> {
    const selector = Object.entries(releaseOwnerLabels(owner)).map(([k, v]) => `${k}=${v}`).join(',');
    const name = `^${input.release.replace(/[.]/g, '\\.')}$`;
    const result = await helm.run(['list', '--namespace', input.namespace, '--deployed', '--failed', '--pending', '--superseded', '--filter', name, '--selector', selector, '--output', 'json']);
    if (result.code !== 0) throw helm.failure(`helm list ${input.release}`, result);
    return (JSON.parse(result.stdout || '[]') as unknown[]).length > 0;
  }

  /** Uninstalls the release and waits for its resources to go; a release that is not there is not an error. */
  async function helmUninstall(input: HelmReleaseRef & { timeoutSeconds: number }): Promise<{ removed: boolean }> {
    return withHelm(input, async (helm) => ({ removed: await uninstall(helm, input) }));
  }

  /** The release's status and revision, or undefined when there is no such release. */
  async function helmReleaseStatus(input: HelmReleaseRef): Promise<{ status: string; revision: number } | undefined> {
    return withHelm(input, (helm) => statusOf(helm, input));
  }

  return { helmUpgradeInstall, helmUninstall, helmReleaseStatus };
}

/**
 * Runs helm to completion (whatever its exit code), heartbeating meanwhile. On cancellation it
 * sends SIGTERM, then SIGKILL after a grace period, waits for helm to exit, and rethrows the
 * cancellation, so the caller's cleanup runs only once helm no longer reads the kubeconfig.
 */
function runHelm(binary: string, args: string[], env: NodeJS.ProcessEnv, release: string): Promise<HelmRun> {
  const context = Context.current();
  const signal = context.cancellationSignal;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const beat = setInterval(() => context.heartbeat({ release, step: args[0], elapsedSeconds: Math.round((Date.now() - started) / 1000) }), heartbeatEveryMs);
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), killGraceMs);
    };
    signal.addEventListener('abort', stop, { once: true });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(beat);
      clearTimeout(killTimer);
      signal.removeEventListener('abort', stop);
      outcome();
    };
    child.once('error', (error) => settle(() => reject(signal.aborted
      ? signal.reason as Error
      : ApplicationFailure.retryable(`could not run helm ${args[0]}: ${error.message}`, helmErrorTypes.failed))));
    child.once('close', (code) => settle(() => (signal.aborted ? reject(signal.reason as Error) : resolve({ code, stdout, stderr }))));
  });
}

/** Replaces the credentials the kubeconfig holds, should helm ever echo one. */
function credentialMask(config: KubeConfig): (text: string) => string {
  const secrets = config.users.flatMap((user) => [user.token, user.password, user.keyData])
    .filter((secret): secret is string => typeof secret === 'string' && secret.length >= 8);
  return (text) => secrets.reduce((masked, secret) => masked.split(secret).join('***'), text);
}

function helmFailure(what: string, result: HelmRun, mask: (text: string) => string): ApplicationFailure {
  const tail = mask(result.stderr).trim().split('\n').slice(-stderrTailLines).join('\n');
  const message = `${what} failed (exit ${result.code ?? 'by signal'}): ${tail || 'helm wrote nothing to stderr'}`;
  return invalidChartOrValues.some((pattern) => pattern.test(result.stderr))
    ? ApplicationFailure.nonRetryable(message, helmErrorTypes.chartInvalid)
    // Timeouts, "another operation is in progress", refused connections, 5xx and expired tokens pass.
    : ApplicationFailure.retryable(message, helmErrorTypes.failed);
}
