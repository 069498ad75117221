import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { mergeKubeconfig, type Kubeconfig } from '../domain/kubeconfig';

/** Where kubectl reads its configuration: the first file of $KUBECONFIG, else ~/.kube/config (as kubectl and eksctl choose). */
export function kubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = (env.KUBECONFIG ?? '').split(delimiter).find((p) => p.trim() !== '');
  return first ?? join(env.HOME ?? homedir(), '.kube', 'config');
}

/**
 * Merges `kubeconfig` into the user's kubeconfig file as `eksctl utils write-kubeconfig` does:
 * the entries of this cluster replaced, every other one kept, this context made current. The
 * file stays readable by its owner only (it may hold other clusters' credentials).
 */
export function writeKubeconfig(kubeconfig: Kubeconfig, path = kubeconfigPath()): { path: string; context: string } {
  const existing: unknown = existsSync(path) ? parse(readFileSync(path, 'utf8')) : undefined;
  if (existing !== undefined && existing !== null && (typeof existing !== 'object' || Array.isArray(existing))) {
    throw new Error(`${path} is not a kubeconfig (not a YAML mapping); move it aside or point KUBECONFIG elsewhere`);
  }
  const merged = mergeKubeconfig((existing ?? {}) as Record<string, unknown>, kubeconfig);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, stringify(merged), { mode: 0o600 });
  chmodSync(path, 0o600);
  return { path, context: kubeconfig['current-context'] };
}
