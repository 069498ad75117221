import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { isMap, isSeq, parseDocument, type Document, type YAMLMap } from 'yaml';
import { CliError, exitCodes } from './exit-codes';

/**
 * What only the user's machine can fill in a ClusterConfig, done before it is sent: eksctl reads
 * `ssh.publicKeyPath` (and, with `ssh.allow` and no key, ~/.ssh/id_rsa.pub) on the machine it
 * runs on (pkg/apis/eksctl.io/v1alpha5/defaults.go, pkg/ssh). The API never reads paths, so the
 * CLI reads the key here and sends it inline as `ssh.publicKey`. `--kubernetes-version` replaces
 * metadata.version, the way out for a config written for a version EKS no longer supports.
 */
export interface LocalOptions {
  /** The home directory `~` stands for. @default os.homedir() */
  home?: string;
  kubernetesVersion?: string;
  readKey?: (path: string) => Promise<string>;
}

/** eksctl's default key when SSH is allowed and no key is named (defaults.go: DefaultNodeSSHPublicKeyPath). */
export const defaultPublicKeyPath = '~/.ssh/id_rsa.pub';

export async function completeClusterConfig(text: string, options: LocalOptions = {}): Promise<{ text: string; keysRead: string[] }> {
  const document = parseDocument(text, { merge: true });
  if (document.errors.length > 0) return { text, keysRead: [] }; // the API says what is wrong, at its path
  const keysRead: string[] = [];
  const home = options.home ?? homedir();
  const readKey = options.readKey ?? ((path: string) => readFile(path, 'utf8'));
  for (const list of ['managedNodeGroups', 'nodeGroups']) {
    const groups = document.get(list, true);
    if (!isSeq(groups)) continue;
    for (const [i, group] of groups.items.entries()) {
      if (!isMap(group)) continue;
      const ssh = group.get('ssh', true);
      if (!isMap(ssh)) continue;
      const path = pathToRead(ssh);
      if (path === undefined) continue;
      const resolved = path.startsWith('~/') ? join(home, path.slice(2)) : isAbsolute(path) ? path : join(process.cwd(), path);
      let key: string;
      try {
        key = (await readKey(resolved)).trim();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new CliError(`${list}[${i}].ssh: cannot read the public key ${path} (${code === 'ENOENT' ? 'no such file' : (error as Error).message}); give ssh.publicKey or ssh.publicKeyName instead`, exitCodes.refused);
      }
      ssh.delete('publicKeyPath');
      ssh.set('publicKey', key);
      keysRead.push(`${list}[${i}] ${path}`);
    }
  }
  if (options.kubernetesVersion !== undefined) setVersion(document, options.kubernetesVersion);
  return { text: document.toString(), keysRead };
}

function pathToRead(ssh: YAMLMap): string | undefined {
  const given = ssh.get('publicKeyPath');
  if (typeof given === 'string') return given;
  const hasKey = ssh.has('publicKey') || ssh.has('publicKeyName');
  return ssh.get('allow') === true && !hasKey ? defaultPublicKeyPath : undefined;
}

function setVersion(document: Document, version: string) {
  if (!isMap(document.get('metadata', true))) document.set('metadata', document.createNode({}));
  document.setIn(['metadata', 'version'], version);
}
