import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const repoRoot = join(import.meta.dirname, '..', '..');

// Used by the tests and by `npm start`: binaries the project's installers put in a cache.

/** The pinned versions in tools/versions.env, the one place they are written. */
export const versions: Record<string, string> = Object.fromEntries(
  readFileSync(join(repoRoot, 'tools', 'versions.env'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => line.split('=', 2) as [string, string]),
);

function pinned(name: string): string {
  const value = versions[name];
  if (!value) throw new Error(`tools/versions.env has no ${name}`);
  return value;
}

const cacheRoot = process.env.EKSFLOW_TOOLS_CACHE ?? join(homedir(), '.cache', 'eksflow-tools');
const cached = (name: string, versionVar: string, ...path: string[]) => join(cacheRoot, `${name}-${pinned(versionVar)}`, ...path);

/**
 * Where each peer's binary is: the variable that overrides it, else the installer's cache.
 * A missing binary fails with the command that installs it, never a silent skip.
 */
const locations = {
  temporalTestServer: ['TEMPORAL_TEST_SERVER_PATH', () => cached('temporal-test-server', 'TEMPORAL_TEST_SERVER_VERSION', 'temporal-test-server'), 'temporal-test-server'],
  temporalCli: ['TEMPORAL_CLI_PATH', () => cached('temporal-cli', 'TEMPORAL_CLI_VERSION', 'bin', 'temporal'), 'temporal-cli'],
  motoServer: ['MOTO_SERVER_PATH', () => cached('moto', 'MOTO_VERSION', 'venv', 'bin', 'moto_server'), 'moto'],
  helm: ['HELM_PATH', () => cached('helm', 'HELM_VERSION', 'bin', 'helm'), 'helm'],
  etcd: ['ETCD_PATH', () => cached('etcd', 'ETCD_VERSION', 'bin', 'etcd'), 'etcd'],
  kwok: ['KWOK_PATH', () => cached('kwok', 'KWOK_VERSION', 'bin', 'kwok'), 'kwok'],
  kwokStages: ['KWOK_STAGE_DIR', () => cached('kwok', 'KWOK_VERSION', 'stage'), 'kwok'],
  kubeBinDir: ['KUBE_BIN_DIR', () => cached('kubernetes', 'KUBERNETES_VERSION', 'bin'), 'kubernetes'],
  registry: ['REGISTRY_PATH', () => '/usr/bin/docker-registry', 'apt'],
  skopeo: ['SKOPEO_PATH', () => '/usr/bin/skopeo', 'apt'],
  buildah: ['BUILDAH_PATH', () => '/usr/bin/buildah', 'apt'],
  chromium: ['CHROMIUM_PATH', () => '/usr/bin/chromium', 'apt'],
  metricsServer: ['METRICS_SERVER_PATH', () => cached('metrics-server', 'METRICS_SERVER_VERSION', 'bin', 'metrics-server'), 'metrics-server'],
  // The project's Node runtime (tools/install-node.sh), for running what the image runs.
  node24: ['NODE24_PATH', () => join(cacheRoot, `node-v${pinned('NODE_VERSION')}`, 'bin', 'node'), 'node'],
  vpaRecommender: ['VPA_RECOMMENDER_PATH', () => cached('vpa', 'VPA_VERSION', 'bin', 'recommender'), 'vpa'],
  vpaCrds: ['VPA_CRDS_PATH', () => cached('vpa', 'VPA_VERSION', 'deploy', 'vpa-v1-crd-gen.yaml'), 'vpa'],
  karpenterKwok: ['KARPENTER_KWOK_PATH', () => cached('karpenter', 'KARPENTER_VERSION', 'bin', 'karpenter-kwok'), 'karpenter'],
  // The release's CRDs (karpenter.sh, karpenter.kwok.sh), copied from the module beside the binary.
  karpenterCrds: ['KARPENTER_CRDS_DIR', () => cached('karpenter', 'KARPENTER_VERSION', 'crds'), 'karpenter'],
  // KWOK's Metric (kubelet's /metrics/resource) and resource-usage CRDs, copied beside metrics-server.
  kwokMetrics: ['KWOK_METRICS_DIR', () => cached('metrics-server', 'METRICS_SERVER_VERSION', `kwok-${pinned('KWOK_VERSION')}`), 'metrics-server'],
} as const satisfies Record<string, readonly [string, () => string, string]>;

export type Tool = keyof typeof locations;

/** The binary's path, or undefined when neither the variable nor the cache has it. */
export function findTool(tool: Tool): string | undefined {
  const [envVar, fallback] = locations[tool];
  const path = process.env[envVar] ?? fallback();
  return existsSync(path) ? path : undefined;
}

export function toolPath(tool: Tool): string {
  const [envVar, fallback, installer] = locations[tool];
  const path = process.env[envVar] ?? fallback();
  if (!existsSync(path)) {
    throw new Error(`${tool} not found at ${path}: run \`bash tools/install-${installer}.sh\` (or set ${envVar})`);
  }
  return path;
}
