import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { newToken, sha256 } from '../api/auth/tokens';

export const devTenant = 'dev';

/**
 * For `npm start` without EKSFLOW_API_TOKENS: a token for tenant "dev", kept in a file only
 * its owner can read (never printed, never logged) and reused on the next start.
 */
export function devToken(path = join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'eksflow', 'dev-token')): { path: string; entry: string } {
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    if (token) return { path, entry: `${devTenant}=${sha256(token).toString('hex')}` };
  }
  const { token, entry } = newToken(devTenant);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { path, entry };
}
