import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
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
  stop(): Promise<void>;
}

export interface KubeControlPlaneOptions {
  /** Simulated nodes to create and wait Ready for. @default 2 */
  nodes?: number;
  /** Labels put on every simulated node. */
  nodeLabels?: Record<string, string>;
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
export async function kubeControlPlane({ nodes = 2, nodeLabels = {} }: KubeControlPlaneOptions = {}): Promise<KubeControlPlane> {
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
    const server = await startApiserver(pki, etcdUrl, peers);
    const kubeconfigPath = join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, server, pki);
    await startControllers(pki, kubeconfigPath, peers);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
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
    return { server, kubeconfigPath, kubeConfig, nodeNames, addNodes, stop };
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

async function startApiserver(pki: ControlPlanePki, etcdUrl: string, peers: Started[]): Promise<string> {
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const apiserver = startProcess('kube-apiserver', join(toolPath('kubeBinDir'), 'kube-apiserver'), [
    `--etcd-servers=${etcdUrl}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${port}`,
    `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`, `--client-ca-file=${pki.caCert}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPub}`, `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--service-cluster-ip-range=10.96.0.0/16', '--authorization-mode=RBAC', '--allow-privileged=true',
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

async function startControllers(pki: ControlPlanePki, kubeconfig: string, peers: Started[]): Promise<void> {
  const delegated = [`--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1', '--leader-elect=false'];
  peers.push(startProcess('kube-controller-manager', join(toolPath('kubeBinDir'), 'kube-controller-manager'), [
    ...delegated, `--secure-port=${await freePort()}`,
    `--service-account-private-key-file=${pki.serviceAccountKey}`, `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`, `--cluster-signing-key-file=${pki.caKey}`,
    '--use-service-account-credentials=true', '--service-cluster-ip-range=10.96.0.0/16', '-v=1',
  ]));
  peers.push(startProcess('kube-scheduler', join(toolPath('kubeBinDir'), 'kube-scheduler'), [...delegated, `--secure-port=${await freePort()}`, '-v=1']));
  const stageDir = toolPath('kwokStages');
  peers.push(startProcess('kwok', toolPath('kwok'), [
    `--kubeconfig=${kubeconfig}`, '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${Object.entries(kwokManagedAnnotation).map(([k, v]) => `${k}=${v}`).join(',')}`,
    '--node-lease-duration-seconds=40', '--cidr=10.244.0.0/16', '--node-ip=10.0.0.1',
    `--server-address=127.0.0.1:${await freePort()}`,
    ...kwokStages.map((stage) => `--config=${join(stageDir, stage)}`),
  ]));
}

function simulatedNode(name: string, labels: Record<string, string>): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { ...kwokManagedAnnotation, 'node.alpha.kubernetes.io/ttl': '0' },
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
