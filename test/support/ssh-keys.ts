import { generateKeyPairSync } from 'node:crypto';

/** A real ed25519 public key in OpenSSH's one-line form (RFC 8709), which EC2's ImportKeyPair (and moto) parse. */
export function openSshPublicKey(comment = 'me@example'): string {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const sshString = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  return `ssh-ed25519 ${Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]).toString('base64')} ${comment}`;
}
