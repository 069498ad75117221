import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a token may do: read its tenant's environments, or also create, scale and delete them. */
export type Access = 'read' | 'write';

/** Who is calling, once their token is recognised. */
export interface Principal {
  tenant: string;
  access: Access;
}

export interface TokenEntry extends Principal {
  /** SHA-256 of the token: the table never holds a token itself. */
  sha256: Buffer;
}

const tenantPattern = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;
const entryPattern = /^([^:=\s]+)(?::(read|write))?=([0-9a-f]{64})$/;

/**
 * Reads `EKSFLOW_API_TOKENS`: `<tenant>[:read]=<sha256 hex>` entries, comma-separated. A bad
 * entry fails start-up, naming its position (never echoing it: it may be a pasted token).
 */
export function parseTokenTable(text: string): TokenEntry[] {
  return text.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry, index) => {
    const match = entryPattern.exec(entry);
    if (!match) throw new Error(`EKSFLOW_API_TOKENS entry ${index + 1} is not <tenant>[:read]=<64 hex digits of a SHA-256>`);
    const [, tenant, access, hex] = match as unknown as [string, string, Access | undefined, string];
    if (!tenantPattern.test(tenant)) throw new Error(`EKSFLOW_API_TOKENS entry ${index + 1}: tenant "${tenant}" must be lower-case letters, digits and "-", ≤ 40 characters`);
    return { tenant, access: access ?? 'write', sha256: Buffer.from(hex, 'hex') };
  });
}

export const sha256 = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * The principal a presented token belongs to, or undefined. Every entry is compared, in
 * constant time, so how long this takes says nothing about which entry came close.
 */
export function principalFor(token: string, table: readonly TokenEntry[]): Principal | undefined {
  const presented = sha256(token);
  let found: TokenEntry | undefined;
  for (const entry of table) {
    if (timingSafeEqual(presented, entry.sha256) && !found) found = entry;
  }
  return found && { tenant: found.tenant, access: found.access };
}

/** A new random token and the table entry that admits it (what `eksflow token` prints). */
export function newToken(tenant: string, access: Access = 'write'): { token: string; entry: string } {
  if (!tenantPattern.test(tenant)) throw new Error(`tenant "${tenant}" must be lower-case letters, digits and "-", ≤ 40 characters`);
  const token = `eksf_${randomBytes(32).toString('base64url')}`;
  return { token, entry: `${tenant}${access === 'read' ? ':read' : ''}=${sha256(token).toString('hex')}` };
}
