import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from './process';
import { toolPath } from './tools';

export interface Helm {
  /** Runs `helm <args>` against the bound cluster and returns its stdout. */
  (...args: string[]): Promise<string>;
  cleanup(): void;
}

/** The helm CLI bound to one kubeconfig, with its config, cache and data dirs private to the test. */
export function helmFor(kubeconfigPath: string): Helm {
  const home = mkdtempSync(join(tmpdir(), 'eksflow-helm-'));
  const env = {
    KUBECONFIG: kubeconfigPath,
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  const helm = (...args: string[]) => runCommand(toolPath('helm'), args, { env });
  return Object.assign(helm, { cleanup: () => rmSync(home, { recursive: true, force: true }) });
}
