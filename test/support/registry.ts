import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, waitForPeer } from './process';
import { toolPath } from './tools';

export interface Registry {
  /** host:port, as image references use it (`${host}/repo:tag`). */
  readonly host: string;
  stop(): Promise<void>;
}

/** An OCI distribution registry on loopback (plain HTTP) with throw-away storage. */
export async function registry(): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'eksflow-registry-'));
  const host = `127.0.0.1:${await freePort()}`;
  const config = join(dir, 'config.yml');
  writeFileSync(config, JSON.stringify({
    version: 0.1,
    log: { level: 'warn' },
    storage: { filesystem: { rootdirectory: join(dir, 'data') }, delete: { enabled: true } },
    http: { addr: host },
  }));
  const peer = startProcess('registry', toolPath('registry'), ['serve', config]);
  const stop = async () => {
    await peer.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPeer(peer, 'the registry /v2/ endpoint', async () => (await fetch(`http://${host}/v2/`)).ok);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, stop };
}
