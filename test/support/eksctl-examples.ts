import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completeClusterConfig } from '../../src/cli/cluster-config-local';
import { creationOnlyProblems } from '../../src/domain/creation-only';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import { supportedKubernetesVersions, type SpecError } from '../../src/domain/environment-spec';
import { eksctlExamplesDir } from './paths';

const examplesDir = eksctlExamplesDir;

export interface ExampleResult {
  file: string;
  /**
   * accepted as written; accepted once the Kubernetes version is raised; accepted as a change to
   * a live environment only (what it names exists only once an environment does: a creation plan
   * refuses it, `errors` say why); or refused.
   */
  outcome: 'accepted' | 'accepted-with-version' | 'accepted-for-apply' | 'refused';
  errors: SpecError[];
  /** What was accepted but changed or left out on the way, as the plan would say it. */
  warnings: SpecError[];
  /** The EnvironmentSpec an accepted example translates to. */
  spec?: unknown;
  /** What the CLI read on the (fixture) user's machine: ssh public keys named by path. */
  keysRead: string[];
}

const endOfLife = /past the end of EKS support/;

/**
 * Each example as a user hands it to the eksflow CLI: the CLI reads ssh keys named by path on
 * the user's machine (here a fixture home with a key at each path the examples name), then the
 * API translates it. A config refused only for its Kubernetes version is translated again with
 * --kubernetes-version (the oldest version EKS supports), which is what the refusal tells the user.
 */
export async function translateExamples(): Promise<ExampleResult[]> {
  const home = mkdtempSync(join(tmpdir(), 'eksflow-examples-home-'));
  try {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf0xmp2ewVo5EJOc6l1yJD0GPk1ZPxPpBrXdXsCgeSq user@laptop';
    mkdirSync(join(home, '.ssh'));
    for (const name of ['id_rsa.pub', 'id_rsa_tests.pub', 'ec2_id_rsa.pub']) writeFileSync(join(home, '.ssh', name), `${key}\n`);
    const results: ExampleResult[] = [];
    for (const file of readdirSync(examplesDir).filter((name) => name.endsWith('.yaml')).sort()) {
      const completed = await completeClusterConfig(readFileSync(join(examplesDir, file), 'utf8'), { home });
      const asWritten = translateClusterConfig(completed.text);
      if (asWritten.ok) {
        const creationOnly = creationOnlyProblems(asWritten.spec);
        results.push({
          file, outcome: creationOnly.length > 0 ? 'accepted-for-apply' : 'accepted', errors: creationOnly, warnings: asWritten.warnings ?? [], spec: asWritten.spec, keysRead: completed.keysRead,
        });
        continue;
      }
      const versionOnly = asWritten.errors.every((error) => error.path === '/metadata/version' && endOfLife.test(error.message));
      const raised = versionOnly ? translateClusterConfig(completed.text, { kubernetesVersion: supportedKubernetesVersions[0] }) : undefined;
      results.push({
        file, outcome: raised?.ok ? 'accepted-with-version' : 'refused', errors: asWritten.errors,
        warnings: raised?.ok ? raised.warnings ?? [] : [], spec: raised?.ok ? raised.spec : undefined, keysRead: completed.keysRead,
      });
    }
    return results;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The per-example table: one line per file, then each refusal under it. */
export function examplesTable(results: readonly ExampleResult[]): string {
  const width = Math.max(...results.map((result) => result.file.length));
  const label = {
    accepted: 'accepted', 'accepted-with-version': `accepted with --kubernetes-version ${supportedKubernetesVersions[0]}`,
    'accepted-for-apply': 'accepted as a change to a live environment (eksflow env apply); creating it is refused', refused: 'REFUSED',
  };
  const lines = results.flatMap((result) => [
    `${result.file.padEnd(width)}  ${label[result.outcome]}${result.keysRead.length ? `  (ssh keys read by the CLI: ${result.keysRead.length})` : ''}`,
    ...result.errors.map((error) => `${' '.repeat(width)}    ${error.path || '(config)'}: ${error.message}`),
    ...result.warnings.map((warning) => `${' '.repeat(width)}    warning ${warning.path}: ${warning.message}`),
  ]);
  const count = (outcome: ExampleResult['outcome']) => results.filter((result) => result.outcome === outcome).length;
  lines.push('', `${results.length} examples: ${count('accepted')} accepted as written, ${count('accepted-with-version')} accepted once the Kubernetes version is raised, ${count('accepted-for-apply')} accepted as a change to a live environment, ${count('refused')} refused`);
  return lines.join('\n');
}
