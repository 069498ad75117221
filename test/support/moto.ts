import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startProcess, freePort, waitForPeer, type Started } from './process';
import { toolPath } from './tools';

/** What an AWS SDK v3 client needs to talk to the emulator instead of AWS. */
export interface AwsClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface Moto {
  readonly endpoint: string;
  readonly clientConfig: AwsClientConfig;
  /** Drops every emulated resource: call between tests so none sees another's state. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** moto's server mode on loopback, one per test file. */
export async function moto({ region = 'us-east-1' } = {}): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // AWS-managed policies (AmazonEKSClusterPolicy and the like) exist in every account; moto loads them only when asked.
  // moto_server.py is moto's server with a per-cluster OIDC issuer, run by the venv's own python.
  const venvPython = join(dirname(toolPath('motoServer')), 'python');
  const python = existsSync(venvPython) ? venvPython : 'python3';
  const peer: Started = startProcess('moto', python, [join(import.meta.dirname, 'moto_server.py'), '-H', '127.0.0.1', '-p', String(port)], { env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' } });
  try {
    await waitForPeer(peer, 'moto to answer', async () => (await fetch(`${endpoint}/moto-api/`)).ok, { timeoutMs: 60_000 });
  } catch (error) {
    await peer.stop();
    throw error;
  }
  return {
    endpoint,
    clientConfig: { endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
    },
    stop: () => peer.stop(),
  };
}
