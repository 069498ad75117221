import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ControlPlanePki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  frontProxyCert: string;
  frontProxyKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'];

/** A throw-away CA, the apiserver's serving certificate, an admin client certificate and the service-account signing key, all under `dir`. */
export async function createControlPlanePki(dir: string): Promise<ControlPlanePki> {
  const path = (name: string) => join(dir, name);
  await run('openssl', ['req', '-x509', ...ecKey, '-keyout', path('ca.key'), '-out', path('ca.crt'), '-subj', '/CN=eksflow-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);
  const signed = (name: string, subject: string, ...extensions: string[]) =>
    run('openssl', ['req', '-x509', ...ecKey, '-CA', path('ca.crt'), '-CAkey', path('ca.key'), '-keyout', path(`${name}.key`), '-out', path(`${name}.crt`),
      '-subj', subject, ...extensions.flatMap((extension) => ['-addext', extension])]);
  await Promise.all([
    signed('apiserver', '/CN=kube-apiserver', 'extendedKeyUsage=serverAuth', 'basicConstraints=critical,CA:FALSE',
      'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local'),
    // O=system:masters: every control-plane component and the tests act as cluster admin.
    signed('admin', '/O=system:masters/CN=eksflow-admin', 'extendedKeyUsage=clientAuth', 'basicConstraints=critical,CA:FALSE'),
    // The identity the apiserver proxies aggregated APIs (metrics-server) with.
    signed('front-proxy-client', '/CN=front-proxy-client', 'extendedKeyUsage=clientAuth', 'basicConstraints=critical,CA:FALSE'),
  ]);
  const serviceAccount = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(path('sa.key'), serviceAccount.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(path('sa.pub'), serviceAccount.publicKey.export({ type: 'spki', format: 'pem' }));
  return {
    caCert: path('ca.crt'), caKey: path('ca.key'),
    servingCert: path('apiserver.crt'), servingKey: path('apiserver.key'),
    adminCert: path('admin.crt'), adminKey: path('admin.key'),
    frontProxyCert: path('front-proxy-client.crt'), frontProxyKey: path('front-proxy-client.key'),
    serviceAccountKey: path('sa.key'), serviceAccountPub: path('sa.pub'),
  };
}

/** A kubeconfig with the certificates inlined, so it stands alone when copied. */
export function writeKubeconfig(file: string, server: string, pki: ControlPlanePki): void {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'eksflow-test', cluster: { server, 'certificate-authority-data': b64(pki.caCert) } }],
    users: [{ name: 'eksflow-admin', user: { 'client-certificate-data': b64(pki.adminCert), 'client-key-data': b64(pki.adminKey) } }],
    contexts: [{ name: 'eksflow-test', context: { cluster: 'eksflow-test', user: 'eksflow-admin' } }],
    'current-context': 'eksflow-test',
  };
  writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
}
