import { readFileSync } from 'node:fs';
import type { Config } from './config';

/**
 * How the worker and the API reach Temporal: plain on loopback by default; TLS, mTLS or an
 * API key for Temporal Cloud. One function, so both sides always connect the same way.
 */
export function temporalConnectionOptions(config: Config) {
  const { TEMPORAL_TLS_CERT_PATH: certPath, TEMPORAL_TLS_KEY_PATH: keyPath, TEMPORAL_API_KEY: apiKey } = config;
  if (Boolean(certPath) !== Boolean(keyPath)) {
    throw new Error('set both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH, or neither');
  }
  const clientCertPair = certPath && keyPath ? { crt: readFileSync(certPath), key: readFileSync(keyPath) } : undefined;
  const tls = clientCertPair ? { clientCertPair } : config.TEMPORAL_TLS || Boolean(apiKey);
  return { address: config.TEMPORAL_ADDRESS, tls, ...(apiKey ? { apiKey } : {}) };
}
