import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolPath } from './tools';

const run = promisify(execFile);

export interface Helm {
  /** Runs `helm <args>` against the given cluster; rejects with helm's stderr on failure. */
  (...args: string[]): Promise<string>;
  cleanup(): void;
}

/** The helm CLI bound to one kubeconfig, with its config, cache and data dirs private to the test. */
export function helmFor(kubeconfigPath: string): Helm {
  const home = mkdtempSync(join(tmpdir(), 'eksflow-helm-'));
  const env = {
    ...process.env,
    KUBECONFIG: kubeconfigPath,
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  const helm = async (...args: string[]) => {
    try {
      return (await run(toolPath('helm'), args, { env, maxBuffer: 16 * 1024 * 1024 })).stdout;
    } catch (error) {
      const { stderr } = error as { stderr?: string };
      throw new Error(`helm ${args.join(' ')} failed: ${stderr ?? String(error)}`);
    }
  };
  return Object.assign(helm, { cleanup: () => rmSync(home, { recursive: true, force: true }) });
}
