import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, ApiregistrationV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, loadYaml, type KubernetesObject, type V1APIService, type V1CustomResourceDefinition, type V1Node, type V1Service } from '@kubernetes/client-node';
import { createControlPlanePki, writeKubeconfig, type ControlPlanePki } from './pki';
import { freePort, startProcess, stopAll, waitFor, waitForPeer, type Started } from './process';
import { toolPath } from './tools';

export interface KubeControlPlane {
  readonly server: string;
  /** A stand-alone kubeconfig file (admin), for helm, kwok and tests. */
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfig;
  readonly nodeNames: readonly string[];
  /** Adds simulated nodes (as an autoscaler would) and waits until they are Ready. */
  addNodes(names: readonly string[], labels?: Record<string, string>): Promise<void>;
  /** What etcd holds under a key (`/registry/secrets/<ns>/<name>`), as the API server wrote it; undefined when nothing is. */
  storedBytes(key: string): Promise<Buffer | undefined>;
  /**
   * With `secretsEncryption`: the API server starts encrypting Secrets with an AES-CBC key (what
   * EKS's AssociateEncryptionConfig does with the KMS key), reading the unencrypted ones still;
   * resolves once a Secret written now is stored encrypted.
   */
  startEncryptingSecrets(): Promise<void>;
  stop(): Promise<void>;
}

export interface KubeControlPlaneOptions {
  /** Simulated nodes to create and wait Ready for. @default 2 */
  nodes?: number;
  /** Labels put on every simulated node. */
  nodeLabels?: Record<string, string>;
  /**
   * Serve the metrics API (metrics.k8s.io), so HPAs read real CPU utilization: KWOK emulates
   * each node's kubelet `/metrics/resource`, metrics-server scrapes it and the apiserver
   * aggregates it. A pod's usage is what a KWOK ResourceUsage (by pod name) or
   * ClusterResourceUsage (by namespace or name) in `kwok.x-k8s.io/v1alpha1` says; a pod
   * that none matches reports 0. See {@link kwokUsage}. @default false
   */
  metrics?: boolean;
  /** How often the HPA controller looks at each HPA, in seconds. @default 5 with `metrics`, else kube-controller-manager's 15 */
  hpaSyncSeconds?: number;
  /**
   * Bearer tokens checked by a webhook (TokenReview at `authenticate`) and requests that RBAC
   * does not allow put to a webhook (SubjectAccessReview at `authorize`), as EKS's API server
   * asks aws-iam-authenticator and its access-policy authorizer. See played-eks-authenticator.ts.
   */
  webhooks?: { authenticate: string; authorize: string };
  /** API versions served beside the defaults (`--runtime-config`), e.g. a deprecated beta: `resource.k8s.io/v1beta2=true`. */
  runtimeConfig?: string[];
  /**
   * Start with an EncryptionConfiguration that stores Secrets as they are (identity) and that the
   * API server reloads when it changes (`--encryption-provider-config-automatic-reload`), so a
   * test can switch encryption on while the cluster runs. @default false
   */
  secretsEncryption?: boolean;
}

/** An EncryptionConfiguration for Secrets: the first provider writes, every one reads (Kubernetes "Encrypting Confidential Data at Rest"). */
function encryptionConfig(encrypting: boolean): string {
  const aescbc = { aescbc: { keys: [{ name: 'key1', secret: Buffer.alloc(32, 7).toString('base64') }] } };
  const providers = encrypting ? [aescbc, { identity: {} }] : [{ identity: {} }, aescbc];
  return JSON.stringify({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources: ['secrets'], providers }] });
}

/**
 * A KWOK ClusterResourceUsage: every container of the pods in `namespaces` uses `cpu` and
 * `memory`, as KWOK's emulated kubelet reports it to metrics-server. Memory is never left at
 * 0: metrics-server drops a container with no memory reading, CPU and all.
 */
export function kwokUsage(name: string, namespaces: readonly string[], { cpu, memory = '16Mi' }: { cpu: string; memory?: string }): KubernetesObject {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterResourceUsage',
    metadata: { name },
    spec: { selector: { matchNamespaces: namespaces }, usages: [{ usage: { cpu: { value: cpu }, memory: { value: memory } } }] },
  } as KubernetesObject;
}

// The stages KWOK plays for nodes and pods: nodes turn Ready and renew their leases, pods
// turn Ready (or complete, for Jobs) and go away when deleted.
const kwokStages = ['node/fast/node-initialize.yaml', 'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/fast/pod-ready.yaml', 'pod/fast/pod-complete.yaml', 'pod/fast/pod-delete.yaml'];

const kwokManagedAnnotation = { 'kwok.x-k8s.io/node': 'fake' };

/**
 * A real control plane on loopback: etcd → kube-apiserver → kube-controller-manager →
 * kube-scheduler → KWOK, then `nodes` simulated nodes, Ready. Pods are placed by the
 * real scheduler and made Ready by KWOK. Start once per test file; `stop()` ends it all.
 */
export async function kubeControlPlane({ nodes = 2, nodeLabels = {}, metrics = false, hpaSyncSeconds = metrics ? 5 : undefined, webhooks, runtimeConfig = [], secretsEncryption = false }: KubeControlPlaneOptions = {}): Promise<KubeControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'eksflow-kube-'));
  const peers: Started[] = [];
  const stop = async () => {
    try {
      await stopAll(peers);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const pki = await createControlPlanePki(dir);
    const etcdUrl = await startEtcd(dir, peers);
    const encryptionConfigPath = join(dir, 'encryption-config.json');
    if (secretsEncryption) writeFileSync(encryptionConfigPath, encryptionConfig(false));
    const server = await startApiserver(pki, etcdUrl, peers, [
      ...(webhooks ? webhookFlags(dir, webhooks) : ['--authorization-mode=RBAC']), ...(runtimeConfig.length ? [`--runtime-config=${runtimeConfig.join(',')}`] : []),
      ...(secretsEncryption ? [`--encryption-provider-config=${encryptionConfigPath}`, '--encryption-provider-config-automatic-reload=true'] : []),
    ]);
    const kubeconfigPath = join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, server, pki);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    // KWOK watches its resource-usage kinds from the start, so their CRDs come first.
    if (metrics) await installKwokUsageCrds(kubeConfig);
    await startControllers(pki, kubeconfigPath, peers, metrics, hpaSyncSeconds);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const nodeNames = Array.from({ length: nodes }, (_, i) => `kwok-node-${i}`);
    const addNodes = async (names: readonly string[], labels: Record<string, string> = {}) => {
      await Promise.all(names.map((name) => core.createNode({ body: simulatedNode(name, labels) })));
      await waitFor(`simulated nodes ${names.join(', ')} Ready`, async () => {
        const ready = new Set((await core.listNode()).items.filter(isReady).map((node) => node.metadata?.name));
        return names.every((name) => ready.has(name));
      }, { timeoutMs: 30_000, giveUpIf: () => peers.find((peer) => !peer.alive())?.name });
    };
    await addNodes(nodeNames, nodeLabels);
    // Pods need their namespace's default ServiceAccount, made by the controller-manager.
    await waitFor('the default ServiceAccount', async () => Boolean(await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' })), { timeoutMs: 30_000 });
    if (metrics) await startMetricsServer(dir, pki, kubeconfigPath, kubeConfig, peers);
    // etcd's JSON gateway (v3/kv/range): keys and values base64.
    const storedBytes = async (key: string) => {
      const answer = await (await fetch(`${etcdUrl}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from(key).toString('base64') }) })).json() as { kvs?: { value: string }[] };
      const value = answer.kvs?.[0]?.value;
      return value === undefined ? undefined : Buffer.from(value, 'base64');
    };
    const startEncryptingSecrets = async () => {
      if (!secretsEncryption) throw new Error('this control plane was started without secretsEncryption');
      writeFileSync(encryptionConfigPath, encryptionConfig(true));
      let probe = 0;
      await waitFor('the API server to encrypt new Secrets', async () => {
        const name = `encryption-probe-${probe++}`;
        await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name }, stringData: { probe: name } } });
        const stored = await storedBytes(`/registry/secrets/default/${name}`);
        await core.deleteNamespacedSecret({ name, namespace: 'default' });
        return stored?.subarray(0, 8).toString() === 'k8s:enc:';
      }, { timeoutMs: 120_000, intervalMs: 1_000 });
    };
    return { server, kubeconfigPath, kubeConfig, nodeNames, addNodes, storedBytes, startEncryptingSecrets, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startEtcd(dir: string, peers: Started[]): Promise<string> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const etcd = startProcess('etcd', toolPath('etcd'), [
    '--name=eksflow', `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${clientUrl}`, `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`, `--initial-cluster=eksflow=${peerUrl}`,
    // Test data is thrown away: durability costs time and buys nothing here.
    '--unsafe-no-fsync', '--log-level=warn',
  ]);
  peers.push(etcd);
  await waitForPeer(etcd, 'etcd healthy', async () => (await (await fetch(`${clientUrl}/health`)).json() as { health?: string }).health === 'true');
  return clientUrl;
}

/** The apiserver's flags for webhook authentication and authorization, each webhook described by a kubeconfig file. */
function webhookFlags(dir: string, { authenticate, authorize }: { authenticate: string; authorize: string }): string[] {
  const config = (name: string, server: string) => {
    const path = join(dir, `${name}-webhook.kubeconfig`);
    writeFileSync(path, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': name,
      clusters: [{ name, cluster: { server } }], users: [{ name: 'kube-apiserver', user: {} }],
      contexts: [{ name, context: { cluster: name, user: 'kube-apiserver' } }],
    }));
    return path;
  };
  return [
    `--authentication-token-webhook-config-file=${config('authenticate', authenticate)}`, '--authentication-token-webhook-version=v1',
    // Tests change access entries between requests: a cached answer would hide the change.
    '--authentication-token-webhook-cache-ttl=0s',
    '--authorization-mode=RBAC,Webhook', `--authorization-webhook-config-file=${config('authorize', authorize)}`, '--authorization-webhook-version=v1',
    '--authorization-webhook-cache-authorized-ttl=0s', '--authorization-webhook-cache-unauthorized-ttl=0s',
  ];
}

async function startApiserver(pki: ControlPlanePki, etcdUrl: string, peers: Started[], extraFlags: string[]): Promise<string> {
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const apiserver = startProcess('kube-apiserver', join(toolPath('kubeBinDir'), 'kube-apiserver'), [
    `--etcd-servers=${etcdUrl}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${port}`,
    `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`, `--client-ca-file=${pki.caCert}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPub}`, `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--service-cluster-ip-range=10.96.0.0/16', ...extraFlags, '--allow-privileged=true',
    // Aggregation, so APIServices (metrics-server) can be served through this apiserver.
    `--requestheader-client-ca-file=${pki.caCert}`, '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User', '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${pki.frontProxyCert}`, `--proxy-client-key-file=${pki.frontProxyKey}`,
    // The default reconciler would publish 127.0.0.1 as the `kubernetes` Service's endpoint, which is invalid.
    '--endpoint-reconciler-type=none', '--profiling=false', '-v=1',
  ]);
  peers.push(apiserver);
  await waitForPeer(apiserver, 'kube-apiserver /readyz', async () => (await getWithClientCert(`${server}/readyz`, pki)) === 'ok', { timeoutMs: 60_000 });
  return server;
}

async function startControllers(pki: ControlPlanePki, kubeconfig: string, peers: Started[], metrics: boolean, hpaSyncSeconds: number | undefined): Promise<void> {
  const delegated = [`--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1', '--leader-elect=false'];
  peers.push(startProcess('kube-controller-manager', join(toolPath('kubeBinDir'), 'kube-controller-manager'), [
    ...delegated, `--secure-port=${await freePort()}`,
    `--service-account-private-key-file=${pki.serviceAccountKey}`, `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`, `--cluster-signing-key-file=${pki.caKey}`,
    '--use-service-account-credentials=true', '--service-cluster-ip-range=10.96.0.0/16', '-v=1',
    // With metrics, HPAs look every 5s rather than 15s: tests wait on each scaling step.
    ...(hpaSyncSeconds ? [`--horizontal-pod-autoscaler-sync-period=${hpaSyncSeconds}s`] : []),
  ]));
  peers.push(startProcess('kube-scheduler', join(toolPath('kubeBinDir'), 'kube-scheduler'), [...delegated, `--secure-port=${await freePort()}`, '-v=1']));
  const stageDir = toolPath('kwokStages');
  const kwokPort = await freePort();
  peers.push(startProcess('kwok', toolPath('kwok'), [
    `--kubeconfig=${kubeconfig}`, '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${Object.entries(kwokManagedAnnotation).map(([k, v]) => `${k}=${v}`).join(',')}`,
    '--node-lease-duration-seconds=40', '--cidr=10.244.0.0/16',
    `--server-address=127.0.0.1:${kwokPort}`,
    ...kwokStages.map((stage) => `--config=${join(stageDir, stage)}`),
    ...(metrics ? kwokKubeletArgs(pki, kwokPort) : ['--node-ip=10.0.0.1']),
  ]));
}

/**
 * KWOK as every node's kubelet, for metrics-server: nodes get 127.0.0.1 and KWOK's port as
 * their address and kubelet endpoint, KWOK serves HTTPS with a certificate for 127.0.0.1 from
 * the test CA, and its stock Metric shapes `/metrics/resource` per node (the path each node's
 * `metrics.k8s.io/resource-metrics-path` annotation names). Usage comes from the CRDs.
 */
function kwokKubeletArgs(pki: ControlPlanePki, kwokPort: number): string[] {
  return ['--node-ip=127.0.0.1', `--node-port=${kwokPort}`,
    `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
    `--config=${join(toolPath('kwokMetrics'), 'metrics-resource.yaml')}`,
    '--enable-crds=ResourceUsage,ClusterResourceUsage'];
}

async function installKwokUsageCrds(kubeConfig: KubeConfig): Promise<void> {
  const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const crdDir = join(toolPath('kwokMetrics'), 'crd');
  const crds = ['kwok.x-k8s.io_resourceusages.yaml', 'kwok.x-k8s.io_clusterresourceusages.yaml']
    .map((file) => loadYaml<V1CustomResourceDefinition>(readFileSync(join(crdDir, file), 'utf8')));
  await Promise.all(crds.map((crd) => extensions.createCustomResourceDefinition({ body: crd })));
  await waitFor('KWOK resource-usage CRDs Established', async () => {
    const established = await Promise.all(crds.map(async (crd) => (await extensions.readCustomResourceDefinition({ name: crd.metadata!.name! }))
      .status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')));
    return established.every(Boolean);
  }, { timeoutMs: 30_000 });
}

const metricsApiService = 'v1beta1.metrics.k8s.io';

/**
 * metrics-server on loopback, with the admin kubeconfig and a self-signed serving certificate,
 * registered as the APIService v1beta1.metrics.k8s.io the way kwokctl does it natively: an
 * ExternalName Service naming 127.0.0.1. (A selector-less Service with an EndpointSlice would
 * need `--enable-aggregator-routing`, but EndpointSlice validation rejects loopback addresses.)
 */
async function startMetricsServer(dir: string, pki: ControlPlanePki, kubeconfig: string, kubeConfig: KubeConfig, peers: Started[]): Promise<void> {
  const port = await freePort();
  const metricsServer = startProcess('metrics-server', toolPath('metricsServer'), [
    `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1', `--secure-port=${port}`, `--cert-dir=${join(dir, 'metrics-server')}`,
    '--kubelet-preferred-address-types=InternalIP', '--kubelet-use-node-status-port', `--kubelet-certificate-authority=${pki.caCert}`,
    // Its shortest allowed scrape interval: CPU is a rate, so a pod has metrics after two scrapes.
    '--metric-resolution=10s', '--kubelet-request-timeout=5s', '-v=1',
  ]);
  peers.push(metricsServer);
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  // Named apart from the metrics-server add-on's own Service, which a chart installed in the test bed makes.
  const service: V1Service & KubernetesObject = {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'test-bed-metrics-server', namespace: 'kube-system' },
    spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'https', port, protocol: 'TCP' }] },
  };
  const apiService: V1APIService & KubernetesObject = {
    apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: metricsApiService },
    spec: {
      group: 'metrics.k8s.io', version: 'v1beta1', service: { namespace: 'kube-system', name: 'test-bed-metrics-server', port },
      // As metrics-server's own manifest: its certificate is self-signed.
      insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 100,
    },
  };
  await objects.create(service);
  await objects.create(apiService);
  const registration = kubeConfig.makeApiClient(ApiregistrationV1Api);
  await waitForPeer(metricsServer, `APIService ${metricsApiService} Available`, async () => (await registration.readAPIService({ name: metricsApiService }))
    .status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True'), { timeoutMs: 60_000 });
}

function simulatedNode(name: string, labels: Record<string, string>): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      // The resource-metrics path is where KWOK serves this node's /metrics/resource (read only by metrics-server).
      annotations: { ...kwokManagedAnnotation, 'node.alpha.kubernetes.io/ttl': '0', 'metrics.k8s.io/resource-metrics-path': `/metrics/nodes/${name}/metrics/resource` },
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok', ...labels },
    },
    // No taints: DaemonSet pods and ordinary workloads land here like on a real worker.
    spec: {},
    status: {
      capacity: { cpu: '4', memory: '16Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '16Gi', pods: '110' },
    },
  };
}

function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function getWithClientCert(url: string, pki: ControlPlanePki): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey), timeout: 5_000,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}
