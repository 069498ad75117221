import { invalid } from './api-errors';
import { isPlainObject, type KubeObject } from './objects';
import type { ObjectStore } from './object-store';

const base64url = (value: string) => Buffer.from(value).toString('base64url');

/**
 * TokenRequest (`kubectl create token`): a JWT-shaped token for the ServiceAccount. Not
 * signed by anything real: the simulated apiserver accepts only its own cluster token, so
 * this one proves nothing beyond its shape, subject and expiry.
 */
export function requestToken(store: ObjectStore, namespace: string, name: string, body: unknown, issuer: string): KubeObject {
  const serviceAccounts = store.typeOf('ServiceAccount');
  const account = store.get(serviceAccounts, namespace, name);
  const spec = isPlainObject(body) && isPlainObject(body.spec) ? body.spec : {};
  const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3_600;
  if (expirationSeconds < 600) {
    throw invalid('TokenRequest', serviceAccounts, name, [{ field: 'spec.expirationSeconds', message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes` }]);
  }
  const issuedAt = Math.floor(Date.now() / 1000);
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences : ['https://kubernetes.default.svc'];
  const claims = {
    aud: audiences, exp: issuedAt + expirationSeconds, iat: issuedAt, nbf: issuedAt, iss: issuer,
    sub: `system:serviceaccount:${namespace}:${name}`,
    'kubernetes.io': { namespace, serviceaccount: { name, uid: account.metadata.uid } },
  };
  const token = [base64url(JSON.stringify({ alg: 'RS256', kid: 'sim' })), base64url(JSON.stringify(claims)), base64url(store.uid())].join('.');
  return {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
    metadata: { name, namespace, creationTimestamp: new Date(issuedAt * 1000).toISOString() } as KubeObject['metadata'],
    spec: { audiences, expirationSeconds, boundObjectRef: null },
    status: { token, expirationTimestamp: new Date((issuedAt + expirationSeconds) * 1000).toISOString() },
  };
}
